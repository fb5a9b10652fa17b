package main

import (
	"fmt"
	"io"

	cdipaolo "github.com/cdipaolo/sentiment"
	"github.com/jonreiter/govader"
	vaderdata "github.com/jonreiter/govader/data"

	"github.com/overhear/overhear/analysis/sentiment"
)

// vaderLexicon reads VADER's lexicons (MIT licence, Hutto & Gilbert 2014) as shipped in the
// govader module.
func vaderLexicon() (map[string]float64, error) {
	words, err := vaderdata.Asset("rawdata/vaderLexicon.txt")
	if err != nil {
		return nil, fmt.Errorf("train: vader lexicon: %w", err)
	}
	emoji, err := vaderdata.Asset("rawdata/emojiUTF8Lexicon.txt")
	if err != nil {
		return nil, fmt.Errorf("train: vader emoji lexicon: %w", err)
	}
	return sentiment.VADERLexicon(words, emoji)
}

// baselines prints the dev figures of cdipaolo/sentiment (two classes: its 1 is positive, its 0
// negative; it never says neutral) and of VADER (compound >= 0.05 positive, <= -0.05 negative,
// neutral between, as VADER's authors suggest). For the target set both score the whole text.
func baselines(w io.Writer, dev devSets) error {
	nb, err := cdipaolo.Restore()
	if err != nil {
		return fmt.Errorf("train: restore cdipaolo/sentiment: %w", err)
	}
	nbScore := func(text string) sentiment.Result {
		if nb.SentimentAnalysis(text, cdipaolo.English).Score == 1 {
			return sentiment.Result{Label: sentiment.Positive, Score: 1}
		}
		return sentiment.Result{Label: sentiment.Negative, Score: -1}
	}
	report(w, "cdipaolo/sentiment", dev, nbScore, func(text, _ string) sentiment.Result { return nbScore(text) })
	va := govader.NewSentimentIntensityAnalyzer()
	vaScore := func(text string) sentiment.Result {
		c := va.PolarityScores(text).Compound
		switch {
		case c >= 0.05:
			return sentiment.Result{Label: sentiment.Positive, Score: c}
		case c <= -0.05:
			return sentiment.Result{Label: sentiment.Negative, Score: c}
		}
		return sentiment.Result{Label: sentiment.Neutral, Score: c}
	}
	report(w, "VADER (govader)", dev, vaScore, func(text, _ string) sentiment.Result { return vaScore(text) })
	return nil
}
