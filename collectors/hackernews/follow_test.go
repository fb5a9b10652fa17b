package hackernews

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
	"github.com/overhear/overhear/collectors/feedreader"
	"github.com/overhear/overhear/collectors/httpfetch"
)

// hnTree is a fake Hacker News made of the recorded tree of story 25015967
// (testdata/algolia_item_25015967.json, see testdata/README.md): search_by_date finds the
// items whose text matches the query, and items/ID serves an item's tree, both as of now.
type hnTree struct {
	mu    sync.Mutex
	root  item
	nodes map[string]*item
	depth map[string]int // below the story
	now   int64
	items []string // items/ID requests
	fail  map[string]int
	srv   *httptest.Server
}

func newHNTree(t *testing.T) *hnTree {
	t.Helper()
	h := &hnTree{nodes: map[string]*item{}, depth: map[string]int{}, fail: map[string]int{}}
	if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/algolia_item_25015967.json"), &h.root); err != nil {
		t.Fatal(err)
	}
	var index func(it *item, d int)
	index = func(it *item, d int) {
		id := strconv.FormatInt(it.ID, 10)
		h.nodes[id], h.depth[id] = it, d
		for i := range it.Children {
			index(&it.Children[i], d+1)
		}
	}
	index(&h.root, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/search_by_date", h.search)
	mux.HandleFunc("/api/v1/items/{id}", h.item)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hnTree) text(it *item) string {
	var s string
	if it.Title != nil {
		s = *it.Title + "\n\n"
	}
	if it.Text != nil {
		s += feedreader.HTMLToText(*it.Text)
	}
	return s
}

func (h *hnTree) search(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := r.URL.Query()
	query := collectors.MustParseQuery(q.Get("query"))
	since, _ := strconv.ParseInt(strings.TrimPrefix(q.Get("numericFilters"), "created_at_i>"), 10, 64)
	tags := q.Get("tags")
	var hits []map[string]any
	for _, it := range h.nodes {
		if it.CreatedAtI <= since || it.CreatedAtI > h.now || !strings.Contains(tags, it.Type) || !query.MatchString(h.text(it)) {
			continue
		}
		hit := map[string]any{"objectID": strconv.FormatInt(it.ID, 10), "created_at_i": it.CreatedAtI, "author": it.Author,
			"story_id": it.StoryID, "parent_id": it.ParentID, "points": it.Points, "_tags": []string{it.Type}}
		if it.Type == "comment" {
			hit["comment_text"] = it.Text
		} else {
			hit["title"], hit["story_text"] = it.Title, it.Text
		}
		hits = append(hits, hit)
	}
	slices.SortFunc(hits, func(a, b map[string]any) int { return int(b["created_at_i"].(int64) - a["created_at_i"].(int64)) })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"hits": hits, "nbHits": len(hits), "page": 0, "nbPages": 1, "hitsPerPage": 100})
}

// asOf copies it with only the replies written by now.
func (h *hnTree) asOf(it *item) item {
	out := *it
	out.Children = nil
	for i := range it.Children {
		if it.Children[i].CreatedAtI <= h.now {
			out.Children = append(out.Children, h.asOf(&it.Children[i]))
		}
	}
	return out
}

func (h *hnTree) item(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := r.PathValue("id")
	h.items = append(h.items, id)
	if h.fail[id] > 0 {
		h.fail[id]--
		http.Error(w, "unavailable", http.StatusInternalServerError)
		return
	}
	it := h.nodes[id]
	if it == nil || it.CreatedAtI > h.now {
		http.Error(w, `{"status":404,"error":"Not Found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.asOf(it))
}

// requests returns and forgets the items/ID requests.
func (h *hnTree) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.items
	h.items = nil
	return out
}

func (h *hnTree) setNow(clk *clock, at int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = at
	clk.t = time.Unix(at, 0)
}

// want lists the replies following should hand over: those written by upTo (and within the
// window of the item they are followed for), at most depth levels below an item of the given
// types that names Biden, that do not name him themselves.
func (h *hnTree) want(types string, depth int, upTo int64, window time.Duration) []string {
	q := collectors.MustParseQuery("biden")
	set := map[string]bool{}
	var walk func(it *item, d int, until int64)
	walk = func(it *item, d int, until int64) {
		if d > depth {
			return
		}
		for i := range it.Children {
			c := &it.Children[i]
			if c.CreatedAtI <= min(upTo, until) && c.Author != "" && c.Text != nil && !q.MatchString(h.text(c)) {
				set[strconv.FormatInt(c.ID, 10)] = true
			}
			walk(c, d+1, until)
		}
	}
	for _, it := range h.nodes {
		if strings.Contains(types, it.Type) && it.CreatedAtI <= upTo && q.MatchString(h.text(it)) {
			walk(it, 1, it.CreatedAtI+int64(window/time.Second))
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for id := range set {
			if !yield(id) {
				return
			}
		}
	})
}

// contextSink records what is handed over in context, besides what collectortest.Sink records.
type contextSink struct {
	collectortest.Sink
	mu      sync.Mutex
	context []contextMention
}

type contextMention struct {
	collectors.Mention
	Brands []string `json:"context_brands"`
}

var _ collectors.ContextSink = (*contextSink)(nil)

// AddInContext implements ContextSink.
func (s *contextSink) AddInContext(m collectors.Mention, brands []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.context = append(s.context, contextMention{m, brands})
}

func (s *contextSink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.context {
		out = append(out, m.ID)
	}
	return out
}

func newFollower(t *testing.T, h *hnTree, clk *clock, mutate ...func(*Collector)) *Collector {
	t.Helper()
	c := New()
	c.BaseURL = h.srv.URL
	c.Backfill = collectors.Duration(7 * 24 * time.Hour)
	for _, m := range mutate {
		m(c)
	}
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep, Jitter: func() float64 { return 0 }})
	c.now = clk.now
	c.SetWatch(collectors.Watch{Terms: []string{"biden"}, Queries: []string{"biden"}})
	c.SetBrands([]collectors.Brand{{Name: "Biden", Query: "biden"}})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFollowThreads polls the recorded thread every 15 minutes for 30 hours after the story
// and checks that the replies of every item that names the brand, which mostly do not, are
// handed over once each as mentions of the brand in context, within the depth and the
// per-poll request budget.
func TestFollowThreads(t *testing.T) {
	tests := []struct {
		name    string
		tags    string
		depth   int
		fetches int
		golden  string
	}{
		{name: "comments naming the brand", tags: "comment", depth: 4, fetches: 10, golden: "testdata/follow_comments.golden"},
		{name: "story naming the brand", tags: "(story,comment)", depth: 4, fetches: 10},
		{name: "one level deep", tags: "(story,comment)", depth: 1, fetches: 10},
		{name: "two requests a poll", tags: "comment", depth: 2, fetches: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHNTree(t)
			clk := &clock{}
			start := h.root.CreatedAtI + 60
			end := start + 30*3600
			h.setNow(clk, start)
			mutate := func(c *Collector) { c.Tags, c.FollowDepth, c.FollowFetches = tt.tags, tt.depth, tt.fetches }
			c := newFollower(t, h, clk, mutate)
			sink := &contextSink{}
			maxReq := 0
			for at, polls := start, 0; at <= end; at, polls = at+15*60, polls+1 {
				h.setNow(clk, at)
				if polls == 40 { // restart from the stored state
					st, err := c.State()
					if err != nil {
						t.Fatal(err)
					}
					c = newFollower(t, h, clk, mutate)
					if err := c.SetState(st); err != nil {
						t.Fatal(err)
					}
				}
				if err := c.Collect(context.Background(), sink); err != nil {
					t.Fatal(err)
				}
				maxReq = max(maxReq, len(h.requests()))
			}
			// With the thread as it was at the end, a few more polls read every followed item
			// once more (round robin within the budget).
			for range len(c.state.Threads)/tt.fetches + 2 {
				clk.t = clk.t.Add(15 * time.Minute)
				if err := c.Collect(context.Background(), sink); err != nil {
					t.Fatal(err)
				}
				maxReq = max(maxReq, len(h.requests()))
			}
			if maxReq > tt.fetches {
				t.Errorf("%d item requests in one poll, budget %d", maxReq, tt.fetches)
			}
			want := h.want(tt.tags, tt.depth, end, c.FollowFor.D())
			if len(want) < 10 {
				t.Fatalf("only %d replies to expect: the test is too weak", len(want))
			}
			checkIDs(t, sink.ids(), want)
			q := collectors.MustParseQuery("biden")
			for _, m := range sink.context {
				if !slices.Equal(m.Brands, []string{"Biden"}) || q.MatchString(m.FullText()) || m.ThreadID != "25015967" || m.ParentID == "" || m.Author == "" || m.Source != "" && m.Source != Name {
					t.Fatalf("reply handed over wrong: %+v", m)
				}
				if d := h.depth[m.ID]; tt.depth == 1 && tt.tags != "comment" && d > 1 && !q.MatchString(h.text(h.nodes[m.ParentID])) {
					t.Errorf("reply %s at depth %d with depth 1", m.ID, d)
				}
			}
			for _, m := range sink.Mentions() {
				if !q.MatchString(m.FullText()) {
					t.Errorf("%s handed over plainly without naming the brand", m.ID)
				}
			}
			if tt.golden != "" {
				var b strings.Builder
				for _, m := range sink.context[:min(12, len(sink.context))] {
					line, err := json.Marshal(m)
					if err != nil {
						t.Fatal(err)
					}
					b.Write(line)
					b.WriteByte('\n')
				}
				collectortest.Golden(t, tt.golden, []byte(b.String()))
			}
		})
	}
}

// TestFollowStory checks that a story that names the brand and the comments in it that do are
// read with one request a poll, the story's tree.
func TestFollowStory(t *testing.T) {
	h := newHNTree(t)
	clk := &clock{}
	h.setNow(clk, h.root.CreatedAtI+20*3600)
	c := newFollower(t, h, clk)
	sink := &contextSink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if r := h.requests(); !slices.Equal(r, []string{"25015967"}) {
		t.Errorf("item requests %v, want the story's tree only", r)
	}
	if len(c.state.Threads) < 10 {
		t.Errorf("%d items followed", len(c.state.Threads))
	}
	checkIDs(t, sink.ids(), h.want("(story,comment)", c.FollowDepth, h.now, c.FollowFor.D()))
}

// TestFollowWindowAndFailures checks that a followed item is read again only every
// follow_every, that a failing read hands nothing over and is tried at the next turn, and that
// following stops follow_for after the item.
func TestFollowWindowAndFailures(t *testing.T) {
	h := newHNTree(t)
	clk := &clock{}
	start := h.root.CreatedAtI + 3600
	h.setNow(clk, start)
	c := newFollower(t, h, clk, func(c *Collector) { c.Tags = "story" })
	sink := &contextSink{}
	h.fail["25015967"] = httpfetch.DefaultMaxRetries + 1 // every try of the first poll's request
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatalf("a failing followed thread failed the poll: %v", err)
	}
	if len(sink.ids()) > 0 || len(sink.Errors()) != 1 {
		t.Fatalf("failed read: handed over %d, errors %v", len(sink.ids()), sink.Errors())
	}
	h.requests()
	steps := []struct {
		after    time.Duration
		requests int
	}{
		{after: 5 * time.Minute, requests: 0},  // not due yet
		{after: 15 * time.Minute, requests: 1}, // due again: the failure is retried
		{after: 20 * time.Minute, requests: 0},
		{after: 30 * time.Minute, requests: 1},
		{after: 46 * time.Hour, requests: 1},
		{after: 47 * time.Hour, requests: 0}, // the window has closed: the story is 48h old
		{after: 60 * time.Hour, requests: 0},
	}
	for _, s := range steps {
		h.setNow(clk, start+int64(s.after/time.Second))
		if err := c.Collect(context.Background(), sink); err != nil {
			t.Fatal(err)
		}
		if r := h.requests(); len(r) != s.requests {
			t.Errorf("after %v: %d item requests, want %d", s.after, len(r), s.requests)
		}
	}
	if len(c.state.Threads) != 0 {
		t.Errorf("still following %d items after the window", len(c.state.Threads))
	}
	// A brand taken out of the config is no longer followed.
	h.setNow(clk, start)
	c2 := newFollower(t, h, clk, func(c *Collector) { c.Tags = "story" })
	if err := c2.Collect(context.Background(), &contextSink{}); err != nil || len(c2.state.Threads) != 1 {
		t.Fatalf("Collect = %v, following %d", err, len(c2.state.Threads))
	}
	c2.SetBrands([]collectors.Brand{{Name: "Harris", Query: "harris"}})
	h.setNow(clk, start+3600)
	h.requests()
	if err := c2.Collect(context.Background(), &contextSink{}); err != nil {
		t.Fatal(err)
	}
	if r := h.requests(); len(c2.state.Threads) != 0 || len(r) != 0 {
		t.Errorf("following %d items after the brand went, %d requests", len(c2.state.Threads), len(r))
	}
	checkIDs(t, sink.ids(), h.want("story", c.FollowDepth, h.root.CreatedAtI+47*3600, c.FollowFor.D()))
}

// TestFollowWithoutContextSink checks that with a sink that cannot take context, the replies
// still reach Add (thread participation is recorded from every item).
func TestFollowWithoutContextSink(t *testing.T) {
	h := newHNTree(t)
	clk := &clock{}
	h.setNow(clk, h.root.CreatedAtI+20*3600)
	c := newFollower(t, h, clk, func(c *Collector) { c.Tags = "story" })
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, sink.IDs(), append(h.want("story", c.FollowDepth, h.now, c.FollowFor.D()), "25015967"))
}
