// Package dashboards builds Overhear's Grafana dashboards as code. The JSON files beside this
// file are generated from it (go generate ./dashboards) and committed, so Grafana can provision
// them as they are; dashboards_test.go checks that they match what this package builds.
//
// Every query uses metrics Overhear exports itself, never recording rules, so a dashboard works
// the moment it is imported into any Grafana whose Prometheus scrapes Overhear.
package dashboards

//go:generate go run ./gen

import (
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Tag is on every Overhear dashboard; the dashboards link to each other through it.
const Tag = "overhear"

// Dashboard is one generated dashboard.
type Dashboard struct {
	// File is the JSON file's name in this folder.
	File string
	// Build returns the dashboard.
	Build func() (dashboard.Dashboard, error)
}

// All lists the dashboards in the order the generator writes them.
func All() []Dashboard {
	return []Dashboard{
		{"brand-overview.json", BrandOverview},
		{"communities.json", Communities},
		{"collector-health.json", CollectorHealth},
	}
}

// Marshal renders a dashboard as the committed files hold it: indented, with a final newline.
func Marshal(d dashboard.Dashboard) ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("dashboards: marshal: %w", err)
	}
	return append(b, '\n'), nil
}

// Files returns every dashboard file's name and content.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, d := range All() {
		db, err := d.Build()
		if err != nil {
			return nil, fmt.Errorf("dashboards: build %s: %w", d.File, err)
		}
		if out[d.File], err = Marshal(db); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ds is the datasource of every panel and query: the dashboard's `datasource` variable.
var ds = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// newDashboard returns a dashboard with the settings all three share: a fixed uid, the
// datasource variable, links to the other Overhear dashboards, the last 7 days, a 1m refresh.
func newDashboard(uid, title, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{Tag}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Time("now-7d", "now").
		Timezone(common.TimeZoneBrowser).
		Refresh("1m").
		Link(dashboard.NewDashboardLinkBuilder("Overhear").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{Tag}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus"))
}

// brandVariable is the `brand` variable: the configured brands, as the daemon labels them.
func brandVariable() *dashboard.QueryVariableBuilder {
	q := "label_values(overhear_mentions_total, brand)"
	return dashboard.NewQueryVariableBuilder("brand").
		Label("Brand").
		Description("A brand from Overhear's config (brands[].name).").
		Datasource(ds).
		Query(dashboard.StringOrMap{String: &q}).
		Definition(q).
		Refresh(dashboard.VariableRefreshOnDashboardLoad).
		Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc)
}

// query is one PromQL target.
type query struct {
	expr, legend string
}

func target(ref string, q query, instant bool) *prometheus.DataqueryBuilder {
	b := prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds).Expr(q.expr).LegendFormat(q.legend)
	if instant {
		return b.Instant()
	}
	return b.Range()
}

// refs names targets A, B, C...
func ref(i int) string { return string(rune('A' + i)) }

// panel holds what every panel must have.
type panel struct {
	title, description, unit string
	queries                  []query
	w, h                     uint32
	// noValue replaces Grafana's "No data" where a series can legitimately be absent (the
	// top-N community gauges before a community has been seen).
	noValue string
	// min and max bound the axis or gauge when set.
	min, max *float64
	decimals *float64
	steps    []dashboard.Threshold
	mappings []dashboard.ValueMapping
}

func (p panel) thresholds() *dashboard.ThresholdsConfigBuilder {
	steps := p.steps
	if steps == nil {
		steps = []dashboard.Threshold{{Color: "green"}}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

func timeseriesPanel(id uint32, p panel) *timeseries.PanelBuilder {
	b := timeseries.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).Unit(p.unit).
		Datasource(ds).Span(p.w).Height(p.h).Thresholds(p.thresholds()).
		LineWidth(1).FillOpacity(10).ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	for i, q := range p.queries {
		b.WithTarget(target(ref(i), q, false))
	}
	if p.noValue != "" {
		b.NoValue(p.noValue)
	}
	if p.min != nil {
		b.Min(*p.min)
	}
	if p.max != nil {
		b.Max(*p.max)
	}
	if p.decimals != nil {
		b.Decimals(*p.decimals)
	}
	return b
}

func statPanel(id uint32, p panel, sparkline bool) *stat.PanelBuilder {
	b := stat.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).Unit(p.unit).
		Datasource(ds).Span(p.w).Height(p.h).Thresholds(p.thresholds()).
		ColorMode(common.BigValueColorModeValue).Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	if sparkline {
		b.GraphMode(common.BigValueGraphModeArea)
	} else {
		b.GraphMode(common.BigValueGraphModeNone)
	}
	for i, q := range p.queries {
		b.WithTarget(target(ref(i), q, !sparkline))
	}
	if p.noValue != "" {
		b.NoValue(p.noValue)
	}
	if p.min != nil {
		b.Min(*p.min)
	}
	if p.max != nil {
		b.Max(*p.max)
	}
	if p.decimals != nil {
		b.Decimals(*p.decimals)
	}
	if p.mappings != nil {
		b.Mappings(p.mappings)
	}
	return b
}

func barGaugePanel(id uint32, p panel) *bargauge.PanelBuilder {
	b := bargauge.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).Unit(p.unit).
		Datasource(ds).Span(p.w).Height(p.h).Thresholds(p.thresholds()).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	for i, q := range p.queries {
		b.WithTarget(target(ref(i), q, true))
	}
	if p.noValue != "" {
		b.NoValue(p.noValue)
	}
	if p.min != nil {
		b.Min(*p.min)
	}
	if p.max != nil {
		b.Max(*p.max)
	}
	if p.decimals != nil {
		b.Decimals(*p.decimals)
	}
	return b
}

func pieChartPanel(id uint32, p panel) *piechart.PanelBuilder {
	b := piechart.NewPanelBuilder().Id(id).Title(p.title).Description(p.description).Unit(p.unit).
		Datasource(ds).Span(p.w).Height(p.h).Thresholds(p.thresholds()).
		PieType(piechart.PieChartTypeDonut).Orientation(common.VizOrientationAuto).
		DisplayLabels([]piechart.PieChartLabels{piechart.PieChartLabelsPercent}).
		Legend(piechart.NewPieChartLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementRight).Values([]piechart.PieChartLegendValues{piechart.PieChartLegendValuesValue, piechart.PieChartLegendValuesPercent})).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
	for i, q := range p.queries {
		b.WithTarget(target(ref(i), q, true))
	}
	if p.noValue != "" {
		b.NoValue(p.noValue)
	}
	return b
}

func float(v float64) *float64 { return &v }

// sentimentSteps colours a score or net sentiment in [-1, 1].
var sentimentSteps = []dashboard.Threshold{
	{Color: "red"},
	{Value: float(-0.1), Color: "yellow"},
	{Value: float(0.1), Color: "green"},
}

// countSteps colours a count that should be zero.
var countSteps = []dashboard.Threshold{
	{Color: "green"},
	{Value: float(1), Color: "orange"},
}
