package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/sentiment"
	"github.com/overhear/overhear/collectors"
)

const evalUsage = `eval sentiment --file labelled.jsonl [--config FILE] [--brand 'Name=QUERY']...

Lines are JSON objects with a gold "label" (positive, neutral or negative) and:
  {"text", optional "title"}                 whole-post sentiment, as analyze's "sentiment"
  {"text", optional "title", "target"}       sentiment toward the phrase, as analyze's "target_sentiment"
  {"text", optional "title", "brand", optional "query"}
                                             sentiment toward the brand, as analyze's "brands"
A brand line names a brand of the config (or of --brand), or gives its "query" itself. Whole-post
and brand lines are reported separately. Mentions the model does not score (not English) are
counted as not scored; a bad line is reported on stderr with its number and skipped.`

func runEval(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || args[0] != "sentiment" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(m.Stderr, "Usage: overhear "+evalUsage)
			return nil
		}
		return usagef("usage: overhear eval sentiment --file labelled.jsonl")
	}
	fs := m.newFlags("eval sentiment", evalUsage)
	file := fs.String("file", "", "labelled JSONL; - reads stdin")
	configPath := fs.String("config", "", "take brands from this config file (default: the embedded config)")
	var brandFlags multiFlag
	fs.Var(&brandFlags, "brand", "a brand for brand lines, as 'Name=QUERY' (repeatable; replaces a config brand of that name)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *file == "" {
		return usagef("--file is required")
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	brands := cfg.Brands
	for _, f := range brandFlags {
		b, err := parseBrandFlag(f)
		if err != nil {
			return err
		}
		brands = withBrand(brands, b)
	}
	var in io.Reader = m.Stdin
	name := *file
	if *file == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	scorer, err := analysis.DefaultScorer()
	if err != nil {
		return err
	}
	ev, err := newSentimentEval(scorer, brands)
	if err != nil {
		return err
	}
	lines := newLineReader(in)
	for {
		line, n, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		switch err := ev.add(line); {
		case errors.Is(err, errNotMatched):
			fmt.Fprintf(m.Stderr, "%s line %d: note: %v\n", name, n, err)
		case err != nil:
			// As analyze does: say which line is wrong and go on with the rest.
			ev.skipped++
			fmt.Fprintf(m.Stderr, "%s line %d: %v\n", name, n, err)
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if ev.post.lines+ev.brand.lines == 0 {
		if ev.skipped > 0 {
			return usagef("%s has no usable labelled lines (%d bad, see above)", name, ev.skipped)
		}
		return usagef("%s has no labelled lines", name)
	}
	return ev.writeText(m.Stdout)
}

// evalRow is one line of `overhear eval sentiment` input.
type evalRow struct {
	Text   *string `json:"text"`
	Title  string  `json:"title"`
	Label  string  `json:"label"`
	Target string  `json:"target"`
	Brand  string  `json:"brand"`
	Query  string  `json:"query"`
}

// sentimentEval scores labelled lines the way `overhear analyze` does and keeps, per kind of
// line, the gold and predicted labels.
type sentimentEval struct {
	scorer analysis.Scorer
	// brands are the configured brands (config and --brand).
	brands []collectors.Brand
	// whole analyses whole-post lines (no brands: only the text's own sentiment).
	whole *analysis.Analyzer
	// analyzers holds one Analyzer per brand set; key "" is the configured brands.
	analyzers map[string]*analysis.Analyzer
	// post and brand are the whole-post and the brand figures.
	post, brand evalSet
	// targets counts the whole-post lines with a target.
	targets int
	// skipped counts bad lines.
	skipped int
}

// evalSet is the labels of one kind of line.
type evalSet struct {
	// lines counts the lines read, scored or not.
	lines      int
	gold, pred []string
	// notScored counts, per language, the lines the model does not score.
	notScored map[string]int
	// unmatched counts brand lines whose brand query does not match the text.
	unmatched int
}

// maxAnalyzers bounds the analyzers kept for brands given with their query on the line.
const maxAnalyzers = 64

func newSentimentEval(scorer analysis.Scorer, brands []collectors.Brand) (*sentimentEval, error) {
	whole, err := analysis.NewAnalyzer(nil, nil, scorer, nil)
	if err != nil {
		return nil, err
	}
	configured, err := analysis.NewAnalyzer(brands, nil, scorer, nil)
	if err != nil {
		return nil, err
	}
	return &sentimentEval{scorer: scorer, brands: brands, whole: whole,
		analyzers: map[string]*analysis.Analyzer{"": configured}}, nil
}

// add scores one line. An error means the line is bad and was not counted, except
// errNotMatched, a brand line counted as not matched.
func (e *sentimentEval) add(line []byte) error {
	var row evalRow
	if err := json.Unmarshal(line, &row); err != nil {
		return jsonError(err)
	}
	label := strings.ToLower(strings.TrimSpace(row.Label))
	switch {
	case row.Label == "":
		return fmt.Errorf("missing label: use positive, neutral or negative")
	case !analysis.ValidLabel(label):
		return fmt.Errorf("label %q: use positive, neutral or negative", row.Label)
	case row.Text == nil:
		return fmt.Errorf("missing text")
	case strings.TrimSpace(*row.Text) == "" && strings.TrimSpace(row.Title) == "":
		return fmt.Errorf("empty text and title: nothing to score")
	case row.Brand != "" && row.Target != "":
		return fmt.Errorf("both brand and target: a line scores one of them")
	case row.Query != "" && strings.TrimSpace(row.Brand) == "":
		return fmt.Errorf("query without brand: give the brand's name too")
	}
	m := collectors.Mention{ID: "eval", Title: row.Title, Text: *row.Text}
	if row.Brand != "" {
		return e.addBrand(m, strings.TrimSpace(row.Brand), row.Query, label)
	}
	r := e.whole.Analyze(m)
	s := r.Sentiment
	if row.Target != "" {
		// analyze's target_sentiment: the phrase's sentiment in the title and text.
		s = e.scorer.ScoreTargetPhrase(r.FullText(), row.Target)
		e.targets++
	}
	e.post.add(label, s, r.Language)
	return nil
}

// addBrand scores the sentiment toward one brand of m, as analyze reports it in `brands`.
func (e *sentimentEval) addBrand(m collectors.Mention, name, query, label string) error {
	an, name, err := e.analyzer(name, query)
	if err != nil {
		return err
	}
	r := an.Analyze(m)
	for _, b := range r.Brands {
		if b.Name == name {
			e.brand.add(label, b.Sentiment, r.Language)
			return nil
		}
	}
	// Not a bad line: the query misses this text, so analyze would not report the brand.
	e.brand.lines++
	e.brand.unmatched++
	return fmt.Errorf("brand %q: %w", name, errNotMatched)
}

// errNotMatched notes a brand line whose brand query does not match its text: counted and
// noted, not a bad line.
var errNotMatched = errors.New("its query does not match the text; not scored")

// analyzer returns the analyzer for a brand line and the brand's name as configured. Without
// a query the brand must be configured; with one, it replaces a configured brand of that name
// for this line. The other configured brands stay, so a comparison is read as analyze reads it.
func (e *sentimentEval) analyzer(name, query string) (*analysis.Analyzer, string, error) {
	if query == "" {
		for _, b := range e.brands {
			if strings.EqualFold(b.Name, name) {
				return e.analyzers[""], b.Name, nil
			}
		}
		return nil, "", fmt.Errorf("brand %q is not configured: give its \"query\" on the line, or --brand '%s=QUERY'", name, name)
	}
	key := name + "\x00" + query
	if an, ok := e.analyzers[key]; ok {
		return an, name, nil
	}
	b := collectors.Brand{Name: name, Query: query}
	if err := b.Validate(); err != nil {
		return nil, "", fmt.Errorf("brand %q: %w", name, err)
	}
	an, err := analysis.NewAnalyzer(withBrand(e.brands, b), nil, e.scorer, nil)
	if err != nil {
		return nil, "", err
	}
	if len(e.analyzers) > maxAnalyzers {
		e.analyzers = map[string]*analysis.Analyzer{"": e.analyzers[""]}
	}
	e.analyzers[key] = an
	return an, name, nil
}

// withBrand returns brands with b in place of any brand of the same name (case-insensitive),
// or added at the end.
func withBrand(brands []collectors.Brand, b collectors.Brand) []collectors.Brand {
	out := make([]collectors.Brand, 0, len(brands)+1)
	for _, o := range brands {
		if !strings.EqualFold(o.Name, b.Name) {
			out = append(out, o)
		}
	}
	return append(out, b)
}

func (s *evalSet) add(gold string, pred analysis.Sentiment, language string) {
	s.lines++
	if pred.Unscored {
		if s.notScored == nil {
			s.notScored = map[string]int{}
		}
		s.notScored[language]++
		return
	}
	s.gold, s.pred = append(s.gold, gold), append(s.pred, pred.Label)
}

func (s *evalSet) notScoredTotal() int {
	n := 0
	for _, c := range s.notScored {
		n += c
	}
	return n
}

// notScoredText is "3 not scored (not English: de 1, fr 2)".
func (s *evalSet) notScoredText() string {
	n := s.notScoredTotal()
	if n == 0 {
		return "0 not scored"
	}
	langs := make([]string, 0, len(s.notScored))
	for l := range s.notScored {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	parts := make([]string, len(langs))
	for i, l := range langs {
		parts[i] = l + " " + strconv.Itoa(s.notScored[l])
	}
	return fmt.Sprintf("%d not scored (not English: %s)", n, strings.Join(parts, ", "))
}

// writeText writes one section per kind of line present: whole-post, then brand.
func (e *sentimentEval) writeText(w io.Writer) error {
	var b strings.Builder
	if e.post.lines > 0 {
		fmt.Fprintf(&b, "whole-post sentiment: %d lines (%d with a target, scored as target_sentiment), %s\n",
			e.post.lines, e.targets, e.post.notScoredText())
		e.post.writeText(&b)
	}
	if e.brand.lines > 0 {
		if e.post.lines > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "sentiment toward the brand: %d lines, %s, %d where the brand's query does not match the text\n",
			e.brand.lines, e.brand.notScoredText(), e.brand.unmatched)
		e.brand.writeText(&b)
	}
	if e.skipped > 0 {
		fmt.Fprintf(&b, "\n%d bad lines skipped (see stderr)\n", e.skipped)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write evaluation: %w", err)
	}
	return nil
}

// writeText writes the figures of the scored lines and the all-neutral baseline beside them.
func (s *evalSet) writeText(b *strings.Builder) {
	if len(s.gold) == 0 {
		b.WriteString("no scored lines\n")
		return
	}
	_ = sentiment.Evaluate(s.gold, s.pred).WriteText(b) // a strings.Builder does not fail
	neutral := make([]string, len(s.gold))
	for i := range neutral {
		neutral[i] = analysis.Neutral
	}
	base := sentiment.Evaluate(s.gold, neutral)
	fmt.Fprintf(b, "\nall-neutral baseline: macro-F1 %.3f  accuracy %.3f\n", base.MacroF1, base.Accuracy)
}
