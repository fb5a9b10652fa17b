package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors/collectortest"
)

// TestServeKeepsCollectingWhileOneSourceIsDown runs `overhear serve` with the Reddit, Hacker
// News, Discourse and RSS collectors against fake servers replaying recorded payloads. The
// Discourse forum is down (503 with Retry-After on every request); the other sources must
// still deliver mentions to the store and the API, and the metrics must show the failure.
func TestServeKeepsCollectingWhileOneSourceIsDown(t *testing.T) {
	const redditData = "../../collectors/reddit/testdata/api/"
	reddit := collectortest.NewServer(t)
	reddit.Handle("/api/v1/access_token", collectortest.Response{
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"access_token": "e2e-token", "token_type": "bearer", "expires_in": 3600, "scope": "*"}`),
	})
	rl := http.Header{"X-Ratelimit-Remaining": {"598.0"}, "X-Ratelimit-Used": {"2"}, "X-Ratelimit-Reset": {"420"}}
	reddit.Handle("/r/ollama+LocalLLaMA/new", collectortest.Response{File: redditData + "new_t0_p1.json", Header: rl})
	reddit.Handle("/r/ollama+LocalLLaMA/new?after=t3_1u0ig1k", collectortest.Response{File: redditData + "new_t0_p2.json", Header: rl})
	reddit.Handle("/r/ollama+LocalLLaMA/comments", collectortest.Response{File: redditData + "comments_t0_p2.json", Header: rl})
	reddit.Handle("/search", collectortest.Response{File: redditData + "search_ollama_t0.json", Header: rl})

	hn := collectortest.NewServer(t)
	hn.Handle("/api/v1/search_by_date", collectortest.Response{File: "../../collectors/hackernews/testdata/algolia_comments_25015967.json"})

	forum := collectortest.NewServer(t)
	forum.Handle("/", collectortest.Response{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"1"}}})
	for _, p := range []string{"/categories.json", "/posts.json", "/latest.json", "/search.json"} {
		forum.Handle(p, collectortest.Response{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"1"}}})
	}

	feeds := collectortest.NewServer(t)
	feeds.Handle("/latest.rss", collectortest.Response{File: "../../collectors/rss/testdata/stackstorm-latest.rss"})

	dir := t.TempDir()
	config := fmt.Sprintf(`
storage:
  path: %s
  retention: 0
http:
  listen: 127.0.0.1:0
brands:
  - name: Ollama
    query: ollama
    accounts: {reddit: [overhear_test]}
  - name: Biden
    query: biden
topics:
  - name: workflows
    query: workflow OR workflows
sources:
  reddit:
    subreddits: [ollama, LocalLLaMA]
    client_id: e2e-client
    client_secret: ${OVERHEAR_E2E_SECRET}
    user_agent: "test:overhear-e2e:v0 (by /u/overhear_test)"
    base_url: %s
    token_url: %s/api/v1/access_token
    backfill: 3650d
  hackernews:
    base_url: %s
    backfill: 3650d
  discourse:
    - url: %s
      backfill: 3650d
  rss:
    - url: %s/latest.rss
`, filepath.Join(dir, "overhear.db"), reddit.URL, reddit.URL, hn.URL, forum.URL, feeds.URL)
	cfgPath := filepath.Join(dir, "overhear.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OVERHEAR_E2E_SECRET", "e2e-secret-XYZ")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	addrCh := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Ready:  func(addr string) { addrCh <- addr }}
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", cfgPath}) }()
	var addr string
	select {
	case addr = <-addrCh:
	case code := <-done:
		t.Fatalf("serve exited with %d:\n%s", code, logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start:\n%s", logs.String())
	}
	base := "http://" + addr

	count := func(source string) int {
		resp, err := http.Get(base + "/api/mentions?limit=1000&source=" + source)
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		var page struct {
			Mentions []json.RawMessage `json:"mentions"`
		}
		if json.NewDecoder(resp.Body).Decode(&page) != nil {
			return -1
		}
		return len(page.Mentions)
	}
	metrics := func() string {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	collectortest.Eventually(t, 30*time.Second, func() bool {
		return count("reddit") > 0 && count("hackernews") > 0 && count("rss") > 0 &&
			strings.Contains(metrics(), `overhear_collector_polls_total{result="error",source="discourse"} 1`)
	}, "mentions from reddit, hackernews and rss while discourse is down; logs:\n%s", &logs)

	mt := metrics()
	for _, src := range []string{"reddit", "hackernews", "rss"} {
		if !strings.Contains(mt, fmt.Sprintf(`overhear_collector_polls_total{result="ok",source="%s"} 1`, src)) {
			t.Errorf("no successful %s poll in /metrics", src)
		}
	}
	if strings.Contains(mt, `overhear_collector_last_success_timestamp_seconds{source="discourse"} 1`) {
		t.Error("discourse reported a success")
	}
	if n := forum.Count("/categories.json"); n < 2 {
		t.Errorf("the forum was tried %d times, want retries", n)
	}
	// Every mention carries a thread.
	resp, err := http.Get(base + "/api/mentions?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Mentions []struct {
			ThreadID string `json:"thread_id"`
		} `json:"mentions"`
	}
	var raw bytes.Buffer
	if err := json.NewDecoder(io.TeeReader(resp.Body, &raw)).Decode(&page); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, m := range page.Mentions {
		if m.ThreadID == "" {
			t.Errorf("mention without thread_id in %s", raw.String()[:min(300, raw.Len())])
			break
		}
	}
	if strings.Contains(logs.String(), "e2e-secret-XYZ") || strings.Contains(logs.String(), "e2e-token") || strings.Contains(mt, "e2e-secret-XYZ") {
		t.Error("a secret reached the logs or the metrics")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Error("serve did not stop")
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
