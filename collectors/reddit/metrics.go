package reddit

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	descRemaining = prometheus.NewDesc("overhear_collector_ratelimit_remaining",
		"Requests the collector may still send in the source's current rate-limit window.", []string{"source"}, nil)
	descRequests = prometheus.NewDesc("overhear_collector_requests_total",
		"HTTP requests sent to the source's API, retries included.", []string{"source"}, nil)
	descDeleted = prometheus.NewDesc("overhear_collector_deleted_items_total",
		"Stored items the source reported deleted or removed, handed over for purging.", []string{"source"}, nil)
)

// Metrics returns a prometheus.Collector for the collector's request budget and deletion checks.
// Register it on the application's registry; nothing is registered globally. Its series carry
// only the source label, so register one Reddit instance's metrics (or wrap the registerer with
// an instance label when several are configured).
func (c *Collector) Metrics() prometheus.Collector { return metricsCollector{c} }

type metricsCollector struct{ c *Collector }

// Describe implements prometheus.Collector.
func (m metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRemaining
	ch <- descRequests
	ch <- descDeleted
}

// Collect implements prometheus.Collector.
func (m metricsCollector) Collect(ch chan<- prometheus.Metric) {
	var remaining float64
	var requests uint64
	if b := m.c.budget; b != nil {
		remaining, requests = b.remainingNow()
	}
	deleted := m.c.deleted.Load()
	ch <- prometheus.MustNewConstMetric(descRemaining, prometheus.GaugeValue, remaining, Name)
	ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(requests), Name)
	ch <- prometheus.MustNewConstMetric(descDeleted, prometheus.CounterValue, float64(deleted), Name)
}
