package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
)

// TestOnceRunsDueDeletionRechecks: `once` from cron used to poll and exit without ever
// rechecking stored Reddit items for deletion (only serve's ticker did), so items deleted at
// the source stayed in the store for ever. Now `once` runs the recheck when it is due, and a
// second `once` right after does not repeat it.
func TestOnceRunsDueDeletionRechecks(t *testing.T) {
	const data = "../../collectors/reddit/testdata/api/"
	ids := strings.TrimSpace(string(collectortest.ReadFile(t, data+"info_ids.txt")))
	reddit := collectortest.NewServer(t)
	reddit.Handle("/api/v1/access_token", collectortest.Response{
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"access_token": "tok", "token_type": "bearer", "expires_in": 3600, "scope": "*"}`),
	})
	empty := collectortest.Response{Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"kind": "Listing", "data": {"children": [], "after": null}}`)}
	reddit.Handle("/r/ollama/new", empty)
	reddit.Handle("/r/ollama/comments", empty)
	reddit.Handle("/search", empty)
	// The recorded /api/info answer: the first post intact; deleted, removed, deleted, missing.
	reddit.Handle("/api/info", collectortest.Response{File: data + "info.json"})

	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`
storage: {path: %s, retention: 0}
http: {listen: 127.0.0.1:0}
brands: [{name: Ollama, query: ollama}]
sources:
  reddit:
    subreddits: [ollama]
    client_id: id
    client_secret: secret
    user_agent: "test:overhear:v0 (by /u/overhear_test)"
    base_url: %s
    token_url: %s/api/v1/access_token
`, filepath.Join(dir, "overhear.db"), reddit.URL, reddit.URL))
	var in strings.Builder
	now := time.Now().UTC().Format(time.RFC3339)
	for _, id := range strings.Split(ids, ",") {
		fmt.Fprintf(&in, `{"id": %q, "source": "reddit", "text": "ollama runs it", "created_at": %q}`+"\n", id, now)
	}
	m, _, errb := testMain(in.String())
	if code := m.Run(context.Background(), []string{"ingest", "--config", cfg, "--file", "-"}); code != 0 {
		t.Fatalf("ingest = %d: %s", code, errb.String())
	}
	if n := countMentions(t, cfg); n != 5 {
		t.Fatalf("%d mentions stored, want 5", n)
	}

	once := func() string {
		t.Helper()
		m, out, errb := testMain("")
		if code := m.Run(context.Background(), []string{"once", "--config", cfg}); code != 0 {
			t.Fatalf("once = %d: %s%s", code, out.String(), errb.String())
		}
		return out.String()
	}
	out := once()
	if !strings.Contains(out, "0 new mentions stored (1 in store)") || !strings.Contains(out, "deletion recheck reddit: 5 checked, 4 purged") {
		t.Errorf("once printed %q, want the recheck's summary", out)
	}
	if n := countMentions(t, cfg); n != 1 {
		t.Errorf("%d mentions left after the recheck, want 1 (the intact post)", n)
	}
	if n := reddit.Count("/api/info"); n != 1 {
		t.Errorf("%d /api/info requests, want 1", n)
	}
	// The next cron run, minutes later, is within recheck_every (6h): no second recheck.
	if out := once(); strings.Contains(out, "deletion recheck") {
		t.Errorf("second once rechecked again: %q", out)
	}
	if n := reddit.Count("/api/info"); n != 1 {
		t.Errorf("%d /api/info requests after the second once, want 1", n)
	}
	// serve after a restart waits only until the recheck is due by the stored time (at least
	// a minute), not a whole recheck_every from its own start.
	var logs bytes.Buffer
	app := openTestApp(t, cfg, &logs)
	defer app.Close()
	inst := app.agent.Instances()[0]
	dc := inst.Collector.(collectors.DeletionChecker)
	if d := app.firstRecheckDelay(context.Background(), inst, dc); d < 5*time.Hour || d > 6*time.Hour {
		t.Errorf("first recheck just after one: in %v, want about 6h", d)
	}
	app.now = func() time.Time { return time.Now().Add(7 * time.Hour) }
	if d := app.firstRecheckDelay(context.Background(), inst, dc); d != time.Minute {
		t.Errorf("first recheck when overdue: in %v, want 1m", d)
	}
}
