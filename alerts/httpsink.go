package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Helpers shared by the HTTP notifiers (Slack, webhook): one place for status classification,
// Retry-After, body draining and keeping the URL out of errors.

// PostFunc posts a body to a URL. Notifiers keep one as a field so tests can replace it.
type PostFunc func(ctx context.Context, client *http.Client, url string, body io.Reader) (*http.Response, error)

// PostJSON is the default PostFunc: a POST with a JSON content type.
func PostJSON(ctx context.Context, client *http.Client, url string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "overhear-alerts")
	return client.Do(req)
}

// NewHTTPClient returns a client with a timeout that does not follow redirects: a webhook
// that redirects is misconfigured, and following it would send the alert somewhere else.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Send posts body to the secret url and classifies the outcome: nil on 2xx, otherwise a
// *RetryError or *PermanentError (see ClassifyResponse and TransportError). what names the
// destination in messages; the URL never appears in the error.
func Send(ctx context.Context, post PostFunc, client *http.Client, what, url string, body []byte, now time.Time) error {
	resp, err := post(ctx, client, url, bytes.NewReader(body))
	if err != nil {
		return RedactError(TransportError(what, err), url)
	}
	defer resp.Body.Close()
	return RedactError(ClassifyResponse(resp, what, now), url)
}

// MaxErrorBody is how much of an error response body is kept in an error.
const MaxErrorBody = 512

// ClassifyResponse turns a non-2xx response into a typed error: 429, 408 and 5xx are
// retryable (honouring Retry-After), other statuses permanent (Slack's 400 invalid_payload,
// 403 action_prohibited, 404 no_service, 410 channel_is_archived; redirects). The body is read
// up to MaxErrorBody bytes and the rest drained, so the connection can be reused; the caller
// still closes it.
func ClassifyResponse(resp *http.Response, what string, now time.Time) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := fmt.Sprintf("%s: HTTP %d", what, resp.StatusCode)
	if b := sanitizeBody(body); b != "" {
		msg += ": " + b
	}
	err := errors.New(msg)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		return Retry(err, ParseRetryAfter(resp.Header.Get("Retry-After"), now))
	}
	return Permanent(err)
}

// sanitizeBody keeps an error body printable and short.
func sanitizeBody(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "?"))
	return oneLine(s, 200)
}

// ParseRetryAfter reads a Retry-After header: seconds or an HTTP date. It returns 0 when
// absent or unreadable, and caps the wait at an hour.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(n * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}

// TransportError turns an error from building or sending a request into a retryable error
// without the request URL: *url.Error prints the URL, which for a webhook is the secret.
// Cancellation stays a plain error (the sender stops rather than counting a failure).
func TransportError(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return Retry(fmt.Errorf("%s: %w", what, err), 0)
}

// RedactError returns err with every occurrence of the secrets replaced (see Redact), keeping
// its retry or permanent kind. It returns err itself when nothing needed replacing.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := Redact(msg, secrets...)
	if red == msg {
		return err
	}
	var r *RetryError
	if errors.As(err, &r) {
		return &RetryError{Err: errors.New(strings.TrimSuffix(red, fmt.Sprintf(" (retry after %s)", r.After))), After: r.After}
	}
	if IsPermanent(err) {
		return Permanent(errors.New(red))
	}
	return errors.New(red)
}

// Redact replaces every occurrence of the secrets in s (and of their path and query, which is
// where webhook tokens live) with "<redacted>": a last line of defence before an error is
// logged or stored.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, sec, "<redacted>")
		if u, err := url.Parse(sec); err == nil {
			if len(u.Path) > 1 {
				s = strings.ReplaceAll(s, u.Path, "<redacted>")
			}
			if len(u.RawQuery) > 3 {
				s = strings.ReplaceAll(s, u.RawQuery, "<redacted>")
			}
		}
	}
	return s
}
