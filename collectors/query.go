package collectors

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed brand or topic query. The language (CONTRACTS.md "Queries"):
// words (implicit AND), "exact phrases", AND, OR, NOT, -term, parentheses; NOT > AND > OR.
type Query struct {
	source   string
	root     *queryNode
	terms    []queryTerm
	warnings []string
	// positive[t] is true when term t appears outside any NOT, so its presence supports a match.
	positive []bool
}

// queryTerm is one word or phrase of a query, as folded words.
type queryTerm struct {
	words []string
	text  string // as written, for messages
	// quoted is set for a term written in quotes: the exact word or phrase, never a label
	// of a host name (domains.go).
	quoted bool
}

type queryOp uint8

const (
	opTerm queryOp = iota
	opAnd
	opOr
	opNot
)

type queryNode struct {
	op   queryOp
	term int // index into Query.terms when op == opTerm
	kids []*queryNode
	// parens records that the node was written in parentheses, which silences the
	// mixed AND/OR warning.
	parens bool
}

// QueryError is a syntax error in a query; Column counts runes from 1.
type QueryError struct {
	Column int
	Msg    string
}

func (e *QueryError) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

// ParseQuery parses a query. Errors are *QueryError with the column of the problem.
func ParseQuery(s string) (*Query, error) {
	lexemes, err := lexQuery(s)
	if err != nil {
		return nil, err
	}
	p := &queryParser{lex: lexemes, q: &Query{source: s}, end: utf8.RuneCountInString(s) + 1}
	if len(lexemes) == 0 {
		return nil, &QueryError{Column: 1, Msg: "empty query"}
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.lex) {
		l := p.lex[p.pos]
		if l.kind == lexClose {
			return nil, &QueryError{Column: l.col, Msg: "unmatched ')'"}
		}
		return nil, &QueryError{Column: l.col, Msg: fmt.Sprintf("unexpected %q", l.text)}
	}
	p.q.root = root
	if root.eval(func(int) bool { return false }) {
		return nil, &QueryError{Column: 1, Msg: "query matches everything: it needs at least one term that must be present"}
	}
	p.q.collectWarnings(root)
	p.q.positive = make([]bool, len(p.q.terms))
	p.q.markPositive(root, false)
	return p.q, nil
}

// MustParseQuery is ParseQuery for queries known to be valid, as in tests and built-in defaults.
func MustParseQuery(s string) *Query {
	q, err := ParseQuery(s)
	if err != nil {
		panic(fmt.Sprintf("collectors: query %q: %v", s, err))
	}
	return q
}

// String returns the query as written.
func (q *Query) String() string { return q.source }

// Warnings lists advice about a valid query, such as AND and OR mixed without parentheses.
func (q *Query) Warnings() []string { return q.warnings }

// PositiveTerms lists the words and phrases whose presence can make the query match, as written
// (folded). Collectors use them as search terms.
func (q *Query) PositiveTerms() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n *queryNode, negated bool)
	walk = func(n *queryNode, negated bool) {
		switch n.op {
		case opTerm:
			if !negated {
				t := strings.Join(q.terms[n.term].words, " ")
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		case opNot:
			walk(n.kids[0], !negated)
		default:
			for _, k := range n.kids {
				walk(k, negated)
			}
		}
	}
	walk(q.root, false)
	return out
}

// MatchString reports whether the query matches text. It is for single checks; use a Matcher
// for many queries over many texts.
func (q *Query) MatchString(text string) bool {
	m := NewMatcher([]*Query{q})
	return len(m.Match(text)) > 0
}

func (q *Query) markPositive(n *queryNode, negated bool) {
	switch n.op {
	case opTerm:
		if !negated {
			q.positive[n.term] = true
		}
	case opNot:
		q.markPositive(n.kids[0], !negated)
	default:
		for _, k := range n.kids {
			q.markPositive(k, negated)
		}
	}
}

func (n *queryNode) eval(hit func(term int) bool) bool {
	switch n.op {
	case opTerm:
		return hit(n.term)
	case opNot:
		return !n.kids[0].eval(hit)
	case opAnd:
		for _, k := range n.kids {
			if !k.eval(hit) {
				return false
			}
		}
		return true
	default:
		for _, k := range n.kids {
			if k.eval(hit) {
				return true
			}
		}
		return false
	}
}

func (q *Query) collectWarnings(n *queryNode) {
	if n.op == opOr {
		for _, k := range n.kids {
			if k.op == opAnd && !k.parens && k.positiveOperands() > 1 {
				q.warnings = append(q.warnings, "AND and OR are mixed without parentheses; AND binds tighter, so write the intended grouping with ( )")
				return
			}
		}
	}
	for _, k := range n.kids {
		q.collectWarnings(k)
	}
}

func (n *queryNode) positiveOperands() int {
	c := 0
	for _, k := range n.kids {
		if k.op != opNot {
			c++
		}
	}
	return c
}

type lexKind uint8

const (
	lexWord lexKind = iota
	lexPhrase
	lexOpen
	lexClose
	lexAnd
	lexOr
	lexNot
	lexMinus
)

type lexeme struct {
	kind lexKind
	text string
	col  int
}

func lexQuery(s string) ([]lexeme, error) {
	var out []lexeme
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		col := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			out = append(out, lexeme{kind: lexOpen, text: "(", col: col})
			i++
		case r == ')':
			out = append(out, lexeme{kind: lexClose, text: ")", col: col})
			i++
		case r == '"' || r == '\u201c' || r == '\u201d':
			j := i + 1
			for j < len(rs) && rs[j] != '"' && rs[j] != '\u201c' && rs[j] != '\u201d' {
				j++
			}
			if j == len(rs) {
				return nil, &QueryError{Column: col, Msg: "unterminated quoted phrase"}
			}
			out = append(out, lexeme{kind: lexPhrase, text: string(rs[i+1 : j]), col: col})
			i = j + 1
		case r == '-' && (i == 0 || !isWordRune(rs[i-1])):
			if i+1 == len(rs) || unicode.IsSpace(rs[i+1]) || rs[i+1] == ')' {
				return nil, &QueryError{Column: col, Msg: "'-' must be followed by a term"}
			}
			out = append(out, lexeme{kind: lexMinus, text: "-", col: col})
			i++
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '(' && rs[j] != ')' && rs[j] != '"' {
				j++
			}
			w := string(rs[i:j])
			kind := lexWord
			switch w {
			case "AND":
				kind = lexAnd
			case "OR":
				kind = lexOr
			case "NOT":
				kind = lexNot
			}
			out = append(out, lexeme{kind: kind, text: w, col: col})
			i = j
		}
	}
	return out, nil
}

type queryParser struct {
	lex   []lexeme
	pos   int
	q     *Query
	end   int
	depth int
}

func (p *queryParser) peek() (lexeme, bool) {
	if p.pos >= len(p.lex) {
		return lexeme{}, false
	}
	return p.lex[p.pos], true
}

func (p *queryParser) parseOr() (*queryNode, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	n := &queryNode{op: opOr, kids: []*queryNode{first}}
	for {
		l, ok := p.peek()
		if !ok || l.kind != lexOr {
			break
		}
		p.pos++
		if _, ok := p.peek(); !ok {
			return nil, &QueryError{Column: l.col, Msg: "OR needs a term after it"}
		}
		k, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *queryParser) parseAnd() (*queryNode, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	n := &queryNode{op: opAnd, kids: []*queryNode{first}}
	for {
		l, ok := p.peek()
		if !ok || l.kind == lexOr || l.kind == lexClose {
			break
		}
		if l.kind == lexAnd {
			p.pos++
			if _, ok := p.peek(); !ok {
				return nil, &QueryError{Column: l.col, Msg: "AND needs a term after it"}
			}
		}
		k, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *queryParser) parseUnary() (*queryNode, error) {
	l, ok := p.peek()
	if !ok {
		return nil, &QueryError{Column: p.end, Msg: "unexpected end of query"}
	}
	if l.kind == lexNot || l.kind == lexMinus {
		p.pos++
		if _, ok := p.peek(); !ok {
			return nil, &QueryError{Column: l.col, Msg: fmt.Sprintf("%s needs a term after it", l.text)}
		}
		k, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &queryNode{op: opNot, kids: []*queryNode{k}}, nil
	}
	return p.parsePrimary()
}

// maxQueryDepth bounds parenthesis nesting so a hostile query cannot exhaust the stack.
const maxQueryDepth = 100

func (p *queryParser) parsePrimary() (*queryNode, error) {
	l, _ := p.peek()
	switch l.kind {
	case lexOpen:
		p.pos++
		p.depth++
		if p.depth > maxQueryDepth {
			return nil, &QueryError{Column: l.col, Msg: "parentheses nested too deeply"}
		}
		if nx, ok := p.peek(); ok && nx.kind == lexClose {
			return nil, &QueryError{Column: l.col, Msg: "empty parentheses"}
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		cl, ok := p.peek()
		if !ok || cl.kind != lexClose {
			return nil, &QueryError{Column: l.col, Msg: "unclosed '('"}
		}
		p.pos++
		p.depth--
		n.parens = true
		return n, nil
	case lexWord, lexPhrase:
		p.pos++
		words := tokenize(l.text, nil)
		if len(words) == 0 {
			what := "term"
			if l.kind == lexPhrase {
				what = "phrase"
			}
			return nil, &QueryError{Column: l.col, Msg: fmt.Sprintf("%s %q has no letters or digits", what, l.text)}
		}
		t := queryTerm{text: l.text, quoted: l.kind == lexPhrase}
		for _, w := range words {
			t.words = append(t.words, w.text)
		}
		p.q.terms = append(p.q.terms, t)
		return &queryNode{op: opTerm, term: len(p.q.terms) - 1}, nil
	case lexClose:
		return nil, &QueryError{Column: l.col, Msg: "unmatched ')'"}
	default:
		return nil, &QueryError{Column: l.col, Msg: fmt.Sprintf("%s needs a term before it", l.text)}
	}
}
