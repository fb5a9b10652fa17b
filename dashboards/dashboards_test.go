package dashboards

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// want lists each committed dashboard with its fixed uid and the variables it must have.
var want = map[string]struct {
	uid       string
	variables []string
}{
	"brand-overview.json":   {"overhear-brand-overview", []string{"datasource", "brand"}},
	"communities.json":      {"overhear-communities", []string{"datasource", "brand"}},
	"collector-health.json": {"overhear-collector-health", []string{"datasource", "source"}},
}

// currentSchemaVersion is the dashboard schema version the pinned SDK writes (Grafana 12.2's).
var currentSchemaVersion = dashboard.NewDashboard().SchemaVersion

func TestCommittedMatchesGenerator(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("generator makes %d dashboards, want %d", len(files), len(want))
	}
	for name, generated := range files {
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v (run go generate ./dashboards)", name, err)
			continue
		}
		if !bytes.Equal(committed, generated) {
			t.Errorf("%s differs from what the generator makes: run go generate ./dashboards and commit the result", name)
		}
	}
	onDisk, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range onDisk {
		if _, ok := files[name]; !ok {
			t.Errorf("%s is not made by the generator: delete it or add it to All()", name)
		}
	}
}

func TestDashboards(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var d dashboard.Dashboard
			if err := d.UnmarshalJSONStrict(raw); err != nil {
				t.Fatalf("strict unmarshal: %v", err)
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if got := deref(d.Uid); got != w.uid {
				t.Errorf("uid = %q, want %q", got, w.uid)
			}
			if title := deref(d.Title); !strings.HasPrefix(title, "Overhear / ") {
				t.Errorf("title %q does not start with %q", title, "Overhear / ")
			}
			if d.SchemaVersion < currentSchemaVersion {
				t.Errorf("schemaVersion = %d, want at least %d", d.SchemaVersion, currentSchemaVersion)
			}
			if !hasTag(d.Tags, Tag) {
				t.Errorf("tags %v lack %q", d.Tags, Tag)
			}
			checkVariables(t, d, w.variables)
			checkPanels(t, d)
		})
	}
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func checkVariables(t *testing.T, d dashboard.Dashboard, names []string) {
	t.Helper()
	vars := map[string]dashboard.VariableModel{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	for _, n := range names {
		if _, ok := vars[n]; !ok {
			t.Errorf("no %q variable", n)
		}
	}
	if v, ok := vars["datasource"]; ok {
		if v.Type != dashboard.VariableTypeDatasource || v.Query == nil || deref(v.Query.String) != "prometheus" {
			t.Errorf("datasource variable: type %q, query %v; want a Prometheus datasource variable", v.Type, v.Query)
		}
	}
	if v, ok := vars["brand"]; ok {
		if q := v.Query; q == nil || deref(q.String) != "label_values(overhear_mentions_total, brand)" {
			t.Errorf("brand variable query = %v, want label_values(overhear_mentions_total, brand)", q)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == dashboard.VariableTypeQuery && !isDatasourceVar(v.Datasource) {
			t.Errorf("variable %s does not query ${datasource}", v.Name)
		}
	}
}

func isDatasourceVar(ref *common.DataSourceRef) bool {
	return ref != nil && deref(ref.Type) == "prometheus" && deref(ref.Uid) == "${datasource}"
}

func checkPanels(t *testing.T, d dashboard.Dashboard) {
	t.Helper()
	if len(d.Panels) == 0 {
		t.Fatal("no panels")
	}
	ids := map[uint32]string{}
	for i, pr := range d.Panels {
		p := pr.Panel
		if p == nil {
			t.Errorf("panel %d is a row; the dashboards have no rows", i)
			continue
		}
		title := deref(p.Title)
		where := fmt.Sprintf("panel %d %q", i, title)
		if title == "" {
			t.Errorf("%s: no title", where)
		}
		if deref(p.Description) == "" {
			t.Errorf("%s: no description", where)
		}
		if p.FieldConfig == nil || deref(p.FieldConfig.Defaults.Unit) == "" {
			t.Errorf("%s: no unit (fieldConfig.defaults.unit)", where)
		}
		if id := deref(p.Id); id == 0 {
			t.Errorf("%s: no id", where)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s: id %d already used by %q", where, id, other)
		} else {
			ids[id] = title
		}
		if !isDatasourceVar(p.Datasource) {
			t.Errorf("%s: datasource is not ${datasource}", where)
		}
		if g := p.GridPos; g == nil || g.W == 0 || g.H == 0 || g.X+g.W > 24 {
			t.Errorf("%s: bad gridPos %+v", where, g)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		refs := map[string]bool{}
		for _, target := range p.Targets {
			q, ok := target.(*prometheus.Dataquery)
			if !ok {
				t.Errorf("%s: target %T is not a Prometheus query", where, target)
				continue
			}
			if q.Expr == "" || len(Metrics(q.Expr)) == 0 {
				t.Errorf("%s: query %q uses no overhear_ metric", where, q.Expr)
			}
			if !isDatasourceVar(q.Datasource) {
				t.Errorf("%s: query %q does not use ${datasource}", where, q.Expr)
			}
			ref := deref(q.RefId)
			if ref == "" || refs[ref] {
				t.Errorf("%s: refId %q empty or repeated", where, ref)
			}
			refs[ref] = true
			if _, err := Expand(q.Expr, TestVariables); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	}
}

func TestQueries(t *testing.T) {
	raw, err := FS.ReadFile("brand-overview.json")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Queries(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 10 || !qs[0].Variable() || qs[0].Expr != "label_values(overhear_mentions_total, brand)" {
		t.Fatalf("Queries = %d queries starting with %+v", len(qs), qs[0])
	}
	got, err := Expand(`sum(increase(overhear_x{brand="$brand",source=~"${source}"}[$__range])) [[brand]]`, TestVariables)
	if err != nil || got != `sum(increase(overhear_x{brand="Ollama",source=~".*"}[1h])) Ollama` {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if _, err := Expand(`x[$nope]`, TestVariables); err == nil {
		t.Error("Expand of an unknown variable: no error")
	}
	if got := Metrics(`a(overhear_a_bucket{x="1"}) / overhear_b + overhear_a_bucket`); strings.Join(got, ",") != "overhear_a_bucket,overhear_b" {
		t.Errorf("Metrics = %v", got)
	}
}

// needBinary returns the path of a Prometheus tool, or skips the test when it is missing,
// except under CI=true, where .ci/run has installed it and a missing tool is a failure.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found in PATH; install it with: apt-get install -y --no-install-recommends prometheus", name)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: required)")
	}
	t.Skip(msg)
	return ""
}

func promtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(needBinary(t, "promtool"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestRulesPromtool(t *testing.T) {
	promtool(t, ".", "check", "rules", "rules.yml")
	promtool(t, ".", "test", "rules", "rules_test.yml")
}

// TestQueriesParse has promtool parse every panel query, variables expanded, as recording
// rules: a syntax check without a running Prometheus.
func TestQueriesParse(t *testing.T) {
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard-queries\n    rules:\n")
	n := 0
	for name := range want {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := Queries(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.Variable() {
				continue
			}
			expr, err := Expand(q.Expr, TestVariables)
			if err != nil {
				t.Fatal(err)
			}
			n++
			fmt.Fprintf(&b, "      - record: dashboard_query_%d\n        expr: %q\n", n, expr)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "queries.yml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, dir, "check", "rules", "queries.yml")
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestReadmeListsPanels keeps README.md's panel table in step with the dashboards.
func TestReadmeListsPanels(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := Queries(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if !q.Variable() && !bytes.Contains(readme, []byte("| "+q.Panel)) {
				t.Errorf("README.md's panel table lacks %s panel %q", name, q.Panel)
			}
		}
	}
}
