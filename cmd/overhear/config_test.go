package main

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/overhear/overhear/collectors"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte("brands:\n  - name: Acme\n    query: acme\n"), "c.yaml", "/etc/overhear")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Path != "/etc/overhear/overhear.db" {
		t.Errorf("relative storage path resolved to %q", cfg.Storage.Path)
	}
	if cfg.Storage.Retention.D() != 90*24*time.Hour || cfg.HTTP.Listen != "127.0.0.1:9464" || cfg.Alerts.Every.D() != time.Minute {
		t.Errorf("defaults = %+v %+v", cfg.Storage, cfg.HTTP)
	}
}

func TestEmbeddedDefaultConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Brands) == 0 || len(cfg.Instances) == 0 || len(cfg.Warnings) != 0 {
		t.Errorf("default config: %d brands, %d sources, warnings %v", len(cfg.Brands), len(cfg.Instances), cfg.Warnings)
	}
}

func TestConfigErrorsNameKeyLineAndColumn(t *testing.T) {
	t.Setenv("OVERHEAR_TEST_SET", "value")
	tests := []struct {
		name, yaml string
		line, col  int
		want       string
	}{
		{"unknown key", "brands:\n  - name: A\n    query: a\n    bogus: 1\n", 4, 5, `unknown field "bogus"`},
		{"bad query column", "brands:\n  - name: A\n    query: 'acme OR'\n", 3, 18, "OR needs a term"},
		{"bad duration", "storage:\n  retention: 5q\nbrands:\n  - name: A\n    query: a\n", 2, 14, `"5q"`},
		{"unset env", "brands:\n  - name: A\n    query: a\nalerts:\n  sinks:\n    - name: x\n      type: slack\n      webhook_url: ${OVERHEAR_TEST_UNSET}\n", 8, 20, "OVERHEAR_TEST_UNSET is not set"},
		{"duplicate brand", "brands:\n  - name: A\n    query: a\n  - name: A\n    query: b\n", 4, 11, "defined twice"},
		{"unknown source", "brands:\n  - name: A\n    query: a\nsources:\n  gopher: {}\n", 5, 11, "unknown source"},
		{"unknown account source", "brands:\n  - name: A\n    query: a\n    accounts: {myspace: [a]}\n", 4, 25, "unknown source"},
		{"rss without url", "brands:\n  - name: A\n    query: a\nsources:\n  rss:\n    - every: 5m\n", 6, 0, "sources.rss[0].url: required"},
		{"public listen without token", "http: {listen: 0.0.0.0:9464}\nbrands:\n  - name: A\n    query: a\n", 1, 16, "auth_token"},
		{"nothing to listen for", "storage: {path: x.db}\n", 0, 0, "at least one brand or topic"},
		{"yaml syntax", "brands: [\n", 1, 9, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml), "c.yaml", "")
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *ConfigError", err)
			}
			if ce.Line != tt.line || (tt.col != 0 && ce.Column != tt.col) || !strings.Contains(ce.Error(), tt.want) {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", ce.Error(), ce.Line, ce.Column, tt.want, tt.line, tt.col)
			}
			if !strings.HasPrefix(ce.Error(), "c.yaml") {
				t.Errorf("error does not name the file: %q", ce.Error())
			}
		})
	}
}

func TestConfigEnvAndSecrets(t *testing.T) {
	t.Setenv("OVERHEAR_TOKEN", "s3cr3t-token")
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("from-file\n"), 0o600)
	cfg, err := ParseConfig([]byte(`
http: {listen: 0.0.0.0:9464, auth_token: "${OVERHEAR_TOKEN}"}
brands:
  - name: "${OVERHEAR_BRAND:-Acme}"
    query: acme
`), "c.yaml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.AuthToken.Reveal() != "s3cr3t-token" || cfg.Brands[0].Name != "Acme" {
		t.Errorf("expanded: token %q, brand %q", cfg.HTTP.AuthToken.Reveal(), cfg.Brands[0].Name)
	}
	m, out, _ := testMain("")
	path := writeConfig(t, dir, "http: {listen: 0.0.0.0:9464, auth_token: \"${OVERHEAR_TOKEN}\"}\nbrands:\n  - name: Acme\n    query: acme\n")
	if code := m.Run(t.Context(), []string{"check", "--config", path}); code != 0 {
		t.Fatalf("check = %d", code)
	}
	if strings.Contains(out.String(), "s3cr3t") || !strings.Contains(out.String(), "<secret>") {
		t.Errorf("check printed the secret or no mask:\n%s", out.String())
	}
	// A relative *_file path is relative to the config file's folder, not the working
	// directory; in collector blocks too (reddit's client_secret_file here).
	t.Chdir(t.TempDir())
	cfg, err = ParseConfig([]byte("http: {listen: 127.0.0.1:1, auth_token_file: token}\nbrands:\n  - name: A\n    query: a\n"+
		"sources:\n  reddit:\n    subreddits: [ollama]\n    client_id: id\n    client_secret_file: token\n"), "c.yaml", dir)
	if err != nil {
		t.Fatalf("relative token file: %v", err)
	}
	// (reddit's Init read its file, or the parse would have failed with "no such file")
	if cfg.HTTP.AuthToken.Reveal() != "from-file" {
		t.Errorf("auth_token_file: read %q, want from-file", cfg.HTTP.AuthToken.Reveal())
	}
	_, err = ParseConfig([]byte("http: {listen: 127.0.0.1:1, auth_token: x, auth_token_file: "+tokenFile+"}\nbrands:\n  - name: A\n    query: a\n"), "c.yaml", dir)
	if err == nil || !strings.Contains(err.Error(), "auth_token and auth_token_file are both set") {
		t.Errorf("both set: err = %v", err)
	}
}

func TestConfigWarnsOnMixedAndOr(t *testing.T) {
	cfg, err := ParseConfig([]byte("brands:\n  - name: A\n    query: acme widgets OR foo\n"), "c.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "c.yaml:3") {
		t.Errorf("warnings = %v", cfg.Warnings)
	}
}

// TestEmbeddedDefaultConfigHasNoOverlappingSources: the default config polled an hnrss.org feed
// beside the Hacker News collector, so every HN story about Ollama came in twice (issue 14).
// No feed of the default may read what another of its sources reads already.
func TestEmbeddedDefaultConfigHasNoOverlappingSources(t *testing.T) {
	var raw struct {
		Sources struct {
			RSS []struct {
				URL string `yaml:"url"`
			} `yaml:"rss"`
			HackerNews any `yaml:"hackernews"`
			Reddit     any `yaml:"reddit"`
		} `yaml:"sources"`
	}
	if err := yaml.Unmarshal(defaultConfigYAML, &raw); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	if raw.Sources.HackerNews != nil {
		covered["hnrss.org"], covered["news.ycombinator.com"] = true, true
	}
	if raw.Sources.Reddit != nil {
		covered["reddit.com"] = true
	}
	seen := map[string]bool{}
	for _, f := range raw.Sources.RSS {
		canon := collectors.CanonicalURL(f.URL)
		u, err := url.Parse(canon)
		if err != nil || canon == "" {
			t.Fatalf("feed %q: %v", f.URL, err)
		}
		if covered[u.Hostname()] {
			t.Errorf("feed %s reads what another source of the default config reads", f.URL)
		}
		if seen[canon] {
			t.Errorf("feed %s is listed twice", f.URL)
		}
		seen[canon] = true
	}
}
