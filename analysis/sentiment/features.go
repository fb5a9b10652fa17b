package sentiment

import "math"

// stemLen is the length of the word prefix that stands in for a stem ("disappoint" in
// "disappointed", "disappointing").
const stemLen = 5

// feat is one feature: a 64-bit hash (reduced to a bucket by the head) and its value.
type feat struct {
	h     uint64
	v     float32
	dense bool // a lexicon or style feature, never dropped out in training
}

// mix combines two hashes (a splitmix64 finaliser over both), so namespaces and n-grams spread
// evenly over the buckets.
func mix(a, b uint64) uint64 {
	x := a*0x9E3779B97F4A7C15 ^ b
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	x *= 0x94D049BB133111EB
	x ^= x >> 32
	return x
}

// Namespaces (salts) of the feature groups.
var (
	nsUni    = hashString("ns:uni")
	nsNeg    = hashString("ns:neg")
	nsBi     = hashString("ns:bi")
	nsDense  = hashString("ns:dense")
	nsGlobal = hashString("ns:global") // whole text, in the target head
	nsClause = hashString("ns:clause") // the target's clause, in the target head
	nsWindow = hashString("ns:window") // words next to the target, by position
	nsNear   = hashString("ns:near")   // words near the target
	nsStem   = hashString("ns:stem")
	hBOS     = hashString("<s>")
	hEOS     = hashString("</s>")
)

func dense(name string) uint64 {
	return mix(hashString(name), nsDense)
}

// Dense feature hashes.
var (
	dLexPos     = dense("lexpos")
	dLexNeg     = dense("lexneg")
	dLexNet     = dense("lexnet")
	dLexPosAny  = dense("lexpos>0")
	dLexNegAny  = dense("lexneg>0")
	dLexBoth    = dense("lexboth")
	dLexNone    = dense("lexnone")
	dLexPosMax  = dense("lexposmax")
	dLexNegMax  = dense("lexnegmax")
	dLexLast    = dense("lexlast")
	dExcl       = dense("excl")
	dExclPos    = dense("excl+")
	dExclNeg    = dense("excl-")
	dQuest      = dense("quest")
	dCaps       = dense("caps")
	dCapsPos    = dense("caps+")
	dCapsNeg    = dense("caps-")
	dElong      = dense("elong")
	dSarc       = dense("sarcasm")
	dSarcPos    = dense("sarcasm+")
	dNegAny     = dense("negation")
	dContrast   = dense("contrast")
	dLenBuckets [9]uint64
)

func init() {
	for i := range dLenBuckets {
		dLenBuckets[i] = dense("len" + string(rune('0'+i)))
	}
}

// lexStats sums the shifted lexicon valence of toks.
type lexStats struct {
	pos, neg       float32 // sums of positive and of (absolute) negative valence
	posMax, negMax float32
	last           float32 // net valence of the last sentence
	neg0           bool    // some negation scope
	excl, quest    bool
	elong, caps    bool
	words          int
}

// statsOf reads toks once: it runs for the whole text, and again for each target and clause.
func statsOf(toks []token, capsOK bool) lexStats {
	var s lexStats
	var cur float32
	var flags uint8
	for k := range toks {
		tk := &toks[k]
		flags |= tk.flags
		switch tk.kind {
		case kWord:
			s.words++
		case kExcl, kQuest, kStop:
			s.excl = s.excl || tk.kind == kExcl
			s.quest = s.quest || tk.kind == kQuest
			if cur != 0 {
				s.last = cur
			}
			cur = 0
		}
		// Most tokens have no valence, and adding 0 changes no sum (x+0 == x, but for the
		// sign of a zero cur, which is only compared with 0): leaving them out takes the sums
		// off the loop's critical path, with the same result to the bit.
		v := tk.lex
		if v == 0 {
			continue
		}
		cur += v
		if v > 0 {
			s.pos += v
			s.posMax = max(s.posMax, v)
		} else {
			s.neg -= v
			s.negMax = max(s.negMax, -v)
		}
	}
	if cur != 0 {
		s.last = cur
	}
	s.neg0 = flags&fNeg != 0
	s.elong = flags&fElong != 0
	s.caps = flags&fCaps != 0 && capsOK
	return s
}

func tanh32(x float32) float32 { return float32(math.Tanh(float64(x))) }

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// extractor builds feature vectors; it reuses its buffers between calls. After parse, it
// builds those of the whole text (wholeFeatures) and toward any number of targets
// (targetFeaturesParsed) without reading the text again.
type extractor struct {
	tokenizer
	// scoped holds the whole text's tokens (raw with scopes applied) when hasScoped; work a
	// target's (scoped, with the sentences that hold the target read again with it marked).
	scoped    []token
	hasScoped bool
	work      []token
	feats     []feat
	// local holds text-head features of the clauses around a target; partial tells whether
	// a contrast word sets one of them against the rest of the text (see targetFeatures).
	local   []feat
	partial bool
}

func (e *extractor) add(h uint64, v float32) { e.feats = append(e.feats, feat{h: h, v: v}) }

func (e *extractor) addDense(h uint64, v float32) {
	e.feats = append(e.feats, feat{h: h, v: v, dense: true})
}

// ngrams adds the unigram and bigram features of toks under salt ns.
func (e *extractor) ngrams(toks []token, ns uint64) {
	prev := hBOS
	const v = 1
	for k := range toks {
		tk := &toks[k]
		if tk.kind != kStop && tk.kind != kComma {
			h := tk.h
			if tk.flags&fNeg != 0 {
				h = mix(h, nsNeg)
			}
			e.add(mix(h, ns^nsUni), v)
			if tk.stem != 0 {
				st := tk.stem
				if tk.flags&fNeg != 0 {
					st = mix(st, nsNeg)
				}
				e.add(mix(st, ns^nsUni), v)
			}
		}
		e.add(mix(mix(prev, tk.h), ns^nsBi), v)
		prev = tk.h
	}
	e.add(mix(mix(prev, hEOS), ns^nsBi), v)
}

// denseFeats adds the lexicon and style features of toks under salt ns.
func (e *extractor) denseFeats(toks []token, ns uint64, extraNet float32) {
	s := statsOf(toks, e.capsOK())
	if extraNet > 0 {
		s.pos += extraNet
	} else {
		s.neg -= extraNet
	}
	net := s.pos - s.neg
	d := func(h uint64, v float32) {
		if v != 0 {
			e.addDense(mix(h, ns), v)
		}
	}
	d(dLexPos, tanh32(s.pos/3))
	d(dLexNeg, tanh32(s.neg/3))
	d(dLexNet, tanh32(net/3))
	d(dLexPosAny, b2f(s.pos > 0))
	d(dLexNegAny, b2f(s.neg > 0))
	d(dLexBoth, b2f(s.pos > 0 && s.neg > 0))
	d(dLexNone, b2f(s.pos == 0 && s.neg == 0))
	d(dLexPosMax, s.posMax/4)
	d(dLexNegMax, s.negMax/4)
	d(dLexLast, tanh32(s.last/3))
	d(dExcl, b2f(s.excl))
	d(dExclPos, b2f(s.excl && net > 0))
	d(dExclNeg, b2f(s.excl && net < 0))
	d(dQuest, b2f(s.quest))
	d(dCaps, b2f(s.caps))
	d(dCapsPos, b2f(s.caps && net > 0))
	d(dCapsNeg, b2f(s.caps && net < 0))
	d(dElong, b2f(s.elong))
	d(dSarc, b2f(e.doc.sarcasm))
	d(dSarcPos, b2f(e.doc.sarcasm && net > 0))
	d(dNegAny, b2f(s.neg0))
	d(dLenBuckets[min(s.words/4, len(dLenBuckets)-1)], 1)
}

// parse reads text for wholeFeatures and targetFeaturesParsed.
func (e *extractor) parse(text string) {
	e.scan(text)
	e.hasScoped = false
}

// scopedToks returns the whole text's tokens, scopes applied.
func (e *extractor) scopedToks() []token {
	if !e.hasScoped {
		e.scoped = append(e.scoped[:0], e.raw...)
		scopes(e.scoped, e.capsOK())
		e.hasScoped = true
	}
	return e.scoped
}

// textFeatures fills e.feats with the features of a whole text for the general head.
func (e *extractor) textFeatures(text string) {
	e.parse(text)
	e.wholeFeatures()
}

// wholeFeatures fills e.feats with the features of the text parsed for the general head.
func (e *extractor) wholeFeatures() {
	toks := e.scopedToks()
	e.feats = e.feats[:0]
	e.ngrams(toks, 0)
	e.denseFeats(toks, 0, 0)
}

// targetFeatures fills e.feats with the features for sentiment toward the target at spans. It
// returns false when no token of the text overlaps a span.
func (e *extractor) targetFeatures(text string, spans [][2]int) bool {
	e.parse(text)
	return e.targetFeaturesParsed(spans)
}

// targetTokens returns the tokens of the text parsed as tokenize(text, spans) gives them, and
// the index of the first target token (-1, and no tokens, when no token overlaps a span). As
// scopes reads each sentence on its own, only the sentences that hold the target are read
// again; the others are the whole text's.
func (e *extractor) targetTokens(spans [][2]int) ([]token, int) {
	spans = e.mapSpans(spans)
	if len(spans) == 0 {
		return nil, -1
	}
	raw := e.raw
	first := -1
	for k := range raw {
		if inTarget(&raw[k], spans) {
			first = k
			break
		}
	}
	if first < 0 {
		return nil, -1
	}
	e.work = append(e.work[:0], e.scopedToks()...)
	capsOK := e.capsOK()
	for k := first; k < len(raw); k++ {
		if !inTarget(&raw[k], spans) {
			continue
		}
		lo, hi := k, k+1
		for lo > 0 && !endsSentence(&raw[lo-1]) {
			lo--
		}
		for hi < len(raw) && !endsSentence(&raw[hi]) {
			hi++
		}
		sent := e.work[lo:hi]
		copy(sent, raw[lo:hi])
		markSpans(sent, spans)
		scopes(sent, capsOK)
		k = hi
	}
	return e.work, first
}

// targetFeaturesParsed fills e.feats with the features for sentiment toward the target at
// spans of the text parsed. It returns false when no token of the text overlaps a span.
func (e *extractor) targetFeaturesParsed(spans [][2]int) bool {
	e.feats = e.feats[:0]
	toks, first := e.targetTokens(spans)
	if first < 0 {
		return false
	}
	// The whole text, in its own namespace.
	e.ngrams(toks, nsGlobal)
	e.denseFeats(toks, nsGlobal, 0)
	// Each clause that holds the target, with its own shifters; words next to the target.
	lastEnd := -1
	contrasted := false
	e.local = e.local[:0]
	for k := first; k < len(toks); k++ {
		if toks[k].flags&fTarget == 0 || k < lastEnd {
			continue
		}
		lo, hi := clauseAround(toks, k)
		lastEnd = hi
		clause := toks[lo:hi]
		var extra float32
		if lo < len(toks) && toks[lo].role == roleContrast {
			// "X is great, unlike Acme": the clause before counts against the target.
			e.add(mix(dContrast, nsClause), 1)
			plo, _ := clauseAround(toks, max(lo-1, 0))
			for j := plo; j < lo; j++ {
				extra -= toks[j].lex
			}
		}
		e.ngrams(clause, nsClause)
		e.denseFeats(clause, nsClause, extra)
		// The same clause as the text head sees a whole text. It matters when a contrast word
		// ("but", "unlike", "than") sets the clause against another one.
		if (toks[lo].flags&fBoundary != 0 && toks[lo].flags&fTarget == 0) || (hi < len(toks) && toks[hi].flags&fBoundary != 0) {
			contrasted = true
		}
		feats := e.feats
		e.feats = e.local
		e.ngrams(clause, 0)
		e.denseFeats(clause, 0, extra)
		e.local, e.feats = e.feats, feats
		for d := 1; d <= 3; d++ {
			if j := k - d; j >= 0 {
				e.add(mix(toks[j].h, nsWindow+uint64(d)), 1)
			}
			if j := k + d; j < len(toks) {
				e.add(mix(toks[j].h, nsWindow+uint64(16+d)), 1)
			}
		}
		for j := max(k-5, 0); j < min(k+6, len(toks)); j++ {
			if j != k && toks[j].kind != kStop && toks[j].kind != kComma {
				h := toks[j].h
				if toks[j].flags&fNeg != 0 {
					h = mix(h, nsNeg)
				}
				e.add(mix(h, nsNear), 1)
			}
		}
	}
	e.partial = contrasted
	return true
}

// clauseAround returns the token range [lo, hi) of the clause holding toks[k]: it stops at
// sentence ends and at contrast words ("but", "unlike"); a contrast word on the left belongs
// to the clause it opens.
func clauseAround(toks []token, k int) (lo, hi int) {
	lo = k
	for lo > 0 {
		p := &toks[lo-1]
		if p.kind == kStop || p.kind == kExcl || p.kind == kQuest {
			break
		}
		if p.flags&fBoundary != 0 && p.flags&fTarget == 0 {
			lo--
			break
		}
		lo--
	}
	hi = k + 1
	for hi < len(toks) {
		p := &toks[hi]
		if p.kind == kStop || p.kind == kExcl || p.kind == kQuest {
			break
		}
		if p.flags&fBoundary != 0 && p.flags&fTarget == 0 {
			break
		}
		hi++
	}
	return lo, hi
}
