package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Collector polls one source instance (one feed, one forum, one Reddit account...).
type Collector interface {
	// SampleConfig returns the collector's commented YAML sample (from its sample.yaml).
	SampleConfig() string
	// Collect polls the source once and hands every item to sink. Problems with one item go
	// to sink.Error and the poll continues; the returned error means the poll failed as a whole.
	// Collect returns ErrNotModified when the source said nothing changed, and an error carrying
	// a retry delay (see RetryAfter) when the source asked to be left alone for a while.
	Collect(ctx context.Context, sink Sink) error
}

// Sink receives what a poll finds.
type Sink interface {
	// Add hands over one item.
	Add(Mention)
	// Participate records that author posted in thread without the item being kept, so that
	// brand absence is judged right for threads whose other items match no query.
	// Collectors call Add for every item they see; Participate is for items they only learn
	// about indirectly (a thread's participant list).
	Participate(threadID, author string)
	// Error reports a problem with one item; the poll goes on.
	Error(error)
}

// Initializer is implemented by collectors that check their config and build clients before
// the first poll. Init's errors are configuration errors.
type Initializer interface {
	Init() error
}

// Stateful is implemented by collectors with cursors or HTTP validators to persist between
// polls and restarts. The store commits State together with the mentions of the same poll.
type Stateful interface {
	State() ([]byte, error)
	SetState([]byte) error
}

// Instance is implemented by collectors that can run more than once (one per feed or forum).
// It names the instance in state keys and logs, e.g. the feed URL.
type Instance interface {
	InstanceName() string
}

// Scheduled is implemented by collectors with a configured polling interval.
type Scheduled interface {
	Interval() time.Duration
}

// Watcher is implemented by collectors that search for the brands' and topics' terms or need
// the brands' account names.
type Watcher interface {
	SetWatch(Watch)
}

// ContextSink is implemented by sinks that keep an item as a mention of brands it does not
// name: a reply in a thread a collector follows because the thread names them. The item gets
// them as its ThreadBrands.
type ContextSink interface {
	AddInContext(m Mention, brands []string)
}

// BrandSetter is implemented by collectors that follow brands' threads and need to know which
// query is which brand's.
type BrandSetter interface {
	SetBrands([]Brand)
}

// LoggerSetter is implemented by collectors that log.
type LoggerSetter interface {
	SetLogger(*slog.Logger)
}

// Creator returns a collector with every default filled in, ready for its config to be decoded into.
type Creator func() Collector

var (
	registryMu sync.RWMutex
	registry   = map[string]Creator{}
)

// Add registers a collector under name; collectors call it from init(). It panics on a
// duplicate name, which is a programming error.
func Add(name string, creator Creator) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("collectors: %q registered twice", name))
	}
	registry[name] = creator
}

// Lookup returns the creator registered under name.
func Lookup(name string) (Creator, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	c, ok := registry[name]
	return c, ok
}

// Names lists the registered collectors, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrNotModified is returned by Collect when the source reported no change (HTTP 304).
var ErrNotModified = errors.New("not modified")

// ErrRateLimited is wrapped by errors that mean the source refused a request for exceeding its limits.
var ErrRateLimited = errors.New("rate limited")

// RetryAfter returns the delay a source asked for, if err carries one (an HTTP 429 or 503 with
// Retry-After, or a spent rate-limit budget).
func RetryAfter(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) && r.RetryAfter() > 0 {
		return r.RetryAfter(), true
	}
	return 0, false
}

// IsRateLimited reports whether err means the source refused a request for exceeding its limits.
func IsRateLimited(err error) bool {
	var r interface{ RateLimited() bool }
	return errors.Is(err, ErrRateLimited) || (errors.As(err, &r) && r.RateLimited())
}
