package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	oc "github.com/overhear/overhear/collectors"
)

// pollReport is what one poll of one instance did.
type pollReport struct {
	Source, Instance string
	// Result is the agent's result label: ok, not_modified, rate_limited or error.
	Result string
	// Items is how many items the source returned; NewMentions how many of them were stored
	// as new mentions.
	Items, NewMentions int
	Duration           time.Duration
	// Err is the poll's error (result error or rate_limited).
	Err error
}

// polledCollector wraps an instance's collector to time its polls and report each one: serve
// logs a line per poll at info, and once prints a line per source. The agent runs an
// instance's polls one after another, so one poll is in flight per wrapper.
type polledCollector struct {
	oc.Collector
	app              *App
	source, instance string

	mu       sync.Mutex
	start    time.Time
	last     *pollReport
	reported bool // this poll has its line (a not-modified poll is reported before the agent commits it)
}

// wrapPolled wraps c, keeping the optional interfaces that are asserted on an agent instance's
// collector (Stateful by the agent, DeletionChecker by serve).
func wrapPolled(a *App, source, instance string, c oc.Collector) oc.Collector {
	p := &polledCollector{Collector: c, app: a, source: source, instance: instance}
	st, stateful := c.(oc.Stateful)
	dc, deletions := c.(oc.DeletionChecker)
	switch {
	case stateful && deletions:
		return struct {
			*polledCollector
			oc.Stateful
			oc.DeletionChecker
		}{p, st, dc}
	case stateful:
		return struct {
			*polledCollector
			oc.Stateful
		}{p, st}
	case deletions:
		return struct {
			*polledCollector
			oc.DeletionChecker
		}{p, dc}
	}
	return p
}

// countingSink counts the items a poll hands over. With failFast it cancels the poll at the
// first error that says the source cannot be reached: its other requests would fail the same way.
type countingSink struct {
	oc.Sink
	n           int
	failFast    bool
	unreachable error
	cancel      context.CancelFunc
}

func (s *countingSink) Add(m oc.Mention) { s.n++; s.Sink.Add(m) }

// AddInContext implements collectors.ContextSink, so a collector following a brand's thread
// still finds it through the wrapper.
func (s *countingSink) AddInContext(m oc.Mention, brands []string) {
	if cs, ok := s.Sink.(oc.ContextSink); ok {
		s.n++
		cs.AddInContext(m, brands)
		return
	}
	s.Add(m.WithThreadBrands(brands))
}

// Error implements collectors.Sink.
func (s *countingSink) Error(err error) {
	s.Sink.Error(err)
	if s.failFast && s.unreachable == nil && isUnreachable(err) {
		s.unreachable = err
		s.cancel()
	}
}

// isUnreachable reports whether err says the source's host cannot be reached at all (no such
// host, connection refused, no route, dial timeout), as opposed to a bad answer to one request.
func isUnreachable(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// shortCause says in a few words why a poll failed, for once's summary: the network cause
// when the source could not be reached, else the error.
func shortCause(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("unreachable: cannot resolve %s", dns.Name)
		}
		return fmt.Sprintf("unreachable: looking up %s failed: %s", dns.Name, dns.Err)
	case errors.As(err, &op) && op.Op == "dial":
		cause := op.Err.Error()
		var se *os.SyscallError
		if errors.As(op.Err, &se) {
			cause = se.Err.Error()
		}
		if op.Timeout() {
			cause = "timed out"
		}
		return fmt.Sprintf("unreachable: cannot connect to %s: %s", op.Addr, cause)
	}
	return oneLine(err.Error(), 300)
}

// Collect implements collectors.Collector. A successful poll is reported by App.handlePoll,
// once its items are stored; the others here.
func (p *polledCollector) Collect(ctx context.Context, sink oc.Sink) error {
	p.mu.Lock()
	p.start = p.app.now()
	p.reported = false
	p.mu.Unlock()
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cs := &countingSink{Sink: sink, failFast: p.app.failFast.Load(), cancel: cancel}
	err := p.Collector.Collect(pollCtx, cs)
	if cs.unreachable != nil && ctx.Err() == nil {
		err = cs.unreachable
	}
	switch {
	case err == nil:
	case errors.Is(err, oc.ErrNotModified):
		p.report("not_modified", cs.n, 0, nil)
	case ctx.Err() != nil:
		// Shutting down: not a poll worth a line.
	case oc.IsRateLimited(err):
		p.report("rate_limited", cs.n, 0, err)
	default:
		p.report("error", cs.n, 0, err)
	}
	return err
}

func (p *polledCollector) report(result string, items, added int, err error) {
	p.mu.Lock()
	if p.reported {
		// A not-modified poll is reported by Collect; the agent then commits its state.
		p.mu.Unlock()
		return
	}
	p.reported = true
	r := &pollReport{Source: p.source, Instance: p.instance, Result: result, Items: items, NewMentions: added,
		Duration: p.app.now().Sub(p.start), Err: err}
	p.last = r
	p.mu.Unlock()
	if p.app.logPolls.Load() {
		// The error itself is the agent's to log (at warn, once per outage, redacted).
		p.app.logger.Info("poll", "source", r.Source, "instance", r.Instance, "result", r.Result, "items", r.Items,
			"new_mentions", r.NewMentions, "duration_seconds", r.Duration.Round(time.Millisecond).Seconds())
	}
}

// lastPoll returns the report of the instance's last poll, nil before the first.
func (p *polledCollector) lastPoll() *pollReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// polledOf returns the wrapper of an agent instance's collector.
func polledOf(c oc.Collector) (*polledCollector, bool) {
	switch v := c.(type) {
	case *polledCollector:
		return v, true
	case interface{ polled() *polledCollector }:
		return v.polled(), true
	}
	return nil, false
}

func (p *polledCollector) polled() *polledCollector { return p }
