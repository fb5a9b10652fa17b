package questions

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// sampleRecords are questions from r/ollama and forum.stackstorm.com titles
// (see testdata/README.md), with made-up authors, scores and times.
func sampleRecords() []Record {
	day := 24 * time.Hour
	return []Record{
		{Cluster: "q-000001", Text: "How do I make Ollama use my second GPU?", MentionID: "t3_a1", Source: "reddit", Community: "ollama", Author: "alice", URL: "https://old.reddit.com/r/ollama/comments/a1/", Brands: []string{"Ollama"}, Topics: []string{"gpu"}, CreatedAt: now.Add(-2 * day), Score: 12, Unattended: true, Sentiment: -0.4},
		{Cluster: "q-000001", Text: "ollama only uses one gpu??", MentionID: "t3_a2", Source: "reddit", Community: "LocalLLaMA", Author: "bob", URL: "https://old.reddit.com/r/LocalLLaMA/comments/a2/", Brands: []string{"Ollama"}, Topics: []string{"gpu"}, CreatedAt: now.Add(-5 * day), Score: 3, Unattended: true, Sentiment: -0.6},
		{Cluster: "q-000001", Text: "How do I make Ollama use my second GPU?", MentionID: "t3_a3", Source: "reddit", Community: "ollama", Author: "carol", URL: "https://old.reddit.com/r/ollama/comments/a3/", Brands: []string{"Ollama"}, Topics: []string{"gpu"}, CreatedAt: now.Add(-1 * day), Score: 0, Unattended: false, Sentiment: 0},
		{Cluster: "q-000002", Text: "How to connect remote hosts via ssh keys", MentionID: "d-101", Source: "discourse", Community: "Questions", Author: "dave", URL: "https://forum.stackstorm.com/t/how-to-connect-remote-hosts-via-ssh-keys/101", Brands: []string{"StackStorm"}, CreatedAt: now.Add(-40 * day), Score: 2, Unattended: false, Sentiment: 0.1},
		{Cluster: "q-000002", Text: "Is there a guide for using ssh keys with remote hosts?", MentionID: "d-101", Source: "discourse", Community: "Questions", Author: "dave", URL: "https://forum.stackstorm.com/t/how-to-connect-remote-hosts-via-ssh-keys/101", Brands: []string{"StackStorm"}, CreatedAt: now.Add(-40 * day), Score: 2, Unattended: false, Sentiment: 0.1},
		{Cluster: "q-000002", Text: "=HYPERLINK(\"http://evil.example\",\"How do I use ssh keys for remote hosts?\")", MentionID: "d-102", Source: "discourse", Community: "Questions", Author: "@eve", URL: "https://forum.stackstorm.com/t/ssh/102", Brands: []string{"StackStorm"}, CreatedAt: now.Add(-38 * day), Score: 1, Unattended: true, Sentiment: 0.3},
		{Cluster: "q-000003", Text: "Exporting history", MentionID: "d-103", Source: "discourse", Community: "Questions", Author: "frank", CreatedAt: now.Add(-3 * day), Score: 50, Unattended: true, Sentiment: 0},
	}
}

func TestSummarise(t *testing.T) {
	got := Summarise(sampleRecords(), now, 2)
	if len(got) != 2 {
		t.Fatalf("got %d clusters with min count 2, want 2", len(got))
	}
	gpu := got[0]
	if gpu.ID != "q-000001" || gpu.Rank != 1 {
		t.Errorf("first cluster %s rank %d, want q-000001 rank 1", gpu.ID, gpu.Rank)
	}
	if gpu.Question != "How do I make Ollama use my second GPU?" {
		t.Errorf("representative %q, want the clear, repeated wording", gpu.Question)
	}
	if len(gpu.Variants) != 1 || gpu.Variants[0] != "ollama only uses one gpu??" {
		t.Errorf("variants %q, want the one other distinct wording", gpu.Variants)
	}
	if gpu.Count != 3 || gpu.Posts != 3 || gpu.Questions != 3 || gpu.Authors != 3 || gpu.TotalEngagement != 15 || gpu.Unattended != 2 {
		t.Errorf("count %d posts %d questions %d authors %d engagement %d unattended %d, want 3 3 3 3 15 2", gpu.Count, gpu.Posts, gpu.Questions, gpu.Authors, gpu.TotalEngagement, gpu.Unattended)
	}
	if gpu.AsksLast30d != 3 || gpu.AsksPrior30d != 0 || gpu.Trend != TrendRising || !gpu.Rising {
		t.Errorf("asks %d/%d trend %q rising %v, want 3/0 rising", gpu.AsksLast30d, gpu.AsksPrior30d, gpu.Trend, gpu.Rising)
	}
	if want := []string{"ollama", "LocalLLaMA"}; strings.Join(gpu.Communities, ",") != strings.Join(want, ",") {
		t.Errorf("communities %q, want %q (most active first)", gpu.Communities, want)
	}
	if !gpu.FirstSeen.Equal(now.Add(-5*24*time.Hour)) || !gpu.LastSeen.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("first/last seen %v %v", gpu.FirstSeen, gpu.LastSeen)
	}
	if gpu.AvgSentiment != -0.333 || gpu.UnattendedShare != 0.667 || gpu.AnsweredShare != 0.333 {
		t.Errorf("sentiment %v unattended %v answered %v", gpu.AvgSentiment, gpu.UnattendedShare, gpu.AnsweredShare)
	}
	// score = 3 × 0.5^(1/30) × (1 + ln(1 + 5)) × (0.5 + 2/3)
	if gpu.Score < 9.5 || gpu.Score > 9.7 {
		t.Errorf("score %v, want about 9.6", gpu.Score)
	}
	if all := Summarise(sampleRecords(), now, 0); len(all) != 3 || all[1].ID != "q-000003" {
		t.Errorf("min count 0: got %d clusters, second %s; want 3 with the engaged single question second", len(all), all[1].ID)
	}
}

// TestCountsPostsNotSentences: the demo's old top cluster was three sentences of one post by
// one author; a post whose title and body ask the same thing was two askers.
func TestCountsPostsNotSentences(t *testing.T) {
	day := 24 * time.Hour
	// One r/ollama post asking the same thing three ways (title, body, closing line).
	onePost := []Record{
		{Cluster: "q-sync", Text: "Why does Ollama re-download models after every update?", MentionID: "t3_x1", Source: "reddit", Community: "ollama", Author: "dana", URL: "https://old.reddit.com/r/ollama/comments/x1/", CreatedAt: now.Add(-2 * day), Score: 30, Unattended: true, Sentiment: -0.5},
		{Cluster: "q-sync", Text: "Is there a way to stop it re-downloading models after updating?", MentionID: "t3_x1", Source: "reddit", Community: "ollama", Author: "dana", URL: "https://old.reddit.com/r/ollama/comments/x1/", CreatedAt: now.Add(-2 * day), Score: 30, Unattended: true, Sentiment: -0.5},
		{Cluster: "q-sync", Text: "Why does Ollama re-download models after every update??", MentionID: "t3_x1", Source: "reddit", Community: "ollama", Author: "dana", URL: "https://old.reddit.com/r/ollama/comments/x1/", CreatedAt: now.Add(-2 * day), Score: 30, Unattended: true, Sentiment: -0.5},
	}
	// Two posts by two people, each asking once, as engaged and unattended as the one post.
	twoPosts := []Record{
		{Cluster: "q-gpu", Text: "How do I make Ollama use my second GPU?", MentionID: "t3_a1", Source: "reddit", Community: "ollama", Author: "alice", CreatedAt: now.Add(-3 * day), Score: 30, Unattended: true},
		{Cluster: "q-gpu", Text: "ollama only uses one gpu??", MentionID: "t3_a2", Source: "reddit", Community: "LocalLLaMA", Author: "bob", CreatedAt: now.Add(-3 * day), Score: 30, Unattended: true},
	}
	got := Summarise(append(append([]Record{}, onePost...), twoPosts...), now, 1)
	if len(got) != 2 {
		t.Fatalf("got %d clusters, want 2", len(got))
	}
	byID := map[string]Cluster{}
	for _, c := range got {
		byID[c.ID] = c
	}
	sync := byID["q-sync"]
	if sync.Count != 1 || sync.Posts != 1 || sync.Questions != 3 || sync.Authors != 1 {
		t.Errorf("one post: count %d posts %d questions %d authors %d, want 1 1 3 1", sync.Count, sync.Posts, sync.Questions, sync.Authors)
	}
	if sync.TotalEngagement != 30 || sync.AvgEngagement != 30 || sync.Unattended != 1 || sync.UnattendedShare != 1 || sync.AvgSentiment != -0.5 {
		t.Errorf("one post: engagement %d (avg %v), unattended %d (share %v), sentiment %v; want the post's own values once: 30 30 1 1 -0.5",
			sync.TotalEngagement, sync.AvgEngagement, sync.Unattended, sync.UnattendedShare, sync.AvgSentiment)
	}
	if len(sync.URLs) != 1 {
		t.Errorf("one post: urls %q, want its one link", sync.URLs)
	}
	if gpu := byID["q-gpu"]; gpu.Count != 2 || gpu.Posts != 2 || gpu.Questions != 2 || gpu.Authors != 2 {
		t.Errorf("two posts: count %d posts %d questions %d authors %d, want 2 2 2 2", gpu.Count, gpu.Posts, gpu.Questions, gpu.Authors)
	}
	if got[0].ID != "q-gpu" {
		t.Errorf("ranked %s first (score %v vs %v): two people asking must outrank one post asking three times",
			got[0].ID, got[0].Score, got[1].Score)
	}
	if recurring := Summarise(onePost, now, 2); len(recurring) != 0 {
		t.Errorf("min count 2 kept the one-post cluster: %+v", recurring[0])
	}
	// The same person asking in two posts is two asks but one author.
	again := onePost[0]
	again.MentionID, again.CreatedAt = "t3_x9", now.Add(-day)
	if c := Summarise([]Record{onePost[0], onePost[1], again}, now, 2); len(c) != 1 || c[0].Posts != 2 || c[0].Authors != 1 {
		t.Errorf("one author, two posts: %+v, want 2 posts by 1 author", c)
	}
}

// TestSentencesDoNotWeighPosts: averages are per post, so a post with many question
// sentences does not outweigh the other posts of its cluster.
func TestSentencesDoNotWeighPosts(t *testing.T) {
	quiet := Record{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: "m1", Author: "ann", CreatedAt: now, Score: 0, Unattended: false, Sentiment: 1}
	loud := Record{Cluster: "q-1", Text: "How can I reset my PIN?", MentionID: "m2", Author: "bob", CreatedAt: now, Score: 10, Unattended: true, Sentiment: -1}
	loud2, loud3 := loud, loud
	loud2.Text, loud3.Text = "Where do I reset the PIN?", "Can the PIN be reset?"
	c := Summarise([]Record{quiet, loud, loud2, loud3}, now, 1)[0]
	if c.Posts != 2 || c.Questions != 4 || c.AvgEngagement != 5 || c.UnattendedShare != 0.5 || c.AvgSentiment != 0 {
		t.Errorf("posts %d questions %d avg engagement %v unattended share %v sentiment %v; want 2 4 5 0.5 0",
			c.Posts, c.Questions, c.AvgEngagement, c.UnattendedShare, c.AvgSentiment)
	}
	if c.Communities == nil || c.Variants[0] == "" {
		t.Errorf("lists missing: %+v", c)
	}
}

func TestTrend(t *testing.T) {
	day := 24 * time.Hour
	ask := func(id string, ago time.Duration) Record {
		return Record{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: id, Author: "u" + id, CreatedAt: now.Add(-ago)}
	}
	tests := []struct {
		name        string
		records     []Record
		last, prior int
		trend       string
		rising      bool
	}{
		{"rising", []Record{ask("1", 2*day), ask("2", 10*day), ask("3", 40*day)}, 2, 1, TrendRising, true},
		{"rising from nothing", []Record{ask("1", 1*day), ask("2", 29*day)}, 2, 0, TrendRising, true},
		{"one ask after none is not a trend", []Record{ask("1", 1*day)}, 1, 0, TrendSteady, false},
		{"steady", []Record{ask("1", 1*day), ask("2", 2*day), ask("3", 31*day), ask("4", 59*day)}, 2, 2, TrendSteady, false},
		{"falling", []Record{ask("1", 1*day), ask("2", 31*day), ask("3", 45*day)}, 1, 2, TrendFalling, false},
		{"quiet", []Record{ask("1", 61*day), ask("2", 90*day)}, 0, 0, TrendQuiet, false},
		{"a post in the future counts as recent", []Record{ask("1", -time.Hour), ask("2", day)}, 2, 0, TrendRising, true},
		{"sentences of one post are one ask", []Record{ask("1", day), ask("1", day), ask("1", day)}, 1, 0, TrendSteady, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Summarise(tt.records, now, 1)[0]
			if c.AsksLast30d != tt.last || c.AsksPrior30d != tt.prior || c.Trend != tt.trend || c.Rising != tt.rising {
				t.Errorf("last %d prior %d trend %q rising %v, want %d %d %q %v", c.AsksLast30d, c.AsksPrior30d, c.Trend, c.Rising, tt.last, tt.prior, tt.trend, tt.rising)
			}
		})
	}
}

// TestSummariseSince: an export of the last 7 days still compares the last 30 days with the
// 30 before, from records older than its window, which count for nothing else.
func TestSummariseSince(t *testing.T) {
	day := 24 * time.Hour
	recs := []Record{
		{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: "m1", Author: "ann", CreatedAt: now.Add(-2 * day), Score: 4},
		{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: "m2", Author: "bob", CreatedAt: now.Add(-20 * day), Score: 100},
		{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: "m3", Author: "cat", CreatedAt: now.Add(-25 * day), Score: 100},
		{Cluster: "q-1", Text: "How do I reset my PIN?", MentionID: "m4", Author: "dan", CreatedAt: now.Add(-40 * day), Score: 100},
		{Cluster: "q-old", Text: "Why was my card declined?", MentionID: "m5", Author: "eve", CreatedAt: now.Add(-40 * day)},
	}
	got := SummariseSince(recs, now, now.Add(-7*day), 1)
	if len(got) != 1 || got[0].ID != "q-1" {
		t.Fatalf("got %+v, want only q-1: q-old has no ask in the window", got)
	}
	c := got[0]
	if c.Posts != 1 || c.Authors != 1 || c.TotalEngagement != 4 || !c.FirstSeen.Equal(now.Add(-2*day)) {
		t.Errorf("posts %d authors %d engagement %d first seen %v: records before since must not count", c.Posts, c.Authors, c.TotalEngagement, c.FirstSeen)
	}
	if c.AsksLast30d != 3 || c.AsksPrior30d != 1 || !c.Rising {
		t.Errorf("last %d prior %d rising %v, want 3 1 true from the records before since too", c.AsksLast30d, c.AsksPrior30d, c.Rising)
	}
	if all := Summarise(recs, now, 2); len(all) != 1 || all[0].Posts != 4 {
		t.Errorf("Summarise without since: %+v, want q-1 with 4 posts (q-old has 1 < min count 2)", all)
	}
}

func TestRankScoreOrdering(t *testing.T) {
	base := Record{Cluster: "x", Text: "How do I reset my PIN?", CreatedAt: now, Score: 1, MentionID: "m1", Author: "ann"}
	other := base
	other.MentionID, other.Author = "m2", "bob"
	again := base
	again.MentionID = "m3"
	tests := map[string]struct{ better, worse []Record }{
		"frequency":           {better: []Record{base, other}, worse: []Record{base}},
		"askers not posts":    {better: []Record{base, other}, worse: []Record{base, again}},
		"posts not sentences": {better: []Record{base, other}, worse: []Record{base, withText(base, "How can I reset the PIN?"), withText(base, "Where do I reset my PIN?")}},
		"recency":             {better: []Record{base}, worse: []Record{withTime(base, now.Add(-60*24*time.Hour))}},
		"engagement":          {better: []Record{withScore(base, 100)}, worse: []Record{base}},
		"unattended":          {better: []Record{withUnattended(base)}, worse: []Record{base}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b := Summarise(tt.better, now, 1)[0].Score
			w := Summarise(tt.worse, now, 1)[0].Score
			if b <= w {
				t.Errorf("score %v not above %v", b, w)
			}
		})
	}
}

func withTime(r Record, t time.Time) Record { r.CreatedAt = t; return r }
func withText(r Record, s string) Record    { r.Text = s; return r }
func withScore(r Record, s int) Record      { r.Score = s; return r }
func withUnattended(r Record) Record        { r.Unattended = true; return r }

func TestExportGolden(t *testing.T) {
	clusters := Summarise(sampleRecords(), now, 1)
	tests := map[string]func(*bytes.Buffer) error{
		"export.csv":  func(b *bytes.Buffer) error { return WriteCSV(b, clusters) },
		"export.json": func(b *bytes.Buffer) error { return WriteJSON(b, clusters) },
		"export.md": func(b *bytes.Buffer) error {
			return WriteMarkdown(b, clusters, "Ollama & StackStorm: questions to answer")
		},
	}
	for name, write := range tests {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (go test ./analysis/questions/ -run TestExportGolden -update rewrites it):\n%s", name, b.String())
			}
		})
	}
}

func TestExportEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(b.String()); got != "{\n  \"clusters\": []\n}" {
		t.Errorf("WriteJSON(nil) = %q", got)
	}
	b.Reset()
	if err := WriteCSV(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "\n"); got != 1 {
		t.Errorf("WriteCSV(nil) wrote %d lines, want the header only", got)
	}
}

func TestSafeCell(t *testing.T) {
	tests := map[string]string{
		"=1+2":                   "'=1+2",
		"+1":                     "+1",
		"+SUM(A1:A2)":            "'+SUM(A1:A2)",
		"-2+3":                   "'-2+3",
		"-0.25":                  "-0.25",
		"@SUM(A1)":               "'@SUM(A1)",
		"\t=cmd":                 "'\t=cmd",
		"\r=cmd":                 "'\r=cmd",
		"How do I reset my PIN?": "How do I reset my PIN?",
		"":                       "",
		"a=b":                    "a=b",
	}
	for in, want := range tests {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCSVInjection checks that no cell WriteCSV writes can start a formula.
func TestCSVInjection(t *testing.T) {
	recs := sampleRecords()
	recs[0].Text = "=cmd|' /C calc'!A0"
	recs[1].Text = "@SUM(1+1)*cmd|' /C calc'!A0"
	recs[2].Text = "-2+3+cmd|' /C calc'!A0"
	recs[0].Community = "+evil"
	recs[0].Author = "=author"
	var b bytes.Buffer
	if err := WriteCSV(&b, Summarise(recs, now, 1)); err != nil {
		t.Fatal(err)
	}
	checkCSVSafe(t, b.Bytes())
	if !strings.Contains(b.String(), "'=cmd") && !strings.Contains(b.String(), "'@SUM") && !strings.Contains(b.String(), "'-2+3") {
		t.Errorf("neutralised payload missing from output:\n%s", b.String())
	}
}

func checkCSVSafe(tb testing.TB, data []byte) {
	tb.Helper()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		tb.Fatalf("CSV does not start with a UTF-8 byte-order mark")
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	rows, err := r.ReadAll()
	if err != nil {
		tb.Fatalf("output is not valid CSV: %v", err)
	}
	for _, row := range rows {
		if len(row) != len(CSVHeader) {
			tb.Fatalf("row has %d cells, want %d: %q", len(row), len(CSVHeader), row)
		}
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && SafeCell(cell) != cell {
				tb.Errorf("cell %q can start a formula", cell)
			}
		}
	}
}

func FuzzWriteCSV(f *testing.F) {
	f.Add("How do I reset my PIN?", "ollama", "alice", 3)
	f.Add("=1+1", "+x", "@y", -1)
	f.Add("\"quoted\", with comma\nand newline", "-c", "\t=z", 0)
	f.Fuzz(func(t *testing.T, text, community, author string, score int) {
		recs := []Record{
			{Cluster: "q-1", Text: text, Community: community, Author: author, Score: score, CreatedAt: now},
			{Cluster: "q-1", Text: author, Community: text, Author: community, Score: score, CreatedAt: now},
		}
		var b bytes.Buffer
		if err := WriteCSV(&b, Summarise(recs, now, 1)); err != nil {
			t.Fatal(err)
		}
		checkCSVSafe(t, b.Bytes())
	})
}

func TestWriteJSONRoundTrip(t *testing.T) {
	clusters := Summarise(sampleRecords(), now, 1)
	var b bytes.Buffer
	if err := WriteJSON(&b, clusters); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Clusters []Cluster `json:"clusters"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Clusters) != len(clusters) || got.Clusters[0].Question != clusters[0].Question {
		t.Errorf("round trip lost data: %+v", got.Clusters)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	c := []Cluster{{Rank: 1, ID: "q-1", Question: "# Why does <b>it</b> [link](x) *fail*?", Count: 1, Variants: []string{"1. not a list"}}}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, c, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<b>", "[link](x)", "*fail*", "\n- 1. not"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains unescaped %q:\n%s", bad, out)
		}
	}
}
