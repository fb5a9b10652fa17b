package main

import "math"

// sifWeight is the a of the SIF weight a/(a+p(w)); it must match the
// Clusterer's (questions.sifA).
const sifWeight = 1e-3

// commonComponent returns the first principal component of the SIF sentence
// vectors of docs (unit length, centred), the direction every sentence of
// the corpus shares, which the Clusterer removes from each question. It is
// computed by power iteration from a fixed start, so it is deterministic.
// The vectors are quantised first exactly as writeVectors stores them.
func commonComponent(docs [][]string, vocab []string, counts []int, vecs [][]float32) []float32 {
	dim := len(vecs[0])
	id := make(map[string]int, len(vocab))
	var total float64
	for i, t := range vocab {
		id[t] = i
		total += float64(counts[i])
	}
	q := make([][]float64, len(vecs)) // as the loader reads them back
	for i, v := range vecs {
		q[i] = make([]float64, dim)
		var n float64
		for j, x := range v {
			q[i][j] = float64(int8(math.Round(float64(x) * 127)))
			n += q[i][j] * q[i][j]
		}
		n = math.Sqrt(n)
		for j := range q[i] {
			q[i][j] /= n
		}
	}
	var sents [][]float64
	for _, d := range docs {
		s := make([]float64, dim)
		any := false
		for _, t := range d {
			i, ok := id[t]
			if !ok {
				continue
			}
			any = true
			w := sifWeight / (sifWeight + float64(counts[i])/total)
			for j, x := range q[i] {
				s[j] += w * x
			}
		}
		if any && unit(s) {
			sents = append(sents, s)
		}
	}
	mean := make([]float64, dim)
	for _, s := range sents {
		for j, x := range s {
			mean[j] += x / float64(len(sents))
		}
	}
	for _, s := range sents {
		for j := range s {
			s[j] -= mean[j]
		}
	}
	u := make([]float64, dim)
	for j := range u {
		u[j] = 1 / math.Sqrt(float64(dim+j))
	}
	unit(u)
	for it := 0; it < 200; it++ {
		nu := make([]float64, dim)
		for _, s := range sents {
			var d float64
			for j, x := range s {
				d += x * u[j]
			}
			for j, x := range s {
				nu[j] += d * x
			}
		}
		unit(nu)
		u = nu
	}
	out := make([]float32, dim)
	for j, x := range u {
		out[j] = float32(x)
	}
	return out
}

func unit(v []float64) bool {
	var n float64
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		return false
	}
	n = math.Sqrt(n)
	for j := range v {
		v[j] /= n
	}
	return true
}
