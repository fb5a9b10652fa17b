package alerts

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the `result` label of overhear_alerts_total.
const (
	ResultSent    = "sent"
	ResultFailed  = "failed"
	ResultDropped = "dropped"
)

// Rule names used for messages that no configured rule produced.
const (
	RuleDigest = "digest"
	RuleTest   = "test"
)

type metrics struct {
	// alerts counts delivery outcomes: sent, failed (an attempt failed; the alert stays pending
	// and is retried) and dropped (a permanent failure; the alert is given up).
	alerts *prometheus.CounterVec
	// fired counts events committed to the outbox, each dedup key once.
	fired *prometheus.CounterVec
	// evalDuration times rule evaluations; evalErrors counts failed ones.
	evalDuration prometheus.Histogram
	evalErrors   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, rules, sinks []string, outbox Outbox) (*metrics, error) {
	m := &metrics{
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_alerts_total",
			Help: "Alert deliveries by rule, sink and result: sent, failed (an attempt failed and will be retried) or dropped (permanent failure).",
		}, []string{"rule", "sink", "result"}),
		fired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_alerts_fired_total",
			Help: "Alert events (distinct dedup keys) committed to the outbox, by rule.",
		}, []string{"rule"}),
		evalDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "overhear_alerts_evaluation_duration_seconds",
			Help:    "Time taken to evaluate all alert rules once.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}),
		evalErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "overhear_alerts_evaluation_errors_total",
			Help: "Alert rule evaluations that failed.",
		}),
	}
	for _, r := range rules {
		m.fired.WithLabelValues(r)
		for _, s := range sinks {
			for _, res := range []string{ResultSent, ResultFailed, ResultDropped} {
				m.alerts.WithLabelValues(r, s, res)
			}
		}
	}
	for _, c := range []prometheus.Collector{m.alerts, m.fired, m.evalDuration, m.evalErrors, &pendingCollector{outbox: outbox, sinks: sinks}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

var descPending = prometheus.NewDesc("overhear_alerts_pending",
	"Alerts committed to the outbox and not yet delivered, by sink (read from the store at scrape time).", []string{"sink"}, nil)

// pendingCollector reads the outbox's queue depth at scrape time, for every configured sink.
type pendingCollector struct {
	outbox Outbox
	sinks  []string
}

// Describe implements prometheus.Collector.
func (c *pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descPending }

// Collect implements prometheus.Collector.
func (c *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	// prometheus.Collector passes no context; a scrape gets a bounded one of its own.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.outbox.PendingAlertCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descPending, err)
		return
	}
	for _, s := range c.sinks {
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
