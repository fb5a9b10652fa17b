package questions

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The hand-written scanners of the detection fast path must give exactly
// what the patterns they replace give.

var reInterjection = regexp.MustCompile(`^(?:a+w+|a+h+|o+h+|h+m+|u+m+|u+h+|l+o+l+|ha(?:ha)+h?|he(?:he)+|lmf?a+o+|ro+fl|o+k+|y+a+y+|w+o+w+|hey+|hi+|heh+|wb)$`)

func TestIsInterjectionMatchesPattern(t *testing.T) {
	const alpha = "awhomulefrkyib'1"
	var rec func(w string, n int)
	rec = func(w string, n int) {
		if got, want := isInterjection(w), reInterjection.MatchString(w); got != want {
			t.Fatalf("isInterjection(%q) = %v, want %v", w, got, want)
		}
		if n == 0 {
			return
		}
		for i := 0; i < len(alpha); i++ {
			rec(w+alpha[i:i+1], n-1)
		}
	}
	rec("", 4)
	for _, w := range []string{"hahahahahah", "hahahahahahh", "hehehehehe", "lmfaoooooo", "lmfaaooo", "roooofl",
		"yaaaaayyyy", "heyyyyyy", "hiiiii", "wowww", "aaawww", "ooookkk", "lolololol"} {
		if got, want := isInterjection(w), reInterjection.MatchString(w); got != want {
			t.Errorf("isInterjection(%q) = %v, want %v", w, got, want)
		}
	}
}

// scanCases are the pieces random texts for the scanner tests are made of.
var scanCases = []string{"@", "u", "U", "/", "-", ".", "1", "23", "user", "USER", "x", "_", " ", "\t", "é",
	"http", "HTTPS", "://", "www", "WwW.", "'", "<", "\"", "s", "ſ", "\u212a"}

func checkScanners(t *testing.T, s string) {
	t.Helper()
	if got, want := replaceHandles(s), reHandle.ReplaceAllString(s, " "+handleTok); got != want {
		t.Fatalf("replaceHandles(%q) = %q, want %q", s, got, want)
	}
	if got, want := replaceURLs(s), reURL.ReplaceAllString(s, "link"); got != want {
		t.Fatalf("replaceURLs(%q) = %q, want %q", s, got, want)
	}
}

func TestScannersMatchPatterns(t *testing.T) {
	for _, s := range []string{"@bob.smith how r u", "@bob. hi", "@josé hi", "u/foo- hi", "/u/foo_bar hi",
		"10-19-20sUser7 how r u", "10-19-20suser7x hi", "10-19-adultsUser112 lol", "10-19-20sUſer7 hi",
		"see www.example.com/x?y=1", "WWW.Example.com?", "httpſ://x.y?z", "https://x.y/?a and http:// b",
		"xhttp://a.b?c", "_www.a?"} {
		checkScanners(t, s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50_000 {
		var b strings.Builder
		for k := rng.IntN(10); k >= 0; k-- {
			b.WriteString(scanCases[rng.IntN(len(scanCases))])
		}
		checkScanners(t, b.String())
	}
}

func FuzzScanners(f *testing.F) {
	for _, s := range scanCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScanners(t, s) })
}
