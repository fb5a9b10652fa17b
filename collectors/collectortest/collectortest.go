// Package collectortest helps test collectors: a Sink that captures what a poll hands over, an
// httptest server that replays recorded payloads from testdata/, and golden-file comparison.
// Tests never touch the network.
package collectortest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Participation is one Sink.Participate call.
type Participation struct {
	ThreadID string `json:"thread_id"`
	Author   string `json:"author"`
}

// Sink is a collectors.Sink that records everything. It is safe for concurrent use.
type Sink struct {
	mu            sync.Mutex
	mentions      []collectors.Mention
	participation []Participation
	errors        []error
}

var _ collectors.Sink = (*Sink)(nil)

// Add implements collectors.Sink.
func (s *Sink) Add(m collectors.Mention) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mentions = append(s.mentions, m)
}

// AddInContext implements collectors.ContextSink.
func (s *Sink) AddInContext(m collectors.Mention, brands []string) {
	s.Add(m.WithThreadBrands(brands))
}

// Participate implements collectors.Sink.
func (s *Sink) Participate(threadID, author string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.participation = append(s.participation, Participation{ThreadID: threadID, Author: author})
}

// Error implements collectors.Sink.
func (s *Sink) Error(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors = append(s.errors, err)
}

// Mentions returns a copy of the mentions added so far, in order.
func (s *Sink) Mentions() []collectors.Mention {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]collectors.Mention(nil), s.mentions...)
}

// IDs returns the ids of the mentions added so far, in order.
func (s *Sink) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.mentions))
	for i, m := range s.mentions {
		ids[i] = m.ID
	}
	return ids
}

// Participation returns a copy of the participation recorded so far.
func (s *Sink) Participation() []Participation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Participation(nil), s.participation...)
}

// Errors returns a copy of the item errors reported so far.
func (s *Sink) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errors...)
}

// Reset forgets everything recorded.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mentions, s.participation, s.errors = nil, nil, nil
}

// JSONLines renders mentions one JSON object a line, the format of expected.golden files.
func JSONLines(tb testing.TB, ms []collectors.Mention) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			tb.Fatal(err)
		}
	}
	return b.Bytes()
}

// Golden compares got with the file at path; with -update it rewrites the file instead.
func Golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		tb.Errorf("output differs from %s (run go test -update to accept):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %.300s\ngot:  %.300s", i+1, w, g)
		}
	}
	return "(only line endings differ)"
}

// ReadFile returns a testdata file's bytes or fails the test.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Response is one canned answer of a Server.
type Response struct {
	// Status defaults to 200.
	Status int
	// Header is added to the response.
	Header http.Header
	// File, when set, is read for the body (relative to the test's working directory).
	File string
	// Body is used when File is empty.
	Body []byte
	// Delay holds the answer back (to test timeouts); it ends early when the client gives up.
	Delay time.Duration
	// Handler, when set, answers instead of the fields above.
	Handler http.HandlerFunc
}

// Request is a request a Server received.
type Request struct {
	Method string
	// URL is the path and query as sent.
	URL    string
	Query  url.Values
	Header http.Header
}

type route struct {
	path      string
	query     url.Values
	responses []Response
	hits      int
}

// Server is an httptest.Server that replays canned responses per route. Each request to a
// route takes the route's next response; the last one repeats. Unknown routes get a 404.
type Server struct {
	*httptest.Server
	tb       testing.TB
	mu       sync.Mutex
	routes   []*route
	requests []Request
}

// NewServer starts a server that is closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Handle sets the responses of a route. pattern is a path, optionally followed by a query whose
// parameters must all be present with those values ("/search.json?q=ollama"). A request takes the
// most specific matching route. Handle on an existing pattern replaces its responses.
func (s *Server) Handle(pattern string, responses ...Response) {
	path, rawQuery, _ := strings.Cut(pattern, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		s.tb.Fatalf("collectortest: bad pattern %q: %v", pattern, err)
	}
	if len(responses) == 0 {
		s.tb.Fatalf("collectortest: no responses for %q", pattern)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.routes {
		if r.path == path && r.query.Encode() == q.Encode() {
			r.responses, r.hits = responses, 0
			return
		}
	}
	s.routes = append(s.routes, &route{path: path, query: q, responses: responses})
	sort.SliceStable(s.routes, func(i, j int) bool { return len(s.routes[i].query) > len(s.routes[j].query) })
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests had the given path.
func (s *Server) Count(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if p, _, _ := strings.Cut(r.URL, "?"); p == path {
			n++
		}
	}
	return n
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, URL: r.URL.RequestURI(), Query: r.URL.Query(), Header: r.Header.Clone()})
	var resp *Response
	for _, rt := range s.routes {
		if rt.path != r.URL.Path || !queryMatches(rt.query, r.URL.Query()) {
			continue
		}
		i := min(rt.hits, len(rt.responses)-1)
		rt.hits++
		resp = &rt.responses[i]
		break
	}
	s.mu.Unlock()
	if resp == nil {
		http.Error(w, "collectortest: no route for "+r.URL.RequestURI(), http.StatusNotFound)
		return
	}
	if resp.Delay > 0 {
		t := time.NewTimer(resp.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
	if resp.Handler != nil {
		resp.Handler(w, r)
		return
	}
	body := resp.Body
	if resp.File != "" {
		var err error
		if body, err = os.ReadFile(resp.File); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", contentType(resp.File, body))
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func queryMatches(want, got url.Values) bool {
	for k, vs := range want {
		g := got[k]
		if len(g) != len(vs) {
			return false
		}
		for i := range vs {
			if g[i] != vs[i] {
				return false
			}
		}
	}
	return true
}

func contentType(file string, body []byte) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return "application/json; charset=utf-8"
	case ".xml", ".rss", ".atom":
		return "application/xml; charset=utf-8"
	}
	return http.DetectContentType(body)
}

// InstantSleep is an httpfetch.Fetcher Sleep that records the waits and returns at once (or
// with ctx's error), so retry tests run instantly.
type InstantSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

// Sleep records d and returns ctx's error, if any.
func (s *InstantSleep) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// Waits returns the recorded waits.
func (s *InstantSleep) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// Eventually polls cond every few milliseconds until it holds or timeout passes.
func Eventually(tb testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s: "+msg, append([]any{timeout}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
