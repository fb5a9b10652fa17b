package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/questions"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

func runQuestions(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "group") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(m.Stderr, "Usage: overhear questions export|group [flags]")
			return nil
		}
		return usagef("usage: overhear questions export|group [flags] (see --help of each)")
	}
	if args[0] == "group" {
		return runQuestionsGroup(ctx, m, args[1:])
	}
	return runQuestionsExport(ctx, m, args[1:])
}

// questionQuery holds the filters shared by `questions export` and /api/questions.
type questionQuery struct {
	Brand, Topic string
	Since        time.Duration
	MinCount     int
	Format       string
}

func (q *questionQuery) validate() error {
	switch q.Format {
	case "csv", "json", "md":
	default:
		return fmt.Errorf("format %q: use csv, json or md", q.Format)
	}
	if q.MinCount < 1 {
		return fmt.Errorf("min-count must be at least 1")
	}
	return nil
}

func runQuestionsExport(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("questions export", "questions export [--config FILE] [--brand B] [--topic T] [--since 30d] [--min-count 3] [--format csv|json|md]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	q := questionQuery{}
	fs.StringVar(&q.Brand, "brand", "", "only questions mentioning this brand")
	fs.StringVar(&q.Topic, "topic", "", "only questions matching this topic")
	since := fs.String("since", "30d", "only questions asked within this long (e.g. 7d, 12h)")
	fs.IntVar(&q.MinCount, "min-count", 3, "only clusters asked at least this often")
	fs.StringVar(&q.Format, "format", "csv", "csv, json or md")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := collectors.ParseDuration(*since)
	if err != nil {
		return usagef("--since: %w", err)
	}
	q.Since = d
	if err := q.validate(); err != nil {
		return usageError{err}
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	if err := checkBrandTopic(cfg, q.Brand, q.Topic); err != nil {
		return usageError{err}
	}
	api := fmt.Sprintf("/api/questions?brand=%s&topic=%s&since=%s&min-count=%d&format=%s",
		urlq(q.Brand), urlq(q.Topic), urlq(*since), q.MinCount, q.Format)
	return m.withReadStoreRaw(ctx, cfg, api, func(db *storage.DB, w io.Writer) error {
		return exportQuestions(ctx, db, q, time.Now(), w)
	})
}

func checkBrandTopic(cfg *Config, brand, topic string) error {
	if brand != "" {
		found := false
		for _, b := range cfg.Brands {
			found = found || b.Name == brand
		}
		if !found {
			return fmt.Errorf("brand %q is not in the config", brand)
		}
	}
	if topic != "" {
		found := false
		for _, t := range cfg.Topics {
			found = found || t.Name == topic
		}
		if !found {
			return fmt.Errorf("topic %q is not in the config", topic)
		}
	}
	return nil
}

// sameWords reports whether a and b have the same words, ignoring case and spacing. It reads
// both in place: the export calls it for every question of every stored mention.
func sameWords(a, b string) bool {
	for {
		wa, ra := nextWord(a)
		wb, rb := nextWord(b)
		if wa == "" || wb == "" {
			return wa == wb
		}
		if !strings.EqualFold(wa, wb) {
			return false
		}
		a, b = ra, rb
	}
}

// nextWord returns the first whitespace-separated word of s and what follows it.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// questionRecords loads the stored questions that match the filters.
func questionRecords(ctx context.Context, db *storage.DB, q questionQuery, now time.Time) ([]questions.Record, error) {
	yes := true
	f := storage.Filter{Brand: q.Brand, Topic: q.Topic, Question: &yes}
	if q.Since > 0 {
		f.Since = now.Add(-q.Since)
	}
	var recs []questions.Record
	err := db.Scan(ctx, f, func(r *analysis.Result) error {
		for i, text := range r.Questions {
			// A title repeated as the body's first line is one question, not two.
			if slices.ContainsFunc(r.Questions[:i], func(prev string) bool { return sameWords(prev, text) }) {
				continue
			}
			rec := questions.Record{Text: text, MentionID: r.ID, Source: r.Source, Community: r.Community,
				Author: r.Author, URL: r.URL, Brands: r.BrandNames(), Topics: r.Topics, CreatedAt: r.CreatedAt,
				Score: r.Score, Unattended: r.Unattended, Sentiment: r.Sentiment.Score}
			if i < len(r.QuestionClusters) {
				rec.Cluster = r.QuestionClusters[i]
			}
			if rec.Cluster == "" {
				rec.Cluster = "unclustered:" + r.Source + ":" + r.ID
			}
			if q.Brand != "" {
				for _, b := range r.Brands {
					if b.Name == q.Brand {
						rec.Unattended, rec.Sentiment = b.Unattended, b.Sentiment.Score
					}
				}
			}
			recs = append(recs, rec)
		}
		return nil
	})
	return recs, err
}

func exportQuestions(ctx context.Context, db *storage.DB, q questionQuery, now time.Time, w io.Writer) error {
	recs, err := questionRecords(ctx, db, q, now)
	if err != nil {
		return err
	}
	clusters := questions.Summarise(recs, now, q.MinCount)
	switch q.Format {
	case "json":
		return questions.WriteJSON(w, clusters)
	case "md":
		title := "Recurring questions"
		if q.Brand != "" {
			title += " about " + q.Brand
		} else if q.Topic != "" {
			title += " on " + q.Topic
		}
		return questions.WriteMarkdown(w, clusters, title)
	}
	return questions.WriteCSV(w, clusters)
}

// clusterCount is the number of question clusters the clusterer keeps.
func clusterCount(ctx context.Context, db *storage.DB) (int64, error) {
	entries, err := db.GetPrefix(ctx, clustererPrefix)
	if err != nil {
		return 0, err
	}
	var n int64
	for k := range entries {
		if questions.IsCluster(strings.TrimPrefix(k, clustererPrefix)) {
			n++
		}
	}
	if len(entries) > 0 {
		return n, nil
	}
	v2, err := db.Get(ctx, clustererV2Key)
	if err != nil || v2 == nil {
		return 0, err
	}
	c := questions.NewClusterer()
	if err := c.RestoreV2(v2); err != nil {
		return 0, fmt.Errorf("read question clusters: %w", err)
	}
	return int64(c.Len()), nil
}

func runQuestionsGroup(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("questions group", "questions group [--summary FILE] < questions.jsonl")
	summary := fs.String("summary", "", "write cluster summaries (JSON) to this file")
	format := fs.String("summary-format", "json", "summary format: json, csv or md")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *summary != "" && *format != "json" && *format != "csv" && *format != "md" {
		return usagef("--summary-format: use json, csv or md")
	}
	// Read everything first: questions.Group clusters the batch as a whole, so
	// the clusters do not depend on the order of the lines.
	type row struct {
		id   any
		text string
		err  string
	}
	var rows []row
	var texts []string
	lines := newLineReader(m.Stdin)
	var read int64
	progress := m.progress("questions group", 0)
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if progress != nil && n > 0 {
				progress(read)
			}
		}
		line, lineNo, err := lines.next()
		read += int64(len(line))
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		var in struct {
			ID   any    `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(line, &in); err != nil || in.ID == nil {
			// Exactly one line out per line in: a bad line gets an error instead of a cluster.
			msg := "missing id"
			if err != nil {
				msg = jsonError(err).Error()
			}
			rows = append(rows, row{id: in.ID, err: fmt.Sprintf("line %d: %s", lineNo, msg)})
			continue
		}
		rows = append(rows, row{id: in.ID, text: in.Text})
		texts = append(texts, in.Text)
	}
	if progress != nil {
		progress(read)
		fmt.Fprintln(m.Stderr)
	}
	clusters := questions.Group(texts)
	out := bufio.NewWriterSize(m.Stdout, 256<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var recs []questions.Record
	var bad int
	k := 0
	for _, r := range rows {
		if r.err != "" {
			bad++
			if err := enc.Encode(lineError{ID: r.id, Error: r.err}); err != nil {
				return err
			}
			continue
		}
		cluster := clusters[k]
		k++
		if err := enc.Encode(struct {
			ID      any    `json:"id"`
			Cluster string `json:"cluster"`
		}{r.id, cluster}); err != nil {
			return err
		}
		if *summary != "" {
			recs = append(recs, questions.Record{Cluster: cluster, Text: r.text, MentionID: fmt.Sprint(r.id), CreatedAt: time.Now(), Unattended: true})
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if *summary != "" {
		f, err := os.Create(*summary)
		if err != nil {
			return err
		}
		clusters := questions.Summarise(recs, time.Now(), 1)
		switch *format {
		case "csv":
			err = questions.WriteCSV(f, clusters)
		case "md":
			err = questions.WriteMarkdown(f, clusters, "Recurring questions")
		default:
			err = questions.WriteJSON(f, clusters)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d invalid lines (each got an error line in the output)", bad)
	}
	return nil
}
