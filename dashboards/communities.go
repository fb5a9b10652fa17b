package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// noCommunities is shown instead of "No data" by the panels over the top-N community gauges:
// those have a series per community, so there is none before a community has been seen.
const noCommunities = "No community mentions in the last 30 days"

// Communities shows where a brand is talked about: its top communities by volume and tone, and
// communities that started talking about it recently.
func Communities() (dashboard.Dashboard, error) {
	return newDashboard("overhear-communities", "Overhear / Communities",
		"Where one brand is talked about: top communities by mentions and sentiment, and new communities.").
		WithVariable(brandVariable()).
		WithPanel(barGaugePanel(1, panel{
			title: "Top communities (30d)",
			description: "Mentions of the brand in the last 30 days in its 10 busiest communities " +
				"(overhear_community_mentions, recomputed at each scrape).",
			unit: "short", w: 12, h: 10, noValue: noCommunities, min: float(0),
			queries: []query{{`sort_desc(sum by (community) (overhear_community_mentions{brand="$brand"}))`, "{{community}}"}},
		})).
		WithPanel(barGaugePanel(2, panel{
			title: "Sentiment per community (30d)",
			description: "Mean sentiment toward the brand, from -1 to 1, of its mentions in the last 30 days in each " +
				"of its 10 busiest communities (overhear_community_sentiment_score).",
			unit: "none", w: 12, h: 10, noValue: noCommunities, min: float(-1), max: float(1), decimals: float(2),
			steps:   sentimentSteps,
			queries: []query{{`sort_desc(avg by (community) (overhear_community_sentiment_score{brand="$brand"}))`, "{{community}}"}},
		})).
		WithPanel(statPanel(3, panel{
			title: "New communities (7d)",
			description: "Communities that mentioned the brand in the last 7 days but not in the 23 days before " +
				"(overhear_new_communities). `overhear communities --brand B` names them.",
			unit: "short", w: 6, h: 8, decimals: float(0),
			queries: []query{{`sum(overhear_new_communities{brand="$brand"})`, "new communities"}},
		}, true)).
		WithPanel(timeseriesPanel(4, panel{
			title: "Top communities over time (30d window)",
			description: "Mentions of the brand in the preceding 30 days in each of its 10 busiest communities, as " +
				"the top 10 stood at each scrape (overhear_community_mentions).",
			unit: "short", w: 18, h: 8, noValue: noCommunities, min: float(0),
			queries: []query{{`sum by (community) (overhear_community_mentions{brand="$brand"})`, "{{community}}"}},
		})).
		Build()
}
