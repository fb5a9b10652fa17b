package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// CollectorHealth is the operator's dashboard: are the collectors polling, failing, slow or
// rate limited; is the store healthy; are alerts getting out. It has a `source` variable
// instead of `brand`: nothing on it is per brand.
func CollectorHealth() (dashboard.Dashboard, error) {
	q := "label_values(overhear_collector_polls_total, source)"
	never := dashboard.ValueMapping{ValueMap: &dashboard.ValueMap{
		Type:    dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{"0": {Text: cog.ToPtr("never"), Color: cog.ToPtr("red")}},
	}}
	return newDashboard("overhear-collector-health", "Overhear / Collector health",
		"Collector polls, errors, latency and rate limits; store size and errors; the alert outbox.").
		WithVariable(dashboard.NewQueryVariableBuilder("source").
			Label("Source").
			Description("Registered collector names (rss, reddit, ...).").
			Datasource(ds).
			Query(dashboard.StringOrMap{String: &q}).
			Definition(q).
			Refresh(dashboard.VariableRefreshOnDashboardLoad).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).
			IncludeAll(true).
			AllValue(".*")).
		// Row 1: at a glance.
		WithPanel(statPanel(1, panel{
			title: "Last successful poll",
			description: "When each source last polled successfully (overhear_collector_last_success_timestamp_seconds). " +
				"\"never\": the source is not configured, or has not succeeded since Overhear started.",
			unit: "dateTimeFromNow", w: 8, h: 4, mappings: []dashboard.ValueMapping{never},
			queries: []query{{`max by (source) (overhear_collector_last_success_timestamp_seconds{source=~"$source"}) * 1000`, "{{source}}"}},
		}, false)).
		WithPanel(statPanel(2, panel{
			title:       "Store size",
			description: "Size of the bbolt store file (overhear_store_bytes).",
			unit:        "bytes", w: 4, h: 4,
			queries: []query{{`sum(overhear_store_bytes)`, "store"}},
		}, true)).
		WithPanel(statPanel(3, panel{
			title:       "Store errors (24h)",
			description: "Failed store transactions (commits, retention prunes) in the last 24 hours (overhear_store_errors_total). Anything above 0 needs a look at the log.",
			unit:        "short", w: 4, h: 4, decimals: float(0), steps: countSteps,
			queries: []query{{`sum(increase(overhear_store_errors_total[1d]))`, "errors"}},
		}, false)).
		WithPanel(statPanel(4, panel{
			title: "Alert outbox depth",
			description: "Alerts committed to the outbox and not yet delivered, all sinks (overhear_alerts_pending). " +
				"0 when no sink is configured.",
			unit: "short", w: 4, h: 4, decimals: float(0), steps: countSteps,
			queries: []query{{`sum(overhear_alerts_pending) or vector(0)`, "pending"}},
		}, true)).
		WithPanel(statPanel(5, panel{
			title: "Alert deliveries failed (24h)",
			description: "Alert deliveries that failed or were dropped in the last 24 hours, all rules and sinks " +
				"(overhear_alerts_total{result=~\"failed|dropped\"}). 0 when no sink is configured.",
			unit: "short", w: 4, h: 4, decimals: float(0), steps: countSteps,
			queries: []query{{`sum(increase(overhear_alerts_total{result=~"failed|dropped"}[1d])) or vector(0)`, "failed"}},
		}, false)).
		// Row 2: polls.
		WithPanel(timeseriesPanel(6, panel{
			title: "Polls by result",
			description: "Polls per hour (rolling 1h window) by source and result: ok, not_modified, error, " +
				"rate_limited (overhear_collector_polls_total).",
			unit: "short", w: 12, h: 8, min: float(0),
			queries: []query{{`sum by (source, result) (increase(overhear_collector_polls_total{source=~"$source"}[1h]))`, "{{source}} {{result}}"}},
		})).
		WithPanel(timeseriesPanel(7, panel{
			title: "Poll error ratio",
			description: "Share of polls in the preceding hour that failed or were rate limited, by source " +
				"(overhear_collector_polls_total). 0 when a source did not poll.",
			unit: "percentunit", w: 12, h: 8, min: float(0), max: float(1),
			steps: []dashboard.Threshold{{Color: "green"}, {Value: float(0.5), Color: "red"}},
			queries: []query{{`sum by (source) (increase(overhear_collector_polls_total{source=~"$source",result=~"error|rate_limited"}[1h])) / ` +
				`clamp_min(sum by (source) (increase(overhear_collector_polls_total{source=~"$source"}[1h])), 1)`, "{{source}}"}},
		})).
		// Row 3: latency and items.
		WithPanel(timeseriesPanel(8, panel{
			title: "Poll latency",
			description: "Median and 95th percentile time one poll takes, fetching and parsing, over the preceding " +
				"hour (overhear_collector_poll_duration_seconds). Gaps: no poll in that hour.",
			unit: "s", w: 12, h: 8, min: float(0),
			queries: []query{
				{`histogram_quantile(0.95, sum by (source, le) (rate(overhear_collector_poll_duration_seconds_bucket{source=~"$source"}[1h])))`, "{{source}} p95"},
				{`histogram_quantile(0.5, sum by (source, le) (rate(overhear_collector_poll_duration_seconds_bucket{source=~"$source"}[1h])))`, "{{source}} p50"},
			},
		})).
		WithPanel(timeseriesPanel(9, panel{
			title: "Items fetched and skipped",
			description: "Items fetched per hour before brand matching (overhear_collector_items_total) and items " +
				"skipped as invalid (overhear_collector_item_errors_total), by source.",
			unit: "short", w: 12, h: 8, min: float(0),
			queries: []query{
				{`sum by (source) (increase(overhear_collector_items_total{source=~"$source"}[1h]))`, "{{source}} fetched"},
				{`sum by (source) (increase(overhear_collector_item_errors_total{source=~"$source"}[1h]))`, "{{source}} skipped"},
			},
		})).
		// Row 4: rate limits and the pipeline.
		WithPanel(timeseriesPanel(10, panel{
			title: "Rate-limit budget",
			description: "Requests a collector may still send in its source's current rate-limit window " +
				"(overhear_collector_ratelimit_remaining). Only collectors with a request budget report it: Reddit.",
			unit: "short", w: 8, h: 8, min: float(0), noValue: "No configured source reports a rate-limit budget",
			queries: []query{{`min by (source) (overhear_collector_ratelimit_remaining{source=~"$source"})`, "{{source}}"}},
		})).
		WithPanel(timeseriesPanel(11, panel{
			title: "Rate-limited polls",
			description: "Polls per hour that the source answered with a rate limit (HTTP 429), by source " +
				"(overhear_collector_polls_total{result=\"rate_limited\"}). Overhear waits out Retry-After.",
			unit: "short", w: 8, h: 8, min: float(0), steps: countSteps,
			queries: []query{{`sum by (source) (increase(overhear_collector_polls_total{source=~"$source",result="rate_limited"}[1h]))`, "{{source}}"}},
		})).
		WithPanel(timeseriesPanel(12, panel{
			title: "Pipeline latency",
			description: "Median and 95th percentile time to analyse and store one batch of items, over the " +
				"preceding hour (overhear_pipeline_duration_seconds). Gaps: nothing stored in that hour.",
			unit: "s", w: 8, h: 8, min: float(0),
			queries: []query{
				{`histogram_quantile(0.95, sum by (le) (rate(overhear_pipeline_duration_seconds_bucket[1h])))`, "p95"},
				{`histogram_quantile(0.5, sum by (le) (rate(overhear_pipeline_duration_seconds_bucket[1h])))`, "p50"},
			},
		})).
		Build()
}
