package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overhear/overhear/analysis/sentiment"
)

// TestTrainDeterministic runs the whole command twice on a tiny copy of the data layout
// (testdata/data, see testdata/README.md) and expects the same model bytes.
func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	build := func(name string, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append([]string{"--data", "testdata/data", "--out", out, "--bits", "12", "--target-bits", "12", "--net-bits", "12", "-q"}, extra...)
		if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := build("a.bin"), build("b.bin")
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs wrote different models (%d and %d bytes)", len(a), len(b))
	}
	if bytes.Equal(a, build("c.bin", "--seed", "99")) {
		t.Error("another seed wrote the same model: the test cannot tell runs apart")
	}
	if _, err := sentiment.Load(bytes.NewReader(a)); err != nil {
		t.Errorf("the written model does not load: %v", err)
	}
}

func TestEvalReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.bin")
	var stdout bytes.Buffer
	args := []string{"--data", "testdata/data", "--out", out, "--bits", "12", "--target-bits", "12", "--net-bits", "12", "-q", "--eval"}
	if err := run(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"GoEmotions dev (Reddit): macro-F1", "TweetEval val: macro-F1", "Dong-2014 target dev: macro-F1"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("--eval output lacks %q:\n%s", s, stdout.String())
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"extra-arg"}} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
	if err := run(context.Background(), []string{"-h"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run(-h) = %v, want flag.ErrHelp", err)
	}
}

// TestMissingData checks that a data folder without the files a run needs fails at once, as a
// usage error that names every missing file and the flag to set, before anything is read.
func TestMissingData(t *testing.T) {
	partial := t.TempDir()
	for _, f := range devFiles {
		b, err := os.ReadFile(filepath.Join("testdata", "data", f))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(partial, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"no folder, eval-only": {
			[]string{"--data", "testdata/missing", "--eval-only", "--baselines"},
			append([]string{"testdata/missing", "--data", "docs/accuracy.md"}, devFiles...),
		},
		"no folder, training": {
			[]string{"--data", "testdata/missing", "--out", filepath.Join(t.TempDir(), "m.bin")},
			append(append([]string{"--data"}, devFiles...), trainFiles...),
		},
		"dev sets only, training": {
			[]string{"--data", partial, "--out", filepath.Join(t.TempDir(), "m.bin")},
			trainFiles,
		},
		"no model to measure": {
			[]string{"--data", partial, "--eval-only", "--out", filepath.Join(t.TempDir(), "none.bin")},
			[]string{"--eval-only", "none.bin"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, io.Discard)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("run(%q) = %v, want a usage error", tc.args, err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q: %v", s, err)
				}
			}
		})
	}
}

func TestRuneToByte(t *testing.T) {
	text := "héllo wörld"
	got := runeToByte(text, [][2]int{{6, 11}, {0, 5}})
	if len(got) != 2 || text[got[0][0]:got[0][1]] != "wörld" || text[got[1][0]:got[1][1]] != "héllo" {
		t.Errorf("runeToByte = %v", got)
	}
}
