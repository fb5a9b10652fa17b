// Package benchdata builds the workloads of Overhear's benchmarks from the real demo corpus
// (cmd/overhear/demo/posts.jsonl.gz: 509 Reddit posts from r/ollama and r/LocalLLaMA): the
// analysed posts, cycled with unique ids and timestamps spread over a window, and stores of a
// million mentions built from them. It is used only by benchmarks and bench/compare.
package benchdata

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/overhear/overhear/cmd/overhear/demo"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/questions"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

// Brands are the benchmark's brands: the demo's three plus three more that the corpus names
// often, so a store has several brand indexes of different sizes.
var Brands = []collectors.Brand{
	{Name: "Ollama", Query: "ollama", Accounts: map[string][]string{"reddit": {"jmorganca"}}},
	{Name: "LM Studio", Query: `"lm studio" OR lmstudio`},
	{Name: "llama.cpp", Query: `llama.cpp OR llamacpp OR "llama cpp"`},
	{Name: "Qwen", Query: "qwen OR qwen2 OR qwen3"},
	{Name: "Mistral", Query: "mistral OR mixtral"},
	{Name: "DeepSeek", Query: "deepseek"},
}

// Topics are the demo's topics.
var Topics = []collectors.Topic{
	{Name: "gpu", Query: "gpu OR gpus OR cuda OR rocm OR vram"},
	{Name: "self-hosting", Query: `selfhosted OR self-hosted OR "self hosting" OR self-hosting OR homelab`},
}

// ConfigYAML is an overhear config naming the benchmark's brands and topics, storing in
// storePath with retention off.
func ConfigYAML(storePath string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "storage:\n  path: %q\n  retention: 0\nbrands:\n", storePath)
	for _, br := range Brands {
		fmt.Fprintf(&b, "  - name: %q\n    query: %q\n", br.Name, br.Query)
	}
	b.WriteString("topics:\n")
	for _, t := range Topics {
		fmt.Fprintf(&b, "  - name: %q\n    query: %q\n", t.Name, t.Query)
	}
	return b.String()
}

// Mentions reads the demo corpus as the demo command does.
func Mentions() ([]collectors.Mention, error) { return demo.Mentions(time.Time{}) }

var (
	analysedOnce sync.Once
	analysed     []analysis.Result
	analysedErr  error
)

// Analysed returns the corpus posts that match a brand or topic, analysed with the embedded
// models and with question clusters assigned, as the pipeline stores them. Computed once.
func Analysed() ([]analysis.Result, error) {
	analysedOnce.Do(func() {
		ms, err := Mentions()
		if err != nil {
			analysedErr = err
			return
		}
		an, err := analysis.NewDefault(Brands, Topics)
		if err != nil {
			analysedErr = err
			return
		}
		cl := questions.NewClusterer()
		for _, m := range ms {
			r := an.Analyze(m)
			if !r.Matched() {
				continue
			}
			r.QuestionClusters = make([]string, len(r.Questions))
			for i, q := range r.Questions {
				r.QuestionClusters[i] = cl.Add(q)
			}
			analysed = append(analysed, r)
		}
	})
	return analysed, analysedErr
}

// Spread is the window the generated mentions' timestamps cover.
const Spread = 90 * 24 * time.Hour

// Generator yields the i-th of n synthetic mentions: the analysed corpus cycled, each copy with
// a unique id and thread, and timestamps evenly spread over Spread ending at End (oldest first),
// so a store built from it has realistic text, brands, sentiment and questions at scale.
type Generator struct {
	Base []analysis.Result
	N    int
	End  time.Time
	// Prefix makes ids unique across generators writing the same store.
	Prefix string
}

// NewGenerator returns a generator of n mentions ending at end.
func NewGenerator(n int, end time.Time) (*Generator, error) {
	base, err := Analysed()
	if err != nil {
		return nil, err
	}
	return &Generator{Base: base, N: n, End: end}, nil
}

// At returns mention i (0 ≤ i < N). Slices are shared with the base results: do not modify them.
func (g *Generator) At(i int) analysis.Result {
	r := g.Base[i%len(g.Base)]
	suffix := g.Prefix + "-" + strconv.Itoa(i)
	r.ID += suffix
	r.ThreadID += suffix
	step := Spread / time.Duration(max(g.N, 1))
	r.CreatedAt = g.End.Add(-Spread + time.Duration(i)*step)
	return r
}

// Mention returns mention i as ingest input (no analysis).
func (g *Generator) Mention(i int) collectors.Mention { return g.At(i).Mention }

// Fill writes mentions [from, to) into s, reusing it.
func (g *Generator) Fill(s []analysis.Result, from, to int) []analysis.Result {
	s = s[:0]
	for i := from; i < to; i++ {
		s = append(s, g.At(i))
	}
	return s
}

// BuildStore writes g's mentions into a new store at path with big batches (one transaction
// per 20,000 mentions), as fast as the store allows.
func BuildStore(ctx context.Context, path string, g *Generator) error {
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		return err
	}
	const batch = 20000
	buf := make([]analysis.Result, 0, batch)
	for from := 0; from < g.N; from += batch {
		buf = g.Fill(buf, from, min(from+batch, g.N))
		if _, err := db.Commit(ctx, storage.Batch{Results: buf}); err != nil {
			db.Close()
			return err
		}
	}
	return db.Close()
}
