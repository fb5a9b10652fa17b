package sentiment

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Labels, in class order.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// Labels lists the three labels in class order (negative, neutral, positive).
var Labels = [3]string{Negative, Neutral, Positive}

// Result is a sentiment judgement.
type Result struct {
	Label string  `json:"label"` // "positive", "neutral" or "negative"
	Score float64 `json:"score"` // calibrated, in [-1, 1]: P(positive) - P(negative)
}

// Model is a trained sentiment model: a lexicon and two linear heads, one for whole texts and
// one for sentiment toward a target, and net heads ensembled with the first. Model is safe for
// concurrent use.
type Model struct {
	lex    lexicon
	text   head
	target head
	ens    *ensemble   // nets ensembled with the text head; nil: none
	brand  *brandModel // sentiment toward a brand in a long post (brand.go); nil: none
	pool   sync.Pool   // of *Doc
}

// maxClasses bounds the classes of a head.
const maxClasses = 16

// head is a multinomial logistic regression over hashed features. Its k classes may be finer
// than the three labels (the text head learns GoEmotions' emotion groups: gratitude, amusement,
// anger, ...): groups maps each class to its label, and a label's probability is the sum of
// its classes'. A label is then a mixture of linear classifiers, which fits "positive" (thanks,
// jokes, praise) better than one linear classifier can.
type head struct {
	bits    uint8
	k       int       // classes
	groups  []uint8   // class → label index
	w       []float32 // [bucket*k + class]
	bias    []float32
	offset  [3]float32 // decision offsets per label, tuned on dev data
	invTemp float32    // 1/temperature, fitted so probabilities are calibrated
	// A loaded head keeps its weights as the file stores them, q[i] the int8 of weight i and
	// lut[q] its value: logits reads those, a quarter of the memory of float32s, so more of
	// it stays in cache. A loaded three-class head has no w (weights gives it); nil while
	// training.
	q   []int8
	lut *[256]float32
}

func newHead(bits uint8, groups []uint8) head {
	k := len(groups)
	return head{bits: bits, k: k, groups: groups, w: make([]float32, k<<bits), bias: make([]float32, k), invTemp: 1}
}

// labelGroups is the identity grouping of a three-class head.
func labelGroups() []uint8 { return []uint8{0, 1, 2} }

func (h *head) bucket(x uint64) uint32 { return uint32(x>>(64-h.bits)) * uint32(h.k) }

// logits returns the log-probabilities of the three labels (up to a constant), offsets and
// temperature included.
func (h *head) logits(fs []feat) [3]float32 {
	var z [maxClasses]float32
	k := h.k
	copy(z[:k], h.bias)
	w := h.w
	if k == 3 && h.q != nil {
		// The hot loop of scoring: the sums live in registers rather than in z, and are
		// added in the same order, so the result is the same to the bit.
		q, lut, shift := h.q, h.lut, 64-h.bits
		z0, z1, z2 := z[0], z[1], z[2]
		for _, f := range fs {
			i := uint(f.h>>shift) * 3
			r := (*[3]int8)(q[i : i+3])
			z0 += lut[uint8(r[0])] * f.v
			z1 += lut[uint8(r[1])] * f.v
			z2 += lut[uint8(r[2])] * f.v
		}
		z[0], z[1], z[2] = z0, z1, z2
	} else if k == 3 {
		for _, f := range fs {
			i := h.bucket(f.h)
			r := w[i : i+3 : i+3]
			z[0] += r[0] * f.v
			z[1] += r[1] * f.v
			z[2] += r[2] * f.v
		}
	} else {
		for _, f := range fs {
			i := h.bucket(f.h)
			r := w[i : i+uint32(k) : i+uint32(k)]
			for c, v := range r {
				z[c] += v * f.v
			}
		}
	}
	var g [3]float32
	if k == 3 && h.groups[0] == 0 && h.groups[1] == 1 && h.groups[2] == 2 {
		g = [3]float32{z[0], z[1], z[2]}
	} else {
		m := z[0]
		for c := 1; c < k; c++ {
			m = max(m, z[c])
		}
		var p [3]float64
		for c := 0; c < k; c++ {
			p[h.groups[c]] += math.Exp(float64(z[c] - m))
		}
		for l := range g {
			g[l] = float32(math.Log(max(p[l], 1e-30)))
		}
	}
	for l := range g {
		g[l] = (g[l] + h.offset[l]) * h.invTemp
	}
	return g
}

func softmax(z [3]float32) [3]float64 {
	m := max(z[0], z[1], z[2])
	var p [3]float64
	var s float64
	for c := range z {
		p[c] = math.Exp(float64(z[c] - m))
		s += p[c]
	}
	for c := range p {
		p[c] /= s
	}
	return p
}

// result turns class scores into a Result; sarcasm swaps the polar classes.
func result(z [3]float32, sarcasm bool) Result {
	if sarcasm {
		z[0], z[2] = z[2], z[0]
	}
	best := 0
	for c := 1; c < 3; c++ {
		if z[c] > z[best] {
			best = c
		}
	}
	p := softmax(z)
	s := p[2] - p[0]
	s = math.Round(s*1000) / 1000
	return Result{Label: Labels[best], Score: max(-1, min(1, s))}
}

// extractor returns a new extractor for the model's lexicon (training keeps one).
func (m *Model) extractor() *extractor {
	return &extractor{tokenizer: tokenizer{lex: &m.lex}}
}

// Doc is a text read once, to score it as a whole (Score) and toward any number of targets
// (Target): the results are those of Model.Score and Model.ScoreTarget, without tokenising
// the text again for each. A Doc is not safe for concurrent use; Release gives its buffers back
// to the model, after which it must not be used.
type Doc struct {
	m      *Model
	e      extractor
	text   string
	whole  Result
	wholeZ [3]float32 // the whole text's label scores, sarcasm applied
	scored bool
	// The brand head's buffers (brand.go).
	post postInfo
	bt   brandText
	be   *extractor
}

// Parse reads text for scoring. It does not allocate once the model's pool is warm; call
// Release when done.
func (m *Model) Parse(text string) *Doc {
	d, _ := m.pool.Get().(*Doc)
	if d == nil {
		d = &Doc{m: m, e: extractor{tokenizer: tokenizer{lex: &m.lex}}}
	}
	d.e.parse(text)
	d.text = text
	d.scored = false
	d.post.ready = false
	return d
}

// Release gives d's buffers back to its model; d must not be used after.
func (d *Doc) Release() {
	d.text = ""
	clear(d.bt.post) // its sentences are slices of the text
	d.m.pool.Put(d)
}

// Score returns the sentiment of the whole text, as Model.Score does. It is computed once.
func (d *Doc) Score() Result {
	if !d.scored {
		d.e.wholeFeatures()
		z := d.m.textLogits(d.e.feats)
		d.whole = result(z, d.e.doc.sarcasm)
		if d.e.doc.sarcasm {
			z[0], z[2] = z[2], z[0]
		}
		d.wholeZ = z
		d.scored = true
	}
	return d.whole
}

// wholeProbs returns the whole text's label probabilities, sarcasm applied.
func (d *Doc) wholeProbs() [3]float64 {
	d.Score()
	return softmax(d.wholeZ)
}

// Target returns the sentiment toward the target at spans (byte offsets in the text given to
// Parse), as Model.ScoreTarget does.
func (d *Doc) Target(spans [][2]int) Result {
	z, ok := d.targetZ(spans)
	if !ok {
		return d.Score()
	}
	return result(z, d.e.doc.sarcasm)
}

// targetZ returns the target head's label scores toward the target at spans (sarcasm not
// applied); false when no token is in a span.
func (d *Doc) targetZ(spans [][2]int) ([3]float32, bool) {
	if len(spans) == 0 {
		return [3]float32{}, false
	}
	e := &d.e
	if !e.targetFeaturesParsed(spans) {
		return [3]float32{}, false
	}
	m := d.m
	z := m.target.logits(e.feats)
	if e.partial {
		// The text says more than the target's clauses: let the clauses, read as a text of
		// their own, have their say, so "I love X but Acme is trash" is negative for Acme.
		zc := m.text.logits(e.local)
		for c := range z {
			z[c] = (1-clauseWeight)*z[c] + clauseWeight*zc[c]
		}
	}
	return z, true
}

// targetProbs returns the target head's label probabilities toward spans, sarcasm applied;
// the whole text's when no token is in a span.
func (d *Doc) targetProbs(spans [][2]int) [3]float64 {
	z, ok := d.targetZ(spans)
	if !ok {
		return d.wholeProbs()
	}
	if d.e.doc.sarcasm {
		z[0], z[2] = z[2], z[0]
	}
	return softmax(z)
}

// ScoreWithTargets scores the whole text and the sentiment toward each target (the spans of
// one target each, as ScoreTarget takes them), tokenising the text once. It returns
// Score(text) and appends ScoreTarget(text, targets[i]) for each target to dst.
func (m *Model) ScoreWithTargets(text string, targets [][][2]int, dst []Result) (Result, []Result) {
	d := m.Parse(text)
	for _, spans := range targets {
		dst = append(dst, d.Target(spans))
	}
	r := d.Score()
	d.Release()
	return r, dst
}

// Score returns the sentiment of the whole text.
func (m *Model) Score(text string) Result {
	d := m.Parse(text)
	r := d.Score()
	d.Release()
	return r
}

// textLogits are the label scores of a whole text: the linear text head's, ensembled with the
// net head's when the model has one.
func (m *Model) textLogits(fs []feat) [3]float32 {
	z := m.text.logits(fs)
	if m.ens != nil {
		z = m.ens.logits(z, fs)
	}
	return z
}

// ScoreTarget scores the sentiment toward the target occurring at the given byte spans of text
// ([start, end) offsets, as a query matcher reports them). It reads the clauses around the spans
// with their own shifters, so "X is great, unlike Acme which broke twice" is negative for Acme.
// Without spans, or when no span covers a word, it returns Score(text).
func (m *Model) ScoreTarget(text string, spans [][2]int) Result {
	d := m.Parse(text)
	r := d.Target(spans)
	d.Release()
	return r
}

// clauseWeight is the share of the text head's reading of the target's clauses in ScoreTarget
// when those clauses are not the whole text.
var clauseWeight float32 = 0.6

// ScoreTargetPhrase finds phrase in text case-insensitively on word boundaries and scores the
// sentiment toward it with ScoreTarget; when the phrase is absent it returns Score(text).
func (m *Model) ScoreTargetPhrase(text, phrase string) Result {
	spans := FindPhrase(text, phrase)
	if len(spans) == 0 {
		return m.Score(text)
	}
	return m.ScoreTarget(text, spans)
}

// FindPhrase returns the byte spans of every case-insensitive occurrence of phrase in text that
// starts and ends on a word boundary. Runs of spaces in phrase match any run of white space.
func FindPhrase(text, phrase string) [][2]int {
	phrase = trimSpace(phrase)
	if phrase == "" {
		return nil
	}
	var spans [][2]int
	for i := 0; i < len(text); {
		if !boundaryBefore(text, i) {
			i += runeLen(text, i)
			continue
		}
		if end, ok := matchFold(text, i, phrase); ok && boundaryAfter(text, end) {
			spans = append(spans, [2]int{i, end})
			i = end
			continue
		}
		i += runeLen(text, i)
	}
	return spans
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	f, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r) || !isWordRune(f)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	l, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r) || !isWordRune(l)
}

// matchFold matches phrase at s[i:] ignoring case, with white space matching white space runs.
func matchFold(s string, i int, phrase string) (int, bool) {
	j := 0
	for j < len(phrase) {
		if i >= len(s) {
			return 0, false
		}
		pr, pn := utf8.DecodeRuneInString(phrase[j:])
		sr, sn := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(pr) {
			if !unicode.IsSpace(sr) {
				return 0, false
			}
			j, i = skipSpace(phrase, j), skipSpace(s, i)
			continue
		}
		if pr != sr && unicode.ToLower(pr) != unicode.ToLower(sr) {
			return 0, false
		}
		i += sn
		j += pn
	}
	return i, true
}

// skipSpace returns the index of the first rune at or after i in s that is not white space.
// It decodes runes: a multi-byte space (U+00A0, U+3000) tested byte by byte never ends.
func skipSpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

//go:embed model.bin
var embedded []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// Default returns the model embedded in the binary, loaded once.
func Default() (*Model, error) {
	defaultOnce.Do(func() {
		// Decoded in place: a copy of the files would be 5 MB more to allocate at start-up.
		defaultModel, defaultErr = load(embedded)
		if defaultErr == nil && len(embeddedBrand) > 0 {
			defaultErr = defaultModel.loadBrand(embeddedBrand)
		}
	})
	return defaultModel, defaultErr
}

// Base returns a new copy of the embedded model without its brand head, for training one.
func Base() (*Model, error) { return load(embedded) }

// File format (little endian):
//
//	magic "OVHSENT" + formatVersion (1 byte)
//	lexicon: count uint32, then count × (hash uint64, valence int8 in tenths)
//	two heads (text, target), each:
//	  bits uint8, k uint8 (classes), groups [k]uint8 (class → label),
//	  scale float32, bias [k]float32, offset [3]float32, invTemp float32,
//	  rows uint32, then rows × (uvarint bucket delta, k × int8 quantize(weight, scale))
//	net heads: count uint8 (0: none), and when more: alpha float32, offset [3]float32,
//	invTemp float32, then each net:
//	  bits uint8, dim uint8, hidden uint8, norm float32, w1 [hidden*dim]float32, b1 [hidden]float32, w2 [3*hidden]float32,
//	  b2 [3]float32, scale float32, rows uint32, then rows × (uvarint bucket delta,
//	  dim × int8 quantize(weight, scale))
//	CRC-32 (IEEE) of everything before it.
const (
	magic         = "OVHSENT"
	formatVersion = 3
)

// ErrFormat is returned by Load for a file that is not a sentiment model of this version.
var ErrFormat = errors.New("sentiment: not a model file of this version")

// Load reads a model written by (*Model).WriteTo.
func Load(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("sentiment: read model: %w", err)
	}
	return load(data)
}

// load decodes a model file; the model keeps nothing of data.
func load(data []byte) (*Model, error) {
	if len(data) < len(magic)+1+4 || string(data[:len(magic)]) != magic || data[len(magic)] < 2 || data[len(magic)] > formatVersion {
		return nil, ErrFormat
	}
	version := data[len(magic)] // 2: no net head
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("sentiment: model checksum mismatch: %w", ErrFormat)
	}
	d := decoder{b: body[len(magic)+1:]}
	m := &Model{}
	n := d.u32()
	m.lex.m = make(map[uint64]float32, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		h := d.u64()
		m.lex.m[h] = float32(int8(d.byte())) / 10
	}
	for _, h := range []*head{&m.text, &m.target} {
		if err := decodeHead(&d, h); err != nil {
			return nil, err
		}
	}
	if version >= 3 {
		if k := int(d.byte()); k > 0 {
			en := &ensemble{alpha: d.f32()}
			for c := range en.offset {
				en.offset[c] = d.f32()
			}
			en.invTemp = d.f32()
			for i := 0; i < k; i++ {
				n, err := decodeNet(&d)
				if err != nil {
					return nil, err
				}
				en.nets = append(en.nets, n)
			}
			m.ens = en
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("sentiment: decode model: %w", d.err)
	}
	m.lex.build()
	if len(d.b) != 0 {
		return nil, fmt.Errorf("sentiment: %d bytes after the model: %w", len(d.b), ErrFormat)
	}
	return m, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return make([]byte, n)
	}
	if len(d.b) < n {
		d.err = io.ErrUnexpectedEOF
		return make([]byte, n)
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// rows reads n rows of len(dst)/buckets int8s, each after the uvarint delta of its bucket
// from the last one's, into dst at its bucket. A bucket past the last is an error; a short
// read is d.err, for the caller to report. It reads from a local slice: the hot loop of
// loading a model, it would otherwise store d.b, with a write barrier while the collector
// runs, on every row.
func (d *decoder) rows(n uint32, dst []int8, buckets uint64) error {
	if d.err != nil {
		return nil
	}
	width := len(dst) / int(buckets)
	b, idx := d.b, uint64(0)
	for i := uint32(0); i < n; i++ {
		delta, k := binary.Uvarint(b)
		if k <= 0 || len(b)-k < width {
			d.err = io.ErrUnexpectedEOF
			break
		}
		if idx += delta; idx >= buckets {
			return fmt.Errorf("sentiment: bucket %d out of range: %w", idx, ErrFormat)
		}
		row := dst[idx*uint64(width) : (idx+1)*uint64(width)]
		for c, q := range b[k : k+width] {
			row[c] = int8(q)
		}
		b = b[k+width:]
	}
	d.b = b
	return nil
}

func (d *decoder) byte() byte   { return d.take(1)[0] }
func (d *decoder) u32() uint32  { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) u64() uint64  { return binary.LittleEndian.Uint64(d.take(8)) }
func (d *decoder) f32() float32 { return math.Float32frombits(d.u32()) }

// WriteTo writes the model in the format Load reads. The bytes depend only on the model's
// contents, so the same training run gives the same file.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(formatVersion)
	le := binary.LittleEndian
	hashes := make([]uint64, 0, len(m.lex.m))
	for h := range m.lex.m {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return hashes[i] < hashes[j] })
	buf.Write(le.AppendUint32(nil, uint32(len(hashes))))
	for _, h := range hashes {
		buf.Write(le.AppendUint64(nil, h))
		buf.WriteByte(byte(int8(math.Round(float64(m.lex.m[h]) * 10))))
	}
	f32 := func(f float32) { buf.Write(le.AppendUint32(nil, math.Float32bits(f))) }
	for _, h := range []*head{&m.text, &m.target} {
		encodeHead(&buf, h)
	}
	if m.ens == nil {
		buf.WriteByte(0)
	} else {
		buf.WriteByte(byte(len(m.ens.nets)))
		f32(m.ens.alpha)
		for _, v := range m.ens.offset {
			f32(v)
		}
		f32(m.ens.invTemp)
		for _, n := range m.ens.nets {
			n.encode(&buf)
		}
	}
	return writeChecked(w, &buf, "model")
}

// writeChecked appends the CRC-32 (IEEE) of buf to it and writes it all to w.
func writeChecked(w io.Writer, buf *bytes.Buffer, what string) (int64, error) {
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	bw := bufio.NewWriter(w)
	k, err := bw.Write(buf.Bytes())
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return int64(k), fmt.Errorf("sentiment: write %s: %w", what, err)
	}
	return int64(k), nil
}

// encodeHead writes a head: bits uint8, k uint8 (classes), groups [k]uint8 (class → label),
// scale float32, bias [k]float32, offset [3]float32, invTemp float32, rows uint32, then
// rows × (uvarint bucket delta, k × int8 quantize(weight, scale)).
func encodeHead(buf *bytes.Buffer, h *head) {
	le := binary.LittleEndian
	f32 := func(f float32) { buf.Write(le.AppendUint32(nil, math.Float32bits(f))) }
	buf.WriteByte(h.bits)
	buf.WriteByte(byte(h.k))
	buf.Write(h.groups)
	w := h.weights()
	scale := weightScale(w)
	f32(scale)
	for _, v := range h.bias {
		f32(v)
	}
	for _, v := range h.offset {
		f32(v)
	}
	f32(h.invTemp)
	var rows bytes.Buffer
	n, prev := uint32(0), uint64(0)
	q := make([]byte, h.k)
	for i := 0; i < len(w)/h.k; i++ {
		zero := true
		for c := range q {
			q[c] = byte(quantize(w[i*h.k+c], scale))
			zero = zero && q[c] == 0
		}
		if zero {
			continue
		}
		rows.Write(binary.AppendUvarint(nil, uint64(i)-prev))
		rows.Write(q)
		prev = uint64(i)
		n++
	}
	buf.Write(le.AppendUint32(nil, n))
	buf.Write(rows.Bytes())
}

// decodeHead reads a head as encodeHead writes it.
func decodeHead(d *decoder, h *head) error {
	bits, k := d.byte(), int(d.byte())
	if bits < 8 || bits > 24 || k < 3 || k > maxClasses {
		return fmt.Errorf("sentiment: head with %d bits and %d classes: %w", bits, k, ErrFormat)
	}
	groups := make([]uint8, k)
	for c := range groups {
		if groups[c] = d.byte(); groups[c] > 2 {
			return fmt.Errorf("sentiment: class %d in label %d: %w", c, groups[c], ErrFormat)
		}
	}
	// A three-class head reads q alone (logits): leaving w out saves 20 MB and most of the
	// load time of the embedded model.
	*h = head{bits: bits, k: k, groups: groups, bias: make([]float32, k), invTemp: 1}
	if k != 3 {
		h.w = make([]float32, k<<bits)
	}
	scale := d.f32()
	for c := range h.bias {
		h.bias[c] = d.f32()
	}
	for l := range h.offset {
		h.offset[l] = d.f32()
	}
	h.invTemp = d.f32()
	rows := d.u32()
	h.q, h.lut = make([]int8, k<<bits), new([256]float32)
	for q := range h.lut {
		h.lut[q] = dequantize(int8(uint8(q)), scale)
	}
	if err := d.rows(rows, h.q, 1<<h.bits); err != nil {
		return err
	}
	for i := range h.w {
		h.w[i] = h.lut[uint8(h.q[i])]
	}
	return nil
}

// weights returns the head's weights: w, or a loaded head's values of q.
func (h *head) weights() []float32 {
	if h.w != nil || h.q == nil {
		return h.w
	}
	w := make([]float32, len(h.q))
	for i, q := range h.q {
		w[i] = h.lut[uint8(q)]
	}
	return w
}

// scale is the largest absolute weight.
func (h *head) scale() float32 { return weightScale(h.weights()) }

func weightScale(w []float32) float32 {
	var mx float32
	for _, v := range w {
		mx = max(mx, v, -v)
	}
	if mx == 0 {
		return 1
	}
	return mx
}

// quantize maps a weight to int8 on a square-root scale, so small weights (most of them) keep
// more precision than a linear scale would give them: q = ±127·sqrt(|v|/scale).
func quantize(v, scale float32) int8 {
	q := math.Round(127 * math.Sqrt(math.Abs(float64(v/scale))))
	q = min(127, q)
	if v < 0 {
		q = -q
	}
	return int8(q)
}

func dequantize(q int8, scale float32) float32 {
	f := float32(q) / 127
	if f < 0 {
		return -f * f * scale
	}
	return f * f * scale
}
