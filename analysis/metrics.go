package analysis

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SentimentUnscored is the `sentiment` label value of overhear_mentions_total for a mention the
// model did not score (another language): it is not counted as neutral, and the three labels'
// series with it still add up to every mention stored.
const SentimentUnscored = "unscored"

// MetricSentiments lists the values of the `sentiment` metric label: the three labels and
// SentimentUnscored.
var MetricSentiments = []string{Positive, Neutral, Negative, SentimentUnscored}

// Metrics counts what the pipeline stores. Label values come only from configured brands,
// registered sources and MetricSentiments.
type Metrics struct {
	mentions  *prometheus.CounterVec
	sentiment *prometheus.HistogramVec
	questions *prometheus.CounterVec
	latency   prometheus.Histogram
	brands    map[string]bool
}

// NewMetrics registers the pipeline metrics on reg and creates every brand × source × sentiment
// series at zero, so dashboards show 0 rather than "No data" on a quiet day.
func NewMetrics(reg prometheus.Registerer, brands, sources []string) (*Metrics, error) {
	m := &Metrics{
		mentions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_mentions_total", Help: "Mentions stored, by brand, source and sentiment toward the brand (unscored: not in a language the model reads).",
		}, []string{"brand", "source", "sentiment"}),
		sentiment: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "overhear_mention_sentiment_score", Help: "Sentiment toward the brand of stored mentions, from -1 to 1.",
			Buckets: []float64{-0.75, -0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 0.75, 1},
		}, []string{"brand"}),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_questions_total", Help: "Questions detected in stored mentions, by brand.",
		}, []string{"brand"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "overhear_pipeline_duration_seconds", Help: "Time to analyse and store one batch of items.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}),
		brands: map[string]bool{},
	}
	for _, c := range []prometheus.Collector{m.mentions, m.sentiment, m.questions, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("analysis: register metrics: %w", err)
		}
	}
	for _, b := range brands {
		m.brands[b] = true
		m.sentiment.WithLabelValues(b)
		m.questions.WithLabelValues(b)
		for _, s := range sources {
			for _, l := range MetricSentiments {
				m.mentions.WithLabelValues(b, s, l)
			}
		}
	}
	return m, nil
}

// Observe counts newly stored results.
func (m *Metrics) Observe(results []Result) {
	if m == nil {
		return
	}
	for i := range results {
		r := &results[i]
		for _, b := range r.Brands {
			if !m.brands[b.Name] {
				continue // a brand removed from the config since the mention was analysed
			}
			if b.Sentiment.Unscored { // another language: a mention, but neither neutral nor in the score
				m.mentions.WithLabelValues(b.Name, r.Source, SentimentUnscored).Inc()
			} else {
				m.mentions.WithLabelValues(b.Name, r.Source, b.Sentiment.Label).Inc()
				m.sentiment.WithLabelValues(b.Name).Observe(b.Sentiment.Score)
			}
			if r.Question {
				m.questions.WithLabelValues(b.Name).Add(float64(len(r.Questions)))
			}
		}
	}
}

// ObserveLatency records the time one batch took.
func (m *Metrics) ObserveLatency(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}
