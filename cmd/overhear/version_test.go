package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestResolveVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := map[string]struct {
		override string
		info     *debug.BuildInfo
		want     string
	}{
		"ldflags win":        {"v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v1.2.3"},
		"module version":     {"", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		"pseudo-version":     {"", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207211446-c22f945abcde+dirty"}}, "v0.0.0-20261207211446-c22f945abcde+dirty"},
		"devel: revision":    {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("c22f945abcdef0123456789", "false")}, "c22f945abcde"},
		"devel: dirty":       {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("c22f945abcdef0123456789", "true")}, "c22f945abcde+dirty"},
		"devel: no vcs":      {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		"no build info":      {"", nil, "dev"},
		"empty main version": {"", &debug.BuildInfo{}, "dev"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			read := func() (*debug.BuildInfo, bool) { return tt.info, tt.info != nil }
			if got := resolveVersion(tt.override, read); got != tt.want {
				t.Errorf("resolveVersion = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"--version"}, 0, "overhear " + buildVersion + "\n"},
		{[]string{"-version"}, 0, "overhear " + buildVersion + "\n"},
		{[]string{"version"}, 0, "overhear " + buildVersion + "\n"},
		{[]string{"version", "extra"}, 2, ""},
		{[]string{"--version", "--bogus"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			m, out, errb := testMain("")
			if code := m.Run(context.Background(), tt.args); code != tt.wantCode {
				t.Fatalf("exit %d, want %d (%s)", code, tt.wantCode, errb.String())
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout = %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}

// TestBinaryVersion checks the link-time version on the real binary: --version prints it and
// every collector's User-Agent carries it.
func TestBinaryVersion(t *testing.T) {
	bin := overhearBinary(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("overhear --version: %v", err)
	}
	if want := "overhear " + testBinaryVersion + "\n"; string(out) != want {
		t.Errorf("overhear --version = %q, want %q", out, want)
	}

	var mu sync.Mutex
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.UserAgent())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1/</link><description>d</description>`+
			`<item><guid>ua-1</guid><title>Ollama works</title><description>Ollama works fine here.</description><pubDate>%s</pubDate></item></channel></rss>`,
			time.Now().UTC().Format(time.RFC1123Z))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`storage: {path: %s/overhear.db}
brands:
  - name: Ollama
    query: ollama
sources:
  rss:
    - url: %s/feed.xml
`, dir, srv.URL))
	if out, err := exec.Command(bin, "once", "--config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("overhear once: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(agents) == 0 {
		t.Fatal("the feed was never requested")
	}
	want := "overhear/" + testBinaryVersion + " (+https://github.com/overhear/overhear)"
	for _, ua := range agents {
		if ua != want {
			t.Errorf("User-Agent = %q, want %q", ua, want)
		}
	}
}
