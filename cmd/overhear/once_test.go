package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestOnceFailsFastPerUnreachableSource(t *testing.T) {
	feeds := newFeedServer(t, "ollama.atom")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String() // nothing listens here once closed: connection refused
	ln.Close()
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(e2eConfig, feeds.URL)+fmt.Sprintf(`    - url: http://%[1]s/feed.rss
      every: 10s
  hackernews:
    base_url: http://%[1]s
    every: 30s
`, dead))
	m, out, errb := testMain("")
	start := time.Now()
	code := m.Run(context.Background(), []string{"once", "--config", cfg})
	took := time.Since(start)
	if code != 1 {
		t.Errorf("once with unreachable sources = exit %d, want 1: %s", code, errb.String())
	}
	// Each request retries a refused connection for about 6 s (httpfetch's backoff), and Hacker
	// News searches its terms one after another (30 s in all here): failing at the first term
	// keeps once to one request's retries.
	if took > 15*time.Second {
		t.Errorf("once took %v", took)
	}
	if !strings.Contains(out.String(), "new mentions stored") {
		t.Errorf("stdout = %q, want the summary", out.String())
	}
	for _, want := range []string{
		"  hackernews: error: unreachable: cannot connect to " + dead + ": connection refused\n",
		"  rss http://" + dead + "/feed.rss: error: unreachable: cannot connect to " + dead + ": connection refused\n",
		"overhear once: 2 of 3 source instances failed (the others were stored)",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if n := strings.Count(errb.String(), dead); n != 3 {
		t.Errorf("the unreachable address appears %d times on stderr, want 3 (one summary line each):\n%s", n, errb.String())
	}
}
