package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/cmd/overhear/demo"

	"github.com/overhear/overhear/alerts/slack"
)

// crashRNG returns the seeded RNG for a crash test, logging the seed so a failure can be
// replayed with OVERHEAR_CRASH_SEED.
func crashRNG(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("OVERHEAR_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("OVERHEAR_CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (repeat with OVERHEAR_CRASH_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0x0e4))
}

func randDuration(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// TestCrashSafetyIngest kills `overhear ingest` with SIGKILL at random moments while it imports
// a JSONL file built from the demo corpus (every line a unique id that matches the brand),
// restarts it each time, and finally lets it finish. After every kill the store must pass the
// bbolt check and hold each mention at most once with counters that agree; at the end it must
// hold every line exactly once.
func TestCrashSafetyIngest(t *testing.T) {
	bin := overhearBinary(t)
	rng := crashRNG(t)
	kills, lines := 10, 12000
	if longRun() {
		kills, lines = 50, 30000
	}
	dir := t.TempDir()
	store := filepath.Join(dir, "overhear.db")
	cfg := writeConfig(t, dir, fmt.Sprintf("storage: {path: %s, retention: 0}\nbrands:\n  - name: Ollama\n    query: ollama\n", store))
	input := filepath.Join(dir, "mentions.jsonl")
	want := writeCrashCorpus(t, input, lines)

	// Every run re-reads the whole file (dedup skips what is stored), so kill delays grow from
	// short to about a whole run, to stop the store at many stages of progress. A run that
	// finishes before its kill shows how long a whole run takes.
	est := time.Second
	killed := 0
	for run := 0; killed < kills; run++ {
		if run > 4*kills {
			t.Fatalf("only %d of %d runs could be killed while running", killed, run)
		}
		start := time.Now()
		p := startProc(t, bin, nil, "ingest", "--config", cfg, "--file", input, "--batch", "500")
		time.Sleep(randDuration(rng, 10*time.Millisecond, est))
		if !p.kill() {
			if p.err != nil {
				t.Fatalf("ingest run %d failed on its own: %v\n%s", run, p.err, tail(p.stderr.String(), 2000))
			}
			est = time.Since(start)
			continue // it finished first: restart and try again
		}
		killed++
		est = est * 13 / 10
		rep := inspectStore(t, store)
		if rep == nil {
			continue
		}
		if d := rep.duplicates(); len(d) > 0 {
			t.Fatalf("after kill %d: mentions stored twice: %v", killed, d[:min(5, len(d))])
		}
		if rep.counted != int64(len(rep.ids)) {
			t.Fatalf("after kill %d: the total counter says %d, the store holds %d", killed, rep.counted, len(rep.ids))
		}
		for id := range rep.ids {
			if !want[id] {
				t.Fatalf("after kill %d: unexpected mention %s", killed, id)
			}
		}
		t.Logf("kill %d after run %d: %d of %d mentions stored", killed, run, len(rep.ids), len(want))
	}
	p := startProc(t, bin, nil, "ingest", "--config", cfg, "--file", input, "--batch", "500")
	if err := p.wait(t, 5*time.Minute); err != nil {
		t.Fatalf("final ingest: %v\n%s", err, tail(p.stderr.String(), 2000))
	}
	checkFinalStore(t, bin, cfg, store, want)
}

// writeCrashCorpus writes n JSONL mentions from the bundled demo corpus, each with a unique id
// and text that names Ollama, and returns the set of store ids ("reddit/<id>").
func writeCrashCorpus(t *testing.T, path string, n int) map[string]bool {
	t.Helper()
	posts, err := demo.Mentions(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		p := posts[i%len(posts)]
		id := fmt.Sprintf("%s-%d", p.ID, i)
		want["reddit/"+id] = true
		line := map[string]any{
			"id": id, "source": "reddit", "community": p.Community, "author": p.Author, "title": p.Title,
			"text": "Ollama: " + p.Text, "url": p.URL, "thread_id": p.ThreadID,
			"created_at": p.CreatedAt.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339),
		}
		if err := enc.Encode(line); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// checkFinalStore compares the store with the expected ids, through `overhear stats` and the
// store opened read-only, and runs the bbolt CLI's check when it can be built offline.
func checkFinalStore(t *testing.T, bin, cfg, store string, want map[string]bool) *storeReport {
	t.Helper()
	p := startProc(t, bin, nil, "stats", "--config", cfg)
	if err := p.wait(t, time.Minute); err != nil {
		t.Fatalf("stats: %v\n%s", err, p.stderr.String())
	}
	var st Stats
	if err := json.Unmarshal([]byte(p.stdout.String()), &st); err != nil {
		t.Fatalf("stats output: %v\n%s", err, p.stdout.String())
	}
	if st.MentionsTotal != int64(len(want)) {
		t.Errorf("overhear stats: mentions_total %d, want %d", st.MentionsTotal, len(want))
	}
	rep := inspectStore(t, store)
	if rep == nil {
		t.Fatal("no store")
	}
	if d := rep.duplicates(); len(d) > 0 {
		t.Errorf("mentions stored twice: %v", d[:min(5, len(d))])
	}
	var missing, extra []string
	for id := range want {
		if rep.ids[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id := range rep.ids {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%d mentions missing (%v), %d unexpected (%v)", len(missing), missing[:min(5, len(missing))], len(extra), extra[:min(5, len(extra))])
	}
	if rep.counted != int64(len(rep.ids)) {
		t.Errorf("the total counter says %d, the store holds %d", rep.counted, len(rep.ids))
	}
	if cli := bboltCLI(t); cli != "" {
		out, err := exec.Command(cli, "check", store).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "OK") {
			t.Errorf("bbolt check %s: %v\n%s", store, err, out)
		} else {
			t.Logf("bbolt check: %s", strings.TrimSpace(string(out)))
		}
	}
	return rep
}

// TestCrashSafetyServe kills `overhear serve` with SIGKILL at random moments while it polls a
// feed and a fake Hacker News that produce new items on every request, and delivers alerts to
// a fake Slack (which fails every fourth request). After every kill the store must pass the
// bbolt check and hold no duplicate; at the end, with the sources frozen and serve run to
// quiescence, every item the sources produced must be stored exactly once (the cursors never
// skipped), and every alert must have reached Slack exactly once, except an alert whose
// delivery a kill interrupted between Slack's answer and the outbox commit: Slack webhooks
// take no idempotency key, so that one may arrive twice (at-least-once; docs/reliability.md).
func TestCrashSafetyServe(t *testing.T) {
	bin := overhearBinary(t)
	rng := crashRNG(t)
	kills := 12
	if longRun() {
		kills = 60
	}
	feed := newProducer("f", 3)
	hn := newProducer("hn", 2)
	feedSrv := httptest.NewServer(feedHandler(feed, 0))
	defer feedSrv.Close()
	hnSrv := httptest.NewServer(hnHandler(hn))
	defer hnSrv.Close()
	fake := &countingSlack{failEvery: 4}
	slackSrv := httptest.NewServer(fake)
	defer slackSrv.Close()

	dir := t.TempDir()
	store := filepath.Join(dir, "overhear.db")
	cfg := writeConfig(t, dir, fmt.Sprintf(`storage: {path: %s, retention: 0}
http: {listen: "127.0.0.1:0"}
log: {level: debug}
brands:
  - name: Ollama
    query: ollama
sources:
  rss:
    - url: %s/feed.xml
      every: 10s
      timeout: 5s
  hackernews:
    base_url: %s
    every: 30s
    backfill: 1h
    timeout: 5s
alerts:
  every: 1s
  sinks:
    - name: team
      type: slack
      webhook_url: %s/services/T000/B000/XXXX
      min_interval: 50ms
  rules:
    - type: high_impact
      min_engagement: 1
      sentiment: any
      voices: false
      cooldown: 1s
    - type: unattended_question
      delay: 1s
      min_engagement: 0
      cooldown: 1s
`, store, feedSrv.URL, hnSrv.URL, slackSrv.URL))

	// window counts, per outbox entry, the kills that found it delivered to Slack but still
	// pending in the store: each allows one repeat.
	window := map[uint64]int{}
	rendered := func(rep *storeReport) map[string]uint64 {
		out := map[string]uint64{}
		for _, list := range [][]alertEntry{rep.pending, rep.sent} {
			for _, e := range list {
				b, err := slack.Render(e.Alert).JSON()
				if err != nil {
					t.Fatal(err)
				}
				out[string(b)] = e.Seq
			}
		}
		return out
	}
	killed := 0
	for run := 0; killed < kills; run++ {
		os.Remove(store + ".serve")
		p := startProc(t, bin, nil, "serve", "--config", cfg)
		time.Sleep(randDuration(rng, 100*time.Millisecond, 3*time.Second))
		if !p.kill() {
			t.Fatalf("serve exited on its own: %v\n%s", p.err, tail(p.stderr.String(), 3000))
		}
		killed++
		rep := inspectStore(t, store)
		if rep == nil {
			continue
		}
		if d := rep.duplicates(); len(d) > 0 {
			t.Fatalf("after kill %d: mentions stored twice: %v", killed, d)
		}
		if rep.counted != int64(len(rep.ids)) {
			t.Fatalf("after kill %d: the total counter says %d, the store holds %d", killed, rep.counted, len(rep.ids))
		}
		bySeq := rendered(rep)
		pending := map[uint64]bool{}
		for _, e := range rep.pending {
			pending[e.Seq] = true
		}
		for _, d := range fake.delivered() {
			if seq, ok := bySeq[string(d.body)]; ok && pending[seq] {
				window[seq]++
				t.Logf("kill %d landed between Slack's answer and the outbox commit of alert %d", killed, seq)
			}
		}
		t.Logf("kill %d: %d mentions, %d alerts sent, %d pending, %d Slack deliveries", killed, len(rep.ids), len(rep.sent), len(rep.pending), len(fake.delivered()))
	}

	// Quiesce: the sources stop producing, serve runs until everything is stored and sent.
	feed.freeze()
	hn.freeze()
	want := map[string]bool{}
	for _, id := range append(feed.ids("rss"), hn.ids("hackernews")...) {
		want[id] = true
	}
	os.Remove(store + ".serve")
	p := startProc(t, bin, nil, "serve", "--config", cfg)
	addr := waitServing(t, p, store, 30*time.Second)
	deadline := time.Now().Add(90 * time.Second)
	for {
		body, err := fetch("http://" + addr + "/api/stats")
		var st Stats
		quiet := false
		if err == nil && json.Unmarshal([]byte(body), &st) == nil && st.MentionsTotal == int64(len(want)) && st.AlertsPending == 0 {
			d := fake.delivered()
			quiet = len(d) == 0 || time.Since(d[len(d)-1].at) > 3*time.Second
		}
		if quiet {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not store everything and drain the outbox: %s (want %d mentions)\n%s", body, len(want), tail(p.stderr.String(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop(t, 20*time.Second)

	rep := checkFinalStore(t, bin, cfg, store, want)
	if len(rep.pending) > 0 {
		t.Errorf("%d alerts still pending", len(rep.pending))
	}
	bySeq := rendered(rep)
	got := map[uint64]int{}
	for _, d := range fake.delivered() {
		seq, ok := bySeq[string(d.body)]
		if !ok {
			t.Errorf("Slack got a message that matches no outbox entry: %.200s", d.body)
			continue
		}
		got[seq]++
	}
	keys := map[string]uint64{}
	repeats := 0
	for _, e := range rep.sent {
		switch n := got[e.Seq]; {
		case n == 0:
			t.Errorf("alert %d is marked sent but Slack never got it", e.Seq)
		case n > 1+window[e.Seq]:
			t.Errorf("alert %d reached Slack %d times (kills in its delivery window: %d)", e.Seq, n, window[e.Seq])
		case n > 1:
			repeats++
		}
		for _, k := range e.Alert.Keys {
			if other, dup := keys[k]; dup {
				t.Errorf("dedup key %s is in alerts %d and %d", k, other, e.Seq)
			}
			keys[k] = e.Seq
		}
	}
	if len(rep.sent) == 0 {
		t.Error("no alert was sent: the test exercised nothing")
	}
	if len(keys) < hn.count() {
		t.Errorf("alerts cover %d dedup keys, want at least one per HN story (%d; each crosses the engagement threshold)", len(keys), hn.count())
	}
	t.Logf("%d kills; %d mentions (%d feed, %d HN) stored exactly once; %d alerts covering %d dedup keys, %d Slack deliveries, %d repeated after a kill in the delivery window",
		killed, len(want), feed.count(), hn.count(), len(rep.sent), len(keys), len(fake.delivered()), repeats)
}
