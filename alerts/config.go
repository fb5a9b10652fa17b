// Package alerts evaluates alert rules over stored mentions and delivers alerts to sinks
// (Slack, generic webhooks, the log) through a durable outbox.
//
// The pipeline is Alertmanager's in miniature: rules produce events with a dedup key →
// dedup against the notify log → grouping and cooldown (one message per rule and brand per
// cooldown, "and 12 more") → the outbox, committed before anything is sent → a sender that
// retries with exponential backoff, bounded by ctx and honouring Retry-After → sinks.
package alerts

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/overhear/overhear/collectors"
)

// Rule types.
const (
	NegativeSwing      = "negative_swing"
	VolumeSpike        = "volume_spike"
	UnattendedQuestion = "unattended_question"
	HighImpact         = "high_impact"
	NewCommunity       = "new_community"
)

// RuleTypes lists the rule types in a fixed order; with no `rules:` one rule of each applies.
var RuleTypes = []string{NegativeSwing, VolumeSpike, UnattendedQuestion, HighImpact, NewCommunity}

// Sink types.
const (
	SinkSlack   = "slack"
	SinkWebhook = "webhook"
	SinkLog     = "log"
)

// Digest modes of a sink.
const (
	DigestNone  = "none"
	DigestDaily = "daily" // alerts as they happen, plus a daily digest
	DigestOnly  = "only"  // only the daily digest
)

// Values of negative_swing's measure, volume_spike's seasonality and high_impact's sentiment.
const (
	MeasureNegativeShare = "negative_share"
	MeasureMeanSentiment = "mean_sentiment"
	SeasonalityDaily     = "daily"
	SeasonalityWeekly    = "weekly"
	SeasonalityNone      = "none"
	SentimentAny         = "any"
)

// Values of a rule's first_evaluation: what its first evaluation does with what its window
// already holds (a backfill, a new store, a rule just added or renamed, a brand just added).
const (
	// FirstEvaluationWindow alerts on what the window holds, as any evaluation does; older
	// mentions are ignored, as always.
	FirstEvaluationWindow = "window"
	// FirstEvaluationQuiet records what the window holds as notified and sends nothing, so the
	// rule alerts only on what comes after its first evaluation.
	FirstEvaluationQuiet = "quiet"
)

// Config is the `alerts:` block of the config file. Validate fills in the defaults.
type Config struct {
	// Every is how often serve evaluates the rules (default 1m).
	Every collectors.Duration `yaml:"every" json:"every"`
	// Sinks are where alerts go; with none, alerts go to the log (one sink named "log").
	Sinks []SinkConfig `yaml:"sinks" json:"sinks"`
	// Rules are the alert rules; when the key is omitted, one rule of every type applies with its
	// defaults. `rules: []` turns alerting off.
	Rules []RuleConfig `yaml:"rules" json:"rules"`
}

// SinkConfig configures one destination.
type SinkConfig struct {
	// Name identifies the sink in rules, logs and the `sink` metric label.
	Name string `yaml:"name" json:"name"`
	// Type is "slack", "webhook" or "log".
	Type string `yaml:"type" json:"type"`
	// WebhookURL is a Slack incoming webhook URL (type slack); never logged or shown.
	WebhookURL     collectors.Secret `yaml:"webhook_url,omitempty" json:"webhook_url,omitempty"`
	WebhookURLFile string            `yaml:"webhook_url_file,omitempty" json:"webhook_url_file,omitempty"`
	// URL receives the alert JSON (type webhook); treated as a secret, since it often carries a token.
	URL     collectors.Secret `yaml:"url,omitempty" json:"url,omitempty"`
	URLFile string            `yaml:"url_file,omitempty" json:"url_file,omitempty"`
	// Timeout bounds one HTTP request (default 10s).
	Timeout collectors.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MinInterval is the pause between two messages to this sink (default 1s for Slack, which
	// allows about one message per second per webhook; 0 otherwise).
	MinInterval collectors.Duration `yaml:"min_interval,omitempty" json:"min_interval,omitempty"`
	// Digest is "none" (default), "daily" (alerts as they happen plus a daily digest) or "only"
	// (only the daily digest).
	Digest string `yaml:"digest,omitempty" json:"digest,omitempty"`
	// DigestAt is the time of day of the digest, "HH:MM" (default 09:00).
	DigestAt string `yaml:"digest_at,omitempty" json:"digest_at,omitempty"`
	// Timezone is the IANA zone of DigestAt (default UTC).
	Timezone string `yaml:"timezone,omitempty" json:"timezone,omitempty"`

	loc *time.Location
}

// Location returns the sink's digest time zone (UTC until Validate ran).
func (s *SinkConfig) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// RuleConfig configures one rule. Zero values mean the type's default (see DefaultRule).
type RuleConfig struct {
	// Type is negative_swing, volume_spike, unattended_question, high_impact, new_community,
	// or a registered type (mention; see RuleType).
	Type string `yaml:"type" json:"type"`
	// Name identifies the rule in dedup keys, logs and the `rule` metric label (default: the
	// type). Two rules of the same type need distinct names.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Brands limits the rule to these brands (default: all brands).
	Brands []string `yaml:"brands,omitempty" json:"brands,omitempty"`
	// Sinks limits the rule to these sinks (default: all sinks).
	Sinks []string `yaml:"sinks,omitempty" json:"sinks,omitempty"`
	// Cooldown is the least time between two messages of this rule for one brand; what fires
	// meanwhile is grouped into the next message.
	Cooldown collectors.Duration `yaml:"cooldown,omitempty" json:"cooldown,omitempty"`
	// MaxExamples is how many mentions a message shows (1–10, default 5).
	MaxExamples int `yaml:"max_examples,omitempty" json:"max_examples,omitempty"`
	// FirstEvaluation is what the rule's first evaluation for a brand does with what its window
	// already holds: "window" (default: alert on it; older mentions are ignored) or "quiet"
	// (record it as notified, send nothing).
	FirstEvaluation string `yaml:"first_evaluation,omitempty" json:"first_evaluation,omitempty"`

	// Window is the recent period the rule looks at.
	Window collectors.Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// Baseline is the history the window is compared with (negative_swing, volume_spike), or
	// searched for earlier mentions (high_impact voices, new_community).
	Baseline collectors.Duration `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	// Threshold: for negative_swing the rise over the baseline (share points, or mean score
	// drop); for volume_spike the robust z-score.
	Threshold float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
	// MinVolume is the least number of mentions in the window for negative_swing and volume_spike.
	MinVolume int `yaml:"min_volume,omitempty" json:"min_volume,omitempty"`
	// Measure is negative_swing's statistic: negative_share (default) or mean_sentiment.
	Measure string `yaml:"measure,omitempty" json:"measure,omitempty"`
	// Seasonality is volume_spike's baseline: daily (same time of day, default), weekly (same
	// hour of the week) or none (the windows just before).
	Seasonality string `yaml:"seasonality,omitempty" json:"seasonality,omitempty"`
	// MinRatio is how many times the baseline median a spike must reach (volume_spike, default 2).
	MinRatio float64 `yaml:"min_ratio,omitempty" json:"min_ratio,omitempty"`
	// Delay is how long a question must stay unattended before it alerts (default 2h).
	Delay collectors.Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
	// MinEngagement is the least engagement score (unattended_question default 0, high_impact
	// 50; for high_impact 0 means no engagement condition, so it fires on recurring voices only).
	MinEngagement *int `yaml:"min_engagement,omitempty" json:"min_engagement,omitempty"`
	// Sentiment filters high_impact mentions: negative (default), positive, neutral or any.
	Sentiment string `yaml:"sentiment,omitempty" json:"sentiment,omitempty"`
	// Voices makes high_impact also fire on mentions by recurring voices of the community
	// (default true).
	Voices *bool `yaml:"voices,omitempty" json:"voices,omitempty"`
	// VoiceMinMentions is how many earlier mentions of the brand in the same community, within
	// the baseline, make an author a recurring voice (default 2).
	VoiceMinMentions int `yaml:"voice_min_mentions,omitempty" json:"voice_min_mentions,omitempty"`
	// MinHistory is how much of the brand's history new_community needs before it alerts, so a
	// fresh store does not call every community new (default 7d).
	MinHistory collectors.Duration `yaml:"min_history,omitempty" json:"min_history,omitempty"`
	// MinMentions is how many mentions in a new community make it worth an alert (default 1).
	MinMentions int `yaml:"min_mentions,omitempty" json:"min_mentions,omitempty"`

	// Communities limits a mention rule to mentions in these communities, named as in the
	// mention's `community` ("ollama"; "r/ollama" works for Reddit), case-insensitively
	// (default: every community).
	Communities []string `yaml:"communities,omitempty" json:"communities,omitempty"`
	// Sources limits a mention rule to mentions from these sources (rss, reddit, hackernews,
	// discourse, import; default: every source).
	Sources []string `yaml:"sources,omitempty" json:"sources,omitempty"`
	// Question limits a mention rule to questions (true) or to everything but questions
	// (false); omitted, both.
	Question *bool `yaml:"question,omitempty" json:"question,omitempty"`
}

// ConfigError is a problem in the alerts block. Key is relative to `alerts:`, e.g.
// "rules[0].window"; the message starts with it.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

func cfgErr(key, format string, args ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

func ptr[T any](v T) *T { return &v }

// DefaultRule returns a rule of the given type with every default filled in.
func DefaultRule(typ string) RuleConfig {
	d := func(v time.Duration) collectors.Duration { return collectors.Duration(v) }
	const day = 24 * time.Hour
	r := RuleConfig{Type: typ, Name: typ, MaxExamples: 5, FirstEvaluation: FirstEvaluationWindow}
	switch typ {
	case NegativeSwing:
		r.Window, r.Baseline, r.Cooldown = d(day), d(28*day), d(12*time.Hour)
		r.Measure, r.Threshold, r.MinVolume = MeasureNegativeShare, 0.15, 20
	case VolumeSpike:
		r.Window, r.Baseline, r.Cooldown = d(time.Hour), d(28*day), d(6*time.Hour)
		r.Seasonality, r.Threshold, r.MinRatio, r.MinVolume = SeasonalityDaily, 5, 2, 10
	case UnattendedQuestion:
		r.Window, r.Delay, r.Cooldown = d(2*day), d(2*time.Hour), d(time.Hour)
		r.MinEngagement = ptr(0)
	case HighImpact:
		r.Window, r.Baseline, r.Cooldown = d(day), d(30*day), d(time.Hour)
		r.MinEngagement, r.Sentiment, r.Voices, r.VoiceMinMentions = ptr(50), "negative", ptr(true), 2
	case NewCommunity:
		r.Window, r.Baseline, r.Cooldown = d(day), d(30*day), d(time.Hour)
		r.MinHistory, r.MinMentions = d(7*day), 1
	default:
		if t, ok := LookupRuleType(typ); ok && t.Defaults != nil {
			t.Defaults(&r)
		}
	}
	return r
}

// defaultSwingThreshold returns negative_swing's default threshold for a measure.
func defaultSwingThreshold(measure string) float64 {
	if measure == MeasureMeanSentiment {
		return 0.3
	}
	return 0.15
}

// ruleKeys lists the type-specific keys each rule type reads; setting another is an error.
var ruleKeys = map[string][]string{
	NegativeSwing:      {"window", "baseline", "threshold", "min_volume", "measure"},
	VolumeSpike:        {"window", "baseline", "threshold", "min_volume", "seasonality", "min_ratio"},
	UnattendedQuestion: {"window", "delay", "min_engagement"},
	HighImpact:         {"window", "baseline", "min_engagement", "sentiment", "voices", "voice_min_mentions"},
	NewCommunity:       {"window", "baseline", "min_history", "min_mentions"},
}

// setKeys returns the type-specific keys that r sets.
func (r *RuleConfig) setKeys() []string {
	var keys []string
	add := func(set bool, k string) {
		if set {
			keys = append(keys, k)
		}
	}
	add(r.Window != 0, "window")
	add(r.Baseline != 0, "baseline")
	add(r.Threshold != 0, "threshold")
	add(r.MinVolume != 0, "min_volume")
	add(r.Measure != "", "measure")
	add(r.Seasonality != "", "seasonality")
	add(r.MinRatio != 0, "min_ratio")
	add(r.Delay != 0, "delay")
	add(r.MinEngagement != nil, "min_engagement")
	add(r.Sentiment != "", "sentiment")
	add(r.Voices != nil, "voices")
	add(r.VoiceMinMentions != 0, "voice_min_mentions")
	add(r.MinHistory != 0, "min_history")
	add(r.MinMentions != 0, "min_mentions")
	add(r.Communities != nil, "communities")
	add(r.Sources != nil, "sources")
	add(r.Question != nil, "question")
	return keys
}

// applyDefaults fills the zero values of r from its type's defaults.
func (r *RuleConfig) applyDefaults() {
	def := DefaultRule(r.Type)
	if r.Measure == "" {
		r.Measure = def.Measure
	}
	if r.Threshold == 0 && r.Type == NegativeSwing {
		def.Threshold = defaultSwingThreshold(r.Measure)
	}
	setDefault(&r.Name, def.Name)
	setDefault(&r.Cooldown, def.Cooldown)
	setDefault(&r.MaxExamples, def.MaxExamples)
	setDefault(&r.FirstEvaluation, def.FirstEvaluation)
	setDefault(&r.Window, def.Window)
	setDefault(&r.Baseline, def.Baseline)
	setDefault(&r.Threshold, def.Threshold)
	setDefault(&r.MinVolume, def.MinVolume)
	setDefault(&r.Seasonality, def.Seasonality)
	setDefault(&r.MinRatio, def.MinRatio)
	setDefault(&r.Delay, def.Delay)
	setDefault(&r.Sentiment, def.Sentiment)
	setDefault(&r.VoiceMinMentions, def.VoiceMinMentions)
	setDefault(&r.MinHistory, def.MinHistory)
	setDefault(&r.MinMentions, def.MinMentions)
	if r.MinEngagement == nil {
		r.MinEngagement = def.MinEngagement
	}
	if r.Voices == nil {
		r.Voices = def.Voices
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

var sinkName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate fills in defaults, resolves the sinks' `*_file` secrets and checks every value.
// Errors are *ConfigError, whose message starts with the key relative to `alerts:`. Calling it
// again is harmless.
func (c *Config) Validate() error {
	if c.Every == 0 {
		c.Every = collectors.Duration(time.Minute)
	}
	if c.Every.D() < time.Second {
		return cfgErr("every", "must be at least 1s")
	}
	names := map[string]bool{}
	for i := range c.Sinks {
		s := &c.Sinks[i]
		key := fmt.Sprintf("sinks[%d]", i)
		if err := s.validate(key); err != nil {
			return err
		}
		if names[s.Name] {
			return cfgErr(key+".name", "sink %q is defined twice", s.Name)
		}
		names[s.Name] = true
	}
	if c.Rules == nil {
		for _, t := range RuleTypes {
			c.Rules = append(c.Rules, DefaultRule(t))
		}
	}
	ruleNames := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		key := fmt.Sprintf("rules[%d]", i)
		if err := r.validate(key, names); err != nil {
			return err
		}
		if ruleNames[r.Name] {
			return cfgErr(key+".name", "rule name %q is used twice; give each rule of the same type its own name", r.Name)
		}
		ruleNames[r.Name] = true
	}
	return nil
}

// ValidateBrands checks that the rules name only configured brands (call after Validate).
func (c *Config) ValidateBrands(brands []string) error {
	known := map[string]bool{}
	for _, b := range brands {
		known[b] = true
	}
	for i, r := range c.Rules {
		for j, b := range r.Brands {
			if !known[b] {
				return cfgErr(fmt.Sprintf("rules[%d].brands[%d]", i, j), "unknown brand %q (configured: %s)", b, strings.Join(brands, ", "))
			}
		}
	}
	return nil
}

// SinkNames returns the names of the sinks alerts go to: the configured ones, or "log".
func (c *Config) SinkNames() []string {
	if len(c.Sinks) == 0 {
		return []string{SinkLog}
	}
	out := make([]string, len(c.Sinks))
	for i, s := range c.Sinks {
		out[i] = s.Name
	}
	return out
}

func (s *SinkConfig) validate(key string) error {
	if !sinkName.MatchString(s.Name) {
		return cfgErr(key+".name", "%q: use 1–64 letters, digits, '_', '-' or '.'", s.Name)
	}
	var err error
	switch s.Type {
	case SinkSlack:
		if s.URL != "" || s.URLFile != "" {
			return cfgErr(key+".url", "slack sinks take webhook_url (or webhook_url_file), not url")
		}
		if s.WebhookURL, err = collectors.ResolveSecret(s.WebhookURL, s.WebhookURLFile, "webhook_url"); err != nil {
			return cfgErr(key+".webhook_url", "%s", err.Error())
		}
		s.WebhookURLFile = ""
		if err := checkURL(s.WebhookURL); err != nil {
			return cfgErr(key+".webhook_url", "%s", err.Error())
		}
		setDefault(&s.MinInterval, collectors.Duration(time.Second))
	case SinkWebhook:
		if s.WebhookURL != "" || s.WebhookURLFile != "" {
			return cfgErr(key+".webhook_url", "webhook sinks take url (or url_file), not webhook_url")
		}
		if s.URL, err = collectors.ResolveSecret(s.URL, s.URLFile, "url"); err != nil {
			return cfgErr(key+".url", "%s", err.Error())
		}
		s.URLFile = ""
		if err := checkURL(s.URL); err != nil {
			return cfgErr(key+".url", "%s", err.Error())
		}
	case SinkLog:
		if s.URL != "" || s.URLFile != "" || s.WebhookURL != "" || s.WebhookURLFile != "" {
			return cfgErr(key+".type", "log sinks take no URL")
		}
	default:
		return cfgErr(key+".type", "%q: use slack, webhook or log", s.Type)
	}
	setDefault(&s.Timeout, collectors.Duration(10*time.Second))
	if s.Timeout.D() < 100*time.Millisecond {
		return cfgErr(key+".timeout", "must be at least 100ms")
	}
	setDefault(&s.Digest, DigestNone)
	switch s.Digest {
	case DigestNone, DigestDaily, DigestOnly:
	default:
		return cfgErr(key+".digest", "%q: use none, daily or only", s.Digest)
	}
	setDefault(&s.DigestAt, "09:00")
	if _, _, err := parseClock(s.DigestAt); err != nil {
		return cfgErr(key+".digest_at", "%q: use HH:MM (24-hour clock)", s.DigestAt)
	}
	setDefault(&s.Timezone, "UTC")
	if s.loc, err = time.LoadLocation(s.Timezone); err != nil {
		return cfgErr(key+".timezone", "%q: not a known time zone (use an IANA name like Europe/Berlin)", s.Timezone)
	}
	return nil
}

// checkURL checks a secret URL without ever putting it in the message.
func checkURL(s collectors.Secret) error {
	if s == "" {
		return errors.New("required (inline, from ${ENV}, or with the *_file variant)")
	}
	u, err := url.Parse(s.Reveal())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an http(s) URL (value not shown)")
	}
	return nil
}

// parseClock parses "HH:MM".
func parseClock(s string) (h, m int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, err
	}
	return t.Hour(), t.Minute(), nil
}

func (r *RuleConfig) validate(key string, sinks map[string]bool) error {
	allowed, ok := ruleKeys[r.Type]
	registered, isRegistered := LookupRuleType(r.Type)
	if isRegistered {
		allowed, ok = registered.Keys, true
	}
	if !ok {
		return cfgErr(key+".type", "%q: use %s", r.Type, strings.Join(RuleTypeNames(), ", "))
	}
	for _, k := range r.setKeys() {
		if !contains(allowed, k) {
			return cfgErr(key+"."+k, "not used by %s rules (they take %s)", r.Type, strings.Join(allowed, ", "))
		}
	}
	r.applyDefaults()
	if !sinkName.MatchString(r.Name) {
		return cfgErr(key+".name", "%q: use 1–64 letters, digits, '_', '-' or '.'", r.Name)
	}
	for j, s := range r.Sinks {
		if !sinks[s] && !(len(sinks) == 0 && s == SinkLog) {
			return cfgErr(fmt.Sprintf("%s.sinks[%d]", key, j), "unknown sink %q", s)
		}
	}
	switch {
	case r.Cooldown < 0:
		return cfgErr(key+".cooldown", "must not be negative")
	case r.MaxExamples < 1 || r.MaxExamples > 10:
		return cfgErr(key+".max_examples", "must be between 1 and 10")
	case r.Window.D() < time.Minute:
		return cfgErr(key+".window", "must be at least 1m")
	case r.FirstEvaluation != FirstEvaluationWindow && r.FirstEvaluation != FirstEvaluationQuiet:
		return cfgErr(key+".first_evaluation", "%q: use window or quiet", r.FirstEvaluation)
	}
	switch r.Type {
	case NegativeSwing:
		switch r.Measure {
		case MeasureNegativeShare:
			if r.Threshold <= 0 || r.Threshold >= 1 {
				return cfgErr(key+".threshold", "must be a share between 0 and 1 (0.15 = 15 points above the baseline)")
			}
		case MeasureMeanSentiment:
			if r.Threshold <= 0 || r.Threshold >= 2 {
				return cfgErr(key+".threshold", "must be a drop in mean score between 0 and 2")
			}
		default:
			return cfgErr(key+".measure", "%q: use negative_share or mean_sentiment", r.Measure)
		}
		if r.Baseline < r.Window {
			return cfgErr(key+".baseline", "must be at least the window (%s)", r.Window)
		}
		if r.MinVolume < 1 {
			return cfgErr(key+".min_volume", "must be at least 1")
		}
	case VolumeSpike:
		var period time.Duration
		switch r.Seasonality {
		case SeasonalityDaily:
			period = 24 * time.Hour
		case SeasonalityWeekly:
			period = 7 * 24 * time.Hour
		case SeasonalityNone:
			period = r.Window.D()
		default:
			return cfgErr(key+".seasonality", "%q: use daily, weekly or none", r.Seasonality)
		}
		if r.Window.D() > period {
			return cfgErr(key+".window", "must not be longer than the %s seasonality period", r.Seasonality)
		}
		if r.Baseline.D() < minSamples*period {
			return cfgErr(key+".baseline", "must cover at least %d %s periods (%s)", minSamples, r.Seasonality, collectors.Duration(minSamples*period))
		}
		if r.Threshold <= 0 {
			return cfgErr(key+".threshold", "must be positive")
		}
		if r.MinRatio < 1 {
			return cfgErr(key+".min_ratio", "must be at least 1")
		}
		if r.MinVolume < 1 {
			return cfgErr(key+".min_volume", "must be at least 1")
		}
	case UnattendedQuestion:
		if r.Delay >= r.Window {
			return cfgErr(key+".delay", "must be shorter than the window (%s)", r.Window)
		}
		if *r.MinEngagement < 0 {
			return cfgErr(key+".min_engagement", "must not be negative")
		}
	case HighImpact:
		if r.Sentiment != SentimentAny && r.Sentiment != "positive" && r.Sentiment != "neutral" && r.Sentiment != "negative" {
			return cfgErr(key+".sentiment", "%q: use negative, positive, neutral or any", r.Sentiment)
		}
		// 0 means no engagement condition: RSS items and Reddit without OAuth always score 0,
		// so on those sources high_impact runs on recurring voices alone.
		if *r.MinEngagement < 0 {
			return cfgErr(key+".min_engagement", "must not be negative (0: no engagement condition, recurring voices only)")
		}
		if *r.MinEngagement == 0 && !*r.Voices {
			return cfgErr(key+".min_engagement", "0 (no engagement condition) with voices: false leaves the rule nothing to fire on")
		}
		if r.VoiceMinMentions < 1 {
			return cfgErr(key+".voice_min_mentions", "must be at least 1")
		}
	case NewCommunity:
		if r.Baseline < r.Window {
			return cfgErr(key+".baseline", "must be at least the window (%s)", r.Window)
		}
		if r.MinMentions < 1 {
			return cfgErr(key+".min_mentions", "must be at least 1")
		}
	}
	if isRegistered {
		return r.validateRegistered(key, registered)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
