package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Secrets of the security test; each must never appear in any output.
const (
	secRedditID     = "reddit-client-id"
	secRedditSecret = "reddit-SECRET-9f8e7d6c5b4a"
	secSlackPath    = "/services/T0SECRET/B0SECRET/XXSLACKSECRETXX"
	secDiscourseKey = "discourse-KEY-0a1b2c3d4e5f"
	secAuthToken    = "auth-TOKEN-f00dfeedbeef"
)

// echoServer fails every request and echoes it back (request line, headers including
// Authorization and Api-Key, body) in the error body, as a hostile or misconfigured proxy
// might; any error message that quotes a response body would leak the secrets it was sent.
func echoServer(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dump, _ := httputil.DumpRequest(r, true)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Echo-Path", r.URL.Path)
		w.WriteHeader(status)
		w.Write(dump)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecretsNeverLeak configures every secret (Reddit client secret, Slack webhook URL,
// Discourse API key, HTTP auth token) against fake endpoints that fail and echo what they were
// sent, runs check, once, alerts test and serve with debug logging, reads every HTTP endpoint
// and the metrics, and looks for each secret (and the Basic-auth encoding of the Reddit
// credentials) in all of it.
func TestSecretsNeverLeak(t *testing.T) {
	reddit := echoServer(t, http.StatusUnauthorized)
	discourse := echoServer(t, http.StatusForbidden)
	slackSrv := echoServer(t, http.StatusBadRequest)
	feed := newProducer("q", 1)
	feed.age = func(int) time.Duration { return 10 * time.Minute } // old enough to be "unattended"
	feedSrv := httptest.NewServer(feedHandler(feed, 0))
	defer feedSrv.Close()

	t.Setenv("OVERHEAR_TEST_SLACK", slackSrv.URL+secSlackPath)
	t.Setenv("OVERHEAR_TEST_DISCOURSE_KEY", secDiscourseKey)
	t.Setenv("OVERHEAR_TEST_TOKEN", secAuthToken)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, fmt.Sprintf(`storage: {path: %s, retention: 0}
http:
  listen: "127.0.0.1:0"
  auth_token: ${OVERHEAR_TEST_TOKEN}
log: {level: debug}
brands:
  - name: Ollama
    query: ollama
sources:
  reddit:
    subreddits: [ollama]
    client_id: %s
    client_secret: %s
    user_agent: "test:overhear-security:v0 (by /u/overhear_test)"
    base_url: %s
    token_url: %s/api/v1/access_token
  discourse:
    - url: %s
      api_key: ${OVERHEAR_TEST_DISCOURSE_KEY}
      api_username: system
  rss:
    - url: %s/feed.xml
alerts:
  sinks:
    - name: team
      type: slack
      webhook_url: ${OVERHEAR_TEST_SLACK}
  rules:
    - type: unattended_question
      delay: 1m
      min_engagement: 0
`, filepath.Join(dir, "overhear.db"), secRedditID, secRedditSecret, reddit.URL, reddit.URL, discourse.URL, feedSrv.URL))

	secrets := []string{secRedditSecret, secSlackPath, "T0SECRET", "XXSLACKSECRETXX", secDiscourseKey, secAuthToken,
		base64.StdEncoding.EncodeToString([]byte(secRedditID + ":" + secRedditSecret)),
		base64.URLEncoding.EncodeToString([]byte(secRedditID + ":" + secRedditSecret))}
	var all bytes.Buffer
	leaks := func(what, s string) {
		t.Helper()
		all.WriteString(s)
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				i := strings.Index(s, sec)
				t.Errorf("%s leaks a secret: …%s…", what, s[max(0, i-200):min(len(s), i+len(sec)+50)])
			}
		}
	}
	run := func(args ...string) (code int, out string) {
		t.Helper()
		var stdout, stderr syncBuffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Logger: slog.New(slog.NewJSONHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		code = m.Run(ctx, args)
		leaks("overhear "+strings.Join(args[:1], " ")+" stdout", stdout.String())
		leaks("overhear "+strings.Join(args[:1], " ")+" stderr and logs", stderr.String())
		return code, stdout.String() + stderr.String()
	}

	if code, out := run("check", "--config", cfgPath); code != 0 || !strings.Contains(out, "client_id") {
		t.Fatalf("check = %d:\n%s", code, out)
	}
	// once: Reddit's token endpoint and the forum refuse, the feed works, the alert's Slack
	// delivery is refused (permanently) with the request echoed back.
	code, out := run("once", "--config", cfgPath)
	if code != 1 || !strings.Contains(out, "401") || !strings.Contains(out, "403") {
		t.Errorf("once = %d, want 1 with the 401 and 403 reported:\n%s", code, tail(out, 4000))
	}
	if !strings.Contains(out, "alert dropped after a permanent delivery error") {
		t.Errorf("once did not try the Slack sink:\n%s", tail(out, 4000))
	}
	if code, out := run("alerts", "test", "--config", cfgPath); code != 1 || !strings.Contains(out, "HTTP 400") {
		t.Errorf("alerts test = %d, want 1 with Slack's 400:\n%s", code, out)
	}
	code, out = run("alerts", "list", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "last_error") {
		t.Errorf("alerts list = %d, want the dropped alert with its error:\n%s", code, out)
	}

	// serve, and every endpoint with and without the token.
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: &logs, Stderr: &logs,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Ready:  func(addr string) { addrCh <- addr }}
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--config", cfgPath}) }()
	var base string
	select {
	case a := <-addrCh:
		base = "http://" + a
	case <-done:
		t.Fatalf("serve exited:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		leaks("GET "+path, string(b))
		for k, vs := range resp.Header {
			leaks("GET "+path+" header "+k, strings.Join(vs, " "))
		}
		return resp.StatusCode, string(b)
	}
	// Wait for a poll of each failing source, so their errors are in the logs and metrics.
	waitFor(t, "failed polls of reddit and discourse", func() bool {
		_, mt := get("/metrics", "")
		return metricValue(mt, `overhear_collector_polls_total{result="error",source="reddit"}`) >= 1 &&
			metricValue(mt, `overhear_collector_polls_total{result="error",source="discourse"}`) >= 1
	})
	for _, p := range []string{"/api/mentions", "/api/stats", "/api/questions", "/api/communities", "/api/voices", "/api/alerts", "/api/backup"} {
		for _, tok := range []string{"", "wrong-token", secAuthToken[:len(secAuthToken)-1]} {
			if code, body := get(p, tok); code != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q = %d, want 401: %.200s", p, tok, code, body)
			}
		}
		if p == "/api/backup" {
			continue // the store file itself: it holds no secret, but is binary
		}
		if code, body := get(p, secAuthToken); code != http.StatusOK {
			t.Errorf("GET %s with the token = %d: %.300s", p, code, body)
		}
	}
	// /metrics and /healthz stay open to a scraper without the token (docs/reliability.md).
	for _, p := range []string{"/metrics", "/healthz", "/"} {
		if code, body := get(p, ""); code != http.StatusOK {
			t.Errorf("GET %s = %d: %.300s", p, code, body)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop")
	}
	leaks("serve logs", logs.String())
	if strings.Contains(all.String(), "panic") {
		t.Errorf("a panic was printed:\n%s", tail(all.String(), 3000))
	}
	// The fakes really were sent the secrets: the test would prove nothing otherwise.
	if !strings.Contains(out, "last_error") {
		t.Log(out)
	}
}

// TestNonLoopbackListenNeedsTokenOrInsecure: a non-loopback http.listen is refused without
// http.auth_token unless http.insecure is set, and serve says at start-up which it is.
func TestNonLoopbackListenNeedsTokenOrInsecure(t *testing.T) {
	dir := t.TempDir()
	base := fmt.Sprintf("storage: {path: %s}\nbrands: [{name: Acme, query: acme}]\n", filepath.Join(dir, "overhear.db"))
	for name, c := range map[string]struct {
		http string
		code int
		want string
	}{
		"loopback":           {`{listen: "127.0.0.1:0"}`, 0, ""},
		"ipv6 loopback":      {`{listen: "[::1]:0"}`, 0, ""},
		"localhost":          {`{listen: "localhost:0"}`, 0, ""},
		"all interfaces":     {`{listen: "0.0.0.0:9464"}`, 2, "set http.auth_token"},
		"empty host":         {`{listen: ":9464"}`, 2, "set http.auth_token"},
		"with token":         {`{listen: "0.0.0.0:9464", auth_token: ` + secAuthToken + `}`, 0, ""},
		"explicitly open":    {`{listen: "0.0.0.0:9464", insecure: true}`, 0, ""},
		"token file missing": {`{listen: "0.0.0.0:9464", auth_token_file: /nonexistent/token}`, 2, "auth_token"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(base+"http: "+c.http+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			m, out, errb := testMain("")
			code := m.Run(context.Background(), []string{"check", "--config", path})
			if code != c.code || !strings.Contains(errb.String(), c.want) {
				t.Errorf("check = %d %s, want %d %q", code, errb.String(), c.code, c.want)
			}
			if strings.Contains(out.String()+errb.String(), secAuthToken) {
				t.Errorf("check printed the token:\n%s", out.String())
			}
		})
	}
	// serve on all interfaces says how it is protected.
	for _, c := range []struct{ http, want string }{
		{`{listen: "0.0.0.0:0", insecure: true}`, "WITHOUT authentication"},
		{`{listen: "0.0.0.0:0", auth_token: ` + secAuthToken + `}`, "requires the bearer token"},
	} {
		path := filepath.Join(dir, "serve.yaml")
		if err := os.WriteFile(path, []byte(base+"http: "+c.http+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &logs,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Ready: func(a string) { ready <- a }}
		done := make(chan int, 1)
		go func() { done <- m.Run(ctx, []string{"serve", "--config", path}) }()
		select {
		case <-ready:
		case <-done:
			t.Fatalf("serve exited:\n%s", logs.String())
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not start")
		}
		cancel()
		<-done
		if !strings.Contains(logs.String(), c.want) || strings.Contains(logs.String(), secAuthToken) {
			t.Errorf("serve with %s logged:\n%s", c.http, logs.String())
		}
	}
}
