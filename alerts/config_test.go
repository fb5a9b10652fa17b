package alerts_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/collectors"
)

func TestConfigDefaults(t *testing.T) {
	var c alerts.Config
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Every.D() != time.Minute || len(c.Rules) != len(alerts.RuleTypes) {
		t.Fatalf("defaults: every %s, %d rules", c.Every, len(c.Rules))
	}
	if got := c.SinkNames(); len(got) != 1 || got[0] != "log" {
		t.Errorf("SinkNames() = %v, want [log]", got)
	}
	byType := map[string]alerts.RuleConfig{}
	for _, r := range c.Rules {
		byType[r.Type] = r
	}
	if r := byType[alerts.UnattendedQuestion]; r.Delay.D() != 2*time.Hour || r.Window.D() != 48*time.Hour || *r.MinEngagement != 0 || r.Cooldown.D() != time.Hour {
		t.Errorf("unattended_question defaults: %+v", r)
	}
	if r := byType[alerts.VolumeSpike]; r.Threshold != 5 || r.Seasonality != "daily" || r.MinVolume != 10 {
		t.Errorf("volume_spike defaults: %+v", r)
	}
	if r := byType[alerts.HighImpact]; *r.MinEngagement != 50 || !*r.Voices || r.Sentiment != "negative" {
		t.Errorf("high_impact defaults: %+v", r)
	}
	for _, r := range c.Rules {
		if r.FirstEvaluation != alerts.FirstEvaluationWindow {
			t.Errorf("%s: first_evaluation %q, want window", r.Name, r.FirstEvaluation)
		}
	}
	// Validating again changes nothing.
	before := c.Rules[0]
	if err := c.Validate(); err != nil || c.Rules[0].Threshold != before.Threshold {
		t.Errorf("second Validate: %v", err)
	}
	// rules: [] switches alerting off.
	off := alerts.Config{Rules: []alerts.RuleConfig{}}
	if err := off.Validate(); err != nil || len(off.Rules) != 0 {
		t.Errorf("rules: [] gave %d rules, %v", len(off.Rules), err)
	}
	// A mean-sentiment swing gets its own threshold default.
	m := alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.NegativeSwing, Measure: alerts.MeasureMeanSentiment}}}
	if err := m.Validate(); err != nil || m.Rules[0].Threshold != 0.3 {
		t.Errorf("mean_sentiment threshold = %v, %v", m.Rules[0].Threshold, err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "hook")
	if err := os.WriteFile(secretFile, []byte("https://hooks.slack.com/services/T1/B1/s3cr3tfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	slackSink := alerts.SinkConfig{Name: "team", Type: alerts.SinkSlack, WebhookURL: "https://hooks.slack.com/services/T1/B1/s3cr3t"}
	cases := map[string]struct {
		cfg     alerts.Config
		wantKey string
	}{
		"every too short":         {alerts.Config{Every: collectors.Duration(time.Millisecond)}, "every"},
		"unknown sink type":       {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "teams"}}}, "sinks[0].type"},
		"bad sink name":           {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "a b", Type: "log"}}}, "sinks[0].name"},
		"duplicate sink":          {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "log"}, {Name: "x", Type: "log"}}}, "sinks[1].name"},
		"slack without url":       {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "slack"}}}, "sinks[0].webhook_url"},
		"slack url not a url":     {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "slack", WebhookURL: "s3cr3t-not-a-url"}}}, "sinks[0].webhook_url"},
		"url and file":            {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "slack", WebhookURL: "https://h/s3cr3t", WebhookURLFile: secretFile}}}, "sinks[0].webhook_url"},
		"webhook with slack":      {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "webhook", WebhookURL: "https://h/s3cr3t"}}}, "sinks[0].webhook_url"},
		"bad digest":              {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "log", Digest: "weekly"}}}, "sinks[0].digest"},
		"bad digest_at":           {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "log", DigestAt: "9am"}}}, "sinks[0].digest_at"},
		"bad timezone":            {alerts.Config{Sinks: []alerts.SinkConfig{{Name: "x", Type: "log", Timezone: "Mars/Olympus"}}}, "sinks[0].timezone"},
		"unknown rule type":       {alerts.Config{Rules: []alerts.RuleConfig{{Type: "sentiment_dip"}}}, "rules[0].type"},
		"key of another type":     {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.NegativeSwing, Delay: collectors.Duration(time.Hour)}}}, "rules[0].delay"},
		"duplicate rule name":     {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.HighImpact}, {Type: alerts.HighImpact}}}, "rules[1].name"},
		"rule to unknown sink":    {alerts.Config{Sinks: []alerts.SinkConfig{slackSink}, Rules: []alerts.RuleConfig{{Type: alerts.HighImpact, Sinks: []string{"ops"}}}}, "rules[0].sinks[0]"},
		"share threshold > 1":     {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.NegativeSwing, Threshold: 15}}}, "rules[0].threshold"},
		"delay beyond window":     {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.UnattendedQuestion, Delay: collectors.Duration(72 * time.Hour)}}}, "rules[0].delay"},
		"spike baseline short":    {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.VolumeSpike, Baseline: collectors.Duration(48 * time.Hour)}}}, "rules[0].baseline"},
		"weekly window":           {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.VolumeSpike, Seasonality: "hourly"}}}, "rules[0].seasonality"},
		"max_examples":            {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.HighImpact, MaxExamples: 11}}}, "rules[0].max_examples"},
		"first_evaluation":        {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.VolumeSpike, FirstEvaluation: "skip"}}}, "rules[0].first_evaluation"},
		"negative engagement":     {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.HighImpact, MinEngagement: ptr(-1)}}}, "rules[0].min_engagement"},
		"engagement 0, no voices": {alerts.Config{Rules: []alerts.RuleConfig{{Type: alerts.HighImpact, MinEngagement: ptr(0), Voices: ptr(false)}}}, "rules[0].min_engagement"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.cfg.Validate()
			var ce *alerts.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Key != tc.wantKey || !strings.HasPrefix(err.Error(), tc.wantKey+": ") {
				t.Errorf("error %q: key %q, want %q", err, ce.Key, tc.wantKey)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error shows the secret: %q", err)
			}
		})
	}
}

func TestConfigResolvesSecretFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(path, []byte("https://hooks.slack.com/services/T1/B1/s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := alerts.Config{Sinks: []alerts.SinkConfig{{Name: "team", Type: "slack", WebhookURLFile: path}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.Sinks[0]
	if s.WebhookURL.Reveal() != "https://hooks.slack.com/services/T1/B1/s3cr3t" || s.WebhookURLFile != "" || s.MinInterval.D() != time.Second {
		t.Errorf("sink = %+v", s)
	}
	if err := c.ValidateBrands([]string{"Acme"}); err != nil {
		t.Error(err)
	}
	c.Rules = []alerts.RuleConfig{{Type: alerts.HighImpact, Brands: []string{"Globex"}}}
	_ = c.Validate()
	if err := c.ValidateBrands([]string{"Acme"}); err == nil || !strings.HasPrefix(err.Error(), "rules[0].brands[0]: ") {
		t.Errorf("ValidateBrands = %v", err)
	}
}
