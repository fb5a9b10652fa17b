package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the store file.
var ErrLocked = errors.New("store is locked by another process")

// LockedError says who holds the store, when the holder advertised itself.
type LockedError struct {
	Path string
	// Holder is the HTTP address of the overhear process holding the file, or "".
	Holder string
}

func (e *LockedError) Error() string {
	if e.Holder != "" {
		return fmt.Sprintf("storage: %s is in use by the overhear process serving http://%s (stop it, or use its HTTP API)", e.Path, e.Holder)
	}
	return fmt.Sprintf("storage: %s is in use by another process", e.Path)
}

// Unwrap makes errors.Is(err, ErrLocked) work.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Options tune Open.
type Options struct {
	// ReadOnly opens the file with a shared lock and no writes.
	ReadOnly bool
	// LockTimeout is how long to wait for another process to release the file (default 250ms:
	// commands fail at once rather than hang).
	LockTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DB is Overhear's store.
type DB struct {
	bolt *bolt.DB
	path string
	now  func() time.Time

	// gens tells the store gauges (metrics.go) which days changed since they last read them.
	gens generations
}

// generations counts changes to the stored mentions: per UTC day of created_at for commits,
// and globally for what may touch any day (deletes, pruning, thread participation).
type generations struct {
	mu   sync.Mutex
	all  uint64
	days map[int64]uint64
	// removed counts the deletes and prunes among all's changes.
	removed uint64
}

// genKey identifies the state of one day's mentions.
type genKey struct{ all, day uint64 }

func (g *generations) of(day int64) genKey {
	g.mu.Lock()
	defer g.mu.Unlock()
	return genKey{g.all, g.days[day]}
}

// after sums the generations of the days after day.
func (g *generations) after(day int64) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var n uint64
	for d, v := range g.days {
		if d > day {
			n += v
		}
	}
	return n
}

// removal records a delete or prune: any day may have lost mentions.
func (g *generations) removal() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.all++
	g.removed++
}

// DayVersion changes whenever mentions created on the UTC day of t may have been added or
// removed in this process (thread participation, which changes no stored mention's fields
// but its unattended flag, does not count). It implements alerts.DayVersions, so alert
// evaluation re-reads only the days that changed.
func (db *DB) DayVersion(t time.Time) [2]uint64 {
	g := &db.gens
	g.mu.Lock()
	defer g.mu.Unlock()
	return [2]uint64{g.removed, g.days[dayOfTime(t)]}
}

func (g *generations) touch(days map[int64]struct{}, all bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if all {
		g.all++
	}
	if len(days) > 0 && g.days == nil {
		g.days = map[int64]uint64{}
	}
	for d := range days {
		g.days[d]++
	}
}

// Open opens or creates the store at path, creating or migrating the schema.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 250 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("storage: open %s: %w", path, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opts.LockTimeout,
		ReadOnly: opts.ReadOnly,
		// The freelist is rebuilt on open instead of written on every commit: faster ingest.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, &LockedError{Path: path, Holder: readHolder(path)}
		}
		if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) ||
			strings.Contains(err.Error(), "invalid") || strings.Contains(err.Error(), "file size too small") {
			return nil, fmt.Errorf("storage: open %s: not a valid Overhear store (corrupt, truncated, or not a bbolt file); restore a backup or move it aside: %w", path, err)
		}
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path, now: opts.Now}
	if err := db.migrate(opts.ReadOnly); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	return db, nil
}

func (db *DB) migrate(readOnly bool) error {
	var version uint64
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		version = readU64(getBucketValue(tx, keyVersion, bucketV1, bucketMeta))
		return nil
	}); err != nil {
		return err
	}
	switch {
	case version == SchemaVersion:
		return nil
	case version > SchemaVersion:
		return fmt.Errorf("store schema version %d is newer than this overhear understands (%d): upgrade overhear", version, SchemaVersion)
	case readOnly:
		if version == 0 {
			return fmt.Errorf("%w: not initialised; run a command that writes (once, ingest, serve) first", errSchema)
		}
		return fmt.Errorf("store schema version %d needs a migration: open it once with a writing command", version)
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for v := version; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d→%d: %w", v, v+1, err)
			}
		}
		meta, err := createBucket(tx, bucketV1, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyVersion, u64(SchemaVersion))
	})
}

func getBucketValue(tx *bolt.Tx, key []byte, path ...[]byte) []byte {
	if b := getBucket(tx, path...); b != nil {
		return b.Get(key)
	}
	return nil
}

// Path returns the store file's path.
func (db *DB) Path() string { return db.path }

// Close closes the store and withdraws any advertisement.
func (db *DB) Close() error {
	os.Remove(holderPath(db.path))
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("storage: close %s: %w", db.path, err)
	}
	return nil
}

// Advertise records the HTTP address of this process beside the store file, so a command that
// finds the file locked can name the holder and ask it over HTTP instead.
func (db *DB) Advertise(addr string) error {
	if err := os.WriteFile(holderPath(db.path), []byte(addr+"\n"), 0o600); err != nil {
		return fmt.Errorf("storage: advertise: %w", err)
	}
	return nil
}

func holderPath(path string) string { return path + ".serve" }

func readHolder(path string) string {
	b, err := os.ReadFile(holderPath(path))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Holder returns the address a serving process advertised for the store at path, or "".
func Holder(path string) string { return readHolder(path) }

// Size returns the store file's size in bytes.
func (db *DB) Size() int64 {
	var n int64
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n
}

// Backup writes a consistent copy of the store to w, also while other goroutines write.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("storage: backup: %w", err)
	}
	return n, nil
}

// ctxWriter stops a long copy when the context ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Ping reports whether the store answers a read: cheap enough for every health check, unlike
// Check.
func (db *DB) Ping(ctx context.Context) error {
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if getBucketValue(tx, keyVersion, bucketV1, bucketMeta) == nil {
			return errSchema
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Check verifies the file's page structure, as `bbolt check` does.
func (db *DB) Check(ctx context.Context) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if err != nil {
				return fmt.Errorf("storage: check: %w", err)
			}
		}
		return ctx.Err()
	})
}
