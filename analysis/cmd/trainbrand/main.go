// Command trainbrand rebuilds the brand head of the sentiment model (analysis/sentiment/brand.bin):
// sentiment toward a brand in a long community post, trained on real posts labelled per brand.
// The same data and flags give the same file, bit for bit.
//
//	go run ./analysis/cmd/trainbrand --data DIR          # writes analysis/sentiment/brand.bin
//	go run ./analysis/cmd/trainbrand --data DIR --eval   # and prints the dev figures
//	go run ./analysis/cmd/trainbrand --data DIR --eval-only --baselines   # the embedded head's dev
//	                                                     # figures, all-neutral's and VADER's
//
// Run it from the repository root. It reads community-brand-sentiment/ in the data folder
// (posts.jsonl, labels.jsonl, queries.json): the brand queries find each brand's spans as
// `overhear analyze` does, the "train" split trains the head (its cross-validation folds set
// the label thresholds), and the "dev" split is only measured. Training also reads the
// sentence head's other sets (SemEval tweets 2013-2016, SemEval-2014 reviews, complaint
// tweets). A file missing from the data folder fails at once, naming every missing file
// (docs/accuracy.md says where each data set comes from; the community set is the team's).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/jonreiter/govader"

	"github.com/overhear/overhear/analysis/sentiment"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "trainbrand:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trainbrand", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "../shared/data", "the labelled data folder (holding community-brand-sentiment/; layout and sources: docs/accuracy.md)")
	out := fs.String("out", "analysis/sentiment/brand.bin", "where to write the brand head")
	eval := fs.Bool("eval", false, "print the dev split's figures")
	evalOnly := fs.Bool("eval-only", false, "measure the embedded model on the dev split, write nothing")
	sentDev := fs.Bool("sentences", false, "with --eval, also measure the sentence head on the dev split's deciding sentences")
	dump := fs.String("dump", "", "write the dev split's mistakes to this JSONL file")
	baselines := fs.Bool("baselines", false, "with --eval or --eval-only, also print the all-neutral and VADER baselines on the dev split")
	extra := fs.String("extra", "analysis/cmd/trainbrand/extra-labels.jsonl",
		"more labelled posts for the train split (labels only; their text is read from the feed snapshots under --data); empty for none")
	cfg := sentiment.DefaultBrandTrainConfig
	bits := fs.Uint("bits", uint(cfg.Bits), "log2 of the head's buckets")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the data")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "AdaGrad learning rate")
	fs.Float64Var(&cfg.L2, "l2", cfg.L2, "L2 penalty per update")
	fs.Float64Var(&cfg.Dropout, "dropout", cfg.Dropout, "n-gram dropout")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "shuffling seed")
	wPolar := fs.Float64("w-polar", float64(polarWeight), "weight of the community's polar sentences in the sentence head")
	wNeg := fs.Float64("w-negative", float64(classWeight[0]), "weight of negative mentions in the brand head")
	wPos := fs.Float64("w-positive", float64(classWeight[2]), "weight of positive mentions in the brand head")
	wTweet := fs.Float64("w-tweet", float64(tweetWeight), "weight of the SemEval tweets in the sentence head")
	fs.IntVar(&cfg.Sentence.Epochs, "sentence-epochs", cfg.Sentence.Epochs, "the sentence head's passes over its data")
	fs.IntVar(&cfg.Folds, "folds", cfg.Folds, "cross-validation folds for the label thresholds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Bits = uint8(*bits)
	polarWeight, tweetWeight = float32(*wPolar), float32(*wTweet)
	classWeight = [3]float32{float32(*wNeg), 1, float32(*wPos)}
	if err := checkData(*data, *evalOnly); err != nil {
		return err
	}
	dir := filepath.Join(*data, "community-brand-sentiment")
	set, err := loadCommunity(dir)
	if err != nil {
		return err
	}
	if *extra != "" && !*evalOnly {
		n, err := set.addExtra(*extra, filepath.Join(*data, "fixtures", "reddit-atom-feed-snapshots"))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d more labelled posts from %s for the train split\n", n, *extra)
	}
	m, err := sentiment.Base()
	if *evalOnly {
		m, err = sentiment.Default()
	}
	if err != nil {
		return err
	}
	if !*evalOnly {
		train := set.examples("train")
		sents := set.sentences(train)
		n := len(sents)
		ext, err := externalSentences(*data)
		if err != nil {
			return err
		}
		sents = append(sents, ext...)
		fmt.Fprintf(stderr, "training the brand head on %d brand mentions, its sentence head on %d community and %d other sentences\n", len(train), n, len(ext))
		oof, err := m.TrainBrand(train, sents, cfg)
		if err != nil {
			return err
		}
		gold := make([]string, len(train))
		for i, x := range train {
			gold[i] = sentiment.Labels[x.Label]
		}
		neg, pos := m.BrandThresholds()
		oofPred := make([]string, len(oof))
		for i, v := range oof {
			oofPred[i] = sentiment.Neutral
			if v < neg {
				oofPred[i] = sentiment.Negative
			} else if v > pos {
				oofPred[i] = sentiment.Positive
			}
		}
		fmt.Fprintf(stdout, "train out-of-fold at the thresholds: %s\n", summary(gold, oofPred))
		fmt.Fprintf(stdout, "label thresholds: negative below %.2f, positive above %.2f\n", neg, pos)
		fmt.Fprintf(stdout, "train, %d-fold out-of-fold scores: %s\n", cfg.Folds, curve(gold, oof))
		var buf bytes.Buffer
		if _, err := m.WriteBrandTo(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", *out, buf.Len())
	}
	if *eval || *evalOnly {
		dev := set.examples("dev")
		gold, pred := make([]string, len(dev)), make([]string, len(dev))
		scores := make([]float64, len(dev))
		for i, x := range dev {
			r := m.ScoreBrand(x.Text, x.HasTitle, x.Spans, x.Others)
			gold[i], pred[i], scores[i] = sentiment.Labels[x.Label], r.Label, r.Score
		}
		fmt.Fprintf(stdout, "dev (n=%d): %s\n", len(dev), summary(gold, pred))
		e := sentiment.Evaluate(gold, pred)
		for _, c := range e.Classes {
			fmt.Fprintf(stdout, "    %-8s P %.3f R %.3f F1 %.3f\n", c.Label, c.Precision, c.Recall, c.F1)
		}
		if *dump != "" {
			var b bytes.Buffer
			for i, x := range dev {
				if gold[i] != pred[i] {
					line, _ := json.Marshal(map[string]any{"gold": gold[i], "pred": pred[i], "score": scores[i],
						"brand": x.Text[x.Spans[0][0]:x.Spans[0][1]], "context": sentiment.BrandContext(x.Text, x.HasTitle, x.Spans, x.Others)})
					b.Write(append(line, '\n'))
				}
			}
			if err := os.WriteFile(*dump, b.Bytes(), 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "dev curve: %s\n", curve(gold, scores))
		if *baselines {
			neutral := make([]string, len(dev))
			for i := range neutral {
				neutral[i] = sentiment.Neutral
			}
			fmt.Fprintf(stdout, "dev all-neutral baseline: %s\n", summary(gold, neutral))
			fmt.Fprintf(stdout, "dev VADER baseline (govader, whole post, compound ±0.05): %s\n", summary(gold, vaderBaseline(dev)))
		}
		if *sentDev {
			ds := set.sentences(dev)
			g, p := make([]string, len(ds)), make([]string, len(ds))
			for i, x := range ds {
				g[i], p[i] = sentiment.Labels[x.Label], m.ScoreSentence(x.Text).Label
			}
			fmt.Fprintf(stdout, "dev sentences (n=%d): %s\n", len(ds), summary(g, p))
			for i, x := range ds {
				p[i] = m.Score(x.Text).Label
			}
			fmt.Fprintf(stdout, "dev sentences, text head (n=%d): %s\n", len(ds), summary(g, p))
		}
	}
	return nil
}

// Files of the data folder, relative to it: the community set every run reads, and the
// sentence head's other sets a run that trains reads.
var (
	communityFiles = []string{
		"community-brand-sentiment/posts.jsonl",
		"community-brand-sentiment/labels.jsonl",
		"community-brand-sentiment/queries.json",
	}
	sentenceFiles = []string{
		"semeval-tweets-2013-2016/tweets.jsonl",
		"semeval14-absa/laptops_train.jsonl",
		"semeval14-absa/restaurants_train.jsonl",
		"complaints-tweets-preotiuc2019/complaints.jsonl",
	}
)

// checkData fails, naming every missing file, when the data folder lacks a file the run needs.
func checkData(data string, evalOnly bool) error {
	need := slices.Clone(communityFiles)
	if !evalOnly {
		need = append(need, sentenceFiles...)
	}
	var missing []string
	for _, f := range need {
		if _, err := os.Stat(filepath.Join(data, filepath.FromSlash(f))); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the data folder %s lacks %s (set --data to the folder that holds the data sets; docs/accuracy.md says where each comes from)",
			data, strings.Join(missing, ", "))
	}
	return nil
}

// vaderBaseline labels every mention with VADER's reading of its whole post (title and text,
// as the brand head reads them): compound >= 0.05 positive, <= -0.05 negative, neutral between,
// as VADER's authors suggest. Every brand of a post gets the same label.
func vaderBaseline(xs []sentiment.BrandExample) []string {
	va := govader.NewSentimentIntensityAnalyzer()
	out := make([]string, len(xs))
	for i, x := range xs {
		switch c := va.PolarityScores(x.Text).Compound; {
		case c >= 0.05:
			out[i] = sentiment.Positive
		case c <= -0.05:
			out[i] = sentiment.Negative
		default:
			out[i] = sentiment.Neutral
		}
	}
	return out
}

// summary prints the figures devscore prints for brand sentiment.
func summary(gold, pred []string) string {
	e := sentiment.Evaluate(gold, pred)
	var polar, polarOK, called, calledOK, neg, negOK int
	for i := range gold {
		if gold[i] != sentiment.Neutral {
			polar++
			if pred[i] == gold[i] {
				polarOK++
			}
		}
		if pred[i] != sentiment.Neutral {
			called++
			if pred[i] == gold[i] {
				calledOK++
			}
		}
		if gold[i] == sentiment.Negative {
			neg++
			if pred[i] == gold[i] {
				negOK++
			}
		}
	}
	return fmt.Sprintf("macro-F1 %.3f accuracy %.3f polar recall %.3f polar precision %.3f negatives found %d/%d",
		e.MacroF1, e.Accuracy, ratio(polarOK, polar), ratio(calledOK, called), negOK, neg)
}

// curve prints macro-F1 and polar precision/recall for a few symmetric widenings of the
// neutral band around the scores' best thresholds.
func curve(gold []string, scores []float64) string {
	s := ""
	for _, band := range []float64{0.1, 0.2, 0.3, 0.4, 0.5} {
		pred := make([]string, len(gold))
		for i, v := range scores {
			switch {
			case v < -band:
				pred[i] = sentiment.Negative
			case v > band:
				pred[i] = sentiment.Positive
			default:
				pred[i] = sentiment.Neutral
			}
		}
		s += fmt.Sprintf("\n    band ±%.1f: %s", band, summary(gold, pred))
	}
	return s
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// sentences returns labelled sentences of the mentions' posts for the sentence head: for a
// polar mention, the sentence that holds the annotator's deciding words ("why"); for a
// neutral one, the sentences naming the brand.
func (c *community) sentences(xs []sentiment.BrandExample) []sentiment.SentenceExample {
	var out []sentiment.SentenceExample
	for i, x := range xs {
		named, cont := sentiment.BrandSentences(x.Text, x.HasTitle, x.Spans, x.Others)
		if x.Label == 1 {
			for _, s := range named {
				out = append(out, sentiment.SentenceExample{Example: sentiment.Example{Text: s, Label: 1}, Half: x.Half})
			}
			continue
		}
		why := wordSet(c.why[i])
		best, bestShare := "", 0.0
		for _, s := range append(named, cont...) {
			ws := wordSet(s)
			shared := 0
			for w := range why {
				if ws[w] {
					shared++
				}
			}
			if share := float64(shared) / float64(max(len(why), 1)); share > bestShare {
				best, bestShare = s, share
			}
		}
		if bestShare >= 0.5 {
			out = append(out, sentiment.SentenceExample{Example: sentiment.Example{Text: best, Label: x.Label, Weight: polarWeight}, Half: x.Half})
		}
	}
	return out
}

// Weights of the sentence head's data: the community's polar sentences are few and what the
// head is for; tweets are many and only general.
var (
	// classWeight evens out the brand head's classes a little: most mentions are neutral.
	classWeight         = [3]float32{1, 1, 3}
	polarWeight float32 = 6
	tweetWeight float32 = 0.5
)

func wordSet(s string) map[string]bool {
	ws := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		ws[w] = true
	}
	return ws
}

// externalSentences reads the other labelled sentences of the sentence head: SemEval tweets
// 2013-2016, SemEval-2014 laptop and restaurant review sentences (those whose aspects agree),
// and complaint tweets (complaints as negative).
func externalSentences(data string) ([]sentiment.SentenceExample, error) {
	labels := map[string]int{"negative": 0, "neutral": 1, "positive": 2}
	var out []sentiment.SentenceExample
	add := func(text string, label int, w float32) {
		out = append(out, sentiment.SentenceExample{Example: sentiment.Example{Text: text, Label: label, Weight: w}, Half: -1})
	}
	if err := readJSONL(filepath.Join(data, "semeval-tweets-2013-2016", "tweets.jsonl"), func(b []byte) error {
		var r struct{ Text, Label string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if l, ok := labels[r.Label]; ok {
			add(r.Text, l, tweetWeight)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, f := range []string{"laptops_train.jsonl", "restaurants_train.jsonl"} {
		byText := map[string]int{}
		var order []string
		if err := readJSONL(filepath.Join(data, "semeval14-absa", f), func(b []byte) error {
			var r struct{ Text, Polarity string }
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			l, ok := labels[r.Polarity]
			if !ok {
				l = -1
			}
			if prev, seen := byText[r.Text]; !seen {
				byText[r.Text] = l
				order = append(order, r.Text)
			} else if prev != l {
				byText[r.Text] = -1
			}
			return nil
		}); err != nil {
			return nil, err
		}
		for _, t := range order {
			if l := byText[t]; l >= 0 {
				add(t, l, 1)
			}
		}
	}
	if err := readJSONL(filepath.Join(data, "complaints-tweets-preotiuc2019", "complaints.jsonl"), func(b []byte) error {
		var r struct {
			Text        string
			IsComplaint bool `json:"is_complaint"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if r.IsComplaint {
			add(r.Text, 0, 1)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

type post struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type label struct {
	ID     string `json:"id"`
	Split  string `json:"split"`
	Brands map[string]struct {
		Relevant  bool   `json:"relevant"`
		Sentiment string `json:"sentiment"`
		Why       string `json:"why"`
	} `json:"brands"`
}

type community struct {
	posts   map[string]post
	labels  []label
	names   []string
	matcher *collectors.Matcher
	why     []string // the deciding words of each mention examples returned, in order
}

func loadCommunity(dir string) (*community, error) {
	c := &community{posts: map[string]post{}}
	if err := readJSONL(filepath.Join(dir, "posts.jsonl"), func(b []byte) error {
		var p post
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		c.posts[p.ID] = p
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readJSONL(filepath.Join(dir, "labels.jsonl"), func(b []byte) error {
		var l label
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		c.labels = append(c.labels, l)
		return nil
	}); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "queries.json"))
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	var queries map[string]string
	if err := json.Unmarshal(raw, &queries); err != nil {
		return nil, fmt.Errorf("queries.json: %w", err)
	}
	for n := range queries {
		c.names = append(c.names, n)
	}
	sort.Strings(c.names) // map order must not reach the model
	qs := make([]*collectors.Query, len(c.names))
	for i, n := range c.names {
		if qs[i], err = collectors.ParseQuery(queries[n]); err != nil {
			return nil, fmt.Errorf("query of %s: %w", n, err)
		}
	}
	c.matcher = collectors.NewMatcher(qs)
	return c, nil
}

// examples returns the relevant brand mentions of a split, as `overhear analyze` reads them.
func (c *community) examples(split string) []sentiment.BrandExample {
	var xs []sentiment.BrandExample
	c.why = c.why[:0]
	for k, l := range c.labels {
		if l.Split != split {
			continue
		}
		p, ok := c.posts[l.ID]
		if !ok {
			continue
		}
		m := collectors.Mention{ID: p.ID, Title: p.Title, Text: p.Text}
		m.Normalize()
		text := m.FullText()
		matches := c.matcher.Match(text)
		for _, mt := range matches {
			name := c.names[mt.Query]
			lab, ok := l.Brands[name]
			if !ok || !lab.Relevant {
				continue
			}
			var others [][2]int
			for _, o := range matches {
				if o.Query != mt.Query {
					others = append(others, o.Spans...)
				}
			}
			idx := map[string]int{"negative": 0, "neutral": 1, "positive": 2}[lab.Sentiment]
			xs = append(xs, sentiment.BrandExample{Text: text, HasTitle: m.Title != "" && m.Text != "",
				Spans: mt.Spans, Others: others, Label: idx, Half: k % 2, Weight: classWeight[idx]})
			c.why = append(c.why, lab.Why)
		}
	}
	return xs
}

// addExtra adds the labelled posts of the JSONL file at path (lines as labels.jsonl's, labelled
// with the same guide by the team) to the train split. Only their labels are in the
// repository: their text comes from the Reddit feed snapshots in feeds, read the way the feed
// collector reads them. It returns how many posts it added.
func (c *community) addExtra(path, feeds string) (int, error) {
	var ls []label
	want := map[string]bool{}
	if err := readJSONL(path, func(b []byte) error {
		var l label
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		if _, dup := c.posts[l.ID]; dup || want[l.ID] {
			return fmt.Errorf("post %s is labelled twice", l.ID)
		}
		l.Split = "train"
		ls = append(ls, l)
		want[l.ID] = true
		return nil
	}); err != nil {
		return 0, fmt.Errorf("read extra labels: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(feeds, "entries_*.jsonl"))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("no feed entries (entries_*.jsonl) in %s for the extra labels: %v", feeds, err)
	}
	sort.Strings(files)
	for _, f := range files {
		if err := readJSONL(f, func(b []byte) error {
			var e struct {
				ID      string `json:"id"`
				Title   string `json:"title"`
				Content string `json:"content_html"`
			}
			if err := json.Unmarshal(b, &e); err != nil {
				return err
			}
			if want[e.ID] {
				c.posts[e.ID] = post{ID: e.ID, Title: e.Title, Text: feedreader.StripRedditFooter(feedreader.HTMLToText(e.Content))}
			}
			return nil
		}); err != nil {
			return 0, fmt.Errorf("read feed entries: %w", err)
		}
	}
	for _, l := range ls {
		if _, ok := c.posts[l.ID]; !ok {
			return 0, fmt.Errorf("extra label for %s: no such post in %s", l.ID, feeds)
		}
	}
	c.labels = append(c.labels, ls...)
	return len(ls), nil
}

func readJSONL(path string, each func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := each(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}
