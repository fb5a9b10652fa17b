package main

// Shared helpers for the reliability tests (crash_test.go, faults_test.go, soak_test.go,
// security_test.go): the real binary built once, child processes, and fake sources that keep
// producing new items. docs/reliability.md describes the tests and how to repeat them.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/storage"
)

// longFlag (or OVERHEAR_LONG=1) selects the long variants: more kills, an hour of soak.
// go test ./cmd/overhear -run 'TestCrash|TestSoak' -args -long
var longFlag = flag.Bool("long", false, "run the long reliability variants (more SIGKILLs, an hour of soak)")

func longRun() bool { return *longFlag || os.Getenv("OVERHEAR_LONG") == "1" }

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// testBinaryVersion is the version overhearBinary links in, as a release build would.
const testBinaryVersion = "v0.0.0-test"

// overhearBinary builds the real binary once per test run and returns its path.
func overhearBinary(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs the real binary; skipped with -short")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "overhear-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "overhear")
		cmd := exec.Command(goTool(), "build", "-ldflags", "-X main.version="+testBinaryVersion, "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// goTool finds the go command; go test puts its own GOROOT/bin first on the PATH.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// bboltCLI builds `bbolt` at the version go.mod requires, from the module cache only (no
// network: the module cache is the proxy). It returns "" when that is not possible; callers then rely on
// storage.DB.Check, which runs the same checks.
func bboltCLI(tb testing.TB) string {
	tb.Helper()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		return ""
	}
	var version string
	for _, l := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "go.etcd.io/bbolt" {
			version = f[1]
		}
	}
	if version == "" {
		return ""
	}
	modcache, err := exec.Command(goTool(), "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	dir := tb.TempDir()
	cmd := exec.Command(goTool(), "install", "go.etcd.io/bbolt/cmd/bbolt@"+version)
	// The module cache serves as the proxy: offline, and only what is already there.
	proxy := "file://" + filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download")
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOPROXY="+proxy, "GOSUMDB=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Logf("bbolt CLI %s not available offline (storage.DB.Check covers the same checks): %v\n%s", version, err, out)
		return ""
	}
	return filepath.Join(dir, "bbolt")
}

// proc is a running child overhear.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startProc(tb testing.TB, bin string, env []string, args ...string) *proc {
	tb.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits; it reports whether the process was still running.
func (p *proc) kill() bool {
	if p.exited() {
		return false
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	var ee *exec.ExitError
	return errors.As(p.err, &ee) && !ee.Exited()
}

// stop sends SIGTERM and waits up to timeout for a clean exit, then kills.
func (p *proc) stop(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			tb.Errorf("overhear exited with %v after SIGTERM:\n%s", p.err, tail(p.stderr.String(), 3000))
		}
	case <-time.After(timeout):
		p.kill()
		tb.Errorf("overhear did not stop within %s of SIGTERM", timeout)
	}
}

func (p *proc) wait(tb testing.TB, timeout time.Duration) error {
	tb.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.kill()
		tb.Fatalf("overhear %v did not finish within %s:\n%s", p.cmd.Args[1:], timeout, tail(p.stderr.String(), 3000))
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitServing waits until the serve child advertises its HTTP address beside the store.
func waitServing(tb testing.TB, p *proc, store string, timeout time.Duration) string {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			tb.Fatalf("serve exited: %v\n%s", p.err, tail(p.stderr.String(), 3000))
		}
		if b, err := os.ReadFile(store + ".serve"); err == nil && strings.TrimSpace(string(b)) != "" {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("serve did not start within %s:\n%s", timeout, tail(p.stderr.String(), 3000))
	return ""
}

// fetch GETs url and returns the body; errors are returned, not fatal.
func fetch(url string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// storeReport is what a read-only look at a store (after a kill, or at the end) finds.
type storeReport struct {
	ids     map[string]int // source/id → times seen in the mentions bucket
	counted int64          // the maintained "total" counter
	pending []alertEntry
	sent    []alertEntry
}

type alertEntry struct {
	Seq   uint64
	State string
	Alert alerts.Alert
}

// inspectStore opens the store read-only, runs the page-structure check (what `bbolt check`
// does) and reads the mention ids, counters and outbox. A store that does not exist yet, or was
// killed before its schema was first committed, gives a nil report.
func inspectStore(tb testing.TB, path string) *storeReport {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path, storage.Options{ReadOnly: true, LockTimeout: 5 * time.Second})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), "not initialised") {
			return nil
		}
		tb.Fatalf("open store after kill: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		tb.Fatalf("store fails the bbolt check: %v", err)
	}
	r := &storeReport{ids: map[string]int{}}
	err = db.Scan(ctx, storage.Filter{}, func(m *analysis.Result) error {
		r.ids[m.Source+"/"+m.ID]++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	r.counted = counts["total"]
	recent, err := db.RecentAlerts(ctx, 0, time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range recent {
		ae := alertEntry{Seq: e.Seq, State: e.State, Alert: e.Alert}
		switch e.State {
		case "pending":
			r.pending = append(r.pending, ae)
		case "sent":
			r.sent = append(r.sent, ae)
		}
	}
	return r
}

// duplicates lists ids stored more than once.
func (r *storeReport) duplicates() []string {
	var out []string
	for id, n := range r.ids {
		if n > 1 {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// fakeItem is one item a fake source produced.
type fakeItem struct {
	id, title, text string
	at              time.Time
}

// sampleTexts vary sentiment and questions so alerts and analysis see realistic input.
var sampleTexts = []string{
	"Ollama keeps crashing when I load a 70B model on my GPU, so frustrating.",
	"How do I make Ollama use my second GPU? Anyone got this working?",
	"Just switched to Ollama and it is fantastic, setup took two minutes.",
	"Ollama 0.5 is out with better vram handling.",
	"Is there a way to run Ollama as a service on boot?",
	"Honestly Ollama has been rock solid on my homelab for months.",
}

// producer makes new items on demand; fake sources share it.
type producer struct {
	mu      sync.Mutex
	prefix  string
	items   []fakeItem
	next    int
	frozen  bool
	age     func(n int) time.Duration // how old a new item is (soak: some beyond retention)
	perPoll int
}

func newProducer(prefix string, perPoll int) *producer {
	return &producer{prefix: prefix, perPoll: perPoll}
}

// produce adds perPoll items unless frozen and returns a copy of everything so far.
func (p *producer) produce() []fakeItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		now := time.Now().UTC()
		for i := 0; i < p.perPoll; i++ {
			p.next++
			at := now
			if p.age != nil {
				at = now.Add(-p.age(p.next))
			}
			p.items = append(p.items, fakeItem{
				id:    fmt.Sprintf("%s%d", p.prefix, p.next),
				title: fmt.Sprintf("Ollama report %s%d", p.prefix, p.next),
				text:  sampleTexts[p.next%len(sampleTexts)],
				at:    at,
			})
		}
	}
	return slices.Clone(p.items)
}

func (p *producer) freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

func (p *producer) ids(source string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(p.items))
	for i, it := range p.items {
		out[i] = source + "/" + it.id
	}
	return out
}

func (p *producer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// feedHandler serves an RSS feed of the producer's newest keep items (all when keep is 0),
// adding new ones on every request.
func feedHandler(p *producer, keep int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		items := p.produce()
		if keep > 0 && len(items) > keep {
			items = items[len(items)-keep:]
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		writeRSS(w, "Fake forum "+p.prefix, items)
	}
}

func writeRSS(w io.Writer, title string, items []fakeItem) {
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>http://forum.example/</link><description>fake</description>`, esc(title))
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		fmt.Fprintf(w, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>http://forum.example/t/%s</link><description>%s</description><pubDate>%s</pubDate></item>`,
			esc(it.id), esc(it.title), esc(it.id), esc(it.text), it.at.Format(time.RFC1123Z))
	}
	fmt.Fprint(w, `</channel></rss>`)
}

// hnHandler emulates the HN Algolia search_by_date API over the producer's items: the
// created_at_i filter, newest first, pages of hitsPerPage. New items appear on page-0 requests.
func hnHandler(p *producer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		per, _ := strconv.Atoi(q.Get("hitsPerPage"))
		if per <= 0 {
			per = 20
		}
		var since int64 = math.MinInt64
		if f, ok := strings.CutPrefix(q.Get("numericFilters"), "created_at_i>"); ok {
			since, _ = strconv.ParseInt(f, 10, 64)
		}
		var items []fakeItem
		if page == 0 {
			items = p.produce()
		} else {
			p.mu.Lock()
			items = slices.Clone(p.items)
			p.mu.Unlock()
		}
		var match []fakeItem
		for i := len(items) - 1; i >= 0; i-- {
			if items[i].at.Unix() > since {
				match = append(match, items[i])
			}
		}
		sort.SliceStable(match, func(i, j int) bool { return match[i].at.Unix() > match[j].at.Unix() })
		nb := (len(match) + per - 1) / per
		var hits []map[string]any
		for _, it := range match[min(page*per, len(match)):min((page+1)*per, len(match))] {
			hits = append(hits, map[string]any{
				"objectID": it.id, "created_at_i": it.at.Unix(), "author": "hn_user", "title": it.title,
				"story_text": it.text, "points": 3, "_tags": []string{"story", "author_hn_user", "story_" + it.id},
			})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"hits": hits, "nbPages": nb, "page": page, "hitsPerPage": per})
	}
}

// slackDelivery is one message the fake Slack accepted.
type slackDelivery struct {
	body []byte
	at   time.Time
}

// countingSlack is a fake Slack incoming webhook that records every message it accepts and,
// when failEvery > 0, answers every failEvery-th request with a 503 (not counted as delivered).
type countingSlack struct {
	mu         sync.Mutex
	requests   int
	failEvery  int
	deliveries []slackDelivery
}

func (s *countingSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests++
	fail := s.failEvery > 0 && s.requests%s.failEvery == 0
	if !fail {
		s.deliveries = append(s.deliveries, slackDelivery{body: body, at: time.Now()})
	}
	s.mu.Unlock()
	if fail {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

func (s *countingSlack) delivered() []slackDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}
