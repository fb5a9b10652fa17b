package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// writeVectors writes the format questions.loadWordVectors reads.
func writeVectors(path string, vocab []string, counts []int, vecs [][]float32, pc []float32) error {
	var b bytes.Buffer
	b.WriteString("OHWV2\n")
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
	// The common component: uint32 count (1), then dim float32.
	binary.Write(&b, binary.LittleEndian, uint32(1))
	binary.Write(&b, binary.LittleEndian, pc)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("trainvec: %w", err)
	}
	return nil
}
