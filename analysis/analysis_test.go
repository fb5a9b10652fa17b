package analysis_test

import (
	"context"
	"testing"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// TestSentimentOnePass checks that Analyze and the pipeline's stages, which read each text once
// for its whole-text sentiment and every brand's, give what Score and ScoreBrands give.
func TestSentimentOnePass(t *testing.T) {
	brands := []collectors.Brand{
		{Name: "Acme", Query: "acme"},
		{Name: "Globex", Query: `globex OR "globex corp"`},
		{Name: "Initech", Query: "initech"},
	}
	topics := []collectors.Topic{{Name: "gpu", Query: "gpu"}}
	an, err := analysis.NewDefault(brands, topics)
	if err != nil {
		t.Fatal(err)
	}
	sc := an.Scorer()
	var queries []*collectors.Query
	for _, b := range brands {
		q, err := collectors.ParseQuery(b.Query)
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, q)
	}
	matcher := collectors.NewMatcher(queries)
	mentions := []collectors.Mention{
		{ID: "1", Title: "Acme vs Globex", Text: "I love Acme. Globex Corp keeps crashing, terrible support. Unlike Globex, Acme just works!"},
		{ID: "2", Text: "my gpu is fine"},
		{ID: "3", Text: "nothing to see here"},
		{ID: "4", Title: "Initech\u2019s update", Text: "Initech is not bad at all but acme is awful"},
	}
	var in []analysis.Result
	for _, m := range mentions {
		r := an.Analyze(m)
		text := r.FullText()
		if want := sc.Score(text); r.Sentiment != want {
			t.Errorf("%s: sentiment %v, want %v", m.ID, r.Sentiment, want)
		}
		matches := matcher.Match(text)
		if len(matches) != len(r.Brands) {
			t.Fatalf("%s: %d brands, want %d", m.ID, len(r.Brands), len(matches))
		}
		var spans [][][2]int
		for _, mt := range matches {
			spans = append(spans, mt.Spans)
		}
		_, want := sc.ScoreBrands(text, m.Title != "" && m.Text != "", spans, nil)
		for i, b := range r.Brands {
			if b.Sentiment != want[i] {
				t.Errorf("%s: %s: %v, want %v", m.ID, b.Name, b.Sentiment, want[i])
			}
		}
		in = append(in, analysis.Result{Mention: m})
	}
	out, err := an.Stages(nil).Process(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("stages kept %d results, want 3", len(out))
	}
	for _, r := range out {
		want := an.Analyze(r.Mention)
		if r.Sentiment != want.Sentiment || len(r.Brands) != len(want.Brands) {
			t.Fatalf("%s: stages %v %v, Analyze %v %v", r.ID, r.Sentiment, r.Brands, want.Sentiment, want.Brands)
		}
		for i := range r.Brands {
			if r.Brands[i] != want.Brands[i] {
				t.Errorf("%s: stages %v, Analyze %v", r.ID, r.Brands[i], want.Brands[i])
			}
		}
	}
}

// A reply in a brand's thread that does not name the brand is a mention of it (ThreadBrands,
// set by collectors that follow a brand's threads), read with the whole reply's sentiment.
func TestThreadBrands(t *testing.T) {
	brands := []collectors.Brand{{Name: "Ollama", Query: "ollama"}, {Name: "LM Studio", Query: `"lm studio"`}}
	an, err := analysis.NewDefault(brands, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Real replies from an r/ollama thread about a failing update.
	r := an.Analyze(collectors.Mention{ID: "c1", Text: "Same here, it crashes every time I load a model since the update. Really frustrating.",
		ThreadBrands: []string{"ollama", "Unknown Brand"}})
	if len(r.Brands) != 1 || r.Brands[0].Name != "Ollama" || !r.Brands[0].InThread {
		t.Fatalf("brands = %+v, want Ollama in thread only", r.Brands)
	}
	if r.Brands[0].Sentiment != r.Sentiment || r.Sentiment.Label != analysis.Negative {
		t.Errorf("in-thread sentiment %v, whole %v; want the whole reply's, negative", r.Brands[0].Sentiment, r.Sentiment)
	}
	// A reply that names a brand is read as a named mention of it, once.
	r = an.Analyze(collectors.Mention{ID: "c2", Text: "Switched to LM Studio, it just works.", ThreadBrands: []string{"LM Studio", "Ollama"}})
	if len(r.Brands) != 2 || r.Brands[0].Name != "LM Studio" || r.Brands[0].InThread || r.Brands[1].Name != "Ollama" || !r.Brands[1].InThread {
		t.Errorf("brands = %+v, want LM Studio named, then Ollama in thread", r.Brands)
	}
}
