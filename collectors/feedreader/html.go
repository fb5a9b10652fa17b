package feedreader

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText extracts readable text from an HTML fragment: block elements become line breaks,
// scripts and styles vanish, entities are decoded, and blockquotes become "> " lines so analysis
// can tell quoted text from the author's own. Plain text passes through with entities decoded.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0  // depth inside script/style
	quote := 0 // depth inside blockquote
	lineStart := true
	newline := func() {
		if b.Len() > 0 && !lineStart {
			b.WriteByte('\n')
			lineStart = true
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := string(z.Text())
			if strings.TrimSpace(text) == "" {
				if !lineStart {
					b.WriteByte(' ')
				}
				continue
			}
			if lineStart && quote > 0 {
				b.WriteString(strings.Repeat("> ", quote))
			}
			b.WriteString(collapse(text, lineStart))
			lineStart = false
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Blockquote:
				newline()
				if tt == html.StartTagToken {
					quote++
				} else if tt == html.EndTagToken && quote > 0 {
					quote--
				}
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.H1, atom.H2, atom.H3,
				atom.H4, atom.H5, atom.H6, atom.Pre, atom.Hr, atom.Table, atom.Section, atom.Article:
				newline()
			}
		}
	}
}

// collapse turns runs of whitespace into single spaces.
func collapse(s string, trimLeft bool) string {
	fields := strings.Fields(s)
	out := strings.Join(fields, " ")
	if !trimLeft && len(s) > 0 && isSpace(s[0]) {
		out = " " + out
	}
	if len(s) > 0 && isSpace(s[len(s)-1]) {
		out += " "
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// tidy trims each line and drops blank runs.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || l == ">" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
