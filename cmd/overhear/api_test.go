package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// apiFixture ingests a few mentions into a fresh store and serves its handler.
func apiFixture(t *testing.T) (*App, *httptest.Server, string) {
	t.Helper()
	cfg := writeConfig(t, t.TempDir(), `
storage: {path: o.db}
http: {listen: 127.0.0.1:0}
brands:
  - name: Acme
    query: acme
`)
	in := strings.Join([]string{
		`{"id":"neg","text":"Acme broke again, support never answers. Terrible, I hate it.","source":"rss","thread_id":"t1"}`,
		`{"id":"pos","text":"Acme is great, I love how fast and reliable it is.","source":"rss","thread_id":"t2"}`,
		`{"id":"fr","text":"J'adore vraiment Acme, il fonctionne parfaitement sur mon ordinateur portable depuis des mois.","source":"rss","thread_id":"t3"}`,
	}, "\n")
	m, _, errb := testMain(in)
	if code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"}); code != 0 {
		t.Fatalf("ingest = %d: %s", code, errb.String())
	}
	c, err := LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app, err := openApp(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(app.handler(func() error { return nil }))
	t.Cleanup(func() { ts.Close(); app.Close() })
	return app, ts, cfg
}

func mentionIDs(t *testing.T, body string) string {
	t.Helper()
	var page struct{ Mentions []struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var ids []string
	for _, m := range page.Mentions {
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func TestAPIMentionsSentimentFilter(t *testing.T) {
	_, ts, _ := apiFixture(t)
	tests := []struct{ query, want string }{
		{"", "fr,neg,pos"},
		{"?sentiment=negative", "neg"},
		{"?brand=Acme&sentiment=positive", "pos"},
		{"?sentiment=unscored", "fr"},
		{"?brand=Acme&sentiment=neutral", ""},
	}
	for _, tt := range tests {
		code, body := get(t, ts.URL+"/api/mentions"+tt.query)
		if code != 200 {
			t.Errorf("%s: %d %s", tt.query, code, body)
			continue
		}
		if got := mentionIDs(t, body); got != tt.want {
			t.Errorf("/api/mentions%s = [%s], want [%s]", tt.query, got, tt.want)
		}
	}
}

func TestAPIRejectsUnknownParamsAndBrands(t *testing.T) {
	_, ts, _ := apiFixture(t)
	tests := []struct {
		path     string
		code     int
		contains string
	}{
		{"/api/mentions?sentiment=angry", 400, "sentiment"},
		{"/api/mentions?brand=Nope", 404, `brand "Nope" is not in the config`},
		{"/api/mentions?topic=nope", 404, `topic "nope"`},
		{"/api/mentions?sentimet=negative", 400, `unknown query parameter "sentimet": accepted are brand, topic, source`},
		{"/api/questions?brnad=Acme", 400, `unknown query parameter "brnad": accepted are brand, topic, since, min-count`},
		{"/api/communities?limit=3", 400, `accepted are brand, since`},
		{"/api/voices?x=1", 400, `min-mentions`},
		{"/api/alerts?brand=Acme", 400, `accepted are limit`},
		{"/api/stats?brand=Acme", 400, `takes none`},
		{"/api/backup?full=1", 400, `takes none`},
		{"/api/mentions?brand=Acme&sentiment=negative&limit=5", 200, `"mentions"`},
		{"/api/questions?brand=Acme&format=json", 200, ``},
		{"/api/stats", 200, `mentions_total`},
	}
	for _, tt := range tests {
		code, body := get(t, ts.URL+tt.path)
		body = strings.ReplaceAll(body, `\"`, `"`)
		if code != tt.code || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s = %d %.300s, want %d containing %q", tt.path, code, body, tt.code, tt.contains)
		}
	}
}
