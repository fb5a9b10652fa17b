package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/overhear/overhear/cmd/overhear/demo"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/overhear/overhear/dashboards"
)

// dashboardsConfigYAML is the config the dashboard tests run the daemon with: the embedded
// default's brands and topics, with its live sources replaced by an RSS feed and a Reddit
// collector (RSS fallback, no credentials) that both read feedURL, and an alert sink and rule,
// so every collector and alert series exists as in a real deployment. feedURL must be on
// loopback; TestDashboardMetrics never polls it.
func dashboardsConfigYAML(feedURL string) string {
	raw := string(defaultConfigYAML)
	if i := strings.Index(raw, "\nsources:"); i >= 0 {
		raw = raw[:i+1]
	}
	raw = strings.Replace(raw, "listen: 127.0.0.1:9464", "listen: 127.0.0.1:0", 1)
	return raw + fmt.Sprintf(`sources:
  rss:
    - url: %[1]s/feed.xml
      every: 10s
      community: quiet
  reddit:
    subreddits: [ollama]
    search: false
    base_url: %[1]s
    feed_url: %[1]s
    token_url: %[1]s/api/v1/access_token
alerts:
  every: 1m
  sinks:
    - name: ops
      type: log
  rules:
    - type: unattended_question
      sinks: [ops]
`, feedURL)
}

// exported lists the sample names a registry exports and how many series each has; a
// histogram's family F exports F_bucket, F_sum and F_count.
func exported(t *testing.T, g prometheus.Gatherer) map[string]int {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		n := len(mf.GetMetric())
		out[mf.GetName()] += n
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				out[mf.GetName()+s] += n
			}
		case dto.MetricType_SUMMARY:
			for _, s := range []string{"_sum", "_count"} {
				out[mf.GetName()+s] += n
			}
		}
	}
	return out
}

// usedExpr is one PromQL expression that names Overhear metrics.
type usedExpr struct {
	where string
	expr  string
	// fromStart: the expression must find series from the daemon's start (a panel that must
	// not show "No data" on a quiet day), not only once mentions are stored.
	fromStart bool
}

// dashboardExprs returns every expression of the committed dashboards and rules.yml.
func dashboardExprs(t *testing.T) []usedExpr {
	t.Helper()
	var out []usedExpr
	files, err := fs.Glob(dashboards.FS, "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards embedded: %v", err)
	}
	for _, f := range files {
		raw, err := dashboards.FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := dashboards.Queries(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			out = append(out, usedExpr{
				where:     path.Join(f, q.Panel, q.RefID),
				expr:      q.Expr,
				fromStart: !q.MayBeEmpty && !strings.Contains(q.Expr, "or vector(0)"),
			})
		}
	}
	for _, r := range alertRules(t) {
		out = append(out, usedExpr{where: "rules.yml/" + r.name(), expr: r.Expr})
	}
	return out
}

// promRule is one rule of dashboards/rules.yml.
type promRule struct {
	Alert  string `yaml:"alert"`
	Record string `yaml:"record"`
	Expr   string `yaml:"expr"`
}

func (r promRule) name() string { return r.Alert + r.Record }

func alertRules(t *testing.T) []promRule {
	t.Helper()
	raw, err := dashboards.FS.ReadFile("rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []promRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("rules.yml: %v", err)
	}
	var out []promRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatal("rules.yml has no rules")
	}
	return out
}

// TestDashboardMetrics builds the real App, lints its registry, and checks that every metric a
// dashboard panel or rules.yml names is one the daemon exports; and that panels which must not
// show "No data" find their series before anything is stored.
func TestDashboardMetrics(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := ParseConfig([]byte(dashboardsConfigYAML("http://127.0.0.1:9")), "", dir)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	app, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	lint := func(when string) {
		t.Helper()
		problems, err := testutil.GatherAndLint(app.reg)
		if err != nil {
			t.Fatalf("%s: lint: %v", when, err)
		}
		for _, p := range problems {
			t.Errorf("%s: metric lint: %s: %s", when, p.Metric, p.Text)
		}
	}
	lint("at start")
	atStart := exported(t, app.reg)

	// Store the demo corpus, as `overhear demo` does, so the top-N community gauges have series.
	mentions, err := demo.Mentions(app.now())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(mentions); i += 200 {
		if _, _, err := app.process(ctx, mentions[i:min(i+200, len(mentions))], nil, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	app.gauges.Invalidate()
	lint("after the demo corpus")
	all := exported(t, app.reg)

	missing := map[string][]string{}
	for _, e := range dashboardExprs(t) {
		names := dashboards.Metrics(e.expr)
		if len(names) == 0 {
			t.Errorf("%s: %q names no overhear_ metric", e.where, e.expr)
		}
		for _, n := range names {
			switch {
			case all[n] == 0:
				missing[n] = append(missing[n], e.where)
			case e.fromStart && atStart[n] == 0:
				t.Errorf("%s: %s has no series until mentions are stored; the panel shows \"No data\" on a quiet day "+
					"(create its series at start, add `or vector(0)`, or give the panel a noValue text)", e.where, n)
			}
		}
	}
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Errorf("%s is not exported by the daemon, but used by %s", n, strings.Join(missing[n], ", "))
	}
}
