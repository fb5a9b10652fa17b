// Command compare runs Overhear and its peers on the same real data in one run and prints
// throughput, ratios and (where the data is labelled) accuracy:
//
//   - sentiment: Overhear's model, Overhear's whole per-mention analysis (brand matching,
//     sentiment toward each brand, questions, absence) against github.com/jonreiter/govader
//     (VADER) and github.com/cdipaolo/sentiment (naive Bayes, positive/negative only), on
//     TweetEval's validation tweets and GoEmotions' dev comments mapped to three classes;
//   - storage: Overhear's store (storage.Commit, batches of 2000 as ingest commits them)
//     against a naive bbolt store that writes each mention (JSON value plus an id index) in a
//     transaction of its own.
//
// The peers live only in this command, never in the overhear binary.
//
//	go run ./bench/compare [--data ../shared/data] [--rounds 3] [--store-n 50000] [--naive-n 2000]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	sentimentpeer "github.com/cdipaolo/sentiment"
	"github.com/jonreiter/govader"
	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/bench/benchdata"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
	"github.com/overhear/overhear/storage"
)

type sample struct {
	text, label string // label: positive, neutral, negative, or "" when unlabelled/ambiguous
	title       string // Reddit posts: the title (text is then the body)
}

func main() {
	data := flag.String("data", "../shared/data", "the shared data folder")
	rounds := flag.Int("rounds", 3, "passes over the corpus per contender (the best is reported)")
	storeN := flag.Int("store-n", 50000, "mentions Overhear's store ingests")
	naiveN := flag.Int("naive-n", 2000, "mentions the naive one-transaction-per-mention store ingests")
	skipStore := flag.Bool("skip-store", false, "skip the storage comparison")
	flag.Parse()
	if err := run(*data, *rounds, *storeN, *naiveN, *skipStore); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(data string, rounds, storeN, naiveN int, skipStore bool) error {
	fmt.Printf("machine: %s/%s, %d CPUs (GOMAXPROCS %d), %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	corpora, err := loadCorpora(data)
	if err != nil {
		return err
	}
	if err := compareSentiment(corpora, rounds); err != nil {
		return err
	}
	if skipStore {
		return nil
	}
	return compareStore(storeN, naiveN)
}

type corpus struct {
	name    string
	samples []sample
}

func loadCorpora(data string) ([]corpus, error) {
	var out []corpus
	// TweetEval sentiment, validation split: val_text.txt, val_labels.txt (0 neg, 1 neu, 2 pos).
	texts, err := readLines(filepath.Join(data, "tweeteval-sentiment", "val_text.txt"))
	if err != nil {
		return nil, err
	}
	labels, err := readLines(filepath.Join(data, "tweeteval-sentiment", "val_labels.txt"))
	if err != nil {
		return nil, err
	}
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("tweeteval: %d texts but %d labels", len(texts), len(labels))
	}
	tw := corpus{name: "TweetEval val"}
	for i, t := range texts {
		tw.samples = append(tw.samples, sample{text: t, label: map[string]string{"0": analysis.Negative, "1": analysis.Neutral, "2": analysis.Positive}[strings.TrimSpace(labels[i])]})
	}
	out = append(out, tw)
	// GoEmotions dev, mapped to sentiment: id, sentiment, emotion_ids, text (header line).
	rows, err := readLines(filepath.Join(data, "goemotions", "dev_sentiment.tsv"))
	if err != nil {
		return nil, err
	}
	ge := corpus{name: "GoEmotions dev"}
	for _, row := range rows[1:] {
		f := strings.SplitN(row, "\t", 4)
		if len(f) != 4 {
			continue
		}
		label := f[1]
		if !analysis.ValidLabel(label) {
			label = "" // ambiguous or mixed: timed, not scored
		}
		ge.samples = append(ge.samples, sample{text: f[3], label: label})
	}
	out = append(out, ge)
	// Reddit posts (r/ollama, r/LocalLLaMA Atom feed entries): unlabelled, long, full of brand
	// names, so the whole analysis does all its work (sentiment toward each matched brand).
	rd := corpus{name: "Reddit posts (unlabelled)"}
	for _, sub := range []string{"ollama", "LocalLLaMA"} {
		rows, err := readLines(filepath.Join(data, "fixtures", "reddit-atom-feed-snapshots", "entries_"+sub+".jsonl"))
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			var p struct {
				Title       string `json:"title"`
				ContentHTML string `json:"content_html"`
			}
			if json.Unmarshal([]byte(row), &p) != nil {
				continue
			}
			rd.samples = append(rd.samples, sample{title: p.Title, text: feedreader.StripRedditFooter(feedreader.HTMLToText(p.ContentHTML))})
		}
	}
	out = append(out, rd)
	return out, nil
}

// full is the text a whole-text scorer reads: title and body, as Mention.FullText joins them.
func (s sample) full() string {
	if s.title == "" {
		return s.text
	}
	return s.title + "\n\n" + s.text
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n"), nil
}

// contender labels one text.
type contender struct {
	name  string
	label func(s sample) string
	// binary contenders never say neutral; their accuracy is also given on the polar samples.
	binary bool
}

func contenders() ([]contender, error) {
	scorer, err := analysis.DefaultScorer()
	if err != nil {
		return nil, err
	}
	an, err := analysis.NewDefault(benchdata.Brands, benchdata.Topics)
	if err != nil {
		return nil, err
	}
	vader := govader.NewSentimentIntensityAnalyzer()
	nb, err := sentimentpeer.Restore()
	if err != nil {
		return nil, fmt.Errorf("cdipaolo/sentiment: restore model: %w", err)
	}
	return []contender{
		{name: "govader (VADER)", label: func(s sample) string {
			c := vader.PolarityScores(s.full()).Compound
			return analysis.LabelFor(c, 0.05) // VADER's own thresholds: ±0.05
		}},
		{name: "cdipaolo/sentiment", binary: true, label: func(s sample) string {
			if nb.SentimentAnalysis(s.full(), sentimentpeer.English).Score == 1 {
				return analysis.Positive
			}
			return analysis.Negative
		}},
		{name: "overhear sentiment", label: func(s sample) string { return scorer.Score(s.full()).Label }},
		{name: "overhear analyze (whole)", label: func(s sample) string {
			r := an.Analyze(collectors.Mention{ID: "x", Source: "import", Title: s.title, Text: s.text})
			return r.Sentiment.Label
		}},
	}, nil
}

func compareSentiment(corpora []corpus, rounds int) error {
	cs, err := contenders()
	if err != nil {
		return err
	}
	fmt.Println("## Sentiment, same texts, one goroutine")
	for _, c := range corpora {
		fmt.Printf("\n%s: %d texts\n", c.name, len(c.samples))
		fmt.Printf("%-26s %12s %10s %10s %10s %12s\n", "contender", "texts/s", "vs govader", "accuracy", "macro-F1", "acc (polar)")
		var vaderRate float64
		for _, ct := range cs {
			var best time.Duration
			var got []string
			for r := 0; r < rounds; r++ {
				got = got[:0]
				runtime.GC()
				start := time.Now()
				for _, s := range c.samples {
					got = append(got, ct.label(s))
				}
				if d := time.Since(start); best == 0 || d < best {
					best = d
				}
			}
			rate := float64(len(c.samples)) / best.Seconds()
			if vaderRate == 0 {
				vaderRate = rate
			}
			acc, f1, polar := score(c.samples, got)
			accs, f1s, polars := fmt.Sprintf("%.3f", acc), fmt.Sprintf("%.3f", f1), fmt.Sprintf("%.3f", polar)
			if ct.binary {
				f1s = "-"
			}
			if c.samples[0].label == "" {
				accs, f1s, polars = "-", "-", "-"
			}
			fmt.Printf("%-26s %12.0f %9.2fx %10s %10s %12s\n", ct.name, rate, rate/vaderRate, accs, f1s, polars)
		}
	}
	fmt.Println("\n(vs govader > 1 is faster than govader; \"whole\" is `overhear analyze`'s per-line work without JSON:")
	fmt.Println(" brand/topic matching, sentiment toward each brand, whole-text sentiment, questions, absence.)")
	return nil
}

// score returns accuracy and macro-F1 over the three classes on the labelled samples, and
// accuracy on the positive and negative samples only.
func score(samples []sample, got []string) (acc, macroF1, polar float64) {
	var n, ok, pn, pok int
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	for i, s := range samples {
		if s.label == "" {
			continue
		}
		n++
		if got[i] == s.label {
			ok++
			tp[s.label]++
		} else {
			fp[got[i]]++
			fn[s.label]++
		}
		if s.label != analysis.Neutral {
			pn++
			if got[i] == s.label {
				pok++
			}
		}
	}
	for _, l := range analysis.Labels {
		p, r := ratio(tp[l], tp[l]+fp[l]), ratio(tp[l], tp[l]+fn[l])
		if p+r > 0 {
			macroF1 += 2 * p * r / (p + r) / 3
		}
	}
	return ratio(ok, n), macroF1, ratio(pok, pn)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func compareStore(storeN, naiveN int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "overhear-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("\n## Storage: analysed mentions (demo corpus cycled) into bbolt, fsync on every commit")
	g, err := benchdata.NewGenerator(max(storeN, naiveN), time.Now())
	if err != nil {
		return err
	}

	// Overhear: storage.Commit, one transaction per 2000 mentions, as `overhear ingest` does.
	db, err := storage.Open(ctx, filepath.Join(dir, "overhear.db"), storage.Options{})
	if err != nil {
		return err
	}
	const batch = 2000
	buf := make([]analysis.Result, 0, batch)
	start := time.Now()
	for from := 0; from < storeN; from += batch {
		buf = g.Fill(buf, from, min(from+batch, storeN))
		if _, err := db.Commit(ctx, storage.Batch{Results: buf}); err != nil {
			db.Close()
			return err
		}
	}
	ours := float64(storeN) / time.Since(start).Seconds()
	db.Close()

	// Naive: bbolt directly, each mention in its own transaction (JSON value, id index).
	ndb, err := bolt.Open(filepath.Join(dir, "naive.db"), 0o600, nil)
	if err != nil {
		return err
	}
	defer ndb.Close()
	if err := ndb.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"mentions", "ids"} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	start = time.Now()
	for i := 0; i < naiveN; i++ {
		r := g.At(i)
		err := ndb.Update(func(tx *bolt.Tx) error {
			ids := tx.Bucket([]byte("ids"))
			id := []byte(r.Source + "\x00" + r.ID)
			if ids.Get(id) != nil {
				return nil
			}
			v, err := json.Marshal(&r)
			if err != nil {
				return err
			}
			key := []byte(r.CreatedAt.UTC().Format(time.RFC3339Nano) + " " + string(id))
			if err := tx.Bucket([]byte("mentions")).Put(key, v); err != nil {
				return err
			}
			return ids.Put(id, key)
		})
		if err != nil {
			return err
		}
	}
	naive := float64(naiveN) / time.Since(start).Seconds()
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "%-44s %10s %12s %10s\n", "store", "mentions", "mentions/s", "ratio")
	fmt.Fprintf(w, "%-44s %10d %12.0f %9.1fx\n", "naive bbolt, one transaction per mention", naiveN, naive, 1.0)
	fmt.Fprintf(w, "%-44s %10d %12.0f %9.1fx\n", "overhear storage.Commit, batches of 2000", storeN, ours, ours/naive)
	fmt.Fprintln(w, "(Overhear's store also keeps brand and topic indexes and counters the naive one lacks.)")
	return w.Flush()
}
