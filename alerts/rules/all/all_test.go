package all

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/overhear/overhear/alerts"
)

// TestEveryRuleTypeIsComplete checks that each rule folder has its README and a file here,
// and that what is registered matches the folders.
func TestEveryRuleTypeIsComplete(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "all" {
			continue
		}
		name := e.Name()
		folders = append(folders, name)
		for _, f := range []string{filepath.Join("..", name, "README.md"), name + ".go"} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("rule type %s: %v", name, err)
			}
		}
		if _, ok := alerts.LookupRuleType(name); !ok {
			t.Errorf("rule folder %s does not register a rule type called %q", name, name)
		}
	}
	registered := slices.DeleteFunc(alerts.RuleTypeNames(), func(n string) bool { return slices.Contains(alerts.RuleTypes, n) })
	slices.Sort(folders)
	if !slices.Equal(registered, folders) {
		t.Errorf("registered %v, folders %v", registered, folders)
	}
}
