package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/analysis/sentiment"
)

// evalFixture holds real labelled posts (see testdata/README.md): whole-post lines, one target
// line and brand lines, three of them in German, Italian and Spanish.
const evalFixture = "testdata/eval-sentiment.jsonl"

// analyzeLine runs `overhear analyze` on one mention and returns its output line.
func analyzeLine(tb testing.TB, args []string, mention map[string]any) map[string]json.RawMessage {
	tb.Helper()
	line, err := json.Marshal(mention)
	if err != nil {
		tb.Fatal(err)
	}
	m, out, errb := testMain(string(line))
	if code := m.Run(context.Background(), append([]string{"analyze"}, args...)); code != 0 {
		tb.Fatalf("analyze = %d: %s", code, errb.String())
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		tb.Fatalf("analyze output %q: %v", out.String(), err)
	}
	return res
}

// Eval scores every fixture line as `overhear analyze` does (whole-post lines as `sentiment`,
// the target line as `target_sentiment`, brand lines as the brand's entry in `brands`, with the
// config's other brands beside it), leaves the mentions analyze marks unscored out of the
// figures, and reports whole-post and brand lines separately.
func TestEvalSentimentMatchesAnalyze(t *testing.T) {
	raw, err := os.ReadFile(evalFixture)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	var postGold, postPred, brandGold, brandPred []string
	unscored := 0
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var row struct {
			Title, Text, Target, Brand, Query, Label string
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		mention := map[string]any{"id": "x", "title": row.Title, "text": row.Text}
		if row.Brand == "" {
			key := "sentiment"
			if row.Target != "" {
				mention["target"], key = row.Target, "target_sentiment"
			}
			var s analysis.Sentiment
			if err := json.Unmarshal(analyzeLine(t, nil, mention)[key], &s); err != nil {
				t.Fatal(err)
			}
			postGold, postPred = append(postGold, row.Label), append(postPred, s.Label)
			continue
		}
		var args []string
		for _, b := range cfg.Brands {
			if b.Name != row.Brand || row.Query == "" {
				args = append(args, "--brand", b.Name+"="+b.Query)
			}
		}
		if row.Query != "" {
			args = append(args, "--brand", row.Brand+"="+row.Query)
		}
		var brands []analysis.BrandResult
		if err := json.Unmarshal(analyzeLine(t, args, mention)["brands"], &brands); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range brands {
			if b.Name != row.Brand {
				continue
			}
			found = true
			if b.Sentiment.Unscored {
				unscored++
			} else {
				brandGold, brandPred = append(brandGold, row.Label), append(brandPred, b.Sentiment.Label)
			}
		}
		if !found {
			t.Fatalf("fixture line names %s, but analyze does not find it in %q", row.Brand, row.Text)
		}
	}
	if unscored != 3 || len(brandGold) != 15 || len(postGold) != 6 {
		t.Fatalf("fixture: %d whole-post lines, %d scored and %d unscored brand lines; want 6, 15 and 3", len(postGold), len(brandGold), unscored)
	}

	m, out, errb := testMain("")
	if code := m.Run(context.Background(), []string{"eval", "sentiment", "--file", evalFixture}); code != 0 {
		t.Fatalf("eval sentiment = %d: %s", code, errb.String())
	}
	if errb.Len() > 0 {
		t.Errorf("stderr: %s", errb.String())
	}
	got := out.String()
	post, brand, ok := strings.Cut(got, "sentiment toward the brand:")
	if !ok {
		t.Fatalf("no brand section:\n%s", got)
	}
	for _, tc := range []struct {
		section, want string
	}{
		{post, "whole-post sentiment: 6 lines (1 with a target, scored as target_sentiment), 0 not scored\n"},
		{post, evalText(t, postGold, postPred)},
		{brand, " 18 lines, 3 not scored (not English: de 1, es 1, it 1), 0 where the brand's query does not match the text\n"},
		{brand, evalText(t, brandGold, brandPred)},
		// 4 of the 15 scored brand mentions are neutral; 1 of the 6 whole-post lines.
		{brand, "all-neutral baseline: macro-F1 0.140  accuracy 0.267\n"},
		{post, "all-neutral baseline: macro-F1 0.095  accuracy 0.167\n"},
	} {
		if !strings.Contains(tc.section, tc.want) {
			t.Errorf("report lacks %q:\n%s", tc.want, got)
		}
	}
	t.Logf("overhear eval sentiment --file %s\n%s", evalFixture, got)
}

// evalText is what Evaluation.WriteText writes for these labels.
func evalText(tb testing.TB, gold, pred []string) string {
	tb.Helper()
	var b bytes.Buffer
	if err := sentiment.Evaluate(gold, pred).WriteText(&b); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// A bad line is reported on stderr with its number and skipped; the rest is scored.
func TestEvalSentimentBadLines(t *testing.T) {
	in := strings.Join([]string{
		`{"text":"Thank you. I really appreciate your response","label":"positive"}`,
		`{broken`,
		`{"text":"Ollama is fine","label":"great"}`,
		`{"text":"Acme is down again","brand":"Acme","label":"negative"}`,
		`{"text":"Acme is down again","brand":"Acme","query":"(acme","label":"negative"}`,
		`{"text":"Ollama is down again","brand":"Ollama","target":"Ollama","label":"negative"}`,
		`{"text":"LM Studio works for me","brand":"Ollama","label":"neutral"}`,
		`{"label":"neutral"}`,
		``,
		`{"text":"Ollama keeps crashing at model load since the update.","brand":"ollama","label":"negative"}`,
		`{"text":"acme","query":"acme","label":"neutral"}`,
		`{"text":"  ","title":"","label":"neutral"}`,
		`{"text":"Ollama is great","brand":"Ollama","label":""}`,
	}, "\n")
	m, out, errb := testMain(in)
	if code := m.Run(context.Background(), []string{"eval", "sentiment", "--file", "-"}); code != 0 {
		t.Fatalf("eval sentiment = %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"stdin line 2: invalid JSON",
		`stdin line 3: label "great": use positive, neutral or negative`,
		`stdin line 4: brand "Acme" is not configured: give its "query" on the line, or --brand 'Acme=QUERY'`,
		`stdin line 5: brand "Acme": query:`,
		"stdin line 6: both brand and target",
		`stdin line 7: note: brand "Ollama": its query does not match the text; not scored`,
		"stdin line 8: missing text",
		"stdin line 11: query without brand",
		"stdin line 12: empty text and title",
		"stdin line 13: missing label",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if n := strings.Count(errb.String(), "\n"); n != 10 {
		t.Errorf("%d stderr lines, want 10:\n%s", n, errb.String())
	}
	for _, want := range []string{
		"whole-post sentiment: 1 lines",
		"sentiment toward the brand: 2 lines, 0 not scored, 1 where the brand's query does not match the text\nitems 1 ",
		"9 bad lines skipped (see stderr)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestEvalSentimentArgs(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "brands:\n  - name: Acme\n    query: acme\n")
	acme := `{"text":"Acme broke after the update and now crashes every time.","brand":"Acme","label":"negative"}`
	tests := []struct {
		name     string
		args     []string
		stdin    string
		want     int
		wantOut  string
		wantErrs string
	}{
		{"brand from --config", []string{"--config", cfg}, acme, 0, "sentiment toward the brand: 1 lines", ""},
		{"brand from --brand", []string{"--brand", "Acme=acme OR acmeco"}, acme, 0, "sentiment toward the brand: 1 lines", ""},
		{"brand not in the embedded config", nil, acme + "\n" + acme, 2, "", `stdin line 2: brand "Acme" is not configured`},
		{"only bad lines", nil, "{broken\n", 2, "", "no usable labelled lines (1 bad, see above)"},
		{"no lines", nil, "\n\n", 2, "", "has no labelled lines"},
		{"bad --brand", []string{"--brand", "Acme"}, acme, 2, "", "want 'Name=QUERY'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, errb := testMain(tt.stdin)
			args := append([]string{"eval", "sentiment", "--file", "-"}, tt.args...)
			if code := m.Run(context.Background(), args); code != tt.want {
				t.Fatalf("exit %d, want %d: %s", code, tt.want, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errb.String(), tt.wantErrs) {
				t.Errorf("stdout %q (want %q), stderr %q (want %q)", out.String(), tt.wantOut, errb.String(), tt.wantErrs)
			}
		})
	}
}
