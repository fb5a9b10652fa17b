// Package blocks tells which block of a post a line is in, from its Markdown shape: the shapes
// collectors/feedreader.HTMLToText writes for feed, Discourse and Hacker News HTML, and that
// Reddit's own Markdown has. Question detection and brand sentiment read the same blocks, so a
// heading, a code block, a table or a quote is one thing to both.
package blocks

import "strings"

// Kind is the kind of block a line is in.
type Kind uint8

// Block kinds.
const (
	Prose   Kind = iota
	Heading      // "# …" to "###### …"
	Item         // a list item: "- …", "* …", "+ …", "• …", "1. …", "1) …"
	Quote        // "> …": somebody else's words
	Code         // a fenced code block, its ``` or ~~~ fences included
	Table        // a table row "| a | b |" or a delimiter row "| --- | :-: |"
)

// Scanner classifies the lines of one text in order; it remembers whether a code fence is
// open. The zero value is ready to use at the start of a text.
type Scanner struct {
	fence string // the open fence ("```", "~~~~"), or ""
}

// Kind returns the kind of line l (without its line break), the line after those passed
// before. A fence that is never closed runs to the end of the text, as in CommonMark.
func (s *Scanner) Kind(l string) Kind {
	t := strings.TrimSpace(l)
	if s.fence != "" {
		if strings.HasPrefix(t, s.fence) && strings.Trim(t, s.fence[:1]) == "" {
			s.fence = ""
		}
		return Code
	}
	if f := openFence(t); f != "" {
		s.fence = f
		return Code
	}
	return LineKind(t)
}

// InFence reports whether a code fence is open after the lines passed so far.
func (s *Scanner) InFence() bool { return s.fence != "" }

// openFence returns the fence that line t (trimmed) opens, or "". A backtick fence's info
// string holds no backtick, so "```x```" is inline code, not a fence.
func openFence(t string) string {
	if len(t) < 3 || t[0] != '`' && t[0] != '~' {
		return ""
	}
	c := t[0]
	n := 0
	for n < len(t) && t[n] == c {
		n++
	}
	if n < 3 || c == '`' && strings.IndexByte(t[n:], '`') >= 0 {
		return ""
	}
	return t[:n]
}

// LineKind is the kind of line t (trimmed) by its own shape, outside any code fence: Heading,
// Item, Quote, Table or Prose.
func LineKind(t string) Kind {
	if t == "" {
		return Prose
	}
	switch c := t[0]; {
	case c == '>':
		return Quote
	case c == '#':
		if HeadingLevel(t) > 0 {
			return Heading
		}
	case c == '|':
		if strings.Count(t, "|") >= 2 {
			return Table
		}
	case c == '-' || c == '*' || c == '+':
		if len(t) > 1 && (t[1] == ' ' || t[1] == '\t') {
			return Item
		}
		if isDelimiterRow(t) {
			return Table
		}
	case c == ':':
		if isDelimiterRow(t) {
			return Table
		}
	case '0' <= c && c <= '9':
		i := 0
		for i < len(t) && i < 10 && '0' <= t[i] && t[i] <= '9' {
			i++
		}
		if i < len(t)-1 && (t[i] == '.' || t[i] == ')') && (t[i+1] == ' ' || t[i+1] == '\t') {
			return Item
		}
	}
	if strings.HasPrefix(t, "• ") {
		return Item
	}
	return Prose
}

// HeadingLevel returns the level of a Markdown heading line t (trimmed): 1 for "# …" up to 6
// for "###### …", 0 when t is not one ("#hashtag", "####### …").
func HeadingLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n < len(t) && t[n] != ' ' && t[n] != '\t' {
		return 0
	}
	return n
}

// isDelimiterRow reports whether t is a table's delimiter row without leading pipe
// ("---|:--:", ":-- | --:"): dashes, colons, spaces and at least one '|'.
func isDelimiterRow(t string) bool {
	if strings.IndexByte(t, '|') < 0 || strings.IndexByte(t, '-') < 0 {
		return false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '-', ':', '|', ' ', '\t':
		default:
			return false
		}
	}
	return true
}

// Text returns the heading or item text of line t (trimmed) without its marker: "How it
// works" for "## How it works", "one" for "1. one". Other lines come back as they are.
func Text(t string) string {
	switch LineKind(t) {
	case Heading:
		h := strings.TrimSpace(t[HeadingLevel(t):])
		// A closing run of '#' after a space is not part of the heading ("## Setup ##").
		if k := strings.TrimRight(h, "#"); len(k) < len(h) && (k == "" || k[len(k)-1] == ' ' || k[len(k)-1] == '\t') {
			h = strings.TrimSpace(k)
		}
		return h
	case Item:
		if strings.HasPrefix(t, "• ") {
			return strings.TrimSpace(t[len("• "):])
		}
		i := strings.IndexAny(t, " \t")
		return strings.TrimSpace(t[i:])
	}
	return t
}
