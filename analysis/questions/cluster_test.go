package questions

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// loadSample returns the Banking77 excerpt in testdata (CC BY 4.0, see
// testdata/README.md): 400 customer questions, every 25th of the train split.
func loadSample(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("testdata/banking77_sample.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

// warm returns a Clusterer that has seen the sample, so document frequencies
// are realistic when the pairs under test arrive.
func warm(tb testing.TB) *Clusterer {
	tb.Helper()
	c := NewClusterer()
	for _, q := range loadSample(tb) {
		c.Add(q)
	}
	return c
}

func TestClustererPairs(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		// Paraphrases: same question, different words.
		{"How do I change my PIN?", "Can I change the pin on my card?", true},
		{"What is the exchange rate?", "How are your exchange rates calculated?", true},
		{"My top up failed, why?", "Why did my top-up fail?", true},
		{"How can I get a refund?", "Is it possible to get a refund?", true},
		{"I was charged twice for the same transaction", "I have been charged twice for one purchase", true},
		{"How do I reset my passcode?", "I forgot my passcode, how do I reset it?", true},
		// Near misses: shared words, different questions.
		{"How long does a transfer take?", "How long does it take for my card to arrive?", false},
		{"How do I cancel a transfer?", "How do I cancel my card?", false},
		{"What is the fee for a cash withdrawal?", "What is the fee for topping up?", false},
		{"How do I unblock my PIN?", "How do I change my PIN?", false},
		{"Why was my card payment declined?", "Why did my transfer fail?", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" | "+tt.b, func(t *testing.T) {
			c := warm(t)
			a, b := c.Add(tt.a), c.Add(tt.b)
			if (a == b) != tt.same {
				t.Errorf("Add(%q) = %s, Add(%q) = %s; want same cluster = %v", tt.a, a, tt.b, b, tt.same)
			}
		})
	}
}

func TestClustererDeterministic(t *testing.T) {
	qs := loadSample(t)
	c1, c2 := NewClusterer(), NewClusterer()
	for _, q := range qs {
		if a, b := c1.Add(q), c2.Add(q); a != b {
			t.Fatalf("Add(%q): %s then %s", q, a, b)
		}
	}
	if c1.Len() < 50 || c1.Len() >= len(qs) {
		t.Errorf("Len() = %d for %d questions of 77 intents, want some grouping", c1.Len(), len(qs))
	}
}

func findID(ids map[string]string, id string) (string, bool) {
	for q, v := range ids {
		if v == id {
			return q, true
		}
	}
	return "", false
}

// Questions without content terms are grouped by their words alone and cost
// the Clusterer nothing: a long run of "Any help?" must not grow it.
func TestClustererContentless(t *testing.T) {
	c := NewClusterer()
	c.Add("How do I run Ollama on two GPUs?")
	c.Changes()
	ids := map[string]string{}
	for i := 0; i < 1000; i++ {
		for _, q := range []string{"???", "", "Any help?", "any   HELP ?", "Why?", "What it does:"} {
			id := c.Add(q)
			if !strings.HasPrefix(id, "q0-") {
				t.Fatalf("Add(%q) = %q, want a q0- ID", q, id)
			}
			ids[q] = id
		}
	}
	if ids["Any help?"] != ids["any   HELP ?"] {
		t.Errorf("same words, different IDs: %q, %q", ids["Any help?"], ids["any   HELP ?"])
	}
	if ids["???"] != ids[""] {
		t.Errorf("texts without words got %q and %q, want one ID", ids["???"], ids[""])
	}
	if ids["Why?"] == ids["Any help?"] || ids["Why?"] == ids["What it does:"] {
		t.Errorf("different words share an ID: %v", ids)
	}
	if c.Len() != 1 {
		t.Errorf("Len() = %d after 6000 contentless questions, want 1", c.Len())
	}
	if ch := c.Changes(); len(ch) > 0 {
		t.Errorf("contentless questions changed the saved state: %d entries", len(ch))
	}
}

// corpus100k builds n distinct questions from the Banking77 sample by
// dropping and swapping words (seeded, so every run is the same).
func corpus100k(tb testing.TB, n int) []string {
	tb.Helper()
	base := loadSample(tb)
	rng := rand.New(rand.NewPCG(7, 11))
	out := make([]string, n)
	for i := range out {
		ws := strings.Fields(base[rng.IntN(len(base))])
		other := strings.Fields(base[rng.IntN(len(base))])
		if len(ws) > 3 {
			j := rng.IntN(len(ws))
			ws = append(ws[:j], ws[j+1:]...)
		}
		ws = append(ws, other[rng.IntN(len(other))], fmt.Sprintf("x%d", rng.IntN(5000)))
		out[i] = strings.Join(ws, " ")
	}
	return out
}

// BenchmarkClusterer100k groups 100,000 questions per iteration.
func BenchmarkClusterer100k(b *testing.B) {
	qs := corpus100k(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		c := NewClusterer()
		for _, q := range qs {
			c.Add(q)
		}
		b.ReportMetric(float64(c.Len()), "clusters")
	}
}

func BenchmarkClustererAdd(b *testing.B) {
	c := warm(b)
	qs := corpus100k(b, 10_000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Add(qs[i%len(qs)])
	}
}

func TestWordVectorsCommonComponent(t *testing.T) {
	if wv := embedded(); len(wv.pcs) != 1 || len(wv.pcs[0]) != wv.dim {
		t.Fatalf("embedded word vectors have %d common components, want 1 of %d dimensions", len(wv.pcs), wv.dim)
	}
	if _, err := loadWordVectors(append(append([]byte(nil), wordvecBin...), 0)); err == nil {
		t.Error("loadWordVectors accepted a trailing byte")
	}
}
