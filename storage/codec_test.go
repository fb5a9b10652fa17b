package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// fill sets every field reachable from v to a non-zero value derived from seed, so a field the
// codec forgets shows up as a difference after a round trip.
func fill(v reflect.Value, seed *int) {
	*seed++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d ünï", *seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(-*seed))
	case reflect.Float64:
		v.SetFloat(float64(*seed) / 7)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fill(s.Index(i), seed)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), seed)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 23, 10, 0, 0, *seed, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), seed)
		}
	default:
		panic(fmt.Sprintf("fill: add a case for %s (and encode the new field in codec.go)", v.Type()))
	}
}

func TestCodecCoversEveryField(t *testing.T) {
	var in analysis.Result
	seed := 0
	fill(reflect.ValueOf(&in).Elem(), &seed)
	var out analysis.Result
	if err := decodeResult(encodeResult(nil, &in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip lost something (a new field not in codec.go?)\n in: %+v\nout: %+v", in, out)
	}
}

func TestCodecRoundTripKeepsNilAndEmpty(t *testing.T) {
	cases := []analysis.Result{
		{},
		{Mention: collectors.Mention{ID: "x", Source: "reddit", CreatedAt: time.Unix(-5, 7).UTC()}, Brands: []analysis.BrandResult{}, Topics: []string{}, Questions: []string{}},
		{Mention: collectors.Mention{ID: "y", Score: -3, CreatedAt: t0}, Brands: []analysis.BrandResult{{Name: "A", Unattended: true}}, QuestionClusters: []string{""}},
	}
	for i, in := range cases {
		var out analysis.Result
		if err := decodeResult(encodeResult(nil, &in), &out); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("case %d:\n in: %#v\nout: %#v", i, in, out)
		}
		// The API's JSON is the same whichever way the value was stored.
		a, _ := json.Marshal(in)
		b, _ := json.Marshal(out)
		if string(a) != string(b) {
			t.Errorf("case %d: JSON differs:\n%s\n%s", i, a, b)
		}
	}
}

func TestCodecRejectsMalformedValues(t *testing.T) {
	var in analysis.Result
	seed := 0
	fill(reflect.ValueOf(&in).Elem(), &seed)
	v := encodeResult(nil, &in)
	for n := 0; n < len(v); n++ {
		var out analysis.Result
		if err := decodeResult(v[:n], &out); err == nil {
			t.Fatalf("a value cut to %d of %d bytes decoded without error", n, len(v))
		}
	}
	var out analysis.Result
	if err := decodeResult(append(v, 0), &out); err == nil {
		t.Error("trailing bytes accepted")
	}
	// A huge list length must not allocate before failing.
	if err := decodeResult([]byte{valueV1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, &out); err == nil {
		t.Error("absurd list length accepted")
	}
}

func FuzzDecodeResult(f *testing.F) {
	var in analysis.Result
	seed := 0
	fill(reflect.ValueOf(&in).Elem(), &seed)
	f.Add(encodeResult(nil, &in))
	f.Add([]byte(`{"id":"x","source":"reddit","text":"hi"}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		var r analysis.Result
		if decodeResult(v, &r) != nil || len(v) == 0 || v[0] != valueV1 {
			return
		}
		// What decodes re-encodes to the same bytes.
		if got := encodeResult(nil, &r); string(got) != string(v) {
			t.Errorf("re-encoding differs:\n%x\n%x", v, got)
		}
	})
}

// A store written by schema version 1 (JSON values) opens, migrates and reads as before, and
// new values next to the old ones read too.
func TestSchema1StoreMigratesAndReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db := mustOpen(t, path)
	old := result("reddit", "t3_old", t0, "Acme")
	old.Questions = []string{"why?"}
	old.Question = true
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{old}}); err != nil {
		t.Fatal(err)
	}
	// Rewrite it as version 1 did: a JSON value, schema version 1.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		js, err := json.Marshal(&old)
		if err != nil {
			return err
		}
		if err := getBucket(tx, bucketV1, bucketMentions).Put(timeKey(old.CreatedAt, old.Source, old.ID), js); err != nil {
			return err
		}
		return getBucket(tx, bucketV1, bucketMeta).Put(keyVersion, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpen(t, path)
	var version uint64
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		version = readU64(getBucketValue(tx, keyVersion, bucketV1, bucketMeta))
		return nil
	})
	if version != SchemaVersion {
		t.Fatalf("schema version after open = %d, want %d", version, SchemaVersion)
	}
	if _, err := db.Commit(ctx, Batch{Results: []analysis.Result{result("reddit", "t3_new", t0.Add(time.Hour), "Acme")}}); err != nil {
		t.Fatal(err)
	}
	p, err := db.Mentions(ctx, Filter{Brand: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Mentions) != 2 || p.Mentions[0].ID != "t3_new" || p.Mentions[1].ID != "t3_old" || p.Mentions[1].Questions[0] != "why?" {
		t.Fatalf("mentions after migration: %+v", p.Mentions)
	}
	if n, err := db.Prune(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("prune of the JSON value: %d, %v", n, err)
	}
	if c, _ := db.Counts(ctx); c["brand:Acme"] != 1 || c["questions"] != 0 {
		t.Errorf("counts after pruning the JSON value: %v", c)
	}
}

// The per-day cached gauges equal a full scan of the windows, also after commits to old and
// future days, participation and deletes.
func TestCollectorMatchesFullScan(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	now := time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC)
	clock := now
	c := NewCollector(db, []string{"Acme", "Other"}, func() time.Time { return clock })
	var batch []analysis.Result
	for i := 0; i < 400; i++ {
		at := now.Add(-time.Duration(i) * 2 * time.Hour) // 33 days back
		r := result("reddit", fmt.Sprintf("t3_%d", i), at, "Acme")
		r.Community = fmt.Sprintf("c%d", i%13)
		if i < 20 {
			r.Community = "fresh"
		}
		r.Brands[0].Sentiment.Score = float64(i%5-2) / 2
		r.Brands[0].Unattended = i%3 == 0
		switch {
		case i%7 == 0: // another language: a mention, not in the mean sentiment
			r.Brands[0].Sentiment = analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
		case i >= 20 && i < 26:
			r.Community = "ailleurs" // a community of unscored mentions only: no mean
			r.Brands[0].Sentiment = analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
		}
		batch = append(batch, r)
	}
	commit := func(rs ...analysis.Result) {
		t.Helper()
		if _, err := db.Commit(ctx, Batch{Results: rs}); err != nil {
			t.Fatal(err)
		}
	}
	commit(batch...)
	check := func(step string) {
		t.Helper()
		c.mu.Lock()
		c.cache = nil // as after the TTL
		c.mu.Unlock()
		got := gather(t, c)
		want := gather(t, &fullScan{db: db, brands: c.brands, now: clock})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: cached gauges differ from a full scan\n got: %v\nwant: %v", step, diff(got, want), diff(want, got))
		}
	}
	check("first")
	check("cached")
	commit(result("reddit", "late", now.Add(-10*24*time.Hour), "Acme"))
	check("after a commit to an old day")
	commit(result("reddit", "future", now.Add(30*time.Hour), "Acme"))
	check("after a commit dated tomorrow")
	if _, err := db.Commit(ctx, Batch{Participation: []Participation{{Source: "reddit", ThreadID: "thread-t3_3", Brands: []string{"Acme"}, At: now}}}); err != nil {
		t.Fatal(err)
	}
	check("after participation")
	if _, err := db.DeleteMentions(ctx, "reddit", []string{"t3_6", "t3_9"}); err != nil {
		t.Fatal(err)
	}
	check("after deletes")
	clock = now.Add(5 * time.Hour)
	check("a few hours later")
	clock = now.Add(3 * 24 * time.Hour)
	check("days later")
}

// fullScan is the gauges as computed before the per-day cache: one scan of each window.
type fullScan struct {
	db     *DB
	brands []string
	now    time.Time
}

func (f *fullScan) Describe(chan<- *prometheus.Desc) {}

func (f *fullScan) Collect(ch chan<- prometheus.Metric) {
	ctx := context.Background()
	ch <- prometheus.MustNewConstMetric(descStoreBytes, prometheus.GaugeValue, float64(f.db.Size()))
	counts, _ := f.db.Counts(ctx)
	for _, b := range f.brands {
		ch <- prometheus.MustNewConstMetric(descStoredMentions, prometheus.GaugeValue, float64(counts["brand:"+b]), b)
		unattended := 0
		perCommunity := map[string]int{}
		sentimentSum := map[string]float64{}
		scored := map[string]int{}
		firstSeen := map[string]time.Time{}
		_ = f.db.Scan(ctx, Filter{Brand: b, Since: f.now.Add(-CommunityWindow)}, func(r *analysis.Result) error {
			if r.Community != "" {
				perCommunity[r.Community]++
				if t, ok := firstSeen[r.Community]; !ok || r.CreatedAt.Before(t) {
					firstSeen[r.Community] = r.CreatedAt
				}
			}
			for _, br := range r.Brands {
				if br.Name == b {
					if r.Community != "" && !br.Sentiment.Unscored {
						sentimentSum[r.Community] += br.Sentiment.Score
						scored[r.Community]++
					}
					if br.Unattended && r.CreatedAt.After(f.now.Add(-UnattendedWindow)) {
						unattended++
					}
				}
			}
			return nil
		})
		ch <- prometheus.MustNewConstMetric(descUnattended, prometheus.GaugeValue, float64(unattended), b)
		n := 0
		for _, t := range firstSeen {
			if t.After(f.now.Add(-NewCommunityWindow)) {
				n++
			}
		}
		ch <- prometheus.MustNewConstMetric(descNewCommunities, prometheus.GaugeValue, float64(n), b)
		for _, cc := range topN(perCommunity, TopCommunities) {
			ch <- prometheus.MustNewConstMetric(descCommunity, prometheus.GaugeValue, float64(cc.n), b, cc.name)
			if scored[cc.name] > 0 {
				ch <- prometheus.MustNewConstMetric(descCommunitySentiment, prometheus.GaugeValue, sentimentSum[cc.name]/float64(scored[cc.name]), b, cc.name)
			}
		}
	}
}

// gather collects c's metrics as sorted "desc labels value" lines.
func gather(t *testing.T, c prometheus.Collector) []string {
	t.Helper()
	ch := make(chan prometheus.Metric, 1000)
	go func() { c.Collect(ch); close(ch) }()
	var out []string
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		line := m.Desc().String()
		for _, l := range pb.Label {
			line += " " + l.GetName() + "=" + l.GetValue()
		}
		out = append(out, fmt.Sprintf("%s %.6f", line, pb.GetGauge().GetValue()))
	}
	sort.Strings(out)
	return out
}

// diff returns the lines of a missing from b.
func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, l := range b {
		in[l] = true
	}
	var out []string
	for _, l := range a {
		if !in[l] {
			out = append(out, l[strings.Index(l, "fqName"):])
		}
	}
	return out
}

// Values written in format 2 (before thread brands) still decode, without thread brands.
func TestCodecReadsFormat2(t *testing.T) {
	in := analysis.Result{Mention: collectors.Mention{ID: "x", Source: "rss", Text: "ollama is great", CreatedAt: t0},
		Brands: []analysis.BrandResult{{Name: "Ollama", Sentiment: analysis.Sentiment{Label: "positive", Score: 0.5}}}, Language: "en"}
	v3 := encodeResult(nil, &in)
	v2 := append([]byte{valueV2}, v3[1:len(v3)-1-len(in.Brands)]...)
	var out analysis.Result
	if err := decodeResult(v2, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("format 2:\n in: %+v\nout: %+v", in, out)
	}
}
