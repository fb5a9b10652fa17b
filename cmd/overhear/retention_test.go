package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	oc "github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/agent"
	"github.com/overhear/overhear/storage"
)

// TestPolledItemsOlderThanRetentionAreNotStored is the regression test for the churn the soak
// test found: an item older than the retention was stored, pruned, then stored (and counted in
// overhear_mentions_total) again by the next poll that still saw it.
func TestPolledItemsOlderThanRetentionAreNotStored(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := writeConfig(t, dir, "storage: {path: "+filepath.Join(dir, "overhear.db")+", retention: 1h}\nbrands:\n  - name: Ollama\n    query: ollama\n")
	app := openTestApp(t, path, io.Discard)
	defer app.Close()
	now := time.Now().UTC()
	poll := agent.Poll{Instance: &agent.Instance{Source: "rss", Name: "feed"}, Items: []oc.Mention{
		{ID: "fresh", Source: "rss", Text: "ollama is great", CreatedAt: now.Add(-time.Minute)},
		{ID: "expired", Source: "rss", Text: "ollama was great", CreatedAt: now.Add(-2 * time.Hour)},
	}}
	for i := 0; i < 2; i++ {
		if err := app.handlePoll(ctx, poll); err != nil {
			t.Fatal(err)
		}
		counts, err := app.db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["total"] != 1 {
			t.Errorf("poll %d: %d mentions stored, want only the fresh one", i+1, counts["total"])
		}
		app.prune(ctx)
	}
}

// Retention also applies to the question clusters: a cluster whose newest question is older
// than the retention is forgotten, in memory and in the store, and a restart agrees.
func TestPruneEvictsQuestionClusters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := writeConfig(t, dir, "storage: {path: "+filepath.Join(dir, "overhear.db")+", retention: 2h}\nbrands:\n  - name: Ollama\n    query: ollama\n")
	app := openTestApp(t, path, io.Discard)
	now := time.Now().UTC()
	app.now = func() time.Time { return now }
	items := []oc.Mention{
		{ID: "old", Source: "rss", Text: "How do I run ollama on two GPUs at once?", CreatedAt: now.Add(-90 * time.Minute)},
		{ID: "new", Source: "rss", Text: "Why does ollama forget my system prompt?", CreatedAt: now.Add(-time.Minute)},
	}
	added, _, err := app.process(ctx, items, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || len(added[0].QuestionClusters) != 1 || len(added[1].QuestionClusters) != 1 {
		t.Fatalf("stored %+v, want two mentions with a question each", added)
	}
	if got := app.clusterer.Len(); got != 2 {
		t.Fatalf("%d clusters, want 2", got)
	}
	now = now.Add(time.Hour) // the old question is now 2.5 h old
	app.prune(ctx)
	if got := app.clusterer.Len(); got != 1 {
		t.Errorf("%d clusters after pruning, want 1", got)
	}
	n, err := clusterCount(ctx, app.db)
	if err != nil || n != 1 {
		t.Errorf("clusterCount = %d, %v after pruning, want 1", n, err)
	}
	app.Close()
	app = openTestApp(t, path, io.Discard)
	defer app.Close()
	if got := app.clusterer.Len(); got != 1 {
		t.Errorf("%d clusters after a restart, want 1", got)
	}
	if got := app.clusterer.Add("Why does ollama keep forgetting my system prompt?"); got != added[1].QuestionClusters[0] {
		t.Errorf("paraphrase after restart joined %s, want the kept cluster %s", got, added[1].QuestionClusters[0])
	}
}

// A store written by an earlier version holds the clusterer's state as one value: it is
// restored, rewritten as entries with the next batch of questions, and the old value removed.
func TestClustererV2StateIsRewritten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := filepath.Join(dir, "overhear.db")
	db, err := storage.Open(ctx, store, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile("testdata/clusterer-v2.gob")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Put(ctx, clustererV2Key, v2); err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := writeConfig(t, dir, "storage: {path: "+store+"}\nbrands:\n  - name: Ollama\n    query: ollama\n")
	app := openTestApp(t, path, io.Discard)
	if n, err := clusterCount(ctx, app.db); err != nil || n != 3 {
		t.Fatalf("clusterCount of the version 2 state = %d, %v; want 3", n, err)
	}
	added, _, err := app.process(ctx, []oc.Mention{{ID: "1", Source: "rss", Text: "Is it possible to run ollama across two GPUs?", CreatedAt: time.Now()}}, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 1 || len(added[0].QuestionClusters) != 1 || added[0].QuestionClusters[0] != "q-000001" {
		t.Fatalf("paraphrase of an old question stored as %+v, want cluster q-000001", added)
	}
	app.Close()
	app = openTestApp(t, path, io.Discard)
	defer app.Close()
	if old, err := app.db.Get(ctx, clustererV2Key); err != nil || old != nil {
		t.Errorf("version 2 state still stored (%d bytes, %v)", len(old), err)
	}
	if n, err := clusterCount(ctx, app.db); err != nil || n != 3 {
		t.Errorf("clusterCount after the rewrite = %d, %v; want 3", n, err)
	}
	if got := app.clusterer.Add("Can ollama run on a Raspberry Pi 5?"); got != "q-000003" {
		t.Errorf("paraphrase after the rewrite joined %s, want q-000003", got)
	}
}
