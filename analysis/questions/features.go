package questions

import "strings"

// feature is one weighted term of a question.
type feature struct {
	term string
	w    float64
}

// features turns a question into the weighted terms the Clusterer compares:
// content words, lower-cased, stemmed and folded through the synonym table.
// Question scaffolding ("how do I", "can you tell me", "please") and other
// stop words are dropped.
func features(text string) []feature {
	ws := words(clean(text))
	out := make([]feature, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := chat(ws[i])
		if negations.has(w) {
			out = append(out, feature{"not", 1})
			continue
		}
		if stopWords.has(w) {
			continue
		}
		s := stem(w)
		if syn, ok := synonyms[s]; ok {
			s = syn
		}
		if s == "" || stopWords.has(s) {
			continue
		}
		out = append(out, feature{s, 1})
	}
	return out
}

var stopWords = set(strings.Fields(`
a about above after again against all am an and any anyone anybody are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's
hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me
more most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own
same shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
themselves then there there's these they they'd they'll they're they've this those through to too under
until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself
yourselves will shall may might must just also still already yet ever even really please pls plz thanks
thank hi hello hey help know tell want wanted like would'd need needs needed get got able anything something
someone somebody way possible ok okay im u ur thx hey there's here's one much many lot lots any
`)...)

// negations all become the term "not": "isn't working" and "won't work"
// ask something else than "working" and "work".
var negations = set("not", "no", "never", "cannot", "can't", "won't", "doesn't", "don't", "didn't", "isn't",
	"aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "couldn't", "wouldn't", "shouldn't", "non", "nor")

// synonyms folds stems with the same meaning in questions onto one term.
var synonyms = map[string]string{}

// Terms returns the normalised content terms of text, in order: the terms
// the Clusterer compares (exported for the word-vector trainer and for
// debugging).
func Terms(text string) []string {
	fs := features(text)
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.term
	}
	return out
}
