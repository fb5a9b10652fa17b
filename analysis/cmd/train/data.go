package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/overhear/overhear/analysis/sentiment"
)

// classOf maps a label word to its class index; ok is false for labels outside the three.
func classOf(label string) (int, bool) {
	switch label {
	case "negative", "-1":
		return 0, true
	case "neutral", "none", "0":
		return 1, true
	case "positive", "1":
		return 2, true
	}
	return 0, false
}

// emotionClasses are the text head's fine classes: GoEmotions' emotions in groups, each group
// within one label. A label is then a mixture of these classes (see sentiment.TrainConfig).
var emotionClasses = []struct {
	label    int
	emotions []string
}{
	{0, []string{"anger", "annoyance", "disgust"}},
	{0, []string{"disapproval"}},
	{0, []string{"sadness", "grief", "remorse", "disappointment"}},
	{0, []string{"fear", "nervousness", "embarrassment"}},
	{1, []string{"neutral"}},
	{1, []string{"realization", "surprise", "curiosity", "confusion"}},
	{2, []string{"admiration", "approval", "pride"}},
	{2, []string{"gratitude"}},
	{2, []string{"love", "caring"}},
	{2, []string{"joy", "excitement"}},
	{2, []string{"amusement"}},
	{2, []string{"optimism", "desire", "relief"}},
}

// textClasses returns the label of each class of emotionClasses.
func textClasses() []uint8 {
	out := make([]uint8, len(emotionClasses))
	for i, c := range emotionClasses {
		out[i] = uint8(c.label)
	}
	return out
}

// emotionClassOf maps GoEmotions' emotion ids (the line numbers of emotions.txt) to classes.
func emotionClassOf(data string) (map[string]int, error) {
	b, err := os.ReadFile(filepath.Join(data, "goemotions", "emotions.txt"))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	byName := map[string]int{}
	for i, c := range emotionClasses {
		for _, e := range c.emotions {
			byName[e] = i
		}
	}
	out := map[string]int{}
	for i, name := range strings.Fields(string(b)) {
		c, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("train: emotion %q has no class", name)
		}
		out[strconv.Itoa(i)] = c
	}
	return out, nil
}

// goEmotions reads a GoEmotions *_sentiment.tsv file (id, sentiment, emotion_ids, text). Rows
// labelled ambiguous become neutral examples of weight ambiguousWeight (dropped at 0); mixed
// rows are dropped. With classes, each example carries the classes of its emotions that belong
// to its label.
func goEmotions(path string, classes map[string]int, ambiguousWeight float32) ([]sentiment.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	// The files are not quoted CSV: read lines and split on tabs, as the team's devscore does.
	var out []sentiment.Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		x := sentiment.Example{Text: strings.Join(cols[3:], "\t")}
		if c, ok := classOf(cols[1]); ok {
			x.Label = c
		} else if cols[1] == "ambiguous" && ambiguousWeight > 0 {
			x.Label, x.Weight = 1, ambiguousWeight
		} else {
			continue
		}
		for _, id := range strings.Split(cols[2], ",") {
			if k, err := strconv.Atoi(id); err == nil && k >= 0 && k < 28 && !slices.Contains(x.Emotions, k) {
				x.Emotions = append(x.Emotions, k)
			}
		}
		if classes != nil {
			for _, id := range strings.Split(cols[2], ",") {
				if c, ok := classes[id]; ok && emotionClasses[c].label == x.Label && !slices.Contains(x.Classes, c) {
					x.Classes = append(x.Classes, c)
				}
			}
			slices.Sort(x.Classes)
		}
		out = append(out, x)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("train: read %s: %w", path, err)
	}
	return out, nil
}

// jsonLines decodes every line of a JSONL file into a new T.
func jsonLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var out []T
	dec := json.NewDecoder(f)
	for {
		var v T
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("train: decode %s: %w", path, err)
		}
		out = append(out, v)
	}
	return out, nil
}

type targetRow struct {
	Text     string   `json:"text"`
	Target   string   `json:"target"`
	Spans    [][2]int `json:"target_spans"`
	Polarity string   `json:"polarity"`
}

// runeToByte converts [start, end) code point offsets into byte offsets.
func runeToByte(text string, spans [][2]int) [][2]int {
	var out [][2]int
	for _, sp := range spans {
		b0, b1 := -1, -1
		ri := 0
		for bi := range text {
			if ri == sp[0] {
				b0 = bi
			}
			if ri == sp[1] {
				b1 = bi
			}
			ri++
		}
		if ri == sp[1] {
			b1 = len(text)
		}
		if b0 >= 0 && b1 > b0 {
			out = append(out, [2]int{b0, b1})
		}
	}
	return out
}

// targetSet reads a Dong-2014 or SemEval-2014 JSONL file as target examples (spans from the
// file) and as whole-text examples (the target's label for the whole text).
func targetSet(path string, weight float32) (target, text []sentiment.Example, err error) {
	rows, err := jsonLines[targetRow](path)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		c, ok := classOf(r.Polarity)
		if !ok || !utf8.ValidString(r.Text) {
			continue
		}
		spans := runeToByte(r.Text, r.Spans)
		if len(spans) == 0 {
			continue
		}
		target = append(target, sentiment.Example{Text: r.Text, Label: c, Spans: spans, Weight: weight})
		text = append(text, sentiment.Example{Text: r.Text, Label: c, Weight: weight})
	}
	return target, text, nil
}

// sentenceLabels keeps one whole-text example per distinct sentence of a SemEval-2014 file, with
// the label all its aspect terms share; sentences with differing aspects are dropped.
func sentenceLabels(xs []sentiment.Example) []sentiment.Example {
	label := map[string]int{}
	var order []string
	for _, x := range xs {
		if l, ok := label[x.Text]; !ok {
			label[x.Text] = x.Label
			order = append(order, x.Text)
		} else if l != x.Label {
			label[x.Text] = -1
		}
	}
	var out []sentiment.Example
	for _, t := range order {
		if l := label[t]; l >= 0 {
			out = append(out, sentiment.Example{Text: t, Label: l, Weight: xs[0].Weight})
		}
	}
	return out
}

type brandRow struct {
	Text   string `json:"text"`
	Target string `json:"target"`
	Label  string `json:"label"`
}

// brandTargets maps the CrowdFlower targets to a phrase to look for in the tweet.
var brandTargets = map[string]string{
	"iPad": "ipad", "Apple": "apple", "Google": "google", "iPhone": "iphone", "Android": "android",
	"Android App": "android",
}

// brandTweets reads the CrowdFlower brand tweets: every row is a whole-text example, and rows
// whose target is found in the text are target examples too.
func brandTweets(path string, weight float32) (target, text []sentiment.Example, err error) {
	rows, err := jsonLines[brandRow](path)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		c, ok := classOf(r.Label)
		if !ok || strings.TrimSpace(r.Text) == "" {
			continue
		}
		text = append(text, sentiment.Example{Text: r.Text, Label: c, Weight: weight})
		if p, ok := brandTargets[r.Target]; ok {
			if spans := sentiment.FindPhrase(r.Text, p); len(spans) > 0 {
				target = append(target, sentiment.Example{Text: r.Text, Label: c, Spans: spans, Weight: weight})
			}
		}
	}
	return target, text, nil
}

type complaintRow struct {
	Text        string `json:"text"`
	IsComplaint bool   `json:"is_complaint"`
}

// complaints reads the complaint tweets; complaints are negative examples, the rest is unused
// (a non-complaint may be praise, a question or small talk).
func complaints(path string, weight float32) ([]sentiment.Example, error) {
	rows, err := jsonLines[complaintRow](path)
	if err != nil {
		return nil, err
	}
	var out []sentiment.Example
	for _, r := range rows {
		if r.IsComplaint {
			out = append(out, sentiment.Example{Text: r.Text, Label: 0, Weight: weight})
		}
	}
	return out, nil
}

// tweetEval reads TweetEval's val split (text and label files, line by line).
func tweetEval(dir string) ([]sentiment.Example, error) {
	texts, err := os.ReadFile(filepath.Join(dir, "val_text.txt"))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	labels, err := os.ReadFile(filepath.Join(dir, "val_labels.txt"))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	tl, ll := strings.Split(string(texts), "\n"), strings.Split(string(labels), "\n")
	var out []sentiment.Example
	for i := 0; i < len(tl) && i < len(ll); i++ {
		l := strings.TrimSpace(ll[i])
		if l == "" {
			continue
		}
		c := map[string]int{"0": 0, "1": 1, "2": 2}[l]
		out = append(out, sentiment.Example{Text: tl[i], Label: c})
	}
	return out, nil
}

// dongDev reads the Dong-2014 dev set as ScoreTargetPhrase sees it: the target phrase is looked
// up in the text, as `overhear analyze` does with a per-line target.
type phraseExample struct {
	Text, Target string
	Label        int
}

func dongDev(path string) ([]phraseExample, error) {
	rows, err := jsonLines[targetRow](path)
	if err != nil {
		return nil, err
	}
	var out []phraseExample
	for _, r := range rows {
		if c, ok := classOf(r.Polarity); ok {
			out = append(out, phraseExample{Text: r.Text, Target: r.Target, Label: c})
		}
	}
	return out, nil
}
