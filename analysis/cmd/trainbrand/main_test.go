package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overhear/overhear/analysis/sentiment"
)

// TestMissingData checks that a data folder without the files a run needs fails at once with
// an error that names every missing file and the flag to set.
func TestMissingData(t *testing.T) {
	onlyCommunity := t.TempDir()
	for _, f := range communityFiles {
		p := filepath.Join(onlyCommunity, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		args, want, notWant []string
	}{
		"no folder, eval-only": {
			args: []string{"--data", "testdata/missing", "--eval-only", "--baselines"},
			want: append([]string{"testdata/missing", "--data", "docs/accuracy.md"}, communityFiles...),
			// Measuring does not need the sentence head's sets.
			notWant: sentenceFiles,
		},
		"no folder, training": {
			args: []string{"--data", "testdata/missing", "--out", filepath.Join(t.TempDir(), "b.bin")},
			want: append(append([]string{"--data"}, communityFiles...), sentenceFiles...),
		},
		"community set only, training": {
			args:    []string{"--data", onlyCommunity, "--out", filepath.Join(t.TempDir(), "b.bin")},
			want:    sentenceFiles,
			notWant: communityFiles,
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(tc.args, io.Discard, io.Discard)
			if err == nil {
				t.Fatalf("run(%q): no error", tc.args)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q: %v", s, err)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error names %q, which this run does not need: %v", s, err)
				}
			}
		})
	}
}

// TestVADERBaseline checks the baseline's thresholds on clear cases: VADER reads the whole
// post, so every brand of a post gets the post's label.
func TestVADERBaseline(t *testing.T) {
	xs := []sentiment.BrandExample{
		{Text: "Ollama is great, I love it!"},
		{Text: "Ollama crashes every time. Terrible, awful experience."},
		{Text: "Ollama 0.5 is out."},
	}
	got := vaderBaseline(xs)
	want := []string{sentiment.Positive, sentiment.Negative, sentiment.Neutral}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%q: %s, want %s", xs[i].Text, got[i], want[i])
		}
	}
}
