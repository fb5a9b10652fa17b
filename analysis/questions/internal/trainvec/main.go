// Command trainvec builds the small word-vector table that the questions
// Clusterer embeds (../../wordvec.bin). It reads text only, never labels, from
// shared data sets whose licences allow training: Banking77 (CC BY 4.0),
// GoEmotions (Apache-2.0), SemEval-2014 ABSA reviews, the complaints tweets,
// the CrowdFlower brand tweets and the Dong-2014 tweets (training allowed). It
// counts co-occurrences of the Clusterer's own feature terms within a window,
// turns them into positive PMI, and factorises that matrix with a seeded
// randomised SVD (160 dimensions, eigenvalues raised to 0.75), so the output
// is deterministic. It also stores the first principal component of the
// corpus's SIF sentence vectors, which the Clusterer projects out. The
// fixture corpora in the shared data (Reddit feed snapshots, Hacker News,
// Discourse) are licensed for tests and evaluation only and are not used.
//
//	go run ./analysis/questions/internal/trainvec -data ../shared/data -out analysis/questions/wordvec.bin
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/overhear/overhear/analysis/questions"
)

func main() {
	data := flag.String("data", "../shared/data", "shared data folder")
	out := flag.String("out", "analysis/questions/wordvec.bin", "output file")
	dim := flag.Int("dim", 160, "vector dimensions")
	minCount := flag.Int("min-count", 4, "minimum term count")
	window := flag.Int("window", 5, "co-occurrence window (terms either side)")
	flag.Float64Var(&eigPow, "pow", 0.75, "exponent applied to eigenvalues (0.5 = singular value weighting)")
	flag.Parse()

	texts, err := corpus(*data)
	if errors.Is(err, fs.ErrNotExist) {
		log.Fatalf("the data folder %s lacks a data set the vectors are trained on (set -data to the folder that holds them; docs/accuracy.md says where each comes from): %v", *data, err)
	}
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%d texts", len(texts))
	var docs [][]string
	for _, t := range texts {
		docs = append(docs, questions.Terms(t))
	}
	vecs, vocab, counts := train(docs, *dim, *minCount, *window)
	pc := commonComponent(docs, vocab, counts, vecs)
	if err := writeVectors(*out, vocab, counts, vecs, pc); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d terms x %d dims to %s", len(vocab), *dim, *out)
	for _, w := range []string{"card", "arriv", "deliv", "refund", "pin", "top", "fee", "charg", "transfer", "cancel", "block", "app", "crash", "install"} {
		fmt.Println(w, nearest(w, vocab, vecs, 8))
	}
}

func corpus(dir string) ([]string, error) {
	seen := map[string]bool{}
	var texts []string
	add := func(t string) {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			texts = append(texts, t)
		}
	}
	// Banking77: the text column only.
	f, err := os.Open(filepath.Join(dir, "banking77-question-clusters", "train.csv"))
	if err != nil {
		return nil, fmt.Errorf("trainvec: %w", err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("trainvec: banking77: %w", err)
	}
	for _, r := range rows[1:] {
		add(r[0])
	}
	// GoEmotions train: the fourth tab-separated column onwards.
	ge, err := os.ReadFile(filepath.Join(dir, "goemotions", "train_sentiment.tsv"))
	if err != nil {
		return nil, fmt.Errorf("trainvec: %w", err)
	}
	for i, l := range strings.Split(string(ge), "\n") {
		if p := strings.SplitN(l, "\t", 4); i > 0 && len(p) == 4 {
			add(p[3])
		}
	}
	for _, name := range []string{
		"semeval14-absa/laptops_train.jsonl", "semeval14-absa/restaurants_train.jsonl",
		"complaints-tweets-preotiuc2019/complaints.jsonl", "brand-product-emotion-tweets-crowdflower/tweets.jsonl",
		"twitter-target-sentiment-dong2014/train.jsonl",
	} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("trainvec: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err == nil {
				add(r.Text)
			}
		}
		f.Close()
	}
	return texts, nil
}

func nearest(w string, vocab []string, vecs [][]float32, k int) []string {
	idx := -1
	for i, v := range vocab {
		if v == w {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	type sc struct {
		i int
		s float32
	}
	var all []sc
	for i := range vocab {
		var d float32
		for j := range vecs[i] {
			d += vecs[i][j] * vecs[idx][j]
		}
		all = append(all, sc{i, d})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].s > all[b].s })
	var out []string
	for _, s := range all[1 : k+1] {
		out = append(out, fmt.Sprintf("%s:%.2f", vocab[s.i], s.s))
	}
	return out
}
