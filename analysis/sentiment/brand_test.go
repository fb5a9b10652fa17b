package sentiment

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"
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

// TestSideWords checks lastWords, firstWords and firstPerson, which read words byte by byte,
// against splitting the whole text into words with strings.FieldsFunc.
func TestSideWords(t *testing.T) {
	fields := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '\'') })
	}
	texts := []string{"", "a", " a ", "i'm here", "moved to brandx, it's faster than otherx", "héllo wörld ça va", "x\xffy\xe2\x82z", "'' ' a'b"}
	for _, p := range benchPosts(t) {
		l := strings.ToLower(p.text)
		for k := 0; k < len(l); k += 53 {
			texts = append(texts, l[:k], l[k:min(len(l), k+80)])
		}
	}
	for _, s := range texts {
		ws := fields(s)
		for _, n := range []int{1, 3, 5, 6, 1000} {
			want := ws[max(0, len(ws)-n):]
			if got := lastWords(nil, s, n); !slices.Equal(got, want) {
				t.Fatalf("lastWords(%q, %d) = %q, want %q", s, n, got, want)
			}
			want = ws[:min(len(ws), n)]
			if got := firstWords(nil, s, n); !slices.Equal(got, want) {
				t.Fatalf("firstWords(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
		if got, want := firstPerson(s), hasAny(ws[:min(len(ws), 1000)], "i", "i'm", "i've", "my", "we", "our"); got != want {
			t.Fatalf("firstPerson(%q) = %v, want %v", s, got, want)
		}
	}
	// sides as it read words before: each side of each placeholder split from the whole text.
	last := func(s string, n int) []string { ws := fields(s); return ws[max(0, len(ws)-n):] }
	first := func(s string, n int) []string { ws := fields(s); return ws[:min(len(ws), n)] }
	sidesRef := func(s string) (from, to, winner, loser bool) {
		for i := 0; ; {
			k := strings.Index(s[i:], brandWord)
			if k < 0 {
				return
			}
			k += i
			before, after := last(s[:k], 3), first(s[k+len(brandWord):], 5)
			switch {
			case hasAny(before, "from", "unlike", "ditch", "ditched", "dropped", "replaced", "abandoned", "quit", "instead"):
				from = true
			case hasAny(before, "to") && hasAny(last(s[:k], 6), "switch", "switched", "moved", "move", "migrated", "went", "back", "came", "switching", "moving"):
				to = true
			case hasAny(before, "than", "over", "vs", "versus"):
				loser = true
			}
			if hasAny(after, "than") {
				winner = true
			}
			i = k + len(brandWord)
		}
	}
	for _, s := range []string{
		"i switched from brandx to otherx", "i moved back to brandx last week", "brandx is faster than otherx",
		"otherx is slower than brandx", "unlike brandx, it works", "we went to brandx, then from brandx to otherx",
		"switched over to the new brandx than ever", "brandx", "to brandx", "than brandx than",
	} {
		f1, t1, w1, l1 := sides(s)
		f2, t2, w2, l2 := sidesRef(s)
		if [4]bool{f1, t1, w1, l1} != [4]bool{f2, t2, w2, l2} {
			t.Errorf("sides(%q) = %v %v %v %v, want %v %v %v %v", s, f1, t1, w1, l1, f2, t2, w2, l2)
		}
	}
}

// TestLineKindASCII checks lineKind, which reads ASCII without decoding runes, against
// reading every rune.
func TestLineKindASCII(t *testing.T) {
	lineKindRef := func(l string) uint8 {
		if strings.Count(l, "|") >= 2 {
			return blockTable
		}
		var letters, nonSpace, spaces, syms int
		for _, r := range l {
			switch {
			case unicode.IsSpace(r):
				spaces++
				continue
			case unicode.IsLetter(r):
				letters++
			case strings.ContainsRune("{}[]();=<>$\\_/", r):
				syms++
			}
			nonSpace++
		}
		if nonSpace < 12 {
			return blockProse
		}
		if letters*10 < nonSpace*6 || syms*8 > nonSpace || (nonSpace >= 60 && spaces*20 < nonSpace) {
			return blockCode
		}
		return blockProse
	}
	lines := []string{"func main() { fmt.Println(x[0]); }", "a\u00a0b\u2003c\x85d\ve\ff — ça marche très bien, merci !", "x\xff\xfe = y_z / w;;;;;;;;;;;;"}
	for _, p := range benchPosts(t) {
		lines = append(lines, strings.Split(p.text, "\n")...)
	}
	for _, l := range lines {
		for k := 0; k <= len(l); k += 7 {
			if got, want := lineKind(l[k:]), lineKindRef(l[k:]); got != want {
				t.Fatalf("lineKind(%q) = %d, want %d", l[k:], got, want)
			}
		}
	}
}
