package questions

import (
	"strings"
	"unicode"
)

// matchWords is devscore's words: Python's re \w+ on the lower-cased text.
func matchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_')
	})
}

// SameSentence reports whether two sentences are the same asking, allowing for how
// each was cut: half their words shared, or one inside the other. It is the rule the team's
// devscore matches extracted questions to labelled ones by, so training labels candidates with
// it too.
func SameSentence(a, b string) bool {
	wa, wb := matchWords(a), matchWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	sa, sb := map[string]bool{}, map[string]bool{}
	for _, w := range wa {
		sa[w] = true
	}
	for _, w := range wb {
		sb[w] = true
	}
	inter := 0
	for w := range sa {
		if sb[w] {
			inter++
		}
	}
	ja, jb := strings.Join(wa, " "), strings.Join(wb, " ")
	return float64(inter)/float64(len(sa)+len(sb)-inter) >= 0.5 || strings.Contains(jb, ja) || strings.Contains(ja, jb)
}
