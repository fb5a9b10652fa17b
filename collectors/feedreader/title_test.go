package feedreader

import (
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors/collectortest"
)

// TestTitleKeepsTagLikeText is the regression test for tag-like text in plain-text titles:
// `<think>` and `<SystemPrompt>` were deleted as if they were HTML. The titles are those of
// real r/ollama and r/LocalLLaMA posts (testdata/titles/reddit-titles.atom).
func TestTitleKeepsTagLikeText(t *testing.T) {
	feed, err := Parse(collectortest.ReadFile(t, "testdata/titles/reddit-titles.atom"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Rant about Language Mixing in <think> ... </think>",
		"Gemini 2.0 PRO Too Weak? Here’s a <SystemPrompt> to make it think like R1.",
		"Evaluating <think> for DeepSeek R1",
		"Remove <think> tags?",
		`Help: SyntaxError: Unexpected token '<', "<!DOCTYPE "... is not valid JSON`,
		`"please respond as if you were <x>, here are texts you can copy their style from"`,
		"Nvidia Game Ready <or> Studio Drivers - is one better for LLMs?",
		`Best "parameters < 10b" LLM to use as Fullstack Developer as Agent with Ollama`,
		`Asked DeepSeek-R1 if Taiwan is an independent country and the results are surprising: 14b does not even "<think>"; and 7b makes an argument why Taiwan isn't.`,
		"Build a low cost (<1300€) deep learning rig",
	}
	ms := Mentions(feed, "rss", time.Now())
	if len(ms) != len(want) {
		t.Fatalf("%d mentions", len(ms))
	}
	for i, m := range ms {
		if m.Title != want[i] {
			t.Errorf("title %q, want %q", m.Title, want[i])
		}
	}
}

func TestTitleText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Vec<T> vs Box<dyn Trait>", "Vec<T> vs Box<dyn Trait>"},
		{"Use <b> for bold?", "Use <b> for bold?"},
		{"<b>Ollama</b> 0.5 &lt;think&gt; support", "Ollama 0.5 <think> support"}, // an Atom type="html" title
		{"line<br>break", "line break"},
		{"AT&amp;T &amp; Ollama", "AT&T & Ollama"},
		{"  spaced\n title ", "spaced title"},
	} {
		if got := TitleText(tt.in); got != tt.want {
			t.Errorf("TitleText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	feed, err := Parse([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
		`<entry><id>1</id><title type="text">Vec&lt;T&gt; &lt;think&gt;</title><content>x</content></entry>` +
		`<entry><id>2</id><title type="html">&lt;em&gt;Rust&lt;/em&gt; Vec&amp;lt;T&amp;gt;</title><content>x</content></entry></feed>`))
	if err != nil {
		t.Fatal(err)
	}
	ms := Mentions(feed, "rss", time.Now())
	if got := ms[0].Title + " | " + ms[1].Title; got != "Vec<T> <think> | Rust Vec<T>" {
		t.Errorf("Atom titles: %q", got)
	}
	if strings.Contains(ms[1].Title, "<em>") {
		t.Error("markup left in an HTML title")
	}
}
