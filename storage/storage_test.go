package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

func mustOpen(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func result(source, id string, at time.Time, brands ...string) analysis.Result {
	r := analysis.Result{Mention: collectors.Mention{ID: id, Source: source, Text: "text " + id, CreatedAt: at, ThreadID: "thread-" + id, Community: "c1"}}
	for _, b := range brands {
		r.Brands = append(r.Brands, analysis.BrandResult{Name: b, Sentiment: analysis.Sentiment{Label: "neutral"}, Unattended: true})
	}
	r.Unattended = len(brands) > 0
	return r
}

func TestKeysRoundTripAndOrder(t *testing.T) {
	times := []time.Time{time.Unix(0, 0), t0, t0.Add(time.Nanosecond), t0.Add(time.Hour), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}
	var prev []byte
	for i, at := range times {
		k := timeKey(at, "reddit", fmt.Sprintf("t3_%d", i))
		if !keyTime(k).Equal(at.UTC()) {
			t.Errorf("keyTime(timeKey(%v)) = %v", at, keyTime(k))
		}
		src, id, err := splitTimeKey(k)
		if err != nil || src != "reddit" || id != fmt.Sprintf("t3_%d", i) {
			t.Errorf("splitTimeKey = %q %q %v", src, id, err)
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			t.Errorf("key for %v does not sort after the previous one", at)
		}
		prev = k
	}
	if k := timeKey(time.Unix(-100, 0), "a", "b"); keyTime(k) != time.Unix(0, 0).UTC() {
		t.Errorf("pre-1970 time should clamp to 0, got %v", keyTime(k))
	}
}

func TestCommitDedupAndCounts(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	batch := Batch{Results: []analysis.Result{result("rss", "a", t0, "Acme"), result("rss", "b", t0.Add(time.Minute), "Acme", "Other")},
		StateKey: "rss/feed", State: []byte("cursor-1")}
	added, err := db.Commit(ctx, batch)
	if err != nil || len(added) != 2 {
		t.Fatalf("first commit: added %d, err %v", len(added), err)
	}
	// The same poll again (a crash before the cursor moved, or a re-poll) stores nothing new.
	added, err = db.Commit(ctx, batch)
	if err != nil || len(added) != 0 {
		t.Fatalf("second commit: added %d, err %v", len(added), err)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"total": 2, "brand:Acme": 2, "brand:Other": 1, "source:rss": 2}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("counts[%q] = %d, want %d", k, counts[k], v)
		}
	}
	st, err := db.CollectorState(ctx, "rss/feed")
	if err != nil || string(st) != "cursor-1" {
		t.Errorf("state = %q, %v", st, err)
	}
}

func TestMentionsFiltersAndPaging(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	var rs []analysis.Result
	for i := 0; i < 25; i++ {
		brand := "Acme"
		if i%5 == 0 {
			brand = "Other"
		}
		r := result("rss", fmt.Sprintf("m%02d", i), t0.Add(time.Duration(i)*time.Hour), brand)
		r.Question = i%2 == 0
		rs = append(rs, r)
	}
	if _, err := db.Commit(ctx, Batch{Results: rs}); err != nil {
		t.Fatal(err)
	}
	// Page through Acme's mentions 7 at a time: newest first, no gaps, no repeats.
	var got []string
	f := Filter{Brand: "Acme", Limit: 7}
	for {
		p, err := db.Mentions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Mentions {
			got = append(got, m.ID)
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if len(got) != 20 || got[0] != "m24" || got[19] != "m01" {
		t.Fatalf("paged Acme mentions = %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("not newest first at %d: %v", i, got)
		}
	}
	yes := true
	tests := map[string]struct {
		f    Filter
		want int
	}{
		"since":              {Filter{Since: t0.Add(20 * time.Hour)}, 5},
		"until":              {Filter{Until: t0.Add(2 * time.Hour)}, 2},
		"since and until":    {Filter{Since: t0.Add(3 * time.Hour), Until: t0.Add(6 * time.Hour)}, 3},
		"question":           {Filter{Question: &yes}, 13},
		"brand and question": {Filter{Brand: "Other", Question: &yes}, 3},
		"unknown brand":      {Filter{Brand: "Nope"}, 0},
		"source":             {Filter{Source: "reddit"}, 0},
		"unattended":         {Filter{Brand: "Acme", Unattended: &yes}, 20},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tt.f.Limit = 1000
			p, err := db.Mentions(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Mentions) != tt.want {
				t.Errorf("got %d mentions, want %d", len(p.Mentions), tt.want)
			}
		})
	}
	if _, err := db.Mentions(ctx, Filter{Cursor: "zz"}); err == nil {
		t.Error("a malformed cursor should be an error")
	}
}

func TestParticipationMakesMentionAttended(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	r := result("reddit", "t1_a", t0, "Acme")
	r.ThreadID = "t3_x"
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{r}}); err != nil {
		t.Fatal(err)
	}
	yes := true
	p, _ := db.Mentions(ctx, Filter{Brand: "Acme", Unattended: &yes})
	if len(p.Mentions) != 1 {
		t.Fatalf("want 1 unattended mention before the brand replies, got %d", len(p.Mentions))
	}
	// Later, the brand's account comments in the thread (a comment that matches no query).
	if _, err := db.Commit(ctx, Batch{Participation: []Participation{{Source: "reddit", ThreadID: "t3_x", Brands: []string{"Acme"}, At: t0}}}); err != nil {
		t.Fatal(err)
	}
	p, _ = db.Mentions(ctx, Filter{Brand: "Acme", Unattended: &yes})
	if len(p.Mentions) != 0 {
		t.Fatalf("mention still unattended after the brand joined the thread")
	}
	p, _ = db.Mentions(ctx, Filter{Brand: "Acme"})
	if p.Mentions[0].Unattended || p.Mentions[0].Brands[0].Unattended {
		t.Errorf("API output still says unattended: %+v", p.Mentions[0])
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	var rs []analysis.Result
	for i := 0; i < 30; i++ {
		rs = append(rs, result("rss", fmt.Sprintf("m%02d", i), t0.Add(time.Duration(i)*24*time.Hour), "Acme"))
	}
	if _, err := db.Commit(ctx, Batch{Results: rs, Participation: []Participation{{Source: "rss", ThreadID: "old", Brands: []string{"Acme"}, At: t0}}}); err != nil {
		t.Fatal(err)
	}
	n, err := db.Prune(ctx, t0.Add(10*24*time.Hour))
	if err != nil || n != 10 {
		t.Fatalf("Prune = %d, %v; want 10", n, err)
	}
	counts, _ := db.Counts(ctx)
	if counts["total"] != 20 || counts["brand:Acme"] != 20 || counts["source:rss"] != 20 {
		t.Errorf("counts after prune = %v", counts)
	}
	p, _ := db.Mentions(ctx, Filter{Brand: "Acme", Limit: 1000})
	if len(p.Mentions) != 20 || p.Mentions[19].ID != "m10" {
		t.Errorf("after prune: %d mentions, oldest %s", len(p.Mentions), p.Mentions[len(p.Mentions)-1].ID)
	}
	if b, _ := db.ThreadBrands(ctx, "rss", "old"); b != nil {
		t.Errorf("old thread participation survived pruning: %v", b)
	}
	// A pruned mention seen again is new again: its dedup key went with it.
	added, _ := db.Commit(ctx, Batch{Results: rs[:1]})
	if len(added) != 1 {
		t.Errorf("re-adding a pruned mention added %d", len(added))
	}
	if err := db.Check(ctx); err != nil {
		t.Error(err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	t.Run("locked", func(t *testing.T) {
		path := filepath.Join(dir, "locked.db")
		db := mustOpen(t, path)
		if err := db.Advertise("127.0.0.1:9999"); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, path, Options{})
		var le *LockedError
		if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
			t.Fatalf("second writer: err = %v, want LockedError", err)
		}
		if !strings.Contains(err.Error(), "127.0.0.1:9999") {
			t.Errorf("error does not name the holder: %v", err)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		path := filepath.Join(dir, "corrupt.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, path, Options{})
		if err == nil || !strings.Contains(err.Error(), "not a valid Overhear store") {
			t.Fatalf("err = %v", err)
		}
		// The file is left as it was: nothing is lost.
		b, _ := os.ReadFile(path)
		if !bytes.HasPrefix(b, []byte("garbage!")) {
			t.Error("Open modified a corrupt file")
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		path := filepath.Join(dir, "newer.db")
		db := mustOpen(t, path)
		db.bolt.Update(func(tx *bolt.Tx) error {
			return getBucket(tx, bucketV1, bucketMeta).Put(keyVersion, u64(SchemaVersion+1))
		})
		db.Close()
		_, err := Open(ctx, path, Options{})
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("read-only missing", func(t *testing.T) {
		_, err := Open(ctx, filepath.Join(dir, "missing.db"), Options{ReadOnly: true})
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBackupIsAConsistentStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "o.db"))
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{result("rss", "a", t0, "Acme")}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := db.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	p, err := cp.Mentions(ctx, Filter{})
	if err != nil || len(p.Mentions) != 1 {
		t.Fatalf("backup holds %d mentions, %v", len(p.Mentions), err)
	}
}

// A batch's KV puts and deletes keys with its mentions; GetPrefix reads them back by prefix.
func TestCommitKVAndGetPrefix(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "kv.db"))
	defer db.Close()
	if _, err := db.Commit(ctx, Batch{KV: map[string][]byte{"a/1": []byte("one"), "a/2": []byte("two"), "ab": []byte("x"), "b/1": []byte("other")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{result("rss", "1", time.Now())}, KV: map[string][]byte{"a/1": nil, "a/3": []byte("three")}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetPrefix(ctx, "a/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a/2": "two", "a/3": "three"}
	if len(got) != len(want) {
		t.Errorf("GetPrefix(a/) = %q, want %q", got, want)
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("GetPrefix(a/)[%s] = %q, want %q", k, got[k], v)
		}
	}
	if v, err := db.Get(ctx, "a/1"); err != nil || v != nil {
		t.Errorf("deleted key a/1 = %q, %v", v, err)
	}
}

// DayVersion moves for the day a commit adds to, and for every day on a delete or prune, but
// not for thread participation (which changes no stored mention's fields the rules cache).
func TestDayVersion(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "v.db"))
	defer db.Close()
	day1 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	v1, v2 := db.DayVersion(day1), db.DayVersion(day2)
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{result("rss", "a", day1, "Acme"), result("rss", "b", day1.Add(time.Hour), "Acme")}}); err != nil {
		t.Fatal(err)
	}
	if db.DayVersion(day1) == v1 || db.DayVersion(day2) != v2 {
		t.Error("a commit to day 1 should move day 1's version only")
	}
	if db.DayVersion(day1.Add(11*time.Hour)) != db.DayVersion(day1) {
		t.Error("two times of one UTC day have different versions")
	}
	v1 = db.DayVersion(day1)
	if _, err := db.Commit(ctx, Batch{Participation: []Participation{{Source: "rss", ThreadID: "x", Brands: []string{"Acme"}, At: day2}}}); err != nil {
		t.Fatal(err)
	}
	if db.DayVersion(day1) != v1 || db.DayVersion(day2) != v2 {
		t.Error("thread participation moved a day version")
	}
	if n, err := db.DeleteMentions(ctx, "rss", []string{"a"}); err != nil || n != 1 {
		t.Fatalf("DeleteMentions = %d, %v", n, err)
	}
	if db.DayVersion(day1) == v1 || db.DayVersion(day2) == v2 {
		t.Error("a delete should move every day's version")
	}
	v1, v2 = db.DayVersion(day1), db.DayVersion(day2)
	if n, err := db.Prune(ctx, day2); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	if db.DayVersion(day1) == v1 || db.DayVersion(day2) == v2 {
		t.Error("pruning should move every day's version")
	}
}

func TestFilterSentiment(t *testing.T) {
	mk := func(whole, brand analysis.Sentiment) *analysis.Result {
		r := result("rss", "x", t0, "Acme")
		r.Sentiment, r.Brands[0].Sentiment = whole, brand
		return &r
	}
	neg := analysis.Sentiment{Label: analysis.Negative, Score: -0.6}
	pos := analysis.Sentiment{Label: analysis.Positive, Score: 0.6}
	unscored := analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
	tests := map[string]struct {
		f    Filter
		r    *analysis.Result
		want bool
	}{
		"whole text negative":         {Filter{Sentiment: "negative"}, mk(neg, pos), true},
		"brand's sentiment wins":      {Filter{Brand: "Acme", Sentiment: "negative"}, mk(neg, pos), false},
		"brand positive":              {Filter{Brand: "Acme", Sentiment: "positive"}, mk(neg, pos), true},
		"unscored is not neutral":     {Filter{Sentiment: "neutral"}, mk(unscored, unscored), false},
		"unscored":                    {Filter{Sentiment: "unscored"}, mk(unscored, unscored), true},
		"scored is not unscored":      {Filter{Sentiment: "unscored"}, mk(neg, neg), false},
		"no sentiment filter matches": {Filter{}, mk(unscored, unscored), true},
	}
	for name, tt := range tests {
		if got := tt.f.matches(tt.r); got != tt.want {
			t.Errorf("%s: matches = %v, want %v", name, got, tt.want)
		}
	}
}
