package analysis

import (
	"testing"

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
