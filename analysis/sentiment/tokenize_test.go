package sentiment

import (
	"slices"
	"testing"
)

// tokenizeWith runs the tokenizer of the embedded model over text.
func tokenizeWith(tb testing.TB, text string, spans [][2]int) (*extractor, []token) {
	tb.Helper()
	m := mustDefault(tb)
	e := &extractor{tokenizer: tokenizer{lex: &m.lex}}
	e.tokenize(text, spans)
	return e, e.toks
}

func hashes(words ...string) []uint64 {
	out := make([]uint64, len(words))
	for i, w := range words {
		out[i] = hashString(w)
	}
	return out
}

func tokHashes(toks []token) []uint64 {
	out := make([]uint64, len(toks))
	for i, tk := range toks {
		out[i] = tk.h
	}
	return out
}

// TestTokenize checks the normalisation of social text, one phenomenon per case.
func TestTokenize(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // normalised tokens
	}{
		{"elongation", "sooo goood", []string{"so", "good"}},
		{"elongation to a lexicon word", "I loooove it", []string{"i", "love", "it"}},
		{"caps are lower cased", "This is AWESOME", []string{"this", "is", "awesome"}},
		{"apostrophes", "I don't like it, it’s meh", []string{"i", "dont", "like", "it", ",", "its", "meh"}},
		{"slang", "luv u, thx", []string{"love", "you", ",", "thanks"}},
		{"emoticons", "great :-) :( <3 xD", []string{"great", ":)", ":(", "<3", ":D"}},
		{"html heart", "you &lt;3", []string{"you", "<3"}},
		{"emoji with skin tone", "nice 👍🏽👍", []string{"nice", "👍", "👍"}},
		{"url", "see https://example.com/a?b=c now", []string{"see", "<url>", "now"}},
		{"crowdflower link", "new app {link} #sxsw", []string{"new", "app", "<url>", "sxsw"}},
		{"user mention is dropped", "@user thanks @support_team", []string{"thanks"}},
		{"GoEmotions placeholder", "[NAME] is right", []string{"[name]", "is", "right"}},
		{"numbers", "waited 45 minutes", []string{"waited", "<num>", "minutes"}},
		{"markdown emphasis and links", "**Great** [docs](https://x.io) _here_", []string{"great", "docs", "<url>", "here"}},
		{"quoted line skipped", "> this is garbage\nI agree", []string{"i", "agree"}},
		{"html quoted line skipped", "&gt; this is garbage\nI agree", []string{"i", "agree"}},
		{"code fence skipped", "look:\n```\nerror: failed\n```\nfixed", []string{"look", ".", "fixed"}},
		{"punctuation", "what?! no...", []string{"what", "?", "!", "no", "."}},
		{"time is not an emoticon", "at 10:30", []string{"at", "<num>", ".", "<num>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, toks := tokenizeWith(t, tt.text, nil)
			if got, want := tokHashes(toks), hashes(tt.want...); !slices.Equal(got, want) {
				t.Errorf("tokenize(%q) = %d tokens %v, want %q", tt.text, len(got), got, tt.want)
			}
		})
	}
}

// TestShifters checks the flags that shift polarity: negation scope, "but", caps, elongation.
func TestShifters(t *testing.T) {
	tests := []struct {
		name, text string
		word       string // the token to inspect
		flags      uint8  // flags it must have
		without    uint8  // flags it must not have
	}{
		{"negated", "this is not good", "good", fNeg, 0},
		{"negation ends at punctuation", "not bad, good", "good", 0, fNeg},
		{"negation reaches a few words", "I don't think it's good", "good", fNeg, 0},
		{"negation via n't split", "i do n't like it", "like", fNeg, 0},
		{"not negated", "this is good", "good", 0, fNeg},
		{"before but", "nice screen but awful battery", "nice", fBeforeBut, fAfterBut},
		{"after but", "nice screen but awful battery", "awful", fAfterBut, fBeforeBut},
		{"caps", "this is TERRIBLE", "terrible", fCaps, 0},
		{"elongated", "so gooood", "good", fElong, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, toks := tokenizeWith(t, tt.text, nil)
			h := hashString(tt.word)
			i := slices.IndexFunc(toks, func(tk token) bool { return tk.h == h })
			if i < 0 {
				t.Fatalf("no token %q in %q", tt.word, tt.text)
			}
			if f := toks[i].flags; f&tt.flags != tt.flags || f&tt.without != 0 {
				t.Errorf("%q in %q: flags %08b, want %08b set and %08b clear", tt.word, tt.text, f, tt.flags, tt.without)
			}
		})
	}
}

// TestLexiconShifters checks that the shifters move the lexicon valence as VADER does.
func TestLexiconShifters(t *testing.T) {
	valence := func(text, word string) float32 {
		_, toks := tokenizeWith(t, text, nil)
		h := hashString(word)
		for _, tk := range toks {
			if tk.h == h {
				return tk.lex
			}
		}
		t.Fatalf("no token %q in %q", word, text)
		return 0
	}
	base := valence("it is good", "good")
	if base <= 0 {
		t.Fatalf("good has valence %v, want > 0", base)
	}
	for _, c := range []struct {
		text string
		less bool // the valence must be below base (else above)
	}{
		{"it is not good", true},
		{"it is very good", false},
		{"it is slightly good", true},
		{"it is GOOD, I say", false},
		{"it is goood", false},
		{"it is good but", true}, // before "but" counts half
	} {
		v := valence(c.text, "good")
		if c.less && v >= base || !c.less && v <= base {
			t.Errorf("valence of good in %q = %v, base %v", c.text, v, base)
		}
	}
	if v := valence("it is not good", "good"); v >= 0 {
		t.Errorf("negated good has valence %v, want < 0", v)
	}
}

func TestSarcasmMarker(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Oh great, another update that breaks everything /s", true},
		{"Love waiting on hold for an hour #sarcasm", true},
		{"see /src/main.go and 5/s throughput", false},
		{"it works", false},
	} {
		e, _ := tokenizeWith(t, c.text, nil)
		if e.doc.sarcasm != c.want {
			t.Errorf("sarcasm(%q) = %v, want %v", c.text, e.doc.sarcasm, c.want)
		}
	}
}

func TestMarkSpans(t *testing.T) {
	text := "Acme broke, Globex works"
	_, toks := tokenizeWith(t, text, [][2]int{{12, 18}})
	var marked []int
	for i, tk := range toks {
		if tk.flags&fTarget != 0 {
			marked = append(marked, i)
			if tk.h != hTarget {
				t.Errorf("target token %d keeps its own hash", i)
			}
		}
	}
	if !slices.Equal(marked, []int{3}) {
		t.Errorf("target tokens %v, want [3] (Globex)", marked)
	}
}
