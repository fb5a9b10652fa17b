package sentiment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// Bounds of the net head's shape; the forward pass keeps its activations on the stack.
const (
	maxNetDim    = 64
	maxNetHidden = 128
)

// net is a small neural head for whole texts, ensembled with the linear text head: the text's
// hashed features are embedded and summed (n-grams scaled by n^-norm, dense lexicon and style
// features by their value), passed through one ReLU layer, and read out as three log
// probabilities. Unlike the linear head it can learn interactions ("thanks" with a question
// mark, a negative word in a joke), and its errors differ from the linear head's, so the two
// together beat either alone. While training, an auxiliary output learns GoEmotions' emotions
// from the same hidden layer (multi-task learning); it is not kept in the model.
type net struct {
	bits        uint8
	dim, hidden int
	norm        float32 // n-gram sum scaled by count^-norm
	// emb holds the embeddings quantised as the file stores them ([bucket*dim + d]), and
	// lut their values: a quarter of the memory of float32s, so more of it stays in cache.
	emb   []int8
	lut   [256]float32
	scale float32
	w1    []float32 // [j*dim + d]
	b1    []float32 // [hidden]
	w2    []float32 // [c*hidden + j]
	b2    [3]float32
}

// ensemble mixes the linear text head with the mean of the net heads.
type ensemble struct {
	nets []*net
	// alpha is the nets' share of the ensemble's log probabilities; offset and invTemp are
	// the ensemble's decision offsets and temperature, tuned on dev data as a head's are.
	alpha   float32
	offset  [3]float32
	invTemp float32
}

// logits mixes the linear text head's label scores lin with the nets' mean log probabilities
// of features fs, and applies the ensemble's offsets and temperature.
func (en *ensemble) logits(lin [3]float32, fs []feat) [3]float32 {
	nn := en.netLogProbs(fs)
	var z [3]float32
	for c := range z {
		z[c] = ((1-en.alpha)*lin[c] + en.alpha*nn[c] + en.offset[c]) * en.invTemp
	}
	return z
}

func (en *ensemble) netLogProbs(fs []feat) [3]float32 {
	var nn [3]float32
	for _, n := range en.nets {
		z := n.logProbs(fs)
		for c := range nn {
			nn[c] += z[c]
		}
	}
	k := float32(len(en.nets))
	for c := range nn {
		nn[c] /= k
	}
	return nn
}

// NetConfig sets the shape and training of the net head. Dim 0 means no net head.
type NetConfig struct {
	Bits    uint8   // log2 of the embedding buckets
	Dim     int     // embedding size
	Hidden  int     // hidden ReLU units
	Epochs  int     // passes over the data
	Rate    float64 // AdaGrad learning rate
	Dropout float64 // probability of dropping each n-gram feature of an example in an epoch
	Norm    float64 // the n-gram sum is scaled by count^-Norm (0.5: by 1/sqrt(count))
	// Average, when above 0, averages snapshots of the weights taken every 1,000 examples
	// from that fraction of training on (weight averaging; it smooths out the last updates).
	Average float64
	Count   int     // nets trained with different seeds, their log probabilities averaged
	Aux     float64 // weight of the auxiliary emotion loss (Example.Emotions); 0: none
	AuxK    int     // auxiliary classes (emotion ids are below it)
	Seed    uint64
}

func (n *net) bucket(x uint64) uint32 { return uint32(x>>(64-n.bits)) * uint32(n.dim) }

// logProbs returns the net's log probabilities of the three labels.
func (n *net) logProbs(fs []feat) [3]float32 {
	var xsa, xda, xa [maxNetDim]float32
	dim := n.dim
	xs, xd, x := xsa[:dim], xda[:dim], xa[:dim]
	cnt := n.embed(fs, xs, xd)
	s := n.scaleFor(cnt)
	for d := range x {
		x[d] = xs[d]*s + xd[d]
	}
	z := n.b2
	h := n.hidden
	w2 := n.w2[: 3*h : 3*h]
	for j := 0; j < h; j++ {
		a := n.b1[j]
		w := n.w1[j*dim : j*dim+dim : j*dim+dim]
		w = w[:len(x)]
		for d := range x {
			a += w[d] * x[d]
		}
		if a <= 0 {
			continue
		}
		z[0] += w2[j] * a
		z[1] += w2[h+j] * a
		z[2] += w2[2*h+j] * a
	}
	m := max(z[0], z[1], z[2])
	var sum float64
	for c := range z {
		sum += math.Exp(float64(z[c] - m))
	}
	ls := float32(math.Log(sum))
	for c := range z {
		z[c] = z[c] - m - ls
	}
	return z
}

// embed sums the embeddings of the n-gram features of fs into xs and those of the dense
// features, scaled by their values, into xd; it returns the number of n-grams.
func (n *net) embed(fs []feat, xs, xd []float32) int {
	dim := n.dim
	lut := &n.lut
	cnt := 0
	if dim%8 != 0 {
		for _, f := range fs {
			i := n.bucket(f.h)
			r := n.emb[i : i+uint32(dim) : i+uint32(dim)]
			acc := xs
			if f.dense {
				acc = xd
			} else {
				cnt++
			}
			r = r[:len(acc)]
			for d := range acc {
				acc[d] += lut[uint8(r[d])] * f.v
			}
		}
		return cnt
	}
	// Eight dimensions at a time, so the n-gram sums stay in registers: this is the hot loop
	// of the net. Each dimension's sum takes the same terms in the same order as a plain loop,
	// so the result is the same to the bit.
	emb, shift := n.emb, 64-n.bits
	for c := 0; c < dim; c += 8 {
		var a0, a1, a2, a3, a4, a5, a6, a7 float32
		for _, f := range fs {
			i := int(f.h>>shift)*dim + c
			r := (*[8]int8)(emb[i : i+8])
			if f.dense {
				acc := (*[8]float32)(xd[c : c+8])
				for d := range acc {
					acc[d] += lut[uint8(r[d])] * f.v
				}
				continue
			}
			if c == 0 {
				cnt++
			}
			if f.v != 1 {
				a0 += lut[uint8(r[0])] * f.v
				a1 += lut[uint8(r[1])] * f.v
				a2 += lut[uint8(r[2])] * f.v
				a3 += lut[uint8(r[3])] * f.v
				a4 += lut[uint8(r[4])] * f.v
				a5 += lut[uint8(r[5])] * f.v
				a6 += lut[uint8(r[6])] * f.v
				a7 += lut[uint8(r[7])] * f.v
				continue
			}
			// An n-gram: x*1 is x exactly, so the product can be left out.
			a0 += lut[uint8(r[0])]
			a1 += lut[uint8(r[1])]
			a2 += lut[uint8(r[2])]
			a3 += lut[uint8(r[3])]
			a4 += lut[uint8(r[4])]
			a5 += lut[uint8(r[5])]
			a6 += lut[uint8(r[6])]
			a7 += lut[uint8(r[7])]
		}
		*(*[8]float32)(xs[c : c+8]) = [8]float32{a0, a1, a2, a3, a4, a5, a6, a7}
	}
	return cnt
}

func (n *net) scaleFor(cnt int) float32 {
	if cnt == 0 {
		return 0
	}
	if n.norm == 0.5 {
		return float32(1 / math.Sqrt(float64(cnt)))
	}
	return float32(math.Pow(float64(cnt), -float64(n.norm)))
}

// trainNet fits the net head with AdaGrad on xs, featurised by featurize. It is sequential and
// seeded, and converts products to float64 explicitly so no fused multiply-add changes a bit
// across architectures.
func trainNet(xs []Example, cfg NetConfig, featurize func(Example) []feat) *net {
	n := &net{bits: cfg.Bits, dim: cfg.Dim, hidden: cfg.Hidden, norm: float32(cfg.Norm)}
	dim, H := cfg.Dim, cfg.Hidden
	nb := 1 << cfg.Bits
	c := compileNet(xs, n, featurize)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6e6574))
	uni := func(r float64) float64 { return (rng.Float64()*2 - 1) * r }
	emb := make([]float64, nb*dim) // zero: untouched buckets stay zero and out of the file
	w1 := make([]float64, H*dim)
	r1 := math.Sqrt(6 / float64(dim+H))
	for i := range w1 {
		w1[i] = uni(r1)
	}
	b1 := make([]float64, H)
	for j := range b1 {
		b1[j] = 0.1
	}
	w2 := make([]float64, 3*H)
	r2 := math.Sqrt(6 / float64(H+3))
	for i := range w2 {
		w2[i] = uni(r2)
	}
	b2 := make([]float64, 3)
	K := cfg.AuxK
	wa := make([]float64, K*H)
	ra := math.Sqrt(6 / float64(H+K+1))
	for i := range wa {
		wa[i] = uni(ra)
	}
	ba := make([]float64, K)
	gEmb, gW1, gB1 := make([]float64, len(emb)), make([]float64, len(w1)), make([]float64, H)
	gW2, gB2, gWa, gBa := make([]float64, len(w2)), make([]float64, 3), make([]float64, len(wa)), make([]float64, K)
	const eps = 1e-8
	lr := cfg.Rate
	step := func(w, g2 []float64, i int, gr float64) {
		g2[i] += float64(gr * gr)
		w[i] -= float64(lr*gr) / (math.Sqrt(g2[i]) + eps)
	}
	x := make([]float64, dim)
	xd := make([]float64, dim)
	pre, a := make([]float64, H), make([]float64, H)
	dA, dX := make([]float64, H), make([]float64, dim)
	za := make([]float64, K)
	var active []int
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	keep := 1 - cfg.Dropout
	params := [][]float64{emb, w1, b1, w2, b2}
	var avg [][]float64
	snaps := 0
	total := cfg.Epochs * len(xs)
	seen := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			seen++
			if cfg.Average > 0 && float64(seen) >= cfg.Average*float64(total) && (seen%1000 == 0 || seen == total) {
				if avg == nil {
					for _, p := range params {
						avg = append(avg, make([]float64, len(p)))
					}
				}
				for k, p := range params {
					for j, v := range p {
						avg[k][j] += v
					}
				}
				snaps++
			}
			ex := xs[i]
			wt := float64(ex.Weight)
			if wt == 0 {
				wt = 1
			}
			active = active[:0]
			cnt := 0
			for j := c.off[i]; j < c.off[i+1]; j++ {
				if c.dense[j] || cfg.Dropout == 0 || rng.Float64() < keep {
					active = append(active, j)
					if !c.dense[j] {
						cnt++
					}
				}
			}
			s := 0.0
			if cnt > 0 {
				s = math.Pow(float64(cnt), -cfg.Norm)
			}
			clear(x)
			clear(xd)
			for _, j := range active {
				b, v := int(c.idx[j]), float64(c.val[j])
				if c.dense[j] {
					for d := 0; d < dim; d++ {
						xd[d] += float64(emb[b+d] * v)
					}
				} else {
					v = float64(v * s)
					for d := 0; d < dim; d++ {
						x[d] += float64(emb[b+d] * v)
					}
				}
			}
			for d := range x {
				x[d] += xd[d]
			}
			for j := 0; j < H; j++ {
				v := b1[j]
				for d := 0; d < dim; d++ {
					v += float64(w1[j*dim+d] * x[d])
				}
				pre[j] = v
				a[j] = max(v, 0)
			}
			var z, p [3]float64
			for cl := 0; cl < 3; cl++ {
				v := b2[cl]
				for j := 0; j < H; j++ {
					v += float64(w2[cl*H+j] * a[j])
				}
				z[cl] = v
			}
			softmax64(z[:], p[:])
			clear(dA)
			for cl := 0; cl < 3; cl++ {
				g := p[cl]
				if cl == ex.Label {
					g -= 1
				}
				g = float64(g * wt)
				for j := 0; j < H; j++ {
					dA[j] += float64(g * w2[cl*H+j])
					step(w2, gW2, cl*H+j, float64(g*a[j]))
				}
				step(b2, gB2, cl, g)
			}
			if K > 0 && cfg.Aux > 0 && len(ex.Emotions) > 0 {
				for k := 0; k < K; k++ {
					v := ba[k]
					for j := 0; j < H; j++ {
						v += float64(wa[k*H+j] * a[j])
					}
					za[k] = v
				}
				softmax64(za, za)
				share := 1 / float64(len(ex.Emotions))
				for _, e := range ex.Emotions {
					if e >= 0 && e < K {
						za[e] -= share
					}
				}
				for k := 0; k < K; k++ {
					g := float64(za[k] * cfg.Aux)
					g = float64(g * wt)
					for j := 0; j < H; j++ {
						dA[j] += float64(g * wa[k*H+j])
						step(wa, gWa, k*H+j, float64(g*a[j]))
					}
					step(ba, gBa, k, g)
				}
			}
			clear(dX)
			for j := 0; j < H; j++ {
				if pre[j] <= 0 {
					continue
				}
				g := dA[j]
				for d := 0; d < dim; d++ {
					dX[d] += float64(g * w1[j*dim+d])
					step(w1, gW1, j*dim+d, float64(g*x[d]))
				}
				step(b1, gB1, j, g)
			}
			for _, j := range active {
				b, v := int(c.idx[j]), float64(c.val[j])
				if !c.dense[j] {
					v = float64(v * s)
				}
				for d := 0; d < dim; d++ {
					step(emb, gEmb, b+d, float64(dX[d]*v))
				}
			}
		}
	}
	if snaps > 0 {
		for k, p := range params {
			for j := range p {
				p[j] = avg[k][j] / float64(snaps)
			}
		}
	}
	n.setEmb(toF32(emb))
	n.w1, n.b1, n.w2 = toF32(w1), toF32(b1), toF32(w2)
	for cl := range n.b2 {
		n.b2[cl] = float32(b2[cl])
	}
	return n
}

func softmax64(z, p []float64) {
	m := z[0]
	for _, v := range z[1:] {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		p[i] = math.Exp(v - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func compileNet(xs []Example, n *net, featurize func(Example) []feat) compiled {
	c := compiled{off: make([]int, 1, len(xs)+1)}
	for _, x := range xs {
		for _, f := range featurize(x) {
			c.idx = append(c.idx, n.bucket(f.h))
			c.val = append(c.val, f.v)
			c.dense = append(c.dense, f.dense)
		}
		c.off = append(c.off, len(c.idx))
	}
	return c
}

// setEmb quantises the embeddings w as the file stores them, scaled by the largest absolute
// weight.
func (n *net) setEmb(w []float32) {
	var scale float32
	for _, v := range w {
		scale = max(scale, v, -v)
	}
	if scale == 0 {
		scale = 1
	}
	n.emb = make([]int8, len(w))
	for i, v := range w {
		n.emb[i] = quantize(v, scale)
	}
	n.setScale(scale)
}

func (n *net) setScale(scale float32) {
	n.scale = scale
	for q := range n.lut {
		n.lut[q] = dequantize(int8(uint8(q)), scale)
	}
}

func (n *net) encode(buf *bytes.Buffer) {
	le := binary.LittleEndian
	f32 := func(f float32) { buf.Write(le.AppendUint32(nil, math.Float32bits(f))) }
	buf.WriteByte(n.bits)
	buf.WriteByte(byte(n.dim))
	buf.WriteByte(byte(n.hidden))
	f32(n.norm)
	for _, w := range [][]float32{n.w1, n.b1, n.w2, n.b2[:]} {
		for _, v := range w {
			f32(v)
		}
	}
	f32(n.scale)
	var rows bytes.Buffer
	cnt, prev := uint32(0), uint64(0)
	for i := 0; i < len(n.emb)/n.dim; i++ {
		q := n.emb[i*n.dim : (i+1)*n.dim]
		zero := true
		for _, v := range q {
			zero = zero && v == 0
		}
		if zero {
			continue
		}
		rows.Write(binary.AppendUvarint(nil, uint64(i)-prev))
		for _, v := range q {
			rows.WriteByte(byte(v))
		}
		prev = uint64(i)
		cnt++
	}
	buf.Write(le.AppendUint32(nil, cnt))
	buf.Write(rows.Bytes())
}

func decodeNet(d *decoder) (*net, error) {
	n := &net{bits: d.byte(), dim: int(d.byte()), hidden: int(d.byte())}
	if n.bits < 8 || n.bits > 24 || n.dim < 1 || n.dim > maxNetDim || n.hidden < 1 || n.hidden > maxNetHidden {
		return nil, fmt.Errorf("sentiment: net head with %d bits, %d×%d: %w", n.bits, n.dim, n.hidden, ErrFormat)
	}
	n.norm = d.f32()
	n.w1, n.b1, n.w2 = make([]float32, n.hidden*n.dim), make([]float32, n.hidden), make([]float32, 3*n.hidden)
	for _, w := range [][]float32{n.w1, n.b1, n.w2, n.b2[:]} {
		for i := range w {
			w[i] = d.f32()
		}
	}
	n.setScale(d.f32())
	n.emb = make([]int8, n.dim<<n.bits)
	if err := d.rows(d.u32(), n.emb, 1<<n.bits); err != nil {
		return nil, err
	}
	return n, nil
}
