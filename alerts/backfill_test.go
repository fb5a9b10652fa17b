package alerts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/rules/mention"
)

// backfill is 60 days of a brand's mentions, as an import or a cold start leaves them: some
// negative, some questions, in several communities, with a few engaged posts.
func backfill(s *stream, brand string) {
	comms := []string{"acme", "selfhosted", "homelab", "rust"}
	i := 0
	for at := t0.Add(-60 * day); at.Before(t0); at = at.Add(47 * time.Minute) {
		opts := []opt{community(comms[i%len(comms)]), author(fmt.Sprintf("u%d", i%13))}
		if i%5 == 0 {
			opts = append(opts, negative)
		}
		if i%7 == 0 {
			opts = append(opts, question)
		}
		if i%31 == 0 {
			opts = append(opts, score(80))
		}
		s.add(brand, at, opts...)
		i++
	}
}

func allRules() []alerts.RuleConfig {
	var rules []alerts.RuleConfig
	for _, t := range append(append([]string{}, alerts.RuleTypes...), mention.Type) {
		rules = append(rules, rule(t))
	}
	return rules
}

// On a rule's first evaluation nothing older than its window is alerted, and what the window
// holds goes out as one message per rule and brand.
func TestFirstEvaluationIgnoresMentionsOlderThanTheWindow(t *testing.T) {
	s := &stream{}
	backfill(s, "Acme")
	backfill(s, "Globex")
	cfg := only(allRules()...)
	e := newEnv(t, cfg, []string{"Acme", "Globex"}, s, nil)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	window := map[string]time.Duration{}
	for _, r := range cfg.Rules {
		window[r.Name] = r.Window.D()
	}
	got := e.evaluate(t)
	perGroup := map[string]int{}
	for _, en := range got {
		a := en.Alert
		perGroup[a.Rule+"/"+a.Brand]++
		for _, ex := range a.Examples {
			if ex.CreatedAt.Before(t0.Add(-window[a.Rule])) {
				t.Errorf("%s: example from %s, older than the rule's %s window", a.Title, ex.CreatedAt, window[a.Rule])
			}
		}
	}
	for g, n := range perGroup {
		if n != 1 {
			t.Errorf("%s: %d messages, want one", g, n)
		}
	}
	// The mention rule's one message per brand stands for exactly the last 24h.
	inDay := 0
	for _, r := range s.rs {
		if r.Brands[0].Name == "Acme" && !r.CreatedAt.Before(t0.Add(-day)) {
			inDay++
		}
	}
	for _, en := range got {
		if en.Alert.Rule == mention.Type && en.Alert.Brand == "Acme" && len(en.Alert.Keys) != inDay {
			t.Errorf("mention rule: %d events, want the %d mentions of the last 24h", len(en.Alert.Keys), inDay)
		}
	}
	if perGroup["mention/Acme"] != 1 || perGroup["unattended_question/Acme"] != 1 {
		t.Errorf("messages per group: %v", perGroup)
	}
}

func TestFirstEvaluationQuiet(t *testing.T) {
	s := &stream{}
	backfill(s, "Acme")
	r := rule(mention.Type)
	r.FirstEvaluation = alerts.FirstEvaluationQuiet
	q := rule(alerts.UnattendedQuestion)
	q.FirstEvaluation = alerts.FirstEvaluationQuiet
	e := newEnv(t, only(r, q, rule(alerts.HighImpact)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 || got[0].Alert.Rule != alerts.HighImpact {
		t.Fatalf("first evaluation: %s, want only high_impact (first_evaluation: window)", titles(got))
	}
	// What the window held was recorded: it never alerts, even after the cooldowns.
	e.clock.Advance(2 * time.Hour)
	if again := e.evaluate(t); len(again) != 0 {
		t.Fatalf("backfilled mentions alerted later: %s", titles(again))
	}
	// What comes after does, at once (no cooldown was started).
	s.add("Acme", e.clock.Now().Add(-time.Minute))
	next := e.evaluate(t)
	if len(next) != 1 || next[0].Alert.Title != "New mention: Acme" {
		t.Fatalf("after the first evaluation: %s", titles(next))
	}
}

func TestSilence(t *testing.T) {
	s := &stream{}
	backfill(s, "Acme")
	cfg := only(allRules()...)
	cfg.Sinks = []alerts.SinkConfig{{Name: "team", Type: alerts.SinkLog, Digest: alerts.DigestDaily, DigestAt: "14:30"}}
	e := newEnv(t, cfg, []string{"Acme"}, s, nil)
	// A digest is due (14:30, now 15:00): silencing makes none.
	n, err := e.mgr.Silence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(e.outbox.All()) != 0 {
		t.Fatalf("Silence: %d events, %d entries (%s)", n, len(e.outbox.All()), titles(e.outbox.All()))
	}
	if !strings.Contains(e.logs.String(), "alert events recorded without alerting") {
		t.Errorf("logs: %s", e.logs)
	}
	// The imported mentions never alert; new ones do at once (no cooldown was started).
	s.add("Acme", t0.Add(-time.Minute), negative, score(90))
	got := e.evaluate(t)
	if len(got) != 2 {
		t.Fatalf("after Silence: %s", titles(got))
	}
	var types []string
	for _, en := range got {
		types = append(types, en.Alert.Type)
		if en.Alert.Type != alerts.RuleDigest && len(en.Alert.Keys) != 1 {
			t.Errorf("%s stands for %d events, want only the new mention", en.Alert.Title, len(en.Alert.Keys))
		}
	}
	if strings.Join(types, " ") != "high_impact mention" && strings.Join(types, " ") != "mention high_impact" {
		t.Errorf("types = %v", types)
	}
}
