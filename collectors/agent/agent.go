// Package agent runs collector instances on their schedules, hands each poll's items to a
// handler, and keeps the collector metrics. One failing collector never stops the others.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/overhear/overhear/collectors"
)

// Instance is one configured collector.
type Instance struct {
	// Source is the registry name ("rss").
	Source string
	// Name tells instances of one source apart (a feed URL); it may be empty.
	Name string
	// Collector is initialised and ready.
	Collector collectors.Collector
	// Interval between polls.
	Interval time.Duration
}

// Key identifies the instance's state in the store.
func (in *Instance) Key() string {
	if in.Name == "" {
		return in.Source
	}
	return in.Source + "/" + in.Name
}

// Poll is what one poll found, handed to the Handler.
type Poll struct {
	Instance *Instance
	Items    []collectors.Mention
	// Participation lists (thread, author) pairs the collector saw without items.
	Participation []ThreadAuthor
	// State is the collector's state after the poll (nil for stateless collectors); the handler
	// commits it together with the items.
	State []byte
}

// ThreadAuthor is an author seen in a thread.
type ThreadAuthor struct {
	ThreadID, Author string
}

// Handler processes and stores one poll. When it fails the collector's state is rolled back
// so the next poll fetches the same items again.
type Handler func(ctx context.Context, p Poll) error

// StateLoader returns the stored state of an instance (nil when none).
type StateLoader func(ctx context.Context, key string) ([]byte, error)

// Agent runs instances.
type Agent struct {
	instances []*Instance
	handle    Handler
	load      StateLoader
	logger    *slog.Logger
	metrics   *metrics
	now       func() time.Time
	// committed holds each instance's last committed state, to roll back to.
	mu        sync.Mutex
	committed map[string][]byte
	healthy   map[string]bool
}

// New returns an agent. reg receives the collector metrics; sources lists every source name so
// their series exist from start.
func New(instances []*Instance, sources []string, handle Handler, load StateLoader, reg prometheus.Registerer, logger *slog.Logger) (*Agent, error) {
	m, err := newMetrics(reg, sources)
	if err != nil {
		return nil, err
	}
	return &Agent{instances: instances, handle: handle, load: load, logger: logger, metrics: m, now: time.Now,
		committed: map[string][]byte{}, healthy: map[string]bool{}}, nil
}

// Instances returns the configured instances.
func (a *Agent) Instances() []*Instance { return a.instances }

// Restore loads every stateful instance's stored state. Call it once before polling.
func (a *Agent) Restore(ctx context.Context) error {
	for _, in := range a.instances {
		st, ok := in.Collector.(collectors.Stateful)
		if !ok {
			continue
		}
		b, err := a.load(ctx, in.Key())
		if err != nil {
			return fmt.Errorf("agent: load state of %s: %w", in.Key(), err)
		}
		if err := st.SetState(b); err != nil {
			// A state this version cannot read must not block listening: start fresh and say so.
			a.logger.Warn("collector state unreadable; starting from scratch", "collector", in.Key(), "error", err)
			continue
		}
		a.mu.Lock()
		a.committed[in.Key()] = b
		a.mu.Unlock()
	}
	return nil
}

// RunOnce polls every instance once, concurrently, and returns the joined poll errors.
func (a *Agent) RunOnce(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(a.instances))
	for i, in := range a.instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = a.poll(ctx, in)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run polls every instance on its schedule until ctx ends. The first polls are spread over a
// few seconds so a restart does not hit every source at once.
func (a *Agent) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i, in := range a.instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.loop(ctx, in, time.Duration(i)*250*time.Millisecond)
		}()
	}
	wg.Wait()
}

func (a *Agent) loop(ctx context.Context, in *Instance, delay time.Duration) {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		wait, _ := a.poll(ctx, in)
		timer.Reset(wait)
	}
}

// poll runs one poll and returns when the next one is due.
func (a *Agent) poll(ctx context.Context, in *Instance) (time.Duration, error) {
	logger := a.logger.With("collector", in.Source, "instance", in.Name)
	sink := &sink{logger: logger, source: in.Source, metrics: a.metrics}
	start := a.now()
	err := in.Collector.Collect(ctx, sink)
	a.metrics.duration.WithLabelValues(in.Source).Observe(a.now().Sub(start).Seconds())
	next := jittered(in.Interval)
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, collectors.ErrNotModified):
		result, err = "not_modified", nil
	case ctx.Err() != nil:
		return next, err
	case collectors.IsRateLimited(err):
		result = "rate_limited"
	default:
		result = "error"
	}
	if d, ok := collectors.RetryAfter(err); ok && d > next {
		next = d
	}
	// A 304 commits too: the collector's state holds the new validators and freshness.
	if err == nil {
		if herr := a.commit(ctx, in, sink); herr != nil {
			err, result = herr, "error"
		}
	}
	a.metrics.polls.WithLabelValues(in.Source, result).Inc()
	a.mu.Lock()
	wasHealthy, seen := a.healthy[in.Key()]
	a.healthy[in.Key()] = err == nil
	a.mu.Unlock()
	if err != nil {
		// Log transitions at Warn and repeats at Debug, so a source that is down for a day
		// does not flood the log.
		level := slog.LevelWarn
		if seen && !wasHealthy {
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "poll failed", "result", result, "error", err, "next_poll_seconds", int(next.Seconds()))
		return next, err
	}
	if seen && !wasHealthy {
		logger.Info("poll recovered")
	}
	a.metrics.lastSuccess.WithLabelValues(in.Source).Set(float64(a.now().Unix()))
	a.metrics.items.WithLabelValues(in.Source).Add(float64(len(sink.items)))
	logger.Debug("polled", "result", result, "items", len(sink.items))
	return next, nil
}

func (a *Agent) commit(ctx context.Context, in *Instance, s *sink) error {
	p := Poll{Instance: in, Items: s.items, Participation: s.participation}
	st, stateful := in.Collector.(collectors.Stateful)
	if stateful {
		b, err := st.State()
		if err != nil {
			return fmt.Errorf("agent: state of %s: %w", in.Key(), err)
		}
		p.State = b
	}
	if err := a.handle(ctx, p); err != nil {
		if stateful {
			a.mu.Lock()
			prev := a.committed[in.Key()]
			a.mu.Unlock()
			if rerr := st.SetState(prev); rerr != nil {
				a.logger.Error("roll back collector state", "collector", in.Key(), "error", rerr)
			}
		}
		return fmt.Errorf("agent: store poll of %s: %w", in.Key(), err)
	}
	if stateful {
		a.mu.Lock()
		a.committed[in.Key()] = p.State
		a.mu.Unlock()
	}
	return nil
}

// Healthy reports whether every instance's last poll succeeded (true before the first poll).
func (a *Agent) Healthy() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]bool, len(a.healthy))
	for k, v := range a.healthy {
		out[k] = v
	}
	return out
}

// jittered adds up to 10% so instances with the same interval drift apart.
func jittered(d time.Duration) time.Duration {
	if d <= 0 {
		d = time.Minute
	}
	return d + time.Duration(rand.Float64()*0.1*float64(d))
}

type sink struct {
	logger        *slog.Logger
	source        string
	metrics       *metrics
	items         []collectors.Mention
	participation []ThreadAuthor
}

// Add implements collectors.Sink.
func (s *sink) Add(m collectors.Mention) {
	if m.Source == "" {
		m.Source = s.source
	}
	s.items = append(s.items, m)
}

// AddInContext implements collectors.ContextSink.
func (s *sink) AddInContext(m collectors.Mention, brands []string) {
	s.Add(m.WithThreadBrands(brands))
}

// Participate implements collectors.Sink.
func (s *sink) Participate(threadID, author string) {
	s.participation = append(s.participation, ThreadAuthor{ThreadID: threadID, Author: author})
}

// Error implements collectors.Sink.
func (s *sink) Error(err error) {
	s.metrics.itemErrors.WithLabelValues(s.source).Inc()
	s.logger.Debug("item skipped", "error", err)
}

type metrics struct {
	polls       *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	items       *prometheus.CounterVec
	itemErrors  *prometheus.CounterVec
}

// PollResults are the values of the `result` label of overhear_collector_polls_total.
var PollResults = []string{"ok", "not_modified", "error", "rate_limited"}

func newMetrics(reg prometheus.Registerer, sources []string) (*metrics, error) {
	m := &metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_collector_polls_total", Help: "Collector polls by source and result.",
		}, []string{"source", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "overhear_collector_poll_duration_seconds", Help: "Time one poll takes, fetching and parsing.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "overhear_collector_last_success_timestamp_seconds", Help: "Unix time of the last successful poll.",
		}, []string{"source"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_collector_items_total", Help: "Items fetched by collectors, before matching.",
		}, []string{"source"}),
		itemErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "overhear_collector_item_errors_total", Help: "Items skipped because they were invalid.",
		}, []string{"source"}),
	}
	for _, c := range []prometheus.Collector{m.polls, m.duration, m.lastSuccess, m.items, m.itemErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("agent: register metrics: %w", err)
		}
	}
	for _, s := range sources {
		for _, r := range PollResults {
			m.polls.WithLabelValues(s, r)
		}
		m.duration.WithLabelValues(s)
		m.lastSuccess.WithLabelValues(s)
		m.items.WithLabelValues(s)
		m.itemErrors.WithLabelValues(s)
	}
	return m, nil
}
