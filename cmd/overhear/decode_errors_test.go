package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goInternals matches what a decoder error shows of Go: types, struct fields, package names.
var goInternals = regexp.MustCompile(`Go (struct|value)|main\.|of type|interface \{\}|Unmarshaler|json: |\bfloat64\b|\bint64\b`)

func TestConfigErrorsNameKeysNotGoTypes(t *testing.T) {
	tests := map[string]struct{ yaml, want string }{
		"mapping given a number": {"alerts: 3.5\n", `:1:9: alerts: want a mapping (key: value), got "3.5"`},
		"list given a number":    {"brands: 7\n", `:1:9: brands: want a list, got "7"`},
		"bool":                   {"http:\n  insecure: maybe\n", `:2:13: http.insecure: want true or false, got "maybe"`},
		"string given a list":    {"storage:\n  path: [a]\n", `:2:9: storage.path: want a string, got a list`},
		"duration given a list":  {"storage:\n  retention: [1]\n", `:2:14: storage.retention: want a single value, got a list`},
		"bad duration":           {"storage:\n  retention: 5x\n", `:2:14: storage.retention: invalid value "5x": not a duration`},
		"unknown key":            {"http:\n  listne: x\n", `:2:3: http: unknown field "listne"`},
		"source option": {"brands: [{name: A, query: a}]\nsources:\n  hackernews:\n    max_pages: lots\n",
			`:4:16: sources.hackernews.max_pages: want a whole number, got "lots"`},
		"source duration given a mapping": {"brands: [{name: A, query: a}]\nsources:\n  rss:\n    - url: http://x/\n      every: {a: 1}\n",
			`:5:14: sources.rss[0].every: want a single value, got a mapping (key: value)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, t.TempDir(), tt.yaml)
			m, _, errb := testMain("")
			if code := m.Run(context.Background(), []string{"check", "--config", path}); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			got := errb.String()
			if !strings.Contains(got, path+tt.want) {
				t.Errorf("error = %q, want it to contain %q", got, path+tt.want)
			}
			if goInternals.MatchString(got) {
				t.Errorf("error shows Go internals: %q", got)
			}
		})
	}
}

func TestMissingConfigExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	for _, cmd := range []string{"check", "serve", "once", "stats"} {
		m, _, errb := testMain("")
		if code := m.Run(context.Background(), []string{cmd, "--config", path}); code != 2 || !strings.Contains(errb.String(), path+": config file not found") {
			t.Errorf("%s with a missing config: exit %d, %q; want 2 and \"config file not found\"", cmd, code, errb.String())
		}
	}
	unreadable := filepath.Join(t.TempDir(), "dir.yaml")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	m, _, errb := testMain("")
	if code := m.Run(context.Background(), []string{"check", "--config", unreadable}); code != 2 || !strings.Contains(errb.String(), "cannot read the config file") {
		t.Errorf("check with a folder as config: exit %d, %q", code, errb.String())
	}
}

func TestJSONLineErrorsNameFieldsNotGoTypes(t *testing.T) {
	tests := []struct{ line, want string }{
		{`{"id": 5, "text": 3}`, `line 1: field text: want a string, got a number`},
		{`[1]`, `line 1: want a JSON object, got a list`},
		{`{"id":"a","text":"x","score":"high"}`, `line 1: field score: want a number, got \"high\"`},
		{`{"id":"a","text":"x","created_at":5}`, `line 1: field created_at: want a string, got a number`},
		{`{"id":"a","text":"x","title":{"a":1}}`, `line 1: field title: want a string, got an object`},
		{`{broken`, `line 1: invalid JSON at byte 2: invalid character`},
	}
	for _, tt := range tests {
		m, out, _ := testMain(tt.line)
		m.Run(context.Background(), []string{"analyze"})
		if !strings.Contains(out.String(), tt.want) || goInternals.MatchString(out.String()) {
			t.Errorf("analyze %s = %s, want an error with %q and no Go internals", tt.line, out.String(), tt.want)
		}
		m, out, _ = testMain(tt.line)
		m.Run(context.Background(), []string{"questions", "group"})
		if goInternals.MatchString(out.String()) {
			t.Errorf("questions group %s = %s: Go internals", tt.line, out.String())
		}
	}
	// A string holding a number is still a score.
	m, out, _ := testMain(`{"id":"a","text":"x","score":"12"}`)
	m.Run(context.Background(), []string{"analyze"})
	if !strings.Contains(out.String(), `"score":12`) {
		t.Errorf("score \"12\": %s", out.String())
	}
}
