package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	"github.com/overhear/overhear/alerts/slack"
	"github.com/overhear/overhear/collectors"
)

// slackEnv is a Manager with one Slack sink "team" pointing at a fake Slack.
func slackEnv(t *testing.T) (*env, *alertstest.FakeSlack) {
	t.Helper()
	fake := alertstest.NewFakeSlack(t)
	cfg := alerts.Config{
		Sinks: []alerts.SinkConfig{{Name: "team", Type: alerts.SinkSlack, WebhookURL: collectors.Secret(fake.URL())}},
		Rules: []alerts.RuleConfig{rule(alerts.UnattendedQuestion)},
	}
	n, err := slack.New(slack.Config{Name: "team", WebhookURL: collectors.Secret(fake.URL()), Timeout: 100 * time.Millisecond, MinInterval: time.Second}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, cfg, []string{"Acme"}, &stream{}, map[string]alerts.Notifier{"team": n}), fake
}

func enqueue(t *testing.T, e *env, n int) []alerts.Entry {
	t.Helper()
	var es []alerts.Entry
	for i := 0; i < n; i++ {
		a := alerts.SampleAlert("Acme", t0)
		a.Rule, a.Type = alerts.UnattendedQuestion, alerts.UnattendedQuestion
		es = append(es, alerts.Entry{Sink: "team", State: alerts.StatePending, CreatedAt: t0, UpdatedAt: t0, Alert: a})
	}
	got, err := e.outbox.EnqueueAlerts(context.Background(), es, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func counter(t *testing.T, reg prometheus.Gatherer, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "overhear_alerts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["rule"] == alerts.UnattendedQuestion && labels["sink"] == "team" && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no overhear_alerts_total{rule=unattended_question,sink=team,result=%s}", result)
	return 0
}

func TestDeliverAgainstFakeSlack(t *testing.T) {
	cases := map[string]struct {
		script            []alertstest.Response
		state             string
		requests          int
		sent, failed, drp float64
		minSlept          time.Duration
		lastError         string
	}{
		"200 ok":                   {script: []alertstest.Response{alertstest.OK}, state: alerts.StateSent, requests: 1, sent: 1},
		"400 invalid_payload drop": {script: []alertstest.Response{alertstest.InvalidPayload}, state: alerts.StateDropped, requests: 1, drp: 1, lastError: "invalid_payload"},
		"404 no_service drop":      {script: []alertstest.Response{alertstest.NoService}, state: alerts.StateDropped, requests: 1, drp: 1, lastError: "no_service"},
		"410 archived drop":        {script: []alertstest.Response{alertstest.Archived}, state: alerts.StateDropped, requests: 1, drp: 1, lastError: "channel_is_archived"},
		"429 honours Retry-After":  {script: []alertstest.Response{{Status: 429, Body: "rate_limited", RetryAfter: "3"}, alertstest.OK}, state: alerts.StateSent, requests: 2, sent: 1, failed: 1, minSlept: 3 * time.Second},
		"500 then ok":              {script: []alertstest.Response{alertstest.ServerError, alertstest.ServerError, alertstest.OK}, state: alerts.StateSent, requests: 3, sent: 1, failed: 2, minSlept: 3 * time.Second},
		"hang then ok":             {script: []alertstest.Response{alertstest.Hang, alertstest.OK}, state: alerts.StateSent, requests: 2, sent: 1, failed: 1, minSlept: time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e, fake := slackEnv(t)
			fake.Script(tc.script...)
			enqueue(t, e, 1)
			next, err := e.mgr.Deliver(context.Background())
			if err != nil || !next.IsZero() {
				t.Fatalf("Deliver() = %v, %v; want nothing left", next, err)
			}
			got := e.outbox.All()[0]
			if got.State != tc.state || fake.Requests() != tc.requests {
				t.Fatalf("state %s after %d requests, want %s after %d (last error %q)", got.State, fake.Requests(), tc.state, tc.requests, got.LastError)
			}
			if !strings.Contains(got.LastError, tc.lastError) {
				t.Errorf("last error %q lacks %q", got.LastError, tc.lastError)
			}
			var slept time.Duration
			for _, d := range e.clock.Slept() {
				slept += d
			}
			if slept < tc.minSlept {
				t.Errorf("waited %v in total, want at least %v", slept, tc.minSlept)
			}
			for result, want := range map[string]float64{alerts.ResultSent: tc.sent, alerts.ResultFailed: tc.failed, alerts.ResultDropped: tc.drp} {
				if got := counter(t, e.reg, result); got != want {
					t.Errorf("overhear_alerts_total{result=%s} = %v, want %v", result, got, want)
				}
			}
			// Sent means sent once.
			if _, err := e.mgr.Deliver(context.Background()); err != nil || fake.Requests() != tc.requests {
				t.Errorf("a second round sent again (%d requests, %v)", fake.Requests(), err)
			}
			assertNoSecret(t, e)
		})
	}
}

// TestDeliverBacksOffAndResumes: Slack down for good → exponential waits in place up to the
// inline limit, then the entry keeps its next attempt and the round ends; once Slack is back
// and the time has come, it is delivered, once.
func TestDeliverBacksOffAndResumes(t *testing.T) {
	e, fake := slackEnv(t)
	fake.SetDefault(alertstest.ServerError)
	enqueue(t, e, 2)
	next, err := e.mgr.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	if got := e.clock.Slept(); len(got) != len(want) || got[4] != want[4] {
		t.Errorf("waits = %v, want %v", got, want)
	}
	head := e.outbox.All()[0]
	if head.State != alerts.StatePending || head.Attempts != 6 || !head.NextAttempt.Equal(e.clock.Now().Add(32*time.Second)) || !next.Equal(head.NextAttempt) {
		t.Fatalf("head = %+v, next %v", head, next)
	}
	if fake.Requests() != 6 {
		t.Errorf("requests = %d: the second alert must wait behind the first", fake.Requests())
	}
	if n, _ := e.outbox.PendingAlertCounts(context.Background()); n["team"] != 2 {
		t.Errorf("pending = %v", n)
	}
	// Not yet due: nothing is tried.
	if _, err := e.mgr.Deliver(context.Background()); err != nil || fake.Requests() != 6 {
		t.Errorf("tried before the next attempt time (%d requests)", fake.Requests())
	}
	fake.SetDefault(alertstest.OK)
	e.clock.Advance(32 * time.Second)
	if next, err := e.mgr.Deliver(context.Background()); err != nil || !next.IsZero() {
		t.Fatalf("Deliver() = %v, %v", next, err)
	}
	if fake.Requests() != 8 {
		t.Errorf("requests = %d, want 8", fake.Requests())
	}
	// The two messages to one webhook were paced by a second.
	if s := e.clock.Slept(); s[len(s)-1] != time.Second {
		t.Errorf("last wait %v, want the 1s pacing", s[len(s)-1])
	}
	assertNoSecret(t, e)
}

func TestDeliverStopsWithContext(t *testing.T) {
	e, fake := slackEnv(t)
	fake.SetDefault(alertstest.Hang)
	enqueue(t, e, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.mgr.Deliver(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if got := e.outbox.All()[0]; got.State != alerts.StatePending || got.Attempts != 0 {
		t.Errorf("a cancelled round must leave the alert pending and uncounted: %+v", got)
	}
}

func assertNoSecret(t *testing.T, e *env) {
	t.Helper()
	b, _ := json.Marshal(e.outbox.All())
	mfs, _ := e.reg.Gather()
	m, _ := json.Marshal(mfs)
	for what, s := range map[string]string{"outbox": string(b), "logs": e.logs.String(), "metrics": string(m)} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, alertstest.Token) {
			t.Errorf("webhook token leaked into %s", what)
		}
	}
}

func TestRunDeliversInBackground(t *testing.T) {
	e, fake := slackEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		e.mgr.Run(ctx)
		close(done)
	}()
	enqueue(t, e, 1)
	e.mgr.Kick()
	deadline := time.Now().Add(5 * time.Second)
	for fake.Requests() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if fake.Requests() != 1 {
		t.Errorf("requests = %d, want 1", fake.Requests())
	}
}

func TestMetricsExistAtStartAndLint(t *testing.T) {
	cfg := alerts.Config{Sinks: []alerts.SinkConfig{{Name: "team", Type: alerts.SinkLog}, {Name: "ops", Type: alerts.SinkLog, Digest: alerts.DigestDaily}}}
	e := newEnv(t, cfg, []string{"Acme"}, &stream{}, nil)
	problems, err := testutil.GatherAndLint(e.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	// 5 default rules + digest, × 2 sinks × 3 results.
	if n := testutil.CollectAndCount(e.reg, "overhear_alerts_total"); n != 6*2*3 {
		t.Errorf("overhear_alerts_total has %d series at start, want 36", n)
	}
	if n := testutil.CollectAndCount(e.reg, "overhear_alerts_pending"); n != 2 {
		t.Errorf("overhear_alerts_pending has %d series, want 2", n)
	}
	if n := testutil.CollectAndCount(e.reg, "overhear_alerts_fired_total"); n != 6 {
		t.Errorf("overhear_alerts_fired_total has %d series, want 6", n)
	}
}

func TestDailyDigest(t *testing.T) {
	s := &stream{}
	s.add("Acme", t0.Add(-3*time.Hour), question)
	s.add("Acme", t0.Add(-3*time.Hour), negative, score(200))
	cfg := alerts.Config{
		Sinks: []alerts.SinkConfig{
			{Name: "team", Type: alerts.SinkLog},
			{Name: "managers", Type: alerts.SinkLog, Digest: alerts.DigestOnly, DigestAt: "09:00", Timezone: "UTC"},
		},
		Rules: []alerts.RuleConfig{rule(alerts.UnattendedQuestion), rule(alerts.HighImpact)},
	}
	e := newEnv(t, cfg, []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	states := map[string]int{}
	for _, en := range got {
		states[en.Sink+":"+en.State]++
	}
	if states["team:pending"] != 2 || states["managers:held"] != 2 {
		t.Fatalf("entries = %v", states)
	}
	if _, err := e.mgr.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Next morning at 09:05 the digest goes to managers, once.
	e.clock.Set(time.Date(2026, 11, 24, 9, 5, 0, 0, time.UTC))
	got = e.evaluate(t)
	if len(got) != 1 || got[0].Sink != "managers" || got[0].State != alerts.StatePending || got[0].Alert.Title != "Daily digest: 2 alerts" {
		t.Fatalf("digest = %+v", got)
	}
	if f := got[0].Alert.Fields; len(f) != 2 || f[0].Value != "Acme 1" {
		t.Errorf("digest fields = %+v", f)
	}
	e.clock.Advance(time.Hour)
	if got := e.evaluate(t); len(got) != 0 {
		t.Errorf("second digest the same day: %s", titles(got))
	}
}

func TestSendTest(t *testing.T) {
	fake := alertstest.NewFakeSlack(t)
	fake.Script(alertstest.NoService)
	n, _ := slack.New(slack.Config{Name: "team", WebhookURL: collectors.Secret(fake.URL())}, slog.Default())
	var logged []alerts.Alert
	logSink := alerts.NotifierFunc(func(_ context.Context, a alerts.Alert) error { logged = append(logged, a); return nil })
	res := alerts.SendTest(context.Background(), []string{"team", "log"}, map[string]alerts.Notifier{"team": n, "log": logSink}, "Acme", t0)
	if len(res) != 2 || !alerts.IsPermanent(res[0].Err) || res[1].Err != nil || len(logged) != 1 {
		t.Fatalf("results = %+v", res)
	}
	if strings.Contains(res[0].Err.Error(), "s3cr3t") || !strings.Contains(res[0].Err.Error(), "no_service") {
		t.Errorf("error = %v", res[0].Err)
	}
}
