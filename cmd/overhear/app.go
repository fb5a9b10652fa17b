package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/questions"
	oc "github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/agent"
	"github.com/overhear/overhear/storage"
)

const (
	// clustererPrefix is where the question clusterer's state lives in the store, one key per
	// entry of questions.Clusterer.Changes, so a batch writes only what it changed.
	clustererPrefix = "questions/clusterer/"
	// clustererV2Key held the whole state as one value before; it is read once and replaced.
	clustererV2Key = "questions/clusterer"
)

// App is the wired service: store, analysis, metrics and collectors. serve, once, ingest and
// demo all run mentions through it, so every path stores the same way.
type App struct {
	cfg      *Config
	logger   *slog.Logger
	reg      *prometheus.Registry
	db       *storage.DB
	analyzer *analysis.Analyzer
	metrics  *analysis.Metrics
	gauges   *storage.Collector
	agent    *agent.Agent
	now      func() time.Time

	storeErrors prometheus.Counter
	// logPolls makes every poll log a line at info (serve).
	logPolls atomic.Bool
	// failFast ends a poll at the first error that says its source is unreachable (once).
	failFast atomic.Bool

	// alerts evaluates the rules and delivers alerts (cmd_alerts.go).
	alerts *alertsState

	// clusterMu guards the clusterer; commits that add questions are serialised through it so
	// the stored clusterer state always matches the stored questions.
	clusterMu sync.Mutex
	clusterer *questions.Clusterer
	// clustererV2 is set while the state read from clustererV2Key has not been rewritten.
	clustererV2 bool
}

// openApp opens the store read-write and wires everything. The caller must Close it.
func openApp(ctx context.Context, cfg *Config, logger *slog.Logger) (*App, error) {
	db, err := storage.Open(ctx, cfg.Storage.Path, storage.Options{})
	if err != nil {
		return nil, err
	}
	a, err := newApp(ctx, cfg, logger, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func newApp(ctx context.Context, cfg *Config, logger *slog.Logger, db *storage.DB) (*App, error) {
	a := &App{cfg: cfg, logger: logger, reg: prometheus.NewRegistry(), db: db, now: time.Now}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if a.analyzer, err = analysis.NewDefault(cfg.Brands, cfg.Topics); err != nil {
		return nil, err
	}
	brands := make([]string, len(cfg.Brands))
	for i, b := range cfg.Brands {
		brands[i] = b.Name
	}
	sources := append(oc.Names(), "import")
	if a.metrics, err = analysis.NewMetrics(a.reg, brands, sources); err != nil {
		return nil, err
	}
	a.gauges = storage.NewCollector(db, brands, func() time.Time { return a.now() })
	a.reg.MustRegister(a.gauges)
	a.storeErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "overhear_store_errors_total", Help: "Failed store transactions (commits, prunes).",
	})
	a.reg.MustRegister(a.storeErrors)
	if a.alerts, err = newAlertsState(a); err != nil {
		return nil, err
	}
	a.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "overhear_build_info", Help: "Build information; always 1.", ConstLabels: prometheus.Labels{"version": buildVersion},
	}, func() float64 { return 1 }))
	if err := a.loadClusterer(ctx); err != nil {
		return nil, err
	}
	instances := make([]*agent.Instance, 0, len(cfg.Instances))
	watch := cfg.Watch()
	for _, si := range cfg.Instances {
		in := &agent.Instance{Source: si.Source, Collector: si.Collector, Interval: 5 * time.Minute}
		if n, ok := si.Collector.(oc.Instance); ok {
			in.Name = n.InstanceName()
		}
		if s, ok := si.Collector.(oc.Scheduled); ok && s.Interval() > 0 {
			in.Interval = s.Interval()
		}
		if w, ok := si.Collector.(oc.Watcher); ok {
			w.SetWatch(watch)
		}
		if b, ok := si.Collector.(oc.BrandSetter); ok {
			b.SetBrands(cfg.Brands)
		}
		if l, ok := si.Collector.(oc.LoggerSetter); ok {
			l.SetLogger(logger.With("collector", si.Source, "instance", in.Name))
		}
		if m, ok := si.Collector.(interface{ Metrics() prometheus.Collector }); ok {
			// Collectors with their own series (a rate-limit budget) label them by source;
			// a second instance of the same source would collide, so only the first exports.
			if err := a.reg.Register(m.Metrics()); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
				logger.Warn("collector metrics not exported", "collector", si.Source, "error", err)
			}
		}
		in.Collector = wrapPolled(a, si.Source, in.Name, si.Collector)
		instances = append(instances, in)
	}
	if a.agent, err = agent.New(instances, oc.Names(), a.handlePoll, db.CollectorState, a.reg, logger); err != nil {
		return nil, err
	}
	if err := a.agent.Restore(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Close closes the store.
func (a *App) Close() error { return a.db.Close() }

// handlePoll is the agent's handler: one poll, one transaction.
func (a *App) handlePoll(ctx context.Context, p agent.Poll) error {
	var extra []storage.Participation
	for _, ta := range p.Participation {
		if brands := a.analyzer.AccountBrands(p.Instance.Source, ta.Author); len(brands) > 0 {
			extra = append(extra, storage.Participation{Source: p.Instance.Source, ThreadID: ta.ThreadID, Brands: brands, At: a.now()})
		}
	}
	added, _, err := a.process(ctx, a.withinRetention(p.Items), extra, p.Instance.Key(), p.State)
	if pc, ok := polledOf(p.Instance.Collector); ok {
		result := "ok"
		if err != nil {
			result = "error"
		}
		pc.report(result, len(p.Items), len(added), err)
	}
	return err
}

// withinRetention drops polled items that retention would prune. Storing them would only have
// the next prune delete them, after which the next poll that still sees them (a quiet feed's
// old entries) would store and count them again, over and over.
func (a *App) withinRetention(items []oc.Mention) []oc.Mention {
	r := a.cfg.Storage.Retention.D()
	if r <= 0 {
		return items
	}
	cutoff := a.now().Add(-r)
	kept := make([]oc.Mention, 0, len(items))
	for _, it := range items {
		if it.CreatedAt.IsZero() || !it.CreatedAt.Before(cutoff) {
			kept = append(kept, it)
		}
	}
	if n := len(items) - len(kept); n > 0 {
		a.logger.Debug("skipped polled items older than the retention", "items", n, "retention", a.cfg.Storage.Retention.String())
	}
	return kept
}

// process analyses items and commits them with the given participation and collector state.
// It returns the newly stored results and how many items matched a brand or topic.
func (a *App) process(ctx context.Context, items []oc.Mention, extra []storage.Participation, stateKey string, state []byte) ([]analysis.Result, int, error) {
	start := a.now()
	// Participation comes from every item, matched or not: a brand account's reply in a thread
	// attends the thread even when the reply itself names no brand.
	local := map[string][]string{}
	participation := extra
	for _, p := range extra {
		local[p.Source+"\x00"+p.ThreadID] = append(local[p.Source+"\x00"+p.ThreadID], p.Brands...)
	}
	results := make([]analysis.Result, 0, len(items))
	for _, it := range items {
		it.Normalize()
		if brands := a.analyzer.AccountBrands(it.Source, it.Author); len(brands) > 0 {
			at := it.CreatedAt
			if at.IsZero() {
				at = a.now()
			}
			participation = append(participation, storage.Participation{Source: it.Source, ThreadID: it.ThreadID, Brands: brands, At: at})
			local[it.Source+"\x00"+it.ThreadID] = append(local[it.Source+"\x00"+it.ThreadID], brands...)
		}
		results = append(results, analysis.Result{Mention: it})
	}
	stages := a.analyzer.Stages(func(ctx context.Context, source, thread string) ([]string, error) {
		stored, err := a.db.ThreadBrands(ctx, source, thread)
		return append(stored, local[source+"\x00"+thread]...), err
	})
	results, err := processParallel(ctx, stages, results)
	if err != nil {
		return nil, 0, err
	}
	batch := storage.Batch{Results: results, Participation: participation, StateKey: stateKey, State: state, Origin: stateKey}
	var added []analysis.Result
	if hasQuestions(results) {
		// Questions get cluster ids before the commit, and the clusterer's state is committed
		// with them. Mentions already stored keep the ids they got the first time.
		a.clusterMu.Lock()
		defer a.clusterMu.Unlock()
		fresh, err := a.db.Missing(ctx, results, stateKey)
		if err != nil {
			return nil, 0, err
		}
		for i := range results {
			if !fresh[i] {
				continue
			}
			r := &results[i]
			r.QuestionClusters = make([]string, len(r.Questions))
			for j, q := range r.Questions {
				r.QuestionClusters[j] = a.clusterer.AddAt(q, r.CreatedAt)
			}
		}
		batch.KV = a.clustererChanges()
	}
	added, err = a.db.Commit(ctx, batch)
	if err != nil {
		a.storeErrors.Inc()
		if batch.KV != nil {
			a.reloadClusterer(ctx)
		}
		return nil, 0, err
	}
	a.metrics.Observe(added)
	a.metrics.ObserveLatency(a.now().Sub(start))
	return added, len(results), nil
}

// minParallelChunk is the smallest share of a batch worth a goroutine of its own.
const minParallelChunk = 64

// processParallel runs the analysis stages on chunks of the batch on every core and joins the
// results in their original order. The stages are safe for concurrent use; with one core (or a
// small batch) it is a plain call.
func processParallel(ctx context.Context, stages analysis.Pipeline, results []analysis.Result) ([]analysis.Result, error) {
	workers := min(runtime.GOMAXPROCS(0), len(results)/minParallelChunk)
	if workers < 2 {
		return stages.Process(ctx, results)
	}
	size := (len(results) + workers - 1) / workers
	parts := make([][]analysis.Result, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		chunk := results[w*size : min((w+1)*size, len(results))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w], errs[w] = stages.Process(ctx, chunk)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Stages filter in place, so each part lies within its own chunk; copy them down in order.
	out := results[:0]
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

func hasQuestions(rs []analysis.Result) bool {
	for i := range rs {
		if len(rs[i].Questions) > 0 {
			return true
		}
	}
	return false
}

// recheckKeyPrefix is where the time of each instance's last deletion recheck is kept in the
// store (Unix seconds, decimal), so that `once` run from cron rechecks on the same schedule as
// serve does, and a restart does not reset it.
const recheckKeyPrefix = "deletion_recheck/"

// onceRecheckTimeout bounds the deletion recheck that `once` runs, so a cron job ends in time
// even when the source is slow; the collector's own request budget bounds it too.
const onceRecheckTimeout = 2 * time.Minute

// recheckWait returns how long until an instance's deletion recheck is due (0: due now), and
// whether one was ever recorded. A last time in the future (a clock set back) counts as due.
func (a *App) recheckWait(ctx context.Context, in *agent.Instance, dc oc.DeletionChecker) (wait time.Duration, recorded bool, err error) {
	v, err := a.db.Get(ctx, recheckKeyPrefix+in.Key())
	if err != nil || v == nil {
		return 0, false, err
	}
	last, perr := strconv.ParseInt(string(v), 10, 64)
	if perr != nil {
		return 0, false, nil
	}
	since := a.now().Sub(time.Unix(last, 0))
	if since < 0 || since >= dc.RecheckInterval() {
		return 0, true, nil
	}
	return dc.RecheckInterval() - since, true, nil
}

// firstRecheckDelay is how long serve waits before an instance's first deletion recheck: until
// it is due by the time recorded in the store, but at least a minute (the first polls go
// first), or one interval when none was recorded. Without the record, a serve restarted more
// often than every recheck_every would never recheck.
func (a *App) firstRecheckDelay(ctx context.Context, in *agent.Instance, dc oc.DeletionChecker) time.Duration {
	wait, recorded, err := a.recheckWait(ctx, in, dc)
	if err != nil || !recorded {
		return dc.RecheckInterval()
	}
	return max(wait, time.Minute)
}

// recheckDeletions purges stored mentions that a source reports deleted or removed, as
// Reddit's terms require, for one instance that implements collectors.DeletionChecker. It
// records when it ran and returns how many ids it checked and how many mentions it purged.
func (a *App) recheckDeletions(ctx context.Context, in *agent.Instance, dc oc.DeletionChecker) (checked, deleted int) {
	since := time.Time{}
	if w := dc.RecheckWindow(); w > 0 {
		since = a.now().Add(-w)
	}
	ids, err := a.db.MentionIDs(ctx, in.Source, since)
	if err != nil {
		a.storeErrors.Inc()
		a.logger.Warn("deletion recheck: list stored mentions", "collector", in.Key(), "error", err)
		return 0, 0
	}
	if err := a.db.Put(ctx, recheckKeyPrefix+in.Key(), []byte(strconv.FormatInt(a.now().Unix(), 10))); err != nil {
		a.storeErrors.Inc()
		a.logger.Warn("deletion recheck: record the time", "collector", in.Key(), "error", err)
	}
	if len(ids) == 0 {
		return 0, 0
	}
	gone, checkErr := dc.CheckDeleted(ctx, ids)
	// Purge what was found even when the check stopped early (a spent budget or a timeout):
	// the purge gets its own short deadline, as a timed-out ctx would refuse it.
	if len(gone) > 0 {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		n, err := a.db.DeleteMentions(pctx, in.Source, gone)
		cancel()
		if err != nil {
			a.storeErrors.Inc()
			a.logger.Warn("deletion recheck: delete", "collector", in.Key(), "error", err)
			return len(ids), n
		}
		a.gauges.Invalidate()
		a.logger.Info("purged mentions deleted at the source", "collector", in.Key(), "checked", len(ids), "deleted", n)
		deleted = n
	}
	if checkErr != nil && ctx.Err() == nil {
		a.logger.Warn("deletion recheck incomplete", "collector", in.Key(), "error", checkErr)
	} else if checkErr != nil {
		a.logger.Warn("deletion recheck stopped at its deadline", "collector", in.Key(), "error", checkErr)
	}
	return len(ids), deleted
}

// recheckDeletionsOnce runs the deletion rechecks that are due, each bounded by
// onceRecheckTimeout, for `once`: serve runs them on a ticker, and without this a store kept by
// `once` from cron would keep items deleted at the source for ever. It returns one summary line
// per recheck that ran.
func (a *App) recheckDeletionsOnce(ctx context.Context) []string {
	var lines []string
	for _, in := range a.agent.Instances() {
		dc, ok := in.Collector.(oc.DeletionChecker)
		if !ok || dc.RecheckInterval() <= 0 {
			continue
		}
		wait, _, err := a.recheckWait(ctx, in, dc)
		if err != nil {
			a.logger.Warn("deletion recheck: read the last time", "collector", in.Key(), "error", err)
			continue
		}
		if wait > 0 {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, onceRecheckTimeout)
		checked, deleted := a.recheckDeletions(rctx, in, dc)
		cancel()
		lines = append(lines, fmt.Sprintf("deletion recheck %s: %d checked, %d purged", in.Key(), checked, deleted))
	}
	return lines
}

// prune applies retention.
func (a *App) prune(ctx context.Context) {
	r := a.cfg.Storage.Retention.D()
	if r <= 0 {
		return
	}
	n, err := a.db.Prune(ctx, a.now().Add(-r))
	if err != nil {
		a.storeErrors.Inc()
		a.logger.Warn("retention pruning failed", "error", err)
		return
	}
	if n > 0 {
		a.logger.Info("retention pruned old mentions", "deleted", n, "retention", a.cfg.Storage.Retention.String())
		a.gauges.Invalidate()
	}
	a.evictClusters(ctx, a.now().Add(-r))
}

// evictClusters forgets the question clusters nobody has asked since before, as retention
// forgets their questions, so the clusterer does not grow for as long as serve runs.
func (a *App) evictClusters(ctx context.Context, before time.Time) {
	a.clusterMu.Lock()
	defer a.clusterMu.Unlock()
	n := a.clusterer.Evict(before)
	if n == 0 {
		return
	}
	if _, err := a.db.Commit(ctx, storage.Batch{KV: a.clustererChanges()}); err != nil {
		a.storeErrors.Inc()
		a.logger.Warn("save evicted question clusters", "error", err)
		a.reloadClusterer(ctx)
		return
	}
	a.logger.Info("retention evicted question clusters", "clusters", n, "kept", a.clusterer.Len())
}

// loadClusterer restores the question clusterer from the store (from the older single-value
// state when that is all there is).
func (a *App) loadClusterer(ctx context.Context) error {
	c := questions.NewClusterer()
	entries, err := a.db.GetPrefix(ctx, clustererPrefix)
	if err != nil {
		return err
	}
	a.clustererV2 = false
	if len(entries) > 0 {
		if err := c.Restore(trimKeys(entries, clustererPrefix)); err != nil {
			return fmt.Errorf("restore question clusters: %w", err)
		}
	} else if v2, err := a.db.Get(ctx, clustererV2Key); err != nil {
		return err
	} else if v2 != nil {
		if err := c.RestoreV2(v2); err != nil {
			return fmt.Errorf("restore question clusters: %w", err)
		}
		a.clustererV2 = true
	}
	a.clusterer = c
	return nil
}

// reloadClusterer forgets the cluster ids handed out for a batch that failed to commit.
func (a *App) reloadClusterer(ctx context.Context) {
	if err := a.loadClusterer(ctx); err != nil {
		// The clusterer keeps the failed batch's ids; a later commit stores them with
		// other questions, which wastes ids but loses nothing.
		a.logger.Warn("reload question clusters after a failed commit", "error", err)
	}
}

// clustererChanges returns the clusterer's changes as store keys, with the removal of the
// older single-value state when it is being rewritten.
func (a *App) clustererChanges() map[string][]byte {
	ch := a.clusterer.Changes()
	kv := make(map[string][]byte, len(ch)+1)
	for k, v := range ch {
		kv[clustererPrefix+k] = v
	}
	if a.clustererV2 {
		kv[clustererV2Key] = nil
		a.clustererV2 = false
	}
	return kv
}

func trimKeys(m map[string][]byte, prefix string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[strings.TrimPrefix(k, prefix)] = v
	}
	return out
}
