package analysis

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// whatlanggo.Detect tells a Latin-script text's language by comparing the ranks of the text's
// trigrams with each language's profile: 46 profiles of 300 trigrams, each looked up in a map
// of the text's trigrams (about 240 µs a text, most of `overhear analyze`'s time on tweets that
// the English fast path does not settle). detect gives the same answer from an index of the
// profiles by trigram, reading only the text's trigrams (latinProfiles is whatlanggo's data,
// generated; TestDetectMatchesWhatlanggo holds the two to the same results).

//go:generate go run ./internal/gentrigrams

// langProfile is a language's trigrams, from the most frequent on.
type langProfile struct {
	lang     whatlanggo.Lang
	trigrams []string
}

// whatlanggo's constants: the distance of a profile trigram the text lacks, and the most a
// language's total distance can be (300 trigrams at that distance).
const (
	maxTrigramDistance = 300
	maxTotalDistance   = 90000
)

// trigramIndex is latinProfiles by trigram.
type trigramIndex struct {
	langs []whatlanggo.Lang
	// base is each language's distance from a text that has none of its trigrams.
	base []int
	// at holds each trigram's postings: where it stands in each profile that has it.
	at trigramTable
}

// trigramTable maps trigram keys to their postings: open addressing with linear probing, at
// most half full, in a few flat slices: a Go map of slices took four times as long to build,
// in every analyze that meets a text the English check does not settle. Key 0 marks an empty
// slot: no profile has the trigram of three NULs.
type trigramTable struct {
	keys     []uint64
	start    []int32 // the postings of keys[i] are postings[start[i]:][:count[i]]
	count    []int32
	postings []posting
	shift    uint
}

// slot returns the slot of key, or the empty slot where it would go.
func (t *trigramTable) slot(key uint64) int {
	i := int((key * 0x9E3779B97F4A7C15) >> t.shift)
	for t.keys[i] != key && t.keys[i] != 0 {
		i = (i + 1) & (len(t.keys) - 1)
	}
	return i
}

// get returns the postings of key.
func (t *trigramTable) get(key uint64) []posting {
	i := t.slot(key)
	if t.keys[i] == 0 {
		return nil
	}
	return t.postings[t.start[i]:][:t.count[i]]
}

// posting is a trigram's place in one language's profile.
type posting struct {
	lang uint8
	rank uint16
}

// trigramKey packs three runes (21 bits each) so that keys order as the trigrams' strings do.
func trigramKey(r1, r2, r3 rune) uint64 { return uint64(r1)<<42 | uint64(r2)<<21 | uint64(r3) }

// latinIndex is built on first use: most texts never need it.
var latinIndex = sync.OnceValue(newLatinIndex)

func newLatinIndex() *trigramIndex {
	ix := &trigramIndex{}
	type keyed struct {
		key uint64
		posting
	}
	all := make([]keyed, 0, len(latinProfiles)*300)
	for l, p := range latinProfiles {
		ix.langs = append(ix.langs, p.lang)
		ix.base = append(ix.base, maxTrigramDistance*len(p.trigrams))
		for rank, t := range p.trigrams {
			// A profile entry that is not three valid runes never equals a text's trigram.
			var rs [3]rune
			n := 0
			for _, r := range t {
				if n < 3 {
					rs[n] = r
				}
				n++
			}
			if n == 3 && utf8.ValidString(t) {
				all = append(all, keyed{trigramKey(rs[0], rs[1], rs[2]), posting{uint8(l), uint16(rank)}})
			}
		}
	}
	// Count each trigram's postings in its slot, give each slot its share of postings, then
	// fill them.
	bits := uint(1)
	for 1<<bits < 2*len(all) {
		bits++
	}
	t := &ix.at
	t.keys, t.start, t.count = make([]uint64, 1<<bits), make([]int32, 1<<bits), make([]int32, 1<<bits)
	t.postings, t.shift = make([]posting, len(all)), 64-bits
	for _, e := range all {
		i := t.slot(e.key)
		t.keys[i] = e.key
		t.count[i]++
	}
	at := int32(0)
	for i := range t.keys {
		t.start[i], at = at, at+t.count[i]
		t.count[i] = 0
	}
	for _, e := range all {
		i := t.slot(e.key)
		t.postings[t.start[i]+t.count[i]] = e.posting
		t.count[i]++
	}
	return ix
}

// detect returns what whatlanggo.Detect returns for text, except the language when the
// confidence is 0: whatlanggo then picks one of the languages tied for nearest at random,
// detect the first in latinProfiles.
func detect(text string) whatlanggo.Info {
	if whatlanggo.DetectScript(text) != unicode.Latin {
		return whatlanggo.Detect(text)
	}
	lang, confidence := latinIndex().detect(text)
	return whatlanggo.Info{Lang: lang, Script: unicode.Latin, Confidence: confidence}
}

// trigramScratch holds the buffers of textTrigrams.
type trigramScratch struct {
	keys, distinct, ranked []uint64
	counts, next           []int
}

var trigramPool = sync.Pool{New: func() any { return new(trigramScratch) }}

// detect is whatlanggo's detectLangInProfiles and calculateConfidence for the Latin profiles.
func (ix *trigramIndex) detect(text string) (whatlanggo.Lang, float64) {
	sc := trigramPool.Get().(*trigramScratch)
	defer trigramPool.Put(sc)
	tg := sc.textTrigrams(text)

	var dists [256]int
	dist := dists[:len(ix.langs)]
	copy(dist, ix.base)
	for rank, t := range tg {
		for _, p := range ix.at.get(t) {
			d := rank - int(p.rank)
			if d < 0 {
				d = -d
			}
			dist[p.lang] += d - maxTrigramDistance
		}
	}

	// The nearest two languages; a tie for nearest gives confidence 0 whichever is first.
	best, second := -1, -1
	for l, d := range dist {
		switch {
		case best < 0 || d < dist[best]:
			best, second = l, best
		case second < 0 || d < dist[second]:
			second = l
		}
	}
	score1 := maxTotalDistance - dist[best]
	score2 := maxTotalDistance - dist[second]
	switch {
	case score1 == 0:
		return -1, 0
	case score2 == 0:
		// whatlanggo divides ints here, and so must we.
		return ix.langs[best], min(float64(score1/500), 1)
	}
	rate := float64(score1-score2) / float64(score2)
	confidentRate := 12.0/float64(len(tg)) + 0.05
	if rate > confidentRate {
		return ix.langs[best], 1
	}
	return ix.langs[best], rate / confidentRate
}

// textTrigrams returns text's distinct trigrams as whatlanggo counts them (lower case,
// punctuation, symbols and digits read as spaces, no trigram of two spaces around a letter's
// edge), by rank: the most frequent first, and among equals the greatest string first. The
// slice is valid until the next call.
func (sc *trigramScratch) textTrigrams(text string) []uint64 {
	keys := sc.keys[:0]
	r1, r2 := ' ', rune(-1)
	for _, r := range text {
		r3 := unicode.ToLower(toTrigramChar(r))
		if r2 < 0 {
			r2 = r3
			continue
		}
		if !(r2 == ' ' && (r1 == ' ' || r3 == ' ')) {
			keys = append(keys, trigramKey(r1, r2, r3))
		}
		r1, r2 = r2, r3
	}
	if r2 >= 0 && r2 != ' ' { // the text ends with a space, as whatlanggo appends one
		keys = append(keys, trigramKey(r1, r2, ' '))
	}
	slices.Sort(keys)
	sc.keys = keys

	// Count each distinct trigram, then sort them by count (a counting sort: counts are
	// small), going through them from the greatest down so equal counts keep that order.
	distinct, counts := sc.distinct[:0], sc.counts[:0]
	most := 0
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		distinct, counts = append(distinct, keys[i]), append(counts, j-i)
		most = max(most, j-i)
		i = j
	}
	next := append(sc.next[:0], make([]int, most+1)...) // next[c]: where the next of count c goes
	for _, c := range counts {
		next[c]++
	}
	for c, at := most, 0; c >= 1; c-- {
		at, next[c] = at+next[c], at
	}
	ranked := slices.Grow(sc.ranked[:0], len(distinct))[:len(distinct)]
	for i := len(distinct) - 1; i >= 0; i-- {
		ranked[next[counts[i]]] = distinct[i]
		next[counts[i]]++
	}
	sc.distinct, sc.counts, sc.next, sc.ranked = distinct, counts, next, ranked
	return ranked
}

// toTrigramChar is whatlanggo's: punctuation, symbols, digits and spaces read as a space.
func toTrigramChar(r rune) rune {
	if unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsDigit(r) {
		return ' '
	}
	return r
}
