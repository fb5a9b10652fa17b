package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Delivery defaults.
const (
	// DefaultInitialBackoff is the wait after the first failed attempt; it doubles per attempt.
	DefaultInitialBackoff = time.Second
	// DefaultMaxBackoff caps the wait between attempts.
	DefaultMaxBackoff = 10 * time.Minute
	// DefaultMaxInlineWait is the longest wait Deliver sleeps through; longer waits end the
	// round and the entry is retried by a later one (Run's timer, or the next command).
	DefaultMaxInlineWait = 30 * time.Second
	// HistoryRetention is how long sent and dropped alerts stay listed.
	HistoryRetention = 14 * 24 * time.Hour
	// pruneEvery spaces out pruning of the outbox and the notify log.
	pruneEvery = time.Hour
	// digestGrace is how late a daily digest may still go out (after a restart, say).
	digestGrace = 12 * time.Hour
)

// Notify-log key prefixes: events (dedup), groups (cooldown), digests (one per sink and day),
// and the first evaluation of a quiet rule for a brand.
const (
	logEvent  = "e:"
	logGroup  = "g:"
	logDigest = "d:"
	logStart  = "s:"
)

// Options configure a Manager.
type Options struct {
	// Config is the alerts block; New validates it (filling defaults).
	Config Config
	// Brands are the configured brand names, in config order.
	Brands []string
	// Mentions reads stored mentions; Outbox stores alerts.
	Mentions MentionSource
	Outbox   Outbox
	// Sinks maps each of Config.SinkNames() to its notifier.
	Sinks map[string]Notifier
	// Registerer receives the alert metrics (required).
	Registerer prometheus.Registerer
	// Logger defaults to slog.Default(); Now to time.Now.
	Logger *slog.Logger
	Now    func() time.Time
	// Sleep waits d or until ctx ends (tests inject a fake clock).
	Sleep func(ctx context.Context, d time.Duration) error
	// InitialBackoff, MaxBackoff and MaxInlineWait override the delivery defaults.
	InitialBackoff, MaxBackoff, MaxInlineWait time.Duration
}

// Manager evaluates the rules into the outbox and delivers the outbox to the sinks.
// Evaluate and Deliver are safe to call concurrently; Deliver rounds never overlap.
type Manager struct {
	cfg      Config
	brands   []string
	mentions MentionSource
	outbox   Outbox
	sinks    map[string]Notifier
	sinkCfg  map[string]SinkConfig
	metrics  *metrics
	logger   *slog.Logger
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	initialBackoff, maxBackoff, maxInlineWait time.Duration
	logRetention                              time.Duration

	evalMu    sync.Mutex
	lastPrune time.Time
	cache     map[string]*brandCache // by brand, when the source has DayVersions; under evalMu

	deliverMu sync.Mutex
	kick      chan struct{}
	running   atomic.Bool
}

// New checks the options and registers the metrics (every rule × sink × result at 0).
func New(o Options) (*Manager, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if err := o.Config.ValidateBrands(o.Brands); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if o.Mentions == nil || o.Outbox == nil || o.Registerer == nil {
		return nil, errors.New("alerts: Mentions, Outbox and Registerer are required")
	}
	m := &Manager{
		cfg: o.Config, brands: o.Brands, mentions: o.Mentions, outbox: o.Outbox,
		sinks: map[string]Notifier{}, sinkCfg: map[string]SinkConfig{},
		logger: o.Logger, now: o.Now, sleep: o.Sleep,
		initialBackoff: o.InitialBackoff, maxBackoff: o.MaxBackoff, maxInlineWait: o.MaxInlineWait,
		kick: make(chan struct{}, 1), cache: map[string]*brandCache{},
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.sleep == nil {
		m.sleep = sleepCtx
	}
	setDefault(&m.initialBackoff, DefaultInitialBackoff)
	setDefault(&m.maxBackoff, DefaultMaxBackoff)
	setDefault(&m.maxInlineWait, DefaultMaxInlineWait)
	for _, s := range m.cfg.Sinks {
		m.sinkCfg[s.Name] = s
	}
	for _, name := range m.cfg.SinkNames() {
		n := o.Sinks[name]
		if n == nil {
			return nil, fmt.Errorf("alerts: no notifier for sink %q", name)
		}
		m.sinks[name] = n
	}
	// The notify log must outlive every dedup window and cooldown.
	m.logRetention = 90 * 24 * time.Hour
	rules := make([]string, 0, len(m.cfg.Rules)+1)
	for _, r := range m.cfg.Rules {
		rules = append(rules, r.Name)
		m.logRetention = max(m.logRetention, 2*(r.lookback()+r.Cooldown.D()))
	}
	if m.digestSinks() != nil {
		rules = append(rules, RuleDigest)
	}
	var err error
	if m.metrics, err = newMetrics(o.Registerer, rules, m.cfg.SinkNames(), o.Outbox); err != nil {
		return nil, fmt.Errorf("alerts: metrics: %w", err)
	}
	return m, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Evaluate runs every rule over the stored mentions, drops events already notified, groups the
// rest per rule and brand under the cooldown, adds due daily digests, and commits the resulting
// messages to the outbox in one transaction. It sends nothing: Deliver (or Run) does. On the
// first evaluation of a rule with first_evaluation: quiet for a brand, that rule's events are
// recorded as notified instead (see Silence).
func (m *Manager) Evaluate(ctx context.Context) error {
	_, err := m.evaluate(ctx, false)
	return err
}

// Silence evaluates the rules as Evaluate does but raises nothing: every event found is
// recorded in the notify log as notified, so no later evaluation raises it, no cooldown starts
// and no digest is made or used up. `ingest --no-alerts` calls it after an import. It returns
// the number of events silenced.
func (m *Manager) Silence(ctx context.Context) (int, error) {
	return m.evaluate(ctx, true)
}

func (m *Manager) evaluate(ctx context.Context, silent bool) (silenced int, err error) {
	m.evalMu.Lock()
	defer m.evalMu.Unlock()
	start := time.Now()
	defer func() {
		m.metrics.evalDuration.Observe(time.Since(start).Seconds())
		if err != nil {
			m.metrics.evalErrors.Inc()
		}
	}()
	now := m.now()
	evs, err := m.events(ctx, now)
	if err != nil {
		return 0, err
	}
	type groupKey struct{ rule, brand string }
	groups := map[groupKey][]event{}
	var order []groupKey
	rules := map[string]*RuleConfig{}
	for i := range m.cfg.Rules {
		rules[m.cfg.Rules[i].Name] = &m.cfg.Rules[i]
	}
	var keys []string
	for _, e := range evs {
		keys = append(keys, logEvent+e.key)
	}
	for _, e := range evs {
		gk := groupKey{e.alert.Rule, e.alert.Brand}
		if groups[gk] == nil {
			order = append(order, gk)
			keys = append(keys, logGroup+gk.rule+"/"+gk.brand)
		}
		groups[gk] = append(groups[gk], e)
	}
	var digests []digestDue
	if !silent {
		digests = m.dueDigests(now)
	}
	for _, d := range digests {
		keys = append(keys, d.key)
	}
	starts := m.quietStarts()
	keys = append(keys, starts...)
	logged, err := m.outbox.NotifyLogged(ctx, keys)
	if err != nil {
		return 0, fmt.Errorf("alerts: read notify log: %w", err)
	}
	var entries []Entry
	log := map[string]time.Time{}
	fired := map[string]int{}
	for _, gk := range order {
		rule := rules[gk.rule]
		var fresh []event
		seen := map[string]bool{}
		for _, e := range groups[gk] {
			if _, ok := logged[logEvent+e.key]; !ok && !seen[e.key] {
				seen[e.key] = true
				fresh = append(fresh, e)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		if _, started := logged[startKey(gk.rule, gk.brand)]; silent || (rule.FirstEvaluation == FirstEvaluationQuiet && !started) {
			// Recorded as notified, sent to no one, and no cooldown started.
			for _, e := range fresh {
				log[logEvent+e.key] = now
			}
			silenced += len(fresh)
			m.logger.Debug("alert events recorded without alerting", "rule", gk.rule, "brand", gk.brand, "events", len(fresh),
				"silenced", silent)
			continue
		}
		if last, ok := logged[logGroup+gk.rule+"/"+gk.brand]; ok && now.Sub(last) < rule.Cooldown.D() {
			// Within the cooldown: these events are not recorded, so the next evaluation after
			// the cooldown finds them again (if they still hold) and sends them as one message.
			m.logger.Debug("alert held by cooldown", "rule", gk.rule, "brand", gk.brand, "events", len(fresh),
				"cooldown_left_seconds", int((rule.Cooldown.D() - now.Sub(last)).Seconds()))
			continue
		}
		a := rule.group(gk.brand, fresh, now)
		for _, sink := range m.ruleSinks(rule) {
			entries = append(entries, m.newEntry(sink, a, now))
		}
		log[logGroup+gk.rule+"/"+gk.brand] = now
		for _, e := range fresh {
			log[logEvent+e.key] = now
		}
		fired[gk.rule] += len(fresh)
	}
	for _, k := range starts {
		// Marked once, and again before the notify log's pruning would forget it.
		if at, ok := logged[k]; !ok || now.Sub(at) > m.logRetention/2 {
			log[k] = now
		}
	}
	for _, d := range digests {
		if _, ok := logged[d.key]; ok {
			continue
		}
		log[d.key] = now
		e, ok, err := m.digest(ctx, d, now)
		if err != nil {
			return 0, err
		}
		if ok {
			entries = append(entries, e)
		}
	}
	if len(log) == 0 {
		return silenced, m.maybePrune(ctx, now)
	}
	committed, err := m.outbox.EnqueueAlerts(ctx, entries, log)
	if err != nil {
		return 0, fmt.Errorf("alerts: commit to outbox: %w", err)
	}
	for rule, n := range fired {
		m.metrics.fired.WithLabelValues(rule).Add(float64(n))
	}
	for _, e := range committed {
		m.logger.Info("alert committed", "rule", e.Alert.Rule, "brand", e.Alert.Brand, "sink", e.Sink,
			"state", e.State, "events", len(e.Alert.Keys), "seq", e.Seq, "title", e.Alert.Title)
	}
	if silenced > 0 {
		m.logger.Info("alert events recorded without alerting", "events", silenced, "silenced", silent)
	}
	m.Kick()
	return silenced, m.maybePrune(ctx, now)
}

// startKey is the notify-log key that records a rule's first evaluation for a brand.
func startKey(rule, brand string) string { return logStart + rule + "/" + brand }

// quietStarts lists the start keys of the rules with first_evaluation: quiet, for each brand
// they apply to.
func (m *Manager) quietStarts() []string {
	var out []string
	for _, r := range m.cfg.Rules {
		if r.FirstEvaluation != FirstEvaluationQuiet {
			continue
		}
		for _, b := range m.brands {
			if len(r.Brands) == 0 || contains(r.Brands, b) {
				out = append(out, startKey(r.Name, b))
			}
		}
	}
	return out
}

// events evaluates every rule for every brand, reading each brand's mentions once.
func (m *Manager) events(ctx context.Context, now time.Time) ([]event, error) {
	var out []event
	for _, brand := range m.brands {
		var rules []*RuleConfig
		var lookback, recent time.Duration
		for i := range m.cfg.Rules {
			r := &m.cfg.Rules[i]
			if len(r.Brands) > 0 && !contains(r.Brands, brand) {
				continue
			}
			rules = append(rules, r)
			lookback = max(lookback, r.lookback())
			recent = max(recent, r.Window.D())
		}
		if len(rules) == 0 {
			continue
		}
		var d *brandData
		var err error
		if dv, ok := m.mentions.(DayVersions); ok {
			if m.cache[brand] == nil {
				m.cache[brand] = &brandCache{}
			}
			d, err = loadBrandCached(ctx, m.mentions, dv, m.cache[brand], brand, now, lookback, recent)
		} else {
			d, err = loadBrand(ctx, m.mentions, brand, now, lookback, recent)
		}
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			out = append(out, r.evaluate(d)...)
		}
	}
	return out, nil
}

// ruleSinks returns the sinks a rule sends to, in config order.
func (m *Manager) ruleSinks(r *RuleConfig) []string {
	if len(r.Sinks) == 0 {
		return m.cfg.SinkNames()
	}
	var out []string
	for _, s := range m.cfg.SinkNames() {
		if contains(r.Sinks, s) {
			out = append(out, s)
		}
	}
	return out
}

func (m *Manager) newEntry(sink string, a Alert, now time.Time) Entry {
	state := StatePending
	if m.sinkCfg[sink].Digest == DigestOnly {
		state = StateHeld
	}
	return Entry{Sink: sink, State: state, CreatedAt: now, UpdatedAt: now, Alert: a}
}

func (m *Manager) maybePrune(ctx context.Context, now time.Time) error {
	if now.Sub(m.lastPrune) < pruneEvery {
		return nil
	}
	if err := m.outbox.PruneAlerts(ctx, now.Add(-HistoryRetention), now.Add(-m.logRetention)); err != nil {
		return fmt.Errorf("alerts: prune outbox: %w", err)
	}
	m.lastPrune = now
	return nil
}

// Kick asks a running delivery loop to deliver now.
func (m *Manager) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Running reports whether Run is delivering in the background.
func (m *Manager) Running() bool { return m.running.Load() }

// Run delivers pending alerts until ctx ends: at once, whenever Evaluate commits new ones, and
// when a retry falls due. A slow or failing sink delays only its own messages, never evaluation.
func (m *Manager) Run(ctx context.Context) {
	m.running.Store(true)
	defer m.running.Store(false)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next, err := m.Deliver(ctx)
		if err != nil && ctx.Err() == nil {
			m.logger.Warn("alert delivery failed", "error", err)
			next = m.now().Add(time.Minute)
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = min(max(next.Sub(m.now()), 100*time.Millisecond), time.Hour)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		case <-timer.C:
		}
	}
}

// Deliver sends the pending alerts, each sink in its own goroutine and in commit order within
// a sink, pacing messages by the sink's MinInterval. A retryable failure is retried in place
// while the wait is short (DefaultMaxInlineWait) and fits ctx; otherwise the entry keeps its
// next attempt time and the sink's later alerts wait behind it, preserving order. It returns
// the earliest time a pending alert is due again (zero when none), and an error only when the
// outbox fails; delivery failures are logged and counted.
func (m *Manager) Deliver(ctx context.Context) (time.Time, error) {
	m.deliverMu.Lock()
	defer m.deliverMu.Unlock()
	pending, err := m.outbox.PendingAlerts(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("alerts: read outbox: %w", err)
	}
	bySink := map[string][]Entry{}
	var names []string
	for _, e := range pending {
		if bySink[e.Sink] == nil {
			names = append(names, e.Sink)
		}
		bySink[e.Sink] = append(bySink[e.Sink], e)
	}
	sort.Strings(names)
	type result struct {
		next time.Time
		err  error
	}
	results := make([]result, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i].next, results[i].err = m.deliverSink(ctx, name, bySink[name])
		}()
	}
	wg.Wait()
	var next time.Time
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		}
		if !r.next.IsZero() && (next.IsZero() || r.next.Before(next)) {
			next = r.next
		}
	}
	return next, errors.Join(errs...)
}

// deliverSink sends one sink's pending entries in order; see Deliver.
func (m *Manager) deliverSink(ctx context.Context, name string, entries []Entry) (time.Time, error) {
	n := m.sinks[name]
	if n == nil {
		// The sink was removed from the config while alerts for it were pending.
		for _, e := range entries {
			e.State, e.UpdatedAt, e.LastError = StateDropped, m.now(), fmt.Sprintf("sink %q is no longer configured", name)
			if err := m.outbox.UpdateAlert(ctx, e); err != nil && !errors.Is(err, ErrEntryNotFound) {
				return time.Time{}, fmt.Errorf("alerts: update outbox: %w", err)
			}
			m.logger.Warn("alert dropped: sink no longer configured", "sink", name, "rule", e.Alert.Rule, "seq", e.Seq)
		}
		return time.Time{}, nil
	}
	var pace time.Duration
	if p, ok := n.(Paced); ok {
		pace = p.MinInterval()
	}
	for i := range entries {
		if i > 0 && pace > 0 {
			if err := m.sleep(ctx, pace); err != nil {
				return m.now(), nil
			}
		}
		next, err := m.deliverEntry(ctx, name, n, &entries[i])
		if err != nil || !next.IsZero() {
			return next, err
		}
	}
	return time.Time{}, nil
}

// deliverEntry sends one entry, retrying in place while waits are short. It returns a non-zero
// time when the entry is still pending and due then.
func (m *Manager) deliverEntry(ctx context.Context, sink string, n Notifier, e *Entry) (time.Time, error) {
	for {
		if wait := e.NextAttempt.Sub(m.now()); wait > 0 {
			if !m.canWait(ctx, wait) {
				return e.NextAttempt, nil
			}
			if err := m.sleep(ctx, wait); err != nil {
				return e.NextAttempt, nil
			}
		}
		err := n.Notify(ctx, e.Alert)
		if ctx.Err() != nil {
			// Interrupted (shutdown, or the command's delivery budget ran out): not the sink's
			// fault, so no attempt is counted. The entry stays pending for the next round.
			return m.now(), nil
		}
		now := m.now()
		e.UpdatedAt = now
		switch {
		case err == nil:
			e.State, e.LastError, e.NextAttempt = StateSent, "", time.Time{}
			m.metrics.alerts.WithLabelValues(e.Alert.Rule, sink, ResultSent).Inc()
			m.logger.Debug("alert sent", "sink", sink, "rule", e.Alert.Rule, "brand", e.Alert.Brand, "seq", e.Seq)
			return time.Time{}, m.update(ctx, e)
		case IsPermanent(err):
			e.State, e.LastError = StateDropped, err.Error()
			m.metrics.alerts.WithLabelValues(e.Alert.Rule, sink, ResultDropped).Inc()
			m.logger.Warn("alert dropped after a permanent delivery error", "sink", sink, "rule", e.Alert.Rule,
				"brand", e.Alert.Brand, "seq", e.Seq, "error", err.Error())
			return time.Time{}, m.update(ctx, e)
		}
		e.Attempts++
		delay := max(RetryAfter(err), m.backoff(e.Attempts))
		e.NextAttempt, e.LastError = now.Add(delay), err.Error()
		m.metrics.alerts.WithLabelValues(e.Alert.Rule, sink, ResultFailed).Inc()
		m.logger.Warn("alert delivery failed; will retry", "sink", sink, "rule", e.Alert.Rule, "seq", e.Seq,
			"attempt", e.Attempts, "retry_delay_seconds", delay.Seconds(), "error", err.Error())
		if err := m.update(ctx, e); err != nil {
			return time.Time{}, err
		}
	}
}

func (m *Manager) update(ctx context.Context, e *Entry) error {
	// Use a context that survives the caller's cancellation: the send already happened, and
	// recording it is what keeps it from being sent twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := m.outbox.UpdateAlert(ctx, *e); err != nil && !errors.Is(err, ErrEntryNotFound) {
		return fmt.Errorf("alerts: update outbox entry %d: %w", e.Seq, err)
	}
	return nil
}

// canWait reports whether Deliver should sleep d in place rather than end the round.
func (m *Manager) canWait(ctx context.Context, d time.Duration) bool {
	if d > m.maxInlineWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	return true
}

// backoff is the exponential wait after the given number of failed attempts.
func (m *Manager) backoff(attempts int) time.Duration {
	d := m.initialBackoff
	for i := 1; i < attempts && d < m.maxBackoff; i++ {
		d *= 2
	}
	return min(d, m.maxBackoff)
}

// TestResult is the outcome of a test alert for one sink.
type TestResult struct {
	Sink string
	Err  error
}

// SendTest sends SampleAlert to each named sink directly, not through the outbox (so it works
// while serve holds the store), retrying retryable failures with the sender's backoff while
// the waits fit ctx and DefaultMaxInlineWait.
func SendTest(ctx context.Context, names []string, sinks map[string]Notifier, brand string, now time.Time) []TestResult {
	m := &Manager{initialBackoff: DefaultInitialBackoff, maxBackoff: DefaultMaxBackoff, maxInlineWait: DefaultMaxInlineWait}
	a := SampleAlert(brand, now)
	out := make([]TestResult, 0, len(names))
	for _, name := range names {
		n := sinks[name]
		if n == nil {
			out = append(out, TestResult{Sink: name, Err: fmt.Errorf("alerts: no notifier for sink %q", name)})
			continue
		}
		var err error
		for attempt := 1; ; attempt++ {
			err = n.Notify(ctx, a)
			if err == nil || IsPermanent(err) || ctx.Err() != nil {
				break
			}
			wait := max(RetryAfter(err), m.backoff(attempt))
			if !m.canWait(ctx, wait) || sleepCtx(ctx, wait) != nil {
				break
			}
		}
		out = append(out, TestResult{Sink: name, Err: err})
	}
	return out
}

// SampleAlert is the alert `overhear alerts test` sends: realistic, clearly marked as a test,
// and with the characters Slack treats specially, to show they are escaped.
func SampleAlert(brand string, now time.Time) Alert {
	return Alert{
		Rule: RuleTest, Type: RuleTest, Brand: brand, Keys: []string{"test/" + now.UTC().Format(time.RFC3339)},
		Title:   "Test alert: " + brand,
		Summary: "This is a test from `overhear alerts test`. If you can read it, this sink is wired correctly; real alerts look like this one.",
		Fields: []Field{
			{"Rule", "test (not a real alert)"},
			{"Sent at", now.UTC().Format("2006-01-02 15:04 UTC")},
		},
		Examples: []Example{{
			Source: "reddit", ID: "t3_example", Community: "example", Author: "someone",
			Title:     "Example post: does " + brand + " work with <two> GPUs & a <!channel> ping?",
			Text:      "Text from the internet is escaped, so <!channel>, <@U123> and <http://example.com|fake links> stay plain text.",
			URL:       "https://www.reddit.com/r/example/comments/example/",
			CreatedAt: now.UTC().Add(-time.Hour), Score: 42, Sentiment: "neutral",
		}},
		At: now,
	}
}
