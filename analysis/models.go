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

func (s modelScorer) Score(text string) Sentiment { return Sentiment(s.m.Score(text)) }

func (s modelScorer) ScoreTarget(text string, spans [][2]int) Sentiment {
	return Sentiment(s.m.ScoreTarget(text, spans))
}

func (s modelScorer) ScoreTargetPhrase(text, phrase string) Sentiment {
	return Sentiment(s.m.ScoreTargetPhrase(text, phrase))
}

func (s modelScorer) ScoreWithTargets(text string, targets [][][2]int, dst []Sentiment) (Sentiment, []Sentiment) {
	d := s.m.Parse(text)
	for _, spans := range targets {
		dst = append(dst, Sentiment(d.Target(spans)))
	}
	r := Sentiment(d.Score())
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
