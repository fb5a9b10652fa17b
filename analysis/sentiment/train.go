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
	// Emotions are auxiliary classes of a whole text (GoEmotions' emotion ids) that the net
	// head learns alongside the label (see NetConfig.Aux); nil means none.
	Emotions []int
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
	// Net is the net head ensembled with the text head; Net.Dim 0 means none.
	Net NetConfig
}

// DefaultTrainConfig is the configuration the embedded model is trained with.
var DefaultTrainConfig = TrainConfig{TextBits: 20, TargetBits: 18, Epochs: 4, Rate: 0.01, L2: 1e-6, Dropout: 0.2, Bags: 1, Seed: 4,
	Net: NetConfig{Bits: 17, Dim: 16, Hidden: 32, Epochs: 1, Rate: 0.05, Dropout: 0.2, Norm: 0.5, Aux: 0.5, AuxK: 28, Count: 1, Seed: 7}}

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
	m.ens = nil
	if nc := cfg.Net; nc.Dim > 0 {
		if nc.Bits < 8 || nc.Bits > 24 || nc.Dim > maxNetDim || nc.Hidden < 1 || nc.Hidden > maxNetHidden || nc.Epochs < 1 || nc.Count > 255 {
			return fmt.Errorf("sentiment: train: bad net config %+v", nc)
		}
		m.ens = &ensemble{alpha: 1, invTemp: 1}
		for i := 0; i < max(nc.Count, 1); i++ {
			c := nc
			c.Seed = nc.Seed + uint64(i)*1000
			m.ens.nets = append(m.ens.nets, trainNet(text, c, func(x Example) []feat {
				e.textFeatures(x.Text)
				return e.feats
			}))
		}
	}
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
	if m.ens != nil && len(text) > 0 {
		tuneEnsemble(m, text, e)
	}
}

// tuneEnsemble picks the nets' share of the ensemble, then the ensemble's offsets and
// temperature, to maximise the mean metric over the tune sets. It changes no weight.
func tuneEnsemble(m *Model, sets []TuneSet, e *extractor) {
	n := m.ens
	lin := make([][][3]float32, len(sets))
	nn := make([][][3]float32, len(sets))
	for s, set := range sets {
		for _, x := range set.Examples {
			e.textFeatures(x.Text)
			lin[s] = append(lin[s], m.text.logits(e.feats))
			nn[s] = append(nn[s], n.netLogProbs(e.feats))
		}
	}
	bestScore := -1.0
	var bestAlpha float32
	var bestOff [3]float32
	mixed := make([][][3]float32, len(sets))
	for step := 0; step <= 20; step++ {
		alpha := float32(step) / 20
		for s := range sets {
			mixed[s] = mixed[s][:0]
			for i := range lin[s] {
				var z [3]float32
				for c := range z {
					z[c] = (1-alpha)*lin[s][i][c] + alpha*nn[s][i][c]
				}
				mixed[s] = append(mixed[s], z)
			}
		}
		off, score := bestOffsets(sets, mixed)
		if score > bestScore+1e-9 {
			bestScore, bestAlpha, bestOff = score, alpha, off
		}
	}
	n.alpha, n.offset, n.invTemp = bestAlpha, bestOff, 1
	for s := range sets {
		for i := range lin[s] {
			for c := range mixed[s][i] {
				mixed[s][i][c] = (1-bestAlpha)*lin[s][i][c] + bestAlpha*nn[s][i][c]
			}
		}
	}
	n.invTemp = bestInvTemp(sets, mixed, bestOff)
}

// bestOffsets searches the decision offsets of the negative and positive labels (neutral's is
// 0) on a grid, maximising the summed metric of the sets; on a tie it keeps the smaller ones.
func bestOffsets(sets []TuneSet, raw [][][3]float32) ([3]float32, float64) {
	best, bestScore := [3]float32{}, -1.0
	for a := -30; a <= 30; a++ {
		for b := -30; b <= 30; b++ {
			off := [3]float32{float32(a) * 0.05, 0, float32(b) * 0.05}
			var total float64
			for s, set := range sets {
				var conf [3][3]int
				for i, x := range set.Examples {
					conf[x.Label][argmax(raw[s][i], off)]++
				}
				total += set.Metric(confusionEval(conf))
			}
			if total > bestScore+1e-9 || (total > bestScore-1e-9 && abs32(off[0])+abs32(off[2]) < abs32(best[0])+abs32(best[2])) {
				best, bestScore = off, max(total, bestScore)
			}
		}
	}
	return best, bestScore
}

// bestInvTemp fits a temperature by grid search on the log-loss.
func bestInvTemp(sets []TuneSet, raw [][][3]float32, off [3]float32) float32 {
	bestT, bestLoss := float32(1), math.Inf(1)
	for t := 0.3; t <= 3.0001; t += 0.05 {
		var loss float64
		for s, set := range sets {
			for i, x := range set.Examples {
				z := raw[s][i]
				for c := range z {
					z[c] = (z[c] + off[c]) / float32(t)
				}
				loss -= math.Log(max(softmax(z)[x.Label], 1e-12))
			}
		}
		if loss < bestLoss {
			bestT, bestLoss = float32(1/t), loss
		}
	}
	return bestT
}

// confusionEval is Evaluate for a three-label confusion matrix (rows gold, columns
// predicted), without the label strings: fast enough to call in a grid search.
func confusionEval(conf [3][3]int) Evaluation {
	var e Evaluation
	correct := 0
	for g := range conf {
		for p := range conf[g] {
			e.N += conf[g][p]
		}
		correct += conf[g][g]
	}
	if e.N > 0 {
		e.Accuracy = float64(correct) / float64(e.N)
	}
	k := 0
	for l := range conf {
		tp, support, predicted := conf[l][l], 0, 0
		for j := range conf {
			support += conf[l][j]
			predicted += conf[j][l]
		}
		if support == 0 {
			continue
		}
		k++
		var p, r, f float64
		if predicted > 0 {
			p = float64(tp) / float64(predicted)
		}
		r = float64(tp) / float64(support)
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		e.MacroF1 += f
		e.MacroRecall += r
	}
	if k > 0 {
		e.MacroF1 /= float64(k)
		e.MacroRecall /= float64(k)
	}
	return e
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
