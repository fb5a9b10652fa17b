package alerts

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/overhear/overhear/analysis"
)

// RuleType is a rule type that lives in its own folder and registers itself with AddRuleType
// from init(), as collectors do with collectors.Add; the folder is switched on by one blank
// import in alerts/rules/all. The five rule types in rules.go predate the registry and stay
// built in; a registered type gets the same grouping, cooldown, dedup, outbox and digest.
//
// A registered type reads its settings from RuleConfig: the common keys (name, brands, sinks,
// cooldown, max_examples) and the type-specific keys it lists in Keys. RuleConfig stays one
// struct, decoded strictly from `alerts.rules[]`, so a new key a type needs is one field there.
type RuleType struct {
	// Keys lists the type-specific keys of RuleConfig (by their YAML names) the type reads;
	// setting any other is a config error that names it.
	Keys []string
	// Defaults fills in the zero values of r; r.Type, r.Name and r.MaxExamples are set.
	Defaults func(r *RuleConfig)
	// Validate checks r after its defaults are filled. A *ConfigError's Key is relative to the
	// rule ("sentiment"); the caller prefixes it with "rules[i].".
	Validate func(r *RuleConfig) error
	// Lookback is how far back the rule reads mentions (nil: the window). Mentions older than
	// the window come without their full result (BrandData.Mentions does not return them).
	Lookback func(r *RuleConfig) time.Duration
	// Evaluate returns what the rule finds in one brand's mentions. Each event's Key must be
	// stable (the same mention or window gives the same key) so nothing is notified twice.
	Evaluate func(r *RuleConfig, d *BrandData) []Event
	// Group titles the message that stands for n ≥ 2 events of the rule for one brand; the
	// examples, "and N more" and the "Where" field are filled in as for the built-in rules.
	Group func(r *RuleConfig, brand string, n int) (title, summary string)
	// Emoji marks the type in a Slack header (":bell:"); empty for none.
	Emoji string
}

// Event is one thing a rule found: a mention or a window. Events of one rule and brand are
// grouped into one message per cooldown.
type Event struct {
	// Key is the dedup key, unique within the rule and brand: build it with RuleConfig.EventKey.
	Key string
	// Rank orders events within a group, most significant first.
	Rank float64
	// Alert is the message for the event alone.
	Alert Alert
}

// BrandData is what a registered rule reads of one brand at one evaluation.
type BrandData struct{ d *brandData }

// Brand is the brand's name.
func (b *BrandData) Brand() string { return b.d.brand }

// Now is the evaluation's time.
func (b *BrandData) Now() time.Time { return b.d.now }

// Mentions returns the brand's mentions created in [from, to) (to zero: no upper bound,
// mentions dated a little in the future included), oldest first, with their full results.
// Only mentions within the longest window of the brand's rules have their full result, so
// from should not be before Now minus the rule's window.
func (b *BrandData) Mentions(from, to time.Time) []*analysis.Result {
	recs := b.d.between(from, to)
	out := make([]*analysis.Result, 0, len(recs))
	for _, r := range recs {
		if r.r != nil {
			out = append(out, r.r)
		}
	}
	return out
}

var (
	ruleTypesMu sync.RWMutex
	ruleTypes   = map[string]RuleType{}
)

// AddRuleType registers a rule type under name; rule folders call it from init(). It panics
// on a duplicate or built-in name, or a type without Evaluate, which are programming errors.
func AddRuleType(name string, t RuleType) {
	ruleTypesMu.Lock()
	defer ruleTypesMu.Unlock()
	if _, dup := ruleTypes[name]; dup || contains(RuleTypes, name) {
		panic(fmt.Sprintf("alerts: rule type %q registered twice", name))
	}
	if t.Evaluate == nil {
		panic(fmt.Sprintf("alerts: rule type %q has no Evaluate", name))
	}
	ruleTypes[name] = t
}

// LookupRuleType returns the registered rule type called name (not the built-in ones).
func LookupRuleType(name string) (RuleType, bool) {
	ruleTypesMu.RLock()
	defer ruleTypesMu.RUnlock()
	t, ok := ruleTypes[name]
	return t, ok
}

// RuleTypeNames lists every rule type: the built-in ones in their fixed order, then the
// registered ones, sorted.
func RuleTypeNames() []string {
	ruleTypesMu.RLock()
	defer ruleTypesMu.RUnlock()
	extra := make([]string, 0, len(ruleTypes))
	for n := range ruleTypes {
		extra = append(extra, n)
	}
	sort.Strings(extra)
	return append(append([]string{}, RuleTypes...), extra...)
}

// EventKey builds an event's dedup key from the rule, the brand and parts that identify the
// event (a mention's source and id, a window's start).
func (r *RuleConfig) EventKey(brand string, parts ...string) string {
	return r.eventKey(brand, parts...)
}

// NewAlert starts the alert for one event of the rule.
func (r *RuleConfig) NewAlert(brand, title, summary string, now time.Time) Alert {
	return r.newAlert(brand, title, summary, now)
}

// ExampleOf is how an alert shows mention m of brand: its link, community, author, sentiment
// toward the brand and score, with the text cut to what the outbox keeps.
func ExampleOf(m *analysis.Result, brand string) Example { return exampleOf(m, brand) }

// BrandSentiment is m's sentiment toward brand (the whole mention's when the brand is not
// listed). Unscored is set when the model does not read the mention's language.
func BrandSentiment(m *analysis.Result, brand string) analysis.Sentiment {
	return brandSentiment(m, brand)
}

// Where names where a mention was made: its community as its source names it, or the source.
func Where(source, community string) string { return where(source, community) }

// HumanDuration formats a duration briefly for messages: 45m, 3h, 2d, 1h30m.
func HumanDuration(d time.Duration) string { return human(d) }

// registeredEvents runs a registered type's Evaluate and converts its events.
func (r *RuleConfig) registeredEvents(d *brandData) []event {
	t, ok := LookupRuleType(r.Type)
	if !ok {
		return nil
	}
	evs := t.Evaluate(r, &BrandData{d: d})
	out := make([]event, len(evs))
	for i, e := range evs {
		out[i] = event{key: e.Key, rank: e.Rank, alert: e.Alert}
	}
	return out
}

// validateRegistered checks a rule of a registered type, prefixing its errors' keys.
func (r *RuleConfig) validateRegistered(key string, t RuleType) error {
	if t.Validate == nil {
		return nil
	}
	err := t.Validate(r)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return cfgErr(key+"."+ce.Key, "%s", ce.Msg)
	}
	if err != nil {
		return cfgErr(key, "%s", err.Error())
	}
	return nil
}
