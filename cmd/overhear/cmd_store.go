package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

func runIngest(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("ingest", "ingest [--config FILE] [--no-alerts] --file mentions.jsonl (- for stdin)")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	file := fs.String("file", "", "JSONL mentions to import; - reads stdin")
	batchSize := fs.Int("batch", 2000, "mentions per transaction")
	noAlerts := fs.Bool("no-alerts", false, "raise no alerts for this import: what the rules find now is recorded as notified and sent to no one (for backfills)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usagef("--file is required")
	}
	if *batchSize < 1 {
		return usagef("--batch must be positive")
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	var in io.Reader = m.Stdin
	var total int64
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
		if st, err := f.Stat(); err == nil {
			total = st.Size()
		}
	}
	progress := m.progress("ingest", total)
	app, err := openApp(ctx, cfg, m.logger(cfg))
	var locked *storage.LockedError
	if errors.As(err, &locked) && locked.Holder != "" {
		if *noAlerts {
			return fmt.Errorf("--no-alerts: the store is in use by serve at http://%s, which evaluates alerts on what it stores; stop it for a backfill", locked.Holder)
		}
		// serve holds the store: send the mentions through its API, which stores them and
		// evaluates alerts the same way.
		fmt.Fprintf(m.Stderr, "the store is in use by serve at http://%s: sending the mentions to its /api/ingest\n", locked.Holder)
		sum, err := m.ingestViaServe(ctx, cfg, locked.Holder, in, progress)
		return m.reportIngest(sum, err, progress != nil)
	}
	if err != nil {
		return err
	}
	defer app.Close()
	sum, err := app.ingest(ctx, in, *batchSize, progress)
	reported := m.reportIngest(sum, err, progress != nil)
	if err != nil {
		return err
	}
	// Invalid lines do not stop the alerts on what was stored.
	if *noAlerts {
		err = app.silenceAlerts(ctx)
	} else {
		err = app.evaluateAlerts(ctx)
	}
	if err != nil {
		return err
	}
	return reported
}

// reportIngest prints the summary of an ingest (local or through serve) and its invalid lines,
// and returns the error the command exits with.
func (m *Main) reportIngest(sum ingestSummary, err error, progressShown bool) error {
	if progressShown {
		fmt.Fprintln(m.Stderr)
	}
	fmt.Fprintln(m.Stdout, sum.String())
	for i, e := range sum.invalid {
		if i == 10 {
			fmt.Fprintf(m.Stderr, "... and %d more invalid lines\n", len(sum.invalid)-10)
			break
		}
		fmt.Fprintln(m.Stderr, "invalid:", e)
	}
	if err != nil {
		return err
	}
	if len(sum.invalid) > 0 {
		return fmt.Errorf("%d invalid lines were skipped (everything else was stored)", len(sum.invalid))
	}
	return nil
}

type ingestSummary struct {
	lines, stored, duplicates, unmatched int
	invalid                              []invalidLine
}

// invalidLine is the problem with one input line.
type invalidLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func (e invalidLine) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Error) }

// String is the summary line ingest prints.
func (s ingestSummary) String() string {
	return fmt.Sprintf("read %d lines: %d stored, %d already stored, %d skipped (not matching any brand or topic), %d invalid",
		s.lines, s.stored, s.duplicates, s.unmatched, len(s.invalid))
}

// ingest reads JSONL mentions and stores them in batches. Lines that fail to parse are
// reported and skipped; the rest is stored.
func (a *App) ingest(ctx context.Context, r io.Reader, batchSize int, progress func(done int64)) (ingestSummary, error) {
	var sum ingestSummary
	lines := newLineReader(r)
	batch := make([]collectors.Mention, 0, batchSize)
	var read int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		added, err := a.processWithCounts(ctx, batch, &sum)
		if err != nil {
			return err
		}
		sum.stored += added
		batch = batch[:0]
		if progress != nil {
			progress(read)
		}
		return nil
	}
	for {
		line, n, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("read input: %w", err)
		}
		read += int64(len(line))
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		sum.lines++
		in, _, perr := decodeMentionLine(line, a.now)
		if perr != nil {
			sum.invalid = append(sum.invalid, invalidLine{n, perr.Error()})
			continue
		}
		mention := in.Mention
		if _, ok := collectors.Lookup(mention.Source); !ok {
			mention.Source = "import"
		}
		if err := mention.Validate(); err != nil {
			sum.invalid = append(sum.invalid, invalidLine{n, err.Error()})
			continue
		}
		batch = append(batch, mention)
		if len(batch) == batchSize {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	a.gauges.Invalidate()
	return sum, nil
}

func (a *App) processWithCounts(ctx context.Context, batch []collectors.Mention, sum *ingestSummary) (int, error) {
	added, matched, err := a.process(ctx, batch, nil, "", nil)
	if err != nil {
		return 0, err
	}
	sum.unmatched += len(batch) - matched
	sum.duplicates += matched - len(added)
	return len(added), nil
}

// progress returns a reporter for long work, or nil when stderr is not a terminal.
func (m *Main) progress(what string, total int64) func(done int64) {
	if !m.StderrIsTerminal {
		return nil
	}
	start := time.Now()
	return func(done int64) {
		el := time.Since(start).Seconds()
		rate := float64(done) / max(el, 0.001)
		msg := fmt.Sprintf("\r%s: %.1f MB, %.1f MB/s", what, float64(done)/1e6, rate/1e6)
		if total > 0 && rate > 0 {
			msg += fmt.Sprintf(", %.0f%%, ETA %s", 100*float64(done)/float64(total), time.Duration(float64(total-done)/rate*float64(time.Second)).Round(time.Second))
		}
		fmt.Fprint(m.Stderr, msg+"   ")
	}
}

func runOnce(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("once", "once [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	app, err := openApp(ctx, cfg, m.logger(cfg))
	if err != nil {
		return err
	}
	defer app.Close()
	before, err := app.db.Counts(ctx)
	if err != nil {
		return err
	}
	// A source that cannot be reached fails at its first request, not after trying every
	// search term or feed at the source's pace.
	app.failFast.Store(true)
	pollErr := app.agent.RunOnce(ctx)
	polled, err := app.db.Counts(ctx)
	if err != nil {
		return err
	}
	// Deletion rechecks that are due run after the poll, so its requests come first in the
	// source's budget; what they purge is not subtracted from the new mentions.
	rechecks := app.recheckDeletionsOnce(ctx)
	after, err := app.db.Counts(ctx)
	if err != nil {
		return err
	}
	if err := app.evaluateAlerts(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "polled %d source instances: %d new mentions stored (%d in store)\n",
		len(app.agent.Instances()), polled["total"]-before["total"], after["total"])
	for _, b := range cfg.Brands {
		k := "brand:" + b.Name
		fmt.Fprintf(m.Stdout, "  %-20s +%d (%d in store)\n", b.Name, polled[k]-before[k], after[k])
	}
	for _, l := range rechecks {
		fmt.Fprintln(m.Stdout, l)
	}
	return m.reportPolls(app, pollErr)
}

// reportPolls prints one line per source instance that failed, on stderr, and returns the
// command's error: every failure is named once, not once per request.
func (m *Main) reportPolls(app *App, pollErr error) error {
	failed := 0
	for _, in := range app.agent.Instances() {
		pc, ok := polledOf(in.Collector)
		if !ok {
			continue
		}
		r := pc.lastPoll()
		if r == nil || r.Err == nil {
			continue
		}
		failed++
		name := r.Source
		if r.Instance != "" {
			name += " " + r.Instance
		}
		fmt.Fprintf(m.Stderr, "  %s: %s: %s\n", name, r.Result, shortCause(r.Err))
	}
	switch {
	case pollErr == nil:
		return nil
	case failed == 0:
		return fmt.Errorf("some sources failed (the others were stored): %w", pollErr)
	}
	if n := len(app.agent.Instances()); failed < n {
		return fmt.Errorf("%d of %d source instances failed (the others were stored)", failed, n)
	}
	return errors.New("every source failed")
}

// Stats is the JSON of `overhear stats` and /api/stats (CONTRACTS.md).
type Stats struct {
	MentionsTotal  int64            `json:"mentions_total"`
	ByBrand        map[string]int64 `json:"by_brand"`
	BySource       map[string]int64 `json:"by_source"`
	ByTopic        map[string]int64 `json:"by_topic"`
	QuestionsTotal int64            `json:"questions_total"`
	ClustersTotal  int64            `json:"clusters_total"`
	AlertsPending  int64            `json:"alerts_pending"`
	StoreBytes     int64            `json:"store_bytes"`
}

func storeStats(ctx context.Context, db *storage.DB, brands []collectors.Brand) (Stats, error) {
	counts, err := db.Counts(ctx)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{ByBrand: map[string]int64{}, BySource: map[string]int64{}, ByTopic: map[string]int64{},
		MentionsTotal: counts["total"], QuestionsTotal: counts["questions"], StoreBytes: db.Size()}
	for _, b := range brands {
		s.ByBrand[b.Name] = 0
	}
	for k, v := range counts {
		switch {
		case strings.HasPrefix(k, "brand:"):
			s.ByBrand[k[6:]] = v
		case strings.HasPrefix(k, "source:"):
			s.BySource[k[7:]] = v
		case strings.HasPrefix(k, "topic:"):
			s.ByTopic[k[6:]] = v
		}
	}
	if s.ClustersTotal, err = clusterCount(ctx, db); err != nil {
		return s, err
	}
	if s.AlertsPending, err = pendingAlerts(ctx, db); err != nil {
		return s, err
	}
	return s, nil
}

func runStats(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("stats", "stats [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	return m.withReadStore(ctx, cfg, "/api/stats", func(db *storage.DB) (any, error) {
		return storeStats(ctx, db, cfg.Brands)
	})
}

// withReadStore runs a read command: against the store opened read-only when it is free, or
// through the HTTP API of the serve process that holds it. The answer is printed as JSON.
func (m *Main) withReadStore(ctx context.Context, cfg *Config, apiPath string, read func(db *storage.DB) (any, error)) error {
	return m.withReadStoreRaw(ctx, cfg, apiPath, func(db *storage.DB, w io.Writer) error {
		v, err := read(db)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// withReadStoreRaw is withReadStore for commands that write their own format.
func (m *Main) withReadStoreRaw(ctx context.Context, cfg *Config, apiPath string, read func(db *storage.DB, w io.Writer) error) error {
	db, err := storage.Open(ctx, cfg.Storage.Path, storage.Options{ReadOnly: true})
	if err == nil {
		defer db.Close()
		return read(db, m.Stdout)
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no store at %s yet: run `overhear once`, `ingest` or `serve` first", cfg.Storage.Path)
	}
	if !errors.Is(err, storage.ErrLocked) {
		return err
	}
	addr := storage.Holder(cfg.Storage.Path)
	if addr == "" {
		addr = cfg.HTTP.Listen
	}
	return m.fromServe(ctx, cfg, addr, apiPath)
}

// fromServe fetches apiPath from a running serve and copies the body to stdout.
func (m *Main) fromServe(ctx context.Context, cfg *Config, addr, apiPath string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+apiPath, nil)
	if err != nil {
		return err
	}
	if cfg.HTTP.AuthToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.HTTP.AuthToken.Reveal())
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the store is locked by a running overhear, and asking it at http://%s failed: %w", addr, (&url.Error{Op: "GET", URL: apiPath, Err: errors.Unwrap(err)}).Err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("http://%s%s: %s: %s", addr, apiPath, resp.Status, strings.TrimSpace(string(body)))
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		// Print what the command prints when it reads the file itself: indented JSON.
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, bytes.TrimSpace(body), "", "  "); err != nil {
			return fmt.Errorf("http://%s%s: invalid JSON: %w", addr, apiPath, err)
		}
		buf.WriteByte('\n')
		_, err = m.Stdout.Write(buf.Bytes())
		return err
	}
	_, err = io.Copy(m.Stdout, resp.Body)
	return err
}

func runBackup(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("backup", "backup --out FILE [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	out := fs.String("out", "", "where to write the copy")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	// Write to a temporary file and rename, so a failed backup never leaves a truncated file
	// that looks like a good one.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".overhear-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	sub := *m
	sub.Stdout = tmp
	err = sub.withReadStoreRaw(ctx, cfg, "/api/backup", func(db *storage.DB, w io.Writer) error {
		_, err := db.Backup(ctx, w)
		return err
	})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Check that what we wrote opens as a store before putting it in place.
	check, err := storage.Open(ctx, tmp.Name(), storage.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("backup did not verify: %w", err)
	}
	if err := check.Check(ctx); err != nil {
		check.Close()
		return fmt.Errorf("backup did not verify: %w", err)
	}
	check.Close()
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	fmt.Fprintf(m.Stdout, "wrote %s (%d bytes)\n", *out, st.Size())
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
