package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
)

// withURL sets a result's URL.
func withURL(r analysis.Result, u string) analysis.Result {
	r.URL = u
	return r
}

// TestCommitSkipsTheSameItemFromAnotherSource: the embedded default config counted every HN
// story twice, once from the hackernews collector and once from the hnrss feed, under
// different ids. The second arrival is now recognised by its canonical URL, also after a
// restart, and counted once.
func TestCommitSkipsTheSameItemFromAnotherSource(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "o.db")
	db := mustOpen(t, path)
	// The HN story as the hackernews collector reports it (story 42817438, a real one).
	hn := withURL(result("hackernews", "42817438", t0, "Ollama"), "https://news.ycombinator.com/item?id=42817438")
	if added, err := db.Commit(ctx, Batch{Results: []analysis.Result{hn}, Origin: "hackernews"}); err != nil || len(added) != 1 {
		t.Fatalf("hackernews commit: added %d, %v", len(added), err)
	}
	db.Close()

	db = mustOpen(t, path) // a restart: the index is in the file
	// The same story from hnrss: the guid is the HN item page, the link the article.
	rss := withURL(result("rss", "https://news.ycombinator.com/item?id=42817438", t0.Add(time.Second), "Ollama"), "https://ollama.com/blog/new-engine")
	// The same story from a second hnrss feed of the same rss source, and a new story.
	rss2 := withURL(result("rss", "https://news.ycombinator.com/item?id=42817438&utm_source=front", t0.Add(2*time.Second), "Ollama"), "https://ollama.com/blog/new-engine")
	fresh := withURL(result("rss", "https://news.ycombinator.com/item?id=42900001", t0, "Ollama"), "https://example.com/other")
	batch := Batch{Results: []analysis.Result{rss, rss2, fresh}, Origin: "rss/hnrss-newest"}
	missing, err := db.Missing(ctx, batch.Results, batch.Origin)
	if err != nil || missing[0] || missing[1] || !missing[2] {
		t.Fatalf("Missing = %v, %v; want only the new story missing", missing, err)
	}
	added, err := db.Commit(ctx, batch)
	if err != nil || len(added) != 1 || added[0].ID != fresh.ID {
		t.Fatalf("rss commit: added %v, %v; want only the new story", added, err)
	}
	counts, _ := db.Counts(ctx)
	if counts["total"] != 2 || counts["brand:Ollama"] != 2 || counts["source:rss"] != 1 {
		t.Errorf("counts = %v, want 2 mentions (1 hackernews, 1 rss)", counts)
	}
	// Reddit: a subreddit feed given to rss, then the reddit collector's API post.
	feed := withURL(result("rss", "t3_1iw7vfq", t0), "https://old.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow_on_my_gpu/")
	api := withURL(result("reddit", "t3_1iw7vfq", t0), "https://www.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow_on_my_gpu/")
	db.Commit(ctx, Batch{Results: []analysis.Result{feed}, Origin: "rss/reddit-feed"})
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{api}, Origin: "reddit"}); len(added) != 0 {
		t.Errorf("the reddit post from the API was stored again after the feed's copy")
	}
}

// TestCommitKeepsOneFeedsEntriesThatShareALink: entries of one feed with different ids are
// different entries even when their links are the same (a feed that links every entry to its
// front page); only arrivals through another origin are merged.
func TestCommitKeepsOneFeedsEntriesThatShareALink(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	a := withURL(result("rss", "guid-1", t0), "https://example.com/")
	b := withURL(result("rss", "guid-2", t0.Add(time.Minute)), "https://example.com")
	if added, err := db.Commit(ctx, Batch{Results: []analysis.Result{a, b}, Origin: "rss/example"}); err != nil || len(added) != 2 {
		t.Fatalf("added %d, %v; want both entries", len(added), err)
	}
	c := withURL(result("rss", "guid-3", t0), "https://example.com")
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{c}, Origin: "rss/example"}); len(added) != 1 {
		t.Errorf("a third entry of the same feed was merged")
	}
	d := withURL(result("rss", "other-guid", t0), "https://www.example.com/")
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{d}, Origin: "rss/aggregator"}); len(added) != 0 {
		t.Errorf("the same link through another feed was stored again")
	}
	// Lines of an import (empty origin) are one origin too; a collector's copy is merged.
	i1 := withURL(result("import", "line-1", t0), "https://blog.example.org/post")
	i2 := withURL(result("import", "line-2", t0), "https://blog.example.org/post/")
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{i1, i2}}); len(added) != 2 {
		t.Errorf("two imported lines with one link: added %d, want 2", len(added))
	}
	f := withURL(result("rss", "https://blog.example.org/post", t0), "https://blog.example.org/post")
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{f}, Origin: "rss/blog"}); len(added) != 0 {
		t.Errorf("the blog's feed stored an imported post again")
	}
}

// TestPruneAndDeleteFreeTheCanonicalURL: once the stored copy is gone (retention, or deleted
// at its source), a later arrival of the item is stored, and no index entry is left behind.
func TestPruneAndDeleteFreeTheCanonicalURL(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	old := withURL(result("hackernews", "1", t0), "https://news.ycombinator.com/item?id=1")
	gone := withURL(result("reddit", "t3_abc", t0.Add(48*time.Hour)), "https://www.reddit.com/r/x/comments/abc/t/")
	db.Commit(ctx, Batch{Results: []analysis.Result{old, gone}, Origin: "o"})
	if _, err := db.Prune(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteMentions(ctx, "reddit", []string{"t3_abc"}); err != nil || n != 1 {
		t.Fatalf("delete: %d, %v", n, err)
	}
	if n := bucketLen(t, db, bucketMentionURLs); n != 0 {
		t.Errorf("%d canonical-URL entries left after prune and delete", n)
	}
	again := withURL(result("rss", "https://news.ycombinator.com/item?id=1", t0.Add(72*time.Hour)), "https://example.com/a")
	if added, _ := db.Commit(ctx, Batch{Results: []analysis.Result{again}, Origin: "rss/x"}); len(added) != 1 {
		t.Errorf("the item was not stored after its first copy was pruned")
	}
}

// TestMigrationIndexesStoredURLs: a version 2 store gets the index of what it holds.
func TestMigrationIndexesStoredURLs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "o.db")
	db := mustOpen(t, path)
	hn := withURL(result("hackernews", "42817438", t0), "https://news.ycombinator.com/item?id=42817438")
	db.Commit(ctx, Batch{Results: []analysis.Result{hn}, Origin: "hackernews"})
	// Make it what version 2 wrote: no index, version 2.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketV1).DeleteBucket(bucketMentionURLs); err != nil {
			return err
		}
		return tx.Bucket(bucketV1).Bucket(bucketMeta).Put(keyVersion, u64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpen(t, path)
	rss := withURL(result("rss", "https://news.ycombinator.com/item?id=42817438", t0), "https://ollama.com/blog")
	if added, err := db.Commit(ctx, Batch{Results: []analysis.Result{rss}, Origin: "rss/hnrss"}); err != nil || len(added) != 0 {
		t.Errorf("after the migration the hnrss copy was stored (added %d, %v)", len(added), err)
	}
}

func bucketLen(tb testing.TB, db *DB, name []byte) int {
	tb.Helper()
	n := 0
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketV1).Bucket(name).ForEach(func(k, v []byte) error { n++; return nil })
	}); err != nil {
		tb.Fatal(err)
	}
	return n
}
