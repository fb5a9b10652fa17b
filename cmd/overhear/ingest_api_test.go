package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var ingestLines = strings.Join([]string{
	`{"id":"a1","text":"Acme support never answers, terrible.","source":"rss","thread_id":"x1"}`,
	``,
	`{"id":"a2","text":"nothing relevant"}`,
	`not json`,
	`{"id":"a3","text":"acme","created_at":"last tuesday"}`,
	`{"id":"a1","text":"Acme support never answers, terrible.","source":"rss","thread_id":"x1"}`,
	`{"id":"a4","text":"How do I reset my Acme widget?"}`,
}, "\n")

func TestAPIIngest(t *testing.T) {
	app, ts, _ := apiFixture(t)
	code, body := post(t, ts.URL+"/api/ingest", "", ingestLines)
	var res ingestResult
	if err := json.Unmarshal([]byte(body), &res); err != nil || code != 200 {
		t.Fatalf("POST /api/ingest = %d %s", code, body)
	}
	want := "read 6 lines: 2 stored, 1 already stored, 1 skipped (not matching any brand or topic), 2 invalid"
	if res.Summary != want || res.Stored != 2 || res.Duplicates != 1 || res.Unmatched != 1 || res.Lines != 6 {
		t.Errorf("summary = %+v, want %q", res, want)
	}
	if len(res.Invalid) != 2 || res.Invalid[0].Line != 4 || !strings.HasPrefix(res.Invalid[0].Error, "invalid JSON") ||
		res.Invalid[1].Line != 5 || !strings.Contains(res.Invalid[1].Error, "RFC 3339") {
		t.Errorf("invalid = %+v, want lines 4 and 5", res.Invalid)
	}
	if n := countStored(t, app); n != 5 {
		t.Errorf("%d mentions stored, want 5 (3 before and 2 new)", n)
	}
	// Sent again, nothing is stored twice.
	if _, body := post(t, ts.URL+"/api/ingest", "", ingestLines); !strings.Contains(body, `"stored":0,"duplicates":3`) {
		t.Errorf("second POST = %s", body)
	}
	for _, tt := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/api/ingest", http.StatusMethodNotAllowed},
		{http.MethodPost, "/api/ingest?dry_run=1", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
		}
	}
	// Over the body limit: 413, and what came before the limit was processed.
	defer func(n int64) { maxIngestBody = n }(maxIngestBody)
	maxIngestBody = 300
	big := strings.Repeat(`{"id":"b","text":"Acme again and again and again"}`+"\n", 20)
	code, body = post(t, ts.URL+"/api/ingest", "", big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "request body over 300 bytes") {
		t.Errorf("big body = %d %s, want 413", code, body)
	}
}

func countStored(t *testing.T, app *App) int {
	t.Helper()
	c, err := app.db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(c["total"])
}

func TestIngestGoesThroughServeWhenItHoldsTheStore(t *testing.T) {
	feeds := newFeedServer(t, "ollama.atom")
	config := strings.Replace(fmt.Sprintf(e2eConfig, feeds.URL), "http: {listen: 127.0.0.1:0}", "http: {listen: 127.0.0.1:0, auth_token: s3cret-token}", 1)
	config = strings.Replace(config, "    query: ollama\n", "    query: ollama OR acme\n", 1)
	cfg := writeConfig(t, t.TempDir(), config)
	addr, _ := startServe(t, cfg)
	base := "http://" + addr
	// /api/ingest requires the token like the rest of /api/*.
	if code, _ := post(t, base+"/api/ingest", "", ingestLines); code != http.StatusUnauthorized {
		t.Errorf("POST without the token = %d, want 401", code)
	}
	// Small requests, so the lines cross several of them and keep their numbers.
	defer func(n int) { ingestChunkBytes = n }(ingestChunkBytes)
	ingestChunkBytes = 100
	m, out, errb := testMain(ingestLines)
	code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"})
	if code != 1 {
		t.Errorf("ingest with invalid lines through serve = exit %d, want 1: %s", code, errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != "read 6 lines: 2 stored, 1 already stored, 1 skipped (not matching any brand or topic), 2 invalid" {
		t.Errorf("stdout = %q", got)
	}
	for _, want := range []string{"sending the mentions to its /api/ingest", "invalid: line 4: invalid JSON", "invalid: line 5: created_at"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/mentions?brand=Ollama&source=import", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ids := mentionIDs(t, string(b)); ids != "a4" {
		t.Errorf("stored through serve: [%s], want [a4] from import", ids)
	}
	// All valid: exit 0.
	m, out, errb = testMain(`{"id":"a5","text":"acme rocks"}`)
	if code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"}); code != 0 || !strings.Contains(out.String(), "1 stored") {
		t.Errorf("ingest through serve = %d %q %q", code, out.String(), errb.String())
	}
}
