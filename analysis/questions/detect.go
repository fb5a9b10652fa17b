// Package questions finds the questions people ask in posts, groups
// paraphrases of the same question into stable clusters, and ranks and exports
// the recurring ones.
//
// Detection is rule based: each sentence is a question when it ends in a
// question mark (outside quotations), opens with a question word or an
// inverted auxiliary ("how do I", "does anyone", "r u"), or matches one of the
// implicit forms that forums are full of ("Looking for a CRM that…", "Any
// recommendations for…", "X won't sync after the update", "Help: …").
// Rhetorical formulas ("who cares?", "guess what?") and quoted text (Markdown
// "> " lines, HTML blockquotes, "…?" inside double quotes) do not count.
package questions

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Detect returns the question sentences of text (titles and bodies alike), in
// order; nil when there are none. Text may be plain, Markdown or HTML.
//
// Detect is safe for concurrent use. It is written for throughput (a few
// hundred nanoseconds for a chat line or a tweet): cheap checks decide which
// clean-up steps a text needs, and the words of a sentence are substrings of
// it held in buffers that are reused from call to call.
func Detect(text string) []string {
	d := detectors.Get().(*detector)
	defer d.release()
	var out []string
	d.analyse(text)
	for i, s := range d.sents {
		if d.question(i) {
			out = append(out, s)
		}
	}
	return out
}

// IsQuestion reports whether Detect finds any question in text.
func IsQuestion(text string) bool {
	d := detectors.Get().(*detector)
	defer d.release()
	d.analyse(text)
	for i := range d.sents {
		if d.question(i) {
			return true
		}
	}
	return false
}

// detector holds the buffers of one Detect call.
type detector struct {
	sents []string
	info  []sentInfo
	lines []lineInfo
	feats []uint32
	tok   tokenizer
	nQ    int  // sentences with a question mark
	nShow int  // showcase words in the text
	multi bool // the cleaned text has more than one line
}

var detectors = sync.Pool{New: func() any { return &detector{tok: tokenizer{scratch: true}} }}

// release returns d to the pool without keeping the caller's text alive.
func (d *detector) release() {
	clear(d.sents)
	clear(d.lines)
	clear(d.tok.ws)
	d.tok.lower = ""
	d.tok.scratch = true
	detectors.Put(d)
}

// chatWords maps chat spellings to the words the rules look for.
var chatWords = map[string]string{
	"u": "you", "ya": "you", "yu": "you", "yall": "you", "r": "are", "ur": "your",
	"wat": "what", "wut": "what", "wht": "what", "wha": "what", "whut": "what",
	"hw": "how", "whos": "who", "whose": "who", "wats": "whats", "wuts": "whats",
	"any1": "anyone", "ne1": "anyone", "anybody": "anyone", "n": "and",
	"wanna": "want", "wana": "want", "dont": "don't", "doesnt": "doesn't",
	"didnt": "didn't", "isnt": "isn't", "arent": "aren't", "cant": "can't",
	"wont": "won't", "wouldnt": "wouldn't", "couldnt": "couldn't", "shouldnt": "shouldn't",
	"hasnt": "hasn't", "havent": "haven't", "wasnt": "wasn't", "werent": "weren't",
	"im": "i'm", "whats": "what's", "hows": "how's", "wheres": "where's", "whens": "when's",
	"whys": "why's", "howd": "how'd", "whered": "where'd", "whatd": "what'd",
}

// chatFilter turns away most words that are not chatWords without a lookup.
var chatFilter = func() *wordSet {
	var ws []string
	for w := range chatWords {
		ws = append(ws, w)
	}
	return set(ws...)
}()

func chat(w string) string {
	if !chatFilter.mayHave(w) {
		return w
	}
	if c, ok := chatWords[w]; ok {
		return c
	}
	return w
}

var whWords = set("what", "what's", "what're", "what'd", "what'll", "who", "who's", "who're", "who'd",
	"who'll", "whom", "where", "where's", "where'd", "where're", "when", "when's", "why", "why's", "why'd",
	"how", "how's", "how'd", "how're", "how'll", "which", "wtf")

var auxWords = set("do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "will", "would",
	"should", "shall", "may", "might", "have", "has", "had", "don't", "doesn't", "didn't", "isn't",
	"aren't", "wasn't", "weren't", "can't", "won't", "wouldn't", "couldn't", "shouldn't", "haven't",
	"hasn't", "must", "need")

// subjects that follow an inverted auxiliary in a yes/no question.
var subjectWords = set("i", "you", "he", "she", "it", "we", "they", "there", "this", "that", "these",
	"those", "anyone", "anyone's", "someone", "somebody", "everyone", "everybody", "any", "some", "your",
	"my", "his", "her", "their", "our", "its", "the", "a", "an", "people", "one", "ppl", "all", "u2",
	"yours", "ye", "thou", "nobody", "no", "ne", "everything", "anything", "something", "y'all")

// openers are interjections, greetings and fillers that may precede the
// question proper ("lol, how do you know", "hey so where r u from").
var openers = set("lol", "lmao", "hi", "hey", "hiya", "heya", "hello", "hey", "so", "ok", "okay", "oh", "ohh",
	"well", "and", "but", "omg", "hmm", "hmmm", "umm", "um", "uh", "ah", "yes", "yeah", "yea", "no", "haha",
	"hehe", "wow", "btw", "also", "then", "now", "sorry", "ps", "edit", "update", "quick", "question",
	"q", "serious", "seriously", "honest", "honestly", "just", "curious", "guys", "folks", "all",
	"everyone", "friends", "thanks", "ty", "thx", "ok", "alright", "hiyas", "howdy", "o", "oo", "ooo",
	"or", "nah", "like", "dude", "man", "babe", "hun", "honey", "sweetie", "and", "plus", "anyway",
	"anyways", "real", "fine", "good", "great", "here")

// exclamatives follow "how"/"what a" in exclamations ("how sweet", "what a day").
var exclamatives = set("sweet", "cute", "nice", "sad", "funny", "cool", "lovely", "awful", "rude", "sexy",
	"romantic", "awesome", "weird", "strange", "horrible", "terrible", "wonderful", "kind", "adorable",
	"brave", "true", "interesting", "boring", "stupid", "dumb", "lame", "convenient", "typical", "ironic",
	"original", "fun", "gross", "hot", "neat", "beautiful", "crazy", "pathetic", "thoughtful", "exciting")

// rhetorical holds whole sentences (lower case, no punctuation) that look
// like questions but ask nothing.
var rhetorical = phrasesBy(false, "who cares", "who knows", "guess what", "you know what", "know what",
	"what else is new", "how cool is that", "how awesome is that", "how sad is that",
	"how crazy is that", "how great is that", "who would have thought", "who would've thought",
	"who'd have thought", "what could possibly go wrong", "why would you", "who doesn't",
	"who does that", "what's not to like", "what's not to love", "am i right", "isn't it ironic",
	"need i say more", "what gives", "how hard can it be", "why bother", "are you kidding me",
	"what more could you want", "what more can you ask for",
	"who needs", "what's the point", "how dare you", "who asked",
	"what was i thinking", "who the hell cares")

// implicitPrefixes are sentence openings (after openers) that ask for help or
// information without question syntax.
var implicitPrefixes = phrasesBy(false,
	"looking for", "i'm looking for", "i am looking for", "we're looking for", "we are looking for",
	"any recommendations", "any recommendation", "any suggestions", "any suggestion", "any advice",
	"any ideas", "any idea", "any tips", "any help", "any pointers", "any thoughts", "any experience",
	"any alternatives", "any alternative", "any way to", "any workaround",
	"recommendations for", "suggestions for", "advice on", "advice needed", "need advice",
	"need help", "i need help", "help needed", "help with", "please help", "pls help", "plz help", "help",
	"i need a", "need a recommendation", "need recommendations", "need suggestions",
	"i'm wondering", "i am wondering", "i was wondering", "i wonder", "wondering if", "wondering how",
	"wondering why", "wondering what", "wondering whether",
	"is there a way", "is there any way", "how to", "what's the best way", "what is the best way",
	"can't figure out", "cannot figure out", "can not figure out", "i can't figure out",
	"not sure how", "not sure why", "not sure what", "not sure if", "not sure whether",
	"i'm not sure how", "i'm not sure why", "i'm not sure what", "i'm not sure if", "i'm not sure whether",
	"i am not sure how", "i am not sure why", "i am not sure what", "i am not sure if",
	"does anyone know", "anyone know", "anyone knows", "anyone have", "anyone has", "anyone tried",
	"anyone else", "anyone using", "anyone here", "has anyone", "have anyone", "did anyone",
	"what do you think", "thoughts on", "eli5", "tell me", "explain",
	"recommend me", "suggest me", "can someone", "could someone", "can somebody", "could somebody",
	"would someone", "would anyone", "can anyone", "could anyone", "please advise", "pls advise",
	"please suggest", "please recommend", "please explain", "please tell",
	"i'd like to know", "i would like to know", "i want to know", "want to know",
	"i'd appreciate", "i would appreciate", "trying to find", "i'm trying to figure out",
	"trying to figure out", "i'm trying to find", "which is better", "what are the best",
	"best way to", "alternatives to", "alternative to", "x vs", "issue with", "problem with", "problems with",
	"trouble with", "having trouble", "i'm having trouble", "having issues", "i'm having issues",
	"i'm having an issue", "having problems", "i'm having problems", "stuck on", "i'm stuck",
)

// problemVerbs are the actions whose failure ("won't sync", "doesn't start",
// "keeps crashing") makes a statement an implicit support question.
var problemVerbs = set("work", "working", "works", "sync", "syncing", "load", "loading", "start", "starting",
	"connect", "connecting", "install", "installing", "run", "running", "open", "opening", "boot",
	"booting", "respond", "responding", "update", "updating", "upload", "uploading", "download",
	"downloading", "launch", "launching", "login", "log", "compile", "compiling", "build", "building",
	"detect", "detecting", "recognize", "recognise", "recognizing", "show", "showing", "save", "saving",
	"print", "printing", "charge", "charging", "pair", "pairing", "play", "playing", "send", "sending",
	"receive", "receiving", "import", "importing", "export", "exporting", "authenticate", "display",
	"displaying", "register", "activate", "render", "rendering", "respond", "accept", "find", "see", "use")

var negAux = set("won't", "doesn't", "don't", "can't", "cannot", "isn't", "aren't", "didn't", "wasn't",
	"couldn't", "wouldn't", "not", "never", "fails", "failed", "fail", "failing", "unable", "stopped", "refuses")

var problemNouns = set("error", "errors", "crash", "crashes", "crashing", "crashed", "freezes", "freezing",
	"broken", "bug", "exception", "timeout", "traceback", "segfault", "panic", "hangs", "stuck")

// tagEndings are the tails that turn a statement into a question
// ("fine and u", "you're from tx right").
var tagEndings = phrasesBy(true, "and you", "what about you", "how about you", "wbu", "hbu", "hby", "wby",
	"and urself", "and yourself", "and yours", "and your", "or not", "right or wrong", "asl", "a/s/l", "yes or no", "you there",
	"anyone", "any1", "anybody", "anyone here", "are you there", "you ok", "you okay")

func mapSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// wordSet is a set of words with a cheap pre-check: most words that are not
// in the set are turned away by their length and first and last bytes,
// without hashing.
type wordSet struct {
	m           map[string]bool
	first, last [32]uint32 // by length: bits of the first and last bytes (mod 32) of the members
	long        bool       // some member is longer than 31 bytes
}

func set(ws ...string) *wordSet {
	s := &wordSet{m: mapSet(ws...)}
	for _, w := range ws {
		if len(w) >= len(s.first) {
			s.long = true
			continue
		}
		if w != "" {
			s.first[len(w)] |= 1 << (w[0] & 31)
			s.last[len(w)] |= 1 << (w[len(w)-1] & 31)
		}
	}
	return s
}

// has reports whether w is in s.
func (s *wordSet) has(w string) bool {
	return s.mayHave(w) && s.m[w]
}

// mayHave is the pre-check of has: false means w is not in s.
func (s *wordSet) mayHave(w string) bool {
	n := len(w)
	if n >= len(s.first) {
		return s.long
	}
	return n == 0 || s.first[n]&(1<<(w[0]&31)) != 0 && s.last[n]&(1<<(w[n-1]&31)) != 0
}

// reHandle matches addressee handles: @name, u/name and the masked chat user
// names of the NPS corpus ("10-19-20sUser7"). They are replaced by handleTok.
var reHandle = regexp.MustCompile(`(?i)(?:^|\s)(?:@[\w.-]+|/?u/[\w-]+|\d+-\d+-\w*user\d+)\b`)

const handleTok = "xhandlex"

// replaceHandles replaces every match of reHandle in s with " "+handleTok.
// It is a hand-written scanner for that pattern; text with a long s or a
// Kelvin sign (which (?i)\w also matches) takes the regexp.
func replaceHandles(s string) string {
	// Every handle has an '@', a '/' or a '-'.
	if strings.IndexByte(s, '@') < 0 && strings.IndexByte(s, '/') < 0 && strings.IndexByte(s, '-') < 0 {
		return s
	}
	if strings.Contains(s, "ſ") || strings.Contains(s, "\u212a") {
		return reHandle.ReplaceAllString(s, " "+handleTok)
	}
	var b strings.Builder
	last := 0
	for p := 0; p < len(s); p++ {
		e := -1
		if p == 0 {
			e = handleEnd(s, 0)
		}
		if e < 0 && isRESpace(s[p]) && p+1 < len(s) && mayStartHandle[s[p+1]] {
			e = handleEnd(s, p+1)
		}
		if e < 0 {
			continue
		}
		b.WriteString(s[last:p])
		b.WriteString(" " + handleTok)
		last, p = e, e-1
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// mayStartHandle marks the bytes a handle starts with.
var mayStartHandle = [256]bool{'@': true, '/': true, 'u': true, 'U': true,
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true}

// isRESpace reports whether c is in regexp's \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// handleEnd returns the end of the handle that reHandle would match at s[q:]
// (after its leading space), or -1.
func handleEnd(s string, q int) int {
	if q >= len(s) {
		return -1
	}
	switch c := s[q]; {
	case c == '@':
		return wordRunEnd(s, q+1, ".-")
	case c == '/' || c|0x20 == 'u':
		if c == '/' {
			q++
		}
		if q+1 < len(s) && s[q]|0x20 == 'u' && s[q+1] == '/' {
			return wordRunEnd(s, q+2, "-")
		}
		return -1
	case '0' <= c && c <= '9':
		i := skipDigits(s, q)
		if i == q || i >= len(s) || s[i] != '-' {
			return -1
		}
		j := skipDigits(s, i+1)
		if j == i+1 || j >= len(s) || s[j] != '-' {
			return -1
		}
		start, end := j+1, j+1
		for end < len(s) && isASCIIWord(s[end]) {
			end++
		}
		k := end
		for k > start && '0' <= s[k-1] && s[k-1] <= '9' {
			k--
		}
		if k == end || k-start < len("user") || !hasFoldASCIIPrefix(s[k-len("user"):k], "user") {
			return -1
		}
		return end
	}
	return -1
}

// wordRunEnd matches [\w<extra>]+\b at s[i:], longest first, and returns its
// end or -1.
func wordRunEnd(s string, i int, extra string) int {
	r := i
	for r < len(s) && (isASCIIWord(s[r]) || strings.IndexByte(extra, s[r]) >= 0) {
		r++
	}
	for e := r; e > i; e-- {
		after := e < len(s) && isASCIIWord(s[e])
		if isASCIIWord(s[e-1]) != after {
			return e
		}
	}
	return -1
}

func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// ruleKind is which rule, if any, calls a sentence a question.
type ruleKind uint8

const (
	ruleNone       ruleKind = iota
	ruleRhetorical          // a rhetorical formula: never a question
	ruleBareMark            // "??" on its own
	ruleMark                // a question mark (any script's) outside quotations
	ruleStart               // question syntax at the start
	ruleInner               // a question word and inverted auxiliary inside
	ruleClause              // a later clause opens with question syntax
	ruleImplicit            // an implicit request ("looking for", "any advice")
	ruleHelp                // "help" that does not open a request
	ruleTag                 // a tag ending ("and you", "right")
	ruleAnyone              // "anyone?"
	ruleRight               // "ur female right"
	ruleProblem             // a malfunction report ("X won't sync")
	nRuleKinds
)

// rule classifies one sentence by the rules, telling which one fired.
func (d *detector) rule(s string) ruleKind {
	masked := maskQuotes(s)
	masked = replaceHandles(masked)
	hasQ := hasQuestionMark(masked)
	d.tok.tokenize(masked, true)
	all := d.tok.ws
	for i, w := range all {
		all[i] = chat(w)
	}
	ws := all
	for len(ws) > 0 && ws[len(ws)-1] == handleTok {
		ws = ws[:len(ws)-1]
	}
	if len(ws) == 0 {
		// "??" on its own asks what the other meant.
		if hasQ && strings.Trim(strings.ReplaceAll(masked, handleTok, ""), "?!. \t") == "" {
			return ruleBareMark
		}
		return ruleNone
	}
	body := stripOpeners(ws)
	// Phrases are compared word by word: ws joined by single spaces has
	// phrase p as a prefix ending at a space exactly when ws starts with the
	// words of p.
	if isPhrase(rhetorical, ws) || isPhrase(rhetorical, body) || hasPrefixPhrase(rhetoricalPrefixes, body) {
		return ruleRhetorical
	}
	if hasQ {
		return ruleMark
	}
	if startsQuestion(body) {
		return ruleStart
	}
	if hasInnerQuestion(ws) {
		return ruleInner
	}
	// A question after a comma or ".." in the same chat line:
	// "fine here, how r u", "HALO ..WTF ARE YOU TALKING ABOUT". The clauses
	// are those of strings.FieldsFunc(masked, isClauseSep) after the first.
	for i := 0; i < len(all) && d.tok.nClause >= 2; {
		c, j := d.tok.clause[i], i
		for j < len(all) && d.tok.clause[j] == c {
			j++
		}
		if c >= 1 {
			if cw := stripOpeners(all[i:j]); len(cw) >= 2 && startsQuestion(cw) {
				return ruleClause
			}
		}
		i = j
	}
	for _, p := range implicitPrefixes[body[0]] {
		if hasWordPrefix(body, p) {
			if len(p) == 1 && p[0] == "help" && len(body) > 1 && !helpOpener(masked) {
				return ruleHelp
			}
			return ruleImplicit
		}
	}
	for _, t := range tagEndings[ws[len(ws)-1]] {
		if len(t) <= len(ws) && slices.Equal(ws[len(ws)-len(t):], t) {
			return ruleTag
		}
	}
	if len(ws) <= 3 && (ws[0] == "anyone" || ws[len(ws)-1] == "anyone") {
		return ruleAnyone // "anyone?", "lol anyone"
	}
	if len(ws) <= 6 && len(ws) >= 2 && ws[len(ws)-1] == "right" && !notTagRight.has(ws[len(ws)-2]) {
		return ruleRight // "ur female right"
	}
	if isProblemReport(body) {
		return ruleProblem
	}
	return ruleNone
}

var notTagRight = set("that's", "thats", "all", "you're", "your", "is", "turn", "turned", "go", "went", "it", "me",
	"just", "not", "alright", "ok", "exactly", "quite", "so", "was", "were", "are", "be", "i'm", "done", "fair")

// phrases holds word sequences by their first (or last) word, each list in
// the order given.
type phrases map[string][][]string

func phrasesBy(byLast bool, ps ...string) phrases {
	m := phrases{}
	for _, p := range ps {
		f := strings.Fields(p)
		k := f[0]
		if byLast {
			k = f[len(f)-1]
		}
		m[k] = append(m[k], f)
	}
	return m
}

// isPhrase reports whether ws is exactly one of ps.
func isPhrase(ps phrases, ws []string) bool {
	if len(ws) == 0 {
		return false
	}
	for _, p := range ps[ws[0]] {
		if slices.Equal(ws, p) {
			return true
		}
	}
	return false
}

// hasPrefixPhrase reports whether ws starts with one of ps.
func hasPrefixPhrase(ps phrases, ws []string) bool {
	if len(ws) == 0 {
		return false
	}
	for _, p := range ps[ws[0]] {
		if hasWordPrefix(ws, p) {
			return true
		}
	}
	return false
}

func hasWordPrefix(ws, p []string) bool {
	return len(p) <= len(ws) && slices.Equal(ws[:len(p)], p)
}

// hasInnerQuestion finds a question word followed by an inverted auxiliary
// and its subject inside a sentence ("heyy sweet girl how r u", "i knew, why
// didn't you"), and chat requests such as "22/m any ladies wanna chat".
func hasInnerQuestion(ws []string) bool {
	for i := 1; i+2 < len(ws); i++ {
		if whWords.has(ws[i]) && ws[i] != "wtf" && auxWords.has(ws[i+1]) && (subjectPronoun.has(ws[i+2]) || ws[i+2] == handleTok) {
			return true
		}
	}
	for i, w := range ws {
		if w != "any" && w != "anyone" {
			continue
		}
		for j := i + 1; j < len(ws) && j <= i+3; j++ {
			if ws[j] == "want" || ws[j] == "wants" {
				return true
			}
		}
	}
	return false
}

var subjectPronoun = set("i", "you", "he", "she", "it", "we", "they", "there", "this", "that", "anyone",
	"someone", "everyone", "everybody", "somebody", "people", "ppl", "y'all")

// helpOpener reports whether "help" opens a request ("Help: …", "Help!",
// "help me…", "help with…") rather than a statement that merely starts with it.
func helpOpener(s string) bool {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimLeft(t, "[(")
	if !strings.HasPrefix(t, "help") {
		return true // "help" followed an opener
	}
	rest := strings.TrimSpace(t[4:])
	return strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "]") ||
		strings.HasPrefix(rest, ")") || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "me ") ||
		strings.HasPrefix(rest, "with ") || strings.HasPrefix(rest, "needed") || strings.HasPrefix(rest, "please")
}

// rhetoricalPrefixes open rhetorical sentences of any length.
var rhetoricalPrefixes = phrasesBy(false, "who cares", "who knows", "guess what", "you know what",
	"why would anyone", "who would want", "who doesn't love", "who doesn't like", "who doesn't want",
	"who doesn't enjoy", "who wouldn't want", "who wouldn't love", "who wouldn't like", "what's not to",
	"who doesn't need", "who needs")

// startsQuestion reports whether ws (openers removed) opens with question syntax.
func startsQuestion(ws []string) bool {
	w0 := ws[0]
	var w1, w2 string
	if len(ws) > 1 {
		w1 = ws[1]
	}
	if len(ws) > 2 {
		w2 = ws[2]
	}
	if prepositions.has(w0) && whWords.has(w1) && len(ws) > 2 {
		return true // "at what time", "on what kinda …"
	}
	switch {
	case whWords.has(w0):
		switch {
		case w0 == "how" && exclamatives.has(w1):
			return false // "how sweet"
		case w0 == "what" && (w1 == "a" || w1 == "an"):
			return false // "what a ride"
		case w0 == "why" && (w1 == "yes" || w1 == "sure" || w1 == "shore" || w1 == "thank" || w1 == "thanks"):
			return false // "why yes i do"
		case (w0 == "when" || w0 == "where") && (w1 == "i" || w1 == "i'm" || w1 == "we") && w2 != "" && !auxWords.has(w2):
			return false // "when i get home …": a subordinate clause
		case w0 == "when" && subjectPronoun.has(w1) && w2 != "" && !auxWords.has(w2):
			return false
		case w0 != "which" && w0 != "who" && relativeSubject.has(w1) && freeRelativeVerb(w2):
			return false // "how it works", "what i learned", "why it matters": a heading, not a question
		}
		return true
	case auxWords.has(w0):
		if w1 == "" {
			return false
		}
		switch w0 {
		case "am":
			return w1 == "i"
		case "was", "were", "had", "did", "have", "has", "need", "must":
			// Past-tense and have-auxiliaries start many subject-less
			// statements ("was a mistake", "have a good day").
			return subjectPronoun.has(w1) || w1 == handleTok || (w0 == "need" && w1 == "any")
		}
		return subjectWords.has(w1) || w1 == handleTok
	case w0 == "anyone" || w0 == "any":
		return len(ws) > 1 && !(w0 == "anyone" && (w1 == "can" || w1 == "could" || w1 == "who" || w1 == "else" && w2 == "want"))
	case w0 == "someone" || w0 == "somebody":
		return someoneAsks.has(w1)
	case w0 == "asl" || w0 == "a/s/l":
		return true
	case w0 == "you" && (w1 == "there" || w1 == "ok" || w1 == "okay" || w1 == "sure" || w1 == "single" ||
		w1 == "from" || w1 == "mean"):
		return true
	case w0 == "want" && (w1 == "to" || w1 == "me" || w1 == "some" || w1 == "a"):
		return true // "wanna chat?" with the subject dropped
	}
	return false
}

// relativeSubject are the subjects of a free relative clause ("what we built").
var relativeSubject = set("i", "we", "it", "they", "this", "that", "he", "she", "you", "people", "everyone")

// freeRelativeVerb reports whether w, after "how it" or "what we", is a
// verb in the past or third person ("works", "learned", "built") rather
// than the bare form a dropped-auxiliary chat question has ("how you doing",
// "what you mean").
func freeRelativeVerb(w string) bool {
	if len(w) < 3 || auxWords.has(w) && w != "does" && w != "did" {
		return false
	}
	return strings.HasSuffix(w, "ed") || strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") ||
		irregularPast.has(w)
}

var irregularPast = set("built", "made", "did", "got", "found", "thought", "went", "learnt", "saw", "came",
	"took", "knew", "ran", "wrote", "brought", "bought", "felt", "left", "kept", "became", "began", "chose")

var someoneAsks = set("want", "wants", "know", "knows", "have", "has", "here", "there", "around", "else", "up", "awake")

var prepositions = set("at", "on", "in", "for", "from", "to", "with", "by", "about", "of", "since", "until")

func stripOpeners(ws []string) []string {
	i := 0
	for i < len(ws) && (openers.has(ws[i]) || ws[i] == handleTok || isInterjection(ws[i])) {
		i++
	}
	if i == len(ws) && i > 0 {
		i--
	}
	return ws[i:]
}

// isInterjection reports whether w is a drawn-out interjection, that is
// whether it matches
//
//	^(?:a+w+|a+h+|o+h+|h+m+|u+m+|u+h+|l+o+l+|ha(?:ha)+h?|he(?:he)+|lmf?a+o+|ro+fl|o+k+|y+a+y+|w+o+w+|hey+|hi+|heh+|wb)$
func isInterjection(w string) bool {
	if len(w) < 2 {
		return false
	}
	// The word as runs of one letter: "lmaooo" is l1 m1 a1 o3.
	var ch [6]byte
	var n [6]int
	runs := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return false
		}
		if runs > 0 && ch[runs-1] == c {
			n[runs-1]++
			continue
		}
		if runs == len(ch) {
			return repeats(w, "ha", true) || repeats(w, "he", false)
		}
		ch[runs], n[runs] = c, 1
		runs++
	}
	switch runs {
	case 2:
		switch string(ch[:2]) {
		case "aw", "ah", "oh", "hm", "um", "uh", "ok":
			return true
		case "hi":
			return n[0] == 1
		case "wb":
			return n[0] == 1 && n[1] == 1
		}
	case 3:
		switch string(ch[:3]) {
		case "lol", "yay", "wow":
			return true
		case "hey", "heh":
			return n[0] == 1 && n[1] == 1
		}
	case 4:
		switch string(ch[:4]) {
		case "lmao":
			return n[0] == 1 && n[1] == 1
		case "rofl":
			return n[0] == 1 && n[2] == 1 && n[3] == 1
		}
	case 5:
		if string(ch[:5]) == "lmfao" {
			return n[0] == 1 && n[1] == 1 && n[2] == 1
		}
	}
	return repeats(w, "ha", true) || repeats(w, "he", false)
}

// repeats reports whether w is unit repeated at least twice, optionally
// followed by the unit's first letter.
func repeats(w, unit string, trailing bool) bool {
	if trailing && len(w)%2 == 1 && w[len(w)-1] == unit[0] {
		w = w[:len(w)-1]
	}
	if len(w) < 4 || len(w)%2 == 1 {
		return false
	}
	for i := 0; i < len(w); i += 2 {
		if w[i:i+2] != unit {
			return false
		}
	}
	return true
}

// isProblemReport recognises statements of a malfunction ("X won't sync after
// update", "Ollama keeps crashing on startup", "error when importing").
func isProblemReport(ws []string) bool {
	if len(ws) < 3 {
		return false
	}
	for i, w := range ws {
		if negAux.has(w) && i+1 < len(ws) {
			next := ws[i+1]
			if next == "be" || next == "to" && i+2 < len(ws) {
				if i+2 < len(ws) {
					next = ws[i+2]
				}
			}
			if problemVerbs.has(next) && !personalSubject(ws[:i]) {
				return true
			}
		}
		if w == "keeps" && i+1 < len(ws) && (strings.HasSuffix(ws[i+1], "ing")) && i > 0 {
			return problemNouns.has(ws[i+1]) || ws[i+1] == "failing" || ws[i+1] == "restarting" ||
				ws[i+1] == "disconnecting" || ws[i+1] == "freezing" || ws[i+1] == "crashing"
		}
		if (w == "error" || w == "errors" || w == "exception" || w == "traceback") && i+1 < len(ws) &&
			(ws[i+1] == "when" || ws[i+1] == "while" || ws[i+1] == "on" || ws[i+1] == "after" || ws[i+1] == "during") {
			return true
		}
	}
	return false
}

// personalSubject reports whether the clause before a negation is about the
// writer or the reader ("i don't run", "you can't see") rather than a product.
func personalSubject(before []string) bool {
	if len(before) == 0 {
		return true // "Won't load" with a dropped subject is still about a thing, but too vague
	}
	last := before[len(before)-1]
	switch last {
	case "i", "you", "we", "he", "she", "they", "i'm", "you're", "just", "really", "still", "even", "u",
		"might", "may", "could", "would", "should", "probably", "maybe":
		return true
	}
	return false
}
