package sentiment

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// benchTweets reads 100 real tweets (TweetEval val, see testdata/README.md).
func benchTweets(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile("testdata/tweets.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func mustDefault(tb testing.TB) *Model {
	tb.Helper()
	m, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// BenchmarkScore scores real tweets; one op is one tweet.
func BenchmarkScore(b *testing.B) {
	m := mustDefault(b)
	tweets := benchTweets(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Score(tweets[i%len(tweets)])
	}
}

// BenchmarkScoreTargetPhrase scores the sentiment toward a word of each tweet.
func BenchmarkScoreTargetPhrase(b *testing.B) {
	m := mustDefault(b)
	tweets := benchTweets(b)
	targets := make([]string, len(tweets))
	for i, t := range tweets {
		f := strings.Fields(t)
		targets[i] = f[len(f)/2]
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(tweets)
		m.ScoreTargetPhrase(tweets[k], targets[k])
	}
}

// BenchmarkLoad reads the embedded model file.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(embedded)))
	for i := 0; i < b.N; i++ {
		if _, err := Load(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

// longPost is a real Reddit post (title and body, 1–3 KB) with the spans of the brands it names.
type longPost struct {
	text    string
	targets [][][2]int
}

// benchPosts reads six real Reddit posts that name two or three of Ollama, LM Studio and
// llama.cpp (see testdata/README.md), with each brand's spans as the pipeline's matcher finds
// them.
func benchPosts(tb testing.TB) []longPost {
	tb.Helper()
	f, err := os.ReadFile("testdata/posts.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	var out []longPost
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		var p struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			tb.Fatal(err)
		}
		lp := longPost{text: p.Text}
		for _, brand := range []string{"ollama", "lm studio", "llama.cpp"} {
			if sp := FindPhrase(p.Text, brand); len(sp) > 0 {
				lp.targets = append(lp.targets, sp)
			}
		}
		out = append(out, lp)
	}
	return out
}

// BenchmarkScoreLongPost scores the whole text of real Reddit posts; one op is one post.
func BenchmarkScoreLongPost(b *testing.B) {
	m := mustDefault(b)
	posts := benchPosts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Score(posts[i%len(posts)].text)
	}
}

// BenchmarkScoreTargetLongPost scores the sentiment toward one brand of a real Reddit post;
// one op is one brand.
func BenchmarkScoreTargetLongPost(b *testing.B) {
	m := mustDefault(b)
	posts := benchPosts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &posts[i%len(posts)]
		m.ScoreTarget(p.text, p.targets[(i/len(posts))%len(p.targets)])
	}
}

// BenchmarkPostWithBrands scores a real Reddit post as the pipeline does, the whole text and
// every brand it names (two or three), in one pass (ScoreWithTargets); one op is one post.
func BenchmarkPostWithBrands(b *testing.B) {
	m := mustDefault(b)
	posts := benchPosts(b)
	var out []Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &posts[i%len(posts)]
		_, out = m.ScoreWithTargets(p.text, p.targets, out[:0])
	}
}

// BenchmarkPostWithBrandsSeparately scores the same as BenchmarkPostWithBrands with a call of
// Score and one of ScoreTarget per brand, each reading the text again.
func BenchmarkPostWithBrandsSeparately(b *testing.B) {
	m := mustDefault(b)
	posts := benchPosts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &posts[i%len(posts)]
		m.Score(p.text)
		for _, sp := range p.targets {
			m.ScoreTarget(p.text, sp)
		}
	}
}

// BenchmarkLoadModels loads the embedded model and brand head as Default does, reporting what
// the loaded model allocates (B/op) and the time to load it (ns/op).
func BenchmarkLoadModels(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m, err := load(embedded)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.loadBrand(embeddedBrand); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBrandPost scores a real Reddit post (1–3 KB, title and body) as the pipeline does:
// the whole text and the sentiment toward each of the two or three brands it names with the
// brand head, in one pass (Parse, then Brand per brand); one op is one post.
func BenchmarkBrandPost(b *testing.B) {
	m := mustDefault(b)
	posts := benchPosts(b)
	var others [][2]int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &posts[i%len(posts)]
		d := m.Parse(p.text)
		for j, spans := range p.targets {
			others = others[:0]
			for k, o := range p.targets {
				if k != j {
					others = append(others, o...)
				}
			}
			d.Brand(spans, others, true)
		}
		d.Score()
		d.Release()
	}
}
