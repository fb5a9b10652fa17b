package main

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/cmd/overhear/demo"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

func TestDemoOnABusyPortFailsFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var logs syncBuffer
	m, out, errb := testMain("")
	m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	start := time.Now()
	code := m.Run(context.Background(), []string{"demo", "--listen", busy.Addr().String(), "--exit-after", "1s"})
	if code != 1 || !strings.Contains(errb.String(), "already in use") {
		t.Errorf("demo on a busy port: exit %d, stderr %q; want 1 and \"already in use\"", code, errb.String())
	}
	// Nothing was done before the bind failed: no summary, no alert, no replay.
	if out.Len() > 0 || strings.Contains(logs.String(), "msg=alert") {
		t.Errorf("demo did work before failing to bind: stdout %q, log %q", out.String(), logs.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("demo took %v to fail on a busy port", d)
	}
}

func TestDemoStopsItsWorkersBeforeClosingTheStore(t *testing.T) {
	// Batches every few milliseconds keep the live replay busy when --exit-after ends the demo.
	defer func(d time.Duration) { demoLiveEvery = d }(demoLiveEvery)
	demoLiveEvery = 5 * time.Millisecond
	for i := range 4 {
		var logs syncBuffer
		m, _, errb := testMain("")
		m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		exitAfter := time.Duration(100+40*i) * time.Millisecond
		if code := m.Run(context.Background(), []string{"demo", "--listen", "127.0.0.1:0", "--exit-after", exitAfter.String()}); code != 0 {
			t.Fatalf("demo --exit-after %v = %d: %s", exitAfter, code, errb.String())
		}
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "not open") || strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				t.Errorf("demo --exit-after %v logged at shutdown: %s", exitAfter, l)
			}
		}
		if !strings.Contains(logs.String(), "msg=stopped") {
			t.Errorf("demo --exit-after %v did not log stopped", exitAfter)
		}
	}
}

func TestServeStopsItsWorkersBeforeClosingTheStore(t *testing.T) {
	feeds := newFeedServer(t, "ollama.atom")
	cfg := writeConfig(t, t.TempDir(), strings.Replace(e2eConfig, "%s", feeds.URL, 1)+"alerts: {every: 1s}\n")
	for i := range 3 {
		var logs syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(300+200*i)*time.Millisecond)
		m, _, errb := testMain("")
		m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		code := m.Run(ctx, []string{"serve", "--config", cfg})
		cancel()
		if code != 0 {
			t.Fatalf("serve = %d: %s", code, errb.String())
		}
		if strings.Contains(logs.String(), "not open") {
			t.Errorf("serve logged a closed store at shutdown:\n%s", logs.String())
		}
	}
}

// runFastDemo runs the demo for exitAfter with its live part sped up and returns the mentions
// it stored and its log.
func runFastDemo(t *testing.T, exitAfter time.Duration) ([]analysis.Result, string) {
	t.Helper()
	defer func(l, p time.Duration) { demoLiveEvery, demoPollEvery = l, p }(demoLiveEvery, demoPollEvery)
	demoLiveEvery, demoPollEvery = 20*time.Millisecond, 100*time.Millisecond
	path := filepath.Join(t.TempDir(), "demo.db")
	var logs syncBuffer
	m, _, errb := testMain("")
	m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if code := m.Run(context.Background(), []string{"demo", "--listen", "127.0.0.1:0", "--store", path, "--exit-after", exitAfter.String()}); code != 0 {
		t.Fatalf("demo = %d: %s", code, errb.String())
	}
	db, err := storage.Open(context.Background(), path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []analysis.Result
	if err := db.Scan(context.Background(), storage.Filter{Limit: -1}, func(r *analysis.Result) error {
		got = append(got, *r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got, logs.String()
}

func TestDemoLivePostsArriveThroughTheRSSCollector(t *testing.T) {
	stored, logs := runFastDemo(t, 3*time.Second)
	corpus, err := demo.Mentions(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]collectors.Mention{}
	for _, c := range corpus {
		byID[c.ID] = c
	}
	var rss int
	shifts := map[time.Duration]int{}
	for _, r := range stored {
		want, ok := byID[r.ID]
		if !ok {
			t.Errorf("stored %s/%s is not in the corpus", r.Source, r.ID)
			continue
		}
		if r.Source == "rss" {
			rss++
			// The feed reader percent-encodes non-ASCII links.
			u, _ := url.PathUnescape(r.URL)
			if r.Community != want.Community || r.Author != want.Author || r.Title != want.Title || u != want.URL {
				t.Errorf("live post %s = %q %q %q %q; want %q %q %q %q", r.ID, r.Community, r.Author, r.Title, u,
					want.Community, want.Author, want.Title, want.URL)
			}
		}
		// Every post, history or live, keeps the corpus' one shift (to the second: Atom dates).
		shifts[r.CreatedAt.Sub(want.CreatedAt).Round(time.Minute)]++
	}
	if rss < 50 {
		t.Errorf("%d live posts stored through the rss collector; want most of the 100\n%s", rss, logs)
	}
	if len(shifts) != 1 {
		t.Errorf("stored posts were shifted by different amounts (live posts lost their times): %v", shifts)
	}
	if !strings.Contains(logs, "collector=rss") || !strings.Contains(logs, "msg=polled") {
		t.Errorf("the rss collector did not poll the demo feed:\n%s", logs)
	}
}
