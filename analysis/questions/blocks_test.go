package questions

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/overhear/overhear/analysis/internal/blocks"
)

// storedText reads the text a collector stores for a real post: the golden files of
// collectors/feedreader's tests (testdata/blocks, see its README), so what is checked here is
// what the collectors make of the posts' HTML.
func storedText(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("../../collectors/feedreader/testdata/blocks/" + name + ".golden")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// TestDetectBlocks runs detection over real posts whose structure the collectors keep: code
// blocks, quotes, tables and headings the post answers yield no question (never), while the
// post's own asks are found (want, in order).
func TestDetectBlocks(t *testing.T) {
	tests := []struct {
		post, title string
		want, never []string
	}{
		{"reddit-code", "Tool calls keep ending up as responses",
			[]string{"Does anyone know why this is happening and how to resolve?", "Or do you just intercept the call yourself?"}, nil},
		{"reddit-code-question", "Is 12+second latency typical?",
			[]string{"Is 12+second latency typical?", "Hello, is it typical for latency on ollama models to be this high (ranging from 12-20+ seconds)?"},
			[]string{`model.invoke("What is the capital of France?")`, "What is the capital of France?"}},
		// The author's question sits inside the pasted output: the title carries the ask.
		{"reddit-all-code", "mistral-small3.2:latest 15B takes 28GB VRAM?",
			[]string{"mistral-small3.2:latest 15B takes 28GB VRAM?"},
			[]string{"Why it needs 28GB of VRAM and does not fit into 24GB GPU?"}},
		{"reddit-quote", "Qwen 3 gets stuck in a loop while thinking.",
			nil, []string{"How many of Fyodor's tracks were on the path?", "Сколько следов Фёдора было на дорожке?"}},
		{"reddit-table", "baidu releases Qianfan-VL 70B/8B/3B", nil, nil},
		{"reddit-headings", "I’ve Debugged 100+ RAG/LLM Pipelines. These 16 Bugs Always Come Back. (70 days, 800 stars)",
			[]string{"what would you want included besides “common bugs + fixes”?"}, nil},
		{"reddit-answered-headings", "Introducing LLMule: A P2P network for Ollama users to share and discover models",
			[]string{"I'd love to hear your thoughts, feedback, and ideas."}, []string{"What is LLMule?", "Why I built this?"}},
		{"reddit-issue-template", "Help: Ollama cannot start because it try to create an existing directory",
			nil, []string{"What is the issue?"}},
		{"reddit-how-it-works", "I open-sourced a text2SQL RAG for all your databases and local models",
			nil, []string{"So, how does it work?"}},
		// A heading that asks for something is not answered by what follows it.
		{"reddit-feedback-heading", "Calorie Tracking with Llama3.2 Vision and Ollama",
			[]string{"I’d love your feedback!", "What’s your biggest pain point with diet‑tracking apps?", "Would you try a “photo log” feature if it worked reliably?"}, nil},
		// A post written in heading lines, for the large type, keeps its asks.
		{"reddit-heading-lines", "openclaw",
			[]string{"Is Just me or Ollama cloud seems to crash every time?", "Anyone else with same thing?"}, nil},
		{"discourse-code", "Is there one rule and sensor that applies to all actions?",
			[]string{"Is there one rule and sensor that applies to all actions?", "Is there a general way to write rules and sensors?"}, nil},
		{"discourse-list", "Access different pack configs in common pack", []string{"Is there any other way to do it?"}, nil},
		{"discourse-quote", "", []string{"Let me know if there is a better approach"}, nil},
		{"hn-quote", "", nil, []string{"What's the consensus today on codex vs claude code, does it really matter anymore?"}},
		{"hn-code-quote", "", []string{"I guess this has been achieved by training on user's chat history?"}, nil},
		{"hn-code", "", nil, nil},
		{"hn-steps", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.post, func(t *testing.T) {
			text := storedText(t, tt.post)
			if tt.title != "" {
				text = tt.title + "\n\n" + text
			}
			got := Detect(text)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missed %q; got %q", w, got)
				}
			}
			for _, q := range got {
				if slices.Contains(tt.never, q) {
					t.Errorf("extracted %q", q)
				}
			}
			// No question comes from a code block, a quote or a table row.
			var sc blocks.Scanner
			for _, l := range strings.Split(text, "\n") {
				switch sc.Kind(l) {
				case blocks.Code, blocks.Quote, blocks.Table:
					for _, q := range got {
						if strings.Contains(l, q) {
							t.Errorf("extracted %q from the line %q", q, l)
						}
					}
				}
			}
		})
	}
}

// TestTableRowsAndHeadings checks the two block rules on their own: a table row never yields
// a question, and a short heading phrased as a question yields none when a statement follows
// under it, but does when nothing but headings follows.
func TestTableRowsAndHeadings(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Which model runs?\n\n| Model | Works? |\n| --- | --- |\n| qwen3 | ❌ won't load |\n| llama3 | does it? |",
			[]string{"Which model runs?"}},
		{"My tool\n\n## What is it?\n\nA small CLI that lists your models.\n\n## Why?\n\nBecause I needed it.",
			nil},
		{"My tool\n\n## What is it?\n\n## Does it work?", []string{"What is it?", "Does it work?"}},
		{"My tool\n\n## Why does ollama ignore my second GPU when both are visible to nvidia-smi?\n\nI have two 3090s.",
			[]string{"Why does ollama ignore my second GPU when both are visible to nvidia-smi?"}},
		{"Steps\n\n1. How do I install it?\n2. Where does the config go?",
			[]string{"How do I install it?", "Where does the config go?"}},
	}
	for _, tt := range tests {
		if got := Detect(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Detect(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
