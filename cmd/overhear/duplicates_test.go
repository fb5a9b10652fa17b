package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/collectortest"
)

// TestOnceCountsAStoryFromTwoSourcesOnce: the embedded default config polled the Hacker News
// collector and an hnrss.org feed, and every HN story came in twice under two ids (the
// objectID and the feed's guid). The recorded Algolia answer is served to the hackernews
// collector, and the same stories as hnrss.org writes them (guid: the item page; link: the
// article) to two rss feeds; each story is stored once, also on the next run.
func TestOnceCountsAStoryFromTwoSourcesOnce(t *testing.T) {
	const recorded = "../../collectors/hackernews/testdata/algolia_search_tim_cook_page1.json"
	hn := collectortest.NewServer(t)
	hn.Handle("/api/v1/search_by_date", collectortest.Response{File: recorded})

	var page struct {
		Hits []struct {
			ObjectID  string `json:"objectID"`
			Title     string `json:"title"`
			URL       string `json:"url"`
			Author    string `json:"author"`
			CreatedAt string `json:"created_at"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(collectortest.ReadFile(t, recorded), &page); err != nil {
		t.Fatal(err)
	}
	var items strings.Builder
	for _, h := range page.Hits {
		at, err := time.Parse(time.RFC3339, h.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		item := "https://news.ycombinator.com/item?id=" + h.ObjectID
		fmt.Fprintf(&items, `<item><title>%s</title><description><![CDATA[<p>Article URL: <a href="%s">%s</a></p><p>Comments URL: <a href="%s">%s</a></p>]]></description>
<pubDate>%s</pubDate><link>%s</link><dc:creator>%s</dc:creator><comments>%s</comments><guid isPermaLink="false">%s</guid></item>
`, html.EscapeString(h.Title), h.URL, h.URL, item, item, at.Format(time.RFC1123Z), html.EscapeString(h.URL), h.Author, item, item)
	}
	feed := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Hacker News: Newest</title><link>https://news.ycombinator.com/newest</link>` +
		items.String() + `</channel></rss>`
	feeds := collectortest.NewServer(t)
	rss := collectortest.Response{Header: http.Header{"Content-Type": {"application/rss+xml"}}, Body: []byte(feed)}
	feeds.Handle("/newest", rss)
	feeds.Handle("/frontpage", rss)

	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`
storage: {path: %s, retention: 0}
http: {listen: 127.0.0.1:0}
brands: [{name: Apple, query: '"tim cook"'}]
sources:
  hackernews:
    base_url: %s
    backfill: 10000d
  rss:
    - url: %s/newest?q=tim+cook
    - url: %s/frontpage
`, filepath.Join(dir, "overhear.db"), hn.URL, feeds.URL, feeds.URL))
	once := func() {
		t.Helper()
		m, out, errb := testMain("")
		if code := m.Run(context.Background(), []string{"once", "--config", cfg}); code != 0 {
			t.Fatalf("once = %d: %s%s", code, out.String(), errb.String())
		}
	}
	stats := func() Stats {
		t.Helper()
		m, out, errb := testMain("")
		if code := m.Run(context.Background(), []string{"stats", "--config", cfg}); code != 0 {
			t.Fatalf("stats = %d: %s", code, errb.String())
		}
		var st Stats
		if err := json.Unmarshal(out.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	want := int64(0)
	for _, h := range page.Hits {
		if collectors.MustParseQuery(`"tim cook"`).MatchString(h.Title) {
			want++
		}
	}
	once()
	st := stats()
	if st.MentionsTotal != want || st.ByBrand["Apple"] != want || st.BySource["hackernews"]+st.BySource["rss"] != want {
		t.Errorf("after once: %d mentions (%v), want %d: one per story", st.MentionsTotal, st.BySource, want)
	}
	once() // a restart: the index of canonical URLs is in the store
	if st2 := stats(); st2.MentionsTotal != st.MentionsTotal {
		t.Errorf("second once: %d mentions, want %d", st2.MentionsTotal, st.MentionsTotal)
	}
	if _, err := os.Stat(filepath.Join(dir, "overhear.db")); err != nil {
		t.Fatal(err)
	}
}
