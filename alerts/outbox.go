package alerts

import (
	"context"
	"errors"
	"time"

	"github.com/overhear/overhear/analysis"
)

// ErrEntryNotFound is returned by Outbox.UpdateAlert for an entry that is not (or no longer) stored.
var ErrEntryNotFound = errors.New("alerts: outbox entry not found")

// Outbox is the durable queue between the rules and the sinks, with the notify log that
// remembers what was already notified (dedup keys, cooldowns, digests). storage.DB implements it
// in bbolt. Every method may return the store's I/O errors and ctx's error.
type Outbox interface {
	// EnqueueAlerts stores entries (assigning each a Seq, returned in order) and records the notify-log
	// keys with their times, in one transaction: an alert and the record that it was produced are
	// stored together or not at all, before anything is sent.
	EnqueueAlerts(ctx context.Context, entries []Entry, log map[string]time.Time) ([]Entry, error)
	// NotifyLogged returns the recorded time of each key that is in the notify log.
	NotifyLogged(ctx context.Context, keys []string) (map[string]time.Time, error)
	// PendingAlerts returns the entries in state pending, oldest first.
	PendingAlerts(ctx context.Context) ([]Entry, error)
	// UpdateAlert replaces a stored entry (matched by Seq): sent, dropped, or a failed attempt.
	// It returns ErrEntryNotFound when the entry is gone.
	UpdateAlert(ctx context.Context, e Entry) error
	// RecentAlerts returns up to n entries (n ≤ 0: all) created at or after since (zero: no bound),
	// newest first.
	RecentAlerts(ctx context.Context, n int, since time.Time) ([]Entry, error)
	// PendingAlertCounts returns the number of pending entries per sink.
	PendingAlertCounts(ctx context.Context) (map[string]int64, error)
	// PruneAlerts deletes sent, dropped and held entries created before before, and notify-log keys
	// recorded before logBefore. Pending entries are never pruned.
	PruneAlerts(ctx context.Context, before, logBefore time.Time) error
}

// MentionSource reads stored mentions.
type MentionSource interface {
	// Mentions calls fn for each stored mention of brand created in [since, until) (a zero
	// until means no upper bound), newest first, with Unattended flags reflecting the thread participation known now. fn may keep
	// the result. An error from fn stops the scan and is returned.
	Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error
}

// DayVersions is implemented by a MentionSource that can tell when mentions created on a UTC
// day may have been added or removed: DayVersion(t) changes whenever those of t's day may have.
// Evaluation then keeps what it read of unchanged past days instead of reading every rule's
// whole lookback (30 days and more) every time.
type DayVersions interface {
	DayVersion(t time.Time) [2]uint64
}

// MentionSourceFunc adapts a function to MentionSource.
type MentionSourceFunc func(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error

// Mentions implements MentionSource.
func (f MentionSourceFunc) Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error {
	return f(ctx, brand, since, until, fn)
}
