package sentiment

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// VADERLexicon builds a lexicon for NewModel from VADER's word list (token, mean valence,
// ...; tab separated) and emoji list (emoji, description). Multi-word entries are skipped;
// an emoji gets the summed valence of the words of its description, as VADER reads an emoji as
// its description. Emoticons are stored under the classes the tokenizer maps them to.
func VADERLexicon(words, emoji []byte) (map[string]float64, error) {
	lex := map[string]float64{}
	raw := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(words))
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 || strings.ContainsRune(cols[0], ' ') {
			continue
		}
		v, err := strconv.ParseFloat(cols[1], 64)
		if err != nil {
			return nil, fmt.Errorf("sentiment: lexicon line %d: %w", line, err)
		}
		raw[cols[0]] = v
		if isWordy(cols[0]) {
			lex[NormalizeWord(cols[0])] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sentiment: read lexicon: %w", err)
	}
	for _, e := range emoticons {
		if _, ok := lex[e.class]; ok {
			continue
		}
		if v, ok := raw[e.class]; ok {
			lex[e.class] = v
		} else if v, ok := raw[strings.ToLower(e.class)]; ok {
			lex[e.class] = v
		}
	}
	if _, ok := lex["D:"]; !ok {
		lex["D:"] = -1.5 // not in VADER: a horrified face
	}
	sc = bufio.NewScanner(bytes.NewReader(emoji))
	for sc.Scan() {
		cols := strings.SplitN(sc.Text(), "\t", 2)
		if len(cols) < 2 {
			continue
		}
		r, size := utf8.DecodeRuneInString(cols[0])
		if !isEmoji(r) {
			continue
		}
		var v float64
		for _, w := range strings.Fields(cols[1]) {
			v += lex[NormalizeWord(w)]
		}
		if v != 0 {
			lex[cols[0][:size]] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sentiment: read emoji lexicon: %w", err)
	}
	for w, v := range supplement {
		if _, ok := lex[w]; !ok {
			lex[w] = v
		}
	}
	return lex, nil
}

// supplement adds social-media words and emoji that VADER's lists lack or describe without a
// rated word ("pouting face"), on VADER's -4..4 scale. Entries VADER has are left alone.
var supplement = map[string]float64{
	"slaps": 2, "lit": 1.5, "goated": 2.5, "bussin": 2, "sus": -1, "mid": -1, "yikes": -1.5,
	"fml": -2.5, "trash": -2, "garbage": -2.2, "cringe": -1.8, "buggy": -1.8, "laggy": -1.5,
	"bloated": -1.2, "crashes": -1.7, "crashing": -1.7, "crashed": -1.7, "unusable": -2.5,
	"janky": -1.5, "scammy": -2.5, "ripoff": -2.5, "overpriced": -1.8, "smooth": 1.5,
	"😡": -2.5, "🤬": -3, "😤": -1.5, "😒": -1.5, "🙄": -1.5, "👎": -2, "🔥": 1.5, "💯": 1.5,
	"👏": 1.5, "🙏": 1, "❤": 3,
}

func isWordy(s string) bool {
	for _, r := range s {
		if !(r == '\'' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return s != ""
}
