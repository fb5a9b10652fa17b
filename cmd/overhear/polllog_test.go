package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	oc "github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
)

// pollLines returns the "poll" records logged as JSON.
func pollLines(log string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(log, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "poll" {
			out = append(out, rec)
		}
	}
	return out
}

func TestServeLogsOneLinePerPollAtInfo(t *testing.T) {
	feeds := newFeedServer(t, "ollama.atom")
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(e2eConfig, feeds.URL))
	serveOnce := func(wantResult string) map[string]any {
		t.Helper()
		var logs syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		m, _, errb := testMain("")
		m.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		done := make(chan int, 1)
		go func() { done <- m.Run(ctx, []string{"serve", "--config", cfg}) }()
		deadline := time.Now().Add(20 * time.Second)
		for len(pollLines(logs.String())) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve = %d: %s", code, errb.String())
		}
		lines := pollLines(logs.String())
		if len(lines) != 1 {
			t.Fatalf("%d poll lines, want 1:\n%s", len(lines), logs.String())
		}
		l := lines[0]
		if l["level"] != "INFO" || l["source"] != "rss" || l["instance"] != feeds.URL+"/r/ollama/.rss" || l["result"] != wantResult {
			t.Errorf("poll line = %v, want level INFO, source rss, the feed's URL as instance, result %s", l, wantResult)
		}
		for _, k := range []string{"items", "new_mentions", "duration_seconds"} {
			if _, ok := l[k].(float64); !ok {
				t.Errorf("poll line lacks %s: %v", k, l)
			}
		}
		return l
	}
	first := serveOnce("ok")
	if first["items"].(float64) < 10 || first["new_mentions"].(float64) < 10 || first["new_mentions"].(float64) > first["items"].(float64) {
		t.Errorf("first poll: %v, want the feed's items and new mentions counted", first)
	}
	// After a restart the feed answers 304: still one line, with nothing new.
	if again := serveOnce("not_modified"); again["items"].(float64) != 0 || again["new_mentions"].(float64) != 0 {
		t.Errorf("re-poll: %v", again)
	}
}

// The poll-logging wrapper passes a followed thread's replies on as mentions of its brands.
func TestCountingSinkKeepsThreadBrands(t *testing.T) {
	var inner collectortest.Sink
	var s oc.Sink = &countingSink{Sink: &inner}
	cs, ok := s.(oc.ContextSink)
	if !ok {
		t.Fatal("the wrapper's sink is not a ContextSink: collectors could not keep thread replies")
	}
	cs.AddInContext(oc.Mention{ID: "c1", Text: "Same here, it crashes since the update."}, []string{"Ollama"})
	got := inner.Mentions()
	if len(got) != 1 || !slices.Equal(got[0].ThreadBrands, []string{"Ollama"}) {
		t.Errorf("mentions = %+v, want one with thread brand Ollama", got)
	}
}
