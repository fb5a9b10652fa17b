package sentiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Example is one labelled text for training or tuning.
type Example struct {
	Text  string
	Label int // class index into Labels: 0 negative, 1 neutral, 2 positive
	// Classes are the text head's fine classes of the example (see TrainConfig.TextClasses),
	// all in the group of Label; nil means any class of that group.
	Classes []int
	Spans   [][2]int // byte spans of the target, for the target head; nil for a whole text
	Weight  float32  // 0 means 1
}

// TrainConfig sets the training hyper-parameters. The zero value is not useful; start from
// DefaultTrainConfig.
type TrainConfig struct {
	TextBits   uint8   // log2 of the text head's buckets
	TargetBits uint8   // log2 of the target head's buckets
	Epochs     int     // passes over the data
	Rate       float64 // AdaGrad learning rate
	L2         float64 // L2 penalty per update
	Seed       uint64  // shuffling seed
	Dropout    float64 // probability of dropping each n-gram feature of an example in an epoch
	Bags       int     // models trained on different shufflings whose weights are averaged
	// TextClasses maps each fine class of the text head to its label (0 negative, 1 neutral,
	// 2 positive); nil means the three labels themselves.
	TextClasses []uint8
}

// DefaultTrainConfig is the configuration the embedded model is trained with.
var DefaultTrainConfig = TrainConfig{TextBits: 20, TargetBits: 18, Epochs: 4, Rate: 0.01, L2: 1e-6, Dropout: 0.2, Bags: 1, Seed: 4}

// NewModel returns an untrained model with lexicon lex (word or emoji → valence in [-4, 4];
// words are lower case without apostrophes, as the tokenizer normalises them).
func NewModel(lex map[string]float64) *Model {
	m := &Model{lex: lexicon{m: make(map[uint64]float32, len(lex))}}
	for w, v := range lex {
		if v = math.Round(v*10) / 10; v != 0 {
			m.lex.m[hashString(w)] = float32(max(-12.7, min(12.7, v)))
		}
	}
	m.lex.build()
	return m
}

// NormalizeWord normalises a lexicon word the way the tokenizer normalises words: lower case,
// apostrophes dropped.
func NormalizeWord(w string) string {
	w = strings.ToLower(w)
	return strings.NewReplacer("'", "", "’", "").Replace(w)
}

// Train fits the text head on text and the target head on target, deterministically for a
// given configuration and input order. The weights are quantised as WriteTo would store them,
// so the model in memory behaves exactly as the model read back from its file.
func (m *Model) Train(text, target []Example, cfg TrainConfig) error {
	if len(text) == 0 || len(target) == 0 {
		return errors.New("sentiment: train: no examples")
	}
	if cfg.TextBits < 8 || cfg.TextBits > 24 || cfg.TargetBits < 8 || cfg.TargetBits > 24 || cfg.Epochs < 1 {
		return fmt.Errorf("sentiment: train: bad config %+v", cfg)
	}
	groups := cfg.TextClasses
	if groups == nil {
		groups = labelGroups()
	}
	if err := checkGroups(groups); err != nil {
		return err
	}
	for i, x := range text {
		for _, c := range x.Classes {
			if c < 0 || c >= len(groups) || int(groups[c]) != x.Label {
				return fmt.Errorf("sentiment: train: example %d: class %d is not in label %d", i, c, x.Label)
			}
		}
	}
	e := m.extractor()
	m.text = trainHead(text, newHead(cfg.TextBits, groups), cfg, cfg.Seed, func(x Example) []feat {
		e.textFeatures(x.Text)
		return e.feats
	})
	m.target = trainHead(target, newHead(cfg.TargetBits, labelGroups()), cfg, cfg.Seed+1, func(x Example) []feat {
		if !e.targetFeatures(x.Text, x.Spans) {
			e.feats = e.feats[:0]
		}
		return e.feats
	})
	m.text.roundTrip()
	m.target.roundTrip()
	return nil
}

func checkGroups(groups []uint8) error {
	if len(groups) < 3 || len(groups) > maxClasses {
		return fmt.Errorf("sentiment: train: %d classes, want 3 to %d", len(groups), maxClasses)
	}
	var seen [3]bool
	for _, g := range groups {
		if g > 2 {
			return fmt.Errorf("sentiment: train: class in label %d", g)
		}
		seen[g] = true
	}
	if seen != [3]bool{true, true, true} {
		return fmt.Errorf("sentiment: train: a label has no class")
	}
	return nil
}

// roundTrip quantises the weights as the file stores them.
func (h *head) roundTrip() {
	s := h.scale()
	for i, v := range h.w {
		h.w[i] = dequantize(quantize(v, s), s)
	}
}

type compiled struct {
	idx   []uint32 // bucket*3 of every feature, example after example
	val   []float32
	dense []bool
	off   []int // example i has features off[i]:off[i+1]
}

func compile(xs []Example, h *head, featurize func(Example) []feat) compiled {
	c := compiled{off: make([]int, 1, len(xs)+1)}
	for _, x := range xs {
		for _, f := range featurize(x) {
			c.idx = append(c.idx, h.bucket(f.h))
			c.val = append(c.val, f.v)
			c.dense = append(c.dense, f.dense)
		}
		c.off = append(c.off, len(c.idx))
	}
	return c
}

// trainHead fits cfg.Bags multinomial logistic regressions with AdaGrad, each on its own
// shuffling of the data, and averages their weights: for a linear model that is nearly as good
// as averaging their predictions, at the cost of one.
func trainHead(xs []Example, h head, cfg TrainConfig, seed uint64, featurize func(Example) []feat) head {
	c := compile(xs, &h, featurize)
	// The target classes of each example.
	targets := make([][]int, len(xs))
	for i, x := range xs {
		if len(x.Classes) > 0 {
			targets[i] = x.Classes
			continue
		}
		for cl, g := range h.groups {
			if int(g) == x.Label {
				targets[i] = append(targets[i], cl)
			}
		}
	}
	bags := max(cfg.Bags, 1)
	sum := make([]float64, len(h.w))
	sumBias := make([]float64, h.k)
	for b := 0; b < bags; b++ {
		w, bias := fit(c, xs, targets, h.k, len(h.w), cfg, seed+uint64(b)*1000)
		for j, v := range w {
			sum[j] += v
		}
		for k := range bias {
			sumBias[k] += bias[k]
		}
	}
	for i, v := range sum {
		h.w[i] = float32(v / float64(bags))
	}
	for k := range sumBias {
		h.bias[k] = float32(sumBias[k] / float64(bags))
	}
	return h
}

// fit runs AdaGrad on the compiled examples, minimising -log of the probability of the
// example's target classes. Conversions to float64 around products keep the compiler from
// fusing multiply-adds, so the result is the same on every architecture.
func fit(c compiled, xs []Example, targets [][]int, k, n int, cfg TrainConfig, seed uint64) ([]float64, []float64) {
	w := make([]float64, n)
	g2 := make([]float64, n)
	bias, bg2 := make([]float64, k), make([]float64, k)
	z, p, g := make([]float64, k), make([]float64, k), make([]float64, k)
	in := make([]bool, k)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const eps = 1e-8
	scale := 1.0
	if cfg.Dropout > 0 {
		scale = 1 / (1 - cfg.Dropout)
	}
	var active []int
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := xs[i]
			wt := float64(x.Weight)
			if wt == 0 {
				wt = 1
			}
			lo, hi := c.off[i], c.off[i+1]
			// Drop n-gram features at random, so the model also learns to lean on the lexicon
			// features, which carry over to text unlike the training data.
			active = active[:0]
			for j := lo; j < hi; j++ {
				if c.dense[j] || cfg.Dropout == 0 || rng.Float64() >= cfg.Dropout {
					active = append(active, j)
				}
			}
			copy(z, bias)
			for _, a := range active {
				j, v := int(c.idx[a]), float64(c.val[a])
				if !c.dense[a] {
					v = float64(v * scale)
				}
				for cl := 0; cl < k; cl++ {
					z[cl] += float64(w[j+cl] * v)
				}
			}
			mz := z[0]
			for cl := 1; cl < k; cl++ {
				mz = max(mz, z[cl])
			}
			var s float64
			for cl := range p {
				p[cl] = math.Exp(z[cl] - mz)
				s += p[cl]
			}
			clear(in)
			var pt float64
			for _, cl := range targets[i] {
				in[cl] = true
			}
			for cl := range p {
				p[cl] /= s
				if in[cl] {
					pt += p[cl]
				}
			}
			pt = max(pt, 1e-300)
			for cl := range g {
				gr := p[cl]
				if in[cl] {
					gr -= p[cl] / pt
				}
				g[cl] = float64(gr * wt)
				bg2[cl] += float64(g[cl] * g[cl])
				bias[cl] -= float64(cfg.Rate*g[cl]) / (math.Sqrt(bg2[cl]) + eps)
			}
			for _, a := range active {
				j, v := int(c.idx[a]), float64(c.val[a])
				if !c.dense[a] {
					v = float64(v * scale)
				}
				for cl := 0; cl < k; cl++ {
					gr := float64(g[cl]*v) + float64(cfg.L2*w[j+cl])
					g2[j+cl] += float64(gr * gr)
					w[j+cl] -= float64(cfg.Rate*gr) / (math.Sqrt(g2[j+cl]) + eps)
				}
			}
		}
	}
	return w, bias
}

// TuneSet is a labelled dev set used to tune decision offsets, never to fit weights.
type TuneSet struct {
	Name     string
	Examples []Example
	Metric   func(Evaluation) float64 // what to maximise, e.g. MacroF1
}

// Tune sets each head's decision offsets to maximise the mean metric over its tune sets, then
// fits a temperature so P(positive) - P(negative) is calibrated on them. It changes no weight.
func (m *Model) Tune(text, target []TuneSet) {
	e := m.extractor()
	tuneHead(&m.text, text, func(x Example) []feat { e.textFeatures(x.Text); return e.feats })
	tuneHead(&m.target, target, func(x Example) []feat {
		if !e.targetFeatures(x.Text, x.Spans) {
			return nil // target not found: only the bias speaks
		}
		return e.feats
	})
}

func tuneHead(h *head, sets []TuneSet, featurize func(Example) []feat) {
	if len(sets) == 0 {
		return
	}
	h.offset = [3]float32{}
	h.invTemp = 1
	raw := make([][][3]float32, len(sets))
	for s, set := range sets {
		for _, x := range set.Examples {
			raw[s] = append(raw[s], h.logits(featurize(x)))
		}
	}
	best, bestScore := [3]float32{}, -1.0
	for a := -30; a <= 30; a++ {
		for b := -30; b <= 30; b++ {
			off := [3]float32{float32(a) * 0.05, 0, float32(b) * 0.05}
			var total float64
			for s, set := range sets {
				gold := make([]string, len(set.Examples))
				pred := make([]string, len(set.Examples))
				for i, x := range set.Examples {
					gold[i] = Labels[x.Label]
					pred[i] = Labels[argmax(raw[s][i], off)]
				}
				total += set.Metric(Evaluate(gold, pred))
			}
			// On a tie keep the smaller offsets.
			if total > bestScore+1e-9 || (total > bestScore-1e-9 && abs32(off[0])+abs32(off[2]) < abs32(best[0])+abs32(best[2])) {
				best, bestScore = off, max(total, bestScore)
			}
		}
	}
	h.offset = best
	// Temperature by grid search on the log-loss.
	bestT, bestLoss := float32(1), math.Inf(1)
	for t := 0.3; t <= 3.0001; t += 0.05 {
		var loss float64
		for s, set := range sets {
			for i, x := range set.Examples {
				z := raw[s][i]
				for c := range z {
					z[c] = (z[c] + best[c]) / float32(t)
				}
				loss -= math.Log(max(softmax(z)[x.Label], 1e-12))
			}
		}
		if loss < bestLoss {
			bestT, bestLoss = float32(1/t), loss
		}
	}
	h.invTemp = bestT
}

func argmax(z, off [3]float32) int {
	best := 0
	for c := 1; c < 3; c++ {
		if z[c]+off[c] > z[best]+off[best] {
			best = c
		}
	}
	return best
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
