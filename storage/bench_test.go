package storage_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/bench/benchdata"
	"github.com/overhear/overhear/storage"
)

// BenchmarkCommit stores generated mentions (the real demo corpus cycled, analysed, with unique
// ids) into a fresh store, one transaction per batch as ingest and the collectors commit them.
// One op is one mention.
func BenchmarkCommit(b *testing.B) {
	for _, batch := range []int{500, 2000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			ctx := context.Background()
			db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			g, err := benchdata.NewGenerator(b.N, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]analysis.Result, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for from := 0; from < b.N; from += batch {
				buf = g.Fill(buf, from, min(from+batch, b.N))
				if _, err := db.Commit(ctx, storage.Batch{Results: buf}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mentions/s")
		})
	}
}

// BenchmarkStore1M queries a store of one million mentions (90 days, six brands; built once
// per run, or kept in $OVERHEAR_BENCH_STORE): the API's page reads, the question scan behind
// `questions export`, the counters and the store gauges of /metrics.
func BenchmarkStore1M(b *testing.B) {
	path, end := benchdata.BenchStore(b, benchdata.MillionMentions)
	ctx := context.Background()
	db, err := storage.Open(ctx, path, storage.Options{ReadOnly: true, Now: func() time.Time { return end }})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	yes := true
	day := end.Add(-24 * time.Hour)
	pages := []struct {
		name string
		f    storage.Filter
	}{
		{"mentions/brand-day", storage.Filter{Brand: "Ollama", Since: day}},
		{"mentions/brand-day-limit1000", storage.Filter{Brand: "Ollama", Since: day, Limit: 1000}},
		{"mentions/brand-day-until", storage.Filter{Brand: "Ollama", Since: end.Add(-30 * 24 * time.Hour), Until: end.Add(-29 * 24 * time.Hour)}},
		{"mentions/brand-day-questions", storage.Filter{Brand: "Ollama", Since: day, Question: &yes}},
		{"mentions/newest", storage.Filter{}},
		{"mentions/rare-community-day", storage.Filter{Community: "no-such-community", Since: day}},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				page, err := db.Mentions(ctx, p.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(page.Mentions)
			}
			b.ReportMetric(float64(n), "mentions/page")
		})
	}
	b.Run("scan/questions-30d", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			err := db.Scan(ctx, storage.Filter{Question: &yes, Since: end.Add(-30 * 24 * time.Hour)}, func(*analysis.Result) error {
				n++
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n), "mentions")
		}
	})
	b.Run("counts", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.Counts(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	brands := make([]string, len(benchdata.Brands))
	for i, br := range benchdata.Brands {
		brands[i] = br.Name
	}
	b.Run("gauges-cold", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			// A fresh collector per scrape: the cost of a scrape that misses the cache.
			reg := prometheus.NewRegistry()
			reg.MustRegister(storage.NewCollector(db, brands, func() time.Time { return end }))
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gauges-warm", func(b *testing.B) {
		// One collector scraped every 16 s, just past its cache: what serve pays per scrape.
		clock := end
		reg := prometheus.NewRegistry()
		reg.MustRegister(storage.NewCollector(db, brands, func() time.Time { return clock }))
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			clock = clock.Add(16 * time.Second)
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
