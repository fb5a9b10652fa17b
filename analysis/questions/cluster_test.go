package questions

import (
	"bytes"
	"encoding/csv"
	"encoding/gob"
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

func TestClustererRestart(t *testing.T) {
	qs := loadSample(t)
	orig := NewClusterer()
	ids := map[string]string{}
	for _, q := range qs {
		ids[q] = orig.Add(q)
	}
	data, err := orig.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var restored Clusterer
	if err := restored.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if restored.Len() != orig.Len() {
		t.Fatalf("Len() after restart = %d, want %d", restored.Len(), orig.Len())
	}
	// The same continuation gives the same IDs on the original and the restored Clusterer.
	more := []string{"Is it possible to get a refund?", "I forgot my passcode, how do I reset it?", "Where can I find the exchange rate?", "Why is my virtual card declined?", "What cryptocurrencies can I buy?"}
	for _, q := range more {
		a, b := orig.Add(q), restored.Add(q)
		if a != b {
			t.Errorf("Add(%q): %s before restart, %s after", q, a, b)
		}
	}
	// A new paraphrase joins the old cluster.
	want := restored.Add("How can I get a refund?")
	if got := restored.Add("Can I get a refund?"); got != want {
		t.Errorf("paraphrase after restart joined %s, want %s", got, want)
	}
	if got := restored.Add("How can I get a refund"); got != want {
		t.Errorf("repeat after restart joined %s, want %s", got, want)
	}
	if _, ok := findID(ids, want); !ok {
		t.Errorf("refund question after restart got new cluster %s, want one created before the restart", want)
	}
	// Round trip is stable.
	data2, err := restored.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var again Clusterer
	if err := again.UnmarshalBinary(data2); err != nil {
		t.Fatal(err)
	}
	if again.Len() != restored.Len() {
		t.Errorf("second round trip Len() = %d, want %d", again.Len(), restored.Len())
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

func TestClustererUnmarshalErrors(t *testing.T) {
	c := NewClusterer()
	c.Add("How do I change my PIN?")
	for name, data := range map[string][]byte{
		"empty":   nil,
		"garbage": []byte("not a gob"),
	} {
		t.Run(name, func(t *testing.T) {
			if err := c.UnmarshalBinary(data); err == nil {
				t.Error("UnmarshalBinary succeeded, want error")
			}
			if c.Len() != 1 {
				t.Errorf("Len() = %d after failed restore, want 1 (state unchanged)", c.Len())
			}
		})
	}
}

func TestClustererEmptyText(t *testing.T) {
	c := NewClusterer()
	a, b := c.Add("???"), c.Add("")
	if a == "" || b == "" || a == b {
		t.Errorf("texts without terms got %q and %q, want two distinct non-empty IDs", a, b)
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

func TestClustererOldStateVersion(t *testing.T) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(state{Version: 1}); err != nil {
		t.Fatal(err)
	}
	c := NewClusterer()
	c.Add("How do I change my PIN?")
	err := c.UnmarshalBinary(buf.Bytes())
	if err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Fatalf("UnmarshalBinary(version 1) = %v, want an error naming version 1", err)
	}
	if c.Len() != 1 {
		t.Errorf("failed restore changed the Clusterer: %d clusters, want 1", c.Len())
	}
}

func TestWordVectorsCommonComponent(t *testing.T) {
	if len(embedded.pcs) != 1 || len(embedded.pcs[0]) != embedded.dim {
		t.Fatalf("embedded word vectors have %d common components, want 1 of %d dimensions", len(embedded.pcs), embedded.dim)
	}
	if _, err := loadWordVectors(append(append([]byte(nil), wordvecBin...), 0)); err == nil {
		t.Error("loadWordVectors accepted a trailing byte")
	}
}
