package mention_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	"github.com/overhear/overhear/alerts/rules/mention"
	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// store is a replayable set of stored mentions.
type store struct{ rs []analysis.Result }

func (s *store) Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error {
	var out []analysis.Result
	for _, r := range s.rs {
		if r.CreatedAt.Before(since) || (!until.IsZero() && !r.CreatedAt.Before(until)) || r.Brands[0].Name != brand {
			continue
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	for i := range out {
		if err := fn(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

type opt func(*analysis.Result)

func in(source, community string) opt {
	return func(r *analysis.Result) { r.Source, r.Community = source, community }
}
func sentiment(label string) opt {
	return func(r *analysis.Result) { r.Brands[0].Sentiment = analysis.Sentiment{Label: label, Score: -0.5} }
}
func unscored(r *analysis.Result) {
	r.Brands[0].Sentiment = analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
}
func question(r *analysis.Result) { r.Question, r.Questions = true, []string{"Does it work?"} }

func (s *store) add(brand string, at time.Time, opts ...opt) string {
	id := fmt.Sprintf("t3_%d", len(s.rs)+1)
	r := analysis.Result{
		Mention: collectors.Mention{ID: id, Source: "reddit", Community: "ollama", Author: "someone",
			Title: "Post about " + brand, Text: "I tried " + brand + ".", URL: "https://www.reddit.com/r/ollama/comments/" + id + "/", CreatedAt: at},
		Brands:    []analysis.BrandResult{{Name: brand, Sentiment: analysis.Sentiment{Label: analysis.Neutral}}},
		Sentiment: analysis.Sentiment{Label: analysis.Neutral},
	}
	for _, o := range opts {
		o(&r)
	}
	s.rs = append(s.rs, r)
	return id
}

type env struct {
	mgr    *alerts.Manager
	outbox *alertstest.MemOutbox
	clock  *alertstest.Clock
}

func newEnv(tb testing.TB, cfg alerts.Config, src alerts.MentionSource) *env {
	tb.Helper()
	e := &env{outbox: alertstest.NewMemOutbox(), clock: alertstest.NewClock(t0)}
	sinks := map[string]alerts.Notifier{}
	for _, n := range cfg.SinkNames() {
		sinks[n] = alerts.NotifierFunc(func(context.Context, alerts.Alert) error { return nil })
	}
	var err error
	e.mgr, err = alerts.New(alerts.Options{Config: cfg, Brands: []string{"Acme", "Globex"}, Mentions: src, Outbox: e.outbox,
		Sinks: sinks, Registerer: prometheus.NewRegistry(), Now: e.clock.Now, Sleep: e.clock.Sleep})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func (e *env) evaluate(tb testing.TB) []alerts.Entry {
	tb.Helper()
	before := len(e.outbox.All())
	if err := e.mgr.Evaluate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return e.outbox.All()[before:]
}

func titles(es []alerts.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Alert.Title)
	}
	return strings.Join(out, " | ")
}

func TestEveryNewMentionOnceGroupedUnderCooldown(t *testing.T) {
	s := &store{}
	s.add("Acme", t0.Add(-3*24*time.Hour)) // older than the 24h window: never
	s.add("Acme", t0.Add(-2*time.Hour), in("hackernews", ""))
	s.add("Acme", t0.Add(-time.Hour))
	s.add("Acme", t0.Add(-time.Minute), question)
	s.add("Globex", t0.Add(-10*time.Minute))
	e := newEnv(t, alerts.Config{Rules: []alerts.RuleConfig{{Type: mention.Type}}}, s)

	got := e.evaluate(t)
	if len(got) != 2 {
		t.Fatalf("got %d messages (%s), want one per brand", len(got), titles(got))
	}
	acme, globex := got[0].Alert, got[1].Alert
	if acme.Brand != "Acme" || acme.Title != "3 new mentions: Acme" || len(acme.Keys) != 3 || len(acme.Examples) != 3 || acme.Type != mention.Type {
		t.Errorf("Acme message = %q (%d keys, %d examples, type %q)", acme.Title, len(acme.Keys), len(acme.Examples), acme.Type)
	}
	if acme.Examples[0].ID != "t3_4" {
		t.Errorf("first example %s, want the newest (all score 0)", acme.Examples[0].ID)
	}
	if len(acme.Fields) != 1 || acme.Fields[0].Name != "Where" {
		t.Errorf("fields = %+v, want Where", acme.Fields)
	}
	if globex.Title != "New mention: Globex" || !strings.Contains(globex.Summary, "Globex was mentioned in r/ollama by someone 10m ago.") {
		t.Errorf("Globex message = %q: %q", globex.Title, globex.Summary)
	}

	// Nothing new: nothing sent.
	e.clock.Advance(time.Minute)
	if again := e.evaluate(t); len(again) != 0 {
		t.Fatalf("notified again: %s", titles(again))
	}
	// A new mention within the 15m cooldown waits; after it, it goes out alone.
	s.add("Acme", e.clock.Now().Add(-time.Minute), question)
	if held := e.evaluate(t); len(held) != 0 {
		t.Fatalf("sent within the cooldown: %s", titles(held))
	}
	e.clock.Advance(15 * time.Minute)
	next := e.evaluate(t)
	if len(next) != 1 || next[0].Alert.Title != "New question: Acme" || len(next[0].Alert.Keys) != 1 {
		t.Fatalf("after the cooldown: %s", titles(next))
	}
}

func TestFilters(t *testing.T) {
	yes, no := true, false
	cases := map[string]struct {
		rule alerts.RuleConfig
		want []string // ids, in rank order
	}{
		"no filter":             {alerts.RuleConfig{}, []string{"t3_5", "t3_4", "t3_3", "t3_2", "t3_1"}},
		"community":             {alerts.RuleConfig{Communities: []string{"r/LocalLLaMA"}}, []string{"t3_2"}},
		"community, no prefix":  {alerts.RuleConfig{Communities: []string{"localllama", "lobsters"}}, []string{"t3_3", "t3_2"}},
		"source":                {alerts.RuleConfig{Sources: []string{"lobsters", "hackernews"}}, []string{"t3_4"}},
		"negative":              {alerts.RuleConfig{Sentiment: analysis.Negative}, []string{"t3_3"}},
		"neutral, not unscored": {alerts.RuleConfig{Sentiment: analysis.Neutral}, []string{"t3_4", "t3_2", "t3_1"}},
		"questions only":        {alerts.RuleConfig{Question: &yes}, []string{"t3_2"}},
		"no questions":          {alerts.RuleConfig{Question: &no}, []string{"t3_5", "t3_4", "t3_3", "t3_1"}},
		"everything at once":    {alerts.RuleConfig{Sources: []string{"reddit"}, Communities: []string{"ollama"}, Sentiment: analysis.Neutral, Question: &no}, []string{"t3_1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &store{}
			s.add("Acme", t0.Add(-5*time.Hour))
			s.add("Acme", t0.Add(-4*time.Hour), in("reddit", "LocalLLaMA"), question)
			s.add("Acme", t0.Add(-3*time.Hour), in("rss", "lobsters"), sentiment(analysis.Negative))
			s.add("Acme", t0.Add(-2*time.Hour), in("hackernews", ""))
			s.add("Acme", t0.Add(-time.Hour), unscored)
			r := tc.rule
			r.Type, r.MaxExamples = mention.Type, 10
			e := newEnv(t, alerts.Config{Rules: []alerts.RuleConfig{r}}, s)
			var ids []string
			for _, en := range e.evaluate(t) {
				for _, ex := range en.Alert.Examples {
					ids = append(ids, ex.ID)
				}
			}
			if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
				t.Errorf("alerted %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestDigestOnlySinkHoldsMentions(t *testing.T) {
	s := &store{}
	s.add("Acme", t0.Add(-time.Hour))
	cfg := alerts.Config{
		Sinks: []alerts.SinkConfig{{Name: "team", Type: alerts.SinkLog, Digest: alerts.DigestOnly, DigestAt: "16:00"}},
		Rules: []alerts.RuleConfig{{Type: mention.Type}},
	}
	e := newEnv(t, cfg, s)
	got := e.evaluate(t)
	if len(got) != 1 || got[0].State != alerts.StateHeld {
		t.Fatalf("got %s, want one held entry", titles(got))
	}
	e.clock.Advance(time.Hour) // 16:00: the digest
	d := e.evaluate(t)
	if len(d) != 1 || d[0].Alert.Type != alerts.RuleDigest || len(d[0].Alert.Fields) != 1 || d[0].Alert.Fields[0].Name != mention.Type {
		t.Fatalf("digest = %+v", d)
	}
}

func TestConfig(t *testing.T) {
	c := alerts.Config{Rules: []alerts.RuleConfig{{Type: mention.Type}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r := c.Rules[0]
	if r.Name != "mention" || r.Window.D() != 24*time.Hour || r.Cooldown.D() != 15*time.Minute || r.Sentiment != alerts.SentimentAny || r.MaxExamples != 5 {
		t.Errorf("defaults = %+v", r)
	}
	var def alerts.Config
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, r := range def.Rules {
		if r.Type == mention.Type {
			t.Error("the mention rule is on without rules: (it is opt-in)")
		}
	}
	bad := map[string]struct {
		rule alerts.RuleConfig
		key  string
	}{
		"sentiment":                 {alerts.RuleConfig{Type: mention.Type, Sentiment: "angry"}, "rules[0].sentiment"},
		"empty community":           {alerts.RuleConfig{Type: mention.Type, Communities: []string{" "}}, "rules[0].communities[0]"},
		"empty source":              {alerts.RuleConfig{Type: mention.Type, Sources: []string{""}}, "rules[0].sources[0]"},
		"key of another type":       {alerts.RuleConfig{Type: mention.Type, Delay: collectors.Duration(time.Hour)}, "rules[0].delay"},
		"filter on a built-in rule": {alerts.RuleConfig{Type: alerts.HighImpact, Communities: []string{"ollama"}}, "rules[0].communities"},
		"short window":              {alerts.RuleConfig{Type: mention.Type, Window: collectors.Duration(time.Second)}, "rules[0].window"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			c := alerts.Config{Rules: []alerts.RuleConfig{tc.rule}}
			err := c.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tc.key+": ") {
				t.Errorf("error = %v, want it to start with %s", err, tc.key)
			}
		})
	}
	c = alerts.Config{Rules: []alerts.RuleConfig{{Type: "mentions"}}}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "new_community, mention") {
		t.Errorf("unknown type: %v", err)
	}
}
