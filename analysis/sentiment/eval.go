package sentiment

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// ClassScores are the precision, recall and F1 of one class.
type ClassScores struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"` // gold items of this class
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Evaluation compares predicted labels with gold labels. Macro averages are over the classes
// present in the gold labels, as the team's devscore computes them.
type Evaluation struct {
	N           int     `json:"n"`
	Accuracy    float64 `json:"accuracy"`
	MacroF1     float64 `json:"macro_f1"`
	MacroRecall float64 `json:"macro_recall"`
	// PolarRecall is the share of the gold positive and negative items predicted with their
	// label; PolarPrecision the share of the positive and negative predictions that are right
	// (0 when nothing was predicted polar). They are devscore's "polar recall" and "polar
	// precision": how many complaints and praises are found, and how far a polar call can be
	// trusted.
	PolarRecall    float64       `json:"polar_recall"`
	PolarPrecision float64       `json:"polar_precision"`
	Classes        []ClassScores `json:"classes"`
	// Labels lists the rows and columns of Confusion: the gold classes in the order of Labels
	// (negative, neutral, positive) and then any other label, sorted.
	Labels []string `json:"labels"`
	// Confusion[i][j] counts items of gold label Labels[i] predicted as Labels[j].
	Confusion [][]int `json:"confusion"`
}

// Evaluate scores predicted against gold; both have one label per item, in the same order.
// A missing prediction (shorter predicted) counts as wrong.
func Evaluate(gold, predicted []string) Evaluation {
	present := map[string]bool{}
	for _, g := range gold {
		present[g] = true
	}
	all := map[string]bool{}
	for l := range present {
		all[l] = true
	}
	for i := range gold {
		if i < len(predicted) {
			all[predicted[i]] = true
		}
	}
	var labels []string
	for _, l := range Labels {
		if all[l] {
			labels = append(labels, l)
			delete(all, l)
		}
	}
	var rest []string
	for l := range all {
		rest = append(rest, l)
	}
	sort.Strings(rest)
	labels = append(labels, rest...)
	pos := map[string]int{}
	for i, l := range labels {
		pos[l] = i
	}
	e := Evaluation{N: len(gold), Labels: labels, Confusion: make([][]int, len(labels))}
	for i := range e.Confusion {
		e.Confusion[i] = make([]int, len(labels))
	}
	correct, polar, polarOK, called, calledOK := 0, 0, 0, 0, 0
	for i, g := range gold {
		p := ""
		if i < len(predicted) {
			p = predicted[i]
		}
		if p == g {
			correct++
		}
		if g == Positive || g == Negative {
			polar++
			if p == g {
				polarOK++
			}
		}
		if p == Positive || p == Negative {
			called++
			if p == g {
				calledOK++
			}
		}
		if j, ok := pos[p]; ok {
			e.Confusion[pos[g]][j]++
		}
	}
	if len(gold) > 0 {
		e.Accuracy = float64(correct) / float64(len(gold))
	}
	if polar > 0 {
		e.PolarRecall = float64(polarOK) / float64(polar)
	}
	if called > 0 {
		e.PolarPrecision = float64(calledOK) / float64(called)
	}
	for i, l := range labels {
		if !present[l] {
			continue
		}
		tp, fn, fp := e.Confusion[i][i], 0, 0
		for j := range labels {
			if j != i {
				fn += e.Confusion[i][j]
				fp += e.Confusion[j][i]
			}
		}
		// Unknown or missing predictions are false negatives too.
		row := 0
		for j := range labels {
			row += e.Confusion[i][j]
		}
		support := 0
		for _, g := range gold {
			if g == l {
				support++
			}
		}
		fn += support - row
		c := ClassScores{Label: l, Support: support}
		if tp+fp > 0 {
			c.Precision = float64(tp) / float64(tp+fp)
		}
		if tp+fn > 0 {
			c.Recall = float64(tp) / float64(tp+fn)
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		e.Classes = append(e.Classes, c)
		e.MacroF1 += c.F1
		e.MacroRecall += c.Recall
	}
	if k := len(e.Classes); k > 0 {
		e.MacroF1 /= float64(k)
		e.MacroRecall /= float64(k)
	}
	return e
}

// MacroF1 returns e.MacroF1; it fits TuneSet.Metric.
func MacroF1(e Evaluation) float64 { return e.MacroF1 }

// MacroRecall returns e.MacroRecall; it fits TuneSet.Metric.
func MacroRecall(e Evaluation) float64 { return e.MacroRecall }

// WriteText writes a human-readable report: the summary figures, polar recall and precision,
// per-class precision, recall and F1, and the confusion matrix (rows gold, columns predicted).
func (e Evaluation) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "items %d  accuracy %.3f  macro-F1 %.3f  macro-recall %.3f\n", e.N, e.Accuracy, e.MacroF1, e.MacroRecall)
	fmt.Fprintf(&b, "polar recall %.3f  polar precision %.3f\n\n", e.PolarRecall, e.PolarPrecision)
	fmt.Fprintf(&b, "%-10s %9s %9s %9s %9s\n", "class", "precision", "recall", "F1", "support")
	for _, c := range e.Classes {
		fmt.Fprintf(&b, "%-10s %9.3f %9.3f %9.3f %9d\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	fmt.Fprintf(&b, "\nconfusion (rows gold, columns predicted)\n%-10s", "")
	for _, l := range e.Labels {
		fmt.Fprintf(&b, " %9s", l)
	}
	b.WriteByte('\n')
	for i, l := range e.Labels {
		fmt.Fprintf(&b, "%-10s", l)
		for j := range e.Labels {
			fmt.Fprintf(&b, " %9d", e.Confusion[i][j])
		}
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("sentiment: write evaluation: %w", err)
	}
	return nil
}
