package questions

import (
	_ "embed"
	"encoding/binary"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/overhear/overhear/analysis/internal/blocks"
)

// Detection runs in two steps. The rules of detect.go, and a short list of
// request words ("love", "feedback", "let", "appreciate"...), put candidate
// sentences forward; a logistic regression over hashed features then decides
// which candidates are questions. The features describe the sentence (its
// first and last words, words and word pairs, how it ends, its length, which
// rule fired), the line it is on (a heading-like short line without terminal
// punctuation, a list item, a table row, a line full of symbols, digits or
// code characters), where it stands (the title, the first sentence, a
// question followed by its answer on the same line, the line after it) and
// the post (how many question marks it has, whether it presents the
// author's own work). The weights are learned from labelled community posts
// by internal/traindetect and embedded (detect_model.bin); see README.md.

//go:embed detect_model.bin
var modelFile []byte

// FeatureBits is the log2 of the size of the hashed feature space.
const FeatureBits = 16

const featureMask = 1<<FeatureBits - 1

// detectModel is a logistic regression over hashed features.
type detectModel struct {
	w         []float32 // by feature index
	bias      float32
	threshold float32 // a candidate is a question when its logit is at least this
}

var model = loadModel(modelFile)

// loadModel reads the embedded weights: "OHQD", a version byte, the feature
// bits byte, the bias and threshold (float32), the number of weights (uint32)
// and that many (index uint32, weight float32) pairs, little endian. An empty
// file (before the first training) gives nil: the rules decide alone.
func loadModel(b []byte) *detectModel {
	if len(b) == 0 {
		return nil
	}
	if len(b) < 18 || string(b[:4]) != "OHQD" || b[4] != 1 || b[5] != FeatureBits {
		panic("questions: bad detect_model.bin")
	}
	le := binary.LittleEndian
	m := &detectModel{w: make([]float32, 1<<FeatureBits)}
	m.bias = math.Float32frombits(le.Uint32(b[6:]))
	m.threshold = math.Float32frombits(le.Uint32(b[10:]))
	n := int(le.Uint32(b[14:]))
	b = b[18:]
	if len(b) != 8*n {
		panic("questions: truncated detect_model.bin")
	}
	for i := 0; i < n; i++ {
		m.w[le.Uint32(b[8*i:])&featureMask] = math.Float32frombits(le.Uint32(b[8*i+4:]))
	}
	return m
}

// EncodeModel is the inverse of loadModel, for internal/traindetect.
func EncodeModel(bias, threshold float32, index []uint32, weight []float32) []byte {
	le := binary.LittleEndian
	b := []byte("OHQD")
	b = append(b, 1, FeatureBits)
	b = le.AppendUint32(b, math.Float32bits(bias))
	b = le.AppendUint32(b, math.Float32bits(threshold))
	b = le.AppendUint32(b, uint32(len(index)))
	for i := range index {
		b = le.AppendUint32(b, index[i])
		b = le.AppendUint32(b, math.Float32bits(weight[i]))
	}
	return b
}

// Sentence is one sentence of a text as detection sees it. See Sentences.
type Sentence struct {
	Text string
	// Candidate is false when neither a rule nor a request word put the
	// sentence forward: it is then not a question, whatever the model.
	Candidate bool
	// Rule is true when the hand-written rules alone call it a question.
	Rule bool
	// Model is true when the model decides (texts of two lines or more);
	// otherwise Question is Rule.
	Model bool
	// Features are the hashed feature indices (below 1<<FeatureBits) the
	// model scores, for candidates; an index may repeat.
	Features []uint32
	// Score is the model's logit (0 without a model); Question is Detect's
	// verdict.
	Score    float64
	Question bool
}

// Sentences returns every sentence of text with what detection makes of it.
// It is for the training command (internal/traindetect) and for debugging;
// Detect returns the Text of those with Question set.
func Sentences(text string) []Sentence {
	d := detectors.Get().(*detector)
	defer d.release()
	d.analyse(text)
	out := make([]Sentence, len(d.sents))
	for i, s := range d.sents {
		out[i] = Sentence{Text: s, Candidate: d.info[i].cand, Rule: d.info[i].rule.asks(), Model: d.modelDecides()}
		if d.info[i].cand {
			d.featurize(i)
			out[i].Features = append([]uint32(nil), d.feats...)
			out[i].Score = float64(d.score())
		}
		out[i].Question = d.question(i)
	}
	return out
}

// asks reports whether the rule calls the sentence a question.
func (k ruleKind) asks() bool { return k != ruleNone && k != ruleRhetorical && k != ruleHelp }

// sentInfo is what the first pass learns of a sentence.
type sentInfo struct {
	line int32 // index in detector.lines
	rule ruleKind
	cand bool
}

// lineInfo is one non-blank line of the cleaned text.
type lineInfo struct {
	raw        string      // trimmed, bullets kept
	first, end int32       // its sentences
	blankAfter bool        // a blank line (or the end of the text) follows
	kind       blocks.Kind // the Markdown block it is in
}

// analyse splits text into sentences and runs the rules over them: it fills
// d.sents, d.info, d.lines and the post-level counts.
func (d *detector) analyse(text string) {
	d.sents, d.info, d.lines = d.sents[:0], d.info[:0], d.lines[:0]
	d.nQ, d.nShow = 0, 0
	text = clean(text)
	// Only texts of several lines are scored by the model (modelDecides),
	// so only they need the request and showcase words counted.
	d.multi = strings.IndexByte(text, '\n') >= 0
	var sc blocks.Scanner
	for rest := text; ; {
		ln := rest
		nl := strings.IndexByte(rest, '\n')
		if nl >= 0 {
			ln, rest = rest[:nl], rest[nl+1:]
		}
		raw := strings.TrimSpace(ln)
		kind := sc.Kind(raw)
		switch {
		case kind == blocks.Code || kind == blocks.Quote:
			// clean dropped the closed fences and the quotes; what is left is the code of a
			// fence never closed, which runs to the end of the text.
		case raw == "":
			if n := len(d.lines); n > 0 {
				d.lines[n-1].blankAfter = true
			}
		default:
			l := raw
			if kind == blocks.Item {
				l = blocks.Text(raw) // "1. How do I…?" is one sentence, as "- How do I…?" is
			}
			l = trimBullets(l)
			if !utf8.ValidString(l) {
				l = string([]rune(l))
			}
			first := len(d.sents)
			d.sents = appendLineSentences(d.sents, l)
			d.lines = append(d.lines, lineInfo{raw: raw, first: int32(first), end: int32(len(d.sents)), kind: kind})
			for i := first; i < len(d.sents); i++ {
				if kind == blocks.Table {
					// A table row lists facts (a model, a benchmark, "❌ won't load"): it
					// asks nothing.
					d.info = append(d.info, sentInfo{line: int32(len(d.lines) - 1)})
					continue
				}
				d.info = append(d.info, d.firstPass(d.sents[i], int32(len(d.lines)-1)))
			}
		}
		if nl < 0 {
			break
		}
	}
	if n := len(d.lines); n > 0 {
		d.lines[n-1].blankAfter = true
	}
	d.contextRules()
}

// contextRules drops the candidates that the sentences around them show
// ask nothing: sarcasm marked "/s", a short fragment the author answers
// right away ("The biggest lesson? Local models need good prompts."), and
// code whose question marks are operators ("a ?? b").
func (d *detector) contextRules() {
	for i, s := range d.sents {
		inf := &d.info[i]
		if s == "/s" || strings.HasSuffix(s, " /s") {
			inf.cand, inf.rule = false, ruleRhetorical
			if s == "/s" && i > 0 {
				d.info[i-1].cand, d.info[i-1].rule = false, ruleRhetorical
			}
			continue
		}
		if !inf.cand {
			continue
		}
		ln := &d.lines[inf.line]
		if ln.kind == blocks.Heading && inf.rule.questionSyntax() && d.answeredHeading(i) {
			inf.cand, inf.rule = false, ruleNone
			continue
		}
		if end := endClass(s); end == endMarks || strings.IndexByte(s, '?') >= 0 && end != endQuestion {
			if hasCodeOps(ln.raw) {
				inf.cand, inf.rule = false, ruleNone
			}
			continue
		} else if end != endQuestion {
			continue
		}
		if i+1 < int(ln.end) && endClass(d.sents[i+1]) != endQuestion && endClass(d.sents[i+1]) != endMarks &&
			answeredFragment(s) {
			inf.cand, inf.rule = false, ruleRhetorical
		}
	}
}

// questionSyntax reports whether the rule found a question's form (a question mark, an opening
// "how"/"what"/"does"...): a heading so phrased may be one the post answers, while one that
// asks for something ("# I'd love your feedback!") is not answered by what follows it.
func (k ruleKind) questionSyntax() bool {
	return k == ruleMark || k == ruleStart || k == ruleInner || k == ruleClause
}

// answeredHeading reports whether sentence i, on a Markdown heading line, heads a section
// that the post goes on to answer ("## How it works", "### What is LLMule?", "# Why use it?"
// followed by the answer): the heading is short (at most 8 words) and a statement follows it
// in its section, under it and before the next heading. A long heading is more often the ask
// itself, set large ("# Curious what the crowd thinks: does this line up with your experience,
// or am I way off?"), and so is one with nothing under it but more headings: some authors
// write a whole post in "# " lines, for the large type.
func (d *detector) answeredHeading(i int) bool {
	if countWords(d.sents[i], 9) > 8 {
		return false
	}
	line := d.info[i].line
	for j := i + 1; j < len(d.sents); j++ {
		inf := &d.info[j]
		kind := d.lines[inf.line].kind
		switch {
		case inf.line == line || kind == blocks.Table || inf.rule.asks():
			continue
		case kind == blocks.Heading:
			return false
		}
		if end := endClass(d.sents[j]); end != endQuestion && end != endMarks && countWords(d.sents[j], 3) >= 3 {
			return true
		}
	}
	return false
}

// answeredFragment reports whether s, a question followed on its line by a
// statement, is a short noun phrase that the statement answers: "The
// biggest lesson?", "My solution?", "Problem?".
func answeredFragment(s string) bool {
	var t tokenizer
	t.tokenize(s, false)
	ws := t.ws
	switch {
	case len(ws) == 0 || len(ws) > 4:
		return false
	case fragmentOpeners.has(ws[0]):
		return true
	case len(ws) == 1:
		return !requestWords.has(ws[0]) && !whWords.has(ws[0]) && !auxWords.has(ws[0])
	}
	return false
}

var fragmentOpeners = set("the", "my", "our", "their", "his", "her", "its", "one", "biggest", "best", "worst",
	"result", "results", "answer", "reason", "problem", "solution", "catch", "twist", "verdict", "outcome")

// hasCodeOps reports whether a line holds operators of code: "==", "!=",
// "=>", "&&", "||", ":=", "();" or braces.
func hasCodeOps(s string) bool {
	for _, op := range codeOps {
		if strings.Contains(s, op) {
			return true
		}
	}
	return false
}

var codeOps = []string{"==", "!=", "=>", "&&", "||", ":=", "();", "{", "}", "->", "::", "(\"", "\")"}

// firstPass runs the rules over sentence s and notes the post-level counts.
func (d *detector) firstPass(s string, line int32) sentInfo {
	k := d.rule(s)
	inf := sentInfo{line: line, rule: k}
	if k == ruleMark {
		d.nQ++
	}
	inf.cand = k.asks()
	if !d.multi {
		return inf
	}
	cue := false
	for _, w := range d.tok.ws {
		if showcaseWords.has(w) {
			d.nShow++
		}
		cue = cue || requestWords.has(w)
	}
	inf.cand = inf.cand || k == ruleHelp || k != ruleRhetorical && cue
	return inf
}

// score is the model's logit for the features in d.feats.
func (d *detector) score() float32 {
	if model == nil {
		return 0
	}
	s := model.bias
	for _, f := range d.feats {
		s += model.w[f]
	}
	return s
}

// question reports whether sentence i is a question.
func (d *detector) question(i int) bool {
	if !d.info[i].cand {
		return false
	}
	if !d.modelDecides() {
		return d.info[i].rule.asks()
	}
	d.featurize(i)
	return d.score() >= model.threshold
}

// modelDecides reports whether the model judges the candidates of the text
// being analysed. It does for texts of two lines or more (a post with a
// title, a body of several lines). A text of one line (a chat line, a tweet,
// a title alone) has no line structure for the model to read, and the model
// is not trained on such texts: the rules decide alone.
func (d *detector) modelDecides() bool { return model != nil && len(d.lines) > 1 }

// requestWords put a sentence forward as a candidate even when no rule
// fires: the words of requests for help, advice and feedback.
var requestWords = set("love", "appreciate", "appreciated", "feedback", "thoughts", "know", "let", "suggest",
	"suggestions", "suggestion", "recommend", "recommendations", "recommendation", "advice", "help", "input",
	"curious", "wondering", "wonder", "looking", "seeking", "need", "needed", "want", "share", "hear",
	"interested", "opinions", "opinion", "ideas", "idea", "tips", "pointers", "anyone", "anybody", "someone",
	"somebody", "tell", "explain", "correct", "please", "pls", "plz", "kindly", "welcome", "welcomed",
	"comments", "criticism", "guidance", "testers", "vote", "try", "ask", "question", "questions", "grateful",
	"hoping", "hope", "insight", "insights", "experiences", "experience", "clue", "advise", "point", "vs",
	"versus", "worth", "better", "best", "alternative", "alternatives", "should", "how", "what", "which",
	"why", "where", "when", "who")

// showcaseWords mark a post that presents the author's own work, whose
// headings and rhetorical questions the author answers.
var showcaseWords = set("built", "made", "created", "introducing", "launched", "released", "developed",
	"github", "repo", "demo", "link", "features", "open-source", "opensource", "license", "install")

// Feature kinds: the first byte hashed into each feature.
const (
	fRule = 'r' + iota<<8
	fEnd
	fEndRule
	fFirst
	fFirst2
	fBodyFirst
	fLast
	fLast2
	fWord
	fPair
	fLen
	fShape
	fPos
	fNext
	fPrev
	fPost
	fEndAlone
	fEndTitle
	fEndAfter
	fEndShort
	fEndBullet
	fEndPostQ
	fEndShow
	fMidMark
	fEndTerm
	fQuoted
)

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashString(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hashInt(h uint32, v int) uint32 {
	for k := 0; k < 4; k++ {
		h ^= uint32(v & 0xff)
		h *= fnvPrime
		v >>= 8
	}
	return h
}

func (d *detector) addWord(kind int, w string) {
	d.feats = append(d.feats, hashString(hashInt(fnvOffset, kind), w)&featureMask)
}

func (d *detector) addPair(kind int, a, b string) {
	h := hashString(hashInt(fnvOffset, kind), a)
	h ^= ' '
	h *= fnvPrime
	d.feats = append(d.feats, hashString(h, b)&featureMask)
}

func (d *detector) addInt(kind int, vs ...int) {
	h := hashInt(fnvOffset, kind)
	for _, v := range vs {
		h = hashInt(h, v)
	}
	d.feats = append(d.feats, h&featureMask)
}

// End classes of a sentence.
const (
	endWord     = iota // a letter or digit
	endQuestion        // a question mark
	endMarks           // two or more question marks, or "?!"
	endPeriod
	endBang
	endColon
	endComma
	endEllipsis
	endBracket
	endSymbol // emoji and other symbols
)

// endClass classifies how s ends, skipping closing quotes and spaces.
func endClass(s string) int {
	s = strings.TrimRight(s, " \t\"'”’*_")
	r, n := utf8.DecodeLastRuneInString(s)
	switch {
	case r == utf8.RuneError && n <= 1:
		return endSymbol
	case isQuestionRune(r) || r == ';' && greekBefore(s[:len(s)-1]):
		p, _ := utf8.DecodeLastRuneInString(s[:len(s)-n])
		if isQuestionRune(p) || p == '!' {
			return endMarks
		}
		return endQuestion
	case r == '!' || r == '！':
		p, _ := utf8.DecodeLastRuneInString(s[:len(s)-n])
		if isQuestionRune(p) {
			return endMarks
		}
		return endBang
	case r == '.' || r == '。':
		if strings.HasSuffix(s, "..") {
			return endEllipsis
		}
		return endPeriod
	case r == '…':
		return endEllipsis
	case r == ':':
		return endColon
	case r == ',' || r == ';' || r == '-' || r == '—' || r == '–':
		return endComma
	case r == ')' || r == ']':
		return endBracket
	case isWordRune(r):
		return endWord
	}
	return endSymbol
}

// bucket returns the index of the first bound that n is at most, or
// len(bounds).
func bucket(n int, bounds ...int) int {
	for i, b := range bounds {
		if n <= b {
			return i
		}
	}
	return len(bounds)
}

// Line shape bits.
const (
	shapeBullet     = 1 << iota // a list item: "-", "*", "•", "1." ...
	shapePipes                  // two or more '|': a table row
	shapeSymStart               // opens with an emoji or symbol ("❌", "🔹")
	shapeTerm                   // ends with terminal punctuation
	shapeKV                     // "key: value" with a short key
	shapeTitleCase              // most words capitalised: a heading
	shapeCode                   // many code characters
	shapeDigits                 // many digits
	shapeFewLetters             // letters are under 60% of the non-space runes
)

// lineShape describes the line of sentence s.
func lineShape(raw string) (shape int) {
	switch c := raw[0]; {
	case c == '-' || c == '*' || c == '+' || c == '#' || strings.HasPrefix(raw, "•"):
		shape |= shapeBullet
	case '0' <= c && c <= '9':
		i := skipDigits(raw, 0)
		if i < len(raw) && i <= 3 && (raw[i] == '.' || raw[i] == ')') {
			shape |= shapeBullet
		}
	}
	if strings.Count(raw, "|") >= 2 {
		shape |= shapePipes
	}
	if r, _ := utf8.DecodeRuneInString(trimBullets(raw)); r >= utf8.RuneSelf && !unicode.IsLetter(r) {
		shape |= shapeSymStart
	}
	switch endClass(raw) {
	case endQuestion, endMarks, endPeriod, endBang, endEllipsis:
		shape |= shapeTerm
	}
	if i := strings.IndexByte(raw, ':'); i > 0 && i < len(raw)-1 && countWords(raw[:i], 5) <= 4 {
		shape |= shapeKV
	}
	var letters, other, digits, code, words, caps int
	inWord := false
	for _, r := range raw {
		switch {
		case unicode.IsLetter(r):
			if !inWord {
				words++
				if unicode.IsUpper(r) {
					caps++
				}
			}
			letters++
			inWord = true
			continue
		case unicode.IsDigit(r):
			digits++
		case r == ' ':
			inWord = false
			continue
		case strings.ContainsRune("{}[]=<>/\\_$|`#@%^~*;", r):
			code++
		default:
			other++
		}
		inWord = false
	}
	total := letters + other + digits + code
	if words >= 2 && words <= 12 && caps*10 >= words*7 {
		shape |= shapeTitleCase
	}
	if code*12 >= total && code >= 2 {
		shape |= shapeCode
	}
	if digits*5 >= total && digits >= 3 {
		shape |= shapeDigits
	}
	if letters*10 < total*6 {
		shape |= shapeFewLetters
	}
	return shape
}

// featurize sets d.feats to the features of sentence i.
func (d *detector) featurize(i int) {
	d.feats = d.feats[:0]
	s, inf := d.sents[i], d.info[i]
	ln := &d.lines[inf.line]
	d.tok.tokenize(s, false)
	ws := d.tok.ws
	for j, w := range ws {
		ws[j] = chat(w)
		if hasDigit(w) {
			ws[j] = "0"
		}
	}
	end := endClass(s)
	if end != endQuestion && end != endMarks && hasQuestionMark(s) {
		d.addInt(fMidMark, end)
	}
	if maskQuotes(s) != s {
		d.addInt(fQuoted, end)
	}
	if hasCodeOps(ln.raw) {
		d.addInt(fQuoted, 100)
	}
	d.addInt(fRule, int(inf.rule))
	d.addInt(fEnd, end)
	d.addInt(fEndRule, end, int(inf.rule))
	nw := len(ws)
	short := 0
	if nw <= 4 {
		short = 1
	}
	d.addInt(fLen, bucket(nw, 1, 2, 3, 5, 8, 12, 20, 35))
	d.addInt(fEndShort, end, bucket(nw, 2, 4, 8))
	if nw > 0 {
		d.addWord(fFirst, ws[0])
		d.addWord(fLast, ws[nw-1])
		if body := stripOpeners(ws); len(body) < nw {
			d.addWord(fBodyFirst, body[0])
		}
		if nw > 1 {
			d.addPair(fFirst2, ws[0], ws[1])
			d.addPair(fLast2, ws[nw-2], ws[nw-1])
		}
		for j, w := range ws {
			d.addWord(fWord, w)
			if j > 0 {
				d.addPair(fPair, ws[j-1], w)
			}
		}
	}
	// The line.
	shape := lineShape(ln.raw)
	for b := 0; b < 9; b++ {
		if shape&(1<<b) != 0 {
			d.addInt(fShape, b)
		}
	}
	inLine, after := i-int(ln.first), int(ln.end)-1-i
	alone := 0
	if inLine == 0 && after == 0 {
		alone = 1
	}
	var next *lineInfo
	if int(inf.line)+1 < len(d.lines) {
		next = &d.lines[inf.line+1]
	}
	nextLen := 0 // no next line
	if next != nil {
		nextLen = 1 + bucket(countWords(next.raw, 40), 6, 15, 39)
	}
	blank := 0
	if ln.blankAfter {
		blank = 1
	}
	d.addInt(fEndAlone, end, alone, nextLen, blank)
	d.addInt(fEndAfter, end, bucket(inLine, 0), bucket(after, 0))
	d.addInt(fEndBullet, end, shape&(shapeBullet|shapeSymStart|shapePipes))
	d.addInt(fEndTerm, end, short, shape&shapeTerm)
	// Where it stands.
	title := 0
	if inf.line == 0 {
		title = 1 + blank
	}
	d.addInt(fPos, 0, title)
	d.addInt(fEndTitle, end, title, short)
	d.addInt(fPos, 1, bucket(i, 0, 1, 2, 5))
	d.addInt(fPos, 2, bucket(len(d.sents)-1-i, 0, 1, 2))
	d.addInt(fPos, 3, bucket(int(inf.line), 0, 1, 3, 8))
	d.addInt(fPos, 4, bucket(len(d.lines)-1-int(inf.line), 0, 1, 3))
	if next != nil {
		d.addInt(fNext, 0, endClass(next.raw), lineShape(next.raw)&shapeBullet)
		d.addInt(fNext, 1, nextLen)
	} else {
		d.addInt(fNext, 2)
	}
	if inf.line > 0 {
		prev := &d.lines[inf.line-1]
		d.addInt(fPrev, endClass(prev.raw), lineShape(prev.raw)&shapeBullet)
	}
	// The post.
	postQ := bucket(d.nQ, 0, 1, 3, 7)
	d.addInt(fPost, 0, postQ)
	show := bucket(d.nShow, 0, 2)
	d.addInt(fPost, 1, show)
	d.addInt(fPost, 2, bucket(len(d.sents), 1, 3, 8, 20, 50))
	d.addInt(fEndPostQ, end, postQ)
	d.addInt(fEndShow, end, show, title)
}

// hasDigit reports whether w has an ASCII digit: model names, versions and
// sizes ("qwen3", "8b", "0.5") are one feature, not one each.
func hasDigit(w string) bool {
	for i := 0; i < len(w); i++ {
		if '0' <= w[i] && w[i] <= '9' {
			return true
		}
	}
	return false
}
