package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// BrandOverview is the brand team's dashboard: volume, sentiment, share of voice, questions and
// unattended mentions of one brand.
func BrandOverview() (dashboard.Dashboard, error) {
	return newDashboard("overhear-brand-overview", "Overhear / Brand overview",
		"How much one brand is talked about, where, in what tone, and what needs an answer.").
		WithVariable(brandVariable()).
		// Row 1: the numbers at a glance.
		WithPanel(statPanel(1, panel{
			title:       "Mentions stored",
			description: "Mentions of the brand in Overhear's store now, after retention (overhear_store_mentions).",
			unit:        "short", w: 6, h: 4,
			queries: []query{{`sum(overhear_store_mentions{brand="$brand"})`, "stored"}},
		}, true)).
		WithPanel(statPanel(2, panel{
			title: "Net sentiment",
			description: "Positive minus negative mentions of the brand, as a share of its scored mentions stored in the " +
				"dashboard's time range (overhear_mentions_total by sentiment; mentions in a language the model does not read, " +
				"sentiment=\"unscored\", are left out). 0% when nothing was stored in the range.",
			unit: "percentunit", w: 6, h: 4, min: float(-1), max: float(1), decimals: float(0), steps: sentimentSteps,
			queries: []query{{netSentiment("$__range"), "net sentiment"}},
		}, false)).
		WithPanel(statPanel(3, panel{
			title:       "Questions (24h)",
			description: "Questions asked in mentions of the brand stored in the last 24 hours (overhear_questions_total).",
			unit:        "short", w: 6, h: 4, decimals: float(0),
			queries: []query{{`sum(increase(overhear_questions_total{brand="$brand"}[1d]))`, "questions"}},
		}, false)).
		WithPanel(statPanel(4, panel{
			title: "Unattended mentions (7d)",
			description: "Mentions of the brand in the last 7 days in threads where none of its configured accounts " +
				"has posted (overhear_unattended_mentions). These are the ones waiting for an answer.",
			unit: "short", w: 6, h: 4, steps: countSteps,
			queries: []query{{`sum(overhear_unattended_mentions{brand="$brand"})`, "unattended"}},
		}, true)).
		// Row 2: volume and tone over time.
		WithPanel(timeseriesPanel(5, panel{
			title:       "Mentions over time by source",
			description: "Mentions of the brand stored per hour (rolling 1h window), by source (overhear_mentions_total).",
			unit:        "short", w: 12, h: 8,
			queries: []query{{`sum by (source) (increase(overhear_mentions_total{brand="$brand"}[1h]))`, "{{source}}"}},
		})).
		WithPanel(timeseriesPanel(6, panel{
			title: "Net sentiment trend (24h rolling)",
			description: "Positive minus negative mentions as a share of the scored mentions of the brand in the preceding " +
				"24 hours (overhear_mentions_total by sentiment; unscored mentions, not in a language the model reads, left out). " +
				"Above 0: more praise than complaints.",
			unit: "percentunit", w: 12, h: 8, min: float(-1), max: float(1), steps: sentimentSteps,
			queries: []query{{netSentiment("1d"), "net sentiment (24h)"}},
		})).
		// Row 3: share of voice among the configured brands.
		WithPanel(pieChartPanel(7, panel{
			title: "Share of voice",
			description: "Mentions of each configured brand stored in the dashboard's time range " +
				"(overhear_mentions_total); all brands, whatever the brand picker says. A mention naming two brands " +
				"counts for both.",
			unit: "short", w: 8, h: 8,
			queries: []query{{`sum by (brand) (increase(overhear_mentions_total[$__range]))`, "{{brand}}"}},
		})).
		WithPanel(timeseriesPanel(8, panel{
			title: "Share of voice over time (24h rolling)",
			description: "Each configured brand's share of all brand mentions stored in the preceding 24 hours " +
				"(overhear_mentions_total). A mention naming two brands counts for both.",
			unit: "percentunit", w: 16, h: 8, min: float(0), max: float(1),
			queries: []query{{`sum by (brand) (increase(overhear_mentions_total[1d])) / scalar(clamp_min(sum(increase(overhear_mentions_total[1d])), 1))`, "{{brand}}"}},
		})).
		// Row 4: questions and the sentiment mix.
		WithPanel(timeseriesPanel(9, panel{
			title: "Questions per day",
			description: "Questions asked in mentions of the brand stored in the preceding 24 hours " +
				"(overhear_questions_total). `overhear questions export` lists them, grouped.",
			unit: "short", w: 12, h: 8, min: float(0),
			queries: []query{{`sum(increase(overhear_questions_total{brand="$brand"}[1d]))`, "questions (24h)"}},
		})).
		WithPanel(timeseriesPanel(10, panel{
			title: "Sentiment mix (24h rolling)",
			description: "Mentions of the brand stored in the preceding 24 hours by sentiment toward it (overhear_mentions_total); " +
				"unscored: in a language the model does not read.",
			unit: "short", w: 12, h: 8, min: float(0),
			queries: []query{{`sum by (sentiment) (increase(overhear_mentions_total{brand="$brand"}[1d]))`, "{{sentiment}}"}},
		})).
		Build()
}

// netSentiment is (positive − negative) / scored for the selected brand over window: mentions
// the model did not score (sentiment="unscored") are left out. The denominator is at least 1 so
// a quiet window reads 0, not NaN.
func netSentiment(window string) string {
	return fmt.Sprintf(`(sum(increase(overhear_mentions_total{brand="$brand",sentiment="positive"}[%[1]s])) - `+
		`sum(increase(overhear_mentions_total{brand="$brand",sentiment="negative"}[%[1]s]))) / `+
		`clamp_min(sum(increase(overhear_mentions_total{brand="$brand",sentiment!="unscored"}[%[1]s])), 1)`, window)
}
