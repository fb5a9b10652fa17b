package collectors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestQueryMatch(t *testing.T) {
	tests := []struct {
		query string
		text  string
		want  bool
	}{
		{`acme`, "I love Acme!", true},
		{`acme`, "Welcome to Acmeville", false},
		{`acme`, "ACME's new widget broke", true},
		{`acme`, "the acme-powered bot", true},
		{`"acme widgets" OR acmewidgets -hiring`, "Acme Widgets are great", true},
		{`"acme widgets" OR acmewidgets -hiring`, "acme and widgets", false},
		{`"acme widgets" OR acmewidgets -hiring`, "AcmeWidgets is hiring now", false},
		{`"acme widgets" OR acmewidgets -hiring`, "acme widgets is hiring now", true}, // NOT binds to acmewidgets only
		{`"acme widgets" OR acmewidgets -hiring`, "#acmewidgets rocks", true},
		{`llama.cpp`, "I compiled llama.cpp yesterday.", true},
		{`llama.cpp`, "the llama is cute", false},
		{`llama`, "I compiled llama.cpp yesterday", false},
		{`c++`, "Written in C++, fast", true},
		{`c++`, "Written in C, fast", false},
		{`c#`, "I prefer C# to Java", true},
		{`self-hosting`, "Self-hosting is fun", true},
		{`self-hosting`, "self hosting is fun", false},
		{`selfhosted OR "self hosting"`, "Self hosting is fun", true},
		{`ollama AND (gpu OR cuda)`, "ollama won't use my CUDA device", true},
		{`ollama AND (gpu OR cuda)`, "ollama is slow", false},
		{`ollama NOT docker`, "ollama in docker", false},
		{`ollama NOT docker`, "ollama on metal.", true},
		{`-docker ollama`, "ollama on metal", true},
		{`ollama -(docker OR podman)`, "ollama in podman", false},
		{`münchen`, "Ich wohne in MÜNCHEN.", true},
		{`café`, "the cafe", false},
		{`東京`, "東京 is big", true},
		{`"lm studio"`, "LM  Studio\nis nice", true},
		{`"lm studio"`, "LM Studios", false},
		{`ollama`, "", false},
		{`don't`, "I don’t care", true},
		{`acme and widgets`, "acme widgets and", true}, // lower-case "and" is a word
	}
	for _, tt := range tests {
		t.Run(tt.query+"|"+tt.text, func(t *testing.T) {
			q, err := ParseQuery(tt.query)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.query, err)
			}
			if got := q.MatchString(tt.text); got != tt.want {
				t.Errorf("match(%q, %q) = %v, want %v", tt.query, tt.text, got, tt.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		query   string
		column  int
		message string
	}{
		{``, 1, "empty query"},
		{`acme OR`, 6, "OR needs a term"},
		{`(acme OR foo`, 1, "unclosed '('"},
		{`acme)`, 5, "unmatched ')'"},
		{`"acme widgets`, 1, "unterminated"},
		{`acme AND OR foo`, 10, "OR needs a term before it"},
		{`-acme`, 1, "matches everything"},
		{`acme OR -foo`, 1, "matches everything"},
		{`acme ()`, 6, "empty parentheses"},
		{`acme - foo`, 6, "'-' must be followed"},
		{`"!!!"`, 1, "no letters or digits"},
		{`NOT`, 1, "NOT needs a term after it"},
		{strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), 101, "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := ParseQuery(tt.query)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseQuery(%q) error = %v, want *QueryError", tt.query, err)
			}
			if qe.Column != tt.column || !strings.Contains(qe.Msg, tt.message) {
				t.Errorf("ParseQuery(%q) = %q at column %d, want %q at column %d", tt.query, qe.Msg, qe.Column, tt.message, tt.column)
			}
		})
	}
}

func TestQueryWarnings(t *testing.T) {
	tests := map[string]bool{
		`"acme widgets" OR acmewidgets -hiring`: false,
		`acme widgets OR foo`:                   true,
		`(acme widgets) OR foo`:                 false,
		`acme AND widgets OR foo`:               true,
		`acme OR foo`:                           false,
	}
	for q, want := range tests {
		if got := len(MustParseQuery(q).Warnings()) > 0; got != want {
			t.Errorf("warnings for %q = %v, want %v", q, got, want)
		}
	}
}

func TestMatcherSpansAndOrder(t *testing.T) {
	qs := []*Query{MustParseQuery(`ollama`), MustParseQuery(`"lm studio" -ollama`), MustParseQuery(`llama.cpp OR ollama`)}
	m := NewMatcher(qs)
	text := "Ollama beats LM Studio; llama.cpp too"
	got := m.Match(text)
	if len(got) != 2 || got[0].Query != 0 || got[1].Query != 2 {
		t.Fatalf("Match = %+v, want queries 0 and 2", got)
	}
	var spans []string
	for _, s := range got[1].Spans {
		spans = append(spans, text[s[0]:s[1]])
	}
	if fmt.Sprint(spans) != "[Ollama llama.cpp]" {
		t.Errorf("spans of query 2 = %v", spans)
	}
}

func TestPositiveTerms(t *testing.T) {
	got := MustParseQuery(`"Acme Widgets" OR acmewidgets -hiring NOT (jobs OR career)`).PositiveTerms()
	if fmt.Sprint(got) != "[acme widgets acmewidgets]" {
		t.Errorf("PositiveTerms = %q", got)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`"acme widgets" OR acmewidgets -hiring`, `(a OR b) AND NOT c`, `c++ c# llama.cpp`, `-(`, `"`, `a OR`} {
		f.Add(s, "acme widgets c++ llama.cpp")
	}
	f.Fuzz(func(t *testing.T, query, text string) {
		q, err := ParseQuery(query)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Column < 1 {
				t.Fatalf("ParseQuery(%q) error %v is not a QueryError with a column", query, err)
			}
			return
		}
		for _, m := range NewMatcher([]*Query{q, q}).Match(text) {
			for _, s := range m.Spans {
				if s[0] < 0 || s[1] > len(text) || s[0] >= s[1] {
					t.Fatalf("span %v out of range for %q", s, text)
				}
			}
		}
	})
}
