package all

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/overhear/overhear/collectors"
)

// helpers are the folders under collectors/ that are not collectors.
var helpers = []string{"agent", "all", "collectortest", "feedreader", "httpfetch"}

// TestEveryCollectorIsComplete checks that each collector folder has its sample config, its
// README and a file here, and that what is registered matches the folders.
func TestEveryCollectorIsComplete(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if !e.IsDir() || slices.Contains(helpers, e.Name()) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := e.Name()
		folders = append(folders, name)
		for _, f := range []string{"sample.yaml", "README.md", name + ".go", name + "_test.go"} {
			if _, err := os.Stat(filepath.Join("..", name, f)); err != nil {
				t.Errorf("collector %s lacks %s", name, f)
			}
		}
		b, err := os.ReadFile(name + ".go")
		if err != nil {
			t.Errorf("collector %s has no file in collectors/all: %v", name, err)
			continue
		}
		if !strings.Contains(string(b), `import _ "github.com/overhear/overhear/collectors/`+name+`" // register collector`) {
			t.Errorf("collectors/all/%s.go should be one blank import with the comment // register collector", name)
		}
	}
	slices.Sort(folders)
	if got := collectors.Names(); !slices.Equal(got, folders) {
		t.Errorf("registered %v, folders %v: each collector registers under its folder's name", got, folders)
	}
	for _, name := range collectors.Names() {
		create, _ := collectors.Lookup(name)
		c := create()
		sample := c.SampleConfig()
		if !strings.HasPrefix(sample, "##") {
			t.Errorf("%s: sample config should start with a ## description", name)
		}
		for i, line := range strings.Split(strings.TrimRight(sample, "\n"), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") && strings.TrimSpace(line) != "" {
				t.Errorf("%s: sample.yaml line %d is not commented: %q", name, i+1, line)
			}
		}
	}
}
