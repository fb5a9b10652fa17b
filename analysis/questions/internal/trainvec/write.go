package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// writeVectors writes the format questions.loadWordVectors reads.
func writeVectors(path string, vocab []string, counts []int, vecs [][]float32) error {
	var b bytes.Buffer
	b.WriteString("OHWV1\n")
	dim := len(vecs[0])
	binary.Write(&b, binary.LittleEndian, uint32(dim))
	n := 0
	for _, t := range vocab {
		if len(t) < 256 {
			n++
		}
	}
	binary.Write(&b, binary.LittleEndian, uint32(n))
	for i, t := range vocab {
		if len(t) >= 256 {
			continue
		}
		b.WriteByte(byte(len(t)))
		b.WriteString(t)
		binary.Write(&b, binary.LittleEndian, uint32(counts[i]))
		for _, x := range vecs[i] {
			b.WriteByte(byte(int8(math.Round(float64(x) * 127))))
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("trainvec: %w", err)
	}
	return nil
}
