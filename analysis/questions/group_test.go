package questions

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// Group gives the same clusters, with the same IDs, whatever the order of
// its input.
func TestGroupOrderIndependent(t *testing.T) {
	qs := loadSample(t)
	want := map[string]string{}
	for i, id := range Group(qs) {
		want[qs[i]] = id
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for round := 0; round < 3; round++ {
		shuffled := append([]string(nil), qs...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i, id := range Group(shuffled) {
			// Identical context-bound texts may swap their numbered IDs; every
			// other question keeps its ID.
			if w := want[shuffled[i]]; id != w && !(IsContextBound(id) && IsContextBound(w)) {
				t.Fatalf("round %d: %q got %s, in file order %s", round, shuffled[i], id, w)
			}
		}
	}
}

// Questions that only make sense in their post (real r/ollama sentences) are
// never grouped with another post's, however alike their words.
func TestGroupContextBound(t *testing.T) {
	bound := []string{
		"What do you think?", "And What do you think ?", "What do you all think?", "Thoughts?",
		"Any suggestions much appreciated!", "Any suggestions would be really appreciated.",
		"Am I missing something?", "What am I missing?", "Is this normal?", "IS this normal or is it just me?",
		"Other options?", "What options are there?", "Why?", "Let me know what you think!",
		"Let me know if you break it.", "I'd love to hear your feedback or ideas for other features that would be useful!",
		"I’d really appreciate feedback from the Ollama community.",
		"Is there a workaround?", "What would make it even more useful for your setup?",
	}
	batch := append(loadSample(t), bound...)
	ids := Group(batch)
	seen := map[string]string{}
	for i, q := range bound {
		id := ids[len(batch)-len(bound)+i]
		if !IsContextBound(id) {
			t.Errorf("%q got %s, want a context-bound ID", q, id)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%q and %q share %s", q, other, id)
		}
		seen[id] = q
	}
	c := NewClusterer()
	if id := c.Add("What do you think?"); !IsContextBound(id) || c.Len() != 0 {
		t.Errorf(`Add("What do you think?") = %s with %d clusters, want a context-bound ID and no cluster`, id, c.Len())
	}
}

// Pairs from real r/ollama posts that annotators put in one recurring question
// (merged) or kept apart (split), grouped inside a batch of questions, so
// document frequencies are realistic.
func TestGroupCommunityPairs(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"How to use ollama models in vscode?", "I'm wondering what are available options to make use of ollama models on vscode?", true},
		{"Can the VS Code Claude extension work with a local Ollama-backed setup?",
			"can the VS Code Claude extension also be used with this kind of local/free Ollama-backed setup, so I still get the editor integration features?", true},
		{"Why Gemma3-4b QAT from ollama website uses twice a much memory versus GGUF",
			"Okay let me rephrase my question Why Gemma3-4b QAT from ollama uses twice a much ram versus GGUF ?", true},
		// Same community words ("model", "use", "ollama"), different questions.
		{"Which ollama model I should use???", "Why models don't use GPU?", false},
		{"Is there a model I should use for that?", "Or is it on the model or what?", false},
		{"gemma4:e4b and many models just can't seem to use tools?", "Why models don't use GPU?", false},
		{"What would be the best model for this?", "Best model for text summarization (2025)", false},
	}
	// A community's background: r/ollama titles, so "model" and "use" are
	// common and "vscode" is not.
	titles, err := os.ReadFile("testdata/ollama_titles.txt")
	if err != nil {
		t.Fatal(err)
	}
	background := strings.Split(strings.TrimSpace(string(titles)), "\n")
	for _, tt := range tests {
		t.Run(tt.a+" | "+tt.b, func(t *testing.T) {
			ids := Group(append(append([]string(nil), background...), tt.a, tt.b))
			a, b := ids[len(ids)-2], ids[len(ids)-1]
			if (a == b) != tt.same {
				t.Errorf("Group: %q in %s, %q in %s; want same cluster = %v", tt.a, a, tt.b, b, tt.same)
			}
		})
	}
}

// Summaries leave out the questions that only make sense in their post.
func TestSummariseSkipsContextBound(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c := NewClusterer()
	var recs []Record
	for i, q := range []string{"What do you think?", "What do you think?", "How do I run Ollama on two GPUs?", "How can I run Ollama across two GPUs?"} {
		recs = append(recs, Record{Cluster: c.Add(q), Text: q, MentionID: string(rune('a' + i)), Author: string(rune('a' + i)), CreatedAt: now})
	}
	for _, cl := range Summarise(recs, now, 1) {
		if IsContextBound(cl.ID) {
			t.Errorf("summary lists context-bound cluster %s (%q)", cl.ID, cl.Question)
		}
	}
}

// BenchmarkGroup100k groups a batch of 100,000 questions per iteration, as
// `overhear questions group` does (the target: ≤ 10 s, ≤ 200 MB).
func BenchmarkGroup100k(b *testing.B) {
	qs := corpus100k(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		ids := Group(qs)
		n := map[string]bool{}
		for _, id := range ids {
			n[id] = true
		}
		b.ReportMetric(float64(len(n)), "clusters")
	}
}
