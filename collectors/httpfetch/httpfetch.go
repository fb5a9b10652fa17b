// Package httpfetch is the polite HTTP client every collector polls through: an identifying
// User-Agent, timeouts, a response size cap, conditional GET (ETag / Last-Modified), and
// retries with backoff and jitter on 429 and 5xx that honour Retry-After.
package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Version is reported in the default User-Agent. The overhear command sets it to the binary's
// version at start-up, before any collector is built; "dev" is left only in tests.
var Version = "dev"

// DefaultUserAgent identifies Overhear to the sites it polls.
func DefaultUserAgent() string {
	return "overhear/" + Version + " (+https://github.com/overhear/overhear)"
}

// Defaults for Fetcher fields left zero.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxBytes   = 10 << 20
	DefaultMaxRetries = 3
	// DefaultMaxWait caps how long one Get waits between retries; a longer Retry-After is
	// returned to the caller, whose scheduler waits instead of holding the poll open.
	DefaultMaxWait = 30 * time.Second
	maxRedirects   = 5
)

// ErrTooLarge is returned when a response body exceeds the size cap.
var ErrTooLarge = errors.New("response body too large")

// StatusError is a non-2xx, non-304 response.
type StatusError struct {
	Code int
	// URL is redacted: no credentials or secret query values.
	URL string
	// Retry is the delay the server asked for (Retry-After), if any.
	Retry time.Duration
	// Body is the start of the response body, for diagnosis.
	Body string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.Retry > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.Retry)
	}
	return msg
}

// RetryAfter returns the delay the server asked for.
func (e *StatusError) RetryAfter() time.Duration { return e.Retry }

// Temporary reports whether a later attempt may succeed (429 and 5xx).
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// RateLimited reports a 429.
func (e *StatusError) RateLimited() bool { return e.Code == http.StatusTooManyRequests }

// Validators are the HTTP cache validators of the last successful response, which the next
// request sends back for a conditional GET. Collectors persist them in their state.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Request is one GET.
type Request struct {
	URL        string
	Header     http.Header
	Validators Validators
}

// Response is a successful GET (2xx or 304).
type Response struct {
	StatusCode  int
	Header      http.Header
	Body        []byte
	NotModified bool
	// Validators to send next time. A 304 may carry new ones (RFC 9110 §15.4.5: the server
	// sends the ETag and Last-Modified it would have sent with a 200); those replace the old
	// ones, and a validator the 304 does not repeat is kept.
	Validators Validators
	// MaxAge is how long the response stays fresh: Cache-Control max-age less the Age
	// header, zero when the response says no-cache or no-store. Until then the resource is
	// not worth asking for again. 304 responses carry it too.
	MaxAge time.Duration
	// URL is the final URL after redirects.
	URL string
}

// Fetcher performs polite GETs. The zero value is usable; New sets the defaults explicitly.
type Fetcher struct {
	Client     *http.Client
	UserAgent  string
	MaxBytes   int64
	MaxRetries int
	MaxWait    time.Duration
	// Sleep waits between retries; tests replace it. It returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random fraction in [0, 1) for backoff jitter.
	Jitter func() float64
}

// New returns a Fetcher with its own client and the given timeout (DefaultTimeout when zero).
func New(timeout time.Duration) *Fetcher {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Fetcher{Client: NewClient(timeout)}
}

// Configure returns f, or a new Fetcher when f is nil, with a client for timeout when it has
// none and the size cap set: what every collector's Init does with its timeout and max_bytes.
func Configure(f *Fetcher, timeout time.Duration, maxBytes int64) *Fetcher {
	if f == nil {
		f = New(timeout)
	}
	if f.Client == nil {
		f.Client = NewClient(timeout)
	}
	f.MaxBytes = maxBytes
	return f
}

// NewClient returns an http.Client with the timeouts, connection limits and redirect policy
// collectors need. Go's transport decompresses gzip itself; the size cap applies after
// decompression, which defuses gzip bombs.
func NewClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  timeout,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

// Get fetches req.URL, retrying temporary failures. It returns *StatusError for HTTP errors,
// an error wrapping ErrTooLarge for oversize bodies, and ctx's error when cancelled.
func (f *Fetcher) Get(ctx context.Context, req Request) (*Response, error) {
	maxRetries := f.MaxRetries
	if maxRetries == 0 {
		maxRetries = DefaultMaxRetries
	}
	maxWait := f.MaxWait
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		resp, err := f.do(ctx, req)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || attempt >= maxRetries || !retryable(err) {
			return nil, err
		}
		wait := backoff(attempt, f.jitter())
		var se *StatusError
		if errors.As(err, &se) && se.Retry > 0 {
			if se.Retry > maxWait {
				return nil, err // the scheduler honours the long wait
			}
			wait = se.Retry
		}
		if err := f.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w (while waiting to retry after: %w)", err, lastErr)
		}
	}
}

func (f *Fetcher) jitter() float64 {
	if f.Jitter != nil {
		return f.Jitter()
	}
	return rand.Float64()
}

func (f *Fetcher) sleep(ctx context.Context, d time.Duration) error {
	if f.Sleep != nil {
		return f.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is exponential from 1s with full jitter in its upper half: 0.5–1s, 1–2s, 2–4s...
func backoff(attempt int, jitter float64) time.Duration {
	base := time.Second << min(attempt, 6)
	return base/2 + time.Duration(jitter*float64(base/2))
}

func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Redirect loops and bad URLs will not get better by retrying.
		msg := ue.Err.Error()
		return !strings.Contains(msg, "redirects") && !strings.Contains(msg, "unsupported protocol")
	}
	// Connection resets, refused connections and timeouts may pass.
	return true
}

func (f *Fetcher) do(ctx context.Context, req Request) (*Response, error) {
	safeURL := RedactURL(req.URL)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", safeURL, redactErr(err, req.URL))
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent()
	}
	hreq.Header.Set("User-Agent", ua)
	if req.Validators.ETag != "" {
		hreq.Header.Set("If-None-Match", req.Validators.ETag)
	}
	if req.Validators.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.Validators.LastModified)
	}
	resp, err := f.client().Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", safeURL, redactErr(err, req.URL))
	}
	defer resp.Body.Close()
	maxBytes := f.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, URL: resp.Request.URL.String(), MaxAge: maxAge(resp.Header)}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		out.Validators = req.Validators
		if v := resp.Header.Get("ETag"); v != "" {
			out.Validators.ETag = v
		}
		if v := resp.Header.Get("Last-Modified"); v != "" {
			out.Validators.LastModified = v
		}
		drain(resp.Body)
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		drain(resp.Body)
		return nil, &StatusError{Code: resp.StatusCode, URL: safeURL, Retry: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), Body: string(snippet)}
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("GET %s: %w: Content-Length %d exceeds %d bytes", safeURL, ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", safeURL, redactErr(err, req.URL))
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("GET %s: %w: more than %d bytes", safeURL, ErrTooLarge, maxBytes)
	}
	out.Body = body
	out.Validators = Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	return out, nil
}

// drain reads a little of what is left so the connection can be reused, without reading a flood.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}

// maxAge reads the freshness lifetime a response grants (RFC 9111 §4.2.1): Cache-Control
// max-age, less the time the response already spent in caches (Age). Directive names are
// case-insensitive and values may be quoted; no-cache and no-store grant none; the result is
// capped at a day, so a typo cannot silence a source for a year.
func maxAge(h http.Header) time.Duration {
	var age time.Duration
	found := false
	for _, line := range h.Values("Cache-Control") {
		for _, part := range strings.Split(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				s, err := strconv.Atoi(strings.Trim(strings.TrimSpace(val), `"`))
				if err != nil || s <= 0 || found {
					continue // the first valid max-age wins
				}
				age, found = time.Duration(min(s, 86400))*time.Second, true
			}
		}
	}
	if !found {
		return 0
	}
	if a, err := strconv.Atoi(strings.TrimSpace(h.Get("Age"))); err == nil && a > 0 {
		age -= time.Duration(min(a, 86400)) * time.Second
	}
	return max(age, 0)
}

// secretParams are query parameters whose values RedactURL hides.
var secretParams = []string{"key", "token", "secret", "password", "api_key", "apikey", "access_token", "auth", "sig", "signature"}

// RedactURL hides credentials and secret-looking query values, so a URL can go into logs and errors.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	q := u.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		for _, s := range secretParams {
			if strings.Contains(lk, s) {
				q.Set(k, "redacted")
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactErr replaces the raw URL inside a net/http error with its redacted form.
func redactErr(err error, raw string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	if strings.Contains(err.Error(), raw) {
		return errors.New(strings.ReplaceAll(err.Error(), raw, RedactURL(raw)))
	}
	return err
}
