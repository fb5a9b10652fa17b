package sentiment

import (
	"bytes"
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
