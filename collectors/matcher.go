package collectors

import (
	"slices"
	"strings"
	"sync"
)

// Matcher matches many queries against texts in one pass over each text: every text word is
// looked up once in an index of all query words, and only queries with a hit are evaluated.
// It is safe for concurrent use.
type Matcher struct {
	queries []*Query
	// first maps a folded word to the terms (single words or phrases) that start with it.
	first map[string][]termRef
	// starts has bit min(len(w), 63) of starts[w[0]] set for each key w of first: most text
	// words start no term, and this tells so without hashing the word.
	starts [256]uint64
	// termBase[i] is the global number of query i's first term.
	termBase []int
	nTerms   int
	scratch  sync.Pool
}

type termRef struct {
	query  int32
	global int32    // global term number
	words  []string // whole term; len > 1 for phrases
	// inHosts is set when the term also matches a label or suffix of a host name
	// ("github" in "gist.github.com"): single words written without quotes.
	inHosts bool
}

// How a text word was found: as written, as an alternate form, or as a form of a host name.
const (
	formWord uint8 = iota
	formAlternate
	formHost
)

// Match is one query that matched a text.
type Match struct {
	// Query is the index of the query in the slice given to NewMatcher.
	Query int
	// Spans are the byte offsets [start, end) of the query's present terms in the text,
	// which target-directed sentiment scores around.
	Spans [][2]int
}

// maxSpans caps the spans reported per match: a post naming a brand fifty times needs no more
// context than one naming it sixteen times.
const maxSpans = 16

type matchScratch struct {
	lower    []byte // the text, ASCII lower-cased
	tokens   []token
	alts     []string
	hosts    []hostForm
	hitGen   []uint32
	queryGen []uint32
	gen      uint32
	cands    []int32
	hits     []termHit
}

type termHit struct {
	global int32
	span   [2]int
}

// NewMatcher indexes queries. Nil queries are skipped (they never match).
func NewMatcher(queries []*Query) *Matcher {
	m := &Matcher{queries: queries, first: map[string][]termRef{}, termBase: make([]int, len(queries))}
	for qi, q := range queries {
		m.termBase[qi] = m.nTerms
		if q == nil {
			continue
		}
		for ti, t := range q.terms {
			ref := termRef{query: int32(qi), global: int32(m.nTerms + ti), words: t.words,
				inHosts: len(t.words) == 1 && !t.quoted}
			w := t.words[0]
			m.first[w] = append(m.first[w], ref)
			m.starts[w[0]] |= startBit(w)
		}
		m.nTerms += len(q.terms)
	}
	m.scratch.New = func() any {
		return &matchScratch{hitGen: make([]uint32, m.nTerms), queryGen: make([]uint32, len(queries))}
	}
	return m
}

// Len returns the number of queries.
func (m *Matcher) Len() int { return len(m.queries) }

// Match returns the queries that match text, in query order.
func (m *Matcher) Match(text string) []Match {
	if len(m.queries) == 0 {
		return nil
	}
	s := m.scratch.Get().(*matchScratch)
	defer m.scratch.Put(s)
	s.gen++
	if s.gen == 0 { // wrapped: clear so stale marks cannot look current
		clear(s.hitGen)
		clear(s.queryGen)
		s.gen = 1
	}
	s.cands = s.cands[:0]
	s.hits = s.hits[:0]
	// With the text's ASCII lower-cased first, in one pass, fold has nothing to do for most
	// words, where it would allocate for each capitalised one.
	s.tokens = tokenize(lowerASCII(text, &s.lower), s.tokens[:0])
	for i, tok := range s.tokens {
		m.lookup(s, tok.text, i, tok.start, tok.end, formWord)
		if !tok.joined {
			continue // no alternates
		}
		s.alts = alternates(tok.text, s.alts[:0])
		for _, a := range s.alts {
			m.lookup(s, a, i, tok.start, tok.end, formAlternate)
		}
		if strings.IndexByte(tok.text, '.') > 0 && isHost(text, tok) {
			// Offsets within the folded word are offsets in the text unless folding
			// changed its length; then the whole word is the span.
			exact := len(tok.text) == tok.end-tok.start
			s.hosts = hostForms(tok.text, s.hosts[:0])
			for _, h := range s.hosts {
				start, end := tok.start, tok.end
				if exact {
					start, end = tok.start+h.start, tok.start+h.end
				}
				m.lookup(s, h.text, i, start, end, formHost)
			}
		}
	}
	if len(s.cands) == 0 {
		return nil
	}
	slices.Sort(s.cands)
	// Hits sorted by term (then position) let each matched query take its spans with a
	// binary search instead of a pass over every hit of the text. A term's hits were found
	// in text order, each at its own start (or are equal), so sorting by term and start
	// gives the order of a stable sort by term, faster.
	slices.SortFunc(s.hits, func(a, b termHit) int {
		if a.global != b.global {
			return int(a.global) - int(b.global)
		}
		return a.span[0] - b.span[0]
	})
	var out []Match
	for _, qi := range s.cands {
		q := m.queries[qi]
		base := int32(m.termBase[qi])
		if !q.root.eval(func(t int) bool { return s.hitGen[int(base)+t] == s.gen }) {
			continue
		}
		match := Match{Query: int(qi)}
		i, _ := slices.BinarySearchFunc(s.hits, base, func(h termHit, t int32) int { return int(h.global) - int(t) })
		for ; i < len(s.hits) && s.hits[i].global < base+int32(len(q.terms)) && len(match.Spans) < maxSpans; i++ {
			if q.positive[s.hits[i].global-base] {
				match.Spans = append(match.Spans, s.hits[i].span)
			}
		}
		slices.SortFunc(match.Spans, func(a, b [2]int) int { return a[0] - b[0] })
		out = append(out, match)
	}
	return out
}

// lookup records the terms starting with word at token i. Alternate forms (possessive stems,
// compound parts) only match single-word terms; forms of a host name only match the terms
// that allow it (termRef.inHosts).
func (m *Matcher) lookup(s *matchScratch, word string, i, start, end int, form uint8) {
	if word == "" || m.starts[word[0]]&startBit(word) == 0 {
		return
	}
	for _, ref := range m.first[word] {
		if form == formHost && !ref.inHosts {
			continue
		}
		last := i + len(ref.words) - 1
		if len(ref.words) > 1 {
			if form != formWord || last >= len(s.tokens) {
				continue
			}
			ok := true
			for k := 1; k < len(ref.words); k++ {
				if s.tokens[i+k].text != ref.words[k] {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			end = s.tokens[last].end
		}
		s.hitGen[ref.global] = s.gen
		s.hits = append(s.hits, termHit{global: ref.global, span: [2]int{start, end}})
		if s.queryGen[ref.query] != s.gen {
			s.queryGen[ref.query] = s.gen
			s.cands = append(s.cands, ref.query)
		}
	}
}

// startBit is w's bit in Matcher.starts.
func startBit(w string) uint64 { return 1 << min(len(w), 63) }
