package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// faultServer serves hostile and broken sources, one per path, and counts what it sent.
type faultServer struct {
	*httptest.Server
	hugeBytes   atomic.Int64 // bytes of the 1 GB body written before the client hung up
	bombBytes   atomic.Int64 // uncompressed bytes fed into the gzip bomb
	flapN       atomic.Int64
	slowStarted atomic.Int32
}

const gigabyte = 1 << 30

func newFaultServer(t *testing.T) *faultServer {
	fs := &faultServer{}
	good := []fakeItem{{id: "ok-1", title: "Ollama works", text: "Ollama works fine here.", at: time.Now().UTC()}}
	mux := http.NewServeMux()
	// Slowloris: headers at once, then one byte a second for ever.
	mux.HandleFunc("/slowloris", func(w http.ResponseWriter, r *http.Request) {
		fs.slowStarted.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
			if _, err := w.Write([]byte{"<rss>"[i%5]}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	// 1 GB, streamed (chunked, no Content-Length), never held in memory on either side.
	stream := func(w io.Writer, count *atomic.Int64) {
		chunk := []byte(strings.Repeat("<p>ollama ollama ollama</p>", 64<<10/27))
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>huge</title><item><guid>h1</guid><title>big</title><description>`)
		for count.Load() < gigabyte {
			n, err := w.Write(chunk)
			count.Add(int64(n))
			if err != nil {
				return
			}
		}
	}
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		stream(w, &fs.hugeBytes)
	})
	// The same gigabyte announced in Content-Length: refused before reading.
	mux.HandleFunc("/huge-declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Length", fmt.Sprint(gigabyte))
		var n atomic.Int64
		stream(w, &n)
	})
	// A gzip bomb: a small compressed stream that inflates to a gigabyte, compressed lazily
	// so the server only does the work the client asks for.
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		stream(gz, &fs.bombBytes)
		gz.Close()
	})
	// Invalid UTF-8 in a document that declares UTF-8.
	mux.HandleFunc("/bad-utf8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>bad \xff\xfe bytes</title>"+
			"<item><guid>u1</guid><title>Ollama caf\xe9 \xc3\x28 broken</title><description>Ollama \xed\xa0\x80 surrogate \xf0\x28\x8c\x28 text</description></item></channel></rss>")
	})
	// Billion laughs: nine levels of ten-fold entity expansion (a gigabyte if expanded).
	mux.HandleFunc("/entity-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
		b.WriteString(`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`)
		for i := 2; i <= 9; i++ {
			fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
		}
		b.WriteString(`]><rss version="2.0"><channel><title>laughs</title><item><guid>e1</guid><title>Ollama &lol9;</title><description>Ollama &lol9;</description></item></channel></rss>`)
		io.WriteString(w, b.String())
	})
	// An HTML page (a login wall, a Cloudflare challenge) where a feed was expected.
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser about ollama</body></html>")
	})
	// A good feed with the wrong Content-Type: the content decides.
	mux.HandleFunc("/wrong-type", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		writeRSS(w, "wrong type", []fakeItem{{id: "wt-1", title: "Ollama via the wrong type", text: "Ollama text", at: time.Now().UTC()}})
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop2", http.StatusFound)
	})
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
	})
	// Flapping: four requests down (a whole poll with its retries fails), one up.
	mux.HandleFunc("/flap", func(w http.ResponseWriter, r *http.Request) {
		if fs.flapN.Add(1)%5 != 0 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		writeRSS(w, "flap", []fakeItem{{id: fmt.Sprintf("flap-%d", fs.flapN.Load()), title: "Ollama flap", text: "Ollama is back", at: time.Now().UTC()}})
	})
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		writeRSS(w, "good", good)
	})
	// Hacker News answering with an HTML error page and status 200 where JSON was promised.
	mux.HandleFunc("/hn/api/v1/search_by_date", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>ollama</body></html>")
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

// pollLog is one "poll failed" or "polled" record of the agent, from the JSON log.
type pollLog struct {
	Msg      string `json:"msg"`
	Source   string `json:"collector"`
	Instance string `json:"instance"`
	Result   string `json:"result"`
	Error    string `json:"error"`
	Time     time.Time
}

func pollLogs(logs string) []pollLog {
	var out []pollLog
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l pollLog
		if json.Unmarshal(sc.Bytes(), &l) == nil && (l.Msg == "poll failed" || l.Msg == "polled") {
			out = append(out, l)
		}
	}
	return out
}

// TestSourceFaults runs one serve with a feed per fault, Hacker News answering HTML, and one
// healthy growing feed. Every fault must end in bounded time with a clear error (or, where
// the input can be read safely, a bounded success), the metrics must count the errors, and
// the healthy feed must keep being stored meanwhile.
func TestSourceFaults(t *testing.T) {
	t.Parallel() // mostly waiting on timers; overlaps the other long tests
	if testing.Short() {
		t.Skip("takes about 20s")
	}
	fs := newFaultServer(t)
	steady := newProducer("steady", 2)
	steadySrv := httptest.NewServer(feedHandler(steady, 0))
	defer steadySrv.Close()

	faults := []struct {
		path string
		// want is "error" with a substring of the error, or "ok".
		want, errText string
	}{
		{"/slowloris", "error", "Client.Timeout"},
		{"/huge", "error", "response body too large"},
		{"/huge-declared", "error", "response body too large"},
		{"/gzip-bomb", "error", "response body too large"},
		{"/bad-utf8", "ok", ""},
		{"/entity-bomb", "ok", ""},
		{"/html", "error", "got an HTML page, not a feed"},
		{"/wrong-type", "ok", ""},
		{"/loop", "error", "redirects"},
		{"/flap", "error", "HTTP 503"},
	}
	var cfg strings.Builder
	dir := t.TempDir()
	fmt.Fprintf(&cfg, `storage: {path: %s/overhear.db, retention: 0}
http: {listen: "127.0.0.1:0"}
brands:
  - name: Ollama
    query: ollama
sources:
  hackernews:
    base_url: %s/hn
    every: 30s
    timeout: 2s
  rss:
    - url: %s/steady.xml
      every: 10s
      community: steady
`, dir, fs.URL, steadySrv.URL)
	for _, f := range faults {
		fmt.Fprintf(&cfg, "    - url: %s%s\n      every: 10s\n      timeout: 2s\n      max_bytes: 4194304\n      community: %s\n", fs.URL, f.path, strings.Trim(f.path, "/"))
	}
	path := writeConfig(t, dir, cfg.String())

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrCh := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Ready:  func(addr string) { addrCh <- addr }}
	done := make(chan int, 1)
	start := time.Now()
	go func() { done <- m.Run(ctx, []string{"serve", "--config", path}) }()
	var addr string
	select {
	case addr = <-addrCh:
	case code := <-done:
		t.Fatalf("serve exited with %d:\n%s", code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + addr

	// Each fault's first poll ends, the flapping feed shows both states, the healthy feed is
	// polled successfully twice and HN fails, all within a bounded time.
	instance := func(p string) string { return fs.URL + p }
	var last []pollLog
	deadline := time.Now().Add(60 * time.Second)
	for {
		last = pollLogs(logs.String())
		seen := map[string]map[string]bool{}
		for _, l := range last {
			key := l.Instance
			if l.Source == "hackernews" {
				key = "hackernews"
			}
			if seen[key] == nil {
				seen[key] = map[string]bool{}
			}
			res := l.Result
			if l.Msg == "poll failed" {
				res = "error"
			}
			seen[key][res] = true
		}
		ready := seen["hackernews"]["error"] && seen[steadySrv.URL+"/steady.xml"]["ok"] && steady.count() >= 4 &&
			seen[instance("/flap")]["ok"] && seen[instance("/flap")]["error"]
		for _, f := range faults {
			ready = ready && len(seen[instance(f.path)]) > 0
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every fault was reported within 60s: %v\n%s", seen, tail(logs.String(), 6000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("every fault reported after %s", time.Since(start).Round(time.Millisecond))

	for _, f := range faults {
		var first *pollLog
		for i := range last {
			if last[i].Instance == instance(f.path) {
				first = &last[i]
				break
			}
		}
		got := "ok"
		if first.Msg == "poll failed" {
			got = "error"
		}
		if got != f.want || !strings.Contains(first.Error, f.errText) {
			t.Errorf("%s: first poll %s %q, want %s %q", f.path, got, first.Error, f.want, f.errText)
		} else {
			t.Logf("%s: %s %s", f.path, got, first.Error)
		}
	}
	for _, l := range last {
		if l.Source == "hackernews" && !strings.Contains(l.Error, "invalid JSON") {
			t.Errorf("hackernews: %q, want an invalid JSON error", l.Error)
		}
	}
	if n := fs.hugeBytes.Load(); n > 64<<20 {
		t.Errorf("the 1 GB body was read to %d bytes; the cap is 4 MiB", n)
	}
	if n := fs.bombBytes.Load(); n > 64<<20 {
		t.Errorf("the gzip bomb was inflated to %d bytes; the cap is 4 MiB", n)
	}
	metrics, err := fetch(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if v := metricValue(metrics, `overhear_collector_polls_total{result="error",source="rss"}`); v < 7 {
		t.Errorf("rss polls with result error = %v, want at least 7 (one per failing feed)", v)
	}
	if v := metricValue(metrics, `overhear_collector_polls_total{result="error",source="hackernews"}`); v < 1 {
		t.Errorf("hackernews polls with result error = %v", v)
	}
	if v := metricValue(metrics, `overhear_collector_poll_duration_seconds_bucket{source="rss",le="10"}`); v < metricValue(metrics, `overhear_collector_poll_duration_seconds_count{source="rss"}`) {
		t.Errorf("some rss poll took over 10s:\n%s", grepLines(metrics, "overhear_collector_poll_duration_seconds"))
	}
	// What could be read was stored safely: valid UTF-8, entities left unexpanded.
	for _, c := range []struct {
		community string
		check     func(text string) error
	}{
		{"bad-utf8", func(s string) error {
			if !utf8.ValidString(s) || !strings.Contains(s, "\uFFFD") {
				return fmt.Errorf("text %q: want valid UTF-8 with replacement characters", s)
			}
			return nil
		}},
		{"entity-bomb", func(s string) error {
			if len(s) > 1000 {
				return fmt.Errorf("text of %d bytes: the entities were expanded", len(s))
			}
			return nil
		}},
		{"wrong-type", func(string) error { return nil }},
		{"steady", func(string) error { return nil }},
	} {
		body, err := fetch(base + "/api/mentions?community=" + c.community)
		var page struct {
			Mentions []struct{ Title, Text string } `json:"mentions"`
		}
		if err != nil || json.Unmarshal([]byte(body), &page) != nil || len(page.Mentions) == 0 {
			t.Errorf("%s: no mentions stored (%v): %.300s", c.community, err, body)
			continue
		}
		for _, m := range page.Mentions {
			if err := c.check(m.Title + "\n" + m.Text); err != nil {
				t.Errorf("%s: %v", c.community, err)
			}
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop within 30s with a slowloris source attached")
	}
}
