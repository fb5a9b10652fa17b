package analysis

import (
	"strings"
	"unicode"
)

// minLanguageLetters is the fewest letters a text needs before its language is told: short
// texts ("lol", "Ollama 0.5 🔥") are too short for trigram statistics and are read as English.
const minLanguageLetters = 40

// maxLanguageBytes is how much of a text whatlanggo reads: enough to be sure, bounded in time.
const maxLanguageBytes = 600

// englishWords are English function words, frequent in any English post and rare elsewhere.
var englishWords = map[string]bool{"the": true, "and": true, "is": true, "to": true, "of": true, "it": true,
	"i": true, "you": true, "that": true, "this": true, "with": true, "for": true, "have": true, "my": true,
	"was": true, "but": true, "not": true, "are": true, "can": true, "what": true, "how": true, "on": true}

// englishFunctionWords reports whether at least one word in twelve of the first 60 is an English
// function word.
func englishFunctionWords(text string) bool {
	words, hits := 0, 0
	for i := 0; i < len(text) && words < 60; {
		for i < len(text) && !isASCIILetter(text[i]) {
			i++
		}
		j := i
		for j < len(text) && (isASCIILetter(text[j]) || text[j] >= 0x80) {
			j++ // non-ASCII bytes stay inside the word ("très" is not "tr" + "s")
		}
		if j > i {
			words++
			if w := text[i:j]; len(w) <= 4 && englishWords[strings.ToLower(w)] {
				hits++
			}
		}
		i = j
	}
	return words > 0 && hits*12 >= words
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// language returns the ISO 639-1 code of text's language when whatlanggo is confident of it,
// and "" when it cannot tell. Only a confident non-English reading stops scoring, so mixed
// posts (English prose with a code block, a quoted line in another language) are still scored.
func language(text string) string {
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			if letters++; letters >= minLanguageLetters {
				break
			}
		}
	}
	if letters < minLanguageLetters {
		return ""
	}
	if englishFunctionWords(text) {
		return "en" // most posts: skip the trigram statistics, which cost 10× the rest
	}
	if len(text) > maxLanguageBytes {
		text = text[:maxLanguageBytes] // whatlanggo tolerates a cut rune
	}
	info := detect(text)
	if !info.IsReliable() {
		return ""
	}
	return info.Lang.Iso6391()
}
