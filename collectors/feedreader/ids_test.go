package feedreader

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/collectors/collectortest"
)

// TestRepeatedGUID is the regression test for a guid repeated inside one feed: the recorded
// scripting.com feed gives two pairs of different posts the same permalink as guid and link,
// and the second post of each pair was lost (the store keeps one mention per id). Both are kept
// now, with ids that survive the next poll.
func TestRepeatedGUID(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	body := collectortest.ReadFile(t, "testdata/scriptingNews.rss")
	feed, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	ms := Mentions(feed, "rss", now)
	if len(ms) != 50 {
		t.Fatalf("%d mentions, want the feed's 50 items", len(ms))
	}
	ids := map[string]string{}
	for _, m := range ms {
		if prev, dup := ids[m.ID]; dup {
			t.Errorf("id %s for %.40q and %.40q", m.ID, prev, m.Text)
		}
		ids[m.ID] = m.Text
	}
	// The older post of each pair keeps the guid (a poll before the second post appeared
	// stored it under that id); the newer one gets the guid with a hash of its text.
	for _, guid := range []string{"http://scripting.com/2017/06/24.html#a100632", "http://scripting.com/2017/06/25.html#a080631"} {
		var got []string
		for _, m := range ms {
			if strings.HasPrefix(m.ID, guid) {
				got = append(got, m.ID)
			}
		}
		if len(got) != 2 || !slices.Contains(got, guid) {
			t.Errorf("ids for %s: %q", guid, got)
		}
	}
	if ids["http://scripting.com/2017/06/24.html#a100632"] == "" || !strings.Contains(ids["http://scripting.com/2017/06/24.html#a100632"], "health insurance") {
		t.Errorf("the older post does not keep the guid: %.60q", ids["http://scripting.com/2017/06/24.html#a100632"])
	}

	// The next poll, with the newest item gone, gives the same ids to the same posts.
	i := bytes.Index(body, []byte("<item>"))
	j := bytes.Index(body, []byte("</item>"))
	next, err := Parse(append(append([]byte{}, body[:i]...), body[j+len("</item>"):]...))
	if err != nil {
		t.Fatal(err)
	}
	again := Mentions(next, "rss", now.Add(time.Hour))
	if len(again) != 49 {
		t.Fatalf("%d mentions on the next poll", len(again))
	}
	for _, m := range again {
		if ids[m.ID] != m.Text {
			t.Errorf("id %s changed hands on the next poll", m.ID)
		}
	}
}

// TestRepeatedGUIDCases covers what a user expects of items sharing a guid: an entry repeated
// as it is counts once, different links tell entries apart, and a stored entry keeps its id
// when a newer item takes its guid.
func TestRepeatedGUIDCases(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	item := func(guid, link, title, date string) string {
		return "<item><guid>" + guid + "</guid><link>" + link + "</link><title>" + title + "</title><pubDate>" + date + "</pubDate></item>"
	}
	doc := func(items ...string) []string {
		feed, err := Parse([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>` + strings.Join(items, "") + `</channel></rss>`))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range Mentions(feed, "rss", now) {
			ids = append(ids, m.ID)
		}
		return ids
	}
	a := item("g", "https://x.test/a", "A", "Mon, 02 Nov 2026 10:00:00 GMT")
	b := item("g", "https://x.test/b", "B", "Tue, 03 Nov 2026 10:00:00 GMT")
	if ids := doc(a, a); !slices.Equal(ids, []string{"g"}) {
		t.Errorf("an entry repeated: %q, want one", ids)
	}
	before := doc(a)
	after := doc(b, a)
	if len(after) != 2 || after[1] != before[0] || after[0] == after[1] || !strings.HasPrefix(after[0], "g~") {
		t.Errorf("ids before %q and after %q a newer item took the guid", before, after)
	}
	if again := doc(item("g", "https://x.test/c", "C", "Wed, 04 Nov 2026 10:00:00 GMT"), b, a); again[1] != after[0] || again[2] != after[1] {
		t.Errorf("ids moved when a third item came: %q then %q", after, again)
	}
}

// TestPermalinkID: an entry whose only link is its id (an RSS guid that is a permalink, an
// Atom id that is the entry's URL) is kept with that URL.
func TestPermalinkID(t *testing.T) {
	for name, doc := range map[string]string{
		"rss guid":  `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid isPermaLink="true">https://x.test/p/1</guid><description>Ollama on two GPUs</description></item></channel></rss>`,
		"atom id":   `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>https://x.test/p/1</id><title>Ollama</title><content>on two GPUs</content></entry></feed>`,
		"json feed": `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"https://x.test/p/1","content_text":"Ollama on two GPUs"}]}`,
	} {
		feed, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ms := Mentions(feed, "rss", time.Now())
		if len(ms) != 1 || ms[0].ID != "https://x.test/p/1" || ms[0].URL != "https://x.test/p/1" || ms[0].Validate() != nil {
			t.Errorf("%s: %+v", name, ms)
		}
	}
}
