package alerts_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/analysis"
)

const day = 24 * time.Hour

func rule(typ string) alerts.RuleConfig { return alerts.RuleConfig{Type: typ} }

func TestNegativeSwing(t *testing.T) {
	cases := map[string]struct {
		build     func(s *stream)
		wantFire  bool
		wantWords []string
	}{
		"swing from 10% to 50% negative": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 30, 10) // 10% negative for four weeks
				s.steady("Acme", t0.Add(-day), t0, 40, 2)               // 50% today
			},
			wantFire:  true,
			wantWords: []string{"50% of the 40 mentions of Acme in the last 24h are negative", "against 10%", "+40 points"},
		},
		"steady negativity is the baseline, not a swing": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0, 30, 2) // always 50%
			},
		},
		"quiet brand: three angry posts page no one": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 2, 10)
				s.steady("Acme", t0.Add(-day), t0, 3, 1) // 100% negative, but 3 posts
			},
		},
		"small rise below the threshold": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 30, 10)
				s.steady("Acme", t0.Add(-day), t0, 30, 5) // 20%: +10 points
			},
		},
		"no history: nothing to compare with": {
			build: func(s *stream) { s.steady("Acme", t0.Add(-day), t0, 40, 1) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stream{}
			tc.build(s)
			e := newEnv(t, only(rule(alerts.NegativeSwing)), []string{"Acme"}, s, nil)
			got := e.evaluate(t)
			if (len(got) > 0) != tc.wantFire {
				t.Fatalf("fired %d alerts (%s), want fire=%v", len(got), titles(got), tc.wantFire)
			}
			if !tc.wantFire {
				return
			}
			a := got[0].Alert
			if a.Title != "Negative swing: Acme" {
				t.Errorf("title = %q", a.Title)
			}
			for _, w := range tc.wantWords {
				if !strings.Contains(a.Summary, w) {
					t.Errorf("summary %q lacks %q", a.Summary, w)
				}
			}
			if len(a.Examples) != 5 || a.Examples[0].Sentiment != analysis.Negative || a.Examples[0].URL == "" || a.More != 15 {
				t.Errorf("examples = %d (more %d), first %+v", len(a.Examples), a.More, a.Examples[0])
			}
			// The same swing an hour later is the same event: nothing new.
			e.clock.Advance(time.Hour)
			if again := e.evaluate(t); len(again) != 0 {
				t.Errorf("swing alerted again within its window: %s", titles(again))
			}
		})
	}
}

func TestNegativeSwingMeanSentiment(t *testing.T) {
	s := &stream{}
	s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 20, 0, positive)
	s.steady("Acme", t0.Add(-day), t0, 30, 1)
	e := newEnv(t, only(alerts.RuleConfig{Type: alerts.NegativeSwing, Measure: alerts.MeasureMeanSentiment}), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 || !strings.Contains(got[0].Alert.Summary, "Mean sentiment toward Acme") || !strings.Contains(got[0].Alert.Summary, "drop of 1.30") {
		t.Fatalf("got %+v", got)
	}
}

func TestVolumeSpike(t *testing.T) {
	cases := map[string]struct {
		build    func(s *stream)
		wantFire bool
	}{
		"launch-day spike": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-28*day), t0.Add(-time.Hour), 48, 0) // 2 an hour
				s.steady("Acme", t0.Add(-time.Hour), t0, 24*40, 0)           // 40 in the last hour
			},
			wantFire: true,
		},
		"quiet brand: a few mentions are never a spike": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-28*day), t0.Add(-time.Hour), 1, 0)
				s.steady("Acme", t0.Add(-time.Hour), t0, 24*6, 0) // 6 in an hour, usually 0
			},
		},
		"busy hour that is busy every day": {
			build: func(s *stream) {
				for d := 28; d >= 0; d-- {
					peak := t0.Add(-time.Duration(d) * day)
					s.steady("Acme", peak.Add(-time.Hour), peak, 24*40, 0) // 40 every day at this hour
				}
			},
		},
		"not enough history": {
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-2*day), t0.Add(-time.Hour), 48, 0)
				s.steady("Acme", t0.Add(-time.Hour), t0, 24*40, 0)
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stream{}
			tc.build(s)
			e := newEnv(t, only(rule(alerts.VolumeSpike)), []string{"Acme"}, s, nil)
			got := e.evaluate(t)
			if (len(got) > 0) != tc.wantFire {
				t.Fatalf("fired %d alerts (%s), want fire=%v", len(got), titles(got), tc.wantFire)
			}
			if tc.wantFire {
				a := got[0].Alert
				if a.Title != "Volume spike: Acme" || !strings.Contains(a.Summary, "40 mentions of Acme in the last 1h, against a usual 2 at this time of day") {
					t.Errorf("alert = %q / %q", a.Title, a.Summary)
				}
			}
		})
	}
}

// TestSteadyBrandOverWeeks replays eight weeks of a brand with a daily rhythm, weekends,
// Poisson noise and a stable 15% negative share, evaluating every 3 hours over the last four:
// no swing and no spike may fire.
func TestSteadyBrandOverWeeks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &stream{}
	start := t0.Add(-56 * day).Truncate(time.Hour)
	for h := start; h.Before(t0); h = h.Add(time.Hour) {
		// A daily rhythm between 1 and 9 mentions an hour, 40% lower at weekends.
		lambda := 5 + 4*math.Sin(2*math.Pi*float64(h.Hour()-9)/24)
		if wd := h.Weekday(); wd == time.Saturday || wd == time.Sunday {
			lambda *= 0.6
		}
		for i, n := 0, poisson(rng, lambda); i < n; i++ {
			at := h.Add(time.Duration(rng.Int64N(int64(time.Hour))))
			if rng.Float64() < 0.15 {
				s.add("Steady", at, negative)
			} else {
				s.add("Steady", at)
			}
		}
	}
	e := newEnv(t, only(rule(alerts.NegativeSwing), rule(alerts.VolumeSpike)), []string{"Steady"}, s, nil)
	e.clock.Set(t0.Add(-27 * day))
	evals := 0
	for e.clock.Now().Before(t0) {
		if got := e.evaluate(t); len(got) > 0 {
			t.Errorf("false alarm at %s: %s: %s", e.clock.Now().Format(time.RFC3339), got[0].Alert.Title, got[0].Alert.Summary)
		}
		e.clock.Advance(3 * time.Hour)
		evals++
	}
	if evals < 200 {
		t.Fatalf("only %d evaluations", evals)
	}
}

func TestUnattendedQuestion(t *testing.T) {
	s := &stream{}
	s.add("Acme", t0.Add(-3*time.Hour), question, score(5))                // fires
	s.add("Acme", t0.Add(-time.Hour), question)                            // too recent: the team may still answer
	s.add("Acme", t0.Add(-3*time.Hour), question, attended)                // an account joined
	s.add("Acme", t0.Add(-5*day), question)                                // too old
	s.add("Acme", t0.Add(-3*time.Hour))                                    // not a question
	s.add("Acme", t0.Add(-4*time.Hour), question, community("LocalLLaMA")) // fires
	e := newEnv(t, only(rule(alerts.UnattendedQuestion)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 {
		t.Fatalf("got %d messages: %s", len(got), titles(got))
	}
	a := got[0].Alert
	if a.Title != "2 unattended questions: Acme" || len(a.Keys) != 2 || len(a.Examples) != 2 || a.More != 0 {
		t.Errorf("alert = %q keys %v examples %d more %d", a.Title, a.Keys, len(a.Examples), a.More)
	}
	if a.Examples[0].Text != "How do I make Acme use my second GPU?" || a.Examples[0].Score != 5 {
		t.Errorf("first example = %+v", a.Examples[0])
	}

	// With min_engagement, low-engagement questions stay quiet.
	e = newEnv(t, only(alerts.RuleConfig{Type: alerts.UnattendedQuestion, MinEngagement: ptr(4)}), []string{"Acme"}, s, nil)
	if got := e.evaluate(t); len(got) != 1 || len(got[0].Alert.Keys) != 1 || !strings.Contains(got[0].Alert.Summary, "r/acme") {
		t.Errorf("with min_engagement 4: %+v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestGroupingAndCooldown: thirteen questions are one message with five examples and "8 more";
// a question during the cooldown waits and goes out alone when it ends; nothing repeats.
func TestGroupingAndCooldown(t *testing.T) {
	s := &stream{}
	for i := 0; i < 13; i++ {
		s.add("Acme", t0.Add(-3*time.Hour-time.Duration(i)*time.Minute), question, score(i))
	}
	e := newEnv(t, only(rule(alerts.UnattendedQuestion)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	a := got[0].Alert
	if a.Title != "13 unattended questions: Acme" || len(a.Keys) != 13 || len(a.Examples) != 5 || a.More != 8 {
		t.Fatalf("grouped alert = %q keys %d examples %d more %d", a.Title, len(a.Keys), len(a.Examples), a.More)
	}
	if a.Examples[0].Score != 12 {
		t.Errorf("most engaged question should come first, got score %d", a.Examples[0].Score)
	}
	if !strings.Contains(a.Text(), "… and 8 more") {
		t.Errorf("text rendering lacks the count:\n%s", a.Text())
	}

	// A new question 2h later: the cooldown (1h) is over for the group, but let us first check
	// a question that becomes due inside the cooldown.
	s.add("Acme", t0.Add(-2*time.Hour+10*time.Minute), question)
	e.clock.Advance(20 * time.Minute) // it is now 2h10m old, the group sent 20m ago
	if got := e.evaluate(t); len(got) != 0 {
		t.Fatalf("sent during the cooldown: %s", titles(got))
	}
	e.clock.Advance(45 * time.Minute)
	got = e.evaluate(t)
	if len(got) != 1 || got[0].Alert.Title != "Unattended question: Acme" || len(got[0].Alert.Keys) != 1 {
		t.Fatalf("after the cooldown: %s", titles(got))
	}
	e.clock.Advance(3 * time.Hour)
	if got := e.evaluate(t); len(got) != 0 {
		t.Fatalf("notified twice: %s", titles(got))
	}
}

func TestHighImpact(t *testing.T) {
	s := &stream{}
	s.add("Acme", t0.Add(-2*time.Hour), negative, score(120))                                         // engaged
	s.add("Acme", t0.Add(-2*time.Hour), positive, score(500))                                         // positive: not by default
	s.add("Acme", t0.Add(-2*time.Hour), negative, score(3))                                           // nobody
	s.add("Acme", t0.Add(-20*day), author("regular"), community("selfhosted"))                        // history
	s.add("Acme", t0.Add(-10*day), author("regular"), community("selfhosted"))                        // history
	s.add("Acme", t0.Add(-time.Hour), negative, score(2), author("regular"), community("selfhosted")) // a regular complains
	s.add("Acme", t0.Add(-time.Hour), negative, score(2), author("regular"), community("other"))      // not a regular there
	e := newEnv(t, only(rule(alerts.HighImpact)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 || len(got[0].Alert.Keys) != 2 {
		t.Fatalf("got %s (%+v)", titles(got), got)
	}
	a := got[0].Alert
	if a.Title != "2 high-impact negative mentions: Acme" {
		t.Errorf("title = %q", a.Title)
	}
	if a.Examples[0].Author != "regular" || !strings.Contains(a.Examples[0].Note, "recurring voice: 2 earlier mentions") {
		t.Errorf("the regular should lead: %+v", a.Examples[0])
	}
	if a.Examples[1].Score != 120 {
		t.Errorf("second example = %+v", a.Examples[1])
	}

	e = newEnv(t, only(alerts.RuleConfig{Type: alerts.HighImpact, Sentiment: alerts.SentimentAny, Voices: ptr(false)}), []string{"Acme"}, s, nil)
	if got := e.evaluate(t); len(got) != 1 || len(got[0].Alert.Keys) != 2 || got[0].Alert.Examples[0].Score != 500 {
		t.Errorf("sentiment any, no voices: %s", titles(got))
	}
}

func TestNewCommunity(t *testing.T) {
	s := &stream{}
	s.steady("Acme", t0.Add(-20*day), t0, 4, 0) // always in r/acme
	s.add("Acme", t0.Add(-3*time.Hour), community("rust"))
	s.add("Acme", t0.Add(-2*time.Hour), community("rust"), score(9))
	s.add("Acme", t0.Add(-40*day), community("homelab")) // before the baseline: still "new" now
	s.add("Acme", t0.Add(-time.Hour), community("homelab"))
	e := newEnv(t, only(rule(alerts.NewCommunity)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 || len(got[0].Alert.Keys) != 2 {
		t.Fatalf("got %s", titles(got))
	}
	a := got[0].Alert
	if a.Title != "2 new communities: Acme" || !strings.Contains(a.Summary, "r/rust") || !strings.Contains(a.Summary, "r/homelab") {
		t.Errorf("alert = %q: %q", a.Title, a.Summary)
	}
	// The community stays known: a later mention there is not new again.
	s.add("Acme", t0.Add(2*time.Hour), community("rust"))
	e.clock.Advance(3 * time.Hour)
	if got := e.evaluate(t); len(got) != 0 {
		t.Errorf("alerted again: %s", titles(got))
	}

	// A fresh store (two days of history) calls nothing new.
	fresh := &stream{}
	fresh.steady("Acme", t0.Add(-2*day), t0, 4, 0)
	fresh.add("Acme", t0.Add(-time.Hour), community("rust"))
	e = newEnv(t, only(rule(alerts.NewCommunity)), []string{"Acme"}, fresh, nil)
	if got := e.evaluate(t); len(got) != 0 {
		t.Errorf("fresh store alerted: %s", titles(got))
	}
}

func TestRulesPerBrandAndSink(t *testing.T) {
	s := &stream{}
	s.add("Acme", t0.Add(-3*time.Hour), question)
	s.add("Globex", t0.Add(-3*time.Hour), question)
	cfg := alerts.Config{
		Sinks: []alerts.SinkConfig{{Name: "team", Type: alerts.SinkLog}, {Name: "ops", Type: alerts.SinkLog}},
		Rules: []alerts.RuleConfig{
			{Type: alerts.UnattendedQuestion, Brands: []string{"Acme"}, Sinks: []string{"team"}},
			{Type: alerts.UnattendedQuestion, Name: "all_questions", Sinks: []string{"ops"}},
		},
	}
	e := newEnv(t, cfg, []string{"Acme", "Globex"}, s, nil)
	got := e.evaluate(t)
	var lines []string
	for _, en := range got {
		lines = append(lines, en.Sink+":"+en.Alert.Rule+":"+en.Alert.Brand)
	}
	want := "team:unattended_question:Acme ops:all_questions:Acme ops:all_questions:Globex"
	if strings.Join(lines, " ") != want {
		t.Errorf("entries = %v, want %s", lines, want)
	}
}

// RSS items and Reddit without OAuth always score 0: with min_engagement 0, high_impact runs on
// recurring voices alone, and a score of 0 is not engagement.
func TestHighImpactOnVoicesAlone(t *testing.T) {
	s := &stream{}
	rss := func(r *analysis.Result) { r.Source, r.Score = "rss", 0 }
	s.add("Acme", t0.Add(-20*day), rss, author("regular"), community("lobsters"))
	s.add("Acme", t0.Add(-10*day), rss, author("regular"), community("lobsters"))
	s.add("Acme", t0.Add(-time.Hour), rss, negative, author("regular"), community("lobsters")) // a regular complains
	s.add("Acme", t0.Add(-time.Hour), rss, negative, author("stranger"), community("lobsters"))
	s.add("Acme", t0.Add(-time.Hour), rss, negative, author("stranger2"), community("lobsters"))

	// The default threshold (50) is never reached on these sources; the regular still fires.
	e := newEnv(t, only(rule(alerts.HighImpact)), []string{"Acme"}, s, nil)
	if got := e.evaluate(t); len(got) != 1 || got[0].Alert.Examples[0].Author != "regular" {
		t.Fatalf("default high_impact on rss: %s", titles(got))
	}

	e = newEnv(t, only(alerts.RuleConfig{Type: alerts.HighImpact, MinEngagement: ptr(0)}), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 || len(got[0].Alert.Keys) != 1 {
		t.Fatalf("min_engagement 0: %s", titles(got))
	}
	a := got[0].Alert
	if a.Examples[0].Author != "regular" || strings.Contains(a.Summary, "score") || !strings.Contains(a.Summary, "recurring voice") {
		t.Errorf("min_engagement 0 alert: %q, %+v", a.Summary, a.Examples[0])
	}

	// Grouped, the summary does not claim a score of 0 was reached.
	s.add("Acme", t0.Add(-30*time.Minute), rss, negative, author("stranger"), community("lobsters"))
	s.add("Acme", t0.Add(-20*time.Minute), rss, negative, author("stranger"), community("lobsters"))
	s.add("Acme", t0.Add(-10*time.Minute), rss, negative, author("stranger"), community("lobsters"))
	e = newEnv(t, only(alerts.RuleConfig{Type: alerts.HighImpact, MinEngagement: ptr(0)}), []string{"Acme"}, s, nil)
	got = e.evaluate(t)
	if len(got) != 1 || len(got[0].Alert.Keys) != 3 || strings.Contains(got[0].Alert.Summary, "score of 0") {
		t.Fatalf("grouped voices: %s: %q", titles(got), got[0].Alert.Summary)
	}
}
