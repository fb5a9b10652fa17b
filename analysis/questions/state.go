package questions

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The Clusterer is saved as a set of entries so that a long-running service
// writes only what a batch of questions changed, not the whole state (which
// grows to megabytes: each cluster keeps a dense vector):
//
//	"meta"          version, document count, running mean, last cluster number
//	"t/<id>"        a term and its document frequency (id: 8 hex digits)
//	"c/<seq>"       a cluster: size, newest member time, centroid terms, dense sum (seq: 16 hex digits)
//
// Values are little-endian varints and IEEE floats.
const entriesVersion = 3

const (
	metaKey       = "meta"
	termPrefix    = "t/"
	clusterPrefix = "c/"
)

// Changes returns the entries changed since the last call to Changes (or since
// the state was restored), keyed as described above; a nil value means the
// entry is deleted. Applying every Changes result in order to a key-value
// store, and passing its entries to Restore, gives back this Clusterer.
// Callers save them together with the cluster IDs they handed out.
func (c *Clusterer) Changes() map[string][]byte {
	out := make(map[string][]byte, len(c.dirtyTerms)+len(c.dirtyClusters)+len(c.evicted)+1)
	if c.metaDirty {
		out[metaKey] = c.encodeMeta()
		c.metaDirty = false
	}
	for _, id := range c.dirtyTerms {
		v := binary.AppendUvarint(nil, uint64(c.df[id]))
		v = binary.AppendUvarint(v, uint64(len(c.terms[id])))
		out[termKey(id)] = append(v, c.terms[id]...)
		c.termDirty[id] = false
	}
	c.dirtyTerms = c.dirtyTerms[:0]
	for _, cl := range c.dirtyClusters {
		out[clusterKey(cl.seq)] = encodeCluster(cl)
		cl.dirty = false
	}
	clear(c.dirtyClusters)
	c.dirtyClusters = c.dirtyClusters[:0]
	for _, seq := range c.evicted {
		out[clusterKey(seq)] = nil
	}
	c.evicted = c.evicted[:0]
	return out
}

// Pending reports whether there are changes that Changes has not returned yet.
func (c *Clusterer) Pending() bool {
	return c.metaDirty || len(c.dirtyTerms) > 0 || len(c.dirtyClusters) > 0 || len(c.evicted) > 0
}

// IsCluster reports whether an entry key names a cluster, for counting the
// clusters of a saved state without restoring it.
func IsCluster(key string) bool { return strings.HasPrefix(key, clusterPrefix) }

func termKey(id int32) string      { return fmt.Sprintf("%s%08x", termPrefix, id) }
func clusterKey(seq uint64) string { return fmt.Sprintf("%s%016x", clusterPrefix, seq) }

func (c *Clusterer) markTerm(id int32) {
	if !c.termDirty[id] {
		c.termDirty[id] = true
		c.dirtyTerms = append(c.dirtyTerms, id)
	}
}

func (c *Clusterer) markCluster(cl *cluster) {
	if !cl.dirty {
		cl.dirty = true
		c.dirtyClusters = append(c.dirtyClusters, cl)
	}
}

// markAll marks the whole state changed, after a restore from the single-value
// version 2 format, so that the next Changes rewrites it as entries.
func (c *Clusterer) markAll() {
	c.metaDirty = true
	for id := range c.terms {
		c.markTerm(int32(id))
	}
	for _, cl := range c.clusters {
		c.markCluster(cl)
	}
}

func (c *Clusterer) encodeMeta() []byte {
	b := binary.AppendUvarint(nil, entriesVersion)
	b = binary.AppendUvarint(b, uint64(c.docs))
	b = binary.AppendUvarint(b, uint64(c.meanN))
	b = binary.AppendUvarint(b, c.seq)
	b = binary.AppendUvarint(b, uint64(len(c.terms)))
	b = binary.AppendUvarint(b, uint64(len(c.mean)))
	for _, x := range c.mean {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func encodeCluster(cl *cluster) []byte {
	ids := make([]int32, 0, len(cl.weights))
	for id := range cl.weights {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	b := make([]byte, 0, 16+len(ids)*11+len(cl.dense)*4)
	b = binary.AppendUvarint(b, uint64(cl.n))
	b = binary.AppendVarint(b, cl.last)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(cl.weights[id]))
	}
	b = binary.AppendUvarint(b, uint64(len(cl.dense)))
	for _, x := range cl.dense {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// reader decodes one entry's value; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("truncated or overlong number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errors.New("truncated or overlong number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("needs %d more bytes, has %d", n, len(r.b))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) f64() float64 {
	if b := r.bytes(8); b != nil {
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	return 0
}

func (r *reader) f32() float32 {
	if b := r.bytes(4); b != nil {
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	}
	return 0
}

// count reads a length and checks that its elements (size bytes each) can fit.
func (r *reader) count(size int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/size) {
		r.err = fmt.Errorf("length %d exceeds the %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return r.err
}

// Restore replaces the Clusterer's state with saved entries (see Changes). An
// empty set gives an empty Clusterer. It returns an error, leaving the
// Clusterer unchanged, when the entries are not a consistent state.
func (c *Clusterer) Restore(entries map[string][]byte) error {
	n := c.fresh()
	if len(entries) == 0 {
		*c = *n
		return nil
	}
	meta, ok := entries[metaKey]
	if !ok {
		return errors.New("questions: restore clusterer: no meta entry")
	}
	r := &reader{b: meta}
	if v := r.uvarint(); r.err == nil && v != entriesVersion {
		return fmt.Errorf("questions: restore clusterer: unsupported state version %d (want %d)", v, entriesVersion)
	}
	n.docs, n.meanN, n.seq = int(r.uvarint()), int(r.uvarint()), r.uvarint()
	nTerms := r.uvarint()
	if dim := r.count(8); dim > 0 {
		if dim != embedded().dim {
			return fmt.Errorf("questions: restore clusterer: mean has %d dimensions, want %d", dim, embedded().dim)
		}
		n.mean = make([]float64, dim)
		for i := range n.mean {
			n.mean[i] = r.f64()
		}
	}
	if err := r.done(); err != nil {
		return fmt.Errorf("questions: restore clusterer: meta: %w", err)
	}
	if nTerms > uint64(len(entries)) {
		return fmt.Errorf("questions: restore clusterer: meta names %d terms, only %d entries", nTerms, len(entries))
	}
	n.terms, n.df, n.termDirty = make([]string, nTerms), make([]int32, nTerms), make([]bool, nTerms)
	var seqs []uint64
	clusters := map[uint64]*cluster{}
	for key, v := range entries {
		switch {
		case key == metaKey:
		case strings.HasPrefix(key, termPrefix):
			id, err := strconv.ParseUint(key[len(termPrefix):], 16, 32)
			if err != nil || id >= nTerms {
				return fmt.Errorf("questions: restore clusterer: bad term entry %q (%d terms)", key, nTerms)
			}
			r := &reader{b: v}
			df := r.uvarint()
			term := r.bytes(r.uvarint())
			if err := r.done(); err != nil {
				return fmt.Errorf("questions: restore clusterer: %s: %w", key, err)
			}
			n.terms[id], n.df[id] = string(term), int32(df)
		case strings.HasPrefix(key, clusterPrefix):
			seq, err := strconv.ParseUint(key[len(clusterPrefix):], 16, 64)
			if err != nil || seq == 0 || seq > n.seq {
				return fmt.Errorf("questions: restore clusterer: bad cluster entry %q (last cluster %d)", key, n.seq)
			}
			cl, err := decodeCluster(v, nTerms)
			if err != nil {
				return fmt.Errorf("questions: restore clusterer: %s: %w", key, err)
			}
			cl.seq, cl.id = seq, clusterID(seq)
			clusters[seq] = cl
			seqs = append(seqs, seq)
		default:
			return fmt.Errorf("questions: restore clusterer: unknown entry %q", key)
		}
	}
	for id, t := range n.terms {
		if t == "" {
			return fmt.Errorf("questions: restore clusterer: term %d missing", id)
		}
		n.vocab[t] = int32(id)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for _, seq := range seqs {
		n.addRestored(clusters[seq])
	}
	*c = *n
	return nil
}

func decodeCluster(v []byte, nTerms uint64) (*cluster, error) {
	r := &reader{b: v}
	cl := &cluster{n: int(r.uvarint()), last: r.varint()}
	k := r.count(9)
	cl.weights = make(map[int32]float64, k)
	for range k {
		id := r.uvarint()
		w := r.f64()
		if r.err == nil && id >= nTerms {
			return nil, fmt.Errorf("term %d out of range", id)
		}
		cl.weights[int32(id)] = w
	}
	if dim := r.count(4); dim > 0 {
		if dim != embedded().dim {
			return nil, fmt.Errorf("dense vector has %d dimensions, want %d", dim, embedded().dim)
		}
		cl.dense = make([]float32, dim)
		for i := range cl.dense {
			cl.dense[i] = r.f32()
		}
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	if cl.n <= 0 {
		return nil, fmt.Errorf("%d members", cl.n)
	}
	return cl, nil
}

// fresh returns an empty Clusterer with c's parameters.
func (c *Clusterer) fresh() *Clusterer {
	n := NewClusterer()
	if c.threshold != 0 {
		n.threshold, n.alpha, n.minShared, n.minShare = c.threshold, c.alpha, c.minShared, c.minShare
	}
	return n
}

// addRestored appends a restored cluster (in creation order) and indexes it.
func (c *Clusterer) addRestored(cl *cluster) {
	top := make([]termWeight, 0, len(cl.weights))
	for id, w := range cl.weights {
		top = append(top, termWeight{id, w})
	}
	sortWeights(top)
	idx := int32(len(c.clusters))
	c.clusters = append(c.clusters, cl)
	c.reindex(idx, cl, top)
}

// stateV2 is the single-value form (encoding/gob) that earlier versions saved
// whole after every batch. Version 1 held vectors of older word vectors.
type stateV2 struct {
	Version  int
	Terms    []string
	DF       []int32
	Docs     int
	Mean     []float64
	MeanN    int
	Seq      uint64
	Clusters []clusterStateV2
}

type clusterStateV2 struct {
	ID      string
	N       int
	Terms   []int32 // ascending
	Weights []float64
	Dense   []float32
}

// RestoreV2 replaces the Clusterer's state with one saved whole by an earlier
// version (the gob "state" of version 2) and marks all of it changed, so the
// next Changes returns the whole state as entries. It returns an error, leaving
// the Clusterer unchanged, when data is not such a state.
func (c *Clusterer) RestoreV2(data []byte) error {
	var s stateV2
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return fmt.Errorf("questions: decode clusterer: %w", err)
	}
	if s.Version == 1 {
		return fmt.Errorf("questions: decode clusterer: state version 1 was written with older word vectors " +
			"and cannot be restored by this version; delete the saved question clusters to regroup from scratch")
	}
	if s.Version != 2 {
		return fmt.Errorf("questions: decode clusterer: unsupported state version %d (want 2)", s.Version)
	}
	if len(s.DF) != len(s.Terms) {
		return fmt.Errorf("questions: decode clusterer: %d terms but %d frequencies", len(s.Terms), len(s.DF))
	}
	if s.Mean != nil && len(s.Mean) != embedded().dim {
		return fmt.Errorf("questions: decode clusterer: mean has %d dimensions, want %d", len(s.Mean), embedded().dim)
	}
	n := c.fresh()
	n.terms, n.df, n.docs, n.mean, n.meanN, n.seq = s.Terms, s.DF, s.Docs, s.Mean, s.MeanN, s.Seq
	n.termDirty = make([]bool, len(s.Terms))
	for i, t := range s.Terms {
		n.vocab[t] = int32(i)
	}
	for _, cs := range s.Clusters {
		if len(cs.Terms) != len(cs.Weights) {
			return fmt.Errorf("questions: decode clusterer: cluster %s: %d terms but %d weights", cs.ID, len(cs.Terms), len(cs.Weights))
		}
		if cs.Dense != nil && len(cs.Dense) != embedded().dim {
			return fmt.Errorf("questions: decode clusterer: cluster %s: dense vector has %d dimensions, want %d", cs.ID, len(cs.Dense), embedded().dim)
		}
		seq, err := strconv.ParseUint(strings.TrimPrefix(cs.ID, "q-"), 16, 64)
		if err != nil || !strings.HasPrefix(cs.ID, "q-") || seq == 0 || seq > s.Seq {
			return fmt.Errorf("questions: decode clusterer: bad cluster id %q", cs.ID)
		}
		cl := &cluster{id: cs.ID, seq: seq, n: cs.N, dense: cs.Dense, weights: make(map[int32]float64, len(cs.Terms))}
		for j, id := range cs.Terms {
			if id < 0 || int(id) >= len(n.terms) {
				return fmt.Errorf("questions: decode clusterer: cluster %s: term %d out of range", cs.ID, id)
			}
			cl.weights[id] = cs.Weights[j]
		}
		n.addRestored(cl)
	}
	n.markAll()
	*c = *n
	return nil
}
