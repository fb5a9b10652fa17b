package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// t0 is "now" in rule tests: a Monday at 15:00 UTC.
var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

// stream is a replayable set of stored mentions.
type stream struct {
	rs []analysis.Result
	n  int
}

var _ alerts.MentionSource = (*stream)(nil)

// Mentions implements alerts.MentionSource.
func (s *stream) Mentions(ctx context.Context, brand string, since, until time.Time, fn func(*analysis.Result) error) error {
	var out []analysis.Result
	for _, r := range s.rs {
		if r.CreatedAt.Before(since) || (!until.IsZero() && !r.CreatedAt.Before(until)) {
			continue
		}
		for _, b := range r.Brands {
			if b.Name == brand {
				out = append(out, r)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	for i := range out {
		if err := fn(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

// opt changes a generated mention.
type opt func(*analysis.Result)

func negative(r *analysis.Result) { setSentiment(r, analysis.Negative, -0.7) }
func positive(r *analysis.Result) { setSentiment(r, analysis.Positive, 0.6) }
func question(r *analysis.Result) {
	r.Question, r.Questions = true, []string{"How do I make " + r.Brands[0].Name + " use my second GPU?"}
}
func attended(r *analysis.Result) {
	r.Unattended = false
	for i := range r.Brands {
		r.Brands[i].Unattended = false
	}
}
func score(n int) opt        { return func(r *analysis.Result) { r.Score = n } }
func community(c string) opt { return func(r *analysis.Result) { r.Community = c } }
func author(a string) opt    { return func(r *analysis.Result) { r.Author = a } }
func setSentiment(r *analysis.Result, label string, s float64) {
	r.Sentiment = analysis.Sentiment{Label: label, Score: s}
	for i := range r.Brands {
		r.Brands[i].Sentiment = r.Sentiment
	}
}

// add stores one mention of brand at t.
func (s *stream) add(brand string, at time.Time, opts ...opt) *analysis.Result {
	s.n++
	id := fmt.Sprintf("t3_%d", s.n)
	r := analysis.Result{
		Mention: collectors.Mention{ID: id, Source: "reddit", Community: "acme", Author: fmt.Sprintf("user%d", s.n%97),
			Title: "Post " + id + " about " + brand, Text: "Some text about " + brand + ".", URL: "https://www.reddit.com/r/acme/comments/" + id + "/",
			ThreadID: id, CreatedAt: at, Score: 3},
		Brands:    []analysis.BrandResult{{Name: brand, Sentiment: analysis.Sentiment{Label: analysis.Neutral}, Unattended: true}},
		Topics:    []string{},
		Questions: []string{},
		Sentiment: analysis.Sentiment{Label: analysis.Neutral},
	}
	r.Unattended = true
	for _, o := range opts {
		o(&r)
	}
	s.rs = append(s.rs, r)
	return &s.rs[len(s.rs)-1]
}

// steady adds n mentions per day, evenly spread, from `from` to `to`, with every k-th negative
// (k = 0: none).
func (s *stream) steady(brand string, from, to time.Time, perDay int, k int, opts ...opt) {
	step := 24 * time.Hour / time.Duration(perDay)
	i := 0
	for at := from; at.Before(to); at = at.Add(step) {
		o := opts
		if k > 0 && i%k == 0 {
			o = append(append([]opt{}, opts...), negative)
		}
		s.add(brand, at, o...)
		i++
	}
}

// poisson draws a Poisson count (Knuth), deterministic for a seeded generator.
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// env is a Manager over a stream and an in-memory outbox, with a fake clock.
type env struct {
	mgr    *alerts.Manager
	outbox *alertstest.MemOutbox
	clock  *alertstest.Clock
	reg    *prometheus.Registry
	logs   *bytes.Buffer
}

func newEnv(tb testing.TB, cfg alerts.Config, brands []string, src alerts.MentionSource, sinks map[string]alerts.Notifier) *env {
	tb.Helper()
	e := &env{outbox: alertstest.NewMemOutbox(), clock: alertstest.NewClock(t0), reg: prometheus.NewRegistry(), logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if sinks == nil {
		sinks = map[string]alerts.Notifier{}
		for _, n := range cfg.SinkNames() {
			sinks[n] = alerts.NotifierFunc(func(context.Context, alerts.Alert) error { return nil })
		}
	}
	var err error
	e.mgr, err = alerts.New(alerts.Options{
		Config: cfg, Brands: brands, Mentions: src, Outbox: e.outbox, Sinks: sinks,
		Registerer: e.reg, Logger: logger, Now: e.clock.Now, Sleep: e.clock.Sleep,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// only returns a config with just the given rules (defaults filled by Validate).
func only(rules ...alerts.RuleConfig) alerts.Config {
	return alerts.Config{Rules: rules}
}

// evaluate runs the rules at the clock's time and returns the entries committed by this run.
func (e *env) evaluate(tb testing.TB) []alerts.Entry {
	tb.Helper()
	before := len(e.outbox.All())
	if err := e.mgr.Evaluate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return e.outbox.All()[before:]
}

func titles(es []alerts.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Alert.Title)
	}
	return strings.Join(out, " | ")
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
