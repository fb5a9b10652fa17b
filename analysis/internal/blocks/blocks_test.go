package blocks

import (
	"strings"
	"testing"
)

func TestScanner(t *testing.T) {
	text := strings.Join([]string{
		"# Title",         // Heading
		"Some prose.",     // Prose
		"#hashtag line",   // Prose
		"- item",          // Item
		"  12. numbered",  // Item
		"• bullet",        // Item
		"> quoted",        // Quote
		">no space",       // Quote
		"| a | b |",       // Table
		"| --- | --- |",   // Table
		":-- | --:",       // Table
		"```yaml",         // Code
		"# not a heading", // Code
		"| nor a row |",   // Code
		"```",             // Code
		"```inline```",    // Prose
		"~~~~",            // Code
		"~~~",             // Code (too short to close)
		"~~~~~",           // Code
		"after",           // Prose
		"1.5 GB free",     // Prose
		"-1 degrees",      // Prose
		"####### seven",   // Prose
		"```",             // Code: never closed
		"rest",            // Code
	}, "\n")
	want := []Kind{Heading, Prose, Prose, Item, Item, Item, Quote, Quote, Table, Table, Table, Code, Code, Code, Code,
		Prose, Code, Code, Code, Prose, Prose, Prose, Prose, Code, Code}
	var s Scanner
	for i, l := range strings.Split(text, "\n") {
		if got := s.Kind(l); got != want[i] {
			t.Errorf("line %d %q: kind %d, want %d", i, l, got, want[i])
		}
	}
	if !s.InFence() {
		t.Error("the last fence is open")
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"## How it works": "How it works",
		"## Setup ##":     "Setup",
		"# C#":            "C#",
		"1. one":          "one",
		"- two":           "two",
		"• three":         "three",
		"plain":           "plain",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
