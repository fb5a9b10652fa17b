package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/overhear/overhear/alerts/slack"
)

// -update rewrites the README's generated examples. The flag is shared with
// collectors/collectortest (imported by this package's tests), which defines it when it is linked.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files and the README's generated examples")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// readmePath is the repository's README, which the examples below are generated into.
var readmePath = filepath.Join("..", "..", "README.md")

// TestREADMEExamples checks that each example output in README.md, between
// `<!-- example:NAME -->` and `<!-- /example:NAME -->`, is what the real code prints, and
// rewrites the blocks with -update:
//
//	go test ./cmd/overhear -run TestREADMEExamples -update
//
// questions-export runs the README's commands, as written, with the real binary in an empty
// folder: the demo keeps its store, and `questions export` reads it through the embedded
// default config (storage.path overhear.db). slack-message is the text rendering of the Slack
// notifier's golden message (alerts/slack/testdata, which `go test ./alerts/slack -update`
// regenerates from slack.Render).
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]func(t *testing.T) string{
		"questions-export": questionsExportExample,
		"slack-message":    slackMessageExample,
	}
	out := readme
	for _, name := range []string{"questions-export", "slack-message"} {
		t.Run(name, func(t *testing.T) {
			got := examples[name](t)
			var want string
			out, want, err = replaceExample(out, name, got)
			if err != nil {
				t.Fatal(err)
			}
			if !updating() && got != want {
				t.Errorf("README.md's %s example differs from what the code prints (run go test ./cmd/overhear -run TestREADMEExamples -update if the change is intended)\ngot:\n%s\nREADME:\n%s", name, got, want)
			}
		})
	}
	if updating() && !bytes.Equal(out, readme) {
		if err := os.WriteFile(readmePath, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// replaceExample returns readme with the block named name replaced by body, and the block's
// old content.
func replaceExample(readme []byte, name, body string) ([]byte, string, error) {
	re := regexp.MustCompile(`(?s)(<!-- example:` + regexp.QuoteMeta(name) + ` -->\n)(.*?)(<!-- /example:` + regexp.QuoteMeta(name) + ` -->)`)
	loc := re.FindSubmatchIndex(readme)
	if loc == nil {
		return nil, "", fmt.Errorf("README.md has no <!-- example:%s --> … <!-- /example:%s --> block", name, name)
	}
	old := string(readme[loc[4]:loc[5]])
	var b bytes.Buffer
	b.Write(readme[:loc[4]])
	b.WriteString(body)
	b.Write(readme[loc[5]:])
	return b.Bytes(), old, nil
}

// exportCommands are the README's commands for the export example, as a user types them.
var exportCommands = [][]string{
	{"demo", "--store", "overhear.db", "--exit-after", "1s"},
	{"questions", "export", "--since", "400d", "--min-count", "2"},
}

// exportColumns are the CSV columns the example shows, and exportRows how many clusters.
var (
	exportColumns = []string{"rank", "score", "question", "posts", "authors", "communities", "brands", "variants", "cluster"}
	exportRows    = 3
)

func questionsExportExample(t *testing.T) string {
	bin := overhearBinary(t)
	dir := t.TempDir()
	var stdout []byte
	for _, args := range exportCommands {
		run := args
		if args[0] == "demo" {
			// The README's demo serves on the default 127.0.0.1:9464; the test takes any port.
			run = append(append([]string{}, args...), "--listen", "127.0.0.1:0")
		}
		cmd := exec.Command(bin, run...)
		cmd.Dir = dir
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("overhear %s: %v\n%s", strings.Join(run, " "), err, errb.String())
		}
		stdout = out
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(stdout, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("questions export printed no CSV: %v\n%s", err, stdout)
	}
	if len(rows) < 2 {
		t.Fatalf("questions export on the demo store found no recurring question:\n%s", stdout)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var table bytes.Buffer
	w := csv.NewWriter(&table)
	for i, r := range rows[:min(len(rows), exportRows+1)] {
		line := make([]string, len(exportColumns))
		for j, c := range exportColumns {
			k, ok := col[c]
			if !ok {
				t.Fatalf("questions export has no %q column: %q", c, rows[0])
			}
			line[j] = r[k]
			if i == 0 {
				line[j] = c
			}
		}
		w.Write(line)
	}
	w.Flush()
	var b strings.Builder
	b.WriteString("```sh\n")
	for _, args := range exportCommands {
		b.WriteString("overhear " + strings.Join(args, " ") + "\n")
	}
	b.WriteString("```\n\n```\n")
	b.WriteString(table.String())
	b.WriteString("```\n")
	return b.String()
}

func slackMessageExample(t *testing.T) string {
	raw, err := os.ReadFile(filepath.Join("..", "..", "alerts", "slack", "testdata", "unattended_questions.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var msg slack.Message
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	return "```\n" + renderSlackText(msg) + "```\n"
}

// slackEmoji are the shortcodes slack.Render puts in headers, as Slack shows them.
var slackEmoji = strings.NewReplacer(
	":chart_with_downwards_trend:", "📉", ":chart_with_upwards_trend:", "📈", ":raising_hand:", "🙋",
	":rotating_light:", "🚨", ":new:", "🆕", ":newspaper:", "📰", ":white_check_mark:", "✅",
)

var (
	slackLink = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]*)>`)
	slackBold = regexp.MustCompile(`\*([^*\n]+)\*`)
	// slackUnescape undoes the three escapes Slack's mrkdwn needs, after links are read.
	slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// renderSlackText renders a Block Kit message as plain text, roughly as Slack lays it out:
// links as their text with the URL after an arrow, bold as plain, quotes with a bar.
func renderSlackText(m slack.Message) string {
	mrkdwn := func(s string) string {
		s = slackLink.ReplaceAllString(s, "$2  → $1")
		s = slackBold.ReplaceAllString(s, "$1")
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, ">") {
				lines[i] = "│ " + strings.TrimPrefix(l, ">")
			}
		}
		return slackUnescape.Replace(strings.Join(lines, "\n"))
	}
	var b strings.Builder
	for i, bl := range m.Blocks {
		switch bl.Type {
		case "header":
			b.WriteString(slackEmoji.Replace(bl.Text.Text) + "\n")
		case "section":
			if i > 0 && m.Blocks[i-1].Type == "section" {
				b.WriteString("\n")
			}
			if bl.Text != nil {
				b.WriteString(mrkdwn(bl.Text.Text) + "\n")
			}
			for _, f := range bl.Fields {
				b.WriteString(mrkdwn(f.Text) + "\n")
			}
		case "divider":
			b.WriteString(strings.Repeat("─", 60) + "\n")
		case "context":
			b.WriteString("\n")
			var parts []string
			for _, e := range bl.Elements {
				parts = append(parts, mrkdwn(e.Text))
			}
			b.WriteString(strings.Join(parts, " · ") + "\n")
		}
	}
	return b.String()
}
