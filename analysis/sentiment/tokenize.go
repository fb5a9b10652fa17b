package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/overhear/overhear/analysis/internal/blocks"
)

// Token kinds.
const (
	kWord uint8 = iota
	kEmoticon
	kEmoji
	kURL
	kPlaceholder // [NAME], [RELIGION] in GoEmotions
	kNum
	kExcl  // a run of '!'
	kQuest // a run of '?'
	kStop  // '.', ';', ':', a new line: ends a clause
	kComma
)

// Token flags.
const (
	fCaps      uint8 = 1 << iota // an ALL CAPS word ("TERRIBLE")
	fElong                       // an elongated word ("sooo")
	fNeg                         // inside a negation scope
	fBeforeBut                   // before "but" in its sentence
	fAfterBut                    // after "but" in its sentence
	fTarget                      // part of the target of ScoreTarget
	fBoundary                    // a word that ends a clause for target scoring ("but", "unlike")
	fTitle                       // a Title-case word ("Wars")
)

// token is one unit of a text: a normalised word, an emoticon, an emoji, a URL, ...
type token struct {
	h          uint64  // hash of the normalised form
	stem       uint64  // hash of the first stemLen bytes of a longer word, else 0
	lex        float32 // valence from the lexicon with its shifters applied
	start, end int32   // byte span in the text
	kind       uint8
	flags      uint8
	role       uint8 // roleNone, roleNegator, roleBut, roleContrast
	boost      int8  // booster strength in hundredths of valence (VADER's 0.293 is 29)
}

const (
	roleNone uint8 = iota
	roleNegator
	roleBut
	roleContrast // "unlike", "than", "whereas": flips the comparison toward what follows
)

// docInfo holds whole-text signals found while tokenising.
type docInfo struct {
	sarcasm  bool // "/s", "#sarcasm"
	capsToks int
	words    int
}

// Well-known token hashes.
var (
	hURL        = hashString("<url>")
	hNum        = hashString("<num>")
	hExcl       = hashString("!")
	hExcl2      = hashString("!!")
	hQuest      = hashString("?")
	hQuest2     = hashString("??")
	hStop       = hashString(".")
	hComma      = hashString(",")
	hTarget     = hashString("<t>")
	hName       = hashString("[name]")
	hXD         = hashString("xd")
	hLaugh      = hashString(":D")
	hReligion   = hashString("[religion]")
	hPlaceOther = hashString("[placeholder]")
)

// hashString is 64-bit FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// emoticons maps ASCII emoticons to a canonical class. Longer forms come first where one is a
// prefix of another; matching tries every entry, longest match wins.
var emoticons = []struct{ s, class string }{
	{":-)", ":)"}, {":)", ":)"}, {":]", ":)"}, {"=)", ":)"}, {":o)", ":)"}, {"(:", ":)"}, {"^_^", ":)"}, {"^^", ":)"},
	{":-D", ":D"}, {":D", ":D"}, {"=D", ":D"}, {"8D", ":D"}, {":'D", ":D"},
	{":-(", ":("}, {":(", ":("}, {":[", ":("}, {"=(", ":("}, {"):", ":("}, {":-[", ":("},
	{":'(", ":'("}, {":'-(", ":'("}, {";_;", ":'("}, {"T_T", ":'("}, {"QQ", ":'("},
	{";-)", ";)"}, {";)", ";)"}, {";D", ";)"},
	{":-P", ":P"}, {":P", ":P"}, {":p", ":P"}, {":-p", ":P"}, {";P", ":P"}, {";p", ":P"}, {"=P", ":P"},
	{":-/", ":/"}, {":/", ":/"}, {":\\", ":/"}, {"=/", ":/"}, {":-\\", ":/"},
	{":-|", ":|"}, {":|", ":|"}, {"-_-", ":|"}, {"-.-", ":|"},
	{":-O", ":O"}, {":O", ":O"}, {":o", ":O"}, {"o_O", ":O"}, {"O_o", ":O"}, {"o.O", ":O"},
	{":*", ":*"}, {":-*", ":*"},
	{"<3", "<3"}, {"</3", "</3"}, {">:(", ">:("}, {">:-(", ">:("}, {"D:", "D:"},
}

// emoticonsByByte indexes emoticons by their first byte.
var emoticonsByByte = func() (idx [256][]int) {
	for i, e := range emoticons {
		idx[e.s[0]] = append(idx[e.s[0]], i)
	}
	return idx
}()

// emoticonAt returns the length and the canonical class of an emoticon starting at text[i], if
// any; the longest match wins.
func emoticonAt(text string, i int) (int, string) {
	best, class := 0, ""
	for _, k := range emoticonsByByte[text[i]] {
		e := &emoticons[k]
		if len(e.s) > best && strings.HasPrefix(text[i:], e.s) {
			best, class = len(e.s), e.class
		}
	}
	if best == 0 {
		return 0, ""
	}
	// An emoticon must not be glued to a word on its right ("(:smile", ":Debug").
	if j := i + best; j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf && (isASCIILetter(c) || (c >= '0' && c <= '9')) {
			return 0, ""
		}
	}
	return best, class
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isWordByte(c byte) bool {
	return isASCIILetter(c) || (c >= '0' && c <= '9') || c == '_'
}

// isEmoji reports whether r is a pictographic symbol worth a token of its own.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF:
		return !(r >= 0x1F3FB && r <= 0x1F3FF) // not a skin tone modifier
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r >= 0x1F000 && r <= 0x1F2FF:
		return true
	case r == 0x2B50 || r == 0x2B55 || r == 0x203C || r == 0x2049 || r == 0x2122:
		return true
	}
	return false
}

// tokenizer turns a text into tokens. It is not safe for concurrent use; the Model keeps a pool.
//
// Reading a text is two steps: scan reads it once into raw tokens (t.raw) and whole-text
// signals (t.doc), which do not depend on any target; markSpans and scopes then turn a copy
// of raw tokens into the tokens the features read, for the whole text or toward a target.
// Both steps together are tokenize.
type tokenizer struct {
	lex  *lexicon
	raw  []token // scan's tokens: no target marked, no scopes applied
	toks []token // tokenize's tokens
	buf  []byte
	buf2 []byte
	esc  []byte // text with \uXXXX escapes decoded
	// escMap maps each byte offset of a text that held escapes (and its length) to the offset
	// in esc, or to -1 inside an escape (a span ending there is left as it is); escaped tells
	// whether the last text scanned held escapes.
	escMap  []int32
	escaped bool
	escS    [][2]int // spans moved into esc
	doc     docInfo
}

// tokenize fills t.toks for text. Quoted lines (Markdown "> ..."), fenced code blocks, table
// rows ("| a | b |") and Markdown syntax are skipped; spans mark the bytes of a target (may be nil).
func (t *tokenizer) tokenize(text string, spans [][2]int) {
	t.scan(text)
	t.toks = append(t.toks[:0], t.raw...)
	markSpans(t.toks, t.mapSpans(spans))
	scopes(t.toks, t.capsOK())
}

// capsOK tells whether ALL CAPS is emphasis in the text scanned: only when the text is not all
// caps.
func (t *tokenizer) capsOK() bool { return t.doc.capsToks*2 < t.doc.words }

// scan reads text into t.raw and t.doc.
func (t *tokenizer) scan(text string) {
	t.escaped = false
	if strings.Contains(text, `\u`) {
		text = t.unescape(text)
		t.escaped = true
	}
	t.raw = t.raw[:0]
	t.doc = docInfo{}
	n := len(text)
	lineStart := true
	var sc blocks.Scanner
	for i := 0; i < n; {
		if lineStart {
			lineStart = false
			j := i
			for j < n && (text[j] == ' ' || text[j] == '\t') {
				j++
			}
			next := skipLine(text, j)
			switch sc.Kind(text[j:next]) {
			case blocks.Code, blocks.Quote, blocks.Table:
				// A fenced block is code or a log, a quoted line is someone else's words, a
				// table row lists facts.
				i, lineStart = next, true
				continue
			}
			if strings.HasPrefix(text[j:], "&gt;") {
				i, lineStart = next, true
				continue
			}
			i = j
			continue
		}
		c := text[i]
		switch {
		case c == '\n':
			t.push(token{h: hStop, kind: kStop, start: int32(i), end: int32(i + 1)})
			lineStart = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		}
		if l := t.special(text, i); l > 0 {
			i += l
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case isWordByte(c) && c != '_':
				i = t.word(text, i)
				continue
			case c == '!' || c == '?':
				j := i
				for j < n && (text[j] == '!' || text[j] == '?' || text[j] == '1') {
					j++
				}
				ex, qu := strings.Count(text[i:j], "!"), strings.Count(text[i:j], "?")
				if qu > 0 {
					h := hQuest
					if qu > 1 {
						h = hQuest2
					}
					t.push(token{h: h, kind: kQuest, start: int32(i), end: int32(j)})
				}
				if ex > 0 {
					h := hExcl
					if ex > 1 {
						h = hExcl2
					}
					t.push(token{h: h, kind: kExcl, start: int32(i), end: int32(j)})
				}
				i = j
				continue
			case c == '.' || c == ';' || c == ':':
				t.push(token{h: hStop, kind: kStop, start: int32(i), end: int32(i + 1)})
				i++
				continue
			case c == ',':
				t.push(token{h: hComma, kind: kComma, start: int32(i), end: int32(i + 1)})
				i++
				continue
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			i = t.word(text, i)
		case r == '’' || r == '‘':
			i += size
		case r == '…':
			t.push(token{h: hStop, kind: kStop, start: int32(i), end: int32(i + size)})
			i += size
		case isEmoji(r):
			j := i + size
			// Keep the base emoji; drop modifiers, variation selectors and joiners after it.
			for j < n {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 == 0xFE0F || r2 == 0x200D || (r2 >= 0x1F3FB && r2 <= 0x1F3FF) {
					j += s2
					continue
				}
				break
			}
			h := hashString(text[i : i+size])
			t.push(token{h: h, kind: kEmoji, start: int32(i), end: int32(j), lex: t.lex.get(h)})
			i = j
		default:
			i += size
		}
	}
}

// unescape decodes JSON-style \uXXXX escapes (surrogate pairs too) that text scraped through
// a double encoding keeps literally ("I\u2019m", "Washington\u002c DC"), and records in
// t.escMap where each offset of text moved to, for mapSpans. The string it returns shares
// t.esc's bytes: it is valid until the next call, and nothing keeps it.
func (t *tokenizer) unescape(text string) string {
	b := t.esc[:0]
	mp := t.escMap[:0]
	for i := 0; i < len(text); {
		mp = append(mp, int32(len(b)))
		if r, n := escapeAt(text, i); n > 0 {
			if r2, n2 := escapeAt(text, i+n); n2 > 0 && r >= 0xD800 && r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000 {
				r, n = 0x10000+(r-0xD800)<<10+(r2-0xDC00), n+n2
			}
			if r >= 0xD800 && r < 0xE000 {
				r = utf8.RuneError
			}
			for k := 1; k < n; k++ {
				mp = append(mp, -1)
			}
			b = utf8.AppendRune(b, r)
			i += n
			continue
		}
		b = append(b, text[i])
		i++
	}
	mp = append(mp, int32(len(b)))
	t.esc, t.escMap = b, mp
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// mapSpans moves spans (byte offsets in the text last scanned) to offsets in the decoded text
// the tokens point into, when that text held escapes. An offset inside an escape, or outside
// the text, stays as it is.
func (t *tokenizer) mapSpans(spans [][2]int) [][2]int {
	if !t.escaped || len(spans) == 0 {
		return spans
	}
	t.escS = t.escS[:0]
	for _, sp := range spans {
		for k, x := range sp {
			if x >= 0 && x < len(t.escMap) && t.escMap[x] >= 0 {
				sp[k] = int(t.escMap[x])
			}
		}
		t.escS = append(t.escS, sp)
	}
	return t.escS
}

// escapeAt returns the rune of a \uXXXX escape at text[i] and its length, or 0, 0.
func escapeAt(text string, i int) (rune, int) {
	if i+6 > len(text) || text[i] != '\\' || text[i+1] != 'u' {
		return 0, 0
	}
	var r rune
	for _, c := range []byte(text[i+2 : i+6]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, 0
		}
	}
	return r, 6
}

func skipLine(text string, i int) int {
	if k := strings.IndexByte(text[i:], '\n'); k >= 0 {
		return i + k + 1
	}
	return len(text)
}

func (t *tokenizer) push(tk token) {
	if tk.kind == kStop && (len(t.raw) == 0 || t.raw[len(t.raw)-1].kind == kStop) {
		return // one clause end is enough
	}
	t.raw = append(t.raw, tk)
}

// special handles URLs, @users, placeholders, HTML entities, sarcasm markers, hashtags and
// emoticons at text[i]; it returns the bytes consumed (0 when none applies).
func (t *tokenizer) special(text string, i int) int {
	c := text[i]
	rest := text[i:]
	prevWord := i > 0 && isWordByte(text[i-1])
	switch c {
	case 'h', 'H', 'w', 'W':
		if hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || (!prevWord && hasPrefixFold(rest, "www.")) {
			j := i
			for j < len(text) && text[j] > ' ' && text[j] != ')' && text[j] != ']' && text[j] != '>' {
				j++
			}
			t.push(token{h: hURL, kind: kURL, start: int32(i), end: int32(j)})
			return j - i
		}
	case '{':
		if strings.HasPrefix(rest, "{link}") {
			t.push(token{h: hURL, kind: kURL, start: int32(i), end: int32(i + 6)})
			return 6
		}
	case '@':
		j := i + 1
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		if j > i+1 && !prevWord {
			// An @user is skipped: who is addressed says nothing of the tone, and in the
			// training data (complaints to brands) it would learn a spurious one.
			return j - i
		}
	case '[':
		if k := strings.IndexByte(rest, ']'); k > 1 && k < 12 && isUpperWord(rest[1:k]) {
			h := hPlaceOther
			switch rest[1:k] {
			case "NAME":
				h = hName
			case "RELIGION":
				h = hReligion
			}
			t.push(token{h: h, kind: kPlaceholder, start: int32(i), end: int32(i + k + 1)})
			return k + 1
		}
	case '&':
		for _, e := range [...]string{"&lt;3", "&amp;", "&quot;", "&lt;", "&gt;", "&#39;", "&#x27;", "&apos;", "&nbsp;", "&#x200B;", "&#x200b;"} {
			if strings.HasPrefix(rest, e) {
				if e == "&lt;3" {
					h := hashString("<3")
					t.push(token{h: h, kind: kEmoticon, start: int32(i), end: int32(i + len(e)), lex: t.lex.get(h)})
				}
				return len(e)
			}
		}
	case '/':
		// Reddit's sarcasm marker: "/s" as a word of its own.
		if len(rest) >= 2 && (rest[1] == 's' || rest[1] == 'S') && (len(rest) == 2 || !isWordByte(rest[2])) && (i == 0 || text[i-1] == ' ' || text[i-1] == '\n' || text[i-1] == '.') {
			t.doc.sarcasm = true
			return 2
		}
	case '#':
		if len(rest) > 1 && isASCIILetter(rest[1]) && !prevWord {
			j := t.word(text, i+1)
			if hasPrefixFold(text[i+1:j], "sarcas") {
				t.doc.sarcasm = true
			}
			return j - i
		}
	}
	if prevWord {
		return 0
	}
	// Emoticons; one that starts with a letter or digit ("D:", "o_O", "QQ", "8D") must not
	// start a word ("Do", "of").
	alnum := isASCIILetter(c) || (c >= '0' && c <= '9')
	if len(emoticonsByByte[c]) > 0 && (!alnum || len(rest) > 1 && (!isASCIILetter(rest[1]) || c == 'Q' || c == '8')) {
		if l, cls := emoticonAt(text, i); l > 0 {
			h := hashString(cls)
			t.push(token{h: h, kind: kEmoticon, start: int32(i), end: int32(i + l), lex: t.lex.get(h)})
			return l
		}
	}
	return 0
}

func isUpperWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return len(s) > 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// word reads a word at text[i] and pushes its token; it returns the index after the word.
func (t *tokenizer) word(text string, i int) int {
	if j, ok := t.wordASCII(text, i); ok {
		return j
	}
	n := len(text)
	start := i
	b := t.buf[:0]
	upper, letters, digits := 0, 0, 0
	firstUpper := false
	elong := false
	var last rune = -1
	run := 0
	for i < n {
		c := text[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			if c == '\'' || c == '`' {
				// An apostrophe inside a word ("don't") is dropped: "dont".
				if i+1 < n && isASCIILetter(text[i+1]) && len(b) > 0 {
					i++
					continue
				}
				break
			}
			if !(isASCIILetter(c) || (c >= '0' && c <= '9')) {
				break
			}
			// ASCII fast path: what the general path below does for an ASCII letter or digit.
			switch {
			case c >= 'A' && c <= 'Z':
				if letters == 0 {
					firstUpper = true
				}
				upper++
				letters++
				c += 'a' - 'A'
			case c >= 'a':
				letters++
			default:
				digits++
			}
			if rune(c) == last {
				run++
			} else {
				run, last = 1, rune(c)
			}
			if run >= 3 && letters > 0 && (c < '0' || c > '9') {
				elong = true // "sooo": keep two of a run
			} else {
				b = append(b, c)
			}
			i++
			continue
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == '’' {
				if i+size < n && isASCIILetter(text[i+size]) && len(b) > 0 {
					i += size
					continue
				}
				break
			}
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
				break
			}
		}
		switch {
		case unicode.IsUpper(r):
			if letters == 0 {
				firstUpper = true
			}
			upper++
			letters++
			r = unicode.ToLower(r)
		case unicode.IsLetter(r):
			letters++
		default:
			digits++
		}
		if r == last {
			run++
		} else {
			run, last = 1, r
		}
		if run >= 3 && letters > 0 && !unicode.IsDigit(r) {
			elong = true // "sooo": keep two of a run
		} else if r < utf8.RuneSelf {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
		i += size
	}
	t.buf = b
	if len(b) == 0 {
		return i + 1
	}
	t.pushWord(unsafe.String(unsafe.SliceData(b), len(b)), start, i, wordShape{upper, letters, digits, firstUpper, elong})
	return i
}

// wordASCII is word for the common word of ASCII letters and digits alone, in one tight pass;
// a lower-case word is read in place, without a copy. It returns false, having done nothing,
// when the word holds anything else (an apostrophe, a non-ASCII letter), for word's general
// path to read.
func (t *tokenizer) wordASCII(text string, i int) (int, bool) {
	n := len(text)
	start := i
	var sh wordShape
	last, run := byte(0), 0
scan:
	for ; i < n; i++ {
		c := text[i]
		switch {
		case c >= 'a' && c <= 'z':
			sh.letters++
		case c >= 'A' && c <= 'Z':
			if sh.letters == 0 {
				sh.firstUpper = true
			}
			sh.upper++
			sh.letters++
			c += 'a' - 'A'
		case c >= '0' && c <= '9':
			sh.digits++
		case c == '\'' || c == '`' || c >= utf8.RuneSelf:
			return 0, false
		default:
			break scan
		}
		if c == last {
			run++
		} else {
			last, run = c, 1
		}
		if run >= 3 && c > '9' {
			sh.elong = true
		}
	}
	w := text[start:i]
	if sh.upper > 0 || sh.elong {
		// Lower-cased, with two of each run of a letter kept, as word's general path does.
		b := t.buf[:0]
		last, run = 0, 0
		for k := 0; k < len(w); k++ {
			c := w[k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c == last {
				run++
			} else {
				last, run = c, 1
			}
			if run >= 3 && c > '9' {
				continue
			}
			b = append(b, c)
		}
		t.buf = b
		w = unsafe.String(unsafe.SliceData(b), len(b))
	}
	t.pushWord(w, start, i, sh)
	return i, true
}

// wordShape is what word learns of a word's letters as it reads it.
type wordShape struct {
	upper, letters, digits int
	firstUpper, elong      bool
}

// pushWord pushes the token of the word text[start:end], whose normalised form is w (valid
// until the next word is read).
func (t *tokenizer) pushWord(w string, start, end int, sh wordShape) {
	tk := token{kind: kWord, start: int32(start), end: int32(end)}
	if sh.letters == 0 && sh.digits > 0 {
		tk.kind, tk.h = kNum, hNum
		t.push(tk)
		return
	}
	if sh.elong {
		tk.flags |= fElong
	}
	if sh.upper >= 2 && sh.upper == sh.letters {
		tk.flags |= fCaps
		t.doc.capsToks++
	}
	if sh.firstUpper && sh.upper < sh.letters {
		tk.flags |= fTitle
	}
	t.doc.words++
	tk.h = hashString(w)
	info := t.lex.info[tk.h]
	if info.to != 0 {
		tk.h = info.to // slang: "gr8" is "great"
		info = t.lex.info[tk.h]
	}
	if tk.h == hXD {
		t.push(token{h: hLaugh, kind: kEmoticon, start: tk.start, end: tk.end, lex: t.lex.get(hLaugh)})
		return
	}
	if sh.elong && info.lex == 0 {
		// "loove" is not in the lexicon but "love" is: collapse runs to one letter. "sooo"
		// is "so", "nooo" is "no".
		b2 := t.buf2[:0]
		var prev rune = -1
		for _, r := range w {
			if r != prev {
				b2 = utf8.AppendRune(b2, r)
			}
			prev = r
		}
		t.buf2 = b2
		h := hashBytes(b2)
		if i2, ok := t.lex.info[h]; ok && (i2.lex != 0 || i2.role != roleNone || i2.boost != 0 || i2.boundary) {
			tk.h, info = h, i2
		}
	}
	tk.lex = info.lex
	if len(w) > stemLen+1 {
		tk.stem = mix(hashString(w[:stemLen]), nsStem)
	}
	tk.role = info.role
	tk.boost = info.boost
	if info.boundary {
		tk.flags |= fBoundary
	}
	t.push(tk)
}

// markSpans flags the tokens that overlap a target span and gives them the target hash, so the
// target's own words ("Acme") do not count for or against it.
func markSpans(toks []token, spans [][2]int) {
	if len(spans) == 0 {
		return
	}
	for k := range toks {
		tk := &toks[k]
		if inTarget(tk, spans) {
			tk.flags |= fTarget
			tk.h = hTarget
			tk.lex = 0
			tk.role = roleNone
			tk.kind = kWord
		}
	}
}

// inTarget reports whether markSpans marks tk as part of the target at spans.
func inTarget(tk *token, spans [][2]int) bool {
	switch tk.kind {
	case kStop, kComma, kExcl, kQuest:
		return false // punctuation is never the target
	}
	for _, sp := range spans {
		if int(tk.start) < sp[1] && int(tk.end) > sp[0] {
			return true
		}
	}
	return false
}

// endsSentence reports whether tk ends a sentence: scopes reads each sentence on its own.
func endsSentence(tk *token) bool { return tk.kind == kStop || tk.kind == kExcl || tk.kind == kQuest }

// negScope is how many tokens a negator reaches at most.
const negScope = 4

// scopes marks negation scopes and "but" halves and applies the lexicon shifters: negation,
// boosters, ALL CAPS (when capsOK), elongation and "but". Nothing it does reaches across a
// sentence end (endsSentence), so it may be applied to one sentence of a text at a time.
func scopes(toks []token, capsOK bool) {
	// Negation, and "but" halves per sentence: one pass, as this runs for the whole text and
	// again for each sentence that holds a target.
	left := 0
	sent, but := 0, -1
	for k := 0; k <= len(toks); k++ {
		if k == len(toks) || endsSentence(&toks[k]) {
			if but >= 0 {
				for j := sent; j < k; j++ {
					if j < but {
						toks[j].flags |= fBeforeBut
					} else if j > but {
						toks[j].flags |= fAfterBut
					}
				}
			}
			sent, but = k+1, -1
			if k == len(toks) {
				break
			}
		}
		tk := &toks[k]
		switch tk.kind {
		case kStop, kExcl, kQuest, kComma:
			left = 0
			continue
		}
		if tk.role == roleBut {
			left = 0
			but = k
			continue
		}
		if left > 0 {
			tk.flags |= fNeg
			left--
		}
		if tk.role == roleNegator {
			left = negScope
		}
	}
	// Shifters on lexicon valence, as VADER does.
	for k := range toks {
		tk := &toks[k]
		v := tk.lex
		if v == 0 {
			continue
		}
		// A run of Title-case words is a name: "Star Wars", "Dark Souls", "Death Cab". Its
		// words carry no valence of their own.
		if tk.flags&fTitle != 0 && ((k > 0 && toks[k-1].flags&fTitle != 0) || (k+1 < len(toks) && toks[k+1].flags&fTitle != 0)) {
			tk.lex = 0
			continue
		}
		sign := float32(1)
		if v < 0 {
			sign = -1
		}
		if tk.flags&fCaps != 0 && capsOK {
			v += sign * 0.733
		}
		if tk.flags&fElong != 0 {
			v += sign * 0.3
		}
		scale := float32(1)
		for d := 1; d <= 3 && k-d >= 0; d++ {
			p := &toks[k-d]
			if p.kind != kWord {
				break
			}
			if p.boost != 0 {
				v += sign * float32(p.boost) / 100 * scale
			}
			scale *= 0.95
		}
		if tk.flags&fNeg != 0 {
			v *= -0.74
		}
		switch {
		case tk.flags&fBeforeBut != 0:
			v *= 0.5
		case tk.flags&fAfterBut != 0:
			v *= 1.5
		}
		tk.lex = v
	}
}
