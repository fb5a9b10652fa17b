package reddit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/httpfetch"
)

// The Reddit API client is go-reddit's, but every request it makes goes through httpfetch:
//
//	go-reddit Client ─▶ authTransport (bearer token, refreshed on expiry or 401)
//	                 ─▶ fetchTransport (budget check, then httpfetch.Fetcher.Get: User-Agent,
//	                    timeout, size cap, retries with backoff honouring Retry-After)
//	                 ─▶ meterTransport (counts every attempt, reads X-Ratelimit-* headers)
//	                 ─▶ the network
//
// The token endpoint is reached through meterTransport with the same User-Agent.

// window is Reddit's rate-limit accounting period.
const window = 10 * time.Minute

// budget tracks requests against Reddit's limit (100 queries a minute per OAuth client,
// averaged over 10 minutes) from both sides: our own sliding window of requests, capped at
// limit, and the X-Ratelimit-Remaining/Reset headers Reddit returns.
type budget struct {
	mu    sync.Mutex
	now   func() time.Time
	limit int
	sent  []time.Time // our requests within the last window, oldest first
	total uint64
	// From the last response that carried rate-limit headers.
	remaining float64
	reset     time.Time
	known     bool
	// blockedUntil is set by a 429 with Retry-After.
	blockedUntil time.Time
}

func newBudget(limit int, now func() time.Time) *budget {
	return &budget{limit: limit, now: now}
}

// errBudget is returned when a request would exceed the budget.
type errBudget struct{ wait time.Duration }

func (e *errBudget) Error() string {
	return fmt.Sprintf("request budget spent; next request in %s", e.wait.Round(time.Second))
}

// RetryAfter implements the interface collectors.RetryAfter looks for.
func (e *errBudget) RetryAfter() time.Duration { return e.wait }

// RateLimited implements the interface collectors.IsRateLimited looks for.
func (e *errBudget) RateLimited() bool { return true }

func (e *errBudget) Is(target error) bool { return target == collectors.ErrRateLimited }

// allow reports whether one more request fits, leaving reserve requests for others.
func (b *budget) allow(reserve int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.expire(now)
	if now.Before(b.blockedUntil) {
		return &errBudget{wait: b.blockedUntil.Sub(now)}
	}
	if b.known && now.Before(b.reset) && b.remaining < float64(1+reserve) {
		return &errBudget{wait: b.reset.Sub(now)}
	}
	if len(b.sent) >= b.limit-reserve {
		wait := window
		if len(b.sent) > 0 {
			wait = b.sent[0].Add(window).Sub(now)
		}
		return &errBudget{wait: max(wait, time.Second)}
	}
	return nil
}

// expire drops requests older than the window; the caller holds mu.
func (b *budget) expire(now time.Time) {
	i := 0
	for i < len(b.sent) && now.Sub(b.sent[i]) >= window {
		i++
	}
	if i > 0 {
		b.sent = append(b.sent[:0], b.sent[i:]...)
	}
}

// record notes one request sent and what its response said about the limit.
func (b *budget) record(h http.Header, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.expire(now)
	b.sent = append(b.sent, now)
	b.total++
	if b.known {
		// Count our own request until Reddit's next answer says otherwise.
		b.remaining = max(b.remaining-1, 0)
	}
	if h == nil {
		return
	}
	rem, errR := strconv.ParseFloat(h.Get("X-Ratelimit-Remaining"), 64)
	reset, errS := strconv.ParseFloat(h.Get("X-Ratelimit-Reset"), 64)
	if errR == nil && errS == nil && rem >= 0 && reset >= 0 {
		b.remaining, b.reset, b.known = rem, now.Add(time.Duration(reset*float64(time.Second))), true
	}
	if status == http.StatusTooManyRequests {
		// Nothing goes out before the later of Retry-After and the window's reset; with
		// neither, a minute.
		var wait time.Duration
		if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
			wait = time.Duration(min(s, 3600)) * time.Second
		}
		if b.known && b.reset.After(now) {
			wait = max(wait, b.reset.Sub(now))
		}
		if wait <= 0 {
			wait = time.Minute
		}
		b.blockedUntil = now.Add(wait)
	}
}

// closed reports how long no request may reach the network: until a 429's reset, or, when
// Reddit said this window has no requests left, until the window resets. Zero means open.
func (b *budget) closed() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	switch {
	case now.Before(b.blockedUntil):
		return b.blockedUntil.Sub(now)
	case b.known && now.Before(b.reset) && b.remaining < 1:
		return b.reset.Sub(now)
	}
	return 0
}

// remainingNow is what the gauge reports: Reddit's count while it is current, else our own.
func (b *budget) remainingNow() (remaining float64, requests uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.expire(now)
	own := float64(max(b.limit-len(b.sent), 0))
	if b.known && now.Before(b.reset) {
		return min(b.remaining, own), b.total
	}
	return own, b.total
}

// meterTransport counts every request that reaches the network and reads the rate-limit headers.
type meterTransport struct {
	base   http.RoundTripper
	budget *budget
	ua     string
}

// RoundTrip implements http.RoundTripper. It is the one gate every request of the collector
// passes (API, token, retries inside httpfetch, every goroutine): while Reddit's limit is closed
// nothing is sent and the request fails with a rate-limit error that carries the wait.
func (t *meterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if wait := t.budget.closed(); wait > 0 {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &errBudget{wait: max(wait, time.Second)}
	}
	if t.ua != "" && req.Header.Get("User-Agent") != t.ua {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.ua)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.budget.record(nil, 0)
		return nil, err
	}
	t.budget.record(resp.Header, resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests {
		// Reddit's 429 often carries only X-Ratelimit-Reset. Say the whole wait as Retry-After,
		// so httpfetch hands a long wait back to the scheduler instead of retrying within
		// seconds, and a short one is slept out before the retry.
		if wait := t.budget.closed(); wait > 0 {
			resp.Header.Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		}
	}
	return resp, nil
}

// fetchTransport turns go-reddit's requests into httpfetch GETs, so the API path gets the same
// politeness as every other collector. Non-2xx answers come back as *httpfetch.StatusError.
type fetchTransport struct {
	fetch  *httpfetch.Fetcher
	budget *budget
}

type reserveKey struct{}

// withReserve makes requests under ctx leave n requests of the budget unspent.
func withReserve(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, reserveKey{}, n)
}

// RoundTrip implements http.RoundTripper.
func (t *fetchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	if req.Method != http.MethodGet {
		return nil, fmt.Errorf("reddit: %s not supported (read-only client)", req.Method)
	}
	reserve, _ := req.Context().Value(reserveKey{}).(int)
	if err := t.budget.allow(reserve); err != nil {
		return nil, err
	}
	h := req.Header.Clone()
	h.Del("User-Agent") // httpfetch sets its own, which is the configured one
	resp, err := t.fetch.Get(req.Context(), httpfetch.Request{URL: req.URL.String(), Header: h})
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)),
		StatusCode:    resp.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        resp.Header,
		Body:          io.NopCloser(bytes.NewReader(resp.Body)),
		ContentLength: int64(len(resp.Body)),
		Request:       req,
	}, nil
}

// authTransport adds an app-only OAuth bearer token, fetching one with the request's context
// when none is cached or the cached one expired, and once more after a 401.
type authTransport struct {
	next  http.RoundTripper
	token func(ctx context.Context) (*oauth2.Token, error)

	mu     sync.Mutex
	cached *oauth2.Token
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := t.get(req.Context())
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		tok.SetAuthHeader(r)
		resp, err := t.next.RoundTrip(r)
		var se *httpfetch.StatusError
		if attempt == 0 && errors.As(err, &se) && se.Code == http.StatusUnauthorized {
			t.invalidate(tok)
			continue
		}
		return resp, err
	}
}

func (t *authTransport) get(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached.Valid() {
		return t.cached, nil
	}
	tok, err := t.token(ctx)
	if err != nil {
		return nil, fmt.Errorf("get access token: %w", scrubTokenError(err))
	}
	t.cached = tok
	return tok, nil
}

func (t *authTransport) invalidate(tok *oauth2.Token) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached == tok {
		t.cached = nil
	}
}

// scrubTokenError keeps an OAuth error's status and Reddit's error code but drops the raw
// response body, which is not ours to log.
func scrubTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		msg := "token endpoint answered HTTP " + strconv.Itoa(re.Response.StatusCode)
		if re.ErrorCode != "" {
			msg += " (" + re.ErrorCode + ")"
		}
		if re.Response.StatusCode == http.StatusUnauthorized || re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_client" {
			msg += ": check client_id, client_secret, username and password"
		}
		return &tokenError{msg: msg, status: re.Response.StatusCode, retry: re.Response.Header.Get("Retry-After")}
	}
	return err
}

type tokenError struct {
	msg    string
	status int
	retry  string
}

func (e *tokenError) Error() string { return e.msg }

// RateLimited reports a 429 from the token endpoint.
func (e *tokenError) RateLimited() bool { return e.status == http.StatusTooManyRequests }

// RetryAfter returns the token endpoint's Retry-After.
func (e *tokenError) RetryAfter() time.Duration {
	s, err := strconv.Atoi(e.retry)
	if err != nil || s <= 0 {
		return 0
	}
	return time.Duration(min(s, 3600)) * time.Second
}
