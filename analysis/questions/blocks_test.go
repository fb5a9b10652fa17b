package questions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrintBlocks(t *testing.T) {
	files, _ := filepath.Glob("../../collectors/feedreader/testdata/blocks/*.golden")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Logf("%s: %q", filepath.Base(f), Detect("TITLE\n\n"+strings.TrimSpace(string(b))))
	}
}
