package dashboards

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// FS holds the committed dashboards and rules, for tests elsewhere that check them against the
// daemon and a real Prometheus.
//
//go:embed *.json rules.yml rules_test.yml
var FS embed.FS

// PanelQuery is one PromQL target of a panel, or the query of a variable, in a dashboard file.
type PanelQuery struct {
	// Dashboard is the dashboard's uid.
	Dashboard string
	// Panel is the panel's title, or "variable NAME" for a variable's query.
	Panel string
	// RefID is the target's refId (empty for a variable).
	RefID string
	// Expr is the PromQL expression with Grafana's variables unexpanded; for a variable it is
	// Grafana's `label_values(METRIC, LABEL)`.
	Expr string
	// MayBeEmpty is true when the panel sets a "no value" text: its series can legitimately be
	// absent (the top-N community gauges before any community was seen).
	MayBeEmpty bool
}

// Variable reports whether q is a variable's query rather than a panel's.
func (q PanelQuery) Variable() bool { return strings.HasPrefix(q.Panel, "variable ") }

// Queries returns every panel target and variable query of a dashboard's JSON, in order.
func Queries(raw []byte) ([]PanelQuery, error) {
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title       string `json:"title"`
			FieldConfig struct {
				Defaults struct {
					NoValue string `json:"noValue"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	var out []PanelQuery
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, ok := v.Query.(string)
		if !ok {
			return nil, fmt.Errorf("dashboards: %s: variable %s: query is not a string", d.UID, v.Name)
		}
		out = append(out, PanelQuery{Dashboard: d.UID, Panel: "variable " + v.Name, Expr: q})
	}
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, PanelQuery{Dashboard: d.UID, Panel: p.Title, RefID: t.RefID, Expr: t.Expr,
				MayBeEmpty: p.FieldConfig.Defaults.NoValue != ""})
		}
	}
	return out, nil
}

// TestVariables are the values tests give Grafana's variables: a brand of the demo config,
// every source, and intervals that suit a Prometheus that has scraped for a few seconds.
var TestVariables = map[string]string{
	"brand":           "Ollama",
	"source":          ".*",
	"datasource":      "prometheus",
	"__rate_interval": "1m",
	"__interval":      "15s",
	"__range":         "1h",
	"__range_s":       "3600",
}

var variableRef = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]`)

// Expand substitutes Grafana's variable syntaxes ($name, ${name}, [[name]]) in expr. It fails
// on a variable vars has no value for.
func Expand(expr string, vars map[string]string) (string, error) {
	var missing []string
	out := variableRef.ReplaceAllStringFunc(expr, func(m string) string {
		sub := variableRef.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("dashboards: no value for variable(s) %s in %q", strings.Join(missing, ", "), expr)
	}
	return out, nil
}

var metricName = regexp.MustCompile(`\boverhear_[a-zA-Z0-9_:]*`)

// Metrics returns the Overhear metric names (prefix overhear_) an expression uses, as written:
// histogram series keep their _bucket, _sum or _count suffix.
func Metrics(expr string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range metricName.FindAllString(expr, -1) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
