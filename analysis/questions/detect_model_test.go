package questions

import (
	"reflect"
	"testing"
)

// Posts of several lines go to the learned model. The texts are excerpts of
// real r/ollama and r/LocalLLaMA posts (community-brand-sentiment, see
// testdata/README.md) and the false questions the team reported in issue 21,
// each with the title first as collectors.Mention.FullText joins it.
func TestDetectPosts(t *testing.T) {
	tests := map[string]struct {
		text string
		want []string
	}{
		// Section headings phrased as questions that the post answers.
		"heading how it works": {"I built BrainAPI\n\nI've been building something to fix this: BrainAPI, a graph-based knowledge engine you self-host alongside Ollama.\n How it works:\n Instead of just embedding chunks, it ingests your data (docs, notes, CSVs, whatever) and builds a proper knowledge graph.", nil},
		"heading not working":  {"LLMule update\n\nWhat's NOT Working (Yet)\n Model downloads over slow links time out after ten minutes.\n We plan to fix this next week.", nil},
		"heading what is":      {"Introducing LLMule\n\nWhat is LLMule?\n LLMule is a desktop app that shares local models between peers over P2P. It runs on Windows, Mac and Linux.", nil},
		// Table rows, benchmark dumps and code.
		"table row":      {"Results\n\n❌ won't load\n✅ loads in 4s", nil},
		"benchmark ?B":   {"Benchmarks\n\nqwen3 ?B q4 | 31 tok/s | 7.7 GB\nllama 8B q8 | 40 tok/s | 9.1 GB", nil},
		"code ??":        {"My script\n\nif x == nil ?? y\nprint(\"done??\")", nil},
		"kv cache table": {"KV cache test\n\nKV cache VRAM @ 16k fits 8GB? f16 (default) 7.7 GB ❌ no q8_0 7.4 GB ✅ yes (tight) q4_0 7.2 GB ✅ yes (margin)\n Default f16 KV won't fit once you count driver reserve.", nil},
		// Rhetorical questions, sarcasm and offers.
		"biggest lesson": {"What I learned\n\nThe biggest lesson? Local models need good prompts. I rewrote mine three times.", nil},
		"who doesn't":    {"Gemma is great\n\nWho doesn't love a free model? It runs on my laptop.", nil},
		"sarcasm /s":     {"Ollama updated again\n\nJust what I needed. /s\n Now my models don't load.", nil},
		"offer":          {"I made a tool\n\nIt is on GitHub.\n I'd be happy to answer questions.", nil},
		// Question marks of other scripts.
		"full width ？": {"Ollama 使い方\n\nこのモデルはどうやって使いますか？\n教えてください。", []string{"このモデルはどうやって使いますか？"}},
		"arabic ؟":     {"سؤال\n\nكيف أشغل النموذج على المعالج؟\nشكرا", []string{"كيف أشغل النموذج على المعالج؟"}},
		"greek ;":      {"Ερώτηση\n\nΠώς τρέχω το μοντέλο στην κάρτα γραφικών;\nΕυχαριστώ", []string{"Πώς τρέχω το μοντέλο στην κάρτα γραφικών;"}},
		// Implicit requests and asks for feedback are kept.
		"looking for":         {"Tool hunt\n\nLooking for a tool that syncs my Obsidian notes into a local RAG.\nI tried two already.", []string{"Looking for a tool that syncs my Obsidian notes into a local RAG."}},
		"any recommendations": {"Coding model\n\nI have a 3090.\nAny recommendations for a coding model that fits in 24GB.", []string{"Any recommendations for a coding model that fits in 24GB."}},
		"help:":               {"Help: Ollama won't start after update\n\nIt worked yesterday. Now the service fails at boot.", []string{"Help: Ollama won't start after update"}},
		"feedback":            {"My new app\n\nI built a chat client for Ollama.\nWould love feedback on the UI.\nLet me know what you think!", []string{"Would love feedback on the UI.", "Let me know what you think!"}},
		"real help post":      {"Why isn't ollama using gpu?\n\nHey guys!\n i'm trying to run a local server with fedora and open web ui.\n I want them to run on my gpu, how can I change it? would love your help thank you!!!", []string{"Why isn't ollama using gpu?", "I want them to run on my gpu, how can I change it?", "would love your help thank you!!!"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Detect(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Detect(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// One-line texts (chat lines, tweets) are judged by the rules, which also
// know the question marks of other scripts and the rhetorical openers.
func TestIsQuestionOneLine(t *testing.T) {
	tests := map[string]bool{
		"这个模型怎么用？":               true,
		"هل يعمل على ويندوز؟":    true,
		"Τι κάνεις;":             true,
		"use a; b; c":            false,
		"Who doesn't love X?":    false,
		"Just what I needed. /s": false,
		"How it works":           false,
		"What I learned":         false,
		"how you doing":          true,
	}
	for text, want := range tests {
		if got := IsQuestion(text); got != want {
			t.Errorf("IsQuestion(%q) = %v, want %v", text, got, want)
		}
	}
}

// The sentence splitter ends sentences at the question marks of other
// scripts, so that a question keeps its own sentence.
func TestSplitUnicodeMarks(t *testing.T) {
	got := splitSentences("这个怎么用？我试过了。 Τι κάνεις; Καλά. هل يعمل؟ نعم")
	want := []string{"这个怎么用？", "我试过了。", "Τι κάνεις;", "Καλά.", "هل يعمل؟", "نعم"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitSentences = %q, want %q", got, want)
	}
}

func TestModelLoadsAndRoundTrips(t *testing.T) {
	if model == nil {
		t.Fatal("no embedded detect_model.bin")
	}
	m := loadModel(EncodeModel(0.5, -0.25, []uint32{3, 77}, []float32{1.5, -2}))
	if m.bias != 0.5 || m.threshold != -0.25 || m.w[3] != 1.5 || m.w[77] != -2 || m.w[4] != 0 {
		t.Errorf("round trip: bias %v threshold %v w3 %v w77 %v", m.bias, m.threshold, m.w[3], m.w[77])
	}
}

func BenchmarkDetectPost(b *testing.B) {
	text := "Why isn't ollama using gpu?\n\nHey guys!\n i'm trying to run a local server with fedora and open web ui.\n" +
		" doenloaded ollama and openmwebui and everything works great, i have nvidia drivers and cuda installed but every tme i run models i see 100% use of the cpu. I want them to run on my gpu, how can I change it? would love your help thank you!!!"
	b.ReportAllocs()
	for b.Loop() {
		Detect(text)
	}
}
