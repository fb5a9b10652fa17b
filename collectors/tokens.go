package collectors

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text as queries see it: folded to lower case, with its byte span.
type token struct {
	text       string // folded form
	start, end int    // byte offsets in the original text
	joined     bool   // holds a joiner: only then may it have alternates
}

// isWordRune reports runes that make up words: letters, digits, marks and '_'.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// asciiWord is isWordRune for ASCII, indexed by byte (false from utf8.RuneSelf up): most text
// is ASCII, and the unicode tables are slow.
var asciiWord = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c == '_' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
	}
	return t
}()

// isJoiner reports runes that may sit inside a term ("llama.cpp", "self-hosting", "don't", "a+b").
func isJoiner(r rune) bool {
	switch r {
	case '.', '-', '\'', '\u2019', '+', '#':
		return true
	}
	return false
}

// isTrailer reports runes that may end a term ("c++", "c#").
func isTrailer(r rune) bool { return r == '+' || r == '#' }

// tokenize splits s into words on Unicode word boundaries. A joiner between two word runes stays
// inside the word; trailing '+' and '#' stay too, so "c++" and "c#" are words but "acme." is "acme".
func tokenize(s string, dst []token) []token {
	i := 0
	for i < len(s) {
		// ASCII bytes are tested in line: every byte of every text passes here.
		if c := s[i]; !asciiWord[c] {
			if c < utf8.RuneSelf {
				i++
				continue
			}
			if r, size := utf8.DecodeRuneInString(s[i:]); !isWordRune(r) {
				i += size
				continue
			}
		}
		start := i
		plain := true // lower-case ASCII only, so fold has nothing to do
		joined := false
		for i < len(s) {
			c := s[i]
			if asciiWord[c] {
				if c-'A' < 26 { // upper case
					plain = false
				}
				i++
				continue
			}
			r := rune(c)
			if c >= utf8.RuneSelf {
				plain = false
				var size int
				if r, size = utf8.DecodeRuneInString(s[i:]); isWordRune(r) {
					i += size
					continue
				}
			}
			if isJoiner(r) {
				// A run of joiners stays in the word when a word rune follows ("c++11"),
				// or when it is a run of trailers at the end of the word ("c++", "c#").
				j := i
				trailersOnly := true
				for j < len(s) {
					r2, size2 := utf8.DecodeRuneInString(s[j:])
					if !isJoiner(r2) {
						break
					}
					trailersOnly = trailersOnly && isTrailer(r2)
					j += size2
				}
				next, _ := utf8.DecodeRuneInString(s[j:])
				if j < len(s) && isWordRune(next) {
					plain = plain && isASCII(s[i:j])
					i, joined = j, true
					continue
				}
				if trailersOnly {
					i, joined = j, true
				}
			}
			break
		}
		text := s[start:i]
		if !plain {
			text = fold(text)
		}
		dst = append(dst, token{text: text, start: start, end: i, joined: joined})
	}
	return dst
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// fold lower-cases s and maps the typographic apostrophe to the ASCII one.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.ToLower(strings.ReplaceAll(s, "\u2019", "'"))
}

// lowerASCII returns a copy of s with its ASCII letters lower-cased (built in buf), or s itself
// when it has no upper-case ASCII letter. Byte offsets are unchanged, and so is what fold makes
// of each word.
func lowerASCII(s string, buf *[]byte) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := append((*buf)[:0], s...)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	*buf = b
	return string(b)
}

// alternates returns the extra forms a text word also matches as: the stem of a possessive
// ("acme's" → "acme") and the parts of a hyphenated compound ("ollama-powered" → "ollama",
// "powered"). Dotted words ("llama.cpp") have no alternates: "llama" must not match them.
func alternates(word string, dst []string) []string {
	if strings.HasSuffix(word, "'s") {
		dst = append(dst, word[:len(word)-2])
		word = word[:len(word)-2]
	} else if strings.HasSuffix(word, "s'") {
		dst = append(dst, word[:len(word)-1])
	}
	if strings.IndexByte(word, '-') > 0 {
		for _, part := range strings.Split(word, "-") {
			if part != "" {
				dst = append(dst, part)
			}
		}
	}
	return dst
}
