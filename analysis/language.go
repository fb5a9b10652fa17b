package analysis

import (
	"unicode"

	"github.com/abadojack/whatlanggo"
)

// minLanguageLetters is the fewest letters a text needs before its language is told: short
// texts ("lol", "Ollama 0.5 🔥") are too short for trigram statistics and are read as English.
const minLanguageLetters = 40

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
	info := whatlanggo.Detect(text)
	if !info.IsReliable() {
		return ""
	}
	return info.Lang.Iso6391()
}
