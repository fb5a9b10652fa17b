package questions

import (
	"slices"
	"strings"
)

// conversationWords are words about the conversation rather than its subject:
// asking for opinions, advice, ideas or help, judging what was said ("normal",
// "wrong", "missing") or pointing back at it ("that", "else", "options"). A
// question made only of these and stop words ("What do you think?", "Any
// suggestions would be appreciated.", "Is this normal?", "What am I missing?",
// "Other options?") only makes sense inside its post, so it is never grouped
// with another post's question, however alike the words.
var conversationWords = strings.Fields(`
think thought thoughts opinion opinions view views feedback comment comments input insight insights
suggest suggestion suggestions advice advise recommend recommendation recommendations tip tips trick tricks
idea ideas guidance pointer pointers direction directions clue hint hints
appreciate appreciated appreciation grateful welcome love hear share sharing
experience experiences
normal wrong right missing miss correct sure true fine expected weird strange
option options alternative alternatives choice choices
else other another thing things stuff
happen happens happening happened mean means meant matter
go going gone do doing done make made say said see seen look looking find try tried trying work works working
case point reason problem problems issue issues bug bugs workaround workarounds question questions answer answers fix solution solutions
useful helpful setup
people everyone anybody everybody guys folks community reddit fellow
good great better best bad worse worst
difference different same similar
now here there time first second also again yet
`)

// conversationTerms are conversationWords as the Clusterer's terms.
var conversationTerms = func() map[string]bool {
	m := make(map[string]bool, len(conversationWords))
	for _, w := range conversationWords {
		for _, f := range features(w) {
			m[f.term] = true
		}
	}
	delete(m, "not") // a negation is scaffolding of the question, never its subject
	return m
}()

// contextBound reports whether a question's terms say nothing of its subject:
// each is a conversation word or a negation.
func contextBound(fs []feature) bool {
	for _, f := range fs {
		if f.term != "not" && !conversationTerms[f.term] {
			return false
		}
	}
	return true
}

// feedbackCues are the word sequences of a request for feedback ("Let me know
// what you think", "I'd love to hear your thoughts", "Any feedback is
// appreciated"). The guide gives each such request a group of its own: it is
// about the author's own project, and one answer never serves two of them.
var feedbackCues = [][]string{
	{"let", "me", "know"}, {"let", "us", "know"}, {"love", "to", "hear"}, {"love", "to", "get"},
	{"love", "your"}, {"love", "some"}, {"love", "any"}, {"feedback"}, {"appreciate"}, {"appreciated"},
	{"thoughts"}, {"welcome"}, {"testers"},
}

// asksForFeedback reports whether a question asks for feedback, see feedbackCues.
func asksForFeedback(text string) bool {
	ws := words(clean(text))
	for i := range ws {
		ws[i] = strings.ToLower(ws[i])
	}
	for i := range ws {
		for _, cue := range feedbackCues {
			if i+len(cue) <= len(ws) && slices.Equal(ws[i:i+len(cue)], cue) {
				return true
			}
		}
	}
	return false
}

// pointers are the words by which a question points back at its post ("What
// would be the best model for this?", "Is that enough?"). Such a question
// says less than its words: it only joins a cluster on terms that tell
// questions apart, never on one common term alone.
var pointers = set("this", "that", "these", "those", "such", "above")

func pointsBack(text string) bool {
	for _, w := range words(clean(text)) {
		if pointers.has(strings.ToLower(w)) {
			return true
		}
	}
	return false
}
