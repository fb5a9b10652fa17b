package questions

import (
	"reflect"
	"sync"
	"testing"
)

// Texts are real posts from the shared data (see testdata/README.md for
// sources and licences): r/ollama titles, forum.stackstorm.com topics,
// Banking77 questions and GoEmotions comments.
func TestIsQuestion(t *testing.T) {
	tests := map[string]struct {
		text string
		want bool
	}{
		// Explicit questions.
		"wh with ?":            {"How to pass data to ollama python app", true},
		"question mark":        {"Best nvim coding assistant?", true},
		"aux inversion":        {"Is there one rule and sensor that applies to all actions?", true},
		"how to no ?":          {"How to connect remote hosts via ssh keys", true},
		"banking no ?":         {"Can I track the card that you sent me in the mail", true},
		"wh no ?":              {"where is my new card", true},
		"does anyone":          {"does anyone know a model that handles tool calls well", true},
		"prep + wh":            {"at what time does the transfer arrive", true},
		"two sentences, 2nd q": {"VRAM usage is still high after running /bye, how to release that capacity?", true},
		"chat spelling":        {"r u running it on windows", true},
		"question after intro": {"I have a 3090 and 64GB RAM. Which model should I pick for coding?", true},
		// Implicit forum questions.
		"need suggestions":    {"Need suggestions for Rag model", true},
		"help with":           {"Help with running Ai models with internet connectivity", true},
		"help: bracket":       {"[Help] XTTS v2 drops first ~100-300ms of audio", true},
		"looking for":         {"Looking for a CRM that handles shared inboxes", true},
		"any recommendations": {"Any recommendations for a small model that runs on a Raspberry Pi.", true},
		"won't sync":          {"Obsidian won't sync after update", true},
		"install fails":       {"Ansible Pack Installation fails to install on 3.5", true},
		"not working":         {"The contactless payments are not working.", true},
		"wondering":           {"Wondering if anyone has tried the new qwen model on a mac", true},
		"anyone else":         {"Anyone else seeing slow responses since 0.5", true},
		// Statements.
		"announcement":         {"Simple tool to backup Ollama models as .tar files", false},
		"statement":            {"I kept accidentally pasting sensitive data into AI tools. So I built ContextShield.", false},
		"title noun phrase":    {"Considerations for an agent", false},
		"exclamation how":      {"How cool, thanks for sharing", false},
		"what a":               {"What a great release", false},
		"subordinate when":     {"When I get home I will try the new build", false},
		"goemotions statement": {"My favourite food is anything I didn't have to cook myself.", false},
		"help as noun":         {"Help from the community made this possible", false},
		"might not work":       {"there are always bugs and glitches, it might not work on your hardware", false},
		"empty":                {"", false},
		"emoji only":           {":) :)", false},
		// Rhetorical questions.
		"who cares":           {"Who cares?", false},
		"guess what":          {"Guess what? It finally works.", false},
		"what could go wrong": {"What could possibly go wrong?", false},
		"how cool is that":    {"How cool is that?", false},
		// Quoted questions.
		"markdown quote":      {"> How do I run ollama on two GPUs?\n\nYou set CUDA_VISIBLE_DEVICES, it works fine.", false},
		"html blockquote":     {"<blockquote>Why is it so slow?</blockquote><p>It was the context size.</p>", false},
		"quoted in sentence":  {`My boss keeps asking "is it done yet?" every hour.`, false},
		"quote then question": {"> I use the default settings.\n\nWhich version are you on?", true},
		"question in code":    {"Run `ollama ps?` and it prints the models.", false},
		"url query string":    {"Read the docs at https://example.com/search?q=gpu for details.", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := IsQuestion(tt.text); got != tt.want {
				t.Errorf("IsQuestion(%q) = %v, want %v (Detect: %q)", tt.text, got, tt.want, Detect(tt.text))
			}
		})
	}
}

func TestDetectSentences(t *testing.T) {
	tests := map[string]struct {
		text string
		want []string
	}{
		"long post": {
			text: "I've been running Ollama on my M2 for a month. It works well for chat. " +
				"But how do I make it use more RAM for bigger models? Also, is there a way to keep a model loaded all day. Thanks!",
			want: []string{"But how do I make it use more RAM for bigger models?", "Also, is there a way to keep a model loaded all day."},
		},
		"title and body lines": {
			text: "Downgrading stackstorm from 3.5 to 3.4\nI tried the packages but it fails.\nAny advice?",
			want: []string{"Any advice?"},
		},
		"html body": {
			text: "<p>I ordered my card two weeks ago.</p><p>Why hasn't it arrived yet?</p>",
			want: []string{"Why hasn't it arrived yet?"},
		},
		"abbreviation": {
			text: "Which runner, e.g. the python one, should I use?",
			want: []string{"Which runner, e.g. the python one, should I use?"},
		},
		"none": {
			text: "Ministral3 8b is a great brain for this virtual robot",
			want: nil,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := Detect(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Detect(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func BenchmarkDetect(b *testing.B) {
	texts := []string{
		"How to run Ollama on AMD RX 9060 XT (RDNA 4) on Windows – Fix 100% CPU issue",
		"I've been running Ollama on my M2 for a month. It works well for chat. But how do I make it use more RAM?",
		"Simple tool to backup Ollama models as .tar files",
		"<p>I ordered my card two weeks ago.</p><p>Why hasn't it arrived yet?</p>",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Detect(texts[i%len(texts)])
	}
}

// TestDetectConcurrent checks that the buffers Detect reuses are not shared
// between calls running at the same time.
func TestDetectConcurrent(t *testing.T) {
	texts := []string{
		"@AppleSupport My iPhone KEEPS CRASHING after the update, anyone else? http://t.co/abc",
		"10-19-20sUser7 LOL how r u", "Simple tool to backup Ollama models as .tar files",
		"I've been running Ollama on my M2. But HOW do I make it use more RAM? Thanks!",
	}
	want := make([][]string, len(texts))
	for i, s := range texts {
		want[i] = Detect(s)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 2000 {
				i := (g + k) % len(texts)
				if got := Detect(texts[i]); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("Detect(%q) = %q, want %q", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
