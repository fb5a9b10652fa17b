package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/sentiment"
)

func runEval(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || args[0] != "sentiment" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(m.Stderr, "Usage: overhear eval sentiment --file labelled.jsonl")
			return nil
		}
		return usagef("usage: overhear eval sentiment --file labelled.jsonl")
	}
	fs := m.newFlags("eval sentiment", "eval sentiment --file labelled.jsonl   (lines: {\"text\", \"label\", optional \"target\"})")
	file := fs.String("file", "", "labelled JSONL; - reads stdin")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *file == "" {
		return usagef("--file is required")
	}
	var in io.Reader = m.Stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	scorer, err := analysis.DefaultScorer()
	if err != nil {
		return err
	}
	var gold, pred []string
	lines := newLineReader(in)
	targets := 0
	for {
		line, n, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		var row struct {
			Text   string `json:"text"`
			Label  string `json:"label"`
			Target string `json:"target"`
		}
		if err := json.Unmarshal(line, &row); err != nil {
			return usagef("%s line %d: invalid JSON: %v", *file, n, err)
		}
		label := strings.ToLower(strings.TrimSpace(row.Label))
		if !analysis.ValidLabel(label) {
			return usagef("%s line %d: label %q: use positive, neutral or negative", *file, n, row.Label)
		}
		var s analysis.Sentiment
		if row.Target != "" {
			targets++
			s = scorer.ScoreTargetPhrase(row.Text, row.Target)
		} else {
			s = scorer.Score(row.Text)
		}
		gold, pred = append(gold, label), append(pred, s.Label)
		if len(gold)%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if len(gold) == 0 {
		return usagef("%s has no labelled lines", *file)
	}
	fmt.Fprintf(m.Stdout, "%d examples (%d with a target, scored with target_sentiment)\n", len(gold), targets)
	return sentiment.Evaluate(gold, pred).WriteText(m.Stdout)
}
