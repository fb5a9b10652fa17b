package reddit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
	"github.com/overhear/overhear/collectors/httpfetch"
)

const (
	group      = "/r/ollama+LocalLLaMA"
	testSecret = "s3cr3t-client-XYZ"
	testPass   = "hunter2-password-XYZ"
	testToken  = "tok-access-XYZ"
)

// Times of the recorded listings (see testdata/make_fixtures.py).
var (
	t0Now = time.Unix(1781545612, 0).Add(time.Hour).UTC() // an hour after the newest post at t0
	t1Now = time.Unix(1782490346, 0).Add(time.Hour).UTC()
)

func tokenResponse() collectortest.Response {
	return collectortest.Response{
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"access_token": "` + testToken + `", "token_type": "bearer", "expires_in": 3600, "scope": "*"}`),
	}
}

func file(name string, h ...string) collectortest.Response {
	r := collectortest.Response{File: "testdata/api/" + name}
	if len(h) > 0 {
		r.Header = http.Header{}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
	}
	return r
}

// serveT0 and serveT1 make the server answer as Reddit did at the two recorded moments.
func serveT0(s *collectortest.Server) {
	s.Handle(group+"/new", file("new_t0_p1.json"))
	s.Handle(group+"/new?after=t3_1u0ig1k", file("new_t0_p2.json"))
	s.Handle(group+"/comments", file("comments_t0_p1.json"))
	s.Handle(group+"/comments?after=t1_eff0eat", file("comments_t0_p2.json"))
	s.Handle("/search?q=ollama", file("search_ollama_t0.json"))
}

func serveT1(s *collectortest.Server) {
	s.Handle(group+"/new", file("new_t1_p1.json"))
	s.Handle(group+"/new?after=t3_1u77okq", file("new_t1_p2.json"))
	s.Handle(group+"/new?after=t3_1u10ol5", file("new_t1_p3.json"))
	s.Handle(group+"/comments", file("comments_t1_p1.json"))
	s.Handle(group+"/comments?after=t1_effpi9s", file("comments_t1_p2.json"))
	s.Handle("/search?q=ollama", file("search_ollama_t1.json"))
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newAPICollector returns an initialised OAuth collector pointed at srv.
func newAPICollector(t *testing.T, srv *collectortest.Server, clk *clock, mutate ...func(*Collector)) *Collector {
	t.Helper()
	srv.Handle("/api/v1/access_token", tokenResponse())
	c := New()
	c.Subreddits = []string{"ollama", "r/LocalLLaMA"}
	c.ClientID, c.ClientSecret = "client-id", testSecret
	c.UserAgent = "test:overhear:v0 (by /u/overhear_test)"
	c.BaseURL, c.FeedURL, c.TokenURL = srv.URL, srv.URL, srv.URL+"/api/v1/access_token"
	c.Backfill = collectors.Duration(3650 * 24 * time.Hour)
	c.Timeout = collectors.Duration(2 * time.Second)
	for _, m := range mutate {
		m(c)
	}
	sleep := &collectortest.InstantSleep{}
	c.SetFetcher(&httpfetch.Fetcher{Sleep: sleep.Sleep, Jitter: func() float64 { return 0 }})
	c.now = clk.now
	c.SetWatch(collectors.Watch{Terms: []string{"ollama"}})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	return c
}

// listingIDs reads the fullnames of recorded listing files.
func listingIDs(t *testing.T, files ...string) []string {
	t.Helper()
	var ids []string
	for _, f := range files {
		var l listing
		if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/api/"+f), &l); err != nil {
			t.Fatal(err)
		}
		for _, ch := range l.Data.Children {
			var ex extras
			if err := json.Unmarshal(ch.Data, &ex); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ex.Name)
		}
	}
	return ids
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func checkNoDuplicates(t *testing.T, ids []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("mention %s handed over twice", id)
		}
		seen[id] = true
	}
}

func checkSameIDs(t *testing.T, got, want []string) {
	t.Helper()
	checkNoDuplicates(t, got)
	g, w := sorted(got), sorted(want)
	if !slices.Equal(g, w) {
		missing, extra := diff(w, g), diff(g, w)
		t.Errorf("got %d ids, want %d; missing %d %v; unexpected %d %v", len(g), len(w), len(missing), head(missing), len(extra), head(extra))
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// allT0 and allT1 are every item the listings hold at the two moments.
func allT0(t *testing.T) []string {
	return listingIDs(t, "new_t0_p1.json", "new_t0_p2.json", "comments_t0_p1.json", "comments_t0_p2.json", "search_ollama_t0.json")
}

func allT1(t *testing.T) []string {
	return listingIDs(t, "new_t1_p1.json", "new_t1_p2.json", "new_t1_p3.json", "comments_t1_p1.json", "comments_t1_p2.json", "search_ollama_t1.json")
}

func TestColdStartPaginationAndResumeAfterRestart(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveT0(srv)
	clk := &clock{t0Now}
	c := newAPICollector(t, srv, clk)
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if errs := sink.Errors(); len(errs) > 0 {
		t.Fatalf("item errors: %v", errs)
	}
	first := sink.IDs()
	checkSameIDs(t, first, allT0(t))
	for _, r := range srv.Requests() {
		if r.URL == "/api/v1/access_token" {
			continue
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s: Authorization = %q", r.URL, got)
		}
		if got := r.Header.Get("User-Agent"); got != c.UserAgent {
			t.Errorf("%s: User-Agent = %q", r.URL, got)
		}
		if r.Query.Get("limit") != "100" || r.Query.Get("raw_json") != "1" {
			t.Errorf("%s: want limit=100 and raw_json=1", r.URL)
		}
	}
	if n := srv.Count("/api/v1/access_token"); n != 1 {
		t.Errorf("token fetched %d times, want 1", n)
	}
	// Thread and parent ids.
	for _, m := range sink.Mentions() {
		switch {
		case strings.HasPrefix(m.ID, "t3_") && (m.ThreadID != m.ID || m.ParentID != ""):
			t.Errorf("post %s: thread %q parent %q", m.ID, m.ThreadID, m.ParentID)
		case strings.HasPrefix(m.ID, "t1_") && (!strings.HasPrefix(m.ThreadID, "t3_") || m.ParentID == ""):
			t.Errorf("comment %s: thread %q parent %q", m.ID, m.ThreadID, m.ParentID)
		case m.Community == "" || m.URL == "" || m.CreatedAt.IsZero():
			t.Errorf("mention %s lacks community, url or time: %+v", m.ID, m)
		}
	}

	// Restart: a new collector restores the state and reads the later listings.
	state, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	serveT1(srv)
	srv.ResetRequests()
	clk.t = t1Now
	c2 := newAPICollector(t, srv, clk)
	if err := c2.SetState(state); err != nil {
		t.Fatal(err)
	}
	sink2 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	second := sink2.IDs()
	checkSameIDs(t, second, diff(allT1(t), first))
	if n := len(second); n != 110+30+5 {
		t.Errorf("second poll handed over %d items, want 145 (110 posts, 30 comments, 5 search hits)", n)
	}
	if srv.Count(group+"/new") != 2 {
		t.Errorf("want exactly 2 pages of new posts read (the second reaches the cursor), got %d", srv.Count(group+"/new"))
	}
	// A third poll of the same listings finds nothing new.
	sink3 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink3); err != nil {
		t.Fatal(err)
	}
	if ids := sink3.IDs(); len(ids) != 0 {
		t.Errorf("third poll handed over %d items again: %v", len(ids), head(ids))
	}
}

func TestBackfillBoundsTheColdStart(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveT0(srv)
	// Posts of the last 5 days only: page 1 of new posts reaches the bound.
	clk := &clock{t0Now}
	c := newAPICollector(t, srv, clk, func(c *Collector) {
		c.Backfill = collectors.Duration(5 * 24 * time.Hour)
		c.Search = false
	})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	cutoff := t0Now.Add(-5 * 24 * time.Hour)
	n := 0
	for _, m := range sink.Mentions() {
		if m.CreatedAt.Before(cutoff) {
			t.Errorf("%s from %s is older than the backfill bound", m.ID, m.CreatedAt)
		}
		if strings.HasPrefix(m.ID, "t3_") {
			n++
		}
	}
	if n == 0 || n >= 100 {
		t.Errorf("got %d posts, want some but fewer than one page", n)
	}
	if srv.Count(group+"/new") != 1 {
		t.Errorf("read %d pages of new posts, want 1", srv.Count(group+"/new"))
	}
	if srv.Count(group+"/comments") != 0 {
		// Comments of 2019 are all older than the bound: one page shows that.
		t.Logf("comment pages: %d", srv.Count(group+"/comments"))
	}
}

func TestFailuresLoseAndDuplicateNothing(t *testing.T) {
	half := collectortest.ReadFile(t, "testdata/api/new_t0_p1.json")
	half = half[:len(half)/2]
	tests := []struct {
		name string
		// fail makes the server misbehave; it may also change the collector.
		fail      func(s *collectortest.Server)
		mutate    func(c *Collector)
		wantErr   string // in the poll's error or an item error
		pollFails bool   // Collect returns an error (no stream succeeded)
		rateLimit time.Duration
	}{
		{
			name: "429 with Retry-After",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"120"}}})
			},
			wantErr: "HTTP 429", pollFails: true, rateLimit: 2 * time.Minute,
		},
		{
			name: "5xx on every try",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Status: 503})
			},
			wantErr: "HTTP 503",
		},
		{
			name: "5xx on page 2",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new?after=t3_1u0ig1k", collectortest.Response{Status: 500})
			},
			wantErr: "HTTP 500",
		},
		{
			name: "timeout",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Delay: 5 * time.Second})
			},
			mutate:  func(c *Collector) { c.Timeout = collectors.Duration(50 * time.Millisecond) },
			wantErr: "timeout",
		},
		{
			name: "truncated JSON",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Body: half})
			},
			wantErr: "invalid JSON",
		},
		{
			name: "HTML instead of JSON",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Body: []byte("<!doctype html><title>Reddit is down</title>"), Header: http.Header{"Content-Type": {"text/html"}}})
			},
			wantErr: "invalid JSON",
		},
		{
			name: "oversize body",
			fail: func(s *collectortest.Server) {
				s.Handle(group+"/new", collectortest.Response{Body: bytes.Repeat([]byte(" "), 2<<20)})
			},
			mutate:  func(c *Collector) { c.MaxBytes = 1 << 20 },
			wantErr: "too large",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectortest.NewServer(t)
			serveT0(srv)
			tt.fail(srv)
			clk := &clock{t0Now}
			var logs bytes.Buffer
			c := newAPICollector(t, srv, clk, func(c *Collector) {
				if tt.mutate != nil {
					tt.mutate(c)
				}
			})
			c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
			sink := &collectortest.Sink{}
			err := c.Collect(context.Background(), sink)
			var msgs []string
			if err != nil {
				msgs = append(msgs, err.Error())
			}
			for _, e := range sink.Errors() {
				msgs = append(msgs, e.Error())
			}
			if tt.pollFails != (err != nil) {
				t.Fatalf("Collect error = %v, want failure %v", err, tt.pollFails)
			}
			all := strings.ToLower(strings.Join(msgs, "\n"))
			if tt.wantErr == "timeout" {
				// The client's timeout or the request context's deadline, whichever fires first.
				all = strings.ReplaceAll(all, "deadline exceeded", "timeout")
			}
			if !strings.Contains(all, strings.ToLower(tt.wantErr)) {
				t.Errorf("errors %q do not mention %q", msgs, tt.wantErr)
			}
			if tt.rateLimit > 0 {
				if !collectors.IsRateLimited(err) {
					t.Errorf("error %v is not a rate limit", err)
				}
				if d, ok := collectors.RetryAfter(err); !ok || d != tt.rateLimit {
					t.Errorf("RetryAfter = %v, %v; want %v", d, ok, tt.rateLimit)
				}
			}
			if !tt.pollFails && !strings.Contains(logs.String(), "stream failed") {
				t.Errorf("no warning logged:\n%s", logs.String())
			}
			page1 := listingIDs(t, "new_t0_p1.json")
			for _, id := range sink.IDs() {
				if slices.Contains(page1, id) {
					t.Fatalf("post %s handed over although its stream failed", id)
				}
			}
			// The agent stores nothing of a failed poll: only a successful poll's items count.
			var got []string
			if err == nil {
				got = sink.IDs()
			}
			// Recovery: the source answers again; everything arrives, once.
			serveT0(srv)
			clk.t = clk.t.Add(10 * time.Minute)
			c.budget.blockedUntil = time.Time{}
			if tt.mutate != nil {
				// Back to generous limits, so a loaded test machine cannot fail the recovery.
				c.Timeout, c.MaxBytes = collectors.Duration(5*time.Second), httpfetch.DefaultMaxBytes
				if err := c.build(); err != nil {
					t.Fatal(err)
				}
			}
			sink2 := &collectortest.Sink{}
			if err := c.Collect(context.Background(), sink2); err != nil {
				t.Fatalf("recovery poll: %v", err)
			}
			checkSameIDs(t, append(got, sink2.IDs()...), allT0(t))
		})
	}
}

func TestRateLimitHeadersSpreadTheBudget(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveT0(srv)
	// Reddit says one request is left in this window, which resets in 300 seconds.
	srv.Handle(group+"/new", file("new_t0_p1.json", "X-Ratelimit-Remaining", "1.0", "X-Ratelimit-Used", "999", "X-Ratelimit-Reset", "300"))
	clk := &clock{t0Now}
	c := newAPICollector(t, srv, clk)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Metrics())
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("a poll that read something must succeed: %v", err)
	}
	if srv.Count(group+"/comments") != 0 || srv.Count("/search") != 0 {
		t.Error("requests sent beyond the budget")
	}
	const want = `
# HELP overhear_collector_ratelimit_remaining Requests the collector may still send in the source's current rate-limit window.
# TYPE overhear_collector_ratelimit_remaining gauge
overhear_collector_ratelimit_remaining{source="reddit"} 0
`
	// The second page was sent with the last request of the window.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "overhear_collector_ratelimit_remaining"); err != nil {
		t.Error(err)
	}
	// The next poll starts with the streams that were skipped and is refused until the reset.
	clk.t = clk.t.Add(time.Minute)
	err := c.Collect(context.Background(), &collectortest.Sink{})
	if !collectors.IsRateLimited(err) {
		t.Fatalf("want a rate-limit error, got %v", err)
	}
	if d, _ := collectors.RetryAfter(err); d != 4*time.Minute {
		t.Errorf("RetryAfter = %v, want 4m (until the reset)", d)
	}
	// After the reset the skipped streams are read first.
	clk.t = clk.t.Add(5 * time.Minute)
	srv.Handle(group+"/new", file("new_t0_p1.json"))
	srv.ResetRequests()
	sink2 := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	if reqs := srv.Requests(); len(reqs) == 0 || !strings.HasPrefix(reqs[0].URL, group+"/comments") {
		t.Errorf("first request after the reset = %v, want the comments stream", reqs)
	}
	checkSameIDs(t, append(sink.IDs(), sink2.IDs()...), allT0(t))
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	if n := testutil.CollectAndCount(c.Metrics()); n != 3 {
		t.Errorf("%d metrics, want 3", n)
	}
}

func TestOwnBudgetCapsRequests(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveT0(srv)
	clk := &clock{t0Now}
	c := newAPICollector(t, srv, clk, func(c *Collector) { c.Budget = 10 })
	for range 3 {
		_ = c.Collect(context.Background(), &collectortest.Sink{})
		clk.t = clk.t.Add(time.Minute)
	}
	if n := len(srv.Requests()) - srv.Count("/api/v1/access_token"); n > 10 {
		t.Errorf("%d API requests within 10 minutes, budget 10", n)
	}
}

func TestCheckDeleted(t *testing.T) {
	srv := collectortest.NewServer(t)
	ids := strings.TrimSpace(string(collectortest.ReadFile(t, "testdata/api/info_ids.txt")))
	srv.Handle("/api/info?id="+ids, file("info.json"))
	c := newAPICollector(t, srv, &clock{t0Now})
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Metrics())
	gone, err := c.CheckDeleted(context.Background(), append(strings.Split(ids, ","), "not-a-fullname"))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Split(ids, ",")
	// Intact: the first post. Deleted, removed, deleted, missing: the rest.
	if want := all[1:]; !slices.Equal(sorted(gone), sorted(want)) {
		t.Errorf("gone = %v, want %v", gone, want)
	}
	const want = `
# HELP overhear_collector_deleted_items_total Stored items the source reported deleted or removed, handed over for purging.
# TYPE overhear_collector_deleted_items_total counter
overhear_collector_deleted_items_total{source="reddit"} 4
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "overhear_collector_deleted_items_total"); err != nil {
		t.Error(err)
	}
	var _ collectors.DeletionChecker = c
	if c.RecheckInterval() != 6*time.Hour || c.RecheckWindow() != 30*24*time.Hour {
		t.Errorf("recheck defaults: %v %v", c.RecheckInterval(), c.RecheckWindow())
	}
}

func TestRecordedListings(t *testing.T) {
	// go-reddit's recorded payloads, decoded as the collector decodes a listing.
	for _, name := range []string{"subreddit-posts", "search-posts", "user-comments", "info-mixed"} {
		t.Run(name, func(t *testing.T) {
			var l listing
			if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/recorded/"+name+".json"), &l); err != nil {
				t.Fatal(err)
			}
			c := New()
			var ms []collectors.Mention
			for _, ch := range l.Data.Children {
				m, _, _, err := c.convert(ch)
				if err != nil {
					t.Fatal(err)
				}
				if m != nil {
					if err := m.Validate(); err != nil {
						t.Error(err)
					}
					ms = append(ms, *m)
				}
			}
			collectortest.Golden(t, "testdata/recorded/"+name+".golden", collectortest.JSONLines(t, ms))
		})
	}
}

func TestRSSFallback(t *testing.T) {
	srv := collectortest.NewServer(t)
	snap := func(name string) collectortest.Response {
		return collectortest.Response{File: "testdata/rss/" + name, Header: http.Header{"ETag": {`"` + name + `"`}}}
	}
	srv.Handle("/r/ollama/new/.rss",
		snap("ollama-20250830T034110Z.xml"),
		collectortest.Response{Status: http.StatusNotModified},
		snap("ollama-20250830T112045Z.xml"),
		snap("ollama-20250830T114851Z.xml"),
		collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"600"}}},
		snap("ollama-20250830T114851Z.xml"))
	srv.Handle("/r/ollama/comments/.rss", snap("LocalLLaMA-empty.xml"))
	clk := &clock{time.Date(2025, 8, 30, 12, 0, 0, 0, time.UTC)}
	c := New()
	c.Subreddits = []string{"ollama"}
	c.Search = false
	c.FeedURL = srv.URL
	c.Every = collectors.Duration(time.Minute)
	c.FeedSpacing = collectors.Duration(10 * time.Second)
	c.Backfill = collectors.Duration(7 * 24 * time.Hour)
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep, MaxRetries: 1})
	c.now = clk.now
	var logs bytes.Buffer
	c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	if c.OAuth() || c.Interval() != 10*time.Second || c.RecheckInterval() != 0 {
		t.Fatalf("fallback: OAuth %v, Interval %v, RecheckInterval %v", c.OAuth(), c.Interval(), c.RecheckInterval())
	}
	sink := &collectortest.Sink{}
	poll := func(wantErr error) {
		t.Helper()
		err := c.Collect(context.Background(), sink)
		if !errors.Is(err, wantErr) && !(wantErr == errAny && err != nil) {
			t.Fatalf("Collect = %v, want %v", err, wantErr)
		}
		clk.t = clk.t.Add(10 * time.Second)
	}
	poll(nil) // new posts: cold start, 25 entries
	if !strings.Contains(logs.String(), "RSS feeds") {
		t.Errorf("the fallback is not announced in the log:\n%s", logs.String())
	}
	poll(nil)                       // comments: empty feed
	poll(collectors.ErrNotModified) // nothing due yet
	clk.t = clk.t.Add(time.Minute)
	poll(collectors.ErrNotModified) // new posts: 304
	if r := srv.Requests(); r[len(r)-1].Header.Get("If-None-Match") != `"ollama-20250830T034110Z.xml"` {
		t.Errorf("conditional GET not sent: %v", r[len(r)-1].Header)
	}
	poll(nil) // comments again
	clk.t = clk.t.Add(time.Minute)
	poll(nil) // one new entry
	clk.t = clk.t.Add(time.Minute)
	poll(nil) // comments
	poll(nil) // one more
	clk.t = clk.t.Add(time.Minute)
	poll(nil)    // comments
	poll(errAny) // 429: every feed waits for Retry-After, without a request
	n := len(srv.Requests())
	clk.t = clk.t.Add(time.Minute)
	poll(errAny)
	if len(srv.Requests()) != n {
		t.Error("a feed was requested before the 429's Retry-After")
	}
	clk.t = clk.t.Add(10 * time.Minute)
	poll(nil) // comments
	poll(nil) // the same snapshot again: nothing new
	ids := sink.IDs()
	if len(ids) != 27 {
		t.Errorf("got %d mentions, want 25 + 2", len(ids))
	}
	checkNoDuplicates(t, ids)
	if !slices.Contains(ids, "t3_1n3yxzu") || !slices.Contains(ids, "t3_1n3zi12") {
		t.Errorf("new entries missing: %v", ids[25:])
	}
	blocks := 0
	for _, m := range sink.Mentions() {
		if m.Community != "ollama" || m.ThreadID != m.ID || strings.HasPrefix(m.Author, "/u/") || m.Author == "" || strings.Contains(m.Text, "submitted by") {
			t.Errorf("feed mention not cleaned up: %+v", m)
			break
		}
		// The post HTML keeps its blocks (fenced code, headings, list items): the text is the
		// one feedreader's tests pin for these posts.
		if golden, ok := map[string]string{"t3_1n1mg7v": "reddit-code", "t3_1n2c5mw": "reddit-headings"}[m.ID]; ok {
			want := strings.TrimSuffix(string(collectortest.ReadFile(t, "../feedreader/testdata/blocks/"+golden+".golden")), "\n")
			if m.Text != want {
				t.Errorf("%s: stored text\n%s\nwant\n%s", m.ID, m.Text, want)
			}
			blocks++
		}
	}
	if blocks != 2 {
		t.Errorf("%d of the 2 posts with code and headings collected", blocks)
	}
	// State survives a restart: the same feed read again yields nothing.
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	c2 := New()
	c2.Subreddits, c2.Search, c2.FeedURL = []string{"ollama"}, false, srv.URL
	c2.now = clk.now
	if err := c2.Init(); err != nil {
		t.Fatal(err)
	}
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	sink2 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	if len(sink2.IDs()) != 0 {
		t.Errorf("after restart: %v", sink2.IDs())
	}
}

var errAny = errors.New("any error")

func TestLeaksNoSecret(t *testing.T) {
	dir := t.TempDir()
	secretFile := dir + "/secret"
	if err := os.WriteFile(secretFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(s *collectortest.Server)
	}{
		{"token refused", func(s *collectortest.Server) {
			s.Handle("/api/v1/access_token", collectortest.Response{Status: 401, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"error": "invalid_client"}`)})
		}},
		{"API refuses the token", func(s *collectortest.Server) {
			s.Handle("/api/v1/access_token", tokenResponse())
			s.Handle(group+"/new", collectortest.Response{Status: 401, Body: []byte(`{"message": "Unauthorized", "error": 401}`)})
			s.Handle(group+"/comments", collectortest.Response{Status: 500})
			s.Handle("/search", collectortest.Response{Status: 403})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := collectortest.NewServer(t)
			var logs bytes.Buffer
			c := New()
			c.Subreddits = []string{"ollama", "LocalLLaMA"}
			c.ClientID, c.ClientSecretFile = "client-id", secretFile
			c.Username, c.Password = "overhear_test", testPass
			c.BaseURL, c.TokenURL = srv.URL, srv.URL+"/api/v1/access_token"
			c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep})
			c.SetLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			c.SetWatch(collectors.Watch{Terms: []string{"ollama"}})
			if err := c.Init(); err != nil {
				t.Fatal(err)
			}
			tc.setup(srv)
			sink := &collectortest.Sink{}
			err := c.Collect(context.Background(), sink)
			if err == nil {
				t.Fatal("want an error")
			}
			st, _ := c.State()
			dump, _ := json.Marshal(c)
			var all strings.Builder
			fmt.Fprintf(&all, "%v\n%+v\n%#v\n%s\n%s\n%s\n", err, c, c, st, dump, logs.String())
			for _, e := range sink.Errors() {
				fmt.Fprintln(&all, e)
			}
			_, derr := c.CheckDeleted(context.Background(), []string{"t3_abc"})
			fmt.Fprintln(&all, derr)
			for _, secret := range []string{testSecret, testPass, testToken} {
				if strings.Contains(all.String(), secret) {
					t.Errorf("%q leaked:\n%s", secret, all.String())
				}
			}
			if tc.name == "token refused" && !strings.Contains(err.Error(), "check client_id") {
				t.Errorf("error does not say what to check: %v", err)
			}
			if tc.name == "API refuses the token" && srv.Count("/api/v1/access_token") < 2 {
				t.Errorf("a 401 should fetch a fresh token once")
			}
		})
	}
}

func TestInitErrorsNameTheKey(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *Collector)
		key    string
	}{
		"bad subreddit":       {func(c *Collector) { c.Subreddits = []string{"no spaces"} }, "subreddits"},
		"secret without id":   {func(c *Collector) { c.ClientSecret = "x" }, "client_id"},
		"id without secret":   {func(c *Collector) { c.ClientID = "x" }, "client_secret"},
		"secret twice":        {func(c *Collector) { c.ClientID, c.ClientSecret, c.ClientSecretFile = "x", "y", "/tmp/z" }, "client_secret"},
		"user without pass":   {func(c *Collector) { c.ClientID, c.ClientSecret, c.Username = "x", "y", "u" }, "username"},
		"fast polling":        {func(c *Collector) { c.Every = collectors.Duration(time.Second) }, "every"},
		"budget above reddit": {func(c *Collector) { c.Budget = 5000 }, "budget"},
		"bad base url":        {func(c *Collector) { c.BaseURL = "ftp://x" }, "base_url"},
		"pages":               {func(c *Collector) { c.MaxPages = 11 }, "max_pages"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := New()
			c.Subreddits = []string{"ollama"}
			tt.mutate(c)
			err := c.Init()
			if err == nil || !strings.HasPrefix(err.Error(), tt.key+" ") && !strings.HasPrefix(err.Error(), tt.key+":") {
				t.Errorf("Init() = %v, want an error starting with %q", err, tt.key)
			}
		})
	}
	c := New()
	if err := c.Init(); err != nil {
		t.Errorf("defaults (search only, RSS fallback) should be valid: %v", err)
	}
	if !strings.Contains(c.SampleConfig(), "client_secret") {
		t.Error("sample config lacks client_secret")
	}
}

func TestCursor(t *testing.T) {
	var c cursor
	if c.started() || !c.isNew("t3_a") {
		t.Fatal("empty cursor")
	}
	c.add("t3_1b", "t3_z", "t3_10")
	if got := c.Seen; !slices.Equal(got, []string{"t3_z", "t3_10", "t3_1b"}) {
		t.Errorf("Seen = %v, want numeric order", got)
	}
	if c.isNew("t3_10") || !c.isNew("t3_11") || !c.isNew("t3_y") || c.mark() != "t3_1b" {
		t.Error("isNew/mark")
	}
	if !c.covered("t3_y") || c.covered("t3_1c") {
		t.Error("covered")
	}
	for i := range seenLimit + 5 {
		c.add(fmt.Sprintf("t3_%x", 0x1000+i))
	}
	if len(c.Seen) != seenLimit || c.Floor == "" || c.isNew("t3_z") {
		t.Errorf("bounded: %d seen, floor %q", len(c.Seen), c.Floor)
	}
	if idPart("t3_ABC") != "" || idPart("nope") != "" || cmpID("009", "a") >= 0 {
		t.Error("idPart/cmpID")
	}
}

// newFeedCollector returns an initialised RSS-fallback collector pointed at srv.
func newFeedCollector(t *testing.T, srv *collectortest.Server, clk *clock, terms ...string) *Collector {
	t.Helper()
	c := New()
	c.Subreddits = []string{"ollama"}
	c.Search = len(terms) > 0
	c.FeedURL = srv.URL
	c.Backfill = collectors.Duration(7 * 24 * time.Hour)
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep, MaxRetries: 1})
	c.now = clk.now
	c.SetWatch(collectors.Watch{Terms: terms})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 14: a feed answering 403, 404 or HTML stayed "most overdue" forever, every other feed
// stopped and the failing request repeated every minute.
func TestRSSFailingFeedsBackOffAlone(t *testing.T) {
	srv := collectortest.NewServer(t)
	srv.Handle("/r/ollama/new/.rss", collectortest.Response{File: "testdata/rss/ollama-20250830T034110Z.xml", Header: http.Header{"ETag": {`"a"`}}})
	srv.Handle("/r/ollama/comments/.rss", collectortest.Response{Status: http.StatusForbidden, Body: []byte(`<html><body>blocked</body></html>`)})
	srv.Handle("/search.rss?q=ollama", collectortest.Response{Status: http.StatusNotFound})
	srv.Handle("/search.rss?q=llama.cpp", collectortest.Response{Header: http.Header{"Content-Type": {"text/html"}},
		Body: []byte("<!doctype html><html><head><title>reddit.com: over capacity</title></head><body>Our CDN was unable to reach our servers</body></html>")})
	clk := &clock{time.Date(2025, 8, 30, 4, 0, 0, 0, time.UTC)}
	c := newFeedCollector(t, srv, clk, "ollama", "llama.cpp")
	sink := &collectortest.Sink{}
	// Two hours of the scheduler calling every feed_spacing (1m); 4 feeds, so a cycle is 4m.
	times := map[string][]time.Time{}
	for range 120 {
		n := len(srv.Requests())
		err := c.Collect(context.Background(), sink)
		if err != nil && !errors.Is(err, collectors.ErrNotModified) {
			t.Fatalf("at %s: poll failed although a feed is healthy: %v", clk.t.Format("15:04"), err)
		}
		for _, r := range srv.Requests()[n:] {
			times[r.URL] = append(times[r.URL], clk.t)
		}
		clk.t = clk.t.Add(time.Minute)
	}
	if got := len(times["/r/ollama/new/.rss"]); got < 28 {
		t.Errorf("the healthy feed was read %d times in 2h, want about 30 (every 4m)", got)
	}
	for _, u := range []string{"/r/ollama/comments/.rss", "/search.rss?q=ollama&sort=new", "/search.rss?q=llama.cpp&sort=new"} {
		ts := times[u]
		if len(ts) < 2 || len(ts) > 5 {
			t.Errorf("%s: %d requests in 2h, want a few, backing off", u, len(ts))
			continue
		}
		for i := 2; i < len(ts); i++ {
			if gap, prev := ts[i].Sub(ts[i-1]), ts[i-1].Sub(ts[i-2]); gap < 2*prev-time.Minute {
				t.Errorf("%s: gaps %s then %s, want doubling", u, prev, gap)
			}
		}
	}
	var msgs []string
	for _, e := range sink.Errors() {
		msgs = append(msgs, e.Error())
	}
	for _, want := range []string{"HTTP 403", "HTTP 404", "comments:ollama", "search:llama.cpp"} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("item errors do not report %q: %q", want, msgs)
		}
	}
	if len(sink.IDs()) != 25 {
		t.Errorf("%d mentions from the healthy feed, want 25", len(sink.IDs()))
	}

	// The backoff is in the state: after a restart the failing feeds are not asked at once.
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	c2 := newFeedCollector(t, srv, clk, "ollama", "llama.cpp")
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	retryAt := map[string]time.Time{}
	for _, s := range c.streams() {
		if fs := c.state.Streams[s.key]; fs.Failures > 0 {
			retryAt[c.feedURL(s)[len(srv.URL):]] = fs.RetryAt
		}
	}
	if len(retryAt) != 3 {
		t.Fatalf("%d feeds backing off in the state, want 3", len(retryAt))
	}
	for range 60 {
		n := len(srv.Requests())
		_ = c2.Collect(context.Background(), &collectortest.Sink{})
		for _, r := range srv.Requests()[n:] {
			if at, ok := retryAt[r.URL]; ok && clk.t.Before(at) {
				t.Errorf("after a restart, backing-off feed %s asked at %s, before %s", r.URL, clk.t.Format("15:04"), at.Format("15:04"))
			}
		}
		clk.t = clk.t.Add(time.Minute)
	}

	// A feed that works again is read on the normal schedule.
	srv.Handle("/r/ollama/comments/.rss", collectortest.Response{File: "testdata/rss/LocalLLaMA-empty.xml"})
	clk.t = clk.t.Add(maxFeedBackoff)
	srv.ResetRequests()
	for range 12 {
		_ = c2.Collect(context.Background(), &collectortest.Sink{})
		clk.t = clk.t.Add(time.Minute)
	}
	if n := srv.Count("/r/ollama/comments/.rss"); n != 3 {
		t.Errorf("recovered feed read %d times in 12m, want 3 (every 4m)", n)
	}

	// When every feed fails, the poll fails.
	srv.Handle("/r/ollama/new/.rss", collectortest.Response{Status: http.StatusForbidden})
	srv.Handle("/r/ollama/comments/.rss", collectortest.Response{Status: http.StatusForbidden})
	var last error
	for range 24 * 60 {
		if err := c2.Collect(context.Background(), &collectortest.Sink{}); err != nil && !errors.Is(err, collectors.ErrNotModified) {
			last = err
		}
		clk.t = clk.t.Add(time.Minute)
	}
	if last == nil || !strings.Contains(last.Error(), "HTTP 403") {
		t.Errorf("every feed failing: last poll error %v, want the 403", last)
	}
}

// apiRequests counts the requests that were not for a token.
func apiRequests(srv *collectortest.Server) int {
	return len(srv.Requests()) - srv.Count("/api/v1/access_token")
}

// Issue 14: after a Reddit 429 the API path sent three more requests within 4 s, ignoring the
// reset header. Nothing may be sent before the reset, from any goroutine.
func TestNothingSentBefore429Reset(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"reset header only", []string{"X-Ratelimit-Remaining", "0", "X-Ratelimit-Used", "1000", "X-Ratelimit-Reset", "240"}, 4 * time.Minute},
		{"short Retry-After, later reset", []string{"Retry-After", "2", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "240"}, 4 * time.Minute},
		{"Retry-After beyond the reset", []string{"Retry-After", "300", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "10"}, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectortest.NewServer(t)
			serveT0(srv)
			h := http.Header{}
			for i := 0; i+1 < len(tt.header); i += 2 {
				h.Set(tt.header[i], tt.header[i+1])
			}
			srv.Handle(group+"/new", collectortest.Response{Status: http.StatusTooManyRequests, Header: h, Body: []byte(`{"message": "Too Many Requests", "error": 429}`)})
			ids := strings.TrimSpace(string(collectortest.ReadFile(t, "testdata/api/info_ids.txt")))
			srv.Handle("/api/info?id="+ids, file("info.json"))
			clk := &clock{t0Now}
			c := newAPICollector(t, srv, clk)
			err := c.Collect(context.Background(), &collectortest.Sink{})
			if !collectors.IsRateLimited(err) {
				t.Fatalf("Collect = %v, want a rate-limit error", err)
			}
			if d, _ := collectors.RetryAfter(err); d != tt.want {
				t.Errorf("RetryAfter = %v, want %v", d, tt.want)
			}
			if n := apiRequests(srv); n != 1 {
				t.Errorf("%d API requests, want only the one refused", n)
			}
			// Polls and deletion checks in other goroutines send nothing before the reset.
			clk.t = clk.t.Add(tt.want - time.Second)
			srv.ResetRequests()
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i%2 == 0 {
						errs[i] = c.Collect(context.Background(), &collectortest.Sink{})
					} else {
						_, errs[i] = c.CheckDeleted(context.Background(), strings.Split(ids, ","))
					}
				}()
			}
			wg.Wait()
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent before the reset: %v", n, srv.Requests())
			}
			for _, err := range errs {
				if !collectors.IsRateLimited(err) {
					t.Errorf("before the reset: %v, want a rate-limit error", err)
				}
			}
			// After the reset the poll goes on, starting with the stream that was refused.
			clk.t = clk.t.Add(time.Second)
			serveT0(srv)
			sink := &collectortest.Sink{}
			if err := c.Collect(context.Background(), sink); err != nil {
				t.Fatal(err)
			}
			checkSameIDs(t, sink.IDs(), allT0(t))
		})
	}
}

// Issue 14: the User-Agent had no "(by /u/…)" contact for app-only use and said version "dev".
func TestUserAgentNamesVersionAndContact(t *testing.T) {
	defer func(v string) { httpfetch.Version = v }(httpfetch.Version)
	httpfetch.Version = "1.4.2"
	tests := []struct {
		name              string
		contact, username string
		version           string
		want              string
	}{
		{"app-only with contact", "acme_social", "", "1.4.2", "server:github.com/overhear/overhear:v1.4.2 (by /u/acme_social)"},
		{"contact written as /u/", "/u/acme_social", "", "1.4.2", "server:github.com/overhear/overhear:v1.4.2 (by /u/acme_social)"},
		{"script app's username", "", "acme_bot", "1.4.2", "server:github.com/overhear/overhear:v1.4.2 (by /u/acme_bot)"},
		{"contact wins over username", "acme_social", "acme_bot", "1.4.2", "server:github.com/overhear/overhear:v1.4.2 (by /u/acme_social)"},
		{"pseudo-version", "acme_social", "", "v0.0.0-20261201120000-abcdef123456+dirty", "server:github.com/overhear/overhear:v0.0.0-20261201120000-abcdef123456+dirty (by /u/acme_social)"},
		{"no contact", "", "", "1.4.2", "server:github.com/overhear/overhear:v1.4.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			httpfetch.Version = tt.version
			srv := collectortest.NewServer(t)
			serveT0(srv)
			var logs bytes.Buffer
			c := newAPICollector(t, srv, &clock{t0Now}, func(c *Collector) {
				c.UserAgent, c.Contact = "", tt.contact
				if tt.username != "" {
					c.Username, c.Password = tt.username, testPass
				}
			})
			c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
			if c.UserAgent != tt.want {
				t.Errorf("User-Agent = %q, want %q", c.UserAgent, tt.want)
			}
			if err := c.Collect(context.Background(), &collectortest.Sink{}); err != nil {
				t.Fatal(err)
			}
			for _, r := range srv.Requests() {
				if got := r.Header.Get("User-Agent"); got != tt.want {
					t.Errorf("%s sent User-Agent %q, want %q", r.URL, got, tt.want)
				}
			}
			if warned := strings.Contains(logs.String(), "names no account"); warned != (tt.contact == "" && tt.username == "") {
				t.Errorf("warning logged %v:\n%s", warned, logs.String())
			}
		})
	}
	c := New()
	c.Contact = "not a name"
	if err := c.Init(); err == nil || !strings.HasPrefix(err.Error(), "contact:") {
		t.Errorf("Init() = %v, want a contact error", err)
	}
	// The RSS fallback sends the same User-Agent.
	httpfetch.Version = "1.4.2"
	srv := collectortest.NewServer(t)
	srv.Handle("/r/ollama/new/.rss", collectortest.Response{File: "testdata/rss/LocalLLaMA-empty.xml"})
	f := New()
	f.Subreddits, f.Search, f.FeedURL, f.Contact = []string{"ollama"}, false, srv.URL, "acme_social"
	if err := f.Init(); err != nil {
		t.Fatal(err)
	}
	if err := f.Collect(context.Background(), &collectortest.Sink{}); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests(); len(r) != 1 || r[0].Header.Get("User-Agent") != "server:github.com/overhear/overhear:v1.4.2 (by /u/acme_social)" {
		t.Errorf("feed requests %v", r)
	}
}

// contextSink records what is handed over in a brand's context.
type contextSink struct {
	collectortest.Sink
	mu      sync.Mutex
	context map[string][]string
}

var _ collectors.ContextSink = (*contextSink)(nil)

func (s *contextSink) AddInContext(m collectors.Mention, brands []string) {
	s.Add(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.context == nil {
		s.context = map[string][]string{}
	}
	s.context[m.ID] = brands
}

func (s *contextSink) inContext() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.context)
}

// threadPosted is when the followed post (t3_1si110t, the newest search hit of t0) was made.
var threadPosted = time.Unix(1775859438, 0).UTC()

func newFollowCollector(t *testing.T, srv *collectortest.Server, clk *clock, mutate ...func(*Collector)) *Collector {
	t.Helper()
	c := newAPICollector(t, srv, clk, append([]func(*Collector){func(c *Collector) {
		c.Subreddits = nil
		c.FollowDepth = 3
	}}, mutate...)...)
	c.SetBrands([]collectors.Brand{{Name: "Ollama", Query: "ollama"}, {Name: "Acme", Query: "acme"}})
	return c
}

func threadRequests(srv *collectortest.Server) []collectortest.Request {
	var out []collectortest.Request
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.URL, "/comments/") {
			out = append(out, r)
		}
	}
	return out
}

// Issue 14, "the rest of the brand's threads": replies to a brand post found by search outside
// the followed subreddits rarely repeat the brand's name; they are read (bounded) and handed
// over as mentions of that brand in context.
func TestFollowsBrandThreadsOutsideFollowedSubreddits(t *testing.T) {
	srv := collectortest.NewServer(t)
	srv.Handle("/search?q=ollama", file("search_ollama_t0.json"))
	srv.Handle("/comments/1si110t", file("thread_1si110t_t0.json"))
	clk := &clock{threadPosted.Add(2 * time.Hour)}
	c := newFollowCollector(t, srv, clk)
	sink := &contextSink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if errs := sink.Errors(); len(errs) > 0 {
		t.Fatalf("item errors: %v", errs)
	}
	// Only the one hit younger than follow_for (48h) is followed, with the depth asked for.
	reqs := threadRequests(srv)
	if len(reqs) != 1 || reqs[0].Query.Get("depth") != "3" || reqs[0].Query.Get("limit") != "100" || reqs[0].Query.Get("sort") != "new" {
		t.Fatalf("thread requests %v, want one for t3_1si110t with depth=3", reqs)
	}
	ctxIDs := sink.inContext()
	var replies []collectors.Mention
	for _, m := range sink.Mentions() {
		if brands, ok := ctxIDs[m.ID]; ok {
			if !slices.Equal(brands, []string{"Ollama"}) {
				t.Errorf("%s in the context of %v, want [Ollama]", m.ID, brands)
			}
			if m.ThreadID != "t3_1si110t" || m.ParentID == "" || m.Community != "LocalLLaMA" || strings.Contains(strings.ToLower(m.Text), "ollama") {
				t.Errorf("reply %+v", m)
			}
			replies = append(replies, m)
		}
	}
	// Three levels of the four-deep chain, the two other top-level comments and one reply;
	// the "more" stub is not expanded.
	collectortest.Golden(t, "testdata/api/thread_1si110t.golden", collectortest.JSONLines(t, replies))
	if len(replies) != 6 || len(sink.IDs()) != 20+6 {
		t.Errorf("%d replies and %d mentions, want 6 and 26", len(replies), len(sink.IDs()))
	}

	// Not due again until the post has doubled its age (2h → 4h).
	srv.Handle("/comments/1si110t", file("thread_1si110t_t1.json"))
	srv.ResetRequests()
	clk.t = clk.t.Add(time.Hour)
	if err := c.Collect(context.Background(), &contextSink{}); err != nil {
		t.Fatal(err)
	}
	if n := len(threadRequests(srv)); n != 0 {
		t.Errorf("thread re-read after 1h: %d requests", n)
	}
	// After a restart, the re-read hands over only the new reply.
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	c2 := newFollowCollector(t, srv, clk)
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	sink2 := &contextSink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	if got := sink2.IDs(); !slices.Equal(got, []string{"t1_efegkum"}) || !slices.Equal(sink2.inContext()["t1_efegkum"], []string{"Ollama"}) {
		t.Errorf("re-read handed over %v (%v), want the one new reply in context", got, sink2.inContext())
	}
	// Past follow_for the thread is dropped.
	clk.t = threadPosted.Add(49 * time.Hour)
	srv.ResetRequests()
	if err := c2.Collect(context.Background(), &contextSink{}); err != nil {
		t.Fatal(err)
	}
	if n := len(threadRequests(srv)); n != 0 || len(c2.state.Threads) != 0 {
		t.Errorf("thread older than follow_for: %d requests, %d followed", n, len(c2.state.Threads))
	}
}

func TestFollowThreadsBounds(t *testing.T) {
	empty := collectortest.Response{Body: []byte(`{"kind": "Listing", "data": {"after": null, "children": []}}`)}
	t.Run("per poll", func(t *testing.T) {
		srv := collectortest.NewServer(t)
		srv.Handle("/search?q=ollama", file("search_ollama_t0.json"))
		srv.Handle("/comments/1si110t", file("thread_1si110t_t0.json"))
		clk := &clock{threadPosted.Add(2 * time.Hour)}
		c := newFollowCollector(t, srv, clk, func(c *Collector) {
			c.FollowFor = collectors.Duration(30 * 24 * time.Hour)
			c.FollowPerPoll = 2
		})
		sink := &collectortest.Sink{} // no ContextSink: replies go to Add
		if err := c.Collect(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
		if n := len(threadRequests(srv)); n != 2 {
			t.Errorf("%d thread reads in one poll, want follow_per_poll = 2", n)
		}
		if len(c.state.Threads) < 5 {
			t.Errorf("%d threads followed, want every hit of the last 30 days", len(c.state.Threads))
		}
		if !slices.Contains(sink.IDs(), "t1_efeov0r") {
			t.Error("without a ContextSink, replies are not handed to Add")
		}
	})
	t.Run("budget reserve", func(t *testing.T) {
		srv := collectortest.NewServer(t)
		srv.Handle("/search?q=ollama", file("search_ollama_t0.json", "X-Ratelimit-Remaining", "1", "X-Ratelimit-Reset", "300"))
		srv.Handle("/comments/1si110t", file("thread_1si110t_t0.json"))
		c := newFollowCollector(t, srv, &clock{threadPosted.Add(2 * time.Hour)})
		if err := c.Collect(context.Background(), &contextSink{}); err != nil {
			t.Fatalf("a poll whose streams succeeded must succeed: %v", err)
		}
		if n := len(threadRequests(srv)); n != 0 {
			t.Errorf("%d thread reads with one request left for the streams", n)
		}
	})
	t.Run("followed subreddit", func(t *testing.T) {
		srv := collectortest.NewServer(t)
		srv.Handle("/search?q=ollama", file("search_ollama_t0.json"))
		srv.Handle("/r/LocalLLaMA/new", empty)
		srv.Handle("/r/LocalLLaMA/comments", empty)
		c := newFollowCollector(t, srv, &clock{threadPosted.Add(2 * time.Hour)}, func(c *Collector) { c.Subreddits = []string{"localllama"} })
		if err := c.Collect(context.Background(), &contextSink{}); err != nil {
			t.Fatal(err)
		}
		if n := len(threadRequests(srv)); n != 0 {
			t.Errorf("%d thread reads in a followed subreddit (its comments stream covers them)", n)
		}
	})
	t.Run("no brand", func(t *testing.T) {
		srv := collectortest.NewServer(t)
		srv.Handle("/search?q=ollama", file("search_ollama_t0.json"))
		c := newFollowCollector(t, srv, &clock{threadPosted.Add(2 * time.Hour)})
		c.SetBrands([]collectors.Brand{{Name: "Acme", Query: "acme"}})
		if err := c.Collect(context.Background(), &contextSink{}); err != nil {
			t.Fatal(err)
		}
		if n := len(threadRequests(srv)); n != 0 {
			t.Errorf("%d thread reads for posts that match no brand (a topic's term)", n)
		}
	})
}

// The sample's commented-out values are the defaults, and every key it shows exists.
func TestSampleShowsTheDefaults(t *testing.T) {
	var b strings.Builder
	for _, line := range strings.Split(New().SampleConfig(), "\n") {
		if v, ok := strings.CutPrefix(line, "# "); ok && !strings.HasPrefix(v, "#") && strings.Contains(v, ": ") {
			b.WriteString(v + "\n")
		}
	}
	got := New()
	if err := yaml.UnmarshalWithOptions([]byte(b.String()), got, yaml.Strict()); err != nil {
		t.Fatalf("sample values:\n%s\n%v", b.String(), err)
	}
	want := New()
	got.now, want.now, got.logger, want.logger = nil, nil, nil, nil
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("sample values differ from New():\n got %s\nwant %s", g, w)
	}
	for _, key := range []string{"contact", "follow_threads", "follow_for", "follow_depth", "follow_per_poll"} {
		if !strings.Contains(b.String(), key+":") {
			t.Errorf("sample lacks %s", key)
		}
	}
}
