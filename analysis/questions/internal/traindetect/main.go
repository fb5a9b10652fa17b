// Command traindetect learns the weights of the question detection model
// that package questions embeds (../../detect_model.bin).
//
// It reads the train split of the community-brand-sentiment data (real
// Reddit posts with their gold question sentences, labelled with the guide
// in that folder), asks the package for every candidate sentence of each post
// and its hashed features (questions.Sentences), labels a candidate positive
// when it matches a gold question the way devscore matches them (half the
// words shared, or one inside the other), and fits a logistic regression
// (AdaGrad, L2, fixed example order: deterministic). The decision threshold
// is the one that gives the highest recall at the target precision in 5-fold
// cross-validation by post on the train split. The dev split is only
// reported on, never used for a choice.
//
//	go run ./analysis/questions/internal/traindetect -data ../shared/data
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/overhear/overhear/analysis/questions"
)

type post struct {
	ID, Split, Title, Text, Subreddit string
	Questions                         []string
}

// example is one candidate sentence.
type example struct {
	fixed int // +1 or -1: a one-line text, where the rules decide; 0: the model decides
	feats []uint32
	match []int // the gold questions of its post it matches
	y     float64
}

// doc is one post: its candidates and how many gold questions it has.
type doc struct {
	id    string
	sub   string
	cands []example
	nGold int
}

func main() {
	data := flag.String("data", "../shared/data", "shared data folder (holding community-brand-sentiment/)")
	out := flag.String("out", "analysis/questions/detect_model.bin", "output file")
	epochs := flag.Int("epochs", 30, "training epochs")
	l2 := flag.Float64("l2", 3e-3, "L2 penalty per example")
	rate := flag.Float64("rate", 0.2, "AdaGrad learning rate")
	minCount := flag.Int("min-count", 3, "features seen in fewer training sentences get no weight")
	target := flag.Float64("precision", 0.87, "cross-validated precision the threshold is chosen for")
	flag.Parse()
	log.SetFlags(0)

	dir := filepath.Join(*data, "community-brand-sentiment")
	if _, err := os.Stat(filepath.Join(dir, "labels.jsonl")); err != nil {
		log.Fatalf("traindetect: %s has no community-brand-sentiment/labels.jsonl (set -data to the shared data folder): %v", *data, err)
	}
	posts, err := readPosts(dir)
	if err != nil {
		log.Fatal(err)
	}
	train, dev := docs(posts, "train"), docs(posts, "dev")
	log.Printf("train: %d posts, %s", len(train), ceiling(train))
	log.Printf("dev:   %d posts, %s", len(dev), ceiling(dev))
	opt := options{epochs: *epochs, l2: *l2, rate: *rate, minCount: *minCount}

	// The threshold from 5-fold cross-validation by post on train.
	var oof []scored
	for k := 0; k < 5; k++ {
		var fit, held []doc
		for i, d := range train {
			if i%5 == k {
				held = append(held, d)
			} else {
				fit = append(fit, d)
			}
		}
		w, b := fitModel(fit, opt)
		oof = append(oof, score(held, w, b)...)
	}
	log.Printf("train 5-fold cross-validation:")
	curve(oof)
	thr := pickThreshold(oof, *target)
	p, r := measure(oof, thr)
	log.Printf("threshold %.3f: cross-validated P %.3f R %.3f (target precision %.2f)", thr, p, r, *target)

	// A look at other communities: fit on the r/ollama posts of train,
	// measure on its r/LocalLLaMA posts.
	var ol, ll []doc
	for _, d := range train {
		if d.sub == "ollama" {
			ol = append(ol, d)
		} else {
			ll = append(ll, d)
		}
	}
	w, b := fitModel(ol, opt)
	cross := score(ll, w, b)
	curve(cross)
	p, r = measure(cross, thr)
	log.Printf("fit on %d r/ollama train posts, measured on %d other train posts at threshold %.3f: P %.3f R %.3f", len(ol), len(ll), thr, p, r)

	w, b = fitModel(train, opt)
	ds := score(dev, w, b)
	log.Printf("dev (never used for a choice):")
	curve(ds)
	p, r = measure(ds, thr)
	log.Printf("dev at threshold %.3f: P %.3f R %.3f", thr, p, r)

	var idx []uint32
	var wt []float32
	for i, v := range w {
		if math.Abs(v) >= 1e-3 {
			idx = append(idx, uint32(i))
			wt = append(wt, float32(v))
		}
	}
	if err := os.WriteFile(*out, questions.EncodeModel(float32(b), float32(thr), idx, wt), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d weights to %s", len(idx), *out)
}

func readPosts(dir string) ([]post, error) {
	byID := map[string]*post{}
	var order []*post
	err := readJSONL(filepath.Join(dir, "posts.jsonl"), func(b []byte) error {
		var p post
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		byID[p.ID] = &p
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(dir, "labels.jsonl"), func(b []byte) error {
		var l post
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		p := byID[l.ID]
		if p == nil {
			return fmt.Errorf("label for unknown post %s", l.ID)
		}
		p.Split, p.Questions = l.Split, l.Questions
		order = append(order, p)
		return nil
	})
	var out []post
	for _, p := range order {
		out = append(out, *p)
	}
	return out, err
}

func readJSONL(name string, fn func([]byte) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return sc.Err()
}

// fullText joins title and body as collectors.Mention.FullText does.
func fullText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	}
	return title + "\n\n" + text
}

func docs(posts []post, split string) []doc {
	var out []doc
	for _, p := range posts {
		if p.Split != split {
			continue
		}
		d := doc{id: p.ID, sub: p.Subreddit, nGold: len(p.Questions)}
		for _, s := range questions.Sentences(fullText(p.Title, p.Text)) {
			if !s.Candidate {
				continue
			}
			e := example{feats: s.Features}
			if !s.Model {
				e.fixed = -1
				if s.Rule {
					e.fixed = 1
				}
			}
			for g, q := range p.Questions {
				if questions.SameSentence(s.Text, q) {
					e.match = append(e.match, g)
				}
			}
			if len(e.match) > 0 {
				e.y = 1
			}
			d.cands = append(d.cands, e)
		}
		out = append(out, d)
	}
	return out
}

// ceiling describes the candidates: how many are positive and how many gold
// questions some candidate matches (the recall the model cannot exceed).
func ceiling(ds []doc) string {
	var n, pos, gold, reach int
	for _, d := range ds {
		hit := map[int]bool{}
		for _, e := range d.cands {
			n++
			if e.y > 0 {
				pos++
			}
			for _, g := range e.match {
				hit[g] = true
			}
		}
		gold += d.nGold
		reach += len(hit)
	}
	return fmt.Sprintf("%d candidates (%d positive), %d gold questions, %d reachable (%.3f)", n, pos, gold, reach, float64(reach)/float64(max(1, gold)))
}

type options struct {
	epochs   int
	l2, rate float64
	minCount int
}

// fitModel fits the logistic regression; it returns the weights by feature
// index and the bias.
func fitModel(ds []doc, o options) ([]float64, float64) {
	const n = 1 << questions.FeatureBits
	count := make([]int, n)
	for _, d := range ds {
		for _, e := range d.cands {
			if e.fixed != 0 {
				continue
			}
			seen := map[uint32]bool{}
			for _, f := range e.feats {
				if !seen[f] {
					seen[f] = true
					count[f]++
				}
			}
		}
	}
	w, g2 := make([]float64, n), make([]float64, n)
	var b, gb float64
	for ep := 0; ep < o.epochs; ep++ {
		for _, d := range ds {
			for _, e := range d.cands {
				if e.fixed != 0 {
					continue
				}
				z := b
				for _, f := range e.feats {
					z += w[f]
				}
				grad := sigmoid(z) - e.y
				gb += grad * grad
				b -= o.rate * grad / math.Sqrt(gb+1e-8)
				for _, f := range e.feats {
					if count[f] < o.minCount {
						continue
					}
					g := grad + o.l2*w[f]
					g2[f] += g * g
					w[f] -= o.rate * g / math.Sqrt(g2[f]+1e-8)
				}
			}
		}
	}
	return w, b
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// scored is one post's candidates with their logits.
type scored struct {
	z     []float64
	match [][]int
	nGold int
}

func score(ds []doc, w []float64, b float64) []scored {
	var out []scored
	for _, d := range ds {
		s := scored{nGold: d.nGold}
		for _, e := range d.cands {
			z := b
			for _, f := range e.feats {
				z += w[f]
			}
			if e.fixed != 0 {
				z = math.Inf(e.fixed)
			}
			// The package sums float32 weights; round the same way.
			s.z = append(s.z, float64(float32(z)))
			s.match = append(s.match, e.match)
		}
		out = append(out, s)
	}
	return out
}

// measure returns devscore's sentence precision and recall at threshold t.
func measure(ss []scored, t float64) (p, r float64) {
	var nPred, tpP, nGold, tpG int
	for _, s := range ss {
		nGold += s.nGold
		hit := map[int]bool{}
		for i, z := range s.z {
			if z < t {
				continue
			}
			nPred++
			if len(s.match[i]) > 0 {
				tpP++
			}
			for _, g := range s.match[i] {
				hit[g] = true
			}
		}
		tpG += len(hit)
	}
	return float64(tpP) / float64(max(1, nPred)), float64(tpG) / float64(max(1, nGold))
}

// pickThreshold returns the threshold of highest recall whose precision is
// at least target (the highest-precision one when none is).
func pickThreshold(ss []scored, target float64) float64 {
	var zs []float64
	for _, s := range ss {
		for _, z := range s.z {
			if !math.IsInf(z, 0) {
				zs = append(zs, z)
			}
		}
	}
	sort.Float64s(zs)
	best, bestR, bestP := zs[len(zs)-1], -1.0, -1.0
	for i := 0; i < len(zs); i += max(1, len(zs)/400) {
		p, r := measure(ss, zs[i])
		if p >= target && r > bestR {
			best, bestR = zs[i], r
		}
		if bestR < 0 && p > bestP {
			best, bestP = zs[i], p
		}
	}
	return best
}

func curve(ss []scored) {
	var row []string
	for _, t := range []float64{-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2} {
		p, r := measure(ss, t)
		row = append(row, fmt.Sprintf("    logit %+.1f: P %.3f R %.3f", t, p, r))
	}
	log.Print(strings.Join(row, "\n"))
}
