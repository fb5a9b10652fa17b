package benchdata

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/overhear/overhear/storage"
)

// MillionMentions is the size of the stores the API and export benchmarks query.
const MillionMentions = 1_000_000

// BenchStore returns the path of a store of n generated mentions for a benchmark, and the
// creation time of its newest mention. It is built in b.TempDir (removed after the benchmark),
// or, when OVERHEAR_BENCH_STORE names a file, kept there and reused by later runs, which saves
// its build time when benchmarks are repeated. Callers must not write to it.
func BenchStore(b *testing.B, n int) (string, time.Time) {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("OVERHEAR_BENCH_STORE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	if _, err := os.Stat(path); err != nil {
		g, err := NewGenerator(n, time.Now().UTC())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := BuildStore(ctx, path, g); err != nil {
			b.Fatal(err)
		}
		b.Logf("built a store of %d mentions in %s", n, time.Since(start).Round(time.Millisecond))
	}
	db, err := storage.Open(ctx, path, storage.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	page, err := db.Mentions(ctx, storage.Filter{Limit: 1})
	if err != nil || len(page.Mentions) == 0 {
		b.Fatalf("bench store %s is empty: %v", path, err)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if counts["total"] != int64(n) {
		b.Fatalf("bench store %s holds %d mentions, want %d (remove it to rebuild)", path, counts["total"], n)
	}
	return path, page.Mentions[0].CreatedAt
}
