package analysis

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/abadojack/whatlanggo"

	"github.com/overhear/overhear/collectors"
)

func TestLanguage(t *testing.T) {
	for text, want := range map[string]string{
		"J'adore vraiment ce logiciel, il fonctionne parfaitement sur mon ordinateur portable depuis des mois.": "fr",
		"qualcuno di voi utilizza più GPU AMD su Ollama? Vi spiego il mio problema con la macchina.":            "it",
		"I really like this tool, it has worked perfectly on my laptop for months now without trouble.":         "en",
		"Ollama 0.5 🔥": "", // too short to tell: scored as English
	} {
		if got := language(text); got != want {
			t.Errorf("language(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestEnglishWord(t *testing.T) {
	for _, w := range []string{"the", "THE", "The", "tHe", "i", "I", "İ", "İS", "is", "ıs", "thé", "them", "a", "ab", "and", "AND", "ands"} {
		if want := isEnglishWord(strings.ToLower(w)); englishWord(w) != want {
			t.Errorf("englishWord(%q) = %v, want %v", w, !want, want)
		}
	}
}

func TestOtherLanguageNotScored(t *testing.T) {
	an, err := NewDefault(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := an.Analyze(mentionOf("J'adore vraiment ce logiciel, il fonctionne parfaitement sur mon ordinateur portable depuis des mois."))
	if !r.Sentiment.Unscored || r.Sentiment.Label != Neutral || r.Language != "fr" {
		t.Errorf("French praise: %+v (language %q), want unscored neutral", r.Sentiment, r.Language)
	}
}

func mentionOf(text string) collectors.Mention { return collectors.Mention{ID: "x", Text: text} }

// languageTexts returns real texts for comparing detect with whatlanggo: tweets, Reddit posts
// and windows of them (so each post gives many texts, and cut runes at their edges), and a
// few sentences in other languages.
func languageTexts(tb testing.TB) []string {
	tb.Helper()
	texts := []string{
		"J'adore vraiment ce logiciel, il fonctionne parfaitement sur mon ordinateur portable depuis des mois.",
		"qualcuno di voi utilizza più GPU AMD su Ollama? Vi spiego il mio problema con la macchina.",
		"¿Alguien sabe cómo hacer que Ollama use la GPU? Llevo dos días intentándolo y no hay manera.",
		"Ich habe Ollama auf meinem Laptop installiert, aber das Modell lädt sehr langsam und stürzt ab.",
		"Alguém já conseguiu rodar o Ollama com placa de vídeo AMD no Windows? Não estou conseguindo.",
		"Heeft iemand ervaring met Ollama op een Mac met een M2-chip? Het werkt bij mij niet goed.",
		"Czy ktoś wie, dlaczego Ollama nie korzysta z karty graficznej na moim komputerze z Linuxem?",
		"Jag har installerat Ollama men modellen svarar väldigt långsamt på min dator, vad gör jag fel?",
		"Привет всем, кто-нибудь запускал Ollama на видеокарте AMD под Linux? У меня не получается.",
		"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp",
		"Ollama 0.5 🔥🔥🔥 !!! 123 456 ... ??? Ollama Ollama Ollama Ollama Ollama Ollama Ollama",
	}
	b, err := os.ReadFile("sentiment/testdata/tweets.txt")
	if err != nil {
		tb.Fatal(err)
	}
	texts = append(texts, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	b, err = os.ReadFile("sentiment/testdata/posts.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var p struct{ Text string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, p.Text)
		for i := 0; i < len(p.Text); i += 37 {
			texts = append(texts, p.Text[i:min(len(p.Text), i+maxLanguageBytes)], p.Text[i:min(len(p.Text), i+90)])
		}
	}
	return texts
}

// TestDetectMatchesWhatlanggo checks that detect, whatlanggo.Detect from an index of its
// profiles, gives whatlanggo's confidence, and its language whenever the confidence is above 0
// (below, whatlanggo's pick among tied languages is random).
func TestDetectMatchesWhatlanggo(t *testing.T) {
	if len(latinProfiles) < 40 {
		t.Fatalf("%d Latin profiles: latin_trigrams.go is not whatlanggo's (go generate ./analysis)", len(latinProfiles))
	}
	for _, text := range languageTexts(t) {
		checkDetect(t, text)
	}
}

func checkDetect(t *testing.T, text string) {
	t.Helper()
	got, want := detect(text), whatlanggo.Detect(text)
	if got.Confidence != want.Confidence || got.Script != want.Script || (want.Confidence > 0 && got.Lang != want.Lang) {
		t.Fatalf("detect(%q) = %v %v %v, whatlanggo %v %v %v", text, got.Lang, got.Confidence, whatlanggo.Scripts[got.Script],
			want.Lang, want.Confidence, whatlanggo.Scripts[want.Script])
	}
}

func FuzzDetect(f *testing.F) {
	for _, text := range languageTexts(f) {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if text == "" {
			return // whatlanggo finds no script in it; language never asks
		}
		checkDetect(t, text)
	})
}

// BenchmarkLanguage tells the language of real tweets as analysis does, the English
// function-word check first; one op is one tweet.
func BenchmarkLanguage(b *testing.B) {
	f, err := os.ReadFile("sentiment/testdata/tweets.txt")
	if err != nil {
		b.Fatal(err)
	}
	tweets := strings.Split(strings.TrimSpace(string(f)), "\n")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		language(tweets[i%len(tweets)])
	}
}
