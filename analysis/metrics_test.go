package analysis

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/overhear/overhear/collectors"
)

// A mention the model did not score counts as a mention under sentiment="unscored", not as
// neutral, and stays out of the score histogram; every series exists from start.
func TestMetricsUnscored(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg, []string{"Acme"}, []string{"reddit"})
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.mentions.WithLabelValues("Acme", "reddit", SentimentUnscored)); got != 0 {
		t.Fatalf("unscored series at start = %v, want 0", got)
	}
	result := func(s Sentiment) Result {
		return Result{Mention: collectors.Mention{ID: "x", Source: "reddit"}, Sentiment: s,
			Brands: []BrandResult{{Name: "Acme", Sentiment: s}}}
	}
	m.Observe([]Result{
		result(Sentiment{Label: Negative, Score: -0.6}),
		result(Sentiment{Label: Neutral, Unscored: true}),
		result(Sentiment{Label: Neutral, Unscored: true}),
	})
	for label, want := range map[string]float64{Negative: 1, Neutral: 0, Positive: 0, SentimentUnscored: 2} {
		if got := testutil.ToFloat64(m.mentions.WithLabelValues("Acme", "reddit", label)); got != want {
			t.Errorf(`overhear_mentions_total{sentiment=%q} = %v, want %v`, label, got, want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "overhear_mention_sentiment_score" {
			if h := mf.GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != -0.6 {
				t.Errorf("score histogram holds %d scores (sum %v), want only the scored mention's", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
