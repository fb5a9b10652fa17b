package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testMain returns a Main with captured output and a silent logger.
func testMain(stdin string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Logger: slog.New(slog.DiscardHandler)}, &out, &errb
}

func writeConfig(tb testing.TB, dir, body string) string {
	tb.Helper()
	path := filepath.Join(dir, "overhear.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// feedServer serves a real Reddit Atom snapshot with an ETag and counts conditional hits.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	body        []byte
	etag        string
	notModified atomic.Int32
	requests    atomic.Int32
}

func newFeedServer(tb testing.TB, file string) *feedServer {
	tb.Helper()
	fs := &feedServer{}
	fs.set(tb, file)
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		fs.mu.Lock()
		body, etag := fs.body, fs.etag
		fs.mu.Unlock()
		if r.Header.Get("If-None-Match") == etag {
			fs.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(body)
	}))
	tb.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(tb testing.TB, file string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	fs.mu.Lock()
	fs.body, fs.etag = b, fmt.Sprintf(`"%s-%d"`, file, len(b))
	fs.mu.Unlock()
}

// startServe runs `overhear serve` until the test ends and returns its address.
func startServe(tb testing.TB, configPath string) (addr string, stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m, _, errb := testMain("")
	ready := make(chan string, 1)
	m.Ready = func(a string) { ready <- a }
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", configPath}) }()
	select {
	case addr = <-ready:
	case code := <-done:
		tb.Fatalf("serve exited with %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		tb.Fatal("serve did not start")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code := <-done; code != 0 {
			tb.Errorf("serve exited with %d: %s", code, errb.String())
		}
	}
	tb.Cleanup(stop)
	return addr, stop
}

func get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func metricValue(body, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

const e2eConfig = `
storage: {path: overhear.db, retention: 10000d}
http: {listen: 127.0.0.1:0}
brands:
  - name: Ollama
    query: ollama
  - name: LM Studio
    query: '"lm studio" OR lmstudio'
topics:
  - name: gpu
    query: gpu OR gpus OR vram
sources:
  rss:
    - url: %s/r/ollama/.rss
      every: 10s
      community: ollama
`

func TestServeEndToEnd(t *testing.T) {
	feeds := newFeedServer(t, "ollama.atom")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(e2eConfig, feeds.URL))
	addr, stop := startServe(t, cfg)
	base := "http://" + addr

	var metrics string
	waitFor(t, "mentions on /metrics", func() bool {
		_, metrics = get(t, base+"/metrics")
		return metricValue(metrics, `overhear_collector_polls_total{result="ok",source="rss"}`) >= 1
	})
	var stored float64
	for _, s := range []string{"positive", "neutral", "negative"} {
		stored += metricValue(metrics, fmt.Sprintf(`overhear_mentions_total{brand="Ollama",sentiment="%s",source="rss"}`, s))
	}
	if stored < 10 {
		t.Fatalf("only %v Ollama mentions counted on /metrics:\n%s", stored, grepLines(metrics, "overhear_mentions_total"))
	}
	// Series for a quiet brand exist from start, at zero.
	if v := metricValue(metrics, `overhear_mentions_total{brand="LM Studio",sentiment="negative",source="rss"}`); v != 0 {
		t.Errorf("LM Studio series = %v, want present at 0", v)
	}
	if code, body := get(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d %s", code, body)
	}
	code, body := get(t, base+"/api/mentions?brand=Ollama&limit=5")
	var page struct {
		Mentions []map[string]any `json:"mentions"`
		Next     string           `json:"next"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Mentions) != 5 || page.Next == "" {
		t.Fatalf("/api/mentions = %d %.300s", code, body)
	}
	m := page.Mentions[0]
	for _, k := range []string{"id", "source", "community", "text", "created_at", "sentiment", "brands", "question", "unattended"} {
		if _, ok := m[k]; !ok {
			t.Errorf("mention JSON lacks %q: %v", k, m)
		}
	}
	if code, _ := get(t, base+"/api/mentions?since=yesterday"); code != 400 {
		t.Errorf("bad since: status %d, want 400", code)
	}
	stop()

	// A restart resumes from the stored validators: the feed answers 304 and nothing is stored twice.
	before := countMentions(t, cfg)
	requests := feeds.requests.Load()
	addr, stop = startServe(t, cfg)
	waitFor(t, "a conditional re-poll", func() bool { return feeds.requests.Load() > requests })
	waitFor(t, "the 304 to be counted", func() bool {
		_, metrics = get(t, "http://"+addr+"/metrics")
		return metricValue(metrics, `overhear_collector_polls_total{result="not_modified",source="rss"}`) >= 1
	})
	if feeds.notModified.Load() < 1 {
		t.Error("the restarted collector did not send its stored ETag")
	}
	stop()
	if after := countMentions(t, cfg); after != before {
		t.Errorf("mentions %d → %d after a re-poll of the same feed", before, after)
	}

	// New entries in the feed are picked up; the ones seen before are not duplicated.
	feeds.set(t, "ollama-next.atom")
	m2, out, errb := testMain("")
	if code := m2.Run(context.Background(), []string{"once", "--config", cfg}); code != 0 {
		t.Fatalf("once = %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "new mentions stored") {
		t.Errorf("once printed %q", out.String())
	}
	if after := countMentions(t, cfg); after <= before {
		t.Errorf("no new mentions after the feed changed (%d → %d)", before, after)
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func countMentions(tb testing.TB, cfg string) int {
	tb.Helper()
	m, out, errb := testMain("")
	if code := m.Run(context.Background(), []string{"stats", "--config", cfg}); code != 0 {
		tb.Fatalf("stats = %d: %s", code, errb.String())
	}
	var st Stats
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		tb.Fatalf("stats output %q: %v", out.String(), err)
	}
	return int(st.MentionsTotal)
}

func TestIngestStatsAndLockedStore(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
storage: {path: data/o.db}
http: {listen: 127.0.0.1:0}
brands:
  - name: Acme
    query: acme
    accounts: {rss: [acme_team]}
`)
	in := strings.Join([]string{
		`{"id":"1","text":"Acme broke again, support never answers. Terrible.","source":"rss","community":"forum","author":"bob","thread_id":"t1","created_at":"2026-11-20T10:00:00Z","score":12}`,
		`{"id":"2","text":"How do I reset my Acme widget?","author":"ann","thread_id":"t2"}`,
		`{"id":"3","text":"We are on it!","source":"rss","author":"acme_team","thread_id":"t1"}`,
		`{"id":"4","text":"nothing relevant here"}`,
		`{"id":"5","text":"acme","created_at":"last tuesday"}`,
		`not json at all`,
		`{"id":"1","text":"Acme broke again, support never answers. Terrible.","source":"rss"}`,
	}, "\n")
	m, out, errb := testMain(in)
	code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"})
	if code != 1 {
		t.Errorf("ingest with invalid lines = exit %d, want 1 (%s)", code, errb.String())
	}
	if !strings.Contains(out.String(), "2 stored, 1 already stored, 2 skipped") || !strings.Contains(errb.String(), "line 5") || !strings.Contains(errb.String(), "line 6") {
		t.Errorf("ingest output: %q / %q", out.String(), errb.String())
	}
	if n := countMentions(t, cfg); n != 2 {
		t.Errorf("stored %d mentions, want 2", n)
	}
	// The source of a line is kept when it is a registered source, else "import".
	// stats and the API agree on what is attended: the brand's reply attends thread t1.
	c, err := LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app, err := openApp(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(app.handler(func() error { return nil }))
	_, body := get(t, ts.URL+"/api/mentions?brand=Acme")
	var page struct{ Mentions []map[string]any }
	json.Unmarshal([]byte(body), &page)
	got := map[string]string{}
	for _, mm := range page.Mentions {
		got[fmt.Sprint(mm["id"])] = fmt.Sprintf("%v/%v", mm["source"], mm["unattended"])
	}
	if got["1"] != "rss/false" || got["2"] != "import/true" {
		t.Errorf("mentions = %v, want 1 attended (rss) and 2 unattended (import)", got)
	}
	// While a writer holds the store, ingest fails at once and names the holder.
	if err := app.db.Advertise("127.0.0.1:1234"); err != nil {
		t.Fatal(err)
	}
	m, _, errb = testMain(`{"id":"9","text":"acme"}`)
	start := time.Now()
	code = m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"})
	if code != 1 || !strings.Contains(errb.String(), "127.0.0.1:1234") || time.Since(start) > 5*time.Second {
		t.Errorf("ingest on a locked store: exit %d after %v: %s", code, time.Since(start), errb.String())
	}
	ts.Close()
	app.Close()
}

func TestAnalyzeContract(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"a","text":"LM Studio is great, unlike Ollama which broke twice.","target":"Ollama"}`,
		`{"id":7,"text":"How do I make Ollama use my second GPU?"}`,
		`{"text":"no id"}`,
		`{broken`,
		``,
		`{"id":"z","text":"plain"}`,
	}, "\n")
	m, out, errb := testMain(in)
	if code := m.Run(context.Background(), []string{"analyze", "--brand", "Ollama=ollama", "--brand", `LM Studio="lm studio"`}); code != 0 {
		t.Fatalf("analyze = %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines for 5 non-empty inputs:\n%s", len(lines), out.String())
	}
	var first struct {
		ID              string
		Brands          []struct{ Name string }
		TargetSentiment *struct{ Label string } `json:"target_sentiment"`
		Question        *bool
	}
	json.Unmarshal([]byte(lines[0]), &first)
	if first.ID != "a" || len(first.Brands) != 2 || first.TargetSentiment == nil || first.TargetSentiment.Label != "negative" || first.Question == nil {
		t.Errorf("line 1 = %s", lines[0])
	}
	if !strings.Contains(lines[1], `"id":"7"`) || !strings.Contains(lines[1], `"question":true`) {
		t.Errorf("line 2 = %s", lines[1])
	}
	if !strings.Contains(lines[2], `"error"`) || !strings.Contains(lines[3], `"error"`) || !strings.Contains(lines[4], `"id":"z"`) {
		t.Errorf("error lines = %s / %s / %s", lines[2], lines[3], lines[4])
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"nope"}, 2},
		{[]string{"check", "--bogus"}, 2},
		{[]string{"check", "--config", "/does/not/exist.yaml"}, 2},
		{[]string{"serve", "--config", "/does/not/exist.yaml"}, 2},
		{[]string{"ingest", "--config", "/does/not/exist.yaml", "--file", "-"}, 2},
		{[]string{"serve", "--help"}, 0},
		{[]string{"analyze", "--brand", "NoEquals"}, 2},
		{[]string{"analyze", "--brand", "X=(unclosed"}, 2},
		{[]string{"version"}, 0},
	}
	for _, tt := range tests {
		m, _, errb := testMain("")
		if got := m.Run(context.Background(), tt.args); got != tt.want {
			t.Errorf("overhear %v = %d, want %d (%s)", tt.args, got, tt.want, errb.String())
		}
	}
}
