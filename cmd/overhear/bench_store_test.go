package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/bench/benchdata"
	"github.com/overhear/overhear/storage"
)

// benchConfig is a config with the benchmark corpus's brands and topics (bench/benchdata).
func benchConfig(tb testing.TB, storePath string) *Config {
	tb.Helper()
	cfg, err := ParseConfig([]byte(benchdata.ConfigYAML(storePath)), "", tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// app1M wires an App over the 1M-mention benchmark store, its clock at the store's newest
// mention, which it returns. The store is closed when the benchmark ends.
func app1M(b *testing.B, opts storage.Options) (*App, time.Time) {
	b.Helper()
	path, end := benchdata.BenchStore(b, benchdata.MillionMentions)
	ctx := context.Background()
	db, err := storage.Open(ctx, path, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	app, err := newApp(ctx, benchConfig(b, path), slog.New(slog.DiscardHandler), db)
	if err != nil {
		b.Fatal(err)
	}
	app.now = func() time.Time { return end }
	return app, end
}

// BenchmarkAPI1M serves the read API from a store of one million mentions (the demo corpus
// cycled over 90 days, six brands; built once per run, or kept in $OVERHEAR_BENCH_STORE):
// /api/mentions pages for one brand and one day, and the question export, end to end through
// the HTTP handler (query parsing, store read, JSON/CSV writing). ms/op is the answer time.
func BenchmarkAPI1M(b *testing.B) {
	app, end := app1M(b, storage.Options{ReadOnly: true})
	h := app.handler(func() error { return nil })
	dayAgo := end.Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	dayEnd := end.Add(-29 * 24 * time.Hour).Format(time.RFC3339)
	for _, u := range []string{
		"/api/mentions?brand=Ollama&since=24h",
		"/api/mentions?brand=Ollama&since=24h&limit=1000",
		"/api/mentions?brand=Mistral&since=" + dayAgo + "&until=" + dayEnd,
		"/api/mentions?brand=Ollama&since=24h&question=true&unattended=true",
		"/api/questions?since=30d&format=csv",
		"/api/questions?brand=Ollama&since=30d&format=json",
		"/api/questions?brand=Mistral&since=7d&format=md",
	} {
		b.Run(strings.TrimPrefix(u, "/api/"), func(b *testing.B) {
			b.ReportAllocs()
			var bytes int
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", u, rec.Code, rec.Body.String())
				}
				bytes = rec.Body.Len()
			}
			b.ReportMetric(float64(bytes), "resp-bytes")
		})
	}
}

// BenchmarkAlerts1M evaluates the default alert rules (one of each type) for the six brands
// of the 1M-mention store, as serve does every minute: ns/op is one evaluation after the
// first, first-ms the first, kept-MB the live heap the evaluator keeps between evaluations.
func BenchmarkAlerts1M(b *testing.B) {
	ctx := context.Background()
	app, _ := app1M(b, storage.Options{})
	// The first evaluation reads every rule's whole lookback; later ones reuse the days that
	// did not change (alerts.DayVersions), as serve's do.
	heap := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapAlloc)
	}
	before := heap()
	start := time.Now()
	if err := app.alerts.mgr.Evaluate(ctx); err != nil {
		b.Fatal(err)
	}
	cold := time.Since(start)
	kept := heap() - before
	b.ReportAllocs()
	for b.Loop() {
		if err := app.alerts.mgr.Evaluate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cold.Milliseconds()), "first-ms")
	b.ReportMetric(kept/1e6, "kept-MB")
}
