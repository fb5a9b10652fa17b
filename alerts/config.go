// Package alerts evaluates alert rules over stored mentions and delivers alerts to sinks
// (Slack, generic webhooks, the log) through a durable outbox.
package alerts

import "github.com/overhear/overhear/collectors"

// Config is the `alerts:` block of the config file.
type Config struct {
	// Every is how often serve evaluates the rules.
	Every collectors.Duration `yaml:"every" json:"every"`
	Sinks []SinkConfig        `yaml:"sinks" json:"sinks"`
	Rules []RuleConfig        `yaml:"rules" json:"rules"`
}

// SinkConfig configures one destination.
type SinkConfig struct {
	Name string `yaml:"name" json:"name"`
	// Type is "slack", "webhook" or "log".
	Type           string            `yaml:"type" json:"type"`
	WebhookURL     collectors.Secret `yaml:"webhook_url" json:"webhook_url,omitempty"`
	WebhookURLFile string            `yaml:"webhook_url_file" json:"webhook_url_file,omitempty"`
	URL            collectors.Secret `yaml:"url" json:"url,omitempty"`
	URLFile        string            `yaml:"url_file" json:"url_file,omitempty"`
}

// RuleConfig configures one rule.
type RuleConfig struct {
	// Type is unattended_question, negative_swing, volume_spike, high_impact or new_community.
	Type   string              `yaml:"type" json:"type"`
	Brands []string            `yaml:"brands" json:"brands,omitempty"`
	Delay  collectors.Duration `yaml:"delay" json:"delay,omitempty"`
	Sinks  []string            `yaml:"sinks" json:"sinks,omitempty"`
}
