package questions

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// This file holds the text clean-up shared by detection and clustering:
// markup and quote removal, sentence splitting and word tokenisation.

var (
	reFence      = regexp.MustCompile("(?s)```.*?```|~~~.*?~~~")
	reInlineCode = regexp.MustCompile("`[^`\n]*`")
	reURL        = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"']+`)
	reMDLink     = regexp.MustCompile(`\[([^\]\n]*)\]\([^)\s]*\)`)
	reHTMLQuote  = regexp.MustCompile(`(?is)<blockquote\b.*?</blockquote>|<aside\b[^>]*class="quote[^"]*".*?</aside>|<pre\b.*?</pre>|<code\b.*?</code>`)
	reHTMLBreak  = regexp.MustCompile(`(?i)<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|/tr|tr)\b[^>]*>`)
	reHTMLTag    = regexp.MustCompile(`<[^>]*>`)
	reHTMLish    = regexp.MustCompile(`(?i)</?(?:p|br|div|a|span|blockquote|aside|li|ul|ol|em|strong|code|pre|table|h[1-6])\b`)
)

// clean turns a post body (plain text, Markdown or HTML) into plain text lines
// without quoted material, code or URLs. Markdown quote lines ("> …") and HTML
// blockquotes are dropped because they repeat somebody else's words.
//
// Each step first checks cheaply for the characters its pattern needs, so
// plain chat lines and tweets pass through without running a regexp.
func clean(text string) string {
	if strings.IndexByte(text, '<') >= 0 && reHTMLish.MatchString(text) {
		text = reHTMLQuote.ReplaceAllString(text, "\n")
		text = reHTMLBreak.ReplaceAllString(text, "\n")
		text = reHTMLTag.ReplaceAllString(text, " ")
		text = html.UnescapeString(text)
	}
	if strings.Contains(text, "```") || strings.Contains(text, "~~~") {
		text = reFence.ReplaceAllString(text, "\n")
	}
	if strings.IndexByte(text, '`') >= 0 {
		text = reInlineCode.ReplaceAllString(text, "code")
	}
	if strings.Contains(text, "](") {
		text = reMDLink.ReplaceAllString(text, "$1")
	}
	text = replaceURLs(text)
	if strings.IndexByte(text, '>') < 0 {
		return text
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// replaceURLs replaces every match of reURL in text with "link". It is a
// hand-written scanner for that pattern; text with a long s ("ſ", which
// (?i) folds onto "s") takes the regexp.
func replaceURLs(text string) string {
	if !strings.Contains(text, "://") && !containsWWW(text) {
		return text
	}
	if strings.Contains(text, "ſ") {
		return reURL.ReplaceAllString(text, "link")
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); i++ {
		c := text[i] | 0x20
		if c != 'h' && c != 'w' || i > 0 && isASCIIWord(text[i-1]) {
			continue
		}
		j := urlScheme(text, i)
		if j < 0 {
			continue
		}
		k := j
		for k < len(text) && !isURLStop(text[k]) {
			k++
		}
		if k == j {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString("link")
		last = k
		i = k - 1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// urlScheme returns the end of "http://", "https://" or "www." (any case) at
// text[i:], or -1.
func urlScheme(text string, i int) int {
	switch {
	case hasFoldASCIIPrefix(text[i:], "www."):
		return i + 4
	case hasFoldASCIIPrefix(text[i:], "http://"):
		return i + 7
	case hasFoldASCIIPrefix(text[i:], "https://"):
		return i + 8
	}
	return -1
}

// isURLStop reports whether c ends a URL: [\s<>"'] in reURL.
func isURLStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\f', '\r', '<', '>', '"', '\'':
		return true
	}
	return false
}

// isASCIIWord reports whether c is in [0-9A-Za-z_], the word characters of
// regexp's \b.
func isASCIIWord(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// hasFoldASCIIPrefix reports whether s starts with the lower-case ASCII
// string p, ignoring ASCII case.
func hasFoldASCIIPrefix(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// containsWWW reports whether s contains "www." in any case.
func containsWWW(s string) bool {
	for i := 3; i < len(s); i++ {
		j := strings.IndexByte(s[i:], '.')
		if j < 0 {
			return false
		}
		i += j
		if hasFoldASCIIPrefix(s[i-3:], "www.") {
			return true
		}
	}
	return false
}

// maskQuotes returns s with the inside of double-quoted spans ("…", “…”)
// replaced by spaces of the same byte length, so a question mark that belongs
// to a quotation does not make the surrounding sentence a question. The
// quotation is kept when it is (nearly) the whole sentence.
func maskQuotes(s string) string {
	if strings.IndexByte(s, '?') < 0 || !strings.ContainsAny(s, "\"“”") {
		return s // only a quotation with a '?' is masked
	}
	var b []byte
	open := -1
	var openR rune
	for i, r := range s {
		switch {
		case open < 0 && (r == '"' || r == '“'):
			open, openR = i, r
		case open >= 0 && (r == '"' && openR == '"' || r == '”' && openR == '“'):
			inner := s[open+utf8.RuneLen(openR) : i]
			if strings.IndexByte(inner, '?') >= 0 {
				if b == nil {
					b = []byte(s)
				}
				for j := open + utf8.RuneLen(openR); j < i; j++ {
					b[j] = ' '
				}
			}
			open = -1
		}
	}
	if b == nil {
		return s
	}
	masked := string(b)
	if countWords(masked, 2) < 2 {
		return s // the quotation is the sentence itself, e.g. a quoted title
	}
	return masked
}

// splitSentences splits cleaned text into sentences. A sentence ends at a
// line break or at a run of '.', '!', '?' or '…' followed by a space; the
// terminal punctuation stays with its sentence. The sentences are substrings
// of text (of its valid UTF-8 form: each invalid byte becomes U+FFFD).
func splitSentences(text string) []string {
	return appendSentences(nil, text)
}

// appendSentences appends the sentences of text to out.
func appendSentences(out []string, text string) []string {
	for rest := text; ; {
		line := rest
		nl := strings.IndexByte(rest, '\n')
		if nl >= 0 {
			line, rest = rest[:nl], rest[nl+1:]
		}
		line = strings.TrimSpace(line)
		// Markdown list bullets and headings are not part of the sentence.
		line = trimBullets(line)
		if !utf8.ValidString(line) {
			line = string([]rune(line))
		}
		out = appendLineSentences(out, line)
		if nl < 0 {
			return out
		}
	}
}

// trimBullets is strings.TrimLeft(line, "#*-+• \t") without the cost of a
// Unicode cut set.
func trimBullets(line string) string {
	for len(line) > 0 {
		switch line[0] {
		case '#', '*', '-', '+', ' ', '\t':
			line = line[1:]
			continue
		}
		if !strings.HasPrefix(line, "•") {
			break
		}
		line = line[len("•"):]
	}
	return line
}

// appendLineSentences appends the sentences of one line (valid UTF-8).
// Besides '.', '!', '?' and '…', the question marks of other scripts end a
// sentence: '？' and '！' and '。' (full width, also without a space after
// them), '؟' (Arabic), '⸮' and the Greek question mark U+037E, and ';' after
// a Greek letter (the Greek question mark is usually typed as a semicolon).
func appendLineSentences(out []string, line string) []string {
	start := 0
	for i := 0; i < len(line); {
		for i < len(line) && !mayEndSentence[line[i]] {
			i++
		}
		if i == len(line) {
			break
		}
		first, size := rune(line[i]), 1
		if first >= utf8.RuneSelf {
			first, size = utf8.DecodeRuneInString(line[i:])
		}
		if !isTerminal(first) || first == ';' && !greekBefore(line[:i]) {
			i += size
			continue
		}
		// The run of terminal punctuation, closing brackets and quotes.
		last, lastAt, end := first, i, i+size
		for end < len(line) {
			r, n := utf8.DecodeRuneInString(line[end:])
			if !isTerminal(r) && r != ')' && r != '"' && r != '”' || r == ';' {
				break
			}
			last, lastAt, end = r, end, end+n
		}
		ellipsis := lastAt > i || first == '…'
		if end < len(line) && !isFullWidthTerminal(last) {
			r, _ := utf8.DecodeRuneInString(line[end:])
			if !unicode.IsSpace(r) && !(ellipsis && !isQuestionRune(first) && !isQuestionRune(last)) {
				i = end
				continue
			}
		}
		if first == '.' && lastAt == i && isAbbrev(line[start:i]) {
			i++
			continue
		}
		if s := strings.TrimSpace(line[start:end]); s != "" {
			out = append(out, s)
		}
		start, i = end, end
	}
	if s := strings.TrimSpace(line[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// mayEndSentence marks the bytes that start a terminal rune: ASCII '.', '!',
// '?' and ';', and the lead bytes of "…", "⸮" (0xE2), "؟" (0xD8), U+037E
// (0xCD), "。" (0xE3) and "？", "！" (0xEF).
var mayEndSentence = [256]bool{'.': true, '!': true, '?': true, ';': true,
	0xE2: true, 0xD8: true, 0xCD: true, 0xE3: true, 0xEF: true}

func isTerminal(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '？', '！', '。', '؟', '⸮', '\u037e', ';':
		return true
	}
	return false
}

// isQuestionRune reports whether r is a question mark of some script (the
// Greek semicolon aside).
func isQuestionRune(r rune) bool {
	return r == '?' || r == '？' || r == '؟' || r == '⸮' || r == '\u037e'
}

// isFullWidthTerminal reports whether r ends a sentence without a space
// after it (CJK punctuation).
func isFullWidthTerminal(r rune) bool { return r == '？' || r == '！' || r == '。' }

// greekBefore reports whether the rune before a ';' is a Greek letter, so
// that the ';' is a Greek question mark.
func greekBefore(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return r >= 0x370 && r <= 0x3FF || r >= 0x1F00 && r <= 0x1FFF
}

// isAbbrev reports whether the text before a period ends with a common
// abbreviation ("e.g", "vs", "Mr") that does not end a sentence.
func isAbbrev(before string) bool {
	const longest = len("approx")
	k, runes := len(before), 0
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(before[:k])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		k -= n
		runes++
	}
	if runes > longest {
		return false // lower-casing maps rune to rune, so this is too long
	}
	var buf [longest * utf8.UTFMax]byte
	w, lw := before[k:], buf[:0]
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			lw = append(buf[:0], strings.ToLower(w)...)
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lw = append(lw, c)
	}
	switch string(lw) {
	case "e.g", "i.e", "vs", "etc", "mr", "mrs", "ms", "dr", "approx", "incl", "no", "v":
		return true
	}
	return false
}

// words splits s into lower-case word tokens. Apostrophes inside a word are
// kept ("don't"); everything else that is not a letter or digit separates words.
func words(s string) []string {
	var t tokenizer
	t.tokenize(s, false)
	return t.ws
}

// countWords returns the number of words of s, counting up to limit.
func countWords(s string, limit int) int {
	n := 0
	inWord := false
	for _, r := range s {
		w := isWordRune(r) || (r == '\'' || r == '’') && inWord
		if w && !inWord {
			n++
			if n >= limit {
				return n
			}
		}
		inWord = w
	}
	return n
}

// isWordRune reports whether r is a letter or a digit.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
	}
	return t
}()

// tokenizer splits a sentence into lower-case words (see words), reusing its
// buffers. With clauses set it also numbers the clauses the way
// strings.FieldsFunc(s, isClauseSep) splits them and records each word's.
type tokenizer struct {
	ws      []string
	clause  []int32 // clause of each word, with clauses
	nClause int     // number of clauses, with clauses
	lower   string  // s with ASCII upper case lowered, made on demand

	// With scratch set, lower is built in buf and its words are valid
	// only until the next tokenize: for callers that drop them by then.
	scratch bool
	buf     []byte
}

// isClauseSep reports whether r separates the clauses of a chat line:
// commas, semicolons, colons, periods, dashes and opening brackets.
func isClauseSep(r rune) bool {
	return r == ',' || r == ';' || r == ':' || r == '.' || r == '—' || r == '('
}

// Classes of ASCII bytes for the tokenizer.
const (
	bWord  = 1 << iota // letter or digit
	bUpper             // upper-case letter
	bSep               // clause separator
)

var byteClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		if asciiWord[c] {
			t[c] |= bWord
		}
		if 'A' <= c && c <= 'Z' {
			t[c] |= bUpper
		}
		if isClauseSep(rune(c)) {
			t[c] |= bSep
		}
	}
	return t
}()

// tokenize sets t.ws to the words of s.
func (t *tokenizer) tokenize(s string, clauses bool) {
	t.ws, t.clause, t.nClause, t.lower = t.ws[:0], t.clause[:0], 0, ""
	inClause := false
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if clauses {
			if isClauseSep(r) {
				inClause = false
			} else if !inClause {
				inClause = true
				t.nClause++
			}
		}
		if !isWordRune(r) {
			i += n
			continue
		}
		// A word: letters, digits and inner apostrophes.
		start, ascii, cls := i, true, uint8(0)
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				cl := byteClass[c]
				if cl&bWord == 0 && c != '\'' {
					break
				}
				cls |= cl
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isWordRune(r) && r != '’' {
				break
			}
			ascii = false
			i += n
		}
		t.add(s, start, i, ascii, cls&bUpper != 0, clauses)
	}
}

func (t *tokenizer) add(s string, start, end int, ascii, upper, clauses bool) {
	var w string
	switch {
	case !ascii:
		w = normWord(s[start:end])
	case upper:
		if t.lower == "" {
			t.lower = t.lowerASCII(s)
		}
		w = trimApostrophes(t.lower[start:end])
	default:
		w = trimApostrophes(s[start:end])
	}
	t.ws = append(t.ws, w)
	if clauses {
		t.clause = append(t.clause, int32(t.nClause-1))
	}
}

func trimApostrophes(w string) string {
	for len(w) > 0 && w[len(w)-1] == '\'' {
		w = w[:len(w)-1]
	}
	return w
}

// lowerASCII returns s with ASCII upper-case letters lowered and every other
// byte unchanged.
func (t *tokenizer) lowerASCII(s string) string {
	var b []byte
	if t.scratch {
		b = append(t.buf[:0], s...)
		t.buf = b
	} else {
		b = []byte(s)
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	if t.scratch {
		// The words are used before the next tokenize overwrites buf (see
		// scratch), so the allocation of a string per sentence is avoided.
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	return string(b)
}

func normWord(w string) string {
	w = strings.ToLower(w)
	if strings.ContainsRune(w, '’') {
		w = strings.ReplaceAll(w, "’", "'")
	}
	return strings.TrimRight(w, "'")
}
