package collectors

import (
	"context"
	"time"
)

// DeletionChecker is implemented by collectors whose source requires that items deleted or
// removed there are deleted here too (Reddit's terms do). The caller (cmd) lists the ids of
// stored mentions of the collector's source, at most every RecheckInterval, hands them to
// CheckDeleted and purges the ids it returns.
type DeletionChecker interface {
	// RecheckInterval is how often stored items should be checked again; zero disables checking.
	RecheckInterval() time.Duration
	// RecheckWindow is how far back (by created_at) stored items are worth checking; zero means all.
	RecheckWindow() time.Duration
	// CheckDeleted asks the source about ids and returns those it reports deleted or removed.
	// It spends the collector's request budget and may stop early: then it returns the ids
	// found so far together with an error (a rate limit error carries RetryAfter). Ids the source
	// does not know at all count as deleted.
	CheckDeleted(ctx context.Context, ids []string) (gone []string, err error)
}
