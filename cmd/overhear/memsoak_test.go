package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/bench/benchdata"
	"github.com/overhear/overhear/collectors"
)

// TestServeMemoryFlat is the performance soak: the serve wiring (App: analysis, clustering,
// commits, retention, store gauges, HTTP API) under a steady stream of real posts (the demo
// corpus cycled, 200 mentions/s in polls of 100) while clients read /api/mentions every second
// and Prometheus scrapes /metrics every 5 s.
//
// It measures serve's steady state, where retention deletes as much as arrives: the retention
// is one hour of data time, and data time runs six times faster than the wall clock (the app's
// clock and the mentions' times), so the store fills for ten minutes and then stays at about
// 120,000 mentions while prune runs every five data minutes, as storage.prune_every would.
// OVERHEAR_MEMSOAK_RETENTION=0 keeps everything instead, at wall-clock time: the store grows
// without bound, and so does bbolt's in-memory freelist with it.
//
// After a warm-up of a fifth of the run, the live heap (after a GC)
// must stay within ±10 % of its median, and the anonymous resident set must not trend: the
// median of the last third within ±10 % of the first third's. It only runs on request:
// OVERHEAR_MEMSOAK=1m (any duration) or OVERHEAR_LONG=1 (an hour). TestSoak covers the real
// binary with real collectors; this one pushes volume. OVERHEAR_MEMSOAK_PROFILES=DIR writes
// heap profiles at the end of the warm-up and at the end, for `go tool pprof -base`.
func TestServeMemoryFlat(t *testing.T) {
	duration := time.Duration(0)
	if os.Getenv("OVERHEAR_LONG") == "1" {
		duration = time.Hour
	}
	if v := os.Getenv("OVERHEAR_MEMSOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("OVERHEAR_MEMSOAK: %v", err)
		}
		duration = d
	}
	if duration == 0 {
		t.Skip("set OVERHEAR_MEMSOAK=1m (or OVERHEAR_LONG=1 for an hour) to run the memory soak")
	}
	ctx := context.Background()
	cfg := benchConfig(t, filepath.Join(t.TempDir(), "soak.db"))
	retention, speed := time.Hour, 6.0
	if os.Getenv("OVERHEAR_MEMSOAK_RETENTION") == "0" {
		retention, speed = 0, 1
	}
	cfg.Storage.Retention = collectors.Duration(retention)
	app, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	wallStart := time.Now()
	app.now = func() time.Time { return wallStart.Add(time.Duration(float64(time.Since(wallStart)) * speed)) }
	const pruneEvery = 5 * time.Minute // of data time
	lastPrune := app.now()
	h := app.handler(func() error { return nil })
	g, err := benchdata.NewGenerator(1<<40, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const perPoll, pollEvery = 100, 500 * time.Millisecond
	sampleEvery := max(duration/60, time.Second)
	type sample struct {
		at time.Duration
		// rss is the anonymous resident memory (RssAnon): the store's mmap, file pages that
		// grow with the store and belong to the page cache, is left out (logged as file).
		heap, rss, file float64
	}
	var samples []sample
	profiles := os.Getenv("OVERHEAR_MEMSOAK_PROFILES")
	warmProfiled := false
	if profiles != "" {
		runtime.MemProfileRate = 4096 // fine enough to see a few MB of growth by call site
	}
	start := time.Now()
	next := 0
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	lastRead, lastScrape, lastSample := start, start, start
	for time.Since(start) < duration {
		<-poll.C
		items := make([]collectors.Mention, perPoll)
		for i := range items {
			items[i] = g.Mention(next)
			items[i].CreatedAt = app.now().UTC()
			next++
		}
		if _, _, err := app.process(ctx, items, nil, "reddit/soak", nil); err != nil {
			t.Fatal(err)
		}
		if retention > 0 && app.now().Sub(lastPrune) >= pruneEvery {
			lastPrune = app.now()
			app.prune(ctx)
		}
		now := time.Now()
		if now.Sub(lastRead) >= time.Second {
			lastRead = now
			serveGet(t, h, "/api/mentions?brand=Ollama&since=24h")
		}
		if now.Sub(lastScrape) >= 5*time.Second {
			lastScrape = now
			serveGet(t, h, "/metrics")
		}
		if now.Sub(lastSample) >= sampleEvery {
			lastSample = now
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			samples = append(samples, sample{at: now.Sub(start), heap: float64(ms.HeapInuse), rss: procStatus("RssAnon"), file: procStatus("RssFile")})
			if len(samples)%10 == 0 {
				counts, _ := app.db.Counts(ctx)
				last := samples[len(samples)-1]
				t.Logf("%s: heap in use %.1f MB, anon RSS %.1f MB, %d mentions stored, store file %.0f MB, %d question clusters",
					last.at.Round(time.Second), last.heap/1e6, last.rss/1e6, counts["total"], float64(app.db.Size())/1e6, app.clusterer.Len())
			}
			if profiles != "" && !warmProfiled && now.Sub(start) >= duration/5 {
				warmProfiled = true
				writeHeapProfile(t, filepath.Join(profiles, "heap-warm.pprof"))
			}
		}
	}
	if profiles != "" {
		writeHeapProfile(t, filepath.Join(profiles, "heap-end.pprof"))
	}
	counts, _ := app.db.Counts(ctx)
	t.Logf("%s (%s of data time, retention %s): %d mentions in (%.0f/s), %d stored, store %.0f MB", duration,
		app.now().Sub(wallStart).Round(time.Minute), cfg.Storage.Retention, next, float64(next)/time.Since(start).Seconds(),
		counts["total"], float64(app.db.Size())/1e6)
	warm := samples[len(samples)/5:]
	for _, m := range []struct {
		name string
		get  func(sample) float64
	}{{"heap in use", func(s sample) float64 { return s.heap }}, {"resident set (anon)", func(s sample) float64 { return s.rss }},
		{"resident set (file, store mmap; not checked)", func(s sample) float64 { return s.file }}} {
		vals := make([]float64, len(warm))
		for i, s := range warm {
			vals[i] = m.get(s)
		}
		sorted := append([]float64(nil), vals...)
		sort.Float64s(sorted)
		median := sorted[len(sorted)/2]
		lo, hi := sorted[0], sorted[len(sorted)-1]
		t.Logf("%s after warm-up: median %.1f MB, min %.1f MB (%+.1f%%), max %.1f MB (%+.1f%%), first %.1f MB, last %.1f MB",
			m.name, median/1e6, lo/1e6, 100*(lo/median-1), hi/1e6, 100*(hi/median-1), vals[0]/1e6, vals[len(vals)-1]/1e6)
		if median == 0 || strings.Contains(m.name, "not checked") {
			continue // no /proc, or not memory of ours
		}
		if m.name == "heap in use" {
			if lo < 0.9*median || hi > 1.1*median {
				t.Errorf("%s is not flat within ±10%%: %.1f..%.1f MB around %.1f MB", m.name, lo/1e6, hi/1e6, median/1e6)
			}
			continue
		}
		// The resident set also holds heap the GC has freed but not yet returned, so single
		// samples jump; what must not happen is a trend: the last third against the first.
		first, last := medianOf(vals[:len(vals)/3]), medianOf(vals[len(vals)-len(vals)/3:])
		t.Logf("%s: median of the first third %.1f MB, of the last third %.1f MB (%+.1f%%)", m.name, first/1e6, last/1e6, 100*(last/first-1))
		if last < 0.9*first || last > 1.1*first {
			t.Errorf("%s grew or shrank by more than 10%%: %.1f MB → %.1f MB", m.name, first/1e6, last/1e6)
		}
	}
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func serveGet(t *testing.T, h http.Handler, path string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
}

// procStatus reads a size field of /proc/self/status in bytes (0 where there is none).
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field+":" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}

func writeHeapProfile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}
