package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/overhear/overhear/dashboards"
)

// TestPrometheusIntegration runs the dashboards and rules against a real Prometheus scraping a
// real Overhear on loopback, twice:
//
//   - demo: `overhear demo` with the bundled corpus stored. Every panel query, variables
//     substituted, must return series; every rule expression must evaluate.
//   - quiet: `overhear serve` polling an RSS feed and Reddit (both faked on loopback) that
//     have nothing new, with nothing stored. Every
//     panel must still return series (zero, not absent), except those that say what an empty
//     result means (a noValue text: the top-N community gauges).
//
// It needs Debian's `prometheus` package: it skips without it, except under CI=true.
func TestPrometheusIntegration(t *testing.T) {
	bin := needBinary(t, "prometheus")
	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		target := startOverhear(t, "demo", "--listen", "127.0.0.1:0")
		prom := startPrometheus(t, bin, target)
		checkPanels(t, prom, map[string]bool{
			// The demo polls no source, so no collector reports a request budget.
			"overhear_collector_ratelimit_remaining": true,
		})
		checkRules(t, prom)
	})
	t.Run("quiet serve", func(t *testing.T) {
		t.Parallel()
		// Every feed URL (the RSS source's, Reddit's subreddit feeds) has nothing new.
		feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>quiet</title><link>http://127.0.0.1/</link><description>nothing new</description></channel></rss>`)
		}))
		t.Cleanup(feed.Close)
		dir := t.TempDir()
		raw := dashboardsConfigYAML(feed.URL)
		config := filepath.Join(dir, "overhear.yaml")
		if err := os.WriteFile(config, []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
		target := startOverhear(t, "serve", "--config", config)
		prom := startPrometheus(t, bin, target)
		checkPanels(t, prom, map[string]bool{
			// Nothing is stored, so there is no community to rank.
			"overhear_community_mentions":        true,
			"overhear_community_sentiment_score": true,
		})
		checkRules(t, prom)
	})
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

// lockedBuffer collects a command's output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startOverhear runs `overhear ARGS` through the real Main until the test ends and returns the
// address it serves on.
func startOverhear(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	addrc := make(chan string, 1)
	m := &Main{
		Stdin: strings.NewReader(""), Stdout: out, Stderr: out,
		Logger: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Ready:  func(addr string) { addrc <- addr },
	}
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("overhear %s exited with %d:\n%s", args[0], code, out)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("overhear %s did not stop", args[0])
		}
	})
	select {
	case addr := <-addrc:
		return addr
	case code := <-done:
		done <- code
		t.Fatalf("overhear %s exited with %d before serving:\n%s", strings.Join(args, " "), code, out)
	case <-time.After(2 * time.Minute):
		t.Fatalf("overhear %s did not start serving:\n%s", strings.Join(args, " "), out)
	}
	return ""
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// promClient talks to the test's Prometheus over loopback, never through a proxy.
var promClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}

// startPrometheus starts a Prometheus that scrapes target every second and loads rules.yml,
// and returns its base URL once it has samples to query.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	rules, err := dashboards.FS.ReadFile("rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: overhear
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	out := &lockedBuffer{}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen,
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://" + listen

	// Poll, don't sleep: ready, then three scrapes of an up target, so rate() and increase()
	// have at least two samples in their window.
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prometheus exited: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus has no samples of %s after 90s (last: %s)\n%s", target, last, out)
		}
		r, err := promQuery(base, `count_over_time(up{job="overhear"}[1m]) >= 3 and up{job="overhear"} == 1`)
		switch {
		case err != nil:
			last = err.Error()
		case len(r.Result) == 0:
			last = "fewer than 3 successful scrapes; targets: " + targetsHealth(base)
		default:
			return base
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// queryResult is the data of a Prometheus /api/v1/query answer.
type queryResult struct {
	ResultType string            `json:"resultType"`
	Result     []json.RawMessage `json:"result"`
}

func (r queryResult) String() string {
	parts := make([]string, len(r.Result))
	for i, m := range r.Result {
		parts[i] = string(m)
	}
	return strings.Join(parts, ", ")
}

// promQuery evaluates expr now. A scalar result counts as one series.
func promQuery(base, expr string) (queryResult, error) {
	resp, err := promClient.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return queryResult{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return queryResult{}, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if body.Status != "success" {
		return queryResult{}, fmt.Errorf("%s: %s", body.ErrorType, body.Error)
	}
	var r queryResult
	if err := json.Unmarshal(body.Data, &r); err != nil {
		// A scalar or string result is [time, value], not a list.
		return queryResult{ResultType: "scalar", Result: []json.RawMessage{body.Data}}, nil
	}
	if r.ResultType == "scalar" || r.ResultType == "string" {
		r.Result = []json.RawMessage{body.Data}
	}
	return r, nil
}

func targetsHealth(base string) string {
	resp, err := promClient.Get(base + "/api/v1/targets")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			ActiveTargets []struct {
				ScrapeURL string `json:"scrapeUrl"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return err.Error()
	}
	var s []string
	for _, tg := range body.Data.ActiveTargets {
		s = append(s, fmt.Sprintf("%s %s %s", tg.ScrapeURL, tg.Health, tg.LastError))
	}
	return strings.Join(s, "; ")
}

// checkPanels evaluates every panel query of every dashboard, variables substituted. Each must
// succeed and return series, except a panel that has a noValue text and queries a metric in
// mayBeAbsent: one that this run legitimately lacks.
func checkPanels(t *testing.T, base string, mayBeAbsent map[string]bool) {
	t.Helper()
	files, err := fs.Glob(dashboards.FS, "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards embedded: %v", err)
	}
	n := 0
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
			where := fmt.Sprintf("%s: %q %s", f, q.Panel, q.RefID)
			expr, err := dashboards.Expand(q.Expr, dashboards.TestVariables)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if q.Variable() {
				expr, err = labelValuesQuery(expr)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
			}
			n++
			r, err := promQuery(base, expr)
			switch {
			case err != nil:
				t.Errorf("%s: %s: %v", where, expr, err)
			case len(r.Result) == 0 && !(q.MayBeEmpty && usesAny(expr, mayBeAbsent)):
				t.Errorf("%s: no series (the panel would show \"No data\"): %s", where, expr)
			case q.Variable() && strings.Contains(expr, "brand") && !strings.Contains(r.String(), `"`+dashboards.TestVariables["brand"]+`"`):
				t.Errorf("%s: %s lacks brand %q: %s", where, expr, dashboards.TestVariables["brand"], r)
			}
		}
	}
	t.Logf("%d dashboard queries evaluated against Prometheus", n)
}

func usesAny(expr string, metrics map[string]bool) bool {
	for _, m := range dashboards.Metrics(expr) {
		if metrics[m] {
			return true
		}
	}
	return false
}

// labelValuesQuery turns Grafana's label_values(METRIC, LABEL) into PromQL that returns one
// series per value.
func labelValuesQuery(q string) (string, error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(q), "label_values(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	metric, label, ok3 := strings.Cut(inner, ",")
	if !ok || !ok2 || !ok3 {
		return "", fmt.Errorf("variable query %q is not label_values(METRIC, LABEL)", q)
	}
	return fmt.Sprintf("count by (%s) (%s)", strings.TrimSpace(label), strings.TrimSpace(metric)), nil
}

// checkRules evaluates every rule expression (an alert rule is empty when all is well) and
// checks that Prometheus loaded rules.yml with every rule healthy.
func checkRules(t *testing.T, base string) {
	t.Helper()
	rules := alertRules(t)
	for _, r := range rules {
		if _, err := promQuery(base, r.Expr); err != nil {
			t.Errorf("rules.yml %s: %v", r.name(), err)
		}
	}
	// Rules are evaluated every second; wait for one evaluation of each.
	deadline := time.Now().Add(30 * time.Second)
	for {
		health, err := rulesHealth(base)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, r := range rules {
			switch h := health[r.name()]; h {
			case "ok":
			case "", "unknown":
				pending++
			default:
				t.Errorf("Prometheus reports rule %s as %s", r.name(), h)
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rules not evaluated after 30s: %v", health)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rulesHealth returns each loaded rule's health, with its last error when it has one.
func rulesHealth(base string) (map[string]string, error) {
	resp, err := promClient.Get(base + "/api/v1/rules")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("rules API: %w", err)
	}
	out := map[string]string{}
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			out[r.Name] = r.Health
			if r.LastError != "" {
				out[r.Name] += ": " + r.LastError
			}
		}
	}
	return out, nil
}
