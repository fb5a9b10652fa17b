package discourse

import (
	"context"
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
}

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
func (p *pacer) reserve(now time.Time, spacing time.Duration) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := now
	if p.next.After(slot) {
		slot = p.next
	}
	p.next = slot.Add(spacing)
	return slot.Sub(now)
}

// reserveSearch books a search slot that keeps to perSecond and perMinute and to the request
// spacing, and returns how long to wait for it. ok is false when no slot is free within
// maxSearchWait; nothing is booked then.
func (p *pacer) reserveSearch(now time.Time, spacing time.Duration, perSecond, perMinute int) (wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := now
	for _, t := range []time.Time{p.next, p.blocked} {
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
