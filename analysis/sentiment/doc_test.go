package sentiment

import (
	"slices"
	"strings"
	"testing"
)

// docTexts are texts with targets for the Doc tests: real tweets and Reddit posts, and texts
// that exercise negation, "but", contrast, Title Case, boosters, emoticons as targets and
// \uXXXX escapes (spans inside an escape, and past the text, included).
func docTexts(tb testing.TB) []longPost {
	tb.Helper()
	out := benchPosts(tb)
	for _, tw := range benchTweets(tb) {
		lp := longPost{text: tw}
		for _, w := range strings.Fields(tw) {
			if sp := FindPhrase(tw, w); len(sp) > 0 && len(lp.targets) < 4 {
				lp.targets = append(lp.targets, sp)
			}
		}
		out = append(out, lp)
	}
	for _, s := range []string{
		"not Acme, but Globex is great. Acme never works!!! Really really bad",
		"I love my iPhone but Samsung phones are trash. Unlike Samsung, Apple just works",
		"Star Wars Acme is so good :) Acme :( sooo baaad",
		`I\u2019m sure Acme\u002c the worst\ud83d\ude00 is bad. Acme\u2019s fine though`,
		"> quoted Acme sucks\nAcme rocks\n```\nAcme\n```\nextremely good Acme /s",
	} {
		lp := longPost{text: s}
		for _, w := range []string{"acme", "globex", "samsung", ":)", "not", "but", "really"} {
			if sp := FindPhrase(s, w); len(sp) > 0 {
				lp.targets = append(lp.targets, sp)
			}
		}
		for i := 0; i <= len(s)+1; i += 7 {
			lp.targets = append(lp.targets, [][2]int{{i, i + 3}}, [][2]int{{i, i + 1}, {i + 9, i + 20}})
		}
		out = append(out, lp)
	}
	return out
}

// TestDocTargetTokens checks that a Doc's target tokens, which read again only the sentences
// that hold the target, are those of tokenising the text with the target marked.
func TestDocTargetTokens(t *testing.T) {
	m := mustDefault(t)
	e := m.extractor()
	for _, p := range docTexts(t) {
		e.parse(p.text)
		for _, spans := range p.targets {
			_, want := tokenizeWith(t, p.text, spans)
			got, first := e.targetTokens(spans)
			if first < 0 {
				if slices.ContainsFunc(want, func(tk token) bool { return tk.flags&fTarget != 0 }) {
					t.Errorf("%.40q %v: no target found", p.text, spans)
				}
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%.40q %v: tokens differ from tokenize's", p.text, spans)
			}
		}
	}
}

// TestScoreWithTargets checks that one Doc gives what Score and ScoreTarget give, whatever the
// order of its calls, and ScoreWithTargets the same.
func TestScoreWithTargets(t *testing.T) {
	m := mustDefault(t)
	var out []Result
	for _, p := range docTexts(t) {
		want := make([]Result, len(p.targets))
		for i, spans := range p.targets {
			want[i] = m.ScoreTarget(p.text, spans)
		}
		whole := m.Score(p.text)
		var got Result
		got, out = m.ScoreWithTargets(p.text, p.targets, out[:0])
		if got != whole || !slices.Equal(out, want) {
			t.Errorf("%.40q: ScoreWithTargets = %v %v, want %v %v", p.text, got, out, whole, want)
		}
		d := m.Parse(p.text)
		if got := d.Score(); got != whole {
			t.Errorf("%.40q: Doc.Score = %v, want %v", p.text, got, whole)
		}
		for i := len(p.targets) - 1; i >= 0; i-- {
			if got := d.Target(p.targets[i]); got != want[i] {
				t.Errorf("%.40q %v: Doc.Target = %v, want %v", p.text, p.targets[i], got, want[i])
			}
		}
		if got := d.Score(); got != whole {
			t.Errorf("%.40q: Doc.Score after targets = %v, want %v", p.text, got, whole)
		}
		d.Release()
	}
}
