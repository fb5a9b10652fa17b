package collectors

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
)

// benchCorpus loads the real Reddit posts bundled for the demo.
func benchCorpus(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("../cmd/overhear/demo/posts.jsonl.gz")
	if err != nil {
		tb.Skip("demo corpus not found:", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var texts []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var p struct {
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, p.Title+"\n"+p.ContentHTML)
	}
	return texts
}

// benchQueries builds n queries over the corpus's own vocabulary, so many of them hit: word
// terms, phrases and exclusions, shaped like real brand queries.
func benchQueries(tb testing.TB, texts []string, n int) []*Query {
	counts := map[string]int{}
	for _, t := range texts {
		for _, tok := range tokenize(t, nil) {
			if len(tok.text) > 3 {
				counts[tok.text]++
			}
		}
	}
	vocab := make([]string, 0, len(counts))
	for w := range counts {
		vocab = append(vocab, w)
	}
	sort.Slice(vocab, func(i, j int) bool {
		if counts[vocab[i]] != counts[vocab[j]] {
			return counts[vocab[i]] > counts[vocab[j]]
		}
		return vocab[i] < vocab[j]
	})
	// Skip the 300 most frequent words ("that", "with"): no brand is named like them, and
	// queries over them would make every post match hundreds of queries.
	vocab = vocab[min(300, len(vocab)/2):]
	qs := make([]*Query, n)
	for i := range qs {
		a, b, c := vocab[i%len(vocab)], vocab[(i*7+3)%len(vocab)], vocab[(i*13+5)%len(vocab)]
		q, err := ParseQuery(fmt.Sprintf(`"%s %s" OR (%s -%s) OR brand%dwidgets`, a, b, a, c, i))
		if err != nil {
			tb.Fatal(err)
		}
		qs[i] = q
	}
	return qs
}

// BenchmarkMatch5000 matches 5,000 queries against real posts: one pass over each text.
func BenchmarkMatch5000(b *testing.B) {
	texts := benchCorpus(b)
	m := NewMatcher(benchQueries(b, texts, 5000))
	var bytes int64
	for _, t := range texts {
		bytes += int64(len(t))
	}
	b.SetBytes(bytes / int64(len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	matches := 0
	for i := 0; i < b.N; i++ {
		matches += len(m.Match(texts[i%len(texts)]))
	}
	b.ReportMetric(float64(matches)/float64(b.N), "matches/text")
}
