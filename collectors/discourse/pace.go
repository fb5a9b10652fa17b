package discourse

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Discourse counts requests per client IP, so every instance of this collector that polls the
// same host (several forums or categories behind one address, or `once` starting them all at
// the same moment) shares one pacer: requests to a host are spaced by at least `spacing`, and
// searches also keep to the forum's search limits (by default 2 a second and 15 a minute for
// anonymous users), counted over a sliding window with a second of margin.

// searchWindow is the span over which search_per_minute is counted: a minute, plus a second of
// margin for requests that arrive later than they left.
const searchWindow = 61 * time.Second

// maxSearchWait is the longest a poll waits for a search slot; a longer wait (the minute's
// searches are spent, or the forum refused searches for a while) ends the poll's searches and
// the remaining terms go first next poll.
const maxSearchWait = 5 * time.Second

// pacer spaces the requests to one host.
type pacer struct {
	mu sync.Mutex
	// next is the earliest time the next request to the host may go.
	next time.Time
	// searches are the times of the searches reserved within searchWindow, oldest first.
	searches []time.Time
	// blocked is set by a refused search: no search before it.
	blocked time.Time
	// held is set by any other refused request (429): no request before it.
	held time.Time
}

// heldError is returned instead of sending a request to a host that asked to be left alone
// for longer than a poll waits.
type heldError struct {
	host  string
	retry time.Duration
}

func (e *heldError) Error() string {
	return fmt.Sprintf("%s refused a request earlier (429): nothing goes before %s from now", e.host, e.retry.Round(time.Second))
}

// RetryAfter is the time left until the host may be asked again.
func (e *heldError) RetryAfter() time.Duration { return e.retry }

// RateLimited reports that the host's limits hold the request back.
func (e *heldError) RateLimited() bool { return true }

var pacers = struct {
	sync.Mutex
	m map[string]*pacer
}{m: map[string]*pacer{}}

// pacerFor returns the pacer shared by every instance polling host.
func pacerFor(host string) *pacer {
	pacers.Lock()
	defer pacers.Unlock()
	p := pacers.m[host]
	if p == nil {
		p = &pacer{}
		pacers.m[host] = p
	}
	return p
}

// reserve books the next request slot at or after now and returns how long to wait for it.
// When the host refused a request and its Retry-After ends more than maxSearchWait from now,
// nothing is booked and the error (a *heldError) says how long is left.
func (p *pacer) reserve(host string, now time.Time, spacing time.Duration) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if left := p.held.Sub(now); left > maxSearchWait {
		return 0, &heldError{host: host, retry: left}
	}
	slot := now
	for _, t := range []time.Time{p.next, p.held} {
		if t.After(slot) {
			slot = t
		}
	}
	p.next = slot.Add(spacing)
	return slot.Sub(now), nil
}

// hold records that the host refused a request: none goes before until.
func (p *pacer) hold(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.held) {
		p.held = until
	}
}

// reserveSearch books a search slot that keeps to perSecond and perMinute and to the request
// spacing, and returns how long to wait for it. ok is false when no slot is free within
// maxSearchWait; nothing is booked then.
func (p *pacer) reserveSearch(now time.Time, spacing time.Duration, perSecond, perMinute int) (wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := now
	for _, t := range []time.Time{p.next, p.blocked, p.held} {
		if t.After(slot) {
			slot = t
		}
	}
	// perSecond searches in any second: each search keeps 1s/perSecond from the one before,
	// plus a tenth of that for margin.
	if n := len(p.searches); n > 0 && perSecond > 0 {
		gap := time.Second / time.Duration(perSecond)
		if t := p.searches[n-1].Add(gap + gap/10); t.After(slot) {
			slot = t
		}
	}
	// perMinute searches in any window: the slot must come a window after the perMinute-th
	// most recent one.
	kept := p.searches[:0]
	for _, t := range p.searches {
		if now.Sub(t) < searchWindow {
			kept = append(kept, t)
		}
	}
	p.searches = kept
	if n := len(p.searches); perMinute > 0 && n >= perMinute {
		if t := p.searches[n-perMinute].Add(searchWindow); t.After(slot) {
			slot = t
		}
	}
	if slot.Sub(now) > maxSearchWait {
		return 0, false
	}
	p.searches = append(p.searches, slot)
	if t := slot.Add(spacing); t.After(p.next) {
		p.next = t
	}
	return slot.Sub(now), true
}

// refuse records that the forum refused a search: none goes before until.
func (p *pacer) refuse(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.blocked) {
		p.blocked = until
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
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
