package analysis

import (
	"fmt"

	"github.com/overhear/overhear/analysis/questions"
	"github.com/overhear/overhear/analysis/sentiment"
	"github.com/overhear/overhear/collectors"
)

// modelScorer adapts the embedded sentiment model to Scorer.
type modelScorer struct{ m *sentiment.Model }

// DefaultScorer returns the embedded three-class sentiment model.
func DefaultScorer() (Scorer, error) {
	m, err := sentiment.Default()
	if err != nil {
		return nil, fmt.Errorf("analysis: load sentiment model: %w", err)
	}
	return modelScorer{m}, nil
}

func (s modelScorer) Score(text string) Sentiment { return fromModel(s.m.Score(text)) }

func (s modelScorer) ScoreTarget(text string, spans [][2]int) Sentiment {
	return fromModel(s.m.ScoreTarget(text, spans))
}

func (s modelScorer) ScoreTargetPhrase(text, phrase string) Sentiment {
	return fromModel(s.m.ScoreTargetPhrase(text, phrase))
}

func (s modelScorer) ScoreWithTargets(text string, targets [][][2]int, dst []Sentiment) (Sentiment, []Sentiment) {
	d := s.m.Parse(text)
	for _, spans := range targets {
		dst = append(dst, fromModel(d.Target(spans)))
	}
	r := fromModel(d.Score())
	d.Release()
	return r, dst
}

func (s modelScorer) ScoreBrands(text string, hasTitle bool, brands [][][2]int, dst []Sentiment) (Sentiment, []Sentiment) {
	d := s.m.Parse(text)
	var others [][2]int
	for i, spans := range brands {
		others = others[:0]
		for j, o := range brands {
			if j != i {
				others = append(others, o...)
			}
		}
		dst = append(dst, fromModel(d.Brand(spans, others, hasTitle)))
	}
	r := fromModel(d.Score())
	d.Release()
	return r, dst
}

// DefaultQuestionDetector returns the question detector.
func DefaultQuestionDetector() QuestionDetector { return questions.Detect }

// NewDefault builds an Analyzer with the embedded models.
func NewDefault(brands []collectors.Brand, topics []collectors.Topic) (*Analyzer, error) {
	scorer, err := DefaultScorer()
	if err != nil {
		return nil, err
	}
	return NewAnalyzer(brands, topics, scorer, DefaultQuestionDetector())
}

func fromModel(r sentiment.Result) Sentiment { return Sentiment{Label: r.Label, Score: r.Score} }
