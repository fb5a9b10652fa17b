package alerts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// versioned is an in-memory MentionSource with day versions, as the store keeps them.
type versioned struct {
	rs      []analysis.Result
	days    map[int64]uint64
	removed uint64
	reads   []time.Time // since of every Mentions call
}

func (v *versioned) Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error {
	v.reads = append(v.reads, since)
	var out []analysis.Result
	for _, r := range v.rs {
		if !r.CreatedAt.Before(since) && (until.IsZero() || r.CreatedAt.Before(until)) && len(r.Brands) > 0 && r.Brands[0].Name == brand {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	for i := range out {
		if err := fn(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

func (v *versioned) DayVersion(t time.Time) [2]uint64 { return [2]uint64{v.removed, v.days[utcDay(t)]} }

func (v *versioned) add(r analysis.Result) {
	v.rs = append(v.rs, r)
	v.days[utcDay(r.CreatedAt)]++
}

func (v *versioned) remove(i int) {
	v.rs = append(v.rs[:i], v.rs[i+1:]...)
	v.removed++
}

func mention(rng *rand.Rand, i int, at time.Time) analysis.Result {
	labels := []string{analysis.Positive, analysis.Neutral, analysis.Negative}
	r := analysis.Result{
		Mention: collectors.Mention{ID: fmt.Sprint(i), Source: "reddit", Community: fmt.Sprintf("c%d", rng.IntN(5)),
			Author: fmt.Sprintf("u%d", rng.IntN(50)), CreatedAt: at, Text: strings.Repeat("word ", rng.IntN(20))},
		Brands: []analysis.BrandResult{{Name: "A", Sentiment: analysis.Sentiment{Label: labels[rng.IntN(3)], Score: rng.Float64()*2 - 1}}},
	}
	if i%7 == 0 { // another language: kept unscored through the cache, not turned neutral
		r.Brands[0].Sentiment = analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
	}
	return r
}

// The cached read gives exactly the records of a full read, through commits to old days,
// removals, the clock crossing days, and mentions dated in the future.
func TestCachedLoadMatchesFullRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	src := &versioned{days: map[int64]uint64{}}
	for i := 0; i < 3000; i++ {
		src.add(mention(rng, i, now.Add(-time.Duration(rng.Int64N(int64(40*24*time.Hour))))))
	}
	cache := &brandCache{}
	const lookback, recent = 31 * 24 * time.Hour, 2 * 24 * time.Hour
	check := func(step string) {
		t.Helper()
		want, err := loadBrand(context.Background(), src, "A", now, lookback, recent)
		if err != nil {
			t.Fatal(err)
		}
		src.reads = nil
		got, err := loadBrandCached(context.Background(), src, src, cache, "A", now, lookback, recent)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.recs) != len(want.recs) {
			t.Fatalf("%s: %d records cached, %d read", step, len(got.recs), len(want.recs))
		}
		for i := range want.recs {
			g, w := got.recs[i], want.recs[i]
			if !g.at.Equal(w.at) || g.sent != w.sent || g.source != w.source || g.community != w.community || g.author != w.author ||
				(g.r == nil) != (w.r == nil) || g.r != nil && g.r.ID != w.r.ID {
				t.Fatalf("%s: record %d: cached %+v, read %+v", step, i, g, w)
			}
		}
	}
	check("first")
	check("unchanged")
	if len(src.reads) != 1 {
		t.Errorf("unchanged store: %d reads, want 1 (only the recent days)", len(src.reads))
	}
	src.add(mention(rng, 5000, now.Add(-20*24*time.Hour)))
	check("commit to an old day")
	if len(src.reads) != 2 {
		t.Errorf("one old day changed: %d reads, want 2", len(src.reads))
	}
	src.remove(10)
	check("removal")
	now = now.Add(25 * time.Hour)
	src.add(mention(rng, 5001, now.Add(-time.Minute)))
	check("a day later")
	src.add(mention(rng, 5002, now.Add(3*time.Minute)))
	check("future-dated")
	now = now.Add(40 * 24 * time.Hour)
	check("everything aged out")
	first := utcDay(now.Add(-lookback))
	used := map[string]bool{}
	for day, cd := range cache.days {
		if day < first {
			t.Errorf("day %d kept, before the lookback's first day %d", day, first)
		}
		for _, k := range cd.recs {
			r := cache.record(k)
			used[cache.names[k.label]], used[r.source], used[r.community], used[r.author] = true, true, true, true
		}
	}
	if len(cache.names) != len(used) || len(cache.index) != len(used) {
		t.Errorf("string table keeps %d strings (%d indexed), the cached days use %d", len(cache.names), len(cache.index), len(used))
	}
}

// oneLine's single pass gives what collapsing every whitespace run and cutting the result
// to n runes gives.
func TestOneLineMatchesReference(t *testing.T) {
	reference := func(s string, n int) string {
		s = strings.Join(strings.Fields(s), " ")
		if r := []rune(s); len(r) > n {
			return string(r[:n-1]) + "…"
		}
		return s
	}
	alphabet := []string{"a", "é", "日", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "xyz", "🙂"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s, n := b.String(), 1+rng.IntN(8)
		if got, want := oneLine(s, n), reference(s, n); got != want {
			t.Fatalf("oneLine(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
}
