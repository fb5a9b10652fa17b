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
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

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
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		i += size
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				i += size
				continue
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
					i = j
					continue
				}
				if trailersOnly {
					i = j
				}
			}
			break
		}
		dst = append(dst, token{text: fold(s[start:i]), start: start, end: i})
	}
	return dst
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
