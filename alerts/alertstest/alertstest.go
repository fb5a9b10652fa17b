// Package alertstest holds fakes for testing alerting: an in-memory outbox, a fake clock and a
// fake Slack incoming-webhook server.
package alertstest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
)

// MemOutbox is an in-memory alerts.Outbox with the same semantics as storage's.
type MemOutbox struct {
	mu      sync.Mutex
	seq     uint64
	entries map[uint64]alerts.Entry
	log     map[string]time.Time
}

var _ alerts.Outbox = (*MemOutbox)(nil)

// NewMemOutbox returns an empty outbox.
func NewMemOutbox() *MemOutbox {
	return &MemOutbox{entries: map[uint64]alerts.Entry{}, log: map[string]time.Time{}}
}

// EnqueueAlerts implements alerts.Outbox.
func (o *MemOutbox) EnqueueAlerts(ctx context.Context, entries []alerts.Entry, log map[string]time.Time) ([]alerts.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]alerts.Entry, len(entries))
	for i, e := range entries {
		o.seq++
		e.Seq = o.seq
		o.entries[e.Seq] = e
		out[i] = e
	}
	for k, v := range log {
		o.log[k] = v
	}
	return out, nil
}

// NotifyLogged implements alerts.Outbox.
func (o *MemOutbox) NotifyLogged(ctx context.Context, keys []string) (map[string]time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]time.Time{}
	for _, k := range keys {
		if v, ok := o.log[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

func (o *MemOutbox) sorted(reverse bool) []alerts.Entry {
	out := make([]alerts.Entry, 0, len(o.entries))
	for _, e := range o.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return (out[i].Seq < out[j].Seq) != reverse })
	return out
}

// PendingAlerts implements alerts.Outbox.
func (o *MemOutbox) PendingAlerts(ctx context.Context) ([]alerts.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []alerts.Entry
	for _, e := range o.sorted(false) {
		if e.State == alerts.StatePending {
			out = append(out, e)
		}
	}
	return out, nil
}

// UpdateAlert implements alerts.Outbox.
func (o *MemOutbox) UpdateAlert(ctx context.Context, e alerts.Entry) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.entries[e.Seq]; !ok {
		return alerts.ErrEntryNotFound
	}
	o.entries[e.Seq] = e
	return nil
}

// RecentAlerts implements alerts.Outbox.
func (o *MemOutbox) RecentAlerts(ctx context.Context, n int, since time.Time) ([]alerts.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []alerts.Entry
	for _, e := range o.sorted(true) {
		if (n > 0 && len(out) >= n) || (!since.IsZero() && e.CreatedAt.Before(since)) {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// PendingAlertCounts implements alerts.Outbox.
func (o *MemOutbox) PendingAlertCounts(ctx context.Context) (map[string]int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]int64{}
	for _, e := range o.entries {
		if e.State == alerts.StatePending {
			out[e.Sink]++
		}
	}
	return out, nil
}

// PruneAlerts implements alerts.Outbox.
func (o *MemOutbox) PruneAlerts(ctx context.Context, before, logBefore time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, e := range o.entries {
		if e.State != alerts.StatePending && e.CreatedAt.Before(before) {
			delete(o.entries, k)
		}
	}
	for k, v := range o.log {
		if v.Before(logBefore) {
			delete(o.log, k)
		}
	}
	return nil
}

// All returns every entry in seq order.
func (o *MemOutbox) All() []alerts.Entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sorted(false)
}

// Clock is a fake clock whose Sleep advances it instantly and records the waits.
type Clock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Sleep advances the clock by d at once, unless ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

// Slept returns the waits Sleep was asked for.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// Response is one scripted answer of FakeSlack.
type Response struct {
	Status     int
	Body       string
	RetryAfter string
	// Hang makes the server wait until the client gives up.
	Hang bool
}

// Responses Slack gives, for tables.
var (
	OK             = Response{Status: 200, Body: "ok"}
	InvalidPayload = Response{Status: 400, Body: "invalid_payload"}
	NoService      = Response{Status: 404, Body: "no_service"}
	Archived       = Response{Status: 410, Body: "channel_is_archived"}
	RateLimited    = Response{Status: 429, Body: "rate_limited", RetryAfter: "1"}
	ServerError    = Response{Status: 500, Body: "rollup_error"}
	Hang           = Response{Hang: true}
)

// Token is the secret part of FakeSlack's webhook URL; tests check it never leaks.
const Token = "T0FAKE/B0FAKE/s3cr3tT0kenXYZ"

// FakeSlack is an incoming-webhook server that records every payload and answers with the
// scripted responses in turn, then with Default.
type FakeSlack struct {
	Server *httptest.Server
	// Default answers once the script is used up (OK unless changed).
	Default Response

	mu       sync.Mutex
	script   []Response
	payloads [][]byte
	paths    []string
	release  chan struct{}
}

// NewFakeSlack starts a fake Slack; it stops when the test ends.
func NewFakeSlack(tb testing.TB) *FakeSlack {
	tb.Helper()
	f := &FakeSlack{Default: OK, release: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(func() {
		close(f.release)
		f.Server.Close()
	})
	return f
}

// URL is the webhook URL, with Token in its path.
func (f *FakeSlack) URL() string { return f.Server.URL + "/services/" + Token }

// Script queues responses.
func (f *FakeSlack) Script(rs ...Response) {
	f.mu.Lock()
	f.script = append(f.script, rs...)
	f.mu.Unlock()
}

// SetDefault changes the answer given once the script is used up.
func (f *FakeSlack) SetDefault(r Response) {
	f.mu.Lock()
	f.Default = r
	f.mu.Unlock()
}

// Payloads returns the bodies received, in order (including those answered with errors).
func (f *FakeSlack) Payloads() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.payloads...)
}

// Requests returns how many requests arrived.
func (f *FakeSlack) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
}

// Headers returns the header texts of the messages received (blocks[0].text.text), in order.
func (f *FakeSlack) Headers() []string {
	var out []string
	for _, p := range f.Payloads() {
		var m struct {
			Blocks []struct {
				Type string `json:"type"`
				Text struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"blocks"`
		}
		if json.Unmarshal(p, &m) == nil && len(m.Blocks) > 0 {
			out = append(out, m.Blocks[0].Text.Text)
		}
	}
	return out
}

func (f *FakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.payloads = append(f.payloads, body)
	f.paths = append(f.paths, r.URL.Path)
	resp := f.Default
	if len(f.script) > 0 {
		resp, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if resp.Hang {
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	if resp.RetryAfter != "" {
		w.Header().Set("Retry-After", resp.RetryAfter)
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}
