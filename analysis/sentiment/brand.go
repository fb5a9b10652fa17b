package sentiment

import (
	"math"
	"slices"
	"strings"
)

// Sentiment toward a brand in a long community post.
//
// A post about software is mostly neutral prose: set-up, versions, logs. What it says about
// one brand sits in a few sentences: those that name it (the title counts) and the ones that go
// on about it ("it crashes at load", "they fixed it"), until another brand takes over. The
// brand head reads those sentences only, with the brand's name replaced by a placeholder (so
// what it learns carries over to brands it never saw) and the other brands' names by another,
// and weighs:
//
//   - the text head's reading (its probabilities) of those sentences, of the strongest one and
//     of the whole post, and the target head's reading of the brand;
//   - the same from a sentence head trained on product talk (the labelled posts' deciding
//     sentences, review sentences, complaints, tweets), and, when the brand is what the post
//     is about, its strongest sentences anywhere in the post;
//   - the sentences' lexicon and style features (no word n-grams: with a few hundred polar
//     mentions to learn from they fit one community's vocabulary and did worse on unseen
//     posts);
//   - product talk: failures and regressions ("crashes", "won't load", "broke after the update"),
//     praise of software ("just works", "game changer"), switches and comparisons ("moved from
//     X to Y", "X is 3x faster than Y", "unlike X"), and signs that the post presents the
//     author's own project, whose enthusiasm is not the brands' it integrates;
//   - where the brand is named: the title, prose, or only inside a URL, code, a quote or a
//     table (which carry no sentiment toward it).
//
// It is a multinomial logistic regression trained on labelled community posts (see
// analysis/cmd/trainbrand). Its label is a documented threshold on its score
// (BrandNegativeBelow, BrandPositiveAbove), so panels on either tell the same story.

// brandModel is the brand head with its label thresholds on the score.
type brandModel struct {
	h head
	// sent is the sentence head: a text head trained on sentences of product talk (what the
	// labelled posts' deciding words are in, product reviews, complaints, tweets), read on the
	// brand's sentences.
	sent head
	// negBelow and posAbove are the score thresholds of the labels: negative when the score is
	// below negBelow, positive when above posAbove, neutral in between.
	negBelow, posAbove float32
}

// Placeholders that stand in for the brand and the other brands in the brand head's text.
const (
	brandWord = "brandx"
	otherWord = "otherx"
)

// Feature namespaces of the brand head.
var (
	nsBrandSent = hashString("ns:brand-sent") // sentences naming the brand
	nsBrandCont = hashString("ns:brand-cont") // sentences continuing about it
	nsBrandCue  = hashString("ns:brand-cue")
)

// maxPostSentences bounds the sentences of a post read for the brand it is about.
const maxPostSentences = 40

// maxContinuation is how many sentences after one naming the brand are read as about it.
const maxContinuation = 2

// brandText is the text the brand head reads for one brand: its sentences and their
// continuations with the names replaced, and what is known of where it was named.
type brandText struct {
	named, cont strings.Builder
	sents       []string // each sentence naming the brand, rewritten
	sentAt      []int    // the index of each in the Doc's sentences
	// reads holds the reading of each of sents as bt.post's sentences are read (sentProbs,
	// or the text head's without a sentence head), so the post's do not read them again.
	reads    [][3]float64
	inTitle  bool
	prose    int // sentences in prose naming it
	nonProse int // mentions in code, quotes, tables or URLs only
	others   int // other brands named in its sentences
	first    int // index of the first sentence naming it (0 = the title or opening)
	// subject tells that the brand is what the post is about: named in the title or its
	// opening, or the only brand the post names.
	subject bool
	brands  int        // 1 + otherMentions: the share of the post the brand gets is 1/brands
	post    []postSent // the post's prose sentences naming no other brand, rewritten, when subject
}

// postSent is a sentence of bt.post: its text, rewritten; when it names no brand (so it
// reads the same for every brand of the post) its index in the Doc's sentences, else -1; and
// when it is one of bt.sents too (read already), its index there, else -1.
type postSent struct {
	text     string
	k, named int
}

// postInfo is what the brand head reads of a whole post, the same for every brand it names:
// worked out once per Doc (by the first Brand after Parse) rather than once per brand.
type postInfo struct {
	ready           bool
	sents           []sentence
	showcase, help  bool
	problem, praise int // cues in the whole text
	// q caches the reading (sentProbs, or the text head's without a sentence head) of each
	// sentence that names no brand, by sentence index, for sentence head qHead.
	q     []postReading
	qHead *head
}

type postReading struct {
	p  [3]float64
	ok bool
}

// postInfo returns d.post, working it out on first use after Parse.
func (d *Doc) postInfo() *postInfo {
	pi := &d.post
	if pi.ready {
		return pi
	}
	pi.sents = segmentText(d.text, pi.sents[:0])
	// The post-wide cues (showcase words, problem and praise words) are the author's: code,
	// quotes and table rows are left out of them, as they are of everything else read.
	l := strings.ToLower(ownText(d.text))
	h := brandCues.find(l)
	pi.showcase = brandCues.count(h, cueShowcase) > 0
	pi.help = helpPost(l)
	pi.problem, pi.praise = brandCues.count(h, cueProblem), brandCues.count(h, cuePraise)
	pi.q = slices.Grow(pi.q[:0], len(pi.sents))[:len(pi.sents)]
	clear(pi.q)
	pi.qHead = nil
	pi.ready = true
	return pi
}

// reading returns the reading of sentence st of bt.post, from the cache when it names no brand.
func (pi *postInfo) reading(m *Model, e *extractor, st postSent, sent *head) [3]float64 {
	if st.k >= 0 && pi.qHead == sent && pi.q[st.k].ok {
		return pi.q[st.k].p
	}
	e.textFeatures(st.text)
	var q [3]float64
	if sent != nil {
		q = sentProbs(sent, e)
	} else {
		q = softmax(m.textLogits(e.feats))
	}
	if st.k >= 0 {
		if pi.qHead != sent {
			clear(pi.q)
			pi.qHead = sent
		}
		pi.q[st.k] = postReading{p: q, ok: true}
	}
	return q
}

// buildBrandText collects what text says about the brand at spans; others are the spans of
// the other brands named in text.
func buildBrandText(bt *brandText, text string, sents []sentence, spans, others [][2]int, hasTitle bool) {
	bt.named.Reset()
	bt.cont.Reset()
	bt.sents, bt.sentAt = bt.sents[:0], bt.sentAt[:0]
	bt.inTitle, bt.prose, bt.nonProse, bt.others, bt.first = false, 0, 0, 0, -1
	titleEnd := int32(-1)
	if hasTitle {
		if k := strings.Index(text, "\n\n"); k >= 0 {
			titleEnd = int32(k)
		}
	}
	contLeft := 0
	var sb strings.Builder
	for si, s := range sents {
		own := spansIn(spans, s)
		other := spansIn(others, s)
		proseOwn := 0
		if own > 0 && isProse(s.block) {
			for _, sp := range spans {
				if int32(sp[0]) >= s.start && int32(sp[1]) <= s.end && !inURL(text, sp[0], sp[1]) {
					proseOwn++
				}
			}
		}
		switch {
		case proseOwn > 0:
			bt.prose++
			if bt.first < 0 {
				bt.first = si
			}
			if s.end <= titleEnd {
				bt.inTitle = true
			}
			bt.others += other
			sb.Reset()
			rewrite(&sb, text[s.start:s.end], int(s.start), spans, others)
			own := ownClauses(sb.String())
			bt.sents = append(bt.sents, own)
			bt.sentAt = append(bt.sentAt, si)
			bt.named.WriteString(own)
			bt.named.WriteByte('\n')
			contLeft = maxContinuation
			if s.end <= titleEnd {
				contLeft = maxContinuation + 1
			}
		case own > 0:
			bt.nonProse++
		case contLeft > 0 && isProse(s.block):
			if other > 0 {
				contLeft = 0
				continue
			}
			rewrite(&bt.cont, text[s.start:s.end], int(s.start), spans, others)
			bt.cont.WriteByte('\n')
			contLeft--
		}
	}
}

// ownClauses keeps, of a sentence that names other brands too, the clauses that name this one:
// in "Initech is not bad at all but acme is awful" what is said of acme is not Initech's.
// Clauses end at contrast words and at ';'.
func ownClauses(s string) string {
	if !strings.Contains(s, otherWord) {
		return s
	}
	var kept []string
	for _, c := range splitClauses(s) {
		if strings.Contains(c, brandWord) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return s
	}
	return strings.Join(kept, " ")
}

// clauseBreaks are where splitClauses cuts a sentence.
var clauseBreaks = []string{" but ", ", but", "; ", " unlike ", " whereas ", " while ", " although ", " though ", " however "}

func splitClauses(s string) []string {
	var out []string
	l := strings.ToLower(s)
	start := 0
	for i := 0; i < len(l); i++ {
		if c := l[i]; c != ' ' && c != ',' && c != ';' {
			continue // no clause break starts here
		}
		for _, b := range clauseBreaks {
			if strings.HasPrefix(l[i:], b) && i > start {
				out = append(out, s[start:i])
				start = i + 1
				break
			}
		}
	}
	return append(out, s[start:])
}

// spansIn counts the spans inside sentence s.
func spansIn(spans [][2]int, s sentence) int {
	n := 0
	for _, sp := range spans {
		if int32(sp[0]) >= s.start && int32(sp[1]) <= s.end {
			n++
		}
	}
	return n
}

// rewrite writes part (which starts at byte off of the text) with the brand's spans replaced
// by brandWord and the others' by otherWord.
func rewrite(sb *strings.Builder, part string, off int, spans, others [][2]int) {
	pos := 0
	for pos < len(part) {
		next, end, word := len(part), 0, ""
		for _, sp := range spans {
			if a := sp[0] - off; a >= pos && a < next && sp[1]-off <= len(part) {
				next, end, word = a, sp[1]-off, brandWord
			}
		}
		for _, sp := range others {
			if a := sp[0] - off; a >= pos && a < next && sp[1]-off <= len(part) {
				next, end, word = a, sp[1]-off, otherWord
			}
		}
		sb.WriteString(part[pos:next])
		if word == "" {
			break
		}
		sb.WriteString(word)
		pos = end
	}
}

// Dense features of the brand head.
var (
	dbWholeNeg, dbWholePos   = dense("b:whole-"), dense("b:whole+")
	dbTargetNeg, dbTargetPos = dense("b:target-"), dense("b:target+")
	dbNamedNeg, dbNamedPos   = dense("b:named-"), dense("b:named+")
	dbContNeg, dbContPos     = dense("b:cont-"), dense("b:cont+")
	dbMaxNeg, dbMaxPos       = dense("b:max-"), dense("b:max+")
	dbTitle                  = dense("b:title")
	dbNonProseOnly           = dense("b:nonprose-only")
	dbNoText                 = dense("b:none")
	dbOthers                 = dense("b:others")
	dbFirst                  = dense("b:first")
	dbProblem, dbProblemCont = dense("b:problem"), dense("b:problem-cont")
	dbPraise, dbPraiseCont   = dense("b:praise"), dense("b:praise-cont")
	dbFromSide, dbToSide     = dense("b:from"), dense("b:to")
	dbWinner, dbLoser        = dense("b:winner"), dense("b:loser")
	dbShowcase               = dense("b:showcase")
	dbHelp                   = dense("b:help")
	dbSubject                = dense("b:subject")
	dbPostProblem            = dense("b:post-problem")
	dbPostPraise             = dense("b:post-praise")
	dbPostNeg                = dense("b:post-")
	dbPostPos                = dense("b:post+")
	dbQuestion               = dense("b:question")
	dbFirstPerson            = dense("b:first-person")
	dbProseBuckets           [4]uint64
)

func init() {
	for i := range dbProseBuckets {
		dbProseBuckets[i] = dense("b:prose" + string(rune('0'+i)))
	}
}

// brandFeatures returns the brand head's features for the brand d.bt describes, given the
// whole text's and the target head's readings.
func (d *Doc) brandFeatures(whole, target [3]float64, sent *head) []feat {
	m, e, bt, pi := d.m, d.be, &d.bt, &d.post
	var fs []feat
	addD := func(h uint64, v float32) {
		if v != 0 {
			fs = append(fs, feat{h: h, v: v, dense: true})
		}
	}
	addD(dbWholeNeg, float32(whole[0]))
	addD(dbWholePos, float32(whole[2]))
	addD(dbTargetNeg, float32(target[0]))
	addD(dbTargetPos, float32(target[2]))
	addD(dbTitle, b2f(bt.inTitle))
	addD(dbNonProseOnly, b2f(bt.prose == 0 && bt.nonProse > 0))
	addD(dbNoText, b2f(bt.prose == 0))
	addD(dbOthers, tanh32(float32(bt.others)/2))
	addD(dbFirst, b2f(bt.first == 0))
	addD(dbProseBuckets[min(bt.prose, len(dbProseBuckets)-1)], 1)
	addD(dbShowcase, b2f(pi.showcase))
	addD(dbHelp, b2f(pi.help))
	addD(dbSubject, b2f(bt.subject))

	read := func(s string, ns uint64, dNeg, dPos uint64) [3]float64 {
		if s == "" {
			return [3]float64{}
		}
		e.textFeatures(s)
		p := softmax(m.textLogits(e.feats))
		if e.doc.sarcasm {
			p[0], p[2] = p[2], p[0]
		}
		addD(dNeg, float32(p[0]))
		addD(dPos, float32(p[2]))
		addD(mix(dNeg, nsLogOdds), logOdds(p[0], p[1]))
		addD(mix(dPos, nsLogOdds), logOdds(p[2], p[1]))
		if sent != nil {
			q := sentProbs(sent, e)
			addD(mix(dNeg, nsSentHead), float32(q[0]))
			addD(mix(dPos, nsSentHead), float32(q[2]))
			addD(mix(mix(dNeg, nsSentHead), nsLogOdds), logOdds(q[0], q[1]))
			addD(mix(mix(dPos, nsSentHead), nsLogOdds), logOdds(q[2], q[1]))
		}
		// The lexicon and style features of the sentences (dense: they carry over to
		// communities whose words the head never saw, unlike n-grams).
		toks := e.scopedToks()
		e.feats = e.feats[:0]
		e.denseFeats(toks, ns, 0)
		fs = append(fs, e.feats...)
		return p
	}
	named, cont := bt.named.String(), bt.cont.String()
	read(named, nsBrandSent, dbNamedNeg, dbNamedPos)
	read(cont, nsBrandCont, dbContNeg, dbContPos)
	// The strongest single sentence naming the brand: one clear statement must not be
	// diluted by the rest.
	var maxNeg, maxPos, sNeg, sPos float64
	question := false
	bt.reads = bt.reads[:0]
	for _, s := range bt.sents {
		e.textFeatures(s)
		p := softmax(m.textLogits(e.feats))
		maxNeg, maxPos = math.Max(maxNeg, p[0]), math.Max(maxPos, p[2])
		if sent != nil {
			q := sentProbs(sent, e)
			sNeg, sPos = math.Max(sNeg, q[0]), math.Max(sPos, q[2])
			p = q
		}
		bt.reads = append(bt.reads, p)
		question = question || strings.HasSuffix(strings.TrimSpace(s), "?")
	}
	addD(dbMaxNeg, float32(maxNeg))
	addD(dbMaxPos, float32(maxPos))
	addD(mix(dbMaxNeg, nsSentHead), float32(sNeg))
	addD(mix(dbMaxPos, nsSentHead), float32(sPos))
	addD(dbQuestion, b2f(question))
	if bt.subject {
		// A help post titled "X not using GPU?" tells its trouble in the body, often without
		// naming X again: when the brand is the post's subject, the post's strongest
		// sentences speak of it, shared among the brands it names.
		share := 1 / float32(max(bt.brands, 1))
		var pNeg, pPos float64
		for _, st := range bt.post {
			var q [3]float64
			if st.named >= 0 {
				q = bt.reads[st.named]
			} else {
				q = pi.reading(m, e, st, sent)
			}
			pNeg, pPos = math.Max(pNeg, q[0]), math.Max(pPos, q[2])
		}
		addD(dbPostNeg, share*float32(pNeg))
		addD(dbPostPos, share*float32(pPos))
		addD(dbPostProblem, share*tanh32(float32(pi.problem)/3))
		addD(dbPostPraise, share*tanh32(float32(pi.praise)/3))
	}
	ln, lc := strings.ToLower(named), strings.ToLower(cont)
	hn, hc := brandCues.find(ln), brandCues.find(lc)
	addD(dbProblem, tanh32(float32(brandCues.count(hn, cueProblem))/2))
	addD(dbProblemCont, tanh32(float32(brandCues.count(hc, cueProblem))/2))
	addD(dbPraise, tanh32(float32(brandCues.count(hn, cuePraise))/2))
	addD(dbPraiseCont, tanh32(float32(brandCues.count(hc, cuePraise))/2))
	addD(dbFirstPerson, b2f(firstPerson(ln)))
	from, to, win, lose := sides(ln)
	addD(dbFromSide, b2f(from))
	addD(dbToSide, b2f(to))
	addD(dbWinner, b2f(win))
	addD(dbLoser, b2f(lose))
	// Each cue word on its own, in the sentences naming the brand and after them: a fixed,
	// product-independent vocabulary.
	for l, f := range [...]*cueFeats{cueProblem: &problemCueFeats, cuePraise: &praiseCueFeats} {
		for i := range f.named {
			if brandCues.has(hn, l, i) {
				addD(f.named[i], 1)
			}
			if brandCues.has(hc, l, i) {
				addD(f.cont[i], 1)
			}
		}
	}
	return fs
}

// cueFeats are the feature hashes of each cue of a list, in the sentences naming the brand
// and in those after them.
type cueFeats struct{ named, cont []uint64 }

func newCueFeats(cues []string) cueFeats {
	var f cueFeats
	for _, c := range cues {
		f.named = append(f.named, mix(hashString(c), nsBrandCue))
		f.cont = append(f.cont, mix(hashString(c), nsBrandCont^nsBrandCue))
	}
	return f
}

var problemCueFeats, praiseCueFeats = newCueFeats(problemCues), newCueFeats(praiseCues)

// brandCues finds the cue lists of the brand head in one pass over a text.
var brandCues = newCueSet(problemCues, praiseCues, showcaseCues)

// The lists of brandCues.
const (
	cueProblem = iota
	cuePraise
	cueShowcase
)

// logOdds is log(a/b), bounded.
func logOdds(a, b float64) float32 {
	return float32(max(-6, min(6, math.Log(max(a, 1e-6)/max(b, 1e-6))))) / 3
}

// nsLogOdds salts the log-odds form of a probability feature.
var nsLogOdds = hashString("ns:log-odds")

// nsSentHead salts the dense features that carry the sentence head's reading.
var nsSentHead = hashString("ns:sent-head")

// sentProbs is the sentence head's reading of the text e holds features of, sarcasm applied.
func sentProbs(h *head, e *extractor) [3]float64 {
	q := softmax(h.logits(e.feats))
	if e.doc.sarcasm {
		q[0], q[2] = q[2], q[0]
	}
	return q
}

// problemCues are how people report trouble with software, in any product's community.
var problemCues = []string{
	"crash", "error", "fail", "bug", "broke", "broken", "issue", "problem", "wrong", "stuck",
	"hang", "freez", "slow", "lag", "regress", "vulnerab", "exploit", "leak", "missing",
	"unsupport", "not support", "timeout", "timed out", "segfault", "out of memory", "oom",
	"doesn't work", "doesnt work", "does not work", "not work", "don't work", "won't", "wont ",
	"can't", "cant ", "cannot", "unable", "no luck", "stopped", "anymore", "keeps", "garbage",
	"sucks", "sucked", "terrible", "awful", "useless", "annoying", "frustrat", "disappoint",
	"worse", "worst", "nightmare", "pain", "hallucinat", "refuse", "ignores", "doesn't",
	"didn't", "not able", "no longer", "can not", "impossible", "trouble", "struggl", "nothing happens",
	"privacy", "telemetry", "paywall", "expensive", "overpriced", "rate limit", "deprecated",
}

// praiseCues are how people praise software.
var praiseCues = []string{
	"just works", "works great", "works well", "work great", "works perfectly", "game changer",
	"game-changer", "love", "awesome", "amazing", "great", "impress", "excellent", "fantastic",
	"easy", "simple", "smooth", "solid", "reliable", "fast", "faster", "thank", "kudos",
	"recommend", "best", "incredible", "wonderful", "perfect", "nice", "happy with", "so good",
	"better", "favorite", "favourite", "brilliant", "blazing", "snappy", "painless", "lifesaver",
}

// sides reads switches and comparisons around the placeholder: "from brandx" and "instead
// of brandx" put the brand on the side left, "to brandx" after a switch verb on the side
// taken; "brandx is faster than" makes it the winner, "than brandx" the loser.
func sides(s string) (from, to, winner, loser bool) {
	for i := 0; ; {
		k := strings.Index(s[i:], brandWord)
		if k < 0 {
			return
		}
		k += i
		var b6 [6]string
		var a5 [5]string
		before6 := lastWords(b6[:0], s[:k], 6)
		before := before6[max(0, len(before6)-3):]
		after := firstWords(a5[:0], s[k+len(brandWord):], 5)
		switch {
		case hasAny(before, "from", "unlike", "ditch", "ditched", "dropped", "replaced", "abandoned", "quit", "instead"):
			from = true
		case hasAny(before, "to") && hasAny(before6, "switch", "switched", "moved", "move", "migrated", "went", "back", "came", "switching", "moving"):
			to = true
		case hasAny(before, "than", "over", "vs", "versus"):
			loser = true
		}
		if hasAny(after, "than") {
			winner = true
		}
		i = k + len(brandWord)
	}
}

// Words, for sides and the first-person test, are runs of a–z and "'" in lower-case text:
// any other byte separates them, as does any non-ASCII rune, all of whose bytes are 0x80 or
// more. They are read byte by byte, and only as many as are asked for.

func isSideWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c == '\'' }

// lastWords appends the last n words of s to dst, in order.
func lastWords(dst []string, s string, n int) []string {
	start := len(dst)
	for j := len(s); j > 0 && len(dst)-start < n; {
		for j > 0 && !isSideWordByte(s[j-1]) {
			j--
		}
		i := j
		for i > 0 && isSideWordByte(s[i-1]) {
			i--
		}
		if i < j {
			dst = append(dst, s[i:j])
		}
		j = i
	}
	slices.Reverse(dst[start:])
	return dst
}

// firstWords appends the first n words of s to dst.
func firstWords(dst []string, s string, n int) []string {
	for i := 0; n > 0; n-- {
		w := nextWord(s, &i)
		if w == "" {
			break
		}
		dst = append(dst, w)
	}
	return dst
}

// firstPerson reports whether the first 1,000 words of s speak in the first person.
func firstPerson(s string) bool {
	for i, n := 0, 0; n < 1000; n++ {
		w := nextWord(s, &i)
		if w == "" {
			break
		}
		if isAny(w, "i", "i'm", "i've", "my", "we", "our") {
			return true
		}
	}
	return false
}

// nextWord returns the word of s at or after byte *i and moves *i past it; "" at the end.
func nextWord(s string, i *int) string {
	j := *i
	for j < len(s) && !isSideWordByte(s[j]) {
		j++
	}
	k := j
	for k < len(s) && isSideWordByte(s[k]) {
		k++
	}
	*i = k
	return s[j:k]
}

func hasAny(ws []string, any ...string) bool {
	for _, w := range ws {
		if isAny(w, any...) {
			return true
		}
	}
	return false
}

func isAny(w string, any ...string) bool {
	for _, a := range any {
		if w == a {
			return true
		}
	}
	return false
}

// showcaseCues are signs that a post presents the author's own project: its enthusiasm is
// about that project, not the brands it runs on.
var showcaseCues = []string{"i built", "i made", "i created", "i've built", "ive built", "i have built", "i developed",
	"i wrote", "my project", "my app", "my tool", "introducing", "open source", "open-source", "check it out",
	"feedback welcome", "would love feedback", "just released", "i've been building", "i've been working on",
	"we built", "we made", "we released", "github.com/", "show hn", "launch"}

// helpPost reports whether a post, lower-cased, asks for help.
func helpPost(l string) bool {
	if k := strings.IndexByte(l, '\n'); k >= 0 {
		l = l[:k]
	}
	return strings.Contains(l, "?") || strings.Contains(l, "help")
}

// BrandSpans is a brand named in a text: its spans and the spans of the other brands named
// in the same text.
type BrandSpans struct {
	Spans  [][2]int
	Others [][2]int
}

// Brand returns the sentiment toward the brand at spans of the text parsed, from what the
// text says about it (see the comment on brandModel). others are the spans of the other brands
// the text names; hasTitle tells that the text opens with a title ended by a blank line. A
// model without a brand head returns Target(spans).
func (d *Doc) Brand(spans, others [][2]int, hasTitle bool) Result {
	m := d.m
	if m.brand == nil || len(spans) == 0 {
		return d.Target(spans)
	}
	z := m.brand.h.logits(d.brandFeats(spans, others, hasTitle, &m.brand.sent))
	return m.brand.result(z)
}

// brandFeats builds the brand head's features for a Doc.
func (d *Doc) brandFeats(spans, others [][2]int, hasTitle bool, sent *head) []feat {
	m := d.m
	whole := d.wholeProbs()
	target := d.targetProbs(spans)
	text := d.text
	pi := d.postInfo()
	buildBrandText(&d.bt, text, pi.sents, spans, others, hasTitle)
	d.bt.brands = otherMentions(others) + 1
	d.bt.subject = d.bt.inTitle || d.bt.first == 0 || d.bt.brands == 1
	d.bt.post = d.bt.post[:0]
	if d.bt.subject {
		var sb strings.Builder
		named := 0 // the first of bt.sents not before sentence k
		for k, st := range pi.sents {
			if !isProse(st.block) || spansIn(others, st) > 0 || st.end-st.start < 8 {
				continue
			}
			ps := postSent{text: text[st.start:st.end], k: k, named: -1}
			if spansIn(spans, st) > 0 {
				for named < len(d.bt.sentAt) && d.bt.sentAt[named] < k {
					named++
				}
				ps.k = -1
				// A sentence of bt.sents is this rewrite, unless ownClauses cut it.
				if named < len(d.bt.sentAt) && d.bt.sentAt[named] == k && !strings.Contains(d.bt.sents[named], otherWord) {
					ps.text, ps.named = d.bt.sents[named], named
				} else {
					sb.Reset()
					rewrite(&sb, ps.text, int(st.start), spans, others)
					ps.text = sb.String()
				}
			}
			d.bt.post = append(d.bt.post, ps)
			if len(d.bt.post) == maxPostSentences {
				break
			}
		}
	}
	if d.be == nil {
		d.be = m.extractor()
	}
	return d.brandFeatures(whole, target, sent)
}

// otherMentions is how many times other brands are named, capped at 3: the spans come
// ungrouped, so this stands in for how many brands share the post.
func otherMentions(others [][2]int) int {
	return min(len(others), 3)
}

// result turns the brand head's scores into a Result whose label is a threshold on its score.
func (b *brandModel) result(z [3]float32) Result {
	p := softmax(z)
	s := math.Round((p[2]-p[0])*1000) / 1000
	s = max(-1, min(1, s))
	label := Neutral
	switch {
	case s < float64(b.negBelow):
		label = Negative
	case s > float64(b.posAbove):
		label = Positive
	}
	return Result{Label: label, Score: s}
}
