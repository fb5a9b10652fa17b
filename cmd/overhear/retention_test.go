package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	oc "github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/agent"
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
