// Package analysis turns collected mentions into results: it matches brand and topic queries,
// scores sentiment (for the whole text and toward each matched brand), and finds questions.
// It is a chain of small stages (see Pipeline), deterministic so outputs can be checked
// against golden files.
package analysis

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/overhear/overhear/collectors"
)

// Sentiment is a sentiment judgement.
type Sentiment struct {
	// Label is "positive", "neutral" or "negative".
	Label string `json:"label"`
	// Score is calibrated to [-1, 1]. For a brand, the label is a threshold on it (see
	// analysis/sentiment: BrandThresholds).
	Score float64 `json:"score"`
	// Unscored is true when the text is in a language the model does not read: the label is
	// then "neutral" and the score 0, and metrics and alerts leave the mention out of
	// sentiment figures.
	Unscored bool `json:"unscored,omitempty"`
}

// Sentiment labels, also the values of the `sentiment` metric label.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// Labels lists the sentiment labels in a fixed order.
var Labels = []string{Positive, Neutral, Negative}

// BrandResult is a brand matched by a mention, with the sentiment toward that brand.
type BrandResult struct {
	Name      string    `json:"name"`
	Sentiment Sentiment `json:"sentiment"`
	// Unattended is true when none of the brand's accounts posted in the mention's thread.
	Unattended bool `json:"unattended"`
	// InThread is true when the mention does not name the brand but replies in a thread that
	// does (collectors.Mention.ThreadBrands); its sentiment is then that of the whole reply.
	InThread bool `json:"in_thread,omitempty"`
}

// Result is a mention with what analysis found in it. Its JSON is the Mention JSON of CONTRACTS.md.
type Result struct {
	collectors.Mention
	// Sentiment is the sentiment of the whole text.
	Sentiment Sentiment `json:"sentiment"`
	// Brands are the matched brands, in config order.
	Brands []BrandResult `json:"brands"`
	// Topics are the names of the matched topics, in config order.
	Topics []string `json:"topics"`
	// Question is true when the text asks at least one question.
	Question bool `json:"question"`
	// Questions are the question sentences.
	Questions []string `json:"questions"`
	// QuestionClusters holds the recurring-question cluster of each question, in the same
	// order; set by the pipeline when it stores the mention.
	QuestionClusters []string `json:"question_clusters,omitempty"`
	// Unattended is true when some matched brand has no account in the thread (for a mention
	// that matches only topics: when no brand account at all took part).
	Unattended bool `json:"unattended"`
	// Language is the ISO 639-1 code of the text's language when it could be told ("en",
	// "fr"); empty when the text is too short or mixed to tell.
	Language string `json:"language,omitempty"`
	// TargetSentiment is the sentiment toward a caller-given target (analyze's `target` field).
	TargetSentiment *Sentiment `json:"target_sentiment,omitempty"`
}

// Matched reports whether the result matched any brand or topic.
func (r *Result) Matched() bool { return len(r.Brands) > 0 || len(r.Topics) > 0 }

// BrandNames lists the matched brands' names.
func (r *Result) BrandNames() []string {
	names := make([]string, len(r.Brands))
	for i, b := range r.Brands {
		names[i] = b.Name
	}
	return names
}

// Scorer scores sentiment. Implementations are deterministic and safe for concurrent use.
type Scorer interface {
	// Score scores the whole text.
	Score(text string) Sentiment
	// ScoreTarget scores the sentiment toward the target found at spans (byte offsets in text).
	ScoreTarget(text string, spans [][2]int) Sentiment
	// ScoreTargetPhrase finds phrase in text and scores the sentiment toward it.
	ScoreTargetPhrase(text, phrase string) Sentiment
	// ScoreWithTargets scores the whole text and the sentiment toward each target (the spans
	// of one target each), reading the text once: it returns Score(text) and appends
	// ScoreTarget(text, targets[i]) for each target to dst.
	ScoreWithTargets(text string, targets [][][2]int, dst []Sentiment) (Sentiment, []Sentiment)
	// ScoreBrands scores the whole text and the sentiment toward each brand it names (the
	// spans of one brand each) from what the text says about that brand, reading the text
	// once: it returns Score(text) and appends one Sentiment per brand to dst. hasTitle tells
	// that text is a title, a blank line and a body (Mention.FullText).
	ScoreBrands(text string, hasTitle bool, brands [][][2]int, dst []Sentiment) (Sentiment, []Sentiment)
}

// QuestionDetector returns the question sentences of a text.
type QuestionDetector func(text string) []string

// Stage is one step of the pipeline. A stage may drop results (return fewer); errors stop the pipeline.
type Stage interface {
	Process(ctx context.Context, results []Result) ([]Result, error)
}

// StageFunc adapts a function to Stage.
type StageFunc func(ctx context.Context, results []Result) ([]Result, error)

// Process implements Stage.
func (f StageFunc) Process(ctx context.Context, results []Result) ([]Result, error) {
	return f(ctx, results)
}

// Pipeline runs stages in order.
type Pipeline []Stage

// Process implements Stage.
func (p Pipeline) Process(ctx context.Context, results []Result) ([]Result, error) {
	var err error
	for _, s := range p {
		if err = ctx.Err(); err != nil {
			return nil, fmt.Errorf("analysis: %w", err)
		}
		if results, err = s.Process(ctx, results); err != nil {
			return nil, err
		}
		if len(results) == 0 {
			return results, nil
		}
	}
	return results, nil
}

// Analyzer holds what the analysis stages share: compiled queries, the sentiment scorer and the
// question detector. It is safe for concurrent use.
type Analyzer struct {
	brands  []collectors.Brand
	topics  []collectors.Topic
	matcher *collectors.Matcher
	scorer  Scorer
	detect  QuestionDetector
}

// NewAnalyzer compiles the brands' and topics' queries. Query errors name the brand or topic.
func NewAnalyzer(brands []collectors.Brand, topics []collectors.Topic, scorer Scorer, detect QuestionDetector) (*Analyzer, error) {
	queries := make([]*collectors.Query, 0, len(brands)+len(topics))
	for _, b := range brands {
		q, err := collectors.ParseQuery(b.Query)
		if err != nil {
			return nil, fmt.Errorf("analysis: brand %q: %w", b.Name, err)
		}
		queries = append(queries, q)
	}
	for _, t := range topics {
		q, err := collectors.ParseQuery(t.Query)
		if err != nil {
			return nil, fmt.Errorf("analysis: topic %q: %w", t.Name, err)
		}
		queries = append(queries, q)
	}
	return &Analyzer{brands: brands, topics: topics, matcher: collectors.NewMatcher(queries), scorer: scorer, detect: detect}, nil
}

// Brands returns the configured brands.
func (a *Analyzer) Brands() []collectors.Brand { return a.brands }

// Analyze runs every stage on one mention, keeping it even when nothing matches
// (as `overhear analyze` needs). Unattended is judged as if the mention were alone in its thread.
func (a *Analyzer) Analyze(m collectors.Mention) Result {
	m.Normalize()
	r := Result{Mention: m}
	a.match(&r, true)
	a.questions(&r)
	a.judgeAbsence(&r, nil)
	return r
}

// Stages returns the pipeline's analysis stages: normalize, match and score sentiment (for the
// whole text and toward each matched brand, reading the text once; results that match nothing
// are dropped unscored), then questions and attendance. participants, when non-nil, tells which
// brands' accounts took part in a thread (see ThreadParticipants).
func (a *Analyzer) Stages(participants ThreadParticipants) Pipeline {
	return Pipeline{
		StageFunc(func(_ context.Context, rs []Result) ([]Result, error) {
			kept := rs[:0]
			for i := range rs {
				rs[i].Mention.Normalize()
				a.match(&rs[i], false)
				if rs[i].Matched() {
					kept = append(kept, rs[i])
				}
			}
			return kept, nil
		}),
		StageFunc(func(_ context.Context, rs []Result) ([]Result, error) {
			for i := range rs {
				a.questions(&rs[i])
			}
			return rs, nil
		}),
		StageFunc(func(ctx context.Context, rs []Result) ([]Result, error) {
			for i := range rs {
				var seen []string
				if participants != nil {
					var err error
					if seen, err = participants(ctx, rs[i].Source, rs[i].ThreadID); err != nil {
						return nil, fmt.Errorf("analysis: thread participants: %w", err)
					}
				}
				a.judgeAbsence(&rs[i], seen)
			}
			return rs, nil
		}),
	}
}

// ThreadParticipants returns the names of the brands whose accounts posted in a thread.
type ThreadParticipants func(ctx context.Context, source, threadID string) ([]string, error)

// match sets r's brands and topics. When r matched something, or always, it also scores the
// sentiment of the whole text and toward each matched brand (where its query matched, while
// the spans are at hand), so each text is matched once and read once by the scorer.
func (a *Analyzer) match(r *Result, always bool) {
	r.Brands, r.Topics = r.Brands[:0], r.Topics[:0]
	text := r.FullText()
	sc := scratchPool.Get().(*scratch)
	sc.targets = sc.targets[:0]
	for _, m := range a.matcher.Match(text) {
		if m.Query < len(a.brands) {
			r.Brands = append(r.Brands, BrandResult{Name: a.brands[m.Query].Name})
			sc.targets = append(sc.targets, m.Spans)
		} else {
			r.Topics = append(r.Topics, a.topics[m.Query-len(a.brands)].Name)
		}
	}
	named := len(r.Brands)
	for _, tb := range r.ThreadBrands {
		if i := a.brandIndex(tb); i >= 0 && !hasBrand(r.Brands, a.brands[i].Name) {
			r.Brands = append(r.Brands, BrandResult{Name: a.brands[i].Name, InThread: true})
		}
	}
	if r.Brands == nil {
		r.Brands = []BrandResult{}
	}
	if r.Topics == nil {
		r.Topics = []string{}
	}
	if always || r.Matched() {
		a.score(r, text, sc, named)
	}
	clear(sc.targets) // drop the matcher's spans
	scratchPool.Put(sc)
}

// scratch holds the per-mention buffers of match.
type scratch struct {
	targets [][][2]int
	out     []Sentiment
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// brandIndex returns the index of the configured brand called name (case-insensitive), or -1.
func (a *Analyzer) brandIndex(name string) int {
	for i := range a.brands {
		if strings.EqualFold(a.brands[i].Name, name) {
			return i
		}
	}
	return -1
}

func hasBrand(bs []BrandResult, name string) bool {
	for _, b := range bs {
		if b.Name == name {
			return true
		}
	}
	return false
}

// score sets the sentiment of the whole text and toward each brand: the first named brands
// where their query matched (their spans are sc.targets), the rest in their thread only, which
// get the sentiment of the whole reply.
func (a *Analyzer) score(r *Result, text string, sc *scratch, named int) {
	if a.scorer == nil {
		r.Sentiment = Sentiment{Label: Neutral}
		for i := range r.Brands {
			r.Brands[i].Sentiment = Sentiment{Label: Neutral}
		}
		return
	}
	r.Language = language(text)
	if r.Language != "" && r.Language != "en" {
		// The model reads English: a mention in another language is marked, not scored
		// (French praise read as English scores negative).
		r.Sentiment = Sentiment{Label: Neutral, Unscored: true}
		for i := range r.Brands {
			r.Brands[i].Sentiment = Sentiment{Label: Neutral, Unscored: true}
		}
		return
	}
	r.Sentiment, sc.out = a.scorer.ScoreBrands(text, r.Title != "" && r.Text != "", sc.targets, sc.out[:0])
	for i := range r.Brands {
		if i < named {
			r.Brands[i].Sentiment = sc.out[i]
		} else {
			r.Brands[i].Sentiment = r.Sentiment
		}
	}
}

func (a *Analyzer) questions(r *Result) {
	r.Questions = nil
	if a.detect != nil {
		// Titles are questions in their own right ("How do I ...?" as a post title).
		r.Questions = a.detect(r.FullText())
	}
	if r.Questions == nil {
		r.Questions = []string{}
	}
	r.Question = len(r.Questions) > 0
}

// judgeAbsence sets Unattended per brand from the brands whose accounts took part in the thread.
// The mention's own author counts: a brand account's own post is attended.
func (a *Analyzer) judgeAbsence(r *Result, participants []string) {
	present := func(brand string) bool {
		for _, p := range participants {
			if p == brand {
				return true
			}
		}
		for i := range a.brands {
			if a.brands[i].Name == brand && a.brands[i].IsAccount(r.Source, r.Author) {
				return true
			}
		}
		return false
	}
	r.Unattended = false
	for i := range r.Brands {
		r.Brands[i].Unattended = !present(r.Brands[i].Name)
		r.Unattended = r.Unattended || r.Brands[i].Unattended
	}
	if len(r.Brands) == 0 && len(r.Topics) > 0 {
		r.Unattended = true
		for i := range a.brands {
			if present(a.brands[i].Name) {
				r.Unattended = false
				break
			}
		}
	}
}

// AccountBrands returns the brands whose account wrote the mention, for thread participation.
func (a *Analyzer) AccountBrands(source, author string) []string {
	var out []string
	for i := range a.brands {
		if a.brands[i].IsAccount(source, author) {
			out = append(out, a.brands[i].Name)
		}
	}
	return out
}

// LabelFor maps a score in [-1, 1] to a label with a symmetric neutral band, for scorers that
// only produce a score.
func LabelFor(score, neutralBand float64) string {
	switch {
	case score > neutralBand:
		return Positive
	case score < -neutralBand:
		return Negative
	}
	return Neutral
}

// ValidLabel reports whether s is a sentiment label.
func ValidLabel(s string) bool {
	s = strings.ToLower(s)
	return s == Positive || s == Neutral || s == Negative
}

// Scorer returns the analyzer's sentiment scorer.
func (a *Analyzer) Scorer() Scorer { return a.scorer }
