package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
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

// demoConfig loads the demo's embedded config (demo.yaml) with its store in dir.
func demoConfig(dir, listen string) (*Config, error) {
	cfg, err := ParseConfig(demoConfigYAML, "", dir)
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
	dir, err := os.MkdirTemp("", "overhear-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := demoConfig(dir, *listen)
	if err != nil {
		return err
	}
	if *keep != "" {
		cfg.Storage.Path = *keep
	}
	logger := m.logger(cfg)
	// Bind first: on a busy port the demo fails before it prints a summary or sends alerts.
	ln, err := bind(cfg.HTTP.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	app, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	// The live replay stops, and is waited for, before the store closes (deferred above).
	var replay sync.WaitGroup
	replayCtx, stopReplay := context.WithCancel(ctx)
	defer replay.Wait()
	defer stopReplay()
	mentions, err := demo.Mentions(app.now())
	if err != nil {
		return err
	}
	// The newest posts are held back and replayed "live" once HTTP is up, so counters on
	// /metrics (and the dashboards built on them) see mentions arrive, as under serve.
	sort.SliceStable(mentions, func(i, j int) bool { return mentions[i].CreatedAt.Before(mentions[j].CreatedAt) })
	live := min(demoLivePosts, len(mentions)/5)
	history, arriving := mentions[:len(mentions)-live], mentions[len(mentions)-live:]
	// History ends now; the held-back posts take the time they arrive at.
	shift := app.now().Sub(history[len(history)-1].CreatedAt)
	for i := range history {
		history[i].CreatedAt = history[i].CreatedAt.Add(shift)
	}
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
	fmt.Fprintf(m.Stdout, "\nThe newest %d posts arrive live over the next %s, as if polled.\n", len(arriving), time.Duration(len(arriving)/demoLiveBatch)*demoLiveEvery)
	replay.Add(1)
	go func() {
		defer replay.Done()
		app.replayLive(replayCtx, arriving)
	}()
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
	err = sub.serveApp(ctx, app, *listen, ln, false, *exitAfter)
	stopReplay()
	return err
}

// Live replay of the demo: demoLiveBatch posts every demoLiveEvery.
const (
	demoLivePosts = 100
	demoLiveBatch = 5
)

// demoLiveEvery is a variable so that tests can replay faster.
var demoLiveEvery = 3 * time.Second

// replayLive processes posts a few at a time, evaluating alerts after each batch.
func (a *App) replayLive(ctx context.Context, posts []collectors.Mention) {
	t := time.NewTicker(demoLiveEvery)
	defer t.Stop()
	for i := 0; i < len(posts); i += demoLiveBatch {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		batch := posts[i:min(i+demoLiveBatch, len(posts))]
		for j := range batch {
			batch[j].CreatedAt = a.now().UTC()
		}
		if _, _, err := a.process(ctx, batch, nil, "", nil); err != nil {
			if ctx.Err() == nil {
				a.logger.Warn("demo replay failed", "error", err)
			}
			return
		}
		a.gauges.Invalidate()
		if err := a.evaluateAlerts(ctx); err != nil && ctx.Err() == nil {
			a.logger.Warn("alert evaluation failed", "error", err)
		}
	}
	a.logger.Info("demo replay finished", "posts", len(posts))
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
