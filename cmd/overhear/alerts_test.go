package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	oc "github.com/overhear/overhear/collectors"
)

// alertsConfig writes a config with one brand and a Slack sink at url, and returns its path.
func alertsConfig(tb testing.TB, dir, url string) string {
	tb.Helper()
	raw := fmt.Sprintf(`storage:
  path: overhear.db
brands:
  - name: Acme
    query: acme
alerts:
  every: 1m
  sinks:
    - name: team
      type: slack
      webhook_url: %s
  rules:
    - type: unattended_question
      delay: 1h
      min_engagement: 0
    - type: high_impact
`, url)
	path := filepath.Join(dir, "overhear.yaml")
	if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func openTestApp(tb testing.TB, path string, logs io.Writer) *App {
	tb.Helper()
	cfg, err := LoadConfig(path)
	if err != nil {
		tb.Fatal(err)
	}
	app, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		tb.Fatal(err)
	}
	return app
}

// TestAlertsSurviveACrashBetweenCommitAndSend: the alert is committed, the process stops
// before sending, and the restarted process delivers it exactly once.
func TestAlertsSurviveACrashBetweenCommitAndSend(t *testing.T) {
	ctx := context.Background()
	fake := alertstest.NewFakeSlack(t)
	dir := t.TempDir()
	path := alertsConfig(t, dir, fake.URL())
	var logs bytes.Buffer

	app := openTestApp(t, path, &logs)
	mentions := []oc.Mention{{
		ID: "t3_q1", Source: "rss", Community: "acme", Author: "curious", Title: "How do I make Acme use my second GPU?",
		Text: "How do I make Acme use my second GPU? <!channel> anyone?", URL: "https://example.com/t3_q1",
		CreatedAt: time.Now().Add(-3 * time.Hour), Score: 4,
	}}
	if _, _, err := app.process(ctx, mentions, nil, "", nil); err != nil {
		t.Fatal(err)
	}
	// Evaluate commits to the outbox; the "crash" comes before any delivery.
	if err := app.alerts.mgr.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := pendingAlerts(ctx, app.db); err != nil || n != 1 {
		t.Fatalf("pending after commit = %d, %v", n, err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if fake.Requests() != 0 {
		t.Fatalf("sent before the restart")
	}

	// Restart: evaluation finds the event already notified, delivery sends the pending alert.
	app = openTestApp(t, path, &logs)
	defer app.Close()
	for i := 0; i < 3; i++ {
		if err := app.evaluateAlerts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if fake.Requests() != 1 {
		t.Fatalf("Slack got %d messages, want exactly 1", fake.Requests())
	}
	if h := fake.Headers(); len(h) != 1 || !strings.Contains(h[0], "Unattended question: Acme") {
		t.Errorf("headers = %v", h)
	}
	if p := string(fake.Payloads()[0]); strings.Contains(p, "<!channel>") || !strings.Contains(p, "&lt;!channel&gt;") {
		t.Errorf("payload not escaped: %s", p)
	}
	if n, _ := pendingAlerts(ctx, app.db); n != 0 {
		t.Errorf("pending after delivery = %d", n)
	}
	lines, err := app.recentAlerts(ctx, 5)
	if err != nil || len(lines) != 1 || !strings.Contains(lines[0], "sent") || !strings.Contains(lines[0], "Unattended question: Acme") {
		t.Errorf("recentAlerts = %q, %v", lines, err)
	}
	if got := alertCounter(t, app, "unattended_question", "team", "sent"); got != 1 {
		t.Errorf("overhear_alerts_total{sent} = %v", got)
	}

	// The API lists it, and nothing anywhere shows the webhook URL.
	rec := httptest.NewRecorder()
	app.handler(func() error { return nil }).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/alerts?limit=5", nil))
	var l AlertListing
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || rec.Code != 200 {
		t.Fatalf("/api/alerts: %d %s", rec.Code, rec.Body)
	}
	if l.Pending != 0 || len(l.Alerts) != 1 || l.Alerts[0].State != alerts.StateSent || l.Alerts[0].Sink != "team" {
		t.Errorf("listing = %+v", l)
	}
	metrics := httptest.NewRecorder()
	app.handler(func() error { return nil }).ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	cfgDump, _ := json.Marshal(app.cfg)
	for what, s := range map[string]string{"api": rec.Body.String(), "metrics": metrics.Body.String(), "logs": logs.String(), "config dump": string(cfgDump)} {
		if strings.Contains(s, alertstest.Token) || strings.Contains(s, "s3cr3t") {
			t.Errorf("webhook URL leaked into %s", what)
		}
	}
	if !strings.Contains(metrics.Body.String(), `overhear_alerts_pending{sink="team"} 0`) {
		t.Errorf("metrics lack the pending gauge:\n%s", metrics.Body.String())
	}
	problems, err := testutil.GatherAndLint(app.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "overhear_alerts") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

// alertCounter reads overhear_alerts_total for one label set.
func alertCounter(t *testing.T, app *App, rule, sink, result string) float64 {
	t.Helper()
	mfs, err := app.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "overhear_alerts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["rule"] == rule && l["sink"] == sink && l["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no overhear_alerts_total{rule=%q,sink=%q,result=%q}", rule, sink, result)
	return 0
}

func TestAlertsConfigErrorsAreLocated(t *testing.T) {
	raw := `brands:
  - name: Acme
    query: acme
alerts:
  rules:
    - type: negative_swing
      delay: 2h
`
	_, err := ParseConfig([]byte(raw), "x.yaml", t.TempDir())
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 7 || !strings.Contains(err.Error(), "alerts.rules[0].delay: not used by negative_swing") {
		t.Fatalf("err = %v", err)
	}
	raw = `brands:
  - name: Acme
    query: acme
alerts:
  rules:
    - type: high_impact
      brands: [Globex]
`
	if _, err := ParseConfig([]byte(raw), "x.yaml", t.TempDir()); err == nil || !strings.Contains(err.Error(), `alerts.rules[0].brands[0]: unknown brand "Globex"`) {
		t.Fatalf("err = %v", err)
	}
	// rules: [] switches the rules off; omitting rules gives every default rule.
	cfg, err := ParseConfig([]byte("brands:\n  - name: Acme\n    query: acme\nalerts:\n  rules: []\n"), "x.yaml", t.TempDir())
	if err != nil || len(cfg.Alerts.Rules) != 0 {
		t.Errorf("rules: [] gave %d rules, %v", len(cfg.Alerts.Rules), err)
	}
	cfg, err = ParseConfig([]byte("brands:\n  - name: Acme\n    query: acme\n"), "x.yaml", t.TempDir())
	if err != nil || len(cfg.Alerts.Rules) != len(alerts.RuleTypes) {
		t.Errorf("default rules: %d, %v", len(cfg.Alerts.Rules), err)
	}
}

func TestAlertsTestAndListCommands(t *testing.T) {
	fake := alertstest.NewFakeSlack(t)
	dir := t.TempDir()
	path := alertsConfig(t, dir, fake.URL())
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Logger: slog.New(slog.NewTextHandler(&errOut, nil))}
		code := m.Run(context.Background(), args)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run("alerts", "test", "--config", path)
	if code != 0 || out != "team: sent\n" || fake.Requests() != 1 {
		t.Fatalf("alerts test: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if h := fake.Headers(); !strings.Contains(h[0], "Test alert: Acme") {
		t.Errorf("header = %q", h[0])
	}
	fake.Script(alertstest.NoService)
	code, out, errOut = run("alerts", "test", "--config", path)
	if code != 1 || !strings.Contains(out, "team: FAILED (permanent") || !strings.Contains(out, "no_service") {
		t.Errorf("alerts test against 404: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, s := range []string{out, errOut} {
		if strings.Contains(s, alertstest.Token) {
			t.Errorf("webhook URL leaked: %q", s)
		}
	}
	if code, _, _ := run("alerts", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}

	// list reads the store read-only.
	app := openTestApp(t, path, io.Discard)
	if _, err := app.db.EnqueueAlerts(context.Background(), []alerts.Entry{{Sink: "team", State: alerts.StatePending, CreatedAt: time.Now(),
		Alert: alerts.SampleAlert("Acme", time.Now())}}, nil); err != nil {
		t.Fatal(err)
	}
	app.Close()
	code, out, errOut = run("alerts", "list", "--config", path)
	var l AlertListing
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil || l.Pending != 1 || len(l.PendingAlerts) != 1 || l.PendingBySink["team"] != 1 {
		t.Fatalf("alerts list: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = run("stats", "--config", path)
	if code != 0 || !strings.Contains(out, `"alerts_pending": 1`) {
		t.Errorf("stats: exit %d, %s", code, out)
	}
}

// TestIngestNoAlerts: a backfill imported with --no-alerts sends nothing, and a later ingest
// (or once, or serve) does not alert on it either; what comes after alerts as usual.
func TestIngestNoAlerts(t *testing.T) {
	fake := alertstest.NewFakeSlack(t)
	dir := t.TempDir()
	path := alertsConfig(t, dir, fake.URL())
	now := time.Now().UTC()
	var lines []string
	for i := range 40 {
		at := now.Add(-time.Duration(i) * 97 * time.Minute).Format(time.RFC3339)
		lines = append(lines, fmt.Sprintf(`{"id":"b%d","source":"rss","community":"forum","author":"u%d","text":"How do I make Acme sync faster? Acme is slow.","created_at":%q,"score":200}`, i, i%3, at))
	}
	ingest := func(in string, args ...string) string {
		t.Helper()
		m, out, errb := testMain(in)
		if code := m.Run(context.Background(), append([]string{"ingest", "--config", path, "--file", "-"}, args...)); code != 0 {
			t.Fatalf("ingest %v: exit %d: %s", args, code, errb)
		}
		return out.String()
	}
	// The control: the same import without the flag alerts.
	control := alertstest.NewFakeSlack(t)
	m, _, errb := testMain(strings.Join(lines, "\n"))
	if code := m.Run(context.Background(), []string{"ingest", "--config", alertsConfig(t, t.TempDir(), control.URL()), "--file", "-"}); code != 0 || control.Requests() == 0 {
		t.Fatalf("control ingest: exit %d, %d messages: %s", code, control.Requests(), errb)
	}
	if out := ingest(strings.Join(lines, "\n"), "--no-alerts"); !strings.Contains(out, "40 stored") {
		t.Fatalf("ingest --no-alerts: %q", out)
	}
	if fake.Requests() != 0 {
		t.Fatalf("--no-alerts sent %d messages", fake.Requests())
	}
	// Re-running the same import (all duplicates) alerts on none of it.
	ingest(strings.Join(lines, "\n"))
	if fake.Requests() != 0 {
		t.Fatalf("the backfill alerted on a later ingest: %d messages", fake.Requests())
	}
	fresh := fmt.Sprintf(`{"id":"new","source":"rss","community":"forum","author":"z","text":"Acme lost my data, terrible.","created_at":%q,"score":300}`, now.Add(-time.Minute).Format(time.RFC3339))
	ingest(fresh)
	if fake.Requests() != 1 {
		t.Fatalf("a new mention after the backfill: %d messages, want 1", fake.Requests())
	}
	if p := string(fake.Payloads()[0]); !strings.Contains(p, "lost my data") || strings.Contains(p, "sync faster") {
		t.Errorf("message is not just the new mention: %s", p)
	}
}

// TestMentionRuleConfig: the registered mention rule is switched on in this binary and its keys
// decode from alerts.rules[], with errors located in the file.
func TestMentionRuleConfig(t *testing.T) {
	raw := `brands:
  - name: Acme
    query: acme
alerts:
  rules:
    - type: mention
      communities: [ollama, r/LocalLLaMA]
      sources: [reddit]
      sentiment: negative
      question: true
      first_evaluation: quiet
      cooldown: 5m
`
	cfg, err := ParseConfig([]byte(raw), "x.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Alerts.Rules[0]
	if r.Type != "mention" || len(r.Communities) != 2 || r.Sources[0] != "reddit" || r.Sentiment != "negative" || r.Question == nil || !*r.Question ||
		r.FirstEvaluation != alerts.FirstEvaluationQuiet || r.Window.D() != 24*time.Hour {
		t.Errorf("rule = %+v", r)
	}
	bad := strings.Replace(raw, "sentiment: negative", "sentiment: furious", 1)
	if _, err := ParseConfig([]byte(bad), "x.yaml", t.TempDir()); err == nil || !strings.Contains(err.Error(), "alerts.rules[0].sentiment") {
		t.Errorf("bad sentiment: %v", err)
	}
	bad = strings.Replace(raw, "question: true", "delay: 1h", 1)
	if _, err := ParseConfig([]byte(bad), "x.yaml", t.TempDir()); err == nil || !strings.Contains(err.Error(), "alerts.rules[0].delay") {
		t.Errorf("key of another type: %v", err)
	}
}
