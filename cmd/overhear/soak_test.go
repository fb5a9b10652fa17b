package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// soakSample is one look at the serve child: its own /metrics and /api/stats.
type soakSample struct {
	at                     time.Duration
	goroutines, heap, fds  float64
	mentions, storeBytes   int64
	countedMentions, polls float64
}

// TestSoak runs the real binary's serve for a minute (an hour with -long or OVERHEAR_LONG=1)
// against four feeds and a fake Hacker News that produce new items steadily, plus one feed that
// flaps. Half of the items are created just under the retention (1h) and expire seconds after
// they are stored; serve prunes every 5s (storage.prune_every). Goroutines, heap in use and open
// files must stay flat, the store must hold no expired mention, and the mention counters must
// count each item once (an expired item seen again must not be stored again).
func TestSoak(t *testing.T) {
	t.Parallel() // mostly waiting on timers; overlaps the other long tests
	bin := overhearBinary(t)
	duration := time.Minute
	if longRun() {
		duration = time.Hour
	}
	if d := os.Getenv("OVERHEAR_SOAK"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("OVERHEAR_SOAK: %v", err)
		}
		duration = v
	}
	const retention = time.Hour
	expiring := func(n int) time.Duration {
		if n%2 == 0 {
			return retention - 3*time.Second
		}
		return 0
	}
	var producers []*producer
	var cfg strings.Builder
	dir := t.TempDir()
	store := filepath.Join(dir, "overhear.db")
	faults := newFaultServer(t)
	hn := newProducer("hn", 2)
	hn.age = expiring
	hnSrv := httptest.NewServer(hnHandler(hn))
	defer hnSrv.Close()
	fmt.Fprintf(&cfg, `storage: {path: %s, retention: 1h, prune_every: 5s}
http: {listen: "127.0.0.1:0"}
brands:
  - name: Ollama
    query: ollama
sources:
  hackernews:
    base_url: %s
    every: 30s
    backfill: 2h
    lag: 1m
  rss:
    - url: %s/flap
      every: 10s
`, store, hnSrv.URL, faults.URL)
	for i := 0; i < 4; i++ {
		p := newProducer(fmt.Sprintf("feed%d-", i), 3)
		p.age = expiring
		producers = append(producers, p)
		srv := httptest.NewServer(feedHandler(p, 40))
		defer srv.Close()
		fmt.Fprintf(&cfg, "    - url: %s/feed.xml\n      every: 10s\n", srv.URL)
	}
	producers = append(producers, hn)
	path := writeConfig(t, dir, cfg.String())

	p := startProc(t, bin, nil, "serve", "--config", path)
	addr := waitServing(t, p, store, 30*time.Second)
	base := "http://" + addr
	start := time.Now()
	every := 5 * time.Second
	if duration >= 30*time.Minute {
		every = time.Minute
	}
	var samples []soakSample
	for time.Since(start) < duration {
		time.Sleep(every)
		if p.exited() {
			t.Fatalf("serve exited: %v\n%s", p.err, tail(p.stderr.String(), 3000))
		}
		s, err := sampleServe(base)
		if err != nil {
			t.Logf("sample: %v", err)
			continue
		}
		s.at = time.Since(start).Round(time.Second)
		samples = append(samples, s)
	}
	produced := 0
	for _, pr := range producers {
		produced += pr.count()
	}
	if len(samples) < 6 {
		t.Fatalf("only %d samples", len(samples))
	}
	for _, s := range samples {
		t.Logf("t=%-6s goroutines %3.0f heap_inuse %5.1f MB open_fds %3.0f mentions %5d (counted %5.0f) store %6d KB polls %4.0f",
			s.at, s.goroutines, s.heap/1e6, s.fds, s.mentions, s.countedMentions, s.storeBytes/1024, s.polls)
	}
	// Skip the warm-up (first third): connections, the model and the caches settle.
	warm := samples[len(samples)/3:]
	first, last := warm[:len(warm)/2], warm[len(warm)/2:]
	peak := func(ss []soakSample, f func(soakSample) float64) float64 {
		m := 0.0
		for _, s := range ss {
			m = max(m, f(s))
		}
		return m
	}
	g := func(s soakSample) float64 { return s.goroutines }
	h := func(s soakSample) float64 { return s.heap }
	fd := func(s soakSample) float64 { return s.fds }
	if a, b := peak(first, g), peak(last, g); b > a+10 {
		t.Errorf("goroutines grew from %v to %v", a, b)
	}
	if a, b := peak(first, fd), peak(last, fd); b > a+5 {
		t.Errorf("open files grew from %v to %v", a, b)
	}
	if a, b := peak(first, h), peak(last, h); b > 1.5*a+8e6 {
		t.Errorf("heap in use grew from %.1f MB to %.1f MB", a/1e6, b/1e6)
	}
	end := samples[len(samples)-1]
	// The flapping feed serves one new item each time it is up (every fifth request).
	if distinct := produced + int(faults.flapN.Load())/5 + 1; end.countedMentions > float64(distinct) {
		t.Errorf("overhear_mentions_total counted %v mentions of %d distinct items: expired items were stored again", end.countedMentions, distinct)
	}
	// Nothing older than the retention (plus one prune period and a poll) stays stored.
	body, err := fetch(base + "/api/mentions?limit=1000&until=" + (retention + 20*time.Second).String())
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Mentions []struct {
			ID        string    `json:"id"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"mentions"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Mentions) > 0 {
		t.Errorf("%d mentions older than the retention are still stored, e.g. %s from %s", len(page.Mentions), page.Mentions[0].ID, page.Mentions[0].CreatedAt)
	}
	if end.mentions >= int64(produced) || end.mentions == 0 {
		t.Errorf("%d mentions stored of %d produced: want the fresh half, with expired ones pruned", end.mentions, produced)
	}
	p.stop(t, 20*time.Second)
	t.Logf("%d items produced, %d stored at the end, %d flapping-feed requests", produced, end.mentions, faults.flapN.Load())
}

var metricLine = regexp.MustCompile(`(?m)^([a-z_]+)(\{[^}]*\})? (\S+)$`)

func sampleServe(base string) (soakSample, error) {
	var s soakSample
	m, err := fetch(base + "/metrics")
	if err != nil {
		return s, err
	}
	for _, l := range metricLine.FindAllStringSubmatch(m, -1) {
		v, _ := strconv.ParseFloat(l[3], 64)
		switch l[1] {
		case "go_goroutines":
			s.goroutines = v
		case "go_memstats_heap_inuse_bytes":
			s.heap = v
		case "process_open_fds":
			s.fds = v
		case "overhear_mentions_total":
			s.countedMentions += v
		case "overhear_collector_polls_total":
			s.polls += v
		}
	}
	st, err := fetch(base + "/api/stats")
	if err != nil {
		return s, err
	}
	var stats Stats
	if err := json.Unmarshal([]byte(st), &stats); err != nil {
		return s, err
	}
	s.mentions, s.storeBytes = stats.MentionsTotal, stats.StoreBytes
	return s, nil
}
