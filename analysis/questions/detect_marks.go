package questions

import (
	"strings"
	"unicode/utf8"
)

// hasQuestionMark reports whether sentence s holds a question mark of any
// script: '?' anywhere, or at its end (before closing quotes and brackets)
// the full-width '？', the Arabic '؟', the reversed '⸮', the Greek question
// mark U+037E, or a ';' right after a Greek letter. The sentence splitter
// ends a sentence at each of these, so only the end need be looked at.
func hasQuestionMark(s string) bool {
	if strings.IndexByte(s, '?') >= 0 {
		return true
	}
	s = strings.TrimRight(s, " \t\"')]»”’")
	r, n := utf8.DecodeLastRuneInString(s)
	switch {
	case r == ';':
		return greekBefore(s[:len(s)-n])
	case r < utf8.RuneSelf:
		return false
	}
	return isQuestionRune(r)
}
