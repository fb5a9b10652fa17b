package discourse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
	"github.com/overhear/overhear/collectors/httpfetch"
)

const testKey = "discourse-api-key-XYZ"

func ss(name string) collectortest.Response {
	return collectortest.Response{File: "testdata/stackstorm/" + name}
}

// serveForum answers as forum.stackstorm.com would have at t0 (or t1, with the 5 newest posts).
func serveForum(s *collectortest.Server, t1 bool) {
	s.Handle("/categories.json", ss("categories.json"))
	s.Handle("/latest.json", ss("latest.json"))
	s.Handle("/posts.json", ss("posts_t0.json"))
	s.Handle("/posts.json?before=4452", ss("posts_t0_before_4452.json"))
	s.Handle("/posts.json?before=4441", ss("posts_t0_before_4441.json"))
	s.Handle("/posts.json?before=4435", collectortest.Response{Body: []byte(`{"latest_posts":[]}`)})
	s.Handle("/search.json?q=workflow order:latest", ss("search_workflow_t0.json"))
	if t1 {
		s.Handle("/posts.json", ss("posts_t1.json"))
		s.Handle("/search.json?q=workflow order:latest", ss("search_workflow_t1.json"))
	}
}

// postIDs reads the ids of the recorded posts that carry text.
func postIDs(t *testing.T, files ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, f := range files {
		var page struct {
			LatestPosts []post `json:"latest_posts"`
		}
		if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/stackstorm/"+f), &page); err != nil {
			t.Fatal(err)
		}
		for _, p := range page.LatestPosts {
			if strings.TrimSpace(p.Cooked) != "" {
				ids = append(ids, p.ID)
			}
		}
	}
	return ids
}

// clock is a fake clock; its sleep advances it, so paced requests take no real time.
type clock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
		c.slept = append(c.slept, d)
	}
	return ctx.Err()
}

var forumNow = time.Date(2021, 9, 8, 0, 0, 0, 0, time.UTC)

func newCollector(t *testing.T, srv *collectortest.Server, clk *clock, mutate ...func(*Collector)) *Collector {
	t.Helper()
	c := New()
	c.URL = srv.URL
	c.Backfill = collectors.Duration(365 * 24 * time.Hour)
	c.Timeout = collectors.Duration(5 * time.Second)
	for _, m := range mutate {
		m(c)
	}
	c.SetFetcher(&httpfetch.Fetcher{Sleep: (&collectortest.InstantSleep{}).Sleep, Jitter: func() float64 { return 0 }})
	c.now, c.sleep = clk.now, clk.sleep
	c.SetWatch(collectors.Watch{Terms: []string{"workflow"}})
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	// One pacer per test server, not per host:port: a port reused by a later test must not
	// inherit an earlier test's bookings on another fake clock.
	p, _ := testPacers.LoadOrStore(srv, &pacer{})
	c.pace = p.(*pacer)
	return c
}

var testPacers sync.Map // *collectortest.Server → *pacer

func (c *Collector) ids(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = c.postID(id)
	}
	return out
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
		t.Errorf("got %v, want %v", g, w)
	}
}

func TestColdStartPaginationParticipationAndResume(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	clk := &clock{t: forumNow}
	c := newCollector(t, srv, clk)
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Errors()) > 0 {
		t.Fatal(sink.Errors())
	}
	t0 := postIDs(t, "posts_t0.json", "posts_t0_before_4452.json", "posts_t0_before_4441.json")
	checkIDs(t, sink.IDs(), c.ids(t0))
	host := c.host
	byID := map[string]collectors.Mention{}
	for _, m := range sink.Mentions() {
		byID[m.ID] = m
		if !strings.HasPrefix(m.ThreadID, host+"/t/") || m.Author == "" || m.Text == "" || !strings.HasPrefix(m.URL, srv.URL+"/t/") {
			t.Errorf("mention: %+v", m)
		}
	}
	if m := byID[host+"/p/4473"]; m.Community != "Workflows" || m.ThreadID != host+"/t/1824" || m.ParentID == "" {
		t.Errorf("post 4473: %+v", m)
	}
	if m := byID[host+"/p/4459"]; m.Community != "Documentation" {
		t.Errorf("post 4459 community %q", m.Community)
	}
	if len(sink.Participation()) == 0 {
		t.Error("no participation from latest.json")
	}
	for _, p := range sink.Participation() {
		if !strings.HasPrefix(p.ThreadID, host+"/t/") || p.Author == "" {
			t.Errorf("participation %+v", p)
		}
	}
	if n := srv.Count("/posts.json"); n != 4 {
		t.Errorf("read %d pages of posts, want 3 and the empty one that ends the list", n)
	}
	// Restart at t1.
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	serveForum(srv, true)
	srv.ResetRequests()
	c2 := newCollector(t, srv, clk)
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	sink2 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, sink2.IDs(), c.ids([]int64{4479, 4477, 4476}))
	if n := srv.Count("/posts.json"); n != 1 || srv.Count("/categories.json") != 1 {
		t.Errorf("t1 read %d pages of posts, want 1", n)
	}
	// Nothing new.
	sink3 := &collectortest.Sink{}
	if err := c2.Collect(context.Background(), sink3); err != nil || len(sink3.IDs()) > 0 {
		t.Errorf("third poll: %v %v", err, sink3.IDs())
	}
	if srv.Count("/categories.json") != 1 {
		t.Error("categories fetched again within a day")
	}
}

// TestStoredTextKeepsBlocks checks the text stored for real posts whose cooked HTML has code
// blocks, a quoted post and a numbered list: it keeps them as fenced code, "> " lines and
// "1. " items, the text feedreader's tests pin for these posts (testdata/blocks).
func TestStoredTextKeepsBlocks(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	c := newCollector(t, srv, &clock{t: forumNow})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	serveForum(srv, true)
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	byID := map[string]collectors.Mention{}
	for _, m := range sink.Mentions() {
		byID[m.ID] = m
	}
	for id, golden := range map[int64]string{4448: "discourse-code", 4476: "discourse-quote", 4463: "discourse-list"} {
		m, ok := byID[c.postID(id)]
		if !ok {
			t.Errorf("post %d not collected", id)
			continue
		}
		want := strings.TrimSuffix(string(collectortest.ReadFile(t, "../feedreader/testdata/blocks/"+golden+".golden")), "\n")
		if m.Text != want {
			t.Errorf("post %d: stored text\n%s\nwant\n%s", id, m.Text, want)
		}
	}
}

func TestSearchFillsTheGap(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	c := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.MaxPages = 1 })
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	want := append(postIDs(t, "posts_t0.json"), 4441, 4437) // two older hits through search
	checkIDs(t, sink.IDs(), c.ids(want))
	for _, m := range sink.Mentions() {
		if m.ID == c.postID(4437) && (m.Text == "" || m.Community == "") {
			t.Errorf("search hit: %+v", m)
		}
	}
}

func TestCategoryFilter(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	c := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.Categories = []string{"workflow-related-issues"} })
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.IDs()) == 0 {
		t.Fatal("nothing in Workflows")
	}
	for _, m := range sink.Mentions() {
		if m.Community != "Workflows" && m.Community != "Mistral" {
			t.Errorf("%s from %q", m.ID, m.Community)
		}
	}
	c2 := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.Categories = []string{"nope"} })
	if err := c2.Collect(context.Background(), &collectortest.Sink{}); err == nil || !strings.Contains(err.Error(), `"nope" is not a category`) {
		t.Errorf("unknown category: %v", err)
	}
}

func TestFailuresLoseAndDuplicateNothing(t *testing.T) {
	half := collectortest.ReadFile(t, "testdata/stackstorm/posts_t0.json")
	half = half[:len(half)/2]
	tests := []struct {
		name      string
		route     string
		fail      collectortest.Response
		mutate    func(*Collector)
		wantErr   string
		pollFails bool
		rateLimit time.Duration
	}{
		{"429 with Retry-After", "/posts.json", collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"300"}}}, nil, "HTTP 429", true, 5 * time.Minute},
		{"5xx on every try", "/posts.json", collectortest.Response{Status: 502}, nil, "HTTP 502", true, 0},
		{"5xx on page 2", "/posts.json?before=4452", collectortest.Response{Status: 500}, nil, "HTTP 500", true, 0},
		{"timeout", "/posts.json", collectortest.Response{Delay: 5 * time.Second}, func(c *Collector) { c.Timeout = collectors.Duration(50 * time.Millisecond) }, "timeout", true, 0},
		{"truncated JSON", "/posts.json", collectortest.Response{Body: half}, nil, "invalid JSON", true, 0},
		{"HTML instead of JSON", "/posts.json", collectortest.Response{Body: []byte("<html>Discourse is down</html>")}, nil, "invalid JSON", true, 0},
		{"oversize body", "/posts.json", collectortest.Response{Body: bytes.Repeat([]byte("x"), 2<<20)}, func(c *Collector) { c.MaxBytes = 1 << 20 }, "too large", true, 0},
		{"search fails", "/search.json?q=workflow order:latest", collectortest.Response{Status: 503}, nil, "HTTP 503", false, 0},
		{"latest topics fail", "/latest.json", collectortest.Response{Body: half}, nil, "invalid JSON", false, 0},
		{"categories fail", "/categories.json", collectortest.Response{Status: 500}, nil, "HTTP 500", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectortest.NewServer(t)
			serveForum(srv, false)
			srv.Handle(tt.route, tt.fail)
			var logs bytes.Buffer
			clk := &clock{t: forumNow}
			c := newCollector(t, srv, clk, func(c *Collector) {
				if tt.mutate != nil {
					tt.mutate(c)
				}
			})
			c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
			sink := &collectortest.Sink{}
			err := c.Collect(context.Background(), sink)
			if tt.pollFails != (err != nil) {
				t.Fatalf("Collect = %v, want failure %v", err, tt.pollFails)
			}
			msgs := fmt.Sprint(err, sink.Errors())
			if !strings.Contains(strings.ToLower(msgs), strings.ToLower(tt.wantErr)) {
				t.Errorf("errors %s do not mention %q", msgs, tt.wantErr)
			}
			if !tt.pollFails && !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("no warning logged")
			}
			if tt.rateLimit > 0 {
				if d, ok := collectors.RetryAfter(err); !collectors.IsRateLimited(err) || !ok || d != tt.rateLimit {
					t.Errorf("rate limit: %v %v", d, ok)
				}
			}
			var got []string
			if err == nil {
				got = sink.IDs()
			} else if len(sink.IDs()) > 0 {
				t.Errorf("a failed poll handed over %d items", len(sink.IDs()))
			}
			serveForum(srv, false)
			clk.mu.Lock()
			clk.t = clk.t.Add(tt.rateLimit) // the scheduler waits out Retry-After
			clk.mu.Unlock()
			c.Timeout, c.MaxBytes, c.fetch = collectors.Duration(5*time.Second), httpfetch.DefaultMaxBytes, nil
			if err := c.Init(); err != nil {
				t.Fatal(err)
			}
			sink2 := &collectortest.Sink{}
			if err := c.Collect(context.Background(), sink2); err != nil {
				t.Fatal(err)
			}
			t0 := postIDs(t, "posts_t0.json", "posts_t0_before_4452.json", "posts_t0_before_4441.json")
			checkIDs(t, append(got, sink2.IDs()...), c.ids(t0))
		})
	}
}

func TestRecordedAPIShapes(t *testing.T) {
	// The Discourse API's own example payloads (placeholder text), served as a forum would.
	srv := collectortest.NewServer(t)
	rec := func(name string) collectortest.Response {
		return collectortest.Response{File: "testdata/recorded/" + name}
	}
	srv.Handle("/categories.json", rec("categories.json"))
	srv.Handle("/latest.json", rec("latest.json"))
	srv.Handle("/posts.json", rec("posts_latest.json"))
	srv.Handle("/posts.json?before=10", rec("posts_before.json"))
	srv.Handle("/posts.json?before=2", collectortest.Response{Body: []byte(`{"latest_posts":[]}`)})
	srv.Handle("/search.json", rec("search.json"))
	c := newCollector(t, srv, &clock{t: time.Date(2020, 1, 26, 0, 0, 0, 0, time.UTC)}, func(c *Collector) {
		c.Backfill = collectors.Duration(20 * 365 * 24 * time.Hour)
		c.MaxPages = 1
	})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(string(collectortest.JSONLines(t, sink.Mentions())), c.host, "forum.test")
	p, _ := json.Marshal(sink.Participation())
	out += strings.ReplaceAll(string(p), c.host, "forum.test") + "\n"
	collectortest.Golden(t, "testdata/recorded/expected.golden", []byte(out))
}

func TestAPIKeyAndLeaksNoSecret(t *testing.T) {
	dir := t.TempDir()
	keyFile := dir + "/key"
	if err := os.WriteFile(keyFile, []byte(testKey), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	// The forum echoes the key in its error page, as misconfigured proxies do.
	srv.Handle("/posts.json", collectortest.Response{Status: 403, Body: []byte(`{"errors":["bad key ` + testKey + `"]}`)})
	var logs bytes.Buffer
	c := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) {
		c.APIKeyFile, c.APIUsername = keyFile, "system"
	})
	c.SetLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	sink := &collectortest.Sink{}
	err := c.Collect(context.Background(), sink)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Api-Key") != testKey || r.Header.Get("Api-Username") != "system" {
			t.Errorf("%s: API headers missing", r.URL)
		}
	}
	st, _ := c.State()
	dump, _ := json.Marshal(c)
	all := fmt.Sprintf("%v\n%+v\n%#v\n%s\n%s\n%s\n%v\n%s", err, c, c, st, dump, logs.String(), sink.Errors(), c.InstanceName())
	if strings.Contains(all, testKey) {
		t.Errorf("the API key leaked:\n%s", all)
	}
}

func TestInitErrorsNameTheKey(t *testing.T) {
	for key, mutate := range map[string]func(*Collector){
		"url":               func(c *Collector) { c.URL = "forum.example.com" },
		"url ":              func(c *Collector) { c.URL = "https://forum.example.com/?api_key=" + url.QueryEscape(testKey) },
		"every":             func(c *Collector) { c.Every = collectors.Duration(time.Second) },
		"api_username":      func(c *Collector) { c.APIKey = "k" },
		"api_key":           func(c *Collector) { c.APIKey, c.APIKeyFile = "k", "/tmp/k" },
		"max_pages":         func(c *Collector) { c.MaxPages = 0 },
		"search_per_second": func(c *Collector) { c.SearchPerSecond = 0 },
		"search_per_minute": func(c *Collector) { c.SearchPerMinute = 0 },
		"search_combine":    func(c *Collector) { c.SearchCombine = 0 },
		"spacing":           func(c *Collector) { c.Spacing = collectors.Duration(-time.Second) },
		"follow_for":        func(c *Collector) { c.FollowFor = 0 },
		"follow_replies":    func(c *Collector) { c.FollowReplies = 0 },
		"follow_requests":   func(c *Collector) { c.FollowRequests = -1 },
		"follow_topics":     func(c *Collector) { c.FollowTopics = 0 },
	} {
		c := New()
		c.URL = "https://forum.example.com"
		mutate(c)
		key = strings.TrimSpace(key)
		if err := c.Init(); err == nil || !strings.HasPrefix(err.Error(), key+" ") && !strings.HasPrefix(err.Error(), key+":") || strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: Init() = %v", key, err)
		}
	}
}

// recordedTopicPosts is the Discourse API's own /t/{id}/posts.json example: one reply whose
// likes are only in actions_summary (id 2, count 3).
func recordedTopicPosts(t *testing.T) []json.RawMessage {
	t.Helper()
	var tp struct {
		PostStream struct {
			Posts []json.RawMessage `json:"posts"`
		} `json:"post_stream"`
	}
	if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/recorded/topic_posts.json"), &tp); err != nil {
		t.Fatal(err)
	}
	return tp.PostStream.Posts
}

// TestLikesFromActionsSummary: /posts.json carries no like_count; the likes are the count of
// action 2 in actions_summary, and they become the mention's score.
func TestLikesFromActionsSummary(t *testing.T) {
	body, err := json.Marshal(map[string]any{"latest_posts": recordedTopicPosts(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := collectortest.NewServer(t)
	srv.Handle("/categories.json", collectortest.Response{Body: []byte(`{"category_list":{"categories":[]}}`)})
	srv.Handle("/latest.json", collectortest.Response{Body: []byte(`{"topic_list":{"topics":[]}}`)})
	srv.Handle("/posts.json", collectortest.Response{Body: body})
	srv.Handle("/posts.json?before=123456", collectortest.Response{Body: []byte(`{"latest_posts":[]}`)})
	c := newCollector(t, srv, &clock{t: time.Date(2020, 1, 28, 0, 0, 0, 0, time.UTC)}, func(c *Collector) { c.Search = false })
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	ms := sink.Mentions()
	if len(ms) != 1 || ms[0].Score != 3 {
		t.Fatalf("mentions %+v, want one with score 3", ms)
	}
	for _, tt := range []struct {
		name      string
		likeCount int
		a         actions
		want      int
	}{
		{"like_count wins", 5, actions{{ID: 2, Count: 3}}, 5},
		{"only actions_summary", 0, actions{{ID: 3, Count: 9}, {ID: 2, Count: 4}}, 4},
		{"no like action", 0, actions{{ID: 3, Count: 9}}, 0},
		{"nothing", 0, nil, 0},
	} {
		if got := likes(tt.likeCount, tt.a); got != tt.want {
			t.Errorf("%s: likes = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// discourseSearchLimiter answers /search.json as Discourse does for anonymous users: at most
// 2 searches a second and 15 a minute per IP, 429 beyond, with times from the fake clock.
type discourseSearchLimiter struct {
	clk     *clock
	mu      sync.Mutex
	at      []time.Time
	refused int
	terms   []string // the q of each answered search, without " order:latest"
}

func (l *discourseSearchLimiter) handle(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.now()
	inLast := func(d time.Duration) int {
		n := 0
		for _, t := range l.at {
			if now.Sub(t) < d {
				n++
			}
		}
		return n
	}
	if inLast(time.Second) >= 2 || inLast(time.Minute) >= 15 {
		l.refused++
		w.Header().Set("Retry-After", "30")
		http.Error(w, `{"errors":["You’ve performed this action too many times."]}`, http.StatusTooManyRequests)
		return
	}
	l.at = append(l.at, now)
	l.terms = append(l.terms, strings.TrimSuffix(r.URL.Query().Get("q"), " order:latest"))
	_, _ = w.Write([]byte(`{"posts":[],"topics":[]}`))
}

// TestSearchKeepsToTheForumsLimits: with the default config's 16 terms, polls every 5 minutes
// and every 30 seconds never exceed 2 searches a second or 15 a minute, and every term is
// searched in turn (the 16th is no longer refused forever).
func TestSearchKeepsToTheForumsLimits(t *testing.T) {
	terms := []string{"ollama", "llama.cpp", "lm studio", "vllm", "gguf", "quantization", "mlx", "koboldcpp",
		"open webui", "text-generation-webui", "exllama", "gpu", "cuda", "rocm", "vulkan", "self-hosting"}
	for _, every := range []time.Duration{5 * time.Minute, 30 * time.Second} {
		t.Run(every.String(), func(t *testing.T) {
			srv := collectortest.NewServer(t)
			serveForum(srv, false)
			clk := &clock{t: forumNow}
			lim := &discourseSearchLimiter{clk: clk}
			srv.Handle("/search.json", collectortest.Response{Handler: lim.handle})
			c := newCollector(t, srv, clk)
			c.SetWatch(collectors.Watch{Terms: terms})
			lastSeen := map[string]int{}
			for poll := range 12 {
				start := clk.now()
				sink := &collectortest.Sink{}
				if err := c.Collect(context.Background(), sink); err != nil {
					t.Fatal(err)
				}
				for _, err := range sink.Errors() {
					t.Errorf("poll %d: %v", poll, err)
				}
				lim.mu.Lock()
				for _, q := range lim.terms {
					lastSeen[strings.Trim(q, `"`)] = poll
				}
				lim.terms = nil
				lim.mu.Unlock()
				st, _ := c.State()
				c2 := newCollector(t, srv, clk) // a restart keeps the turn
				if err := c2.SetState(st); err != nil {
					t.Fatal(err)
				}
				c2.SetWatch(collectors.Watch{Terms: terms})
				c = c2
				clk.mu.Lock()
				clk.t = start.Add(every)
				clk.mu.Unlock()
			}
			if lim.refused > 0 {
				t.Errorf("%d searches refused", lim.refused)
			}
			// 12 polls every 30s are 6 minutes: 90 searches, so every term has had a turn
			// within the last three polls' minute and a half.
			for _, term := range terms {
				p, ok := lastSeen[term]
				if !ok || p < 12-4 {
					t.Errorf("term %q last searched in poll %d (%v)", term, p, ok)
				}
			}
		})
	}
}

// TestSearchRefusalPausesSearches: a 429 ends the poll's searches at once (no retry, no more
// terms), and the refused term goes first next poll.
func TestSearchRefusalPausesSearches(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	clk := &clock{t: forumNow}
	// "workflow" is answered (its own route), then the forum refuses.
	srv.Handle("/search.json", collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"20"}}})
	c := newCollector(t, srv, clk)
	c.SetWatch(collectors.Watch{Terms: []string{"workflow", "action", "sensor"}})
	sink := &collectortest.Sink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("/search.json"); n != 2 {
		t.Errorf("%d searches, want 2: none after the refusal", n)
	}
	if len(sink.Errors()) != 1 || !collectors.IsRateLimited(sink.Errors()[0]) {
		t.Errorf("errors %v", sink.Errors())
	}
	srv.Handle("/search.json", collectortest.Response{Body: []byte(`{"posts":[],"topics":[]}`)})
	srv.ResetRequests()
	clk.mu.Lock()
	clk.t = clk.t.Add(5 * time.Minute)
	clk.mu.Unlock()
	if err := c.Collect(context.Background(), &collectortest.Sink{}); err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.URL, "/search.json") {
			qs = append(qs, r.Query.Get("q"))
		}
	}
	if want := []string{"action order:latest", "sensor order:latest", "workflow order:latest"}; !slices.Equal(qs, want) {
		t.Errorf("searches %q, want %q", qs, want)
	}
}

// TestSearchCombinesTermsWithOR: search_combine joins terms with OR, phrases quoted.
func TestSearchCombinesTermsWithOR(t *testing.T) {
	c := New()
	c.SearchCombine = 2
	c.SetWatch(collectors.Watch{Terms: []string{"Ollama", "lm studio", "vllm"}})
	if got, want := c.searches(), []string{`ollama OR "lm studio"`, "vllm"}; !slices.Equal(got, want) {
		t.Errorf("searches %q, want %q", got, want)
	}
}

// TestInstancesToOneHostAreStaggered: instances polling one host at the same moment (as
// `once` starts them) send their requests one spacing apart, never together.
func TestInstancesToOneHostAreStaggered(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	var (
		mu    sync.Mutex
		slots []time.Duration
	)
	const instances = 6
	cs := make([]*Collector, instances)
	for i := range cs {
		cs[i] = newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.Search = false })
		cs[i].sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			slots = append(slots, d) // the clock stands still: d is the slot's offset from now
			return ctx.Err()
		}
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Collect(context.Background(), &collectortest.Sink{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(slots) != len(srv.Requests()) || len(slots) < 3*instances {
		t.Fatalf("%d slots for %d requests", len(slots), len(srv.Requests()))
	}
	slices.Sort(slots)
	for i := 1; i < len(slots); i++ {
		if gap := slots[i] - slots[i-1]; gap < cs[0].Spacing.D() {
			t.Fatalf("requests %d and %d only %s apart", i-1, i, gap)
		}
	}
}

var stackstorm = []collectors.Brand{{Name: "StackStorm", Query: "stackstorm OR st2"}}

// contextSink is a collectortest.Sink that also takes mentions in context.
type contextSink struct {
	collectortest.Sink
	mu        sync.Mutex
	inContext map[string]inContext
}

type inContext struct {
	brands []string
	title  string
}

var _ ContextSink = (*contextSink)(nil)

func (s *contextSink) AddInContext(m collectors.Mention, brands []string, threadTitle string) {
	s.mu.Lock()
	if s.inContext == nil {
		s.inContext = map[string]inContext{}
	}
	s.inContext[m.ID] = inContext{brands, threadTitle}
	s.mu.Unlock()
	s.Add(m)
}

func (s *contextSink) contextIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.inContext {
		ids = append(ids, id)
	}
	return ids
}

// TestFollowsTheBrandsTopicsThroughTheStream: replies after a post naming StackStorm come as
// mentions of StackStorm in context, also across a restart, though most do not name it;
// replies whose only tie to the brand is the topic's title are not matched through it.
func TestFollowsTheBrandsTopicsThroughTheStream(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	clk := &clock{t: time.Date(2021, 8, 31, 0, 0, 0, 0, time.UTC)} // after post 4473, before 4476
	twoWeeks := func(c *Collector) { c.FollowFor = collectors.Duration(14 * 24 * time.Hour) }
	c := newCollector(t, srv, clk, twoWeeks)
	c.SetBrands(stackstorm)
	sink := &contextSink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	// Topic 1810: 4439 (the first post) names st2; replies 4440 and 4442 follow. Topic 1820:
	// 4459 (the first post) names StackStorm; its reply 4477 comes 11 days later, after a restart.
	checkIDs(t, sink.contextIDs(), c.ids([]int64{4440, 4442}))
	st, _ := c.State()
	serveForum(srv, true)
	clk.mu.Lock()
	clk.t = forumNow
	clk.mu.Unlock()
	c2 := newCollector(t, srv, clk, twoWeeks)
	c2.SetBrands(stackstorm)
	if err := c2.SetState(st); err != nil {
		t.Fatal(err)
	}
	sink2 := &contextSink{}
	if err := c2.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, sink2.contextIDs(), c.ids([]int64{4477}))
	lost := 0
	for _, s := range []*contextSink{sink, sink2} {
		for _, m := range s.Mentions() {
			ic, ok := s.inContext[m.ID]
			if !ok {
				continue
			}
			if !slices.Equal(ic.brands, []string{"StackStorm"}) || ic.title == "" || m.Title != "" {
				t.Errorf("%s in context %+v, title %q", m.ID, ic, m.Title)
			}
			if len(c.brandsOf(m)) == 0 {
				lost++
			}
		}
	}
	if lost != 2 { // 4442 and 4477 do not name StackStorm: without following, both were lost
		t.Errorf("%d replies in context do not name the brand, want 2", lost)
	}
	// Topic 21 is "Welcome to StackStorm Forums"; its replies 4481 and 4482 name nothing.
	for _, m := range sink2.Mentions() {
		if m.ID == c.postID(4481) || m.ID == c.postID(4482) {
			if m.Title != "" || len(c.brandsOf(m)) > 0 {
				t.Errorf("reply %s matched through its topic's title: %+v", m.ID, m)
			}
		}
	}
	if st, _ := c2.State(); strings.Contains(string(st), `"follow"`) {
		t.Errorf("topics still followed past their window: %s", st)
	}
	// A sink that cannot take context gets the replies as plain mentions.
	serveForum(srv, false)
	c3 := newCollector(t, srv, &clock{t: forumNow}, twoWeeks)
	c3.SetBrands(stackstorm)
	plain := &collectortest.Sink{}
	if err := c3.Collect(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(plain.IDs(), c.postID(4442)) {
		t.Error("reply 4442 not handed over to a plain sink")
	}
}

// TestFollowReadsTheTopicOfASearchHit: a brand post found by search (older than the stream)
// has its topic read once through /t/{id}/posts.json, within follow_for and follow_replies.
func TestFollowReadsTheTopicOfASearchHit(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Collector)
		replies []int64
	}{
		{"defaults", func(*Collector) {}, []int64{4292, 4293, 4294, 4295, 4296, 4297, 4298, 4299, 4300, 4301}},
		{"follow_for 72h", func(c *Collector) { c.FollowFor = collectors.Duration(72 * time.Hour) }, []int64{4292, 4293, 4294}},
		{"follow_replies 2", func(c *Collector) { c.FollowReplies = 2 }, []int64{4292, 4293}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := collectortest.NewServer(t)
			serveForum(srv, false)
			srv.Handle("/search.json?q=stackstorm order:latest", ss("search_stackstorm_t1741.json"))
			srv.Handle("/t/1741/posts.json?post_number=1&asc=true", ss("topic_1741_posts_after_1.json"))
			c := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.MaxPages = 1 }, tt.mutate)
			c.SetWatch(collectors.Watch{Terms: []string{"stackstorm"}})
			c.SetBrands(stackstorm)
			sink := &contextSink{}
			if err := c.Collect(context.Background(), sink); err != nil {
				t.Fatal(err)
			}
			if len(sink.Errors()) > 0 {
				t.Fatal(sink.Errors())
			}
			if !slices.Contains(sink.IDs(), c.postID(4291)) {
				t.Fatal("the search hit was not handed over")
			}
			checkIDs(t, sink.contextIDs(), c.ids(tt.replies))
			for _, m := range sink.Mentions() {
				if _, ok := sink.inContext[m.ID]; !ok {
					continue
				}
				ic := sink.inContext[m.ID]
				if m.Community != "Workflows" || m.Title != "" || ic.title != "Workflow variable comparison" ||
					!strings.HasPrefix(m.URL, srv.URL+"/t/workflow-variable-comparison/1741/") || m.ThreadID != c.threadID(1741) {
					t.Errorf("reply %+v in context %+v", m, ic)
				}
			}
			if m := sink.Mentions()[len(sink.Mentions())-1]; tt.name == "defaults" && m.Score != 2 { // post 11: 11 % 3 likes
				t.Errorf("last reply %s score %d", m.ID, m.Score)
			}
			// The topic is read once; the next poll asks nothing more.
			if err := c.Collect(context.Background(), &contextSink{}); err != nil {
				t.Fatal(err)
			}
			if n := srv.Count("/t/1741/posts.json"); n != 1 {
				t.Errorf("topic read %d times", n)
			}
		})
	}
}

// TestFollowRetriesAFailingTopicWithinItsBudget: follow_requests 0 reads no topic; a topic
// that fails is reported and read next poll.
func TestFollowRetriesAFailingTopicWithinItsBudget(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	srv.Handle("/search.json?q=stackstorm order:latest", ss("search_stackstorm_t1741.json"))
	fail := collectortest.Response{Status: 500}
	srv.Handle("/t/1741/posts.json?post_number=1&asc=true", fail, fail, fail, fail, ss("topic_1741_posts_after_1.json"))
	c := newCollector(t, srv, &clock{t: forumNow}, func(c *Collector) { c.MaxPages, c.FollowRequests = 1, 0 })
	c.SetWatch(collectors.Watch{Terms: []string{"stackstorm"}})
	c.SetBrands(stackstorm)
	if err := c.Collect(context.Background(), &contextSink{}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("/t/1741/posts.json"); n != 0 {
		t.Fatalf("follow_requests 0 read the topic %d times", n)
	}
	c.FollowRequests = 1
	sink := &contextSink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Errors()) != 1 || !strings.Contains(sink.Errors()[0].Error(), "topic 1741") || len(sink.contextIDs()) > 0 {
		t.Fatalf("errors %v, in context %v", sink.Errors(), sink.contextIDs())
	}
	sink2 := &contextSink{}
	if err := c.Collect(context.Background(), sink2); err != nil {
		t.Fatal(err)
	}
	if len(sink2.contextIDs()) != 10 {
		t.Errorf("%d replies in context after the retry, want 10", len(sink2.contextIDs()))
	}
}

// TestRepliesDoNotMatchThroughTheTopicTitle: replies carry no title, so the topic "Issue while
// calling first task in workflow in stackstorm v3.1.0" does not make its replies, which do not
// name StackStorm, mentions of StackStorm (the rss source's forum feeds did).
func TestRepliesDoNotMatchThroughTheTopicTitle(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	srv.Handle("/posts.json", ss("posts_topic_1325_replies.json"))
	srv.Handle("/posts.json?before=4203", collectortest.Response{Body: []byte(`{"latest_posts":[]}`)})
	c := newCollector(t, srv, &clock{t: time.Date(2020, 7, 11, 0, 0, 0, 0, time.UTC)}, func(c *Collector) { c.Search = false })
	c.SetBrands(stackstorm)
	sink := &contextSink{}
	if err := c.Collect(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, sink.IDs(), c.ids([]int64{4203, 4204, 4205, 4206, 4207, 4209}))
	for _, m := range sink.Mentions() {
		if _, inCtx := sink.inContext[m.ID]; m.Title != "" || inCtx || len(c.brandsOf(m)) > 0 {
			t.Errorf("reply %s matched through its topic's title: %+v", m.ID, m)
		}
		full := collectors.Mention{Title: "Issue while calling first task in workflow in stackstorm v3.1.0", Text: m.Text}
		if len(c.brandsOf(full)) == 0 {
			t.Errorf("reply %s with the title would not have matched: the test proves nothing", m.ID)
		}
	}
}

// TestA429HoldsEveryInstanceOnTheHost: after the host answers 429 with Retry-After, the
// other instances on it send nothing until then and fail at once with the time left.
func TestA429HoldsEveryInstanceOnTheHost(t *testing.T) {
	srv := collectortest.NewServer(t)
	serveForum(srv, false)
	srv.Handle("/posts.json", collectortest.Response{Status: 429, Header: http.Header{"Retry-After": {"300"}}})
	clk := &clock{t: forumNow}
	a := newCollector(t, srv, clk)
	b := newCollector(t, srv, clk, func(c *Collector) { c.Categories = nil })
	if err := a.Collect(context.Background(), &collectortest.Sink{}); !collectors.IsRateLimited(err) {
		t.Fatalf("first instance: %v", err)
	}
	serveForum(srv, false)
	srv.ResetRequests()
	err := b.Collect(context.Background(), &collectortest.Sink{})
	if d, ok := collectors.RetryAfter(err); !collectors.IsRateLimited(err) || !ok || d < 4*time.Minute || d > 5*time.Minute {
		t.Fatalf("second instance: %v (retry after %v)", err, d)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("second instance sent %d requests while the host was held", n)
	}
	clk.mu.Lock()
	clk.t = clk.t.Add(5 * time.Minute)
	clk.mu.Unlock()
	if err := b.Collect(context.Background(), &collectortest.Sink{}); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
}

// TestSearchCursorKeys: a phrase's cursor keeps the key earlier versions gave it (no quotes),
// so an upgrade does not read its first poll's backfill again.
func TestSearchCursorKeys(t *testing.T) {
	for q, want := range map[string]string{"workflow": "workflow", `"lm studio"`: "lm studio", `ollama OR "lm studio"`: `ollama OR "lm studio"`} {
		if got := termKey(q); got != want {
			t.Errorf("termKey(%s) = %s, want %s", q, got, want)
		}
	}
}
