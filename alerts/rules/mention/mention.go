// Package mention is the `mention` alert rule: every new mention of a brand, as F5Bot and
// Syften send them, filtered by community, source, sentiment and question, and grouped,
// cooled down and digested like every other rule. It registers itself from init(); the blank
// import in alerts/rules/all switches it on.
package mention

import (
	"fmt"
	"strings"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// Type is the rule type's name in `alerts.rules[].type`.
const Type = "mention"

func init() {
	alerts.AddRuleType(Type, alerts.RuleType{
		Keys:     []string{"window", "communities", "sources", "sentiment", "question"},
		Defaults: defaults,
		Validate: validate,
		Evaluate: evaluate,
		Group:    group,
		Emoji:    ":speech_balloon:",
	})
}

// Defaults: mentions of the last day, at most one message per brand every 15 minutes, any
// sentiment, every community, source and kind of post.
func defaults(r *alerts.RuleConfig) {
	r.Window = collectors.Duration(24 * time.Hour)
	r.Cooldown = collectors.Duration(15 * time.Minute)
	r.Sentiment = alerts.SentimentAny
}

func validate(r *alerts.RuleConfig) error {
	switch r.Sentiment {
	case alerts.SentimentAny, analysis.Positive, analysis.Neutral, analysis.Negative:
	default:
		return &alerts.ConfigError{Key: "sentiment", Msg: fmt.Sprintf("%q: use any, negative, positive or neutral", r.Sentiment)}
	}
	for i, c := range r.Communities {
		if strings.TrimSpace(c) == "" {
			return &alerts.ConfigError{Key: fmt.Sprintf("communities[%d]", i), Msg: "must not be empty"}
		}
	}
	for i, s := range r.Sources {
		if strings.TrimSpace(s) == "" {
			return &alerts.ConfigError{Key: fmt.Sprintf("sources[%d]", i), Msg: "must not be empty"}
		}
	}
	return nil
}

// evaluate: one event per mention in the window that passes the filters. The dedup key is the
// mention's (source, id), so a mention is notified once whatever the window.
func evaluate(r *alerts.RuleConfig, d *alerts.BrandData) []alerts.Event {
	brand, now := d.Brand(), d.Now()
	var out []alerts.Event
	for _, m := range d.Mentions(now.Add(-r.Window.D()), time.Time{}) {
		if !matches(r, m, brand) {
			continue
		}
		ago := max(now.Sub(m.CreatedAt), 0).Truncate(time.Minute)
		by := ""
		if m.Author != "" {
			by = " by " + m.Author
		}
		summary := fmt.Sprintf("%s was mentioned in %s%s %s ago.", brand, alerts.Where(m.Source, m.Community), by, alerts.HumanDuration(ago))
		title := "New mention: " + brand
		if m.Question {
			summary = fmt.Sprintf("A question about %s was asked in %s%s %s ago.", brand, alerts.Where(m.Source, m.Community), by, alerts.HumanDuration(ago))
			title = "New question: " + brand
		}
		a := r.NewAlert(brand, title, summary, now)
		a.Examples = []alerts.Example{alerts.ExampleOf(m, brand)}
		// The most engaged first, then the newest (the fraction never outweighs one point).
		rank := float64(m.Score) + float64(m.CreatedAt.Unix())/1e11
		out = append(out, alerts.Event{Key: r.EventKey(brand, m.Source, m.ID), Rank: rank, Alert: a})
	}
	return out
}

// matches applies the rule's filters to m.
func matches(r *alerts.RuleConfig, m *analysis.Result, brand string) bool {
	if len(r.Sources) > 0 && !containsFold(r.Sources, m.Source) {
		return false
	}
	if len(r.Communities) > 0 && !containsFold(r.Communities, m.Community) {
		return false
	}
	if r.Question != nil && m.Question != *r.Question {
		return false
	}
	if r.Sentiment != alerts.SentimentAny {
		// A mention the model did not score has no sentiment: it passes only `any`.
		s := alerts.BrandSentiment(m, brand)
		if s.Unscored || s.Label != r.Sentiment {
			return false
		}
	}
	return true
}

// containsFold reports whether list names v, ignoring case and Reddit's "r/" prefix.
func containsFold(list []string, v string) bool {
	v = strings.TrimPrefix(strings.ToLower(v), "r/")
	for _, s := range list {
		if strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "r/") == v {
			return true
		}
	}
	return false
}

func group(r *alerts.RuleConfig, brand string, n int) (title, summary string) {
	return fmt.Sprintf("%d new mentions: %s", n, brand),
		fmt.Sprintf("%s was mentioned %d times since the last message (the most engaged first, then the newest).", brand, n)
}
