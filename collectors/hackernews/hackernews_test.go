package hackernews

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
	"github.com/overhear/overhear/collectors/httpfetch"
)

// algolia replays the recorded comment hits of story 25015967 the way search_by_date serves
// them: newest first, filtered by numericFilters, paged by hitsPerPage and page. Hits newer
// than visibleUntil, or listed in hidden, are not indexed yet; a hit with a delay is indexed
// that many seconds after it was created.
type algolia struct {
	mu           sync.Mutex
	hits         []json.RawMessage
	times        []int64
	ids          []string
	visibleUntil int64
	hidden       map[string]bool
	delay        map[string]int64
	queries      []string
}

func newAlgolia(t *testing.T) *algolia {
	t.Helper()
	var r struct {
		Hits []json.RawMessage `json:"hits"`
	}
	if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/algolia_comments_25015967.json"), &r); err != nil {
		t.Fatal(err)
	}
	a := &algolia{hits: r.Hits, hidden: map[string]bool{}, delay: map[string]int64{}}
	for _, raw := range r.Hits {
		var h hit
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		a.times = append(a.times, h.CreatedAtI)
		a.ids = append(a.ids, h.ObjectID)
	}
	a.visibleUntil = a.times[0]
	return a
}

func (a *algolia) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := r.URL.Query()
	a.queries = append(a.queries, q.Get("query"))
	var since int64
	if f, ok := strings.CutPrefix(q.Get("numericFilters"), "created_at_i>"); ok {
		since, _ = strconv.ParseInt(f, 10, 64)
	}
	per, _ := strconv.Atoi(q.Get("hitsPerPage"))
	page, _ := strconv.Atoi(q.Get("page"))
	var match []json.RawMessage
	for i, h := range a.hits {
		if a.times[i] > since && a.indexed(i) {
			match = append(match, h)
		}
	}
	nbPages := (len(match) + per - 1) / per
	from, to := min(page*per, len(match)), min((page+1)*per, len(match))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"hits": match[from:to], "nbHits": len(match), "page": page, "nbPages": nbPages, "hitsPerPage": per})
}

// indexed reports whether hit i is in the index at visibleUntil.
func (a *algolia) indexed(i int) bool {
	return a.times[i]+a.delay[a.ids[i]] <= a.visibleUntil && !a.hidden[a.ids[i]]
}

// visible returns the ids a search at this moment can find (after since).
func (a *algolia) visible(since int64) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for i, id := range a.ids {
		if a.times[i] > since && a.indexed(i) {
			out = append(out, id)
		}
	}
	return out
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newCollector(t *testing.T, srv *collectortest.Server, clk *clock, mutate ...func(*Collector)) *Collector {
	t.Helper()
	c := New()
	c.BaseURL = srv.URL
	c.Backfill = collectors.Duration(30 * 24 * time.Hour)
	c.Timeout = collectors.Duration(5 * time.Second)
	for _, m := range mutate {
		m(c)
	}
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep, Jitter: func() float64 { return 0 }})
	c.now = clk.now
	c.SetWatch(collectors.Watch{Terms: []string{"biden"}})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	return c
}

func checkIDs(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("%s handed over twice", id)
		}
		seen[id] = true
	}
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Errorf("got %d ids, want %d", len(g), len(w))
	}
}

func TestColdStartLateIndexingAndResume(t *testing.T) {
	a := newAlgolia(t)
	srv := collectortest.NewServer(t)
	srv.Handle("/api/v1/search_by_date", collectortest.Response{Handler: a.ServeHTTP})
	// t0: the newest 120 comments do not exist yet, and one a little older is not indexed.
	a.visibleUntil = a.times[120]
	var late string
	for i := 121; i < len(a.ids) && late == ""; i++ {
		if a.times[i] < a.times[120] && a.times[i] >= a.times[120]-300 {
			late = a.ids[i]
		}
	}
	if late == "" {
		t.Fatal("no comment within 5 minutes before the cursor in the recording")
	}
	a.hidden[late] = true
	clk := &clock{time.Unix(a.visibleUntil, 0).Add(time.Minute)}
	c := newCollector(t, srv, clk)
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	first := sink.IDs()
	checkIDs(t, first, a.visible(0))
	if n := srv.Count("/api/v1/search_by_date"); n != 2 {
		t.Errorf("%d requests for 179 hits, want 2 pages", n)
	}
	for _, m := range sink.Mentions() {
		if m.ThreadID != "25015967" || m.ParentID == "" || m.Community != Community || m.Author == "" || strings.Contains(m.Text, "&#x27;") {
			t.Fatalf("mention not converted right: %+v", m)
		}
	}
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	// t1, after a restart: everything is indexed, including the late one.
	a.visibleUntil = a.times[0]
	delete(a.hidden, late)
	clk.t = time.Unix(a.times[0], 0).Add(time.Minute)
	c2 := newCollector(t, srv, clk)
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	sink2 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(a.ids[:120]), late)
	checkIDs(t, sink2.IDs(), want)
	// Nothing new: nothing handed over.
	sink3 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink3); err != nil || len(sink3.IDs()) > 0 {
		t.Errorf("third poll: %v, %v", err, sink3.IDs())
	}
	for _, q := range a.queries {
		if q != "biden" {
			t.Errorf("query %q", q)
		}
	}
}

func TestFailuresLoseAndDuplicateNothing(t *testing.T) {
	tests := []struct {
		name      string
		fail      collectortest.Response
		page2     bool // fail only the second page
		mutate    func(*Collector)
		wantErr   string
		rateLimit time.Duration
	}{
		{name: "429 with Retry-After", fail: collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"90"}}}, wantErr: "HTTP 429", rateLimit: 90 * time.Second},
		{name: "5xx on every try", fail: collectortest.Response{Status: 502}, wantErr: "HTTP 502"},
		{name: "5xx on page 2", fail: collectortest.Response{Status: 500}, page2: true, wantErr: "HTTP 500"},
		{name: "timeout", fail: collectortest.Response{Delay: 5 * time.Second}, mutate: func(c *Collector) { c.Timeout = collectors.Duration(50 * time.Millisecond) }, wantErr: "timeout"},
		{name: "truncated JSON", fail: collectortest.Response{Body: []byte(`{"hits":[{"objectID":"1","created_at_i":`)}, wantErr: "invalid JSON"},
		{name: "oversize body", fail: collectortest.Response{Body: bytes.Repeat([]byte("x"), 2<<20)}, mutate: func(c *Collector) { c.MaxBytes = 1 << 20 }, wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAlgolia(t)
			srv := collectortest.NewServer(t)
			srv.Handle("/api/v1/search_by_date", collectortest.Response{Handler: a.ServeHTTP})
			if tt.page2 {
				srv.Handle("/api/v1/search_by_date?page=1", tt.fail)
			} else {
				srv.Handle("/api/v1/search_by_date?page=0", tt.fail)
			}
			clk := &clock{time.Unix(a.times[0], 0).Add(time.Minute)}
			c := newCollector(t, srv, clk, func(c *Collector) {
				if tt.mutate != nil {
					tt.mutate(c)
				}
			})
			sink := &collectortest.Sink{}
			err := c.Collect(context.Background(), sink)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.wantErr)) {
				t.Fatalf("Collect = %v, want an error with %q", err, tt.wantErr)
			}
			if len(sink.IDs()) > 0 {
				t.Errorf("a failed search handed over %d items", len(sink.IDs()))
			}
			if tt.rateLimit > 0 {
				if d, ok := collectors.RetryAfter(err); !collectors.IsRateLimited(err) || !ok || d != tt.rateLimit {
					t.Errorf("rate limit: %v %v %v", collectors.IsRateLimited(err), d, ok)
				}
			}
			// Recovery.
			srv.Handle("/api/v1/search_by_date?page=0", collectortest.Response{Handler: a.ServeHTTP})
			srv.Handle("/api/v1/search_by_date?page=1", collectortest.Response{Handler: a.ServeHTTP})
			c.Timeout, c.MaxBytes, c.fetch = collectors.Duration(5*time.Second), httpfetch.DefaultMaxBytes, nil
			if err := c.Init(); err != nil {
				t.Fatal(err)
			}
			sink2 := &collectortest.Sink{}
			if err := c.Collect(context.Background(), sink2); err != nil {
				t.Fatal(err)
			}
			checkIDs(t, sink2.IDs(), a.visible(0))
		})
	}
}

func TestOneTermFailingKeepsTheOthers(t *testing.T) {
	a := newAlgolia(t)
	srv := collectortest.NewServer(t)
	srv.Handle("/api/v1/search_by_date", collectortest.Response{Handler: a.ServeHTTP})
	srv.Handle("/api/v1/search_by_date?query=broken", collectortest.Response{Status: 500})
	clk := &clock{time.Unix(a.times[0], 0).Add(time.Minute)}
	c := newCollector(t, srv, clk)
	var logs bytes.Buffer
	c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	c.SetWatch(collectors.Watch{Terms: []string{"broken", "biden"}})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, sink.IDs(), a.visible(0))
	if len(sink.Errors()) != 1 || !strings.Contains(logs.String(), "search failed") {
		t.Errorf("errors %v, logs %s", sink.Errors(), logs.String())
	}
}

func TestRecordedStories(t *testing.T) {
	srv := collectortest.NewServer(t)
	srv.Handle("/api/v1/search_by_date", collectortest.Response{File: "testdata/algolia_search_tim_cook_page1.json"})
	clk := &clock{time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)}
	c := newCollector(t, srv, clk, func(c *Collector) {
		c.Backfill = collectors.Duration(10 * 365 * 24 * time.Hour)
		c.Tags = "story"
	})
	c.SetWatch(collectors.Watch{Terms: []string{"tim cook"}})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.Query.Get("query") != `"tim cook"` || r.Query.Get("tags") != "story" || r.Query.Get("advancedSyntax") != "true" {
		t.Errorf("request %s", r.URL)
	}
	collectortest.Golden(t, "testdata/algolia_search_tim_cook_page1.golden", collectortest.JSONLines(t, sink.Mentions()))
}

func TestLeaksNoSecret(t *testing.T) {
	// Hacker News needs no credentials; a proxy URL with a password must still stay out of
	// errors, logs and state.
	srv := collectortest.NewServer(t)
	srv.Handle("/api/v1/search_by_date", collectortest.Response{Status: 503})
	const secret = "proxy-pass-XYZ"
	var logs bytes.Buffer
	c := New()
	c.BaseURL = strings.Replace(srv.URL, "http://", "http://user:"+secret+"@", 1)
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep})
	c.SetLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	c.SetWatch(collectors.Watch{Terms: []string{"ollama"}})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	sink := &collectortest.Sink{}
	err := c.Collect(context.Background(), sink)
	st, _ := c.State()
	all := fmt.Sprintf("%v\n%s\n%s\n%v", err, st, logs.String(), sink.Errors())
	if err == nil || strings.Contains(all, secret) {
		t.Errorf("err %v; leaked: %v", err, strings.Contains(all, secret))
	}
}

func TestInitErrorsNameTheKey(t *testing.T) {
	for key, mutate := range map[string]func(*Collector){
		"base_url":       func(c *Collector) { c.BaseURL = "hn.algolia.com" },
		"every":          func(c *Collector) { c.Every = collectors.Duration(time.Second) },
		"lag":            func(c *Collector) { c.Lag = collectors.Duration(48 * time.Hour) },
		"max_pages":      func(c *Collector) { c.MaxPages = 0 },
		"tags":           func(c *Collector) { c.Tags = " " },
		"follow_for":     func(c *Collector) { c.FollowFor = collectors.Duration(30 * 24 * time.Hour) },
		"follow_depth":   func(c *Collector) { c.FollowDepth = 0 },
		"follow_every":   func(c *Collector) { c.FollowEvery = collectors.Duration(time.Minute) },
		"follow_fetches": func(c *Collector) { c.FollowFetches = 0 },
		"follow_max":     func(c *Collector) { c.FollowMax = 0 },
	} {
		c := New()
		mutate(c)
		if err := c.Init(); err == nil || !strings.HasPrefix(err.Error(), key+":") {
			t.Errorf("%s: Init() = %v", key, err)
		}
	}
	if err := New().Init(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestCommentTextKeepsBlocks checks the text stored for real comments (story 48849066, see
// ../feedreader/testdata/README.md) whose HTML has quotes ("&gt; …" paragraphs), code blocks
// and numbered steps: it keeps them as "> " lines, fenced code and "1. " lines, the text
// feedreader's tests pin for them.
func TestCommentTextKeepsBlocks(t *testing.T) {
	for _, name := range []string{"hn-quote", "hn-code", "hn-code-quote", "hn-steps"} {
		html := string(collectortest.ReadFile(t, "../feedreader/testdata/blocks/"+name+".html"))
		m, ok := mention(hit{ObjectID: "48849066", Author: "someone", CommentText: &html, Tags: []string{"comment"}})
		want := strings.TrimSuffix(string(collectortest.ReadFile(t, "../feedreader/testdata/blocks/"+name+".golden")), "\n")
		if !ok || m.Text != want {
			t.Errorf("%s: stored text (ok %v)\n%s\nwant\n%s", name, ok, m.Text, want)
		}
	}
}

// TestLateIndexing replays 13 hours of the recorded comments, polled every 5 minutes with a
// restart half way, while six of them reach the index 12 to 100 minutes after they were
// written (Algolia's lag, as the held-out replay saw it). With the default lag every comment
// is handed over exactly once; with the old 10-minute lag all six were lost.
func TestLateIndexing(t *testing.T) {
	tests := []struct {
		name     string
		lag      time.Duration
		wantLost int
	}{
		{name: "default lag", lag: New().Lag.D(), wantLost: 0},
		{name: "old 10m lag", lag: 10 * time.Minute, wantLost: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAlgolia(t)
			srv := collectortest.NewServer(t)
			srv.Handle("/api/v1/search_by_date", collectortest.Response{Handler: a.ServeHTTP})
			late := map[string]int64{}
			for k, d := range []int64{12, 20, 35, 50, 75, 100} {
				id := a.ids[100+25*k]
				a.delay[id] = d * 60
				late[id] = d
			}
			start, end := a.times[len(a.times)-1]-1, a.times[60]
			clk := &clock{time.Unix(start, 0)}
			mutate := func(c *Collector) { c.Backfill = collectors.Duration(time.Second); c.Lag = collectors.Duration(tt.lag) }
			c := newCollector(t, srv, clk, mutate)
			var got []string
			for now, polls := start, 0; now <= end+int64(3*time.Hour/time.Second); now, polls = now+300, polls+1 {
				a.mu.Lock()
				a.visibleUntil = now
				a.mu.Unlock()
				clk.t = time.Unix(now, 0)
				if polls == 80 { // restart from the stored state
					st, err := c.State()
					if err != nil {
						t.Fatal(err)
					}
					c = newCollector(t, srv, clk, mutate)
					if err := c.SetState(st); err != nil {
						t.Fatal(err)
					}
				}
				sink := &collectortest.Sink{}
				if err := c.Collect(context.Background(), sink); err != nil {
					t.Fatal(err)
				}
				got = append(got, sink.IDs()...)
			}
			var want []string
			for i, id := range a.ids {
				if a.times[i] > start && a.times[i] <= end+int64(3*time.Hour/time.Second) {
					want = append(want, id)
				}
			}
			lost := 0
			for id := range late {
				if !slices.Contains(got, id) {
					lost++
				}
			}
			if lost != tt.wantLost {
				t.Errorf("%d of %d late comments lost, want %d", lost, len(late), tt.wantLost)
			}
			if tt.wantLost == 0 {
				checkIDs(t, got, want)
			}
		})
	}
}
