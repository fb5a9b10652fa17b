package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/overhear/overhear/cmd/overhear/demo"

	"github.com/overhear/overhear/collectors"
)

// BenchmarkPipeline runs the bundled real posts through the whole pipeline (normalize, match,
// sentiment per brand, questions and clustering, bbolt commit, metrics) in batches of 500, as
// ingest does. Each iteration gives the posts fresh ids so every one is stored. Report
// mentions/s with GOMAXPROCS=1 for one core.
func BenchmarkPipeline(b *testing.B) {
	ctx := context.Background()
	cfg, err := demoConfig(b.TempDir(), "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Storage.Path = filepath.Join(b.TempDir(), "bench.db")
	app, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	posts, err := demo.Mentions(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	done := 0
	for i := 0; done < b.N; i++ {
		items := make([]collectors.Mention, 0, batch)
		for j := 0; j < batch && done < b.N; j++ {
			m := posts[(done)%len(posts)]
			m.ID = fmt.Sprintf("%s-%d", m.ID, i)
			items = append(items, m)
			done++
		}
		if _, _, err := app.process(ctx, items, nil, "", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mentions/s")
}
