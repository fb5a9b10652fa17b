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
	if gpu.Count != 3 || gpu.Authors != 3 || gpu.TotalEngagement != 15 || gpu.Unattended != 2 {
		t.Errorf("count %d authors %d engagement %d unattended %d, want 3 3 15 2", gpu.Count, gpu.Authors, gpu.TotalEngagement, gpu.Unattended)
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

func TestRankScoreOrdering(t *testing.T) {
	base := Record{Cluster: "x", Text: "How do I reset my PIN?", CreatedAt: now, Score: 1, MentionID: "m1", Author: "ann"}
	other := base
	other.MentionID, other.Author = "m2", "bob"
	again := base
	again.MentionID = "m3"
	tests := map[string]struct{ better, worse []Record }{
		"frequency":        {better: []Record{base, other}, worse: []Record{base}},
		"askers not posts": {better: []Record{base, other}, worse: []Record{base, again}},
		"recency":          {better: []Record{base}, worse: []Record{withTime(base, now.Add(-60*24*time.Hour))}},
		"engagement":       {better: []Record{withScore(base, 100)}, worse: []Record{base}},
		"unattended":       {better: []Record{withUnattended(base)}, worse: []Record{base}},
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
				t.Errorf("%s differs from golden file:\n%s", name, b.String())
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
