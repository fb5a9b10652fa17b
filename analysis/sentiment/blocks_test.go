package sentiment

import (
	"os"
	"strings"
	"testing"
)

// storedText reads the text a collector stores for a real post: the golden files of
// collectors/feedreader's tests (testdata/blocks, see its README), with the post's title.
func storedText(tb testing.TB, name, title string) string {
	tb.Helper()
	b, err := os.ReadFile("../../collectors/feedreader/testdata/blocks/" + name + ".golden")
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.TrimSuffix(string(b), "\n")
	if title != "" {
		text = title + "\n\n" + text
	}
	return text
}

// TestSegmentRealPosts checks the block kinds segmentText reads in real posts as the collectors
// store them: headings and list items are the author's words (their sentences without the
// "# " or "1. " marker), fenced code, quotes and table rows are not.
func TestSegmentRealPosts(t *testing.T) {
	tests := []struct {
		post string
		want map[string]uint8 // a sentence's first words → its block
	}{
		{"reddit-table", map[string]uint8{
			"Model Variants":                     blockHeading,
			"Qianfan-VL is a series":             blockProse,
			"| Model | Parameters |":             blockTable,
			"| --- | --- |":                      blockTable,
			"| Qianfan-VL-3B | 3B | 32k | ❌ |":   blockTable,
			"Language Model:":                    blockItem,
			"Qianfan-VL-3B: Based on Qwen2.5-3B": blockItem,
			"🔍 OCR & Document Understanding":     blockHeading,
			"Full-Scenario OCR: Handwriting":     blockItem,
		}},
		{"reddit-code", map[string]uint8{
			"Here is the exact response text:": blockProse,
			"```":                              blockCode,
			"{ \"model\": \"llama3.2\"":        blockCode,
			"This is becoming a huge":          blockProse,
		}},
		{"discourse-quote", map[string]uint8{
			"> jamesdreid:":                     blockQuote,
			">":                                 blockQuote,
			"> nd you can combine that":         blockQuote,
			"We allow users to create workflow": blockProse,
		}},
		{"discourse-code", map[string]uint8{
			"**action_a brief definition:**":    blockCode,
			"param_a_1:":                        blockCode,
			"deploy_time: \"2021-08-19 23:00\"": blockCode,
			"Is there a general way":            blockProse,
		}},
		{"hn-steps", map[string]uint8{
			"Install another copy of codex": blockItem,
			"$ curl -fsSL":                  blockCode,
			"Voila!":                        blockItem,
		}},
	}
	for _, tt := range tests {
		text := storedText(t, tt.post, "")
		found := map[string]bool{}
		for _, s := range segmentText(text, nil) {
			got := text[s.start:s.end]
			for prefix, want := range tt.want {
				if strings.HasPrefix(got, prefix) {
					found[prefix] = true
					if s.block != want {
						t.Errorf("%s: %q is block %d, want %d", tt.post, got, s.block, want)
					}
				}
			}
		}
		for prefix := range tt.want {
			if !found[prefix] {
				t.Errorf("%s: no sentence starts %q", tt.post, prefix)
			}
		}
	}
}

// TestBlocksSayNothing checks on real posts that what a quote, a code block or a table row
// says does not count: writing a rant about the brand into one (naming the brand as often as
// before) changes neither the post's sentiment nor the sentiment toward the brand.
func TestBlocksSayNothing(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		name, post, title, brand string
		old, rant                string // a line of the stored text, and the rant put in its place
	}{
		{"quote", "hn-quote", "", "claude",
			"> What's the consensus today on codex vs claude code, does it really matter anymore?",
			"> claude code is garbage, I hate it, it crashed twice and ruined my whole week!!!"},
		{"quote in a Discourse reply", "discourse-quote", "Access different pack configs in common pack", "KV",
			"> nd you can combine that with a common name structure used across all tenants to access the key specific to the client/tenant pack that stores the credentials with",
			"> This is terrible, awful advice and I hate it. Never do this, it is broken and useless."},
		{"code", "hn-code", "", "OpenAI",
			"  * Main session agent: gpt-5.6-sol (high) via OpenAI subscription",
			"  * OpenAI is awful, broken garbage and I hate it"},
		{"quote in code", "hn-code-quote", "", "GPT-5.6",
			"  > Intent understanding: GPT-5.6 can better infer the user’s underlying goal and intended level of work without you specifying every step. Continue to state important constraints, approval boundaries, and success criteria explicitly.",
			"  > GPT-5.6 is a disaster: horrible, slow, broken, the worst model I have ever used!"},
		{"table", "reddit-table", "baidu releases Qianfan-VL 70B/8B/3B", "Qianfan-VL-3B",
			"| Qianfan-VL-3B | 3B | 32k | ❌ | Edge deployment, real-time OCR |",
			"| Qianfan-VL-3B | terrible | awful | ❌ | broken, useless, I hate it |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := storedText(t, tt.post, tt.title)
			if !strings.Contains(text, tt.old) {
				t.Fatalf("%s has no line %q", tt.post, tt.old)
			}
			ranted := strings.Replace(text, tt.old, tt.rant, 1)
			if got, want := m.Score(ranted), m.Score(text); got != want {
				t.Errorf("Score with the rant = %+v, without = %+v", got, want)
			}
			if r := m.Score(strings.TrimLeft(tt.rant, " >|")); r.Label != Negative {
				t.Fatalf("the rant on its own is %+v, not negative", r)
			}
			hasTitle := tt.title != ""
			spans, rantSpans := FindPhrase(text, tt.brand), FindPhrase(ranted, tt.brand)
			if len(spans) == 0 || len(spans) != len(rantSpans) {
				t.Fatalf("%q named %d times, %d with the rant", tt.brand, len(spans), len(rantSpans))
			}
			if got, want := m.ScoreBrand(ranted, hasTitle, rantSpans, nil), m.ScoreBrand(text, hasTitle, spans, nil); got != want {
				t.Errorf("%s with the rant = %+v, without = %+v", tt.brand, got, want)
			}
		})
	}
}
