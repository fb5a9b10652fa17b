package collectors

import "testing"

func TestCanonicalURL(t *testing.T) {
	tests := map[string]string{
		// The same HN story: the hackernews collector's URL, hnrss's guid, a shared link.
		"https://news.ycombinator.com/item?id=42817438":                     "https://news.ycombinator.com/item?id=42817438",
		"http://news.ycombinator.com/item?id=42817438":                      "https://news.ycombinator.com/item?id=42817438",
		"https://news.ycombinator.com/item?id=42817438&utm_source=hnrss#c1": "https://news.ycombinator.com/item?id=42817438",
		"https://news.ycombinator.com/item?p=2&id=42817438":                 "https://news.ycombinator.com/item?id=42817438",
		// The same Reddit post through the API, the RSS feed, old.reddit and a short link.
		"https://www.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow_on_my_gpu/": "https://reddit.com/comments/1iw7vfq",
		"https://old.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow_on_my_gpu":  "https://reddit.com/comments/1iw7vfq",
		"https://www.reddit.com/r/Ollama/comments/1iw7vfq/":                          "https://reddit.com/comments/1iw7vfq",
		"https://redd.it/1iw7vfq": "https://reddit.com/comments/1iw7vfq",
		// A comment keeps its own id.
		"https://www.reddit.com/r/LocalLLaMA/comments/1iw7vfq/ollama_is_slow/mdzq2x1/": "https://reddit.com/comments/1iw7vfq/_/mdzq2x1",
		"https://www.reddit.com/r/LocalLLaMA/":                                         "https://reddit.com/r/LocalLLaMA",
		// Scheme, host case, www, default port, trailing slash, fragment, tracking parameters.
		"HTTP://WWW.Example.COM:80/blog/post/?utm_source=x&b=2&a=1&fbclid=z#top": "https://example.com/blog/post?a=1&b=2",
		"https://ollama.com/blog/":      "https://ollama.com/blog",
		"https://ollama.com":            "https://ollama.com",
		"https://example.com:8443/x/":   "https://example.com:8443/x",
		"https://example.com/Case/Kept": "https://example.com/Case/Kept",
		// Discourse: the slug is not the identity; post number 1 is the topic.
		"https://forum.example.com/t/ollama-on-two-gpus/1234":   "https://forum.example.com/t/1234",
		"https://forum.example.com/t/ollama-on-two-gpus/1234/1": "https://forum.example.com/t/1234",
		"https://forum.example.com/t/-/1234/7":                  "https://forum.example.com/t/1234/7",
		"https://example.com/forum/t/some-topic/99/3":           "https://example.com/forum/t/99/3",
		// Not an http(s) URL.
		"t3_1iw7vfq":                  "",
		"tag:blog.example.com,2024:1": "",
		"urn:uuid:1234":               "",
		"":                            "",
		"https://":                    "",
	}
	for in, want := range tests {
		if got := CanonicalURL(in); got != want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMentionCanonicalKey(t *testing.T) {
	// An hnrss entry: the guid is the HN item page, the link the story's article.
	rss := Mention{ID: "https://news.ycombinator.com/item?id=42817438", Source: "rss", URL: "https://ollama.com/blog/new-engine"}
	hn := Mention{ID: "42817438", Source: "hackernews", URL: "https://news.ycombinator.com/item?id=42817438"}
	if rss.CanonicalKey() != hn.CanonicalKey() || hn.CanonicalKey() == "" {
		t.Errorf("hnrss %q and hackernews %q differ", rss.CanonicalKey(), hn.CanonicalKey())
	}
	// A Reddit feed entry (Atom id t3_…) given to rss, and the reddit collector's post.
	feed := Mention{ID: "t3_1iw7vfq", Source: "rss", URL: "https://www.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow/"}
	api := Mention{ID: "t3_1iw7vfq", Source: "reddit", URL: "https://www.reddit.com/r/ollama/comments/1iw7vfq/ollama_is_slow/"}
	if feed.CanonicalKey() != api.CanonicalKey() {
		t.Errorf("reddit feed %q and API %q differ", feed.CanonicalKey(), api.CanonicalKey())
	}
	if k := (&Mention{ID: "abc"}).CanonicalKey(); k != "" {
		t.Errorf("no URL: key %q, want empty", k)
	}
}
