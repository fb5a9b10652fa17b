package sentiment

import "math/bits"

// cueSet finds which cues of a few fixed lists occur in a text, in one pass over it: the brand
// head reads a post for some 140 cues per brand, and a strings.Contains per cue read the text
// 140 times.
type cueSet struct {
	cues []string
	// lists holds where each list starts in cues, and len(cues) last.
	lists []int
	// starts has a bit for a hash of the first three bytes of each cue: nearly every byte
	// of a text starts none, and that is told with one load.
	starts [1 << 16 / 64]uint64
	// byFirst lists the cues by their first byte, each with its second byte.
	byFirst [256][]cueRef
}

type cueRef struct {
	i      uint8
	second byte
}

// maxCues bounds the cues of a cueSet, as cueHits holds them.
const maxCues = 256

// cueHits is the set of cues a text contains, by index in cueSet.cues.
type cueHits [maxCues / 64]uint64

// startHash hashes three bytes to 16 bits (Fibonacci hashing).
func startHash(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> 16
}

// newCueSet indexes lists of cues, each at least three bytes long.
func newCueSet(lists ...[]string) *cueSet {
	cs := &cueSet{}
	for _, l := range lists {
		cs.lists = append(cs.lists, len(cs.cues))
		cs.cues = append(cs.cues, l...)
	}
	cs.lists = append(cs.lists, len(cs.cues))
	if len(cs.cues) > maxCues {
		panic("sentiment: too many cues")
	}
	for i, c := range cs.cues {
		if len(c) < 3 {
			panic("sentiment: cue " + c + " shorter than three bytes")
		}
		h := startHash(c[0], c[1], c[2])
		cs.starts[h/64] |= 1 << (h % 64)
		cs.byFirst[c[0]] = append(cs.byFirst[c[0]], cueRef{i: uint8(i), second: c[1]})
	}
	return cs
}

// find returns the cues that s contains (strings.Contains(s, cue) for each).
func (cs *cueSet) find(s string) cueHits {
	var h cueHits
	for i := 0; i+2 < len(s); i++ {
		if h := startHash(s[i], s[i+1], s[i+2]); cs.starts[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, r := range cs.byFirst[s[i]] {
			if r.second != s[i+1] || h[r.i/64]&(1<<(r.i%64)) != 0 {
				continue
			}
			if c := cs.cues[r.i]; len(s)-i >= len(c) && s[i+2:i+len(c)] == c[2:] {
				h[r.i/64] |= 1 << (r.i % 64)
			}
		}
	}
	return h
}

// has reports whether h holds cue i of list l.
func (cs *cueSet) has(h cueHits, l, i int) bool {
	k := cs.lists[l] + i
	return h[k/64]&(1<<(k%64)) != 0
}

// count returns how many cues of list l h holds.
func (cs *cueSet) count(h cueHits, l int) int {
	n := 0
	for k := cs.lists[l]; k < cs.lists[l+1]; {
		w := h[k/64] >> (k % 64)
		if width := min(64-k%64, cs.lists[l+1]-k); width < 64 {
			w &= 1<<width - 1
			k += width
		} else {
			k += 64
		}
		n += bits.OnesCount64(w)
	}
	return n
}
