package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Block kinds of a line of a post, as segmentText infers them from the line's shape: the text
// a collector stores is HTML or Markdown flattened to lines, so a heading, a table row, a log
// line or a pasted code block is known only by what it looks like.
const (
	blockProse uint8 = iota
	blockQuote       // "> …": somebody else's words
	blockCode        // fenced code, or a line that reads as code, a log or a command
	blockTable       // a table row ("| a | b |")
)

// sentence is one sentence of a text: a byte range and the kind of block it is in.
type sentence struct {
	start, end int32
	block      uint8
	line       int32 // index of its line, so "the same paragraph" can be told
}

// segmentText splits text into sentences, line by line, and tells each line's block kind.
// Sentences end at '.', '!', '?', '…' (and their full-width forms) followed by a space, and
// at line ends.
func segmentText(text string, dst []sentence) []sentence {
	fenced := false
	line := int32(0)
	for i := 0; i < len(text); line++ {
		j := strings.IndexByte(text[i:], '\n')
		end := len(text)
		if j >= 0 {
			end = i + j
		}
		l := text[i:end]
		trimmed := strings.TrimSpace(l)
		kind := blockProse
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			fenced = !fenced
			kind = blockCode
		case fenced:
			kind = blockCode
		case strings.HasPrefix(trimmed, ">"):
			kind = blockQuote
		default:
			kind = lineKind(trimmed)
		}
		if trimmed != "" {
			if kind == blockProse {
				dst = appendSentences(dst, text, i, end, line)
			} else {
				off := i + strings.Index(l, trimmed)
				dst = append(dst, sentence{start: int32(off), end: int32(off + len(trimmed)), block: kind, line: line})
			}
		}
		if j < 0 {
			break
		}
		i = end + 1
	}
	return dst
}

// lineKind tells a code, log or table line from prose by its shape: many '|', few letters
// among the non-space characters, or long runs without spaces.
func lineKind(l string) uint8 {
	if strings.Count(l, "|") >= 2 {
		return blockTable
	}
	var letters, nonSpace, spaces, syms int
	for i := 0; i < len(l); {
		if c := l[i]; c < utf8.RuneSelf { // ASCII, most of any line: no decoding, no tables
			i++
			switch {
			case c == ' ' || c >= '\t' && c <= '\r':
				spaces++
				continue
			case isASCIILetter(c):
				letters++
			case isCodeSymbol(rune(c)):
				syms++
			}
			nonSpace++
			continue
		}
		r, size := utf8.DecodeRuneInString(l[i:])
		i += size
		switch {
		case unicode.IsSpace(r):
			spaces++
			continue
		case unicode.IsLetter(r):
			letters++
		}
		nonSpace++
	}
	if nonSpace < 12 {
		return blockProse
	}
	if letters*10 < nonSpace*6 || syms*8 > nonSpace || (nonSpace >= 60 && spaces*20 < nonSpace) {
		return blockCode
	}
	return blockProse
}

// isCodeSymbol reports whether r is one of { } [ ] ( ) ; = < > $ \ _ /, which are frequent in
// code (a switch, not strings.ContainsRune, as it is asked of every rune of a post).
func isCodeSymbol(r rune) bool {
	switch r {
	case '{', '}', '[', ']', '(', ')', ';', '=', '<', '>', '$', '\\', '_', '/':
		return true
	}
	return false
}

// appendSentences appends the sentences of the prose line text[lo:hi].
func appendSentences(dst []sentence, text string, lo, hi int, line int32) []sentence {
	start := lo
	for i := lo; i < hi; {
		if c := text[i]; c < utf8.RuneSelf { // ASCII: no decoding
			i++
			if c != '.' && c != '!' && c != '?' {
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(text[i:hi])
			i += size
			if !isSentenceEnd(r) {
				continue
			}
		}
		for i < hi {
			r2, s2 := utf8.DecodeRuneInString(text[i:hi])
			if !isSentenceEnd(r2) && r2 != '"' && r2 != ')' && r2 != '\'' {
				break
			}
			i += s2
		}
		if i >= hi || text[i] == ' ' || text[i] == '\t' {
			dst = appendTrimmed(dst, text, start, i, line)
			start = i
		}
	}
	return appendTrimmed(dst, text, start, hi, line)
}

func appendTrimmed(dst []sentence, text string, lo, hi int, line int32) []sentence {
	for lo < hi && (text[lo] == ' ' || text[lo] == '\t' || text[lo] == '\r') {
		lo++
	}
	for hi > lo && (text[hi-1] == ' ' || text[hi-1] == '\t' || text[hi-1] == '\r') {
		hi--
	}
	if hi > lo {
		dst = append(dst, sentence{start: int32(lo), end: int32(hi), block: blockProse, line: line})
	}
	return dst
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '？', '！', '。', '؟':
		return true
	}
	return false
}

// inURL reports whether text[lo:hi] is part of a URL, a domain or a path ("ollama.com",
// "github.com/x/y"): a brand named only there is linked, not talked about.
func inURL(text string, lo, hi int) bool {
	a, b := lo, hi
	for a > 0 && !isSpaceByte(text[a-1]) {
		a--
	}
	for b < len(text) && !isSpaceByte(text[b]) {
		b++
	}
	w := text[a:b]
	return strings.Contains(w, "://") || strings.HasPrefix(w, "www.") || strings.Contains(w, "/") && strings.Contains(w, ".") ||
		(hi < len(text) && text[hi] == '.' && hi+1 < len(text) && isDomainTail(text[hi+1:]))
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '(' || c == ')' || c == '[' || c == ']'
}

// isDomainTail reports whether s starts with a top-level domain ("com", "ai/…").
func isDomainTail(s string) bool {
	for _, tld := range []string{"com", "ai", "io", "org", "net", "dev", "app", "co"} {
		if strings.HasPrefix(s, tld) && (len(s) == len(tld) || !isASCIILetter(s[len(tld)])) {
			return true
		}
	}
	return false
}
