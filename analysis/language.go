package analysis

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// minLanguageLetters is the fewest letters a text needs before its language is told: short
// texts ("lol", "Ollama 0.5 🔥") are too short for trigram statistics and are read as English.
const minLanguageLetters = 40

// maxLanguageBytes is how much of a text whatlanggo reads: enough to be sure, bounded in time.
const maxLanguageBytes = 600

// isEnglishWord reports whether a lower-case word is an English function word, frequent in any
// English post and rare elsewhere.
func isEnglishWord(w string) bool {
	switch w {
	case "the", "and", "is", "to", "of", "it", "i", "you", "that", "this", "with", "for", "have", "my",
		"was", "but", "not", "are", "can", "what", "how", "on":
		return true
	}
	return false
}

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
			if w := text[i:j]; len(w) <= 4 && englishWord(w) {
				hits++
			}
		}
		i = j
	}
	return words > 0 && hits*12 >= words
}

// englishWord is isEnglishWord ignoring case, for a word of at most four bytes, without
// allocating.
func englishWord(w string) bool {
	var b [4]byte
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return isEnglishWord(strings.ToLower(w)) // some non-ASCII letters lower to ASCII: "İS" is "is"
		}
		b[i] = w[i] | 0x20 // an ASCII letter
	}
	return isEnglishWord(string(b[:len(w)]))
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
		return "en" // most posts: no need for the trigram statistics
	}
	if len(text) > maxLanguageBytes {
		text = text[:maxLanguageBytes] // whatlanggo tolerates a cut rune
	}
	info := detect(text)
	if !info.IsReliable() {
		return ""
	}
	if code, ok := iso6391()[info.Lang]; ok {
		return code
	}
	return info.Lang.Iso6391()
}

// iso6391 maps whatlanggo's languages to their ISO 639-1 codes once: Lang.Iso6391 builds a
// map of all of them on every call.
var iso6391 = sync.OnceValue(func() map[whatlanggo.Lang]string {
	codes := make(map[whatlanggo.Lang]string, len(whatlanggo.Langs))
	for l := range whatlanggo.Langs {
		codes[l] = l.Iso6391()
	}
	return codes
})
