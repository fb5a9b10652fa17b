package sentiment

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := os.ReadFile("../../../shared/data/tweeteval-sentiment/val_text.txt")
	lb, _ := os.ReadFile("../../../shared/data/tweeteval-sentiment/val_labels.txt")
	ts, ls := strings.Split(string(tx), "\n"), strings.Split(string(lb), "\n")
	n := 0
	for i := range ls {
		if ls[i] == "" {
			continue
		}
		g := Labels[ls[i][0]-'0']
		r := m.Score(ts[i])
		if g != r.Label && n < 60 {
			n++
			fmt.Printf("%s→%s %.2f | %s\n", g, r.Label, r.Score, ts[i])
		}
	}
}
