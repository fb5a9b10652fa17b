package feedreader

import (
	"testing"
	"time"

	"github.com/overhear/overhear/collectors/collectortest"
)

func TestDetectSite(t *testing.T) {
	for _, tt := range []struct {
		file, url string
		want      Site
	}{
		{"testdata/small_atom.xml", "https://github.com/x/y/commits.atom", Generic},
		{"testdata/titles/reddit-titles.atom", "http://127.0.0.1:1/feed", Reddit}, // by the feed's link
		{"testdata/small_atom.xml", "https://www.reddit.com/r/ollama/new/.rss", Reddit},
		{"../rss/testdata/stackstorm-posts.rss", "https://forum.stackstorm.com/posts.rss", Discourse},
		{"testdata/scriptingNews.rss", "http://scripting.com/rss.xml", Generic},
	} {
		feed, err := Parse(collectortest.ReadFile(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectSite(feed, tt.url); got != tt.want {
			t.Errorf("%s from %s: %s, want %s", tt.file, tt.url, got, tt.want)
		}
	}
}

// TestRedditCommentFeed: a comment in a Reddit comments feed ("/u/name on <post title>")
// belongs to its post's thread and is matched on its own words.
func TestRedditCommentFeed(t *testing.T) {
	feed, err := Parse([]byte(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>newest comments : ollama</title>` +
		`<entry><author><name>/u/someone</name></author><content type="html">&lt;div class="md"&gt;&lt;p&gt;Set num_gpu.&lt;/p&gt;&lt;/div&gt;</content>` +
		`<id>t1_abc123</id><link href="https://www.reddit.com/r/ollama/comments/1n3yxzu/two_gpus/abc123/"/>` +
		`<updated>2025-08-30T10:00:00+00:00</updated><title>/u/someone on Ollama on two GPUs?</title></entry></feed>`))
	if err != nil {
		t.Fatal(err)
	}
	ms := SiteMentions(feed, "https://www.reddit.com/r/ollama/comments/.rss", "rss", time.Now())
	if len(ms) != 1 {
		t.Fatalf("%d mentions", len(ms))
	}
	if m := ms[0]; m.Title != "" || m.Text != "Set num_gpu." || m.ThreadID != "t3_1n3yxzu" || m.ParentID != "t3_1n3yxzu" || m.Community != "ollama" || m.Author != "someone" {
		t.Errorf("%+v", m)
	}
}

func TestStripDiscourseFooter(t *testing.T) {
	in := "Could someone point me to an example?\n\n2 posts - 1 participant\n\nRead full topic"
	if got := StripDiscourseFooter(in); got != "Could someone point me to an example?" {
		t.Errorf("got %q", got)
	}
	if got := StripDiscourseFooter("Please read full topic guidelines"); got != "Please read full topic guidelines" {
		t.Errorf("stripped a sentence: %q", got)
	}
}
