package feedreader

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns an HTML fragment (a feed entry, Discourse's cooked post, a Hacker News
// comment) into readable Markdown-like text that keeps the block structure of the post, so the
// analysis can tell the author's prose from headings, code, tables and quoted words:
//
//   - paragraphs are separated by a blank line, <br> is a line break;
//   - headings are "# " to "###### " lines;
//   - list items are "- " or "1. " lines, nested lists indented by two spaces;
//   - preformatted text is fenced with ``` (with the language of a "lang-x" class), inline code
//     is in backticks;
//   - blockquotes (and Discourse's quote and link-preview asides) are "> " lines;
//   - data tables are "| a | b |" rows, with a "| --- |" row under a header row; a table used
//     for layout (Reddit's thumbnail beside the post) gives its cells as blocks;
//   - links are their text, images and scripts vanish, entities are decoded.
//
// Plain text passes through with only its ends trimmed.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		// The parser gives up on elements nested hundreds deep: keep the words, in lines.
		return flatText(s)
	}
	var w textWriter
	for _, n := range nodes {
		w.node(n)
	}
	return w.finish()
}

// maxPrefix caps the quote marks and indentation put before a line (its own list marker
// aside): deeper nesting is written flatter, so hostile input cannot grow the text without
// bound. Three levels of bullets fit, or a quote and two.
const maxPrefix = 6

// container is an open blockquote or list item: what it puts in front of its lines.
type container struct {
	quote   bool
	aside   bool   // a quote that is a Discourse aside
	marker  string // a list item's "- " or "1. "
	started bool   // the item's first line is written: later lines are indented instead
}

// list is an open <ul> or <ol>.
type list struct {
	ordered bool
	next    int
}

// textWriter renders a node tree as text, line by line.
type textWriter struct {
	out       strings.Builder
	inline    strings.Builder // the paragraph being collected; '\n' for <br>
	space     bool            // a space is due before the next word of inline
	blank     bool            // a blank line is due before the next line written
	lastQuote int             // quote depth of the last line written
	heading   int             // level of the heading being collected
	stack     []container
	lists     []list
}

func (w *textWriter) finish() string {
	w.flush()
	return strings.TrimRight(w.out.String(), "\n")
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	default: // comments, doctypes
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head, atom.Title, atom.Svg,
		atom.Img, atom.Iframe, atom.Object, atom.Video, atom.Audio, atom.Select, atom.Button:
		return
	case atom.Br:
		w.lineBreak()
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.block()
		if text := flatten(n); text != "" {
			w.heading = int(n.Data[1] - '0')
			w.inline.WriteString(text)
			w.block()
		}
	case atom.Ul, atom.Ol, atom.Menu, atom.Dir:
		w.block()
		l := list{ordered: n.DataAtom == atom.Ol, next: 1}
		if v, err := strconv.Atoi(attr(n, "start")); err == nil && v >= 0 && v < 1000 {
			l.next = v
		}
		w.lists = append(w.lists, l)
		w.children(n)
		w.lists = w.lists[:len(w.lists)-1]
		w.block()
	case atom.Li:
		w.flush()
		marker := "- "
		if k := len(w.lists); k > 0 && w.lists[k-1].ordered {
			marker = strconv.Itoa(w.lists[k-1].next) + ". "
			w.lists[k-1].next++
		}
		w.stack = append(w.stack, container{marker: marker})
		w.children(n)
		w.flush()
		w.stack = w.stack[:len(w.stack)-1]
	case atom.Pre:
		w.pre(n)
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		w.code(n)
	case atom.Blockquote:
		if k := len(w.stack); k > 0 && w.stack[k-1].aside {
			w.blockChildren(n) // the blockquote of a Discourse quote is quoted already
			return
		}
		w.quote(n, false)
	case atom.Aside:
		// Discourse quotes a post in <aside class="quote"> (the quoted author in a title
		// line, then a blockquote) and previews a link in <aside class="onebox">: neither is
		// the author's own words.
		if hasClass(n, "quote") || hasClass(n, "onebox") {
			w.quote(n, true)
			return
		}
		w.blockChildren(n)
	case atom.Table:
		w.table(n)
	case atom.Div:
		if hasClass(n, "meta") && n.Parent != nil && hasClass(n.Parent, "lightbox") {
			return // Discourse's image caption: file name, size and dimensions
		}
		w.blockChildren(n)
	case atom.P, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main, atom.Nav,
		atom.Figure, atom.Figcaption, atom.Address, atom.Dl, atom.Dt, atom.Dd, atom.Details,
		atom.Summary, atom.Center, atom.Form, atom.Fieldset, atom.Hr, atom.Caption, atom.Tr, atom.Td, atom.Th:
		w.blockChildren(n)
	default:
		w.children(n)
	}
}

func (w *textWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func (w *textWriter) blockChildren(n *html.Node) {
	w.block()
	w.children(n)
	w.block()
}

// text adds a text node to the paragraph, whitespace collapsed.
func (w *textWriter) text(s string) {
	for len(s) > 0 {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			if w.space && w.inline.Len() > 0 && !endsLine(w.inline.String()) {
				w.inline.WriteByte(' ')
			}
			w.space = false
			w.inline.WriteString(s[:i])
		}
		s = s[i:]
		j := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
		if j < 0 {
			j = len(s)
		}
		if j > 0 {
			w.space = true
		}
		s = s[j:]
	}
}

func endsLine(s string) bool { return s[len(s)-1] == '\n' }

func (w *textWriter) lineBreak() {
	if w.inline.Len() > 0 && !endsLine(w.inline.String()) {
		w.inline.WriteByte('\n')
	}
	w.space = false
}

// block ends the paragraph being collected. Between blocks goes a blank line, except inside a
// list item, whose paragraphs and nested lists follow one another line by line.
func (w *textWriter) block() {
	w.flush()
	if k := len(w.stack); k == 0 || w.stack[k-1].quote {
		w.blank = true
	}
}

// flush writes the paragraph being collected.
func (w *textWriter) flush() {
	text := w.inline.String()
	w.inline.Reset()
	w.space = false
	heading := w.heading
	w.heading = 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.Trim(l, "\u200b\ufeff") == "" {
			continue
		}
		if heading > 0 {
			l = strings.Repeat("#", heading) + " " + l
		}
		w.line(l)
	}
}

// line writes one line with the prefixes of the containers it is in.
func (w *textWriter) line(l string) {
	quotes := 0
	for _, c := range w.stack {
		if c.quote {
			quotes++
		}
	}
	if w.blank && w.out.Len() > 0 {
		w.out.WriteString(strings.TrimSpace(strings.Repeat("> ", min(quotes, w.lastQuote, maxPrefix/2))))
		w.out.WriteByte('\n')
	}
	w.blank = false
	w.out.WriteString(w.prefix())
	w.out.WriteString(l)
	w.out.WriteByte('\n')
	w.lastQuote = quotes
}

// prefix is what the containers put before a line: "> " per quote, a list item's marker on
// its first line and as many spaces on the next ones, within maxPrefix bytes but for the
// marker of the innermost item.
func (w *textWriter) prefix() string {
	var b strings.Builder
	for i := range w.stack {
		c := &w.stack[i]
		p := "> "
		own := false // the innermost item's marker, always written
		if !c.quote {
			if !c.started {
				p, c.started, own = c.marker, true, i == len(w.stack)-1
			} else {
				p = strings.Repeat(" ", len(c.marker))
			}
		}
		if own || b.Len()+len(p) <= maxPrefix {
			b.WriteString(p)
		}
	}
	return b.String()
}

func (w *textWriter) quote(n *html.Node, aside bool) {
	w.block()
	w.stack = append(w.stack, container{quote: true, aside: aside})
	w.children(n)
	w.flush()
	w.stack = w.stack[:len(w.stack)-1]
	w.block()
}

// pre writes preformatted text as a fenced code block, its lines as they are.
func (w *textWriter) pre(n *html.Node) {
	var b strings.Builder
	var lang string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteByte('\n')
		case n.Type == html.ElementNode:
			if n.DataAtom == atom.Code && lang == "" {
				lang = codeLanguage(n)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
	}
	walk(n)
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" && len(lines) == 0 {
			continue
		}
		lines = append(lines, l)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return
	}
	fence := "```"
	for strings.Contains(b.String(), fence) {
		fence += "`"
	}
	w.block()
	w.line(fence + lang)
	for _, l := range lines {
		w.line(l)
	}
	w.line(fence)
	w.block()
}

// codeLanguage reads the language of a code block from its class ("lang-yaml",
// "language-go"); Discourse's "lang-auto" and "lang-nohighlight" name none.
func codeLanguage(n *html.Node) string {
	for _, c := range strings.Fields(attr(n, "class")) {
		for _, p := range []string{"lang-", "language-"} {
			if l, ok := strings.CutPrefix(c, p); ok && l != "auto" && l != "nohighlight" && l != "plaintext" && l != "text" &&
				strings.IndexFunc(l, func(r rune) bool {
					return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("+#-_.", r)
				}) < 0 {
				return l
			}
		}
	}
	return ""
}

// code writes inline code in backticks, or in double backticks when it holds one.
func (w *textWriter) code(n *html.Node) {
	text := strings.Join(strings.Fields(textOf(n)), " ")
	if text == "" {
		return
	}
	if w.space && w.inline.Len() > 0 && !endsLine(w.inline.String()) {
		w.inline.WriteByte(' ')
	}
	w.space = false
	tick := "`"
	if strings.Contains(text, "`") {
		tick = "`` "
		w.inline.WriteString(tick + text + " ``")
		return
	}
	w.inline.WriteString(tick + text + tick)
}

// table writes a data table as "| a | b |" rows. A table whose cells hold blocks (paragraphs,
// lists, other tables), or that has a single cell, lays out a page: its cells are written as
// the blocks they hold.
func (w *textWriter) table(n *html.Node) {
	var rows [][]*html.Node
	var header []bool
	layout, cells := false, 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c)
			case atom.Tr:
				var row []*html.Node
				th := false
				for d := c.FirstChild; d != nil; d = d.NextSibling {
					if d.Type == html.ElementNode && (d.DataAtom == atom.Td || d.DataAtom == atom.Th) {
						row = append(row, d)
						th = th || d.DataAtom == atom.Th
						layout = layout || holdsBlocks(d)
					}
				}
				cells += len(row)
				rows = append(rows, row)
				header = append(header, th)
			}
		}
	}
	walk(n)
	if layout || cells < 2 {
		w.blockChildren(n)
		return
	}
	w.block()
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Caption {
			w.blockChildren(c)
		}
	}
	w.block()
	for i, row := range rows {
		texts := make([]string, len(row))
		empty := true
		for j, c := range row {
			texts[j] = strings.ReplaceAll(flatten(c), "|", `\|`)
			empty = empty && texts[j] == ""
		}
		if empty {
			continue
		}
		w.line("| " + strings.Join(texts, " | ") + " |")
		if i == 0 && header[0] {
			w.line("|" + strings.Repeat(" --- |", len(row)))
		}
	}
	w.block()
}

// holdsBlocks reports whether a table cell holds block elements rather than a cell's text.
func holdsBlocks(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.P, atom.Div, atom.Pre, atom.Ul, atom.Ol, atom.Table, atom.Blockquote, atom.H1, atom.H2,
			atom.H3, atom.H4, atom.H5, atom.H6, atom.Section, atom.Article, atom.Aside, atom.Dl:
			return true
		}
		if holdsBlocks(c) {
			return true
		}
	}
	return false
}

// flatten renders n's content as one line: a heading's or a table cell's text.
func flatten(n *html.Node) string {
	var w textWriter
	w.children(n)
	return strings.Join(strings.Fields(w.finish()), " ")
}

// textOf is the text of n's descendants.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// flatText is the text of an HTML fragment that cannot be parsed into a tree: its text
// tokens, with a line break at each tag that starts a block.
func flatText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	skip := 0
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return w.finish()
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Tr, atom.Pre, atom.Blockquote, atom.Table,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				w.lineBreak()
			}
		}
	}
}
