package questions

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"
)

// Clusterer groups question texts into recurring-question clusters
// incrementally: each new question joins the most similar existing cluster
// when the similarity clears a threshold, and starts a new cluster otherwise.
// Nothing is ever recomputed, so adding the 100,000th question costs about as
// much as adding the 10th.
//
// A question has two representations:
//   - lexical: its content terms (lower-cased, stop words and question
//     scaffolding removed, stemmed, synonyms folded), weighted by inverse
//     document frequency over the questions seen so far, as a unit vector;
//   - dense: the SIF-weighted (a/(a+p(w))) average of small word vectors
//     trained on the shared data (wordvec.bin), minus the running mean of all
//     questions seen and with the training corpus's first principal
//     component projected out (the "what every sentence shares" direction,
//     shipped in wordvec.bin), as a unit vector.
//
// A cluster keeps the sums of its members' vectors. The similarity of a
// question to a cluster is the average-link similarity
//
//	sim = alpha × mean lexical cosine to the members + (1-alpha) × mean dense cosine
//
// and a question may only join a cluster that has at least two of its terms
// among the cluster's common terms (or all of them, for one-term questions),
// so "how long does a card take" and "how long does a transfer take" stay
// apart. Candidates come from an inverted index over each cluster's heaviest
// terms. Merging different questions is worse than splitting one, so the
// threshold is set for precision.
//
// The Clusterer is deterministic: the same questions in the same order give
// the same cluster IDs ("q-" and six or more hex digits, numbered in order of
// creation). A question without any content term ("Any help?", "Why?") has
// nothing to be similar by: it shares a cluster only with the same words
// ("q0-" and a hash of them), and such clusters take no memory, so a
// long-running Clusterer grows with the distinct questions that say something. It is not safe for concurrent use; callers that share one guard
// it with a mutex.
type Clusterer struct {
	threshold float64 // minimum similarity to join a cluster
	alpha     float64 // weight of the lexical similarity; 1-alpha goes to the dense one
	minShared int     // terms a question must share with a cluster to join it
	minShare  float64 // share of members that must have a term for it to count as the cluster's

	primed bool // document frequencies counted in advance, see prime

	vocab map[string]int32 // term -> term id
	terms []string         // term id -> term
	df    []int32          // term id -> number of questions containing it
	docs  int

	mean  []float64 // running mean of raw dense vectors
	meanN int

	clusters []*cluster        // in order of creation
	index    map[int32][]int32 // term id -> clusters that list it among their heaviest terms
	seq      uint64

	// Changes since the last call to Changes, for incremental saving (state.go).
	metaDirty     bool
	termDirty     []bool // term id -> changed
	dirtyTerms    []int32
	dirtyClusters []*cluster
	evicted       []uint64 // seq of clusters removed by Evict

	// Scratch space of one Add.
	hits    []uint8 // cluster -> query terms that listed it
	touched []int32 // clusters with hits > 0
	cands   []int32 // clusters with enough hits
}

type cluster struct {
	id      string
	seq     uint64 // the number in id
	n       int
	last    int64             // Unix time of the newest member, 0 when unknown (never evicted)
	dirty   bool              // listed in Clusterer.dirtyClusters
	weights map[int32]float64 // sum of member lexical unit vectors (heaviest terms only)
	dense   []float32         // sum of member dense unit vectors; nil until one has any
	indexed []int32           // term ids under which the cluster is in the index
}

// Parameters, tuned on the Banking77 dev sample (thresholds only; nothing is
// learned from its intent labels).
const (
	defaultThreshold = 0.5
	defaultAlpha     = 0.6
	defaultMinShared = 2
	defaultMinShare  = 0.1
	maxCentroidTerms = 24   // centroid terms kept per cluster
	maxIndexTerms    = 8    // heaviest centroid terms indexed per cluster
	maxQueryTerms    = 6    // heaviest query terms used to look up candidates
	sifA             = 1e-3 // a of the SIF word weight a/(a+p(w)); as internal/trainvec's sifWeight
	minSharedIDF     = 5.0  // IDF that the terms a question shares with a cluster must add up to
	minDocsForDF     = 100  // questions seen before document frequencies are trusted
	minSingleIDF     = 2.5  // IDF a one-term question's term needs to join a cluster on it alone
)

// NewClusterer returns an empty Clusterer with the default parameters.
func NewClusterer() *Clusterer {
	return &Clusterer{
		threshold: defaultThreshold,
		alpha:     defaultAlpha,
		minShared: defaultMinShared,
		minShare:  defaultMinShare,
		vocab:     map[string]int32{},
		index:     map[int32][]int32{},
	}
}

// Len returns the number of clusters.
func (c *Clusterer) Len() int { return len(c.clusters) }

type termWeight struct {
	id int32
	w  float64
}

// Add assigns text to the most similar existing cluster, or to a new one, and
// returns the cluster's ID. Text may be a whole post: it is cleaned (markup,
// quotes, URLs) and reduced to its content terms. A question that only makes
// sense in its post ("???", "Why?", "What do you think?", "Any feedback is
// appreciated", see contextBound and asksForFeedback) gets the ID of its
// words, see contentlessID, and is never a recurring question.
func (c *Clusterer) Add(text string) string { return c.AddAt(text, time.Time{}) }

// AddAt is Add for a question asked at the given time: a cluster remembers when
// its newest member was asked, so Evict can drop clusters nobody asks any more.
// A zero time is unknown and never evicts the cluster.
func (c *Clusterer) AddAt(text string, at time.Time) string {
	fs := features(text)
	if contextBound(fs) || asksForFeedback(text) {
		return contentlessID(text)
	}
	c.metaDirty = true
	v := c.lexical(fs)
	d := c.dense(v)
	var last int64
	if !at.IsZero() {
		last = at.Unix()
	}
	best, score := c.nearest(v, d, pointsBack(text))
	if best >= 0 && score >= c.threshold {
		cl := c.clusters[best]
		if last == 0 || cl.last != 0 && cl.last < last {
			cl.last = last
		}
		c.absorb(best, cl, v, d)
		return cl.id
	}
	c.seq++
	cl := &cluster{id: clusterID(c.seq), seq: c.seq, last: last, weights: map[int32]float64{}}
	idx := int32(len(c.clusters))
	c.clusters = append(c.clusters, cl)
	c.absorb(idx, cl, v, d)
	return cl.id
}

func clusterID(seq uint64) string { return fmt.Sprintf("q-%06x", seq) }

// Evict removes the clusters whose newest member was asked before the given
// time (clusters with an unknown time stay) and returns how many it removed.
// Serve evicts with the store's retention, so the Clusterer stays as large as
// the questions kept, not every question ever asked. IDs are never reused.
func (c *Clusterer) Evict(before time.Time) int {
	cut := before.Unix()
	kept := c.clusters[:0]
	for _, cl := range c.clusters {
		if cl.last != 0 && cl.last < cut {
			c.evicted = append(c.evicted, cl.seq)
			continue
		}
		kept = append(kept, cl)
	}
	n := len(c.clusters) - len(kept)
	if n == 0 {
		return 0
	}
	clear(c.clusters[len(kept):])
	c.clusters = kept
	if len(c.dirtyClusters) > 0 {
		live := c.dirtyClusters[:0]
		for _, cl := range c.dirtyClusters {
			if cl.last == 0 || cl.last >= cut {
				live = append(live, cl)
			}
		}
		clear(c.dirtyClusters[len(live):])
		c.dirtyClusters = live
	}
	c.rebuildIndex()
	c.metaDirty = true
	return n
}

// rebuildIndex lists every cluster under the terms it is indexed by, after
// clusters moved in c.clusters.
func (c *Clusterer) rebuildIndex() {
	c.index = make(map[int32][]int32, len(c.index))
	for i, cl := range c.clusters {
		for _, id := range cl.indexed {
			c.index[id] = append(c.index[id], int32(i))
		}
	}
}

// contentlessID is the cluster ID of a question that only makes sense in its
// post: "q0-" and the FNV-1a hash of its lower-cased words, so "Any help?" and
// "any help ?" share one, and nothing about it is kept. Such an ID names the
// words, not a recurring question: Summarise leaves these out, and Group gives
// each one an ID of its own.
func contentlessID(text string) string {
	h := fnv.New64a()
	for i, w := range words(clean(text)) {
		if i > 0 {
			h.Write([]byte{' '})
		}
		h.Write([]byte(strings.ToLower(w)))
	}
	return fmt.Sprintf("q0-%016x", h.Sum64())
}

// termID returns the id of a term, adding it to the vocabulary when new.
func (c *Clusterer) termID(term string) int32 {
	id, ok := c.vocab[term]
	if !ok {
		id = int32(len(c.terms))
		c.vocab[term] = id
		c.terms = append(c.terms, term)
		c.df = append(c.df, 0)
		c.termDirty = append(c.termDirty, false)
	}
	return id
}

// prime counts a whole batch of questions into the document frequencies
// before any is added, so the first question of a batch is weighed as the
// last one is; Add then leaves the frequencies alone. Group primes; a
// streaming Clusterer learns them as questions arrive.
func (c *Clusterer) prime(batch [][]feature) {
	for _, fs := range batch {
		if len(fs) == 0 || contextBound(fs) {
			continue
		}
		seen := map[int32]bool{}
		for _, f := range fs {
			id := c.termID(f.term)
			if !seen[id] {
				seen[id] = true
				c.df[id]++
			}
		}
		c.docs++
	}
	c.primed = true
}

// lexical returns the unit-length IDF-weighted vector of a question's terms,
// heaviest term first, and counts the question into the document frequencies.
func (c *Clusterer) lexical(toks []feature) []termWeight {
	tf := make(map[int32]float64, len(toks))
	for _, t := range toks {
		id := c.termID(t.term)
		if _, seen := tf[id]; !seen && !c.primed {
			c.df[id]++
			c.markTerm(id)
		}
		tf[id] += t.w
	}
	if !c.primed {
		c.docs++
	}
	v := make([]termWeight, 0, len(tf))
	var norm float64
	for id, f := range tf {
		w := f * (math.Log(float64(c.docs+1)/float64(c.df[id]+1)) + 1)
		v = append(v, termWeight{id, w})
		norm += w * w
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i].w /= norm
	}
	sortWeights(v)
	return v
}

func sortWeights(v []termWeight) {
	sort.Slice(v, func(i, j int) bool {
		if v[i].w != v[j].w {
			return v[i].w > v[j].w
		}
		return v[i].id < v[j].id
	})
}

// dense returns the unit-length dense vector of the terms in v: the
// SIF-weighted (a/(a+p(w))) average of their word vectors, minus the running
// mean and the corpus's common components; nil when no term has a word
// vector.
func (c *Clusterer) dense(v []termWeight) []float32 {
	wv := embedded()
	var out []float32
	for _, tw := range v {
		i, ok := wv.index[c.terms[tw.id]]
		if !ok {
			continue
		}
		if out == nil {
			out = make([]float32, wv.dim)
		}
		p := float64(wv.count[i]) / wv.total
		w := float32(sifA / (sifA + p))
		for j, x := range wv.vecs[int(i)*wv.dim : int(i+1)*wv.dim] {
			out[j] += w * x
		}
	}
	if out == nil {
		return nil
	}
	n0 := norm32(out)
	if c.mean == nil {
		c.mean = make([]float64, wv.dim)
	}
	c.meanN++
	for i, x := range out {
		u := float64(x) / n0
		c.mean[i] += (u - c.mean[i]) / float64(c.meanN)
		out[i] = float32(u - c.mean[i])
	}
	for _, pc := range wv.pcs {
		var p float64
		for i, x := range out {
			p += float64(x) * float64(pc[i])
		}
		for i, x := range pc {
			out[i] -= float32(p) * x
		}
	}
	n := norm32(out)
	if n == 0 {
		return nil
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / n)
	}
	return out
}

func norm32(v []float32) float64 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	return math.Sqrt(n)
}

// nearest returns the index and similarity of the best cluster for a
// question with lexical vector v and dense vector d, or -1 when no cluster
// qualifies.
func (c *Clusterer) nearest(v []termWeight, d []float32, pointsBack bool) (int32, float64) {
	if len(v) == 0 {
		return -1, 0
	}
	// Count, per cluster, how many of the query's heaviest terms list it.
	// A cluster must share at least need terms to qualify, so clusters
	// reached through one common word ("card") are skipped unscored.
	if cap(c.hits) < len(c.clusters) {
		c.hits = make([]uint8, len(c.clusters), 2*len(c.clusters)+16)
	}
	c.hits = c.hits[:len(c.clusters)]
	c.touched = c.touched[:0]
	looked := 0
	for i, tw := range v {
		if i >= maxQueryTerms {
			break
		}
		looked++
		for _, ci := range c.index[tw.id] {
			if c.hits[ci] == 0 {
				c.touched = append(c.touched, ci)
			}
			c.hits[ci]++
		}
	}
	needHits := uint8(min(c.minShared, looked))
	c.cands = c.cands[:0]
	for _, ci := range c.touched {
		if c.hits[ci] >= needHits {
			c.cands = append(c.cands, ci)
		}
		c.hits[ci] = 0
	}
	need := min(c.minShared, len(v))
	// A question of one term ("How do I get a refund?") needs to share all it
	// has, not more than it has, unless it points back at its post or its
	// term is the community's own vocabulary ("Or is it on the model?").
	needIDF := minSharedIDF
	if len(v) == 1 && !pointsBack && c.idf(v[0].id) >= minSingleIDF {
		needIDF = c.idf(v[0].id) - 1e-9
	}
	best, bestScore := int32(-1), 0.0
	for _, ci := range c.cands {
		cl := c.clusters[ci]
		var dot float64
		shared, sharedIDF := 0, 0.0
		for _, tw := range v {
			w, ok := cl.weights[tw.id]
			dot += tw.w * w
			if ok && w >= c.minShare*float64(cl.n) {
				shared++
				if t := c.terms[tw.id]; t != "not" && !conversationTerms[t] {
					sharedIDF += c.idf(tw.id) // "not" or "best" say nothing of the subject
				}
			}
		}
		if shared < need || c.docs >= minDocsForDF && sharedIDF < needIDF {
			continue
		}
		s := c.alpha * dot / float64(cl.n)
		if d != nil && cl.dense != nil {
			var dd float64
			for i, x := range d {
				dd += float64(x) * float64(cl.dense[i])
			}
			s += (1 - c.alpha) * dd / float64(cl.n)
		}
		if s > bestScore || s == bestScore && ci < best {
			best, bestScore = ci, s
		}
	}
	return best, bestScore
}

// idf is the inverse document frequency of a term among the questions seen.
// What a question shares with a cluster must add up to minSharedIDF: a
// community's own vocabulary ("model", "ollama", "use" on r/ollama) is in many
// of its questions, and two questions that share only such terms ("Which model
// should I use?", "Why don't models use the GPU?") ask different things.
func (c *Clusterer) idf(id int32) float64 {
	return math.Log(float64(c.docs+1) / float64(c.df[id]+1))
}

// absorb adds a member with vectors v and d to cluster cl (at position idx),
// prunes its centroid to the heaviest terms and refreshes its index entries.
func (c *Clusterer) absorb(idx int32, cl *cluster, v []termWeight, d []float32) {
	cl.n++
	c.markCluster(cl)
	if d != nil {
		if cl.dense == nil {
			cl.dense = make([]float32, len(d))
		}
		for i, x := range d {
			cl.dense[i] += x
		}
	}
	for _, tw := range v {
		cl.weights[tw.id] += tw.w
	}
	top := make([]termWeight, 0, len(cl.weights))
	for id, w := range cl.weights {
		top = append(top, termWeight{id, w})
	}
	sortWeights(top)
	if len(top) > maxCentroidTerms {
		for _, tw := range top[maxCentroidTerms:] {
			delete(cl.weights, tw.id)
		}
		top = top[:maxCentroidTerms]
	}
	c.reindex(idx, cl, top)
}

// reindex lists cluster idx under its heaviest terms (top, sorted) only.
func (c *Clusterer) reindex(idx int32, cl *cluster, top []termWeight) {
	want := make([]int32, 0, maxIndexTerms)
	for i, tw := range top {
		if i >= maxIndexTerms {
			break
		}
		want = append(want, tw.id)
	}
	for _, id := range cl.indexed {
		if !containsID(want, id) {
			c.index[id] = removeID(c.index[id], idx)
		}
	}
	for _, id := range want {
		if !containsID(cl.indexed, id) {
			c.index[id] = append(c.index[id], idx)
		}
	}
	cl.indexed = want
}

func containsID(s []int32, id int32) bool {
	for _, x := range s {
		if x == id {
			return true
		}
	}
	return false
}

func removeID(s []int32, id int32) []int32 {
	for i, x := range s {
		if x == id {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}
