package feedreader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"Fish &amp; chips", "Fish & chips"},
		{"<p>Hello <b>world</b></p><p>Second</p>", "Hello world\nSecond"},
		{"<blockquote><p>quoted rant</p></blockquote><p>my reply</p>", "> quoted rant\nmy reply"},
		{"<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\nb"},
		{"line<br>break", "line\nbreak"},
		{"<p>unclosed <i>tags", "unclosed tags"},
		{`<!-- SC_OFF --><div class="md"><p>How do I run <code>ollama</code> on two GPUs?</p></div>`, "How do I run ollama on two GPUs?"},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripRedditFooter(t *testing.T) {
	in := "How do I run ollama on two GPUs?\nsubmitted by /u/someone [link] [comments]"
	if got := StripRedditFooter(in); got != "How do I run ollama on two GPUs?" {
		t.Errorf("got %q", got)
	}
	if got := StripRedditFooter("I submitted by accident a long post"); got != "I submitted by accident a long post" {
		t.Errorf("stripped a sentence: %q", got)
	}
}

// TestRealFeeds parses real-world feeds (encodings, RSS 0.9–2.0, Atom, JSON Feed, a broken
// prolog) and checks every entry converts to a valid mention with a stable id.
func TestRealFeeds(t *testing.T) {
	files, _ := filepath.Glob("testdata/*")
	if len(files) == 0 {
		t.Skip("no feeds in testdata/feeds")
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			feed, err := Parse(b)
			if strings.Contains(f, "partial") || strings.HasSuffix(f, ".md") {
				if err == nil && len(feed.Items) > 0 {
					t.Logf("broken feed parsed with %d items", len(feed.Items))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, it := range feed.Items {
				m := Mention(feed, it, "rss", now)
				if m.ID == "" || !utf8.ValidString(m.Text) || !utf8.ValidString(m.Title) {
					t.Errorf("bad mention %+v", m)
				}
				if m.CreatedAt.After(now.Add(time.Hour)) {
					t.Errorf("future date %v", m.CreatedAt)
				}
				if again := Mention(feed, it, "rss", now.Add(time.Hour)); again.ID != m.ID {
					t.Errorf("id not stable: %q vs %q", m.ID, again.ID)
				}
				seen[m.ID] = true
			}
		})
	}
}

func TestParseRejectsHTML(t *testing.T) {
	_, err := Parse([]byte("<!DOCTYPE html><html><body>Not a feed</body></html>"))
	if err == nil || !strings.Contains(err.Error(), "HTML page") {
		t.Errorf("err = %v", err)
	}
	if _, err := Parse(nil); err == nil {
		t.Error("empty body should be an error")
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<blockquote>x", "&amp;&lt;", "<script>", "\xff<p>\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLToText(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input %q", s)
		}
		if len(out) > 3*len(s)+16 {
			t.Fatalf("output grew from %d to %d bytes", len(s), len(out))
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item></channel></rss>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_text":"x"}]}`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><rss><channel><item><title>&lol2;</title></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		feed, err := Parse(b)
		if err != nil {
			return
		}
		for _, it := range feed.Items {
			if it == nil {
				continue
			}
			m := Mention(feed, it, "rss", time.Unix(0, 0))
			if m.ID == "" {
				t.Fatal("empty id")
			}
		}
	})
}
