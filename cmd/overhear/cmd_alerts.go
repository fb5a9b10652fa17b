package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/slack"
	"github.com/overhear/overhear/alerts/webhook"
	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/storage"
)

// inlineDeliveryTimeout bounds delivery in commands that evaluate alerts and exit (once,
// ingest, demo): what is not sent by then stays in the outbox for the next run or for serve.
const inlineDeliveryTimeout = 30 * time.Second

// alertsState is the App's alerting: rules, outbox and sinks.
type alertsState struct {
	mgr *alerts.Manager
	// loop is set while serve's delivery loop runs; evaluation then only wakes it.
	loop atomic.Bool
}

// newAlertsState wires alerting for an App: the rules read the store, the store is the
// outbox, the metrics go on the App's registry. newApp calls it.
func newAlertsState(a *App) (*alertsState, error) {
	cfg := a.cfg.Alerts
	sinks, err := buildSinks(&cfg, a.logger)
	if err != nil {
		return nil, err
	}
	brands := make([]string, len(a.cfg.Brands))
	for i, b := range a.cfg.Brands {
		brands[i] = b.Name
	}
	mgr, err := alerts.New(alerts.Options{
		Config: cfg, Brands: brands, Mentions: storeMentions(a.db), Outbox: a.db, Sinks: sinks,
		Registerer: a.reg, Logger: a.logger.With("component", "alerts"),
		Now: func() time.Time { return a.now() },
	})
	if err != nil {
		return nil, err
	}
	return &alertsState{mgr: mgr}, nil
}

// storeMentions reads a brand's mentions for the rules, with the store's day versions so
// that evaluation re-reads only the days that changed.
func storeMentions(db *storage.DB) alerts.MentionSource { return storeMentionSource{db} }

type storeMentionSource struct{ db *storage.DB }

func (s storeMentionSource) Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error {
	return s.db.Scan(ctx, storage.Filter{Brand: brand, Since: since, Until: until}, fn)
}

func (s storeMentionSource) DayVersion(t time.Time) [2]uint64 { return s.db.DayVersion(t) }

func buildSinks(cfg *alerts.Config, logger *slog.Logger) (map[string]alerts.Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	out := map[string]alerts.Notifier{}
	if len(cfg.Sinks) == 0 {
		out[alerts.SinkLog] = alerts.NewLogNotifier(logger.With("sink", alerts.SinkLog))
		return out, nil
	}
	for _, s := range cfg.Sinks {
		var n alerts.Notifier
		var err error
		switch s.Type {
		case alerts.SinkSlack:
			n, err = slack.New(slack.Config{Name: s.Name, WebhookURL: s.WebhookURL, Timeout: s.Timeout.D(), MinInterval: s.MinInterval.D()}, logger)
		case alerts.SinkWebhook:
			n, err = webhook.New(webhook.Config{Name: s.Name, URL: s.URL, Timeout: s.Timeout.D(), MinInterval: s.MinInterval.D()}, logger)
		default:
			n = alerts.NewLogNotifier(logger.With("sink", s.Name))
		}
		if err != nil {
			return nil, fmt.Errorf("alerts: sink %s: %w", s.Name, err)
		}
		out[s.Name] = n
	}
	return out, nil
}

// validateAlerts checks the alerts block, locating errors in the file. Config.Validate calls it.
func (c *Config) validateAlerts() error {
	brands := make([]string, len(c.Brands))
	for i, b := range c.Brands {
		brands[i] = b.Name
	}
	err := c.Alerts.Validate()
	if err == nil {
		err = c.Alerts.ValidateBrands(brands)
	}
	var ce *alerts.ConfigError
	if errors.As(err, &ce) {
		return c.errorAt("$.alerts."+ce.Key, ce.Msg)
	}
	return err
}

// startAlertDelivery runs the delivery loop until ctx ends, so a slow or failing sink never
// holds up evaluation. serve calls it once; without it, evaluateAlerts delivers inline.
// spawn runs it in a goroutine the caller waits for before closing the store.
func (a *App) startAlertDelivery(ctx context.Context, spawn func(func())) {
	a.alerts.loop.Store(true)
	spawn(func() {
		defer a.alerts.loop.Store(false)
		a.alerts.mgr.Run(ctx)
	})
}

// evaluateAlerts evaluates the rules and commits new alerts to the outbox. When serve's
// delivery loop runs it is woken; otherwise (once, ingest, demo) pending alerts are delivered
// here, for at most inlineDeliveryTimeout.
func (a *App) evaluateAlerts(ctx context.Context) error {
	if err := a.alerts.mgr.Evaluate(ctx); err != nil {
		return err
	}
	if a.alerts.loop.Load() {
		a.alerts.mgr.Kick()
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, inlineDeliveryTimeout)
	defer cancel()
	next, err := a.alerts.mgr.Deliver(dctx)
	if err != nil {
		return err
	}
	if !next.IsZero() {
		n, _ := pendingAlerts(ctx, a.db)
		a.logger.Warn("some alerts could not be delivered yet; they stay in the outbox and are retried by the next once, ingest or serve",
			"pending", n, "next_attempt", next.Format(time.RFC3339))
	}
	return nil
}

// silenceAlerts records what the rules find now as already notified and sends nothing, so
// neither this command nor a later once or serve alerts on it (`ingest --no-alerts`).
func (a *App) silenceAlerts(ctx context.Context) error {
	_, err := a.alerts.mgr.Silence(ctx)
	return err
}

// recentAlerts describes the n most recent alerts, one line each.
func (a *App) recentAlerts(ctx context.Context, n int) ([]string, error) {
	entries, err := a.db.RecentAlerts(ctx, n, time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(entries))
	for i := range entries {
		out[i] = entries[i].Line()
	}
	return out, nil
}

// pendingAlerts counts the alerts waiting in the outbox, for stats.
func pendingAlerts(ctx context.Context, db *storage.DB) (int64, error) {
	counts, err := db.PendingAlertCounts(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range counts {
		n += c
	}
	return n, nil
}

// AlertListing is the JSON of `overhear alerts list` and /api/alerts.
type AlertListing struct {
	// Pending counts the alerts not delivered yet; PendingBySink splits it by sink.
	Pending       int64            `json:"pending"`
	PendingBySink map[string]int64 `json:"pending_by_sink"`
	// PendingAlerts are the undelivered alerts, oldest first (at most maxListed).
	PendingAlerts []alerts.Entry `json:"pending_alerts"`
	// Alerts are the most recent alerts in any state, newest first.
	Alerts []alerts.Entry `json:"alerts"`
}

const (
	defaultListed = 20
	maxListed     = 1000
)

func alertListing(ctx context.Context, db *storage.DB, limit int) (AlertListing, error) {
	l := AlertListing{PendingAlerts: []alerts.Entry{}, Alerts: []alerts.Entry{}}
	var err error
	if l.PendingBySink, err = db.PendingAlertCounts(ctx); err != nil {
		return l, err
	}
	for _, n := range l.PendingBySink {
		l.Pending += n
	}
	pending, err := db.PendingAlerts(ctx)
	if err != nil {
		return l, err
	}
	l.PendingAlerts = append(l.PendingAlerts, pending[:min(len(pending), maxListed)]...)
	recent, err := db.RecentAlerts(ctx, limit, time.Time{})
	if err != nil {
		return l, err
	}
	l.Alerts = append(l.Alerts, recent...)
	return l, nil
}

func runAlerts(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("alerts needs a subcommand: test (send a sample alert to every sink) or list (recent and pending alerts)")
	}
	switch args[0] {
	case "test":
		return runAlertsTest(ctx, m, args[1:])
	case "list":
		return runAlertsList(ctx, m, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(m.Stdout, "Usage: overhear alerts test [--config FILE]   send one sample alert to every sink")
		fmt.Fprintln(m.Stdout, "       overhear alerts list [--config FILE] [--limit N]   recent and pending alerts (JSON)")
		return nil
	}
	return usagef("unknown alerts subcommand %q (use test or list)", args[0])
}

func runAlertsTest(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("alerts test", "alerts test [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config, whose alerts go to the log)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	logger := m.logger(cfg)
	sinks, err := buildSinks(&cfg.Alerts, logger)
	if err != nil {
		return err
	}
	brand := "Overhear"
	if len(cfg.Brands) > 0 {
		brand = cfg.Brands[0].Name
	}
	tctx, cancel := context.WithTimeout(ctx, inlineDeliveryTimeout)
	defer cancel()
	failed := 0
	for _, r := range alerts.SendTest(tctx, cfg.Alerts.SinkNames(), sinks, brand, time.Now()) {
		switch {
		case r.Err == nil:
			fmt.Fprintf(m.Stdout, "%s: sent\n", r.Sink)
		case alerts.IsPermanent(r.Err):
			failed++
			fmt.Fprintf(m.Stdout, "%s: FAILED (permanent; check the sink's URL and channel): %v\n", r.Sink, r.Err)
		default:
			failed++
			fmt.Fprintf(m.Stdout, "%s: FAILED (gave up retrying): %v\n", r.Sink, r.Err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sinks failed", failed, len(sinks))
	}
	return nil
}

func runAlertsList(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("alerts list", "alerts list [--config FILE] [--limit N]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	limit := fs.Int("limit", defaultListed, "how many recent alerts to show")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *limit < 1 || *limit > maxListed {
		return usagef("--limit must be between 1 and %d", maxListed)
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	return m.withReadStore(ctx, cfg, "/api/alerts?limit="+strconv.Itoa(*limit), func(db *storage.DB) (any, error) {
		return alertListing(ctx, db, *limit)
	})
}

// alerts serves GET /api/alerts?limit=N: pending and recent alerts (AlertListing).
func (s *server) alerts(w http.ResponseWriter, r *http.Request) {
	limit := defaultListed
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			httpError(w, http.StatusBadRequest, fmt.Errorf("limit: %q is not a positive number", v))
			return
		}
		limit = min(n, maxListed)
	}
	l, err := alertListing(r.Context(), s.app.db, limit)
	if err != nil {
		s.serverError(w, err)
		return
	}
	writeJSON(w, l)
}
