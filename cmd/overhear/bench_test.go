package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/analysis"
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

// BenchmarkAnalyzeTweets runs real tweets (TweetEval val, see
// analysis/sentiment/testdata/README.md) through `overhear analyze` without brands, as devscore
// times it: decode each JSONL line, analyse it, encode the result. One op is one tweet; the
// models are loaded before the timer starts (BenchmarkLoadModels times that). Report with
// GOMAXPROCS=1 for one core.
func BenchmarkAnalyzeTweets(b *testing.B) {
	f, err := os.ReadFile("../../analysis/sentiment/testdata/tweets.txt")
	if err != nil {
		b.Fatal(err)
	}
	tweets := strings.Split(strings.TrimSpace(string(f)), "\n")
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for i := 0; i < b.N; i++ {
		if err := enc.Encode(map[string]string{"id": fmt.Sprint(i), "text": tweets[i%len(tweets)]}); err != nil {
			b.Fatal(err)
		}
	}
	m := &Main{Stdin: &in, Stdout: io.Discard, Stderr: io.Discard}
	if _, err := analysis.NewDefault(nil, nil); err != nil { // load the models once, untimed
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if code := m.Run(context.Background(), []string{"analyze"}); code != exitOK {
		b.Fatalf("analyze exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tweets/s")
}
