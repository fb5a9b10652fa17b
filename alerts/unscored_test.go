package alerts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/analysis"
)

// unscored makes a mention one the model does not read (another language): neutral label,
// score 0, Unscored, as analysis marks it.
func unscored(r *analysis.Result) {
	r.Language = "fr"
	r.Sentiment = analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
	for i := range r.Brands {
		r.Brands[i].Sentiment = r.Sentiment
	}
}

func fields(a alerts.Alert) map[string]string {
	out := map[string]string{}
	for _, f := range a.Fields {
		out[f.Name] = f.Value
	}
	return out
}

// negative_swing computes its share, its mean and its min_volume over scored mentions only: a
// burst of French posts neither hides a swing nor makes one.
func TestNegativeSwingLeavesOutUnscored(t *testing.T) {
	cases := map[string]struct {
		rule      alerts.RuleConfig
		build     func(s *stream)
		wantFire  bool
		wantWords []string
		wantField map[string]string
	}{
		"unscored mentions do not dilute a swing": {
			rule: rule(alerts.NegativeSwing),
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 30, 10) // 10% negative for four weeks
				s.steady("Acme", t0.Add(-day), t0, 40, 2)               // 50% of the English ones today
				s.steady("Acme", t0.Add(-day), t0, 60, 0, unscored)     // counted as neutral: 20%, +10 points, no alert
			},
			wantFire:  true,
			wantWords: []string{"50% of the 40 mentions of Acme in the last 24h are negative", "+40 points", "60 more in the window are not in English and not scored"},
			wantField: map[string]string{"Negative share": "50% (20 of 40, last 24h)", "Not scored": "60 of 100 mentions in the last 24h (not in English)"},
		},
		"unscored mentions are not volume for the share": {
			rule: rule(alerts.NegativeSwing),
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 30, 10)
				s.steady("Acme", t0.Add(-day), t0, 15, 1)           // 15 English posts, all negative: below min_volume 20
				s.steady("Acme", t0.Add(-day), t0, 30, 0, unscored) // 45 in all: 33% negative would fire
			},
		},
		"unscored mentions do not drag the mean to zero": {
			rule: alerts.RuleConfig{Type: alerts.NegativeSwing, Measure: alerts.MeasureMeanSentiment},
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 20, 0, positive) // +0.6 for four weeks
				s.steady("Acme", t0.Add(-day), t0, 20, 0, positive)              // still +0.6 in English
				s.steady("Acme", t0.Add(-day), t0, 60, 0, unscored)              // as score 0: mean +0.15, a 0.45 "drop"
			},
		},
		"a real drop in the mean still fires beside unscored mentions": {
			rule: alerts.RuleConfig{Type: alerts.NegativeSwing, Measure: alerts.MeasureMeanSentiment},
			build: func(s *stream) {
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 20, 0, positive)
				s.steady("Acme", t0.Add(-29*day), t0.Add(-day), 20, 0, unscored) // not in the baseline's mean either
				s.steady("Acme", t0.Add(-day), t0, 30, 1)                        // -0.7
				s.steady("Acme", t0.Add(-day), t0, 30, 0, unscored)
			},
			wantFire:  true,
			wantWords: []string{"is -0.70 across 30 mentions, against +0.60", "drop of 1.30", "30 more in the window are not in English"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &stream{}
			tc.build(s)
			e := newEnv(t, only(tc.rule), []string{"Acme"}, s, nil)
			got := e.evaluate(t)
			if (len(got) > 0) != tc.wantFire {
				t.Fatalf("fired %d alerts (%s), want fire=%v", len(got), titles(got), tc.wantFire)
			}
			if !tc.wantFire {
				return
			}
			a := got[0].Alert
			for _, w := range tc.wantWords {
				if !strings.Contains(a.Summary, w) {
					t.Errorf("summary %q lacks %q", a.Summary, w)
				}
			}
			f := fields(a)
			for k, v := range tc.wantField {
				if f[k] != v {
					t.Errorf("field %q = %q, want %q", k, f[k], v)
				}
			}
			for _, ex := range a.Examples {
				if ex.Unscored || ex.Sentiment != analysis.Negative {
					t.Errorf("example %+v: want only negative, scored mentions", ex)
				}
			}
		})
	}
}

// volume_spike counts every mention, scored or not; its negative share is of the scored ones.
func TestVolumeSpikeCountsUnscoredAsMentions(t *testing.T) {
	s := &stream{}
	s.steady("Acme", t0.Add(-28*day), t0.Add(-time.Hour), 48, 0) // 2 an hour
	at := t0.Add(-50 * time.Minute)
	for i := 0; i < 40; i++ {
		switch {
		case i < 20:
			s.add("Acme", at, unscored) // half the spike is in French
		case i < 30:
			s.add("Acme", at, negative)
		default:
			s.add("Acme", at)
		}
		at = at.Add(time.Minute)
	}
	e := newEnv(t, only(rule(alerts.VolumeSpike)), []string{"Acme"}, s, nil)
	got := e.evaluate(t)
	if len(got) != 1 {
		t.Fatalf("fired %d alerts (%s), want the spike", len(got), titles(got))
	}
	a := got[0].Alert
	if !strings.Contains(a.Summary, "40 mentions of Acme in the last 1h") {
		t.Errorf("summary %q: want all 40 mentions counted", a.Summary)
	}
	if f := fields(a)["Negative"]; f != "10 (50% of 20 scored; 20 not in English, not scored)" {
		t.Errorf("Negative = %q", f)
	}
}

// high_impact with a sentiment filter never takes an unscored mention for that sentiment;
// with `sentiment: any` it shows it, marked not scored.
func TestHighImpactUnscored(t *testing.T) {
	for _, sent := range []string{"neutral", "negative", "positive", alerts.SentimentAny} {
		t.Run(sent, func(t *testing.T) {
			s := &stream{}
			s.add("Acme", t0.Add(-time.Hour), unscored, score(500))
			r := rule(alerts.HighImpact)
			r.Sentiment = sent
			e := newEnv(t, only(r), []string{"Acme"}, s, nil)
			got := e.evaluate(t)
			if sent != alerts.SentimentAny {
				if len(got) != 0 {
					t.Fatalf("sentiment %s: an unscored mention fired %s", sent, titles(got))
				}
				return
			}
			if len(got) != 1 || len(got[0].Alert.Examples) != 1 {
				t.Fatalf("sentiment any: got %d alerts (%s), want the unscored mention", len(got), titles(got))
			}
			ex := got[0].Alert.Examples[0]
			if !ex.Unscored || ex.Sentiment != "" || !strings.Contains(ex.Meta(), "sentiment not scored") {
				t.Errorf("example %+v, meta %q: want it marked not scored, with no label", ex, ex.Meta())
			}
		})
	}
}
