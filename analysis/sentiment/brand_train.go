package sentiment

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
)

//go:embed brand.bin
var embeddedBrand []byte

// BrandExample is one labelled brand mention for training the brand head.
type BrandExample struct {
	Text     string   // title, a blank line and the body (as a mention's full text), or the body alone
	HasTitle bool     // Text opens with a title ended by a blank line
	Spans    [][2]int // byte spans of the brand's name
	Others   [][2]int // byte spans of the other brands named in Text
	Label    int      // 0 negative, 1 neutral, 2 positive
	Weight   float32  // 0 means 1
	// Half is 0 or 1: which half of the labelled posts the mention's post is in. The sentence
	// head that reads a mention for training never saw sentences of its half.
	Half int
}

// SentenceExample is one labelled sentence for the sentence head; Half is the half of the
// labelled posts it comes from (as BrandExample.Half), or -1 for other data.
type SentenceExample struct {
	Example
	Half int
}

// BrandTrainConfig sets the brand head's training hyper-parameters.
type BrandTrainConfig struct {
	Bits    uint8   // log2 of the head's buckets
	Epochs  int     // passes over the data
	Rate    float64 // AdaGrad learning rate
	L2      float64 // L2 penalty per update
	Dropout float64 // probability of dropping an n-gram feature of an example in an epoch
	Seed    uint64  // shuffling seed
	Folds   int     // cross-validation folds whose out-of-fold scores set the label thresholds
	// Sentence is the sentence head's configuration (TextBits, Epochs, Rate, L2, Dropout, Seed).
	Sentence TrainConfig
}

// DefaultBrandTrainConfig is the configuration the embedded brand head is trained with.
var DefaultBrandTrainConfig = BrandTrainConfig{Bits: 16, Epochs: 10, Rate: 0.05, L2: 1e-5, Dropout: 0, Seed: 11, Folds: 5,
	Sentence: TrainConfig{TextBits: 18, Epochs: 3, Rate: 0.01, L2: 1e-6, Dropout: 0.2, Bags: 1, Seed: 13}}

// brandExampleFeats returns the brand head's features for x, read with sentence head sent.
func (m *Model) brandExampleFeats(x BrandExample, sent *head) []feat {
	d := m.Parse(x.Text)
	fs := append([]feat(nil), d.brandFeats(x.Spans, x.Others, x.HasTitle, sent)...)
	d.Release()
	return fs
}

// ScoreBrand scores the sentiment toward the brand at spans of text (see Doc.Brand).
func (m *Model) ScoreBrand(text string, hasTitle bool, spans, others [][2]int) Result {
	d := m.Parse(text)
	r := d.Brand(spans, others, hasTitle)
	d.Release()
	return r
}

// BrandContext returns the text the brand head reads for the brand at spans: the sentences
// naming it, then those continuing about it, with the names replaced. For diagnostics.
func BrandContext(text string, hasTitle bool, spans, others [][2]int) string {
	var bt brandText
	buildBrandText(&bt, text, segmentText(text, nil), spans, others, hasTitle)
	return bt.named.String() + "--\n" + bt.cont.String()
}

// BrandSentences returns the sentences the brand head reads for the brand at spans, with the
// names replaced: those naming it, then those continuing about it.
func BrandSentences(text string, hasTitle bool, spans, others [][2]int) (named, cont []string) {
	var bt brandText
	buildBrandText(&bt, text, segmentText(text, nil), spans, others, hasTitle)
	for _, l := range strings.Split(bt.cont.String(), "\n") {
		if l != "" {
			cont = append(cont, l)
		}
	}
	return append([]string(nil), bt.sents...), cont
}

// BrandThresholds returns the brand head's label thresholds on the score: negative below the
// first, positive above the second.
func (m *Model) BrandThresholds() (negBelow, posAbove float64) {
	if m.brand == nil {
		return 0, 0
	}
	return float64(m.brand.negBelow), float64(m.brand.posAbove)
}

// ScoreSentence is the brand head's sentence head's reading of one sentence (argmax), for
// diagnostics.
func (m *Model) ScoreSentence(s string) Result {
	if m.brand == nil {
		return m.Score(s)
	}
	e := m.extractor()
	e.textFeatures(s)
	return result(m.brand.sent.logits(e.feats), e.doc.sarcasm)
}

// HasBrandHead reports whether the model has a brand head.
func (m *Model) HasBrandHead() bool { return m.brand != nil }

// TrainBrand fits the brand head on xs, deterministically for a given configuration and
// input order. The label thresholds are set on out-of-fold scores of cfg.Folds-fold
// cross-validation over xs (for macro-F1), so no example's own fit tunes them. It returns the
// out-of-fold scores.
func (m *Model) TrainBrand(xs []BrandExample, sents []SentenceExample, cfg BrandTrainConfig) ([]float64, error) {
	sc := cfg.Sentence
	if len(xs) < 10 || len(sents) < 10 || cfg.Bits < 8 || cfg.Bits > 24 || cfg.Epochs < 1 || cfg.Folds < 2 ||
		sc.TextBits < 8 || sc.TextBits > 24 || sc.Epochs < 1 {
		return nil, fmt.Errorf("sentiment: train brand head: %d mentions, %d sentences, config %+v", len(xs), len(sents), cfg)
	}
	// The sentence head, on all sentences for scoring, and without each half of the labelled
	// posts for reading that half's mentions in training (so the brand head learns how much to
	// trust the sentence head on posts it has not seen).
	e := m.extractor()
	trainSent := func(skip int) head {
		var sub []Example
		for _, x := range sents {
			if skip < 0 || x.Half != skip {
				sub = append(sub, x.Example)
			}
		}
		h := trainHead(sub, newHead(sc.TextBits, labelGroups()), sc, sc.Seed+uint64(skip+1), func(x Example) []feat {
			e.textFeatures(x.Text)
			return e.feats
		})
		h.roundTrip()
		return h
	}
	sentAll := trainSent(-1)
	sentHalf := [2]head{trainSent(0), trainSent(1)}
	feats := make([][]feat, len(xs))
	ex := make([]Example, len(xs))
	for i, x := range xs {
		if x.Half != 0 && x.Half != 1 {
			return nil, fmt.Errorf("sentiment: train brand head: mention %d in half %d", i, x.Half)
		}
		feats[i] = m.brandExampleFeats(x, &sentHalf[x.Half])
		ex[i] = Example{Label: x.Label, Weight: x.Weight}
	}
	tc := TrainConfig{Epochs: cfg.Epochs, Rate: cfg.Rate, L2: cfg.L2, Dropout: cfg.Dropout, Bags: 1}
	train := func(idx []int, seed uint64) head {
		sub := make([]Example, len(idx))
		for j, i := range idx {
			sub[j] = ex[i]
		}
		k := 0
		return trainHead(sub, newHead(cfg.Bits, labelGroups()), tc, seed, func(Example) []feat {
			f := feats[idx[k]]
			k++
			return f
		})
	}
	oof := make([]float64, len(xs))
	for f := 0; f < cfg.Folds; f++ {
		var in, out []int
		for i := range xs {
			if i%cfg.Folds == f {
				out = append(out, i)
			} else {
				in = append(in, i)
			}
		}
		h := train(in, cfg.Seed+uint64(f)+1)
		h.roundTrip()
		for _, i := range out {
			p := softmax(h.logits(feats[i]))
			oof[i] = p[2] - p[0]
		}
	}
	all := make([]int, len(xs))
	for i := range all {
		all[i] = i
	}
	h := train(all, cfg.Seed)
	h.roundTrip()
	b := &brandModel{h: h, sent: sentAll}
	b.negBelow, b.posAbove = bestThresholds(oof, ex)
	m.brand = b
	return oof, nil
}

// bestThresholds picks the score thresholds of the labels that maximise macro-F1 on scores,
// averaged over the neighbouring thresholds (±0.04), so a lucky spike of a few examples does
// not set them.
func bestThresholds(scores []float64, ex []Example) (negBelow, posAbove float32) {
	gold := make([]string, len(ex))
	for i, x := range ex {
		gold[i] = Labels[x.Label]
	}
	pred := make([]string, len(ex))
	const lo, hi, step = -90, 90, 2
	n := (hi-lo)/step + 1
	f1 := make([][]float64, n)
	for ai := range f1 {
		f1[ai] = make([]float64, n)
		for bi := range f1[ai] {
			na, pb := float64(lo+ai*step)/100, float64(lo+bi*step)/100
			if pb < na {
				continue
			}
			for i, s := range scores {
				switch {
				case s < na:
					pred[i] = Negative
				case s > pb:
					pred[i] = Positive
				default:
					pred[i] = Neutral
				}
			}
			f1[ai][bi] = Evaluate(gold, pred).MacroF1
		}
	}
	best := -1.0
	for ai := 2; ai < n-2; ai++ {
		for bi := ai; bi < n-2; bi++ {
			var sum float64
			for da := -2; da <= 2; da++ {
				for db := -2; db <= 2; db++ {
					sum += f1[ai+da][bi+db]
				}
			}
			if sum > best+1e-9 {
				best, negBelow, posAbove = sum, float32(lo+ai*step)/100, float32(lo+bi*step)/100
			}
		}
	}
	return negBelow, posAbove
}

// Brand head file format (little endian): magic "OVHBRND" + version 1, negBelow float32,
// posAbove float32, the brand head and the sentence head (see encodeHead), CRC-32 (IEEE) of everything before it.
const (
	brandMagic   = "OVHBRND"
	brandVersion = 1
)

// WriteBrandTo writes the model's brand head in the format LoadBrand reads.
func (m *Model) WriteBrandTo(w io.Writer) (int64, error) {
	if m.brand == nil {
		return 0, errors.New("sentiment: write brand head: the model has none")
	}
	var buf bytes.Buffer
	buf.WriteString(brandMagic)
	buf.WriteByte(brandVersion)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, math.Float32bits(m.brand.negBelow)))
	buf.Write(le.AppendUint32(nil, math.Float32bits(m.brand.posAbove)))
	encodeHead(&buf, &m.brand.h)
	encodeHead(&buf, &m.brand.sent)
	return writeChecked(w, &buf, "brand head")
}

// LoadBrand reads a brand head written by WriteBrandTo into m.
func (m *Model) LoadBrand(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("sentiment: read brand head: %w", err)
	}
	return m.loadBrand(data)
}

// loadBrand decodes a brand head file; the model keeps nothing of data.
func (m *Model) loadBrand(data []byte) error {
	if len(data) < len(brandMagic)+1+4 || string(data[:len(brandMagic)]) != brandMagic || data[len(brandMagic)] != brandVersion {
		return fmt.Errorf("sentiment: brand head: %w", ErrFormat)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("sentiment: brand head checksum mismatch: %w", ErrFormat)
	}
	d := decoder{b: body[len(brandMagic)+1:]}
	b := &brandModel{negBelow: d.f32(), posAbove: d.f32()}
	for _, h := range []*head{&b.h, &b.sent} {
		if err := decodeHead(&d, h); err != nil {
			return err
		}
	}
	if d.err != nil {
		return fmt.Errorf("sentiment: decode brand head: %w", d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("sentiment: %d bytes after the brand head: %w", len(d.b), ErrFormat)
	}
	m.brand = b
	return nil
}
