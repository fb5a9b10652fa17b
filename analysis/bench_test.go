package analysis_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// BenchmarkAnalyzeBrandPost analyses real Reddit posts (1–3 KB, see
// sentiment/testdata/README.md) that name two or three of the configured brands, as `overhear
// analyze --brand ...` does: matching, language, whole-text and brand sentiment, questions.
// One op is one post.
func BenchmarkAnalyzeBrandPost(b *testing.B) {
	an, err := analysis.NewDefault([]collectors.Brand{
		{Name: "Ollama", Query: "ollama"},
		{Name: "LM Studio", Query: `"lm studio" OR lmstudio`},
		{Name: "llama.cpp", Query: `llama.cpp OR llamacpp OR "llama cpp"`},
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.ReadFile("sentiment/testdata/posts.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var posts []collectors.Mention
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		var p struct {
			ID, Text string
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			b.Fatal(err)
		}
		title, body, _ := strings.Cut(p.Text, "\n\n")
		posts = append(posts, collectors.Mention{ID: p.ID, Source: "reddit", Title: title, Text: body})
	}
	for _, p := range posts {
		if r := an.Analyze(p); len(r.Brands) < 2 {
			b.Fatalf("post %s names %d brands, want 2 or 3", p.ID, len(r.Brands))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		an.Analyze(posts[i%len(posts)])
	}
}
