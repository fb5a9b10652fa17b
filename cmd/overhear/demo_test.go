package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
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
