package questions

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// wordvec.bin holds small word vectors for the Clusterer's feature terms,
// built by internal/trainvec from the text (never the labels) of shared data
// sets whose licences allow it: Banking77 (CC BY 4.0, Casanueva et al. 2020),
// GoEmotions (Apache-2.0, Demszky et al. 2020), SemEval-2014 ABSA reviews,
// the Preoţiuc-Pietro 2019 complaints tweets, the CrowdFlower brand tweets
// and the Dong et al. 2014 tweets. Format: "OHWV2\n", uint32 dim, uint32 n,
// then n times (uint8 len, term, uint32 count, dim int8 components of the
// unit vector scaled by 127), then uint32 k and k common components (dim
// float32 each: the first principal components of the corpus's SIF sentence
// vectors, which the Clusterer projects out). "OHWV1\n" is the same without
// the common components.
//
//go:embed wordvec.bin
var wordvecBin []byte

// wordVectors maps a feature term to its unit vector and corpus count.
type wordVectors struct {
	dim   int
	index map[string]int32
	vecs  []float32 // n×dim
	count []uint32
	total float64
	pcs   [][]float32 // common components, unit length
}

// embedded returns the embedded word vectors, read on first use: only the Clusterer needs
// them, and reading them is 5 MB and several milliseconds at the start of every command.
var embedded = sync.OnceValue(func() *wordVectors {
	wv, err := loadWordVectors(wordvecBin)
	if err != nil {
		panic(err)
	}
	return wv
})

var errWordVec = errors.New("questions: malformed word vectors")

func loadWordVectors(b []byte) (*wordVectors, error) {
	const magic1, magic2 = "OHWV1\n", "OHWV2\n"
	if len(b) < len(magic1)+8 {
		return nil, errWordVec
	}
	version := string(b[:len(magic1)])
	if version != magic1 && version != magic2 {
		return nil, errWordVec
	}
	b = b[len(magic1):]
	dim := int(binary.LittleEndian.Uint32(b))
	n := int(binary.LittleEndian.Uint32(b[4:]))
	b = b[8:]
	wv := &wordVectors{dim: dim, index: make(map[string]int32, n), vecs: make([]float32, 0, n*dim), count: make([]uint32, 0, n)}
	for i := 0; i < n; i++ {
		if len(b) < 1 {
			return nil, errWordVec
		}
		l := int(b[0])
		if len(b) < 1+l+4+dim {
			return nil, fmt.Errorf("%w: term %d truncated", errWordVec, i)
		}
		wv.index[string(b[1:1+l])] = int32(i)
		c := binary.LittleEndian.Uint32(b[1+l:])
		wv.count = append(wv.count, c)
		wv.total += float64(c)
		var norm float64
		for _, x := range b[1+l+4 : 1+l+4+dim] {
			norm += float64(int8(x)) * float64(int8(x))
		}
		norm = math.Sqrt(norm)
		for _, x := range b[1+l+4 : 1+l+4+dim] {
			wv.vecs = append(wv.vecs, float32(float64(int8(x))/norm))
		}
		b = b[1+l+4+dim:]
	}
	if version == magic2 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: common components missing", errWordVec)
		}
		k := int(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if len(b) != k*dim*4 {
			return nil, fmt.Errorf("%w: %d bytes of common components, want %d", errWordVec, len(b), k*dim*4)
		}
		for i := 0; i < k; i++ {
			pc := make([]float32, dim)
			for j := range pc {
				pc[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*(i*dim+j):]))
			}
			wv.pcs = append(wv.pcs, pc)
		}
	} else if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errWordVec, len(b))
	}
	return wv, nil
}
