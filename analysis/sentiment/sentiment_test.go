package sentiment

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestScore checks the embedded model on real social text, grouped by the phenomenon each
// example exercises. Examples marked GoEmotions are Reddit comments from its dev split
// (Apache-2.0); the rest are written the way people post.
func TestScore(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		phenomenon, text, want string
	}{
		{"plain", "The app keeps crashing and support never answers. Terrible.", Negative},
		{"plain", "This is the best tool I've used all year", Positive},
		{"neutral", "The meeting is at 10am tomorrow.", Neutral},
		{"neutral question", "How do I make Ollama use my second GPU?", Neutral},
		{"negation", "This is not good", Negative},
		{"negation", "I never liked this phone", Negative},
		{"negation of negative", "Honestly not bad at all", Positive},
		{"intensifier", "The update is extremely good", Positive},
		{"but shift", "The screen is nice but the battery is awful", Negative},
		{"emoticon", "I love it :)", Positive},
		{"emoticon", "meh :(", Negative},
		{"emoji", "worst day ever 😭", Negative},
		{"emoji", "this is hilarious 😂", Positive},
		{"emoji", "😡😡", Negative},
		{"elongation", "sooo goood", Positive},
		{"caps", "I HATE THIS", Negative},
		{"caps", "this is AWESOME", Positive},
		{"slang", "gr8 job, thx", Positive},
		{"slang", "this slaps", Positive},
		{"slang", "smh", Negative},
		{"sarcasm", "Yeah I just love waiting 3 hours for support /s", Negative},
		{"name placeholder (GoEmotions)", "Thanks [NAME]!", Positive},
		{"url", "New release notes: https://github.com/ollama/ollama/releases", Neutral},
		{"markdown", "**This** is the _best_ tool I've used", Positive},
		{"quoted rant", "> This app is garbage and the devs are idiots\n\nHave you tried reinstalling it?", Neutral},
	}
	for _, tt := range tests {
		t.Run(tt.phenomenon+"/"+tt.text, func(t *testing.T) {
			r := m.Score(tt.text)
			if r.Label != tt.want {
				t.Errorf("Score(%q) = %+v, want %s", tt.text, r, tt.want)
			}
		})
	}
}

// TestQuotedTextIgnored checks that a reply quoting a rant is judged on the reply alone.
func TestQuotedTextIgnored(t *testing.T) {
	m := mustDefault(t)
	rant := "This app is garbage and the devs are idiots"
	reply := "Have you tried reinstalling it?"
	if got := m.Score(rant); got.Label != Negative {
		t.Fatalf("Score(rant) = %+v, want negative", got)
	}
	if got, want := m.Score("> "+rant+"\n\n"+reply), m.Score(reply); got != want {
		t.Errorf("Score(quote + reply) = %+v, want Score(reply) = %+v", got, want)
	}
}

// TestSarcasmFlips checks that the "/s" marker turns praise into the opposite.
func TestSarcasmFlips(t *testing.T) {
	m := mustDefault(t)
	plain := m.Score("I just love waiting 3 hours for support")
	sarcastic := m.Score("I just love waiting 3 hours for support /s")
	if plain.Score <= 0 || sarcastic.Score >= 0 {
		t.Errorf("plain %+v, sarcastic %+v: want the sign to flip", plain, sarcastic)
	}
}

// TestScoreTarget checks sentiment toward one of several targets in one text.
func TestScoreTarget(t *testing.T) {
	m := mustDefault(t)
	tests := []struct {
		text, target, want string
	}{
		{"X is great, unlike Acme which broke twice", "Acme", Negative},
		{"X is great, unlike Acme which broke twice", "X", Positive},
		{"I love my new iPhone but Samsung phones are trash", "Samsung", Negative},
		{"I love my new iPhone but Samsung phones are trash", "iPhone", Positive},
		{"Ollama is so much better than LM Studio", "LM Studio", Negative},
		{"Ollama is so much better than LM Studio", "ollama", Positive},
		// Dong et al. 2014 style: the whole tweet is about the target.
		{"lady gaga is amazing live , best concert ever", "lady gaga", Positive},
		{"windows 7 crashed again , worst os ever", "windows 7", Negative},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.text, func(t *testing.T) {
			r := m.ScoreTargetPhrase(tt.text, tt.target)
			if r.Label != tt.want {
				t.Errorf("ScoreTargetPhrase(%q, %q) = %+v, want %s", tt.text, tt.target, r, tt.want)
			}
		})
	}
}

func TestScoreTargetFallsBack(t *testing.T) {
	m := mustDefault(t)
	text := "The app keeps crashing and support never answers. Terrible."
	want := m.Score(text)
	if got := m.ScoreTargetPhrase(text, "Globex"); got != want {
		t.Errorf("absent phrase: %+v, want Score = %+v", got, want)
	}
	if got := m.ScoreTarget(text, nil); got != want {
		t.Errorf("no spans: %+v, want Score = %+v", got, want)
	}
	if got := m.ScoreTarget(text, [][2]int{{len(text) - 1, len(text)}}); got != want {
		t.Errorf("span over punctuation only: %+v, want Score = %+v", got, want)
	}
}

// TestScoreRange checks the contract of Result on real tweets: score in [-1, 1], and a polar
// label agrees with the sign of the score.
func TestScoreRange(t *testing.T) {
	m := mustDefault(t)
	for _, tw := range append(benchTweets(t), "", " ", "🙂", "\x00\xff broken utf-8 \xc3") {
		r := m.Score(tw)
		if r.Score < -1 || r.Score > 1 || math.IsNaN(r.Score) {
			t.Errorf("Score(%q) = %v, out of [-1, 1]", tw, r.Score)
		}
		if !slices.Contains(Labels[:], r.Label) {
			t.Errorf("Score(%q) label %q", tw, r.Label)
		}
		if r.Label == Positive && r.Score < 0 || r.Label == Negative && r.Score > 0 {
			t.Errorf("Score(%q) = %+v: label and sign disagree", tw, r)
		}
	}
}

func TestFindPhrase(t *testing.T) {
	tests := []struct {
		text, phrase string
		want         [][2]int
	}{
		{"I use Acme daily", "acme", [][2]int{{6, 10}}},
		{"acmeville is not acme", "acme", [][2]int{{17, 21}}},
		{"ACME, acme and Acme!", "Acme", [][2]int{{0, 4}, {6, 10}, {15, 19}}},
		{"llama.cpp beats llama", "llama.cpp", [][2]int{{0, 9}}},
		{"I love  LM   Studio", "lm studio", [][2]int{{8, 19}}},
		{"no match here", "acme", nil},
		{"anything", "  ", nil},
		{"Ünïcode Brand rocks", "ünïcode brand", [][2]int{{0, 15}}},
		// Multi-byte spaces (regression: the phrase "plastic\u00a0pieces" of SemEval laptops
		// looped forever).
		{"the plastic\u00a0pieces broke", "plastic\u00a0pieces", [][2]int{{4, 19}}},
		{"the plastic \u3000 pieces broke", "plastic pieces", [][2]int{{4, 22}}},
		{"the plastic pieces broke", "plastic\u3000pieces", [][2]int{{4, 18}}},
		{"là-bas à côté", "à côté", [][2]int{{8, 17}}},
	}
	for _, tt := range tests {
		if got := FindPhrase(tt.text, tt.phrase); !slices.Equal(got, tt.want) {
			t.Errorf("FindPhrase(%q, %q) = %v, want %v", tt.text, tt.phrase, got, tt.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	gold := []string{"positive", "positive", "negative", "neutral", "neutral", "negative"}
	pred := []string{"positive", "neutral", "negative", "neutral", "positive", "negative"}
	e := Evaluate(gold, pred)
	if e.N != 6 || math.Abs(e.Accuracy-4.0/6) > 1e-9 {
		t.Errorf("N %d accuracy %v, want 6 and 0.667", e.N, e.Accuracy)
	}
	// negative P 1 R 1 F1 1; neutral P .5 R .5; positive P .5 R .5.
	if math.Abs(e.MacroF1-2.0/3) > 1e-9 || math.Abs(e.MacroRecall-2.0/3) > 1e-9 {
		t.Errorf("macro-F1 %v macro-recall %v, want 0.667 both", e.MacroF1, e.MacroRecall)
	}
	// Polar: 3 of the 4 gold polar items found; 3 of the 4 polar calls right.
	if math.Abs(e.PolarRecall-0.75) > 1e-9 || math.Abs(e.PolarPrecision-0.75) > 1e-9 {
		t.Errorf("polar recall %v precision %v, want 0.75 both", e.PolarRecall, e.PolarPrecision)
	}
	if want := [][]int{{2, 0, 0}, {0, 1, 1}, {0, 1, 1}}; !slices.EqualFunc(e.Confusion, want, slices.Equal) {
		t.Errorf("confusion %v, want %v", e.Confusion, want)
	}
	var b strings.Builder
	if err := e.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"accuracy 0.667", "macro-F1 0.667", "polar recall 0.750  polar precision 0.750", "negative", "confusion"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, b.String())
		}
	}
	// An unknown predicted label counts as wrong and shows in the matrix; a missing one counts
	// as wrong.
	e = Evaluate([]string{"positive", "negative"}, []string{"great"})
	if e.Accuracy != 0 || !slices.Equal(e.Labels, []string{"negative", "positive", "great"}) || e.Classes[1].Recall != 0 {
		t.Errorf("unknown labels: %+v", e)
	}
}

func TestLoadErrors(t *testing.T) {
	var good bytes.Buffer
	if _, err := mustDefault(t).WriteTo(&good); err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(good.Bytes())
	corrupt[len(corrupt)/2] ^= 0xff
	for name, b := range map[string][]byte{
		"empty":     nil,
		"not model": []byte("hello world, this is not a model"),
		"corrupt":   corrupt,
		"truncated": good.Bytes()[:good.Len()/2],
	} {
		if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Load error %v, want ErrFormat", name, err)
		}
	}
}

// TestRoundTrip checks that writing and reading the model changes nothing.
func TestRoundTrip(t *testing.T) {
	m := mustDefault(t)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), embedded) {
		t.Errorf("WriteTo(Load(model.bin)) differs from model.bin")
	}
}

// TestTrainDeterministic trains twice on a tiny fixture and expects identical model files, and
// a different file for a different seed.
func TestTrainDeterministic(t *testing.T) {
	lex := map[string]float64{"good": 1.9, "great": 3.1, "bad": -2.5, "awful": -2, ":)": 2, "😂": 1.5}
	text := []Example{
		{Text: "This is great :)", Label: 2},
		{Text: "not good at all", Label: 0},
		{Text: "The meeting is at 10am", Label: 1},
		{Text: "awful support, never again", Label: 0, Weight: 2},
		{Text: "sooo goood 😂", Label: 2},
		{Text: "[NAME] posted a link https://example.com", Label: 1},
	}
	target := []Example{
		{Text: "Acme is bad but Globex is great", Label: 0, Spans: [][2]int{{0, 4}}},
		{Text: "Acme is bad but Globex is great", Label: 2, Spans: [][2]int{{16, 22}}},
		{Text: "I met Acme people today", Label: 1, Spans: [][2]int{{6, 10}}},
	}
	cfg := TrainConfig{TextBits: 10, TargetBits: 10, Epochs: 3, Rate: 0.1, L2: 1e-6, Dropout: 0.2, Bags: 2, Seed: 1,
		Net: NetConfig{Bits: 10, Dim: 8, Hidden: 8, Epochs: 3, Rate: 0.05, Dropout: 0.2, Norm: 0.5, Aux: 0.5, AuxK: 28, Count: 2, Seed: 1}}
	text[0].Emotions = []int{0, 17}
	build := func(cfg TrainConfig) []byte {
		t.Helper()
		m := NewModel(lex)
		if err := m.Train(text, target, cfg); err != nil {
			t.Fatal(err)
		}
		m.Tune([]TuneSet{{Examples: text, Metric: MacroF1}}, []TuneSet{{Examples: target, Metric: MacroF1}})
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b := build(cfg), build(cfg)
	if !bytes.Equal(a, b) {
		t.Fatalf("two trainings gave different models (%d and %d bytes)", len(a), len(b))
	}
	cfg.Seed = 2
	if bytes.Equal(a, build(cfg)) {
		t.Errorf("a different seed gave the same model: the test cannot tell runs apart")
	}
	cfg.Seed, cfg.Net.Seed = 1, 2
	if bytes.Equal(a, build(cfg)) {
		t.Errorf("a different net seed gave the same model: the net heads are not in the file")
	}
	m, err := Load(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if m.ens == nil || len(m.ens.nets) != 2 {
		t.Fatalf("fixture model has no net heads after a round trip")
	}
	if r := m.Score("great :)"); r.Label != Positive {
		t.Errorf("fixture model: Score(great :)) = %+v, want positive", r)
	}
}

func TestTrainErrors(t *testing.T) {
	m := NewModel(nil)
	if err := m.Train(nil, nil, DefaultTrainConfig); err == nil {
		t.Error("Train with no examples: no error")
	}
	x := []Example{{Text: "good", Label: 2}}
	if err := m.Train(x, x, TrainConfig{TextBits: 40, TargetBits: 10, Epochs: 1}); err == nil {
		t.Error("Train with 40 bits: no error")
	}
}

// TestConcurrent scores from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	m := mustDefault(t)
	tweets := benchTweets(t)
	want := make([]Result, len(tweets))
	for i, tw := range tweets {
		want[i] = m.Score(tw)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, tw := range tweets {
				if got := m.Score(tw); got != want[i] {
					t.Errorf("concurrent Score(%q) = %+v, want %+v", tw, got, want[i])
				}
				m.ScoreTargetPhrase(tw, "the")
			}
		}()
	}
	wg.Wait()
}

func TestDefaultOnce(t *testing.T) {
	a, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Default()
	if a != b {
		t.Error("Default returned two models")
	}
}

// TestTrainFineClasses trains a text head whose positive label has two classes (thanks and
// praise) and checks that it reads back from its file unchanged and still sums to labels.
func TestTrainFineClasses(t *testing.T) {
	lex := map[string]float64{"great": 3.1, "awful": -2, "thanks": 1.9}
	text := []Example{
		{Text: "thanks so much", Label: 2, Classes: []int{2}},
		{Text: "thank you, really", Label: 2, Classes: []int{2}},
		{Text: "this is great", Label: 2, Classes: []int{3}},
		{Text: "great work", Label: 2, Classes: []int{3}},
		{Text: "awful, just awful", Label: 0},
		{Text: "the bus leaves at 10", Label: 1},
	}
	target := []Example{{Text: "Acme is great", Label: 2, Spans: [][2]int{{0, 4}}}, {Text: "Acme is awful", Label: 0, Spans: [][2]int{{0, 4}}}}
	cfg := TrainConfig{TextBits: 10, TargetBits: 10, Epochs: 20, Rate: 0.2, Seed: 1, TextClasses: []uint8{0, 1, 2, 2}}
	m := NewModel(lex)
	if err := m.Train(text, target, cfg); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"thanks so much", "this is great", "awful"} {
		if a, b := m.Score(s), m2.Score(s); a != b {
			t.Errorf("Score(%q) = %+v before the file, %+v after", s, a, b)
		}
	}
	if r := m2.Score("thanks so much"); r.Label != Positive {
		t.Errorf("Score(thanks so much) = %+v, want positive", r)
	}
	text[0].Classes = []int{1} // class 1 is neutral, the example positive
	if err := NewModel(lex).Train(text, target, cfg); err == nil {
		t.Error("a class outside the example's label: no error")
	}
}

// TestEscapedText checks that text with literal \uXXXX escapes (scraped through a double JSON
// encoding, as in "I\u2019m") reads as the text it encodes, for a whole text and a target.
func TestEscapedText(t *testing.T) {
	m := mustDefault(t)
	for _, tt := range []struct{ escaped, plain string }{
		{`I don\u2019t like this at all`, "I don’t like this at all"},
		{`Going to the show in Washington\u002c DC tomorrow`, "Going to the show in Washington, DC tomorrow"},
		{`love it \ud83d\ude0d`, "love it 😍"},
	} {
		if a, b := m.Score(tt.escaped), m.Score(tt.plain); a != b {
			t.Errorf("Score(%q) = %+v, Score(%q) = %+v, want the same", tt.escaped, a, tt.plain, b)
		}
	}
	text := `Acme\u2019s app is awful\u002c but Globex is great`
	plain := "Acme’s app is awful, but Globex is great"
	for _, target := range []string{"Acme", "Globex"} {
		if a, b := m.ScoreTargetPhrase(text, target), m.ScoreTargetPhrase(plain, target); a != b {
			t.Errorf("ScoreTargetPhrase(escaped, %s) = %+v, on the plain text %+v", target, a, b)
		}
	}
}
