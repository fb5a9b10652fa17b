package sentiment

import (
	"strings"
	"testing"
)

// TestCueSet checks that cueSet finds what strings.Contains finds, cue by cue, on real posts
// and on edge cases (a cue at either end, overlapping cues, a text shorter than a cue).
func TestCueSet(t *testing.T) {
	texts := []string{"", "c", "crash", "xcrash", "crashx", "cras", "oomoom", "doesn't work", "i built it, it's broken, thank you", "launch"}
	for _, p := range benchPosts(t) {
		l := strings.ToLower(p.text)
		texts = append(texts, l)
		for k := 1; k < len(l); k += 97 {
			texts = append(texts, l[:k], l[k:])
		}
	}
	for _, s := range texts {
		h := brandCues.find(s)
		for l, cues := range [][]string{cueProblem: problemCues, cuePraise: praiseCues, cueShowcase: showcaseCues} {
			n := 0
			for i, c := range cues {
				want := strings.Contains(s, c)
				if brandCues.has(h, l, i) != want {
					t.Fatalf("find(%.40q): cue %q found %v, want %v", s, c, !want, want)
				}
				if want {
					n++
				}
			}
			if got := brandCues.count(h, l); got != n {
				t.Fatalf("find(%.40q): list %d count %d, want %d", s, l, got, n)
			}
		}
	}
}

// TestBrandReadsPostOnce checks that a Doc's brand results, which share what the post says
// beyond each brand's spans, are those of a fresh Doc per brand, in any order.
func TestBrandReadsPostOnce(t *testing.T) {
	m := mustDefault(t)
	for _, p := range benchPosts(t) {
		others := func(j int) [][2]int {
			var o [][2]int
			for k, sp := range p.targets {
				if k != j {
					o = append(o, sp...)
				}
			}
			return o
		}
		want := make([]Result, len(p.targets))
		for j, sp := range p.targets {
			d := m.Parse(p.text)
			want[j] = d.Brand(sp, others(j), true)
			d.Release()
		}
		d := m.Parse(p.text)
		for j := len(p.targets) - 1; j >= 0; j-- {
			if got := d.Brand(p.targets[j], others(j), true); got != want[j] {
				t.Errorf("%.30q brand %d: %v in a shared Doc, %v alone", p.text, j, got, want[j])
			}
		}
		d.Release()
	}
}
