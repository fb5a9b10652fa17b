package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Notifier delivers alerts to one destination.
type Notifier interface {
	// Notify sends one alert. It returns nil once the destination accepted it; a *RetryError
	// when trying again may succeed (network errors, timeouts, 5xx, 429 — with the wait the
	// destination asked for); a *PermanentError when it will not (bad URL, 404, 410,
	// invalid_payload). Any other error is treated as retryable. Errors never contain the
	// destination's URL.
	Notify(ctx context.Context, a Alert) error
}

// Paced is implemented by notifiers whose destination limits the message rate (Slack allows
// about one message per second per webhook). The sender waits MinInterval between messages.
type Paced interface {
	MinInterval() time.Duration
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, a Alert) error

// Notify implements Notifier.
func (f NotifierFunc) Notify(ctx context.Context, a Alert) error { return f(ctx, a) }

// RetryError is a delivery failure worth retrying, optionally not before After.
type RetryError struct {
	Err   error
	After time.Duration
}

func (e *RetryError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *RetryError) Unwrap() error { return e.Err }

// PermanentError is a delivery failure that retrying will not fix: the alert is dropped.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

// Retry wraps err as retryable after d (0: the sender's backoff decides).
func Retry(err error, d time.Duration) error { return &RetryError{Err: err, After: d} }

// Permanent wraps err as permanent.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfter returns the wait a retryable error asked for, or 0.
func RetryAfter(err error) time.Duration {
	var r *RetryError
	if errors.As(err, &r) {
		return r.After
	}
	return 0
}

// LogNotifier writes alerts to a logger: the default sink when none is configured, and the
// demo's.
type LogNotifier struct {
	logger *slog.Logger
}

// NewLogNotifier returns a notifier that logs each alert at Info.
func NewLogNotifier(logger *slog.Logger) *LogNotifier {
	return &LogNotifier{logger: logger}
}

// Notify implements Notifier.
func (n *LogNotifier) Notify(ctx context.Context, a Alert) error {
	attrs := []any{"rule", a.Rule, "brand", a.Brand, "title", a.Title, "summary", a.Summary, "events", len(a.Keys)}
	if a.More > 0 {
		attrs = append(attrs, "more", a.More)
	}
	for i, ex := range a.Examples {
		if i == 3 {
			break
		}
		attrs = append(attrs, fmt.Sprintf("example_%d", i+1), ex.URL)
	}
	n.logger.InfoContext(ctx, "alert", attrs...)
	return nil
}
