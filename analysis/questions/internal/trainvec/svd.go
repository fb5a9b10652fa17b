package main

import (
	"math"
	"math/rand/v2"
	"sort"
)

// train returns unit-length vectors for every term seen at least minCount
// times, from a rank-dim truncated SVD of the PPMI co-occurrence matrix.
var eigPow = 0.25

func train(docs [][]string, dim, minCount, window int) ([][]float32, []string, []int) {
	count := map[string]int{}
	for _, d := range docs {
		for _, t := range d {
			count[t]++
		}
	}
	var vocab []string
	for t, n := range count {
		if n >= minCount {
			vocab = append(vocab, t)
		}
	}
	sort.Strings(vocab)
	id := make(map[string]int, len(vocab))
	for i, t := range vocab {
		id[t] = i
	}
	V := len(vocab)
	// Weighted co-occurrence counts (1/distance), symmetric.
	co := make([]map[int]float64, V)
	for i := range co {
		co[i] = map[int]float64{}
	}
	for _, d := range docs {
		for i, t := range d {
			a, ok := id[t]
			if !ok {
				continue
			}
			for j := i + 1; j < len(d) && j <= i+window; j++ {
				b, ok := id[d[j]]
				if !ok || a == b {
					continue
				}
				w := 1 / float64(j-i)
				co[a][b] += w
				co[b][a] += w
			}
		}
	}
	// PPMI with context-distribution smoothing (alpha 0.75).
	rowSum := make([]float64, V)
	ctx := make([]float64, V)
	var ctxTotal float64
	keys := make([][]int, V) // sorted columns per row, so sums are deterministic
	for a := range co {
		for b := range co[a] {
			keys[a] = append(keys[a], b)
		}
		sort.Ints(keys[a])
		for _, b := range keys[a] {
			rowSum[a] += co[a][b]
		}
	}
	for a := range co {
		ctx[a] = math.Pow(rowSum[a], 0.75)
		ctxTotal += ctx[a]
	}
	type entry struct {
		col int
		v   float64
	}
	rows := make([][]entry, V)
	for a := range co {
		for _, b := range keys[a] {
			pmi := math.Log(co[a][b] * ctxTotal / (rowSum[a] * ctx[b]))
			if pmi > 0 {
				rows[a] = append(rows[a], entry{b, pmi})
			}
		}
	}
	mul := func(x [][]float64) [][]float64 { // M·x, x is V×k
		k := len(x[0])
		y := newMat(V, k)
		for a, r := range rows {
			for _, e := range r {
				xa := x[e.col]
				ya := y[a]
				for j := 0; j < k; j++ {
					ya[j] += e.v * xa[j]
				}
			}
		}
		return y
	}
	mulT := func(x [][]float64) [][]float64 { // Mᵀ·x
		k := len(x[0])
		y := newMat(V, k)
		for a, r := range rows {
			xa := x[a]
			for _, e := range r {
				yb := y[e.col]
				for j := 0; j < k; j++ {
					yb[j] += e.v * xa[j]
				}
			}
		}
		return y
	}
	k := dim + 16
	rng := rand.New(rand.NewPCG(1, 2))
	omega := newMat(V, k)
	for i := range omega {
		for j := range omega[i] {
			omega[i][j] = rng.NormFloat64()
		}
	}
	q := orth(mul(omega))
	for it := 0; it < 3; it++ {
		q = orth(mul(orth(mulT(q))))
	}
	// B = Qᵀ M (k×V); eigen-decompose B Bᵀ (k×k).
	bt := mulT(q) // V×k = Mᵀ Q = Bᵀ
	bb := make([][]float64, k)
	for i := range bb {
		bb[i] = make([]float64, k)
	}
	for _, r := range bt {
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				bb[i][j] += r[i] * r[j]
			}
		}
	}
	vals, vecs := jacobi(bb)
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	// U = Q·W; word vector = U·Σ^0.5 (Σ = sqrt(eigenvalue)), then unit length.
	out := make([][]float32, V)
	counts := make([]int, V)
	for a := 0; a < V; a++ {
		v := make([]float64, dim)
		for d := 0; d < dim; d++ {
			col := order[d]
			s := math.Pow(math.Max(vals[col], 0), eigPow)
			var u float64
			for j := 0; j < k; j++ {
				u += q[a][j] * vecs[j][col]
			}
			v[d] = u * s
		}
		var n float64
		for _, x := range v {
			n += x * x
		}
		n = math.Sqrt(n)
		out[a] = make([]float32, dim)
		for d := range v {
			if n > 0 {
				out[a][d] = float32(v[d] / n)
			}
		}
		counts[a] = count[vocab[a]]
	}
	return out, vocab, counts
}

func newMat(r, c int) [][]float64 {
	m := make([][]float64, r)
	back := make([]float64, r*c)
	for i := range m {
		m[i] = back[i*c : (i+1)*c]
	}
	return m
}

// orth orthonormalises the columns of x (modified Gram-Schmidt, twice).
func orth(x [][]float64) [][]float64 {
	n, k := len(x), len(x[0])
	for pass := 0; pass < 2; pass++ {
		for j := 0; j < k; j++ {
			for p := 0; p < j; p++ {
				var d float64
				for i := 0; i < n; i++ {
					d += x[i][j] * x[i][p]
				}
				for i := 0; i < n; i++ {
					x[i][j] -= d * x[i][p]
				}
			}
			var s float64
			for i := 0; i < n; i++ {
				s += x[i][j] * x[i][j]
			}
			s = math.Sqrt(s)
			if s == 0 {
				continue
			}
			for i := 0; i < n; i++ {
				x[i][j] /= s
			}
		}
	}
	return x
}

// jacobi returns the eigenvalues and eigenvectors (columns) of symmetric a.
func jacobi(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	v := make([][]float64, n)
	for i := range v {
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off float64
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				off += a[p][q] * a[p][q]
			}
		}
		if off < 1e-18 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-30 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p] = c*akp - s*akq
					a[k][q] = s*akp + c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = c*apk - s*aqk
					a[q][k] = s*apk + c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - s*vkq
					v[k][q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = a[i][i]
	}
	return vals, v
}
