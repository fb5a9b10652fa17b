package collectors

import "testing"

// TestQueryMatchDomains: brand names inside host names (issue 14). The texts are from the
// bundled real posts (cmd/overhear/demo/posts.jsonl.gz) and the held-out replay's shapes.
func TestQueryMatchDomains(t *testing.T) {
	tests := []struct {
		query, text string
		want        bool
	}{
		// A brand's own domain counts.
		{`github`, "Easy setup: no docker or API key required. Repo is here: https://github.com/leettools-dev/leettools", true},
		{`ollama`, "On Linux, you can run: curl -fsSL https://ollama.com/install.sh | OLLAMA_VERSION=0.5.8-rc11 sh", true},
		{`claude`, "I pasted it into claude.ai and it found the bug", true},
		{`lmstudio`, "Download from lmstudio.ai, then load the GGUF", true},
		{`github`, "Full script: https://gist.github.com/someone/0a1b2c", true},
		{`github`, "Docs are at kleer001.github.io/Text_Loom", true},
		{`GitHub`, "Mirror on GITHUB.COM too", true},
		{`github.com`, "Full script: https://gist.github.com/someone/0a1b2c", true},
		{`ollama`, "served from http://ollama.internal:11434/api/generate", true}, // after a scheme any dotted word is a host
		{`ollama`, "mail support@ollama.com", true},
		{`webui`, "open-webui.com has the docs", true}, // hyphen parts of a label, as for words
		// Words in a URL's path are words, as before.
		{`ollama`, "First, follow the instructions on https://github.com/ollama/ollama", true},
		// A different word, the top-level label, a dotted word in a path, a file name.
		{`github`, "I built mygithubtool.com over the weekend", false},
		{`github`, "see https://example.com/docs/github.html", false},
		{`com`, "Repo is here: https://github.com/leettools-dev/leettools", false},
		{`llama`, "I compiled llama.cpp yesterday", false}, // CONTRACTS.md: not a host
		{`setup`, "run python setup.py install", false},
		{`install`, "curl -fsSL https://ollama.com/install.sh | sh", false},
		// A quoted term is the exact word; phrases never look inside a host.
		{`"github"`, "Repo is here: https://github.com/leettools-dev/leettools", false},
		{`"github"`, "it is on GitHub", true},
		{`"ollama api"`, "ollama.com api docs", false},
		// Outside hosts nothing changed.
		{`acme`, "Welcome to Acmeville", false},
		{`node`, "written in node.js", false},
	}
	for _, tt := range tests {
		t.Run(tt.query+"|"+tt.text, func(t *testing.T) {
			if got := MustParseQuery(tt.query).MatchString(tt.text); got != tt.want {
				t.Errorf("match(%q, %q) = %v, want %v", tt.query, tt.text, got, tt.want)
			}
		})
	}
}

func TestMatcherHostSpans(t *testing.T) {
	text := "Full script: https://gist.GitHub.com/someone and github.com"
	got := NewMatcher([]*Query{MustParseQuery(`github`), MustParseQuery(`github.com`)}).Match(text)
	if len(got) != 2 {
		t.Fatalf("Match = %+v, want both queries", got)
	}
	want := [][]string{{"GitHub", "github"}, {"GitHub.com", "github.com"}}
	for qi, m := range got {
		var spans []string
		for _, s := range m.Spans {
			spans = append(spans, text[s[0]:s[1]])
		}
		if len(spans) != len(want[qi]) || spans[0] != want[qi][0] || spans[1] != want[qi][1] {
			t.Errorf("query %d spans = %q, want %q", qi, spans, want[qi])
		}
	}
}
