package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/overhear/overhear/analysis/internal/blocks"
)

// Block kinds of a line of a post. The collectors keep the block structure of what they read
// as Markdown (headings, list items, fenced code, "> " quotes, "| a | b |" rows), and
// analysis/internal/blocks reads it back, as question detection does. A line that is prose by
// its Markdown shape may still read as code, a log or a table row (text flattened by an older
// collector, a log pasted without a fence): segmentText tells those by their shape.
const (
	blockProse   uint8 = iota
	blockHeading       // "# …": the author's words, a section's title
	blockItem          // "- …", "1. …": the author's words, a list item
	blockQuote         // "> …": somebody else's words
	blockCode          // fenced code, or a line that reads as code, a log or a command
	blockTable         // a table row ("| a | b |")
)

// isProse reports whether a block holds the author's own words: prose, headings and list
// items. Quotes, code, logs and tables say nothing of what the author feels.
func isProse(block uint8) bool { return block <= blockItem }

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
	var sc blocks.Scanner
	line := int32(0)
	for i := 0; i < len(text); line++ {
		j := strings.IndexByte(text[i:], '\n')
		end := len(text)
		if j >= 0 {
			end = i + j
		}
		l := text[i:end]
		trimmed := strings.TrimSpace(l)
		var kind uint8
		switch sc.Kind(trimmed) {
		case blocks.Code:
			kind = blockCode
		case blocks.Quote:
			kind = blockQuote
		case blocks.Table:
			kind = blockTable
		case blocks.Heading, blocks.Item:
			// A heading or an item may still hold a log line or a command ("- `ollama run
			// …` --verbose").
			kind = lineKind(blocks.Text(trimmed))
			if kind == blockProse {
				kind = blockItem
				if trimmed[0] == '#' {
					kind = blockHeading
				}
			}
		default:
			kind = lineKind(trimmed)
		}
		if trimmed != "" {
			if isProse(kind) {
				lo := i
				if kind == blockHeading || kind == blockItem {
					// The sentences of a heading or an item are its text: "1." is no sentence.
					lo = i + strings.Index(l, trimmed) + strings.Index(trimmed, blocks.Text(trimmed))
				}
				dst = appendSentences(dst, text, lo, end, line, kind)
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

// ownText returns text without its fenced code, quoted lines and table rows (their Markdown
// shapes, as analysis/internal/blocks reads them): the author's own words. Text without such
// lines comes back as it is.
func ownText(text string) string {
	var sc blocks.Scanner
	var b strings.Builder
	last := 0 // text[:last] is copied to b or is nothing but the author's
	for i := 0; i < len(text); {
		end := len(text)
		if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
			end = i + j + 1
		}
		switch sc.Kind(text[i:end]) {
		case blocks.Code, blocks.Quote, blocks.Table:
			if b.Cap() == 0 {
				b.Grow(len(text))
			}
			b.WriteString(text[last:i])
			last = end
		}
		i = end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
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

// appendSentences appends the sentences of the line text[lo:hi], a block of prose kind.
func appendSentences(dst []sentence, text string, lo, hi int, line int32, kind uint8) []sentence {
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
			dst = appendTrimmed(dst, text, start, i, line, kind)
			start = i
		}
	}
	return appendTrimmed(dst, text, start, hi, line, kind)
}

func appendTrimmed(dst []sentence, text string, lo, hi int, line int32, kind uint8) []sentence {
	for lo < hi && (text[lo] == ' ' || text[lo] == '\t' || text[lo] == '\r') {
		lo++
	}
	for hi > lo && (text[hi-1] == ' ' || text[hi-1] == '\t' || text[hi-1] == '\r') {
		hi--
	}
	if hi > lo {
		dst = append(dst, sentence{start: int32(lo), end: int32(hi), block: kind, line: line})
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
