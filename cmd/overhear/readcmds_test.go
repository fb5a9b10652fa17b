package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overhear/overhear/storage"
)

// TestReadCommandsWhileServing runs the read commands against a store held by serve: they
// must answer through its HTTP API, with the same JSON as from the file.
func TestReadCommandsWhileServing(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
storage: {path: o.db}
http: {listen: 127.0.0.1:0}
brands:
  - name: Acme
    query: acme
`)
	var lines []string
	for i := 0; i < 12; i++ {
		author := fmt.Sprintf("user%d", i%4)
		lines = append(lines, fmt.Sprintf(`{"id":"%d","text":"How do I reset my Acme widget? Acme is great.","author":%q,"community":"c%d","score":%d}`, i, author, i%3, i))
	}
	m, _, errb := testMain(strings.Join(lines, "\n"))
	if code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"}); code != 0 {
		t.Fatalf("ingest = %d: %s", code, errb.String())
	}
	direct := map[string]string{}
	for _, cmd := range [][]string{{"stats"}, {"communities", "--brand", "Acme"}, {"voices", "--brand", "Acme"}, {"questions", "export", "--min-count", "2", "--format", "json"}} {
		m, out, errb := testMain("")
		if code := m.Run(context.Background(), append(cmd, "--config", cfg)); code != 0 {
			t.Fatalf("%v = %d: %s", cmd, code, errb.String())
		}
		direct[cmd[0]] = out.String()
	}
	var comm struct {
		Communities []CommunityStats `json:"communities"`
	}
	if err := json.Unmarshal([]byte(direct["communities"]), &comm); err != nil || len(comm.Communities) != 3 || comm.Communities[0].Mentions != 4 {
		t.Errorf("communities = %s (%v)", direct["communities"], err)
	}
	var voices struct {
		Voices []Voice `json:"voices"`
	}
	if err := json.Unmarshal([]byte(direct["voices"]), &voices); err != nil || len(voices.Voices) != 4 || voices.Voices[0].Mentions != 3 {
		t.Errorf("voices = %s (%v)", direct["voices"], err)
	}
	if !strings.Contains(direct["questions"], "How do I reset my Acme widget?") {
		t.Errorf("questions export = %s", direct["questions"])
	}

	_, stop := startServe(t, cfg)
	defer stop()
	for _, cmd := range [][]string{{"stats"}, {"communities", "--brand", "Acme"}, {"voices", "--brand", "Acme"}} {
		m, out, errb := testMain("")
		if code := m.Run(context.Background(), append(cmd, "--config", cfg)); code != 0 {
			t.Fatalf("%v while serving = %d: %s", cmd, code, errb.String())
		}
		if cmd[0] == "stats" {
			// store_bytes may differ once serve has written; compare the counts.
			var a, b Stats
			json.Unmarshal([]byte(direct["stats"]), &a)
			json.Unmarshal(out.Bytes(), &b)
			if a.MentionsTotal != b.MentionsTotal || a.ByBrand["Acme"] != b.ByBrand["Acme"] {
				t.Errorf("stats via serve %+v, from file %+v", b, a)
			}
			continue
		}
		if strings.TrimSpace(out.String()) != strings.TrimSpace(direct[cmd[0]]) {
			t.Errorf("%v via serve differs:\n%s\nfrom file:\n%s", cmd, out.String(), direct[cmd[0]])
		}
	}
	// backup while serve holds the store: a consistent, verified copy.
	out := filepath.Join(dir, "backup.db")
	m, _, errb = testMain("")
	if code := m.Run(context.Background(), []string{"backup", "--config", cfg, "--out", out}); code != 0 {
		t.Fatalf("backup = %d: %s", code, errb.String())
	}
	db, err := storage.Open(context.Background(), out, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, _ := db.Counts(context.Background())
	if counts["total"] != 12 {
		t.Errorf("backup holds %d mentions, want 12", counts["total"])
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, ".overhear-backup-*")); len(entries) != 0 {
		t.Errorf("temporary backup files left behind: %v", entries)
	}
	_ = os.Remove(out)
}

func TestSameWords(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"How do I run Ollama?", "how do i  run\nollama?", true},
		{"  leading and trailing  ", "leading and trailing", true},
		{"", "   ", true},
		{"run ollama", "runollama", false},
		{"run ollama", "run ollama now", false},
		{"Straße?", "STRASSE?", false},
	} {
		if got := sameWords(tt.a, tt.b); got != tt.same {
			t.Errorf("sameWords(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
		if got := sameWords(tt.b, tt.a); got != tt.same {
			t.Errorf("sameWords(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.same)
		}
	}
}
