package questions

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the text clean-up shared by detection and clustering:
// markup and quote removal, sentence splitting and word tokenisation.

var (
	reFence      = regexp.MustCompile("(?s)```.*?```|~~~.*?~~~")
	reInlineCode = regexp.MustCompile("`[^`\n]*`")
	reURL        = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"']+`)
	reMDLink     = regexp.MustCompile(`\[([^\]\n]*)\]\([^)\s]*\)`)
	reHTMLQuote  = regexp.MustCompile(`(?is)<blockquote\b.*?</blockquote>|<aside\b[^>]*class="quote[^"]*".*?</aside>|<pre\b.*?</pre>|<code\b.*?</code>`)
	reHTMLBreak  = regexp.MustCompile(`(?i)<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|/tr|tr)\b[^>]*>`)
	reHTMLTag    = regexp.MustCompile(`<[^>]*>`)
	reHTMLish    = regexp.MustCompile(`(?i)</?(?:p|br|div|a|span|blockquote|aside|li|ul|ol|em|strong|code|pre|table|h[1-6])\b`)
)

// clean turns a post body (plain text, Markdown or HTML) into plain text lines
// without quoted material, code or URLs. Markdown quote lines ("> …") and HTML
// blockquotes are dropped because they repeat somebody else's words.
func clean(text string) string {
	if reHTMLish.MatchString(text) {
		text = reHTMLQuote.ReplaceAllString(text, "\n")
		text = reHTMLBreak.ReplaceAllString(text, "\n")
		text = reHTMLTag.ReplaceAllString(text, " ")
		text = html.UnescapeString(text)
	}
	if strings.Contains(text, "```") || strings.Contains(text, "~~~") {
		text = reFence.ReplaceAllString(text, "\n")
	}
	if strings.Contains(text, "`") {
		text = reInlineCode.ReplaceAllString(text, "code")
	}
	if strings.Contains(text, "](") {
		text = reMDLink.ReplaceAllString(text, "$1")
	}
	text = reURL.ReplaceAllString(text, "link")
	if !strings.Contains(text, ">") {
		return text
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}

// maskQuotes returns s with the inside of double-quoted spans ("…", “…”)
// replaced by spaces of the same byte length, so a question mark that belongs
// to a quotation does not make the surrounding sentence a question. The
// quotation is kept when it is (nearly) the whole sentence.
func maskQuotes(s string) string {
	if !strings.ContainsAny(s, "\"“”") {
		return s
	}
	b := []byte(s)
	open := -1
	var openR rune
	for i, r := range s {
		switch {
		case open < 0 && (r == '"' || r == '“'):
			open, openR = i, r
		case open >= 0 && (r == '"' && openR == '"' || r == '”' && openR == '“'):
			inner := s[open+utf8.RuneLen(openR) : i]
			if strings.ContainsAny(inner, "?") {
				for j := open + utf8.RuneLen(openR); j < i; j++ {
					b[j] = ' '
				}
			}
			open = -1
		}
	}
	masked := string(b)
	if len(words(masked)) < 2 {
		return s // the quotation is the sentence itself, e.g. a quoted title
	}
	return masked
}

// splitSentences splits cleaned text into sentences. A sentence ends at a
// line break or at a run of '.', '!', '?' or '…' followed by a space; the
// terminal punctuation stays with its sentence.
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		// Markdown list bullets and headings are not part of the sentence.
		line = strings.TrimLeft(line, "#*-+• \t")
		start := 0
		rs := []rune(line)
		for i := 0; i < len(rs); i++ {
			if !isTerminal(rs[i]) {
				continue
			}
			j := i
			for j+1 < len(rs) && (isTerminal(rs[j+1]) || rs[j+1] == ')' || rs[j+1] == '"' || rs[j+1] == '”') {
				j++
			}
			ellipsis := j > i || rs[i] == '…'
			if j+1 < len(rs) && !unicode.IsSpace(rs[j+1]) && !(ellipsis && rs[i] != '?' && rs[j] != '?') {
				i = j
				continue
			}
			if rs[i] == '.' && j == i && isAbbrev(rs[start:i]) {
				continue
			}
			if s := strings.TrimSpace(string(rs[start : j+1])); s != "" {
				out = append(out, s)
			}
			start = j + 1
			i = j
		}
		if s := strings.TrimSpace(string(rs[start:])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isTerminal(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '…' }

// isAbbrev reports whether the text before a period ends with a common
// abbreviation ("e.g", "vs", "Mr") that does not end a sentence.
func isAbbrev(before []rune) bool {
	k := len(before)
	for k > 0 && (unicode.IsLetter(before[k-1]) || before[k-1] == '.') {
		k--
	}
	switch strings.ToLower(string(before[k:])) {
	case "e.g", "i.e", "vs", "etc", "mr", "mrs", "ms", "dr", "approx", "incl", "no", "v":
		return true
	}
	return false
}

// words splits s into lower-case word tokens. Apostrophes inside a word are
// kept ("don't"); everything else that is not a letter or digit separates words.
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) ||
			((r == '\'' || r == '’') && start >= 0)
		if inWord && start < 0 {
			start = i
		}
		if !inWord && start >= 0 {
			out = append(out, normWord(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, normWord(s[start:]))
	}
	return out
}

func normWord(w string) string {
	w = strings.ToLower(w)
	if strings.ContainsRune(w, '’') {
		w = strings.ReplaceAll(w, "’", "'")
	}
	return strings.TrimRight(w, "'")
}
