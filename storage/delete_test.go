package storage

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/overhear/overhear/analysis"
)

func TestDeleteMentionsKeepsCountsAndIndexes(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	rs := []analysis.Result{
		result("reddit", "t3_a", t0, "Acme"),
		result("reddit", "t1_b", t0.Add(time.Hour), "Acme", "Other"),
		result("reddit", "t3_c", t0.Add(2*time.Hour)),
		result("hackernews", "t3_a", t0, "Acme"),
	}
	rs[1].Question, rs[1].Questions = true, []string{"Is it?"}
	rs[2].Topics = []string{"gpu"}
	if _, err := db.Commit(ctx, Batch{Results: rs}); err != nil {
		t.Fatal(err)
	}
	ids, err := db.MentionIDs(ctx, "reddit", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Sort(ids); !slices.Equal(ids, []string{"t1_b", "t3_a", "t3_c"}) {
		t.Errorf("MentionIDs = %v", ids)
	}
	recent, _ := db.MentionIDs(ctx, "reddit", t0.Add(30*time.Minute))
	if slices.Sort(recent); !slices.Equal(recent, []string{"t1_b", "t3_c"}) {
		t.Errorf("MentionIDs since = %v", recent)
	}
	n, err := db.DeleteMentions(ctx, "reddit", []string{"t1_b", "t3_c", "t3_unknown"})
	if err != nil || n != 2 {
		t.Fatalf("DeleteMentions = %d, %v", n, err)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"total": 2, "source:reddit": 1, "source:hackernews": 1, "brand:Acme": 2, "brand:Other": 0, "questions": 0, "topic:gpu": 0}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("count %s = %d, want %d", k, counts[k], v)
		}
	}
	for _, f := range []Filter{{}, {Brand: "Acme"}, {Brand: "Other"}, {Topic: "gpu"}} {
		p, err := db.Mentions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Mentions {
			if m.Source == "reddit" && m.ID != "t3_a" {
				t.Errorf("filter %+v still lists %s", f, m.ID)
			}
		}
	}
	// Deleted ids can be stored again (an undeleted post), and deleting twice is harmless.
	if n, err := db.DeleteMentions(ctx, "reddit", []string{"t1_b"}); err != nil || n != 0 {
		t.Errorf("second delete = %d, %v", n, err)
	}
	added, err := db.Commit(ctx, Batch{Results: rs[1:2]})
	if err != nil || len(added) != 1 {
		t.Errorf("recommit = %d, %v", len(added), err)
	}
}
