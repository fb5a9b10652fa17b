package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/questions"
	"github.com/overhear/overhear/cmd/overhear/demo"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

func runServe(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("serve", "serve [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config, public feeds for the demo brands)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	logger := m.logger(cfg)
	if *configPath == "" {
		logger.Info("no --config given: using the embedded default config (public feeds about Ollama, LM Studio and llama.cpp)")
	}
	app, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := bind(cfg.HTTP.Listen)
	if err != nil {
		return err
	}
	return m.serveApp(ctx, app, cfg.HTTP.Listen, ln, true, 0)
}

// serveApp serves HTTP on ln and, when poll is set, runs the collectors, retention and alerts
// until ctx ends (or exitAfter passes, when positive). It returns once every worker it started
// and every HTTP request has finished, so the caller may close the store.
func (m *Main) serveApp(ctx context.Context, app *App, listen string, ln net.Listener, poll bool, exitAfter time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	var workers sync.WaitGroup
	defer workers.Wait()
	defer cancel()
	spawn := func(fn func()) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			fn()
		}()
	}
	if exitAfter > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, exitAfter)
		defer stop()
	}
	var running atomic.Bool
	healthy := func() error {
		if poll && !running.Load() {
			return errors.New("scheduler not running")
		}
		return app.db.Ping(ctx)
	}
	host, _, _ := strings.Cut(listen, ":")
	if !isLoopback(host) {
		if app.cfg.HTTP.AuthToken == "" {
			app.logger.Warn("HTTP API is reachable from other machines WITHOUT authentication (http.insecure: true)", "listen", listen)
		} else {
			app.logger.Info("HTTP API is reachable from other machines; /api/* requires the bearer token", "listen", listen)
		}
	}
	done := app.serveHTTP(ctx, ln, healthy)
	addr := ln.Addr().String()
	if err := app.db.Advertise(addr); err != nil {
		app.logger.Warn("could not advertise the HTTP address beside the store", "error", err)
	}
	app.logger.Info("serving", "addr", "http://"+addr, "store", app.cfg.Storage.Path, "sources", len(app.agent.Instances()))
	if m.Ready != nil {
		m.Ready(addr)
	}
	if poll {
		app.logPolls.Store(true)
		running.Store(true)
		spawn(func() {
			app.agent.Run(ctx)
			running.Store(false)
		})
		spawn(func() { app.every(ctx, app.cfg.Storage.PruneEvery.D(), app.prune) })
		for _, in := range app.agent.Instances() {
			if dc, ok := in.Collector.(collectors.DeletionChecker); ok && dc.RecheckInterval() > 0 {
				first := app.firstRecheckDelay(ctx, in, dc)
				spawn(func() {
					app.after(ctx, first, dc.RecheckInterval(), func(ctx context.Context) { app.recheckDeletions(ctx, in, dc) })
				})
			}
		}
		app.startAlertDelivery(ctx, spawn)
		spawn(func() {
			app.every(ctx, app.cfg.Alerts.Every.D(), func(ctx context.Context) {
				if err := app.evaluateAlerts(ctx); err != nil {
					app.logger.Warn("alert evaluation failed", "error", err)
				}
			})
		})
	}
	var err error
	select {
	case <-ctx.Done():
		err = <-done
	case err = <-done:
	}
	cancel()
	workers.Wait()
	if err == nil {
		app.logger.Info("stopped")
	}
	return err
}

// every runs fn now and then at each interval until ctx ends.
func (a *App) every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// after runs fn once first has passed and then at each interval, until ctx ends.
func (a *App) after(ctx context.Context, first, interval time.Duration, fn func(context.Context)) {
	timer := time.NewTimer(first)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return
	case <-timer.C:
		fn(ctx)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

//go:embed demo.yaml
var demoConfigYAML []byte

// demoConfig loads the demo's embedded config (demo.yaml) with its store in dir. With a feedURL
// it also polls that feed with the rss collector (the demo's live part).
func demoConfig(dir, listen string, feedURL ...string) (*Config, error) {
	raw := demoConfigYAML
	for _, u := range feedURL {
		raw = append(append([]byte{}, raw...), fmt.Sprintf("sources:\n  rss:\n    url: %q\n    every: 10s\n", u)...)
	}
	cfg, err := ParseConfig(raw, "", dir)
	if err != nil {
		return nil, err
	}
	cfg.HTTP.Listen = listen
	return cfg, nil
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("demo", "demo [--listen ADDR] [--exit-after DURATION]")
	listen := fs.String("listen", "127.0.0.1:9464", "HTTP address to serve on")
	exitAfter := fs.Duration("exit-after", 0, "stop after this long (default: run until Ctrl-C)")
	keep := fs.String("store", "", "keep the demo store at this path instead of a temporary file")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Bind first: on a busy port the demo fails before it prints a summary or sends alerts.
	ln, err := bind(*listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	dir, err := os.MkdirTemp("", "overhear-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The live part is a Reddit-style feed on loopback that the rss collector polls, so the
	// collector metrics and panels move as under serve. It closes after the agent has stopped.
	feed := &demoFeed{}
	feedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	feedSrv := &http.Server{Handler: feed, ReadHeaderTimeout: 5 * time.Second}
	go feedSrv.Serve(feedLn)
	defer feedSrv.Close()
	feedURL := "http://" + feedLn.Addr().String() + demo.FeedPath
	cfg, err := demoConfig(dir, *listen, feedURL)
	if err != nil {
		return err
	}
	if *keep != "" {
		cfg.Storage.Path = *keep
	}
	logger := m.logger(cfg)
	app, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	for _, in := range app.agent.Instances() {
		in.Interval = demoPollEvery
	}
	// One shift for the whole corpus: its newest post is now, and every post, live or not,
	// keeps its place in time.
	mentions, err := demo.Mentions(app.now())
	if err != nil {
		return err
	}
	sort.SliceStable(mentions, func(i, j int) bool { return mentions[i].CreatedAt.Before(mentions[j].CreatedAt) })
	live := min(demoLivePosts, len(mentions)/5)
	history, arriving := mentions[:len(mentions)-live], mentions[len(mentions)-live:]
	start := time.Now()
	for i := 0; i < len(history); i += 200 {
		if _, _, err := app.process(ctx, history[i:min(i+200, len(history))], nil, "", nil); err != nil {
			return err
		}
	}
	app.gauges.Invalidate()
	if err := app.evaluateAlerts(ctx); err != nil {
		return err
	}
	if err := printDemoSummary(ctx, m.Stdout, app, len(history), time.Since(start)); err != nil {
		return err
	}
	batches := (len(arriving) + demoLiveBatch - 1) / demoLiveBatch
	fmt.Fprintf(m.Stdout, "\nThe newest %d posts arrive live over the next %s: the rss collector polls them every %s from a Reddit-style feed at %s.\n",
		len(arriving), time.Duration(max(batches-1, 0))*demoLiveEvery, demoPollEvery, feedURL)
	feed.start(arriving, app.now)
	ready := m.Ready
	sub := *m
	sub.Ready = func(addr string) {
		fmt.Fprintf(m.Stdout, "\nServing on http://%s  (/metrics, /api/mentions?brand=Ollama, /api/questions?format=md)\n", addr)
		if *exitAfter == 0 {
			fmt.Fprintln(m.Stdout, "Press Ctrl-C to stop.")
		}
		if ready != nil {
			ready(addr)
		}
	}
	return sub.serveApp(ctx, app, *listen, ln, true, *exitAfter)
}

// Live part of the demo: the feed grows by demoLiveBatch posts every demoLiveEvery, and the
// rss collector polls it every demoPollEvery.
const (
	demoLivePosts = 100
	demoLiveBatch = 5
)

// demoLiveEvery and demoPollEvery are variables so that tests can run the live part faster.
var (
	demoLiveEvery = 3 * time.Second
	demoPollEvery = 10 * time.Second
)

// demoFeed serves the demo's live posts as a Reddit Atom feed that grows as time passes: the
// first batch at once, then one more every demoLiveEvery. Its ETag is the number of entries, so
// a poll that finds nothing new is a 304.
type demoFeed struct {
	mu    sync.Mutex
	posts []collectors.Mention // oldest first
	since time.Time
	now   func() time.Time
}

func (f *demoFeed) start(posts []collectors.Mention, now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts, f.now, f.since = posts, now, now()
}

// ServeHTTP implements http.Handler.
func (f *demoFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != demo.FeedPath {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	var posts []collectors.Mention
	now := time.Now()
	if f.now != nil {
		now = f.now()
		n := demoLiveBatch * (1 + int(now.Sub(f.since)/demoLiveEvery))
		posts = f.posts[:min(n, len(f.posts))]
	}
	f.mu.Unlock()
	etag := fmt.Sprintf("\"%d\"", len(posts))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=UTF-8")
	_ = demo.WriteRedditAtom(w, posts, now)
}

func printDemoSummary(ctx context.Context, w io.Writer, app *App, replayed int, took time.Duration) error {
	stats, err := storeStats(ctx, app.db, app.cfg.Brands)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Overhear demo: replayed %d real Reddit posts (r/ollama, r/LocalLLaMA) in %s; %d mention a watched brand or topic.\n\n",
		replayed, took.Round(time.Millisecond), stats.MentionsTotal)
	fmt.Fprintf(w, "%-12s %8s %9s %8s %9s %10s %10s\n", "brand", "mentions", "positive", "neutral", "negative", "questions", "unattended")
	for _, b := range app.cfg.Brands {
		var pos, neu, neg, qs, un int
		err := app.db.Scan(ctx, storage.Filter{Brand: b.Name}, func(r *analysis.Result) error {
			switch brandSentiment(r, b.Name).Label {
			case analysis.Positive:
				pos++
			case analysis.Negative:
				neg++
			default:
				neu++
			}
			if r.Question {
				qs++
			}
			for _, br := range r.Brands {
				if br.Name == b.Name && br.Unattended {
					un++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-12s %8d %9d %8d %9d %10d %10d\n", b.Name, stats.ByBrand[b.Name], pos, neu, neg, qs, un)
	}
	recs, err := questionRecords(ctx, app.db, questionQuery{Since: 0}, app.now())
	if err != nil {
		return err
	}
	clusters := questions.Summarise(recs, app.now(), 2)
	fmt.Fprintf(w, "\nTop recurring questions (%d questions in %d clusters asked twice or more):\n", len(recs), len(clusters))
	for i, c := range clusters {
		if i == 8 {
			break
		}
		fmt.Fprintf(w, "  %d. %s  (asked %d times by %d, in %s)\n", i+1, oneLine(c.Question, 110), c.Count, c.Authors, strings.Join(c.Communities, ", "))
	}
	if len(stats.ByTopic) > 0 {
		fmt.Fprintln(w, "\nTopics:")
		for _, t := range sortedKeys(stats.ByTopic) {
			fmt.Fprintf(w, "  %-14s %d mentions\n", t, stats.ByTopic[t])
		}
	}
	alerts, err := app.recentAlerts(ctx, 5)
	if err != nil {
		return err
	}
	if len(alerts) > 0 {
		fmt.Fprintln(w, "\nAlerts:")
		for _, a := range alerts {
			fmt.Fprintln(w, "  "+a)
		}
	}
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
