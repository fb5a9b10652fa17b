package sentiment

import (
	"bytes"
	"strings"
	"testing"
)

// brandCase is a brand mention with its expected label; text is a title, a blank line and a
// body, as a mention's full text.
type brandCase struct {
	name, text, brand, other, want string
}

// spansOf returns the case-insensitive word spans of name in text.
func spansOf(text, name string) [][2]int {
	if name == "" {
		return nil
	}
	return FindPhrase(text, name)
}

func TestBrandSentiment(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasBrandHead() {
		t.Fatal("the embedded model has no brand head")
	}
	neutralPad := strings.Repeat("I run it on a desktop with 32 GB of RAM and an RTX 3090, on Ubuntu 24.04 with the latest drivers. ", 15)
	cases := []brandCase{
		// A product problem reported in a help post is negative (the failures 2).
		{"error in help post", "Modelfile parameter error\n\nI am new to editing ModelFiles in Acme. I tried setting n_seq_max to 1, but Acme is giving me error \"Couldn't set parameter: unknown parameter\". Same error with num_seq_max.", "Acme", "", Negative},
		{"crash after update", "Acme crashes at model load\n\nEvery version above 0.16 crashes at model load. It broke after the update and won't load my model anymore.", "Acme", "", Negative},
		// One clear statement is not diluted by a long neutral post (failure 1).
		{"praise in a long post", "My setup\n\n" + neutralPad + "I love how simple Acme is, it just works and has been solid for me. " + neutralPad, "Acme", "", Positive},
		// A switch is negative for the side left (failure 2's "switched from X to Y").
		{"switched away", "Switched\n\nI switched from Acme to Globex and it is so much faster, Acme was a constant pain with crashes.", "Acme", "Globex", Negative},
		// A factual mention is neutral (failure 4).
		{"factual", "Release notes\n\nAcme 0.5.2 is out with support for two new model families and a new CLI flag.", "Acme", "", Neutral},
		// Named only inside a URL: nothing is said of it.
		{"url only", "My notes on quantisation\n\nI wrote down what I measured on my laptop: https://github.com/someone/notes (see the tables).", "GitHub", "", Neutral},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.ScoreBrand(c.text, true, spansOf(c.text, c.brand), spansOf(c.text, c.other))
			if r.Label != c.want {
				t.Errorf("%s: %v, want %s\n%s", c.brand, r, c.want, BrandContext(c.text, true, spansOf(c.text, c.brand), spansOf(c.text, c.other)))
			}
		})
	}
}

// TestBrandLabelFollowsScore checks that the brand label is the documented threshold on the
// score (the failure 7: panels on the label and on the score must agree).
func TestBrandLabelFollowsScore(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	neg, pos := m.BrandThresholds()
	if !(neg < pos) {
		t.Fatalf("thresholds %v, %v", neg, pos)
	}
	texts := []string{"Acme is great", "Acme broke again", "Acme 1.2 released", "Why does Acme use my CPU?\n\nIt ignores the GPU.", "thanks Acme team!"}
	for _, text := range texts {
		r := m.ScoreBrand(text, strings.Contains(text, "\n\n"), FindPhrase(text, "Acme"), nil)
		want := Neutral
		if r.Score < neg {
			want = Negative
		} else if r.Score > pos {
			want = Positive
		}
		if r.Label != want {
			t.Errorf("%q: %v, want label %s for thresholds %v/%v", text, r, want, neg, pos)
		}
	}
}

func TestBrandHeadRoundTrip(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteBrandTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), embeddedBrand) {
		t.Error("writing the loaded brand head does not give the embedded file back")
	}
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), embeddedBrand...)
	bad[len(bad)/2] ^= 1
	if err := b.LoadBrand(bytes.NewReader(bad)); err == nil {
		t.Error("a corrupt brand head loaded")
	}
}

func TestSegmentText(t *testing.T) {
	text := "How it works\n\nFirst sentence. Second one!\n| col | col |\n```\nx = f(y)\n```\n> quoted words here and more\nlast"
	var kinds []uint8
	var got []string
	for _, s := range segmentText(text, nil) {
		got = append(got, text[s.start:s.end])
		kinds = append(kinds, s.block)
	}
	want := []string{"How it works", "First sentence.", "Second one!", "| col | col |", "```", "x = f(y)", "```", "> quoted words here and more", "last"}
	wantKinds := []uint8{blockProse, blockProse, blockProse, blockTable, blockCode, blockCode, blockCode, blockQuote, blockProse}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sentences %q, want %q", got, want)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Errorf("%q: block %d, want %d", got[i], kinds[i], wantKinds[i])
		}
	}
}
