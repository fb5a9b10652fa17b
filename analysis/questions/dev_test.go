package questions

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The tests in this file measure detection and grouping on the team's shared
// dev data exactly as ../shared/tools/devscore does. They run only when
// OVERHEAR_DEVDATA names the shared data folder, because that data is not in
// the repository (NPS Chat is non-commercial and may not be copied here):
//
//	OVERHEAR_DEVDATA=/work/shared/data go test -run Dev -v ./analysis/questions/
//
// OVERHEAR_DEVDUMP=1 also prints the misclassified NPS posts and the clusters;
// OVERHEAR_SHUFFLE=1 groups the Banking77 questions in a shuffled order;
// OVERHEAR_DEVALL=1 groups all 10,003 instead of devscore's 1,500.

func devData(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("OVERHEAR_DEVDATA")
	if dir == "" {
		tb.Skip("OVERHEAR_DEVDATA not set")
	}
	return dir
}

func TestDevNPSChat(t *testing.T) {
	dir := devData(t)
	f, err := os.Open(filepath.Join(dir, "nps-chat-dialogue-acts", "posts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tp, fp, fn int
	dump := os.Getenv("OVERHEAR_DEVDUMP") != ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Text       string `json:"text"`
			Act        string `json:"act"`
			IsQuestion bool   `json:"is_question"`
			IsSystem   bool   `json:"is_system"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.IsSystem {
			continue
		}
		got := IsQuestion(r.Text)
		switch {
		case got && r.IsQuestion:
			tp++
		case got && !r.IsQuestion:
			fp++
			if dump {
				fmt.Printf("FP [%s] %s\n", r.Act, r.Text)
			}
		case !got && r.IsQuestion:
			fn++
			if dump {
				fmt.Printf("FN [%s] %s\n", r.Act, r.Text)
			}
		}
	}
	p := float64(tp) / float64(tp+fp)
	rc := float64(tp) / float64(tp+fn)
	f1 := 2 * p * rc / (p + rc)
	t.Logf("NPS Chat 10-* question detection: F1 %.3f (P %.3f R %.3f) tp=%d fp=%d fn=%d", f1, p, rc, tp, fp, fn)
	if f1 < 0.89 {
		t.Errorf("NPS F1 %.3f below the 0.89 floor (0.909 when written; target 0.88)", f1)
	}
}

// banking77Sample returns the 1,500 questions devscore groups and their intents.
func banking77Sample(tb testing.TB, all bool) (texts, labels []string) {
	tb.Helper()
	dir := devData(tb)
	f, err := os.Open(filepath.Join(dir, "banking77-question-clusters", "train.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	rows = rows[1:]
	for i := 0; i < len(rows); i++ {
		if !all && i%6 != 0 {
			continue
		}
		texts = append(texts, rows[i][0])
		labels = append(labels, rows[i][1])
		if !all && len(texts) == 1500 {
			break
		}
	}
	return texts, labels
}

// pairwise scores clusters against labels the way devscore does.
func pairwise(clusters, labels []string) (p, r, f1 float64, n int) {
	pairs := func(keys []string) int {
		c := map[string]int{}
		for _, k := range keys {
			c[k]++
		}
		s := 0
		for _, v := range c {
			s += v * (v - 1) / 2
		}
		return s
	}
	both := make([]string, len(labels))
	for i := range labels {
		both[i] = clusters[i] + "\x00" + labels[i]
	}
	pp, pg, t := pairs(clusters), pairs(labels), pairs(both)
	if pp > 0 {
		p = float64(t) / float64(pp)
	}
	r = float64(t) / float64(pg)
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	seen := map[string]bool{}
	for _, c := range clusters {
		seen[c] = true
	}
	return p, r, f1, len(seen)
}

func TestDevBanking77(t *testing.T) {
	texts, labels := banking77Sample(t, os.Getenv("OVERHEAR_DEVALL") != "")
	if os.Getenv("OVERHEAR_SHUFFLE") != "" {
		// Real streams are not sorted by intent as the file is.
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(texts), func(i, j int) {
			texts[i], texts[j] = texts[j], texts[i]
			labels[i], labels[j] = labels[j], labels[i]
		})
	}
	c := NewClusterer()
	if v := os.Getenv("OVERHEAR_THRESH"); v != "" {
		fmt.Sscan(v, &c.threshold)
	}
	if v := os.Getenv("OVERHEAR_ALPHA"); v != "" {
		fmt.Sscan(v, &c.alpha)
	}
	if v := os.Getenv("OVERHEAR_SHARED"); v != "" {
		fmt.Sscan(v, &c.minShared, &c.minShare)
	}
	got := make([]string, len(texts))
	if os.Getenv("OVERHEAR_STREAM") != "" {
		for i, s := range texts {
			got[i] = c.Add(s)
		}
	} else {
		got = groupWith(texts, c.threshold)
	}
	p, r, f1, n := pairwise(got, labels)
	t.Logf("Banking77 grouping: pairwise P %.3f R %.3f F1 %.3f; %d clusters for %d questions", p, r, f1, n, len(texts))
	if os.Getenv("OVERHEAR_DEVDUMP") != "" {
		dumpClusters(got, labels, texts)
	}
	// Regression floors just under the figures of Group when this was written
	// (P 0.713 F1 0.215, the same in any order); the target (F1 0.40
	// at P 0.70) is out of reach of this method, see the package README.
	if os.Getenv("OVERHEAR_STREAM") == "" && os.Getenv("OVERHEAR_DEVALL") == "" && os.Getenv("OVERHEAR_THRESH") == "" && (p < 0.70 || f1 < 0.20) {
		t.Errorf("Banking77 P %.3f F1 %.3f below the 0.70/0.20 floor", p, f1)
	}
}

// communityPost is one post of the community-brand-sentiment data with its
// gold question sentences.
type communityPost struct {
	ID, Split, Title, Text string
	Questions              []string
}

// communityPosts reads the posts and labels of one split ("train", "dev").
func communityPosts(tb testing.TB, dir, split string) []communityPost {
	tb.Helper()
	d := filepath.Join(dir, "community-brand-sentiment")
	read := func(name string, fn func([]byte)) {
		f, err := os.Open(filepath.Join(d, name))
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			fn(sc.Bytes())
		}
	}
	posts := map[string]communityPost{}
	read("posts.jsonl", func(b []byte) {
		var p communityPost
		if err := json.Unmarshal(b, &p); err != nil {
			tb.Fatal(err)
		}
		posts[p.ID] = p
	})
	var out []communityPost
	read("labels.jsonl", func(b []byte) {
		var l communityPost
		if err := json.Unmarshal(b, &l); err != nil {
			tb.Fatal(err)
		}
		if l.Split != split {
			return
		}
		p := posts[l.ID]
		p.Split, p.Questions = l.Split, l.Questions
		out = append(out, p)
	})
	return out
}

// fullText joins a title and body as collectors.Mention.FullText does.
func fullText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	}
	return title + "\n\n" + text
}

// TestDevCommunity measures question sentences on the community dev split as
// devscore community does. OVERHEAR_DEVDUMP=1 prints the false positives and
// the missed gold sentences.
func TestDevCommunity(t *testing.T) {
	dir := devData(t)
	posts := communityPosts(t, dir, "dev")
	dump := os.Getenv("OVERHEAR_DEVDUMP") != ""
	var nPred, nGold, tpP, tpG int
	for _, p := range posts {
		pred := Detect(fullText(p.Title, p.Text))
		nPred += len(pred)
		nGold += len(p.Questions)
		for _, q := range pred {
			ok := false
			for _, g := range p.Questions {
				ok = ok || SameSentence(q, g)
			}
			if ok {
				tpP++
			} else if dump {
				fmt.Printf("FP %s %q\n", p.ID, q)
			}
		}
		for _, g := range p.Questions {
			ok := false
			for _, q := range pred {
				ok = ok || SameSentence(q, g)
			}
			if ok {
				tpG++
			} else if dump {
				fmt.Printf("FN %s %q\n", p.ID, g)
			}
		}
	}
	prec, rec := float64(tpP)/float64(max(1, nPred)), float64(tpG)/float64(max(1, nGold))
	t.Logf("community dev questions: sentence P %.3f R %.3f (%d predicted, %d gold)", prec, rec, nPred, nGold)
	// Floors just under the figures when the model was trained (P 0.873 R 0.879).
	if prec < 0.86 || rec < 0.86 {
		t.Errorf("community dev P %.3f R %.3f below the 0.86/0.86 floor", prec, rec)
	}
}

// groupedQuestion is one line of community-brand-sentiment/question-groups.jsonl.
type groupedQuestion struct {
	QID   string `json:"qid"`
	Post  string `json:"post"`
	Text  string `json:"text"`
	Group string `json:"group"`
}

// TestDevCommunityGrouping groups the annotated r/ollama questions the way
// devscore community does (text only, file order; OVERHEAR_SHUFFLE=1 shuffles)
// and prints pairwise precision and recall. OVERHEAR_DEVDUMP=1 prints the
// predicted clusters with their gold groups.
func TestDevCommunityGrouping(t *testing.T) {
	dir := devData(t)
	f, err := os.Open(filepath.Join(dir, "community-brand-sentiment", "question-groups.jsonl"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	var qs []groupedQuestion
	dec := json.NewDecoder(f)
	for dec.More() {
		var q groupedQuestion
		if err := dec.Decode(&q); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	if os.Getenv("OVERHEAR_SHUFFLE") != "" {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	}
	texts := make([]string, len(qs))
	labels := make([]string, len(qs))
	for i, q := range qs {
		texts[i], labels[i] = q.Text, q.Group
	}
	got := Group(texts)
	p, r, f1, n := pairwise(got, labels)
	t.Logf("community grouping: pairwise P %.3f R %.3f F1 %.3f; %d clusters for %d questions", p, r, f1, n, len(texts))
	for _, th := range []float64{0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7} {
		p, r, f1, n := pairwise(groupWith(texts, th), labels)
		t.Logf("  threshold %.2f: P %.3f R %.3f F1 %.3f; %d clusters", th, p, r, f1, n)
	}
	if os.Getenv("OVERHEAR_DEVDUMP") != "" {
		dumpClusters(got, labels, texts)
	}
	// Floor just under the figure when this was written (P 0.708, in any order).
	if p < 0.68 {
		t.Errorf("community grouping P %.3f below the 0.68 floor", p)
	}
}

func dumpClusters(got, labels, texts []string) {
	byC := map[string][]int{}
	var order []string
	for i, id := range got {
		if byC[id] == nil {
			order = append(order, id)
		}
		byC[id] = append(byC[id], i)
	}
	for _, id := range order {
		if len(byC[id]) < 2 {
			continue
		}
		fmt.Printf("== %s\n", id)
		for _, i := range byC[id] {
			fmt.Printf("   %-28s %s\n", labels[i], texts[i])
		}
	}
}
