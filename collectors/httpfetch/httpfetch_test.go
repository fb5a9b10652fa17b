package httpfetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// instant returns a fetcher whose retries do not wait, recording the waits asked for.
func instant(waits *[]time.Duration) *Fetcher {
	return &Fetcher{
		Client: NewClient(2 * time.Second),
		Sleep: func(ctx context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return ctx.Err()
		},
		Jitter: func() float64 { return 0 },
	}
}

func TestConditionalGet(t *testing.T) {
	var sawUA, sawINM, sawIMS string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawUA, sawINM, sawIMS = r.UserAgent(), r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if sawINM == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT")
		w.Header().Set("Cache-Control", "public, max-age=300")
		fmt.Fprint(w, "<rss/>")
	}))
	defer srv.Close()
	var waits []time.Duration
	f := instant(&waits)
	resp, err := f.Get(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NotModified || string(resp.Body) != "<rss/>" || resp.Validators.ETag != `"v1"` || resp.MaxAge != 5*time.Minute {
		t.Fatalf("first response = %+v", resp)
	}
	if !strings.HasPrefix(sawUA, "overhear/") {
		t.Errorf("User-Agent = %q", sawUA)
	}
	resp, err = f.Get(context.Background(), Request{URL: srv.URL, Validators: resp.Validators})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.NotModified || resp.Validators.ETag != `"v1"` || sawIMS == "" {
		t.Errorf("second response = %+v, If-Modified-Since %q", resp, sawIMS)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		responses []int
		retryAt   string
		wantErr   bool
		wantCalls int32
		wantWaits []time.Duration
	}{
		{"5xx burst then ok", []int{500, 502, 200}, "", false, 3, []time.Duration{500 * time.Millisecond, time.Second}},
		{"429 honours Retry-After", []int{429, 200}, "7", false, 2, []time.Duration{7 * time.Second}},
		{"429 too long goes to the scheduler", []int{429, 200}, "3600", true, 1, nil},
		{"gives up after retries", []int{503, 503, 503, 503, 503}, "", true, 4, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{"404 is not retried", []int{404, 200}, "", true, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				code := tt.responses[n-1]
				if tt.retryAt != "" {
					w.Header().Set("Retry-After", tt.retryAt)
				}
				w.WriteHeader(code)
				fmt.Fprint(w, "body")
			}))
			defer srv.Close()
			var waits []time.Duration
			_, err := instant(&waits).Get(context.Background(), Request{URL: srv.URL})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls.Load(), tt.wantCalls)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
			}
		})
	}
}

func TestRetryAfterReachesCaller(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	var waits []time.Duration
	_, err := instant(&waits).Get(context.Background(), Request{URL: srv.URL})
	var se *StatusError
	if !errors.As(err, &se) || se.RetryAfter() != time.Hour || !se.RateLimited() {
		t.Fatalf("err = %#v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	big := strings.Repeat("x", 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/declared":
			fmt.Fprint(w, big)
		case "/chunked":
			w.(http.Flusher).Flush()
			fmt.Fprint(w, big)
		case "/gzipbomb":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			for i := 0; i < 1000; i++ {
				zw.Write([]byte(big))
			}
			zw.Close()
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/declared", "/chunked", "/gzipbomb"} {
		var waits []time.Duration
		f := instant(&waits)
		f.MaxBytes = 1024
		_, err := f.Get(context.Background(), Request{URL: srv.URL + path})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", path, err)
		}
		if len(waits) != 0 {
			t.Errorf("%s: an oversize body was retried", path)
		}
	}
}

func TestTimeoutAndRedirectLoop(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		select { // hang until the test ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	f := instant(&waits)
	f.Client = NewClient(200 * time.Millisecond)
	f.MaxRetries = 1
	start := time.Now()
	if _, err := f.Get(context.Background(), Request{URL: srv.URL + "/hang"}); err == nil {
		t.Error("a hanging server should time out")
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("timeout took %v", el)
	}
	if _, err := f.Get(context.Background(), Request{URL: srv.URL + "/loop"}); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: err = %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://user:pw@example.com/feed?api_key=s3cret&q=acme": "https://redacted@example.com/feed?api_key=redacted&q=acme",
		"https://example.com/latest.rss":                         "https://example.com/latest.rss",
		"https://hooks.example.com/x?token=abc":                  "https://hooks.example.com/x?token=redacted",
	}
	for in, want := range tests {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorsDoNotLeakSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	var waits []time.Duration
	_, err := instant(&waits).Get(context.Background(), Request{URL: srv.URL + "/x?api_key=TOPSECRET"})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("err = %v", err)
	}
	_, err = instant(&waits).Get(context.Background(), Request{URL: "http://127.0.0.1:1/x?token=TOPSECRET"})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("err = %v", err)
	}
}

// TestNotModifiedUpdatesValidators: a 304 that carries a new Last-Modified (or ETag) moves the
// validators on, so the next request does not keep asking with a stale date; validators the
// 304 does not repeat are kept.
func TestNotModifiedUpdatesValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Last-Modified", "Tue, 24 Nov 2026 08:00:00 GMT")
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("Age", "100")
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	var waits []time.Duration
	old := Validators{ETag: `"v1"`, LastModified: "Mon, 23 Nov 2026 10:00:00 GMT"}
	resp, err := instant(&waits).Get(context.Background(), Request{URL: srv.URL, Validators: old})
	if err != nil {
		t.Fatal(err)
	}
	want := Validators{ETag: `"v1"`, LastModified: "Tue, 24 Nov 2026 08:00:00 GMT"}
	if !resp.NotModified || resp.Validators != want {
		t.Errorf("validators after 304 = %+v, want %+v", resp.Validators, want)
	}
	if resp.MaxAge != 500*time.Second {
		t.Errorf("MaxAge on a 304 = %s, want 500s (max-age less Age)", resp.MaxAge)
	}
}

func TestMaxAge(t *testing.T) {
	tests := []struct {
		cc, age string
		want    time.Duration
	}{
		{"public, max-age=300", "", 5 * time.Minute},
		{"Max-Age=\"60\"", "", time.Minute},
		{"max-age=300", "280", 20 * time.Second},
		{"max-age=300", "900", 0},
		{"no-cache, max-age=300", "", 0},
		{"max-age=300, no-store", "", 0},
		{"max-age=bogus", "", 0},
		{"max-age=99999999", "", 24 * time.Hour},
		{"", "", 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.cc != "" {
			h.Set("Cache-Control", tt.cc)
		}
		if tt.age != "" {
			h.Set("Age", tt.age)
		}
		if got := maxAge(h); got != tt.want {
			t.Errorf("Cache-Control %q, Age %q: maxAge = %s, want %s", tt.cc, tt.age, got, tt.want)
		}
	}
}
