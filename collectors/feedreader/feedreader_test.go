package feedreader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/overhear/overhear/collectors/collectortest"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "plain text", "plain text"},
		{"entity", "Fish &amp; chips", "Fish & chips"},
		{"paragraphs", "<p>Hello <b>world</b></p><p>Second</p>", "Hello world\n\nSecond"},
		{"quote", "<blockquote><p>quoted rant</p></blockquote><p>my reply</p>", "> quoted rant\n\nmy reply"},
		{"quote paragraphs", "<blockquote><p>one</p><p>two</p></blockquote>", "> one\n>\n> two"},
		{"nested quote", "<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote>", "> a\n>\n> > b"},
		{"scripts", "<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\n\nb"},
		{"br", "line<br>break", "line\nbreak"},
		{"unclosed", "<p>unclosed <i>tags", "unclosed tags"},
		{"inline code", `<!-- SC_OFF --><div class="md"><p>How do I run <code>ollama</code> on two GPUs?</p></div>`, "How do I run `ollama` on two GPUs?"},
		{"inline code with a backtick", "<p>type <code>a`b</code> here</p>", "type `` a`b `` here"},
		{"headings", "<h1>Title</h1><p>x</p><h3>How it <em>works</em></h3><p>y</p>", "# Title\n\nx\n\n### How it works\n\ny"},
		{"lists", "<p>Steps:</p><ol><li>one</li><li>two<ul><li>nested</li></ul></li></ol><ul><li><p>loose</p></li><li><p>list</p></li></ul>",
			"Steps:\n\n1. one\n2. two\n   - nested\n\n- loose\n- list"},
		{"ordered start", `<ol start="3"><li>c</li><li>d</li></ol>`, "3. c\n4. d"},
		{"pre", "<p>Run:</p><pre><code class=\"lang-yaml\">a:\n  b: &lt;% x %&gt;\n</code></pre><p>then</p>", "Run:\n\n```yaml\na:\n  b: <% x %>\n```\n\nthen"},
		{"pre with a fence", "<pre>```\nx\n```</pre>", "````\n```\nx\n```\n````"},
		{"pre in a list", "<ul><li>do<pre>make</pre></li></ul>", "- do\n  ```\n  make\n  ```"},
		{"table", "<table><thead><tr><th>Model</th><th>Status</th></tr></thead><tbody><tr><td>qwen3</td><td>❌ won't load</td></tr><tr><td>a|b</td><td></td></tr></tbody></table>",
			"| Model | Status |\n| --- | --- |\n| qwen3 | ❌ won't load |\n| a\\|b |  |"},
		{"layout table", `<table> <tr><td> <a href="x"><img src="t.jpg"></a> </td><td> <div class="md"><p>The post.</p></div> submitted by <a>/u/x</a></td></tr></table>`,
			"The post.\n\nsubmitted by /u/x"},
		{"discourse quote", `<aside class="quote" data-username="jd"><div class="title"><img class="avatar" src="a.png"> jd:</div><blockquote><p>their words</p></blockquote></aside><p>mine</p>`,
			"> jd:\n>\n> their words\n\nmine"},
		{"hacker news", "first<p>&gt; quoted<p>reply<pre><code>  $ make\n</code></pre>", "first\n\n> quoted\n\nreply\n\n```\n  $ make\n```"},
		{"lightbox", `<p><div class="lightbox-wrapper"><a class="lightbox" href="x"><img src="x"><div class="meta"><span class="filename">image.png</span></div></a></div></p><p>text</p>`, "text"},
		{"zero width", "<p>a</p><p>&#x200B;</p><p>b</p>", "a\n\nb"},
		{"too deep for the parser", strings.Repeat("<div>", 600) + "deep <b>words</b><script>x</script><p>more", "deep words\nmore"},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("%s: HTMLToText(%q) =\n%s\nwant\n%s", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestHTMLToTextRealPosts converts real posts (testdata/blocks/*.html: Reddit feed entries,
// Discourse cooked posts, Hacker News comments; see testdata/README.md) and compares the text a
// collector stores with testdata/blocks/*.golden (go test -update rewrites them). The analysis
// tests read the same golden files, so what they check is what the collectors store. The
// lines each case must hold say which structure is kept.
func TestHTMLToTextRealPosts(t *testing.T) {
	keeps := map[string][]string{
		"reddit-code": {"Here is the exact response text:\n\n```\n{ \"model\": \"llama3.2\",",
			"\"done\": false }\n```\n\nThis is becoming"}, // the layout table around the post is gone
		"reddit-headings":      {"\n\n## a concrete ollama workflow you can try in 60 seconds\n\n", "\n- switch cosine to dot, increase chunk length, rerun.\n"},
		"reddit-quote":         {">\n> Uncle Fyodor's step is three times longer", "How many of Fyodor's tracks were on the path?\n\nBy the way"},
		"reddit-code-question": {"```\nfrom langchain_ollama import OllamaLLM", "model.invoke(\"What is the capital of France?\")"},
		"reddit-all-code":      {"```\nNAME ID SIZE PROCESSOR"},
		"reddit-table": {"# Model Variants\n\n| Model | Parameters | Context Length | CoT Support | Best For |\n| --- | --- | --- | --- | --- |\n| Qianfan-VL-3B | 3B | 32k | ❌ | Edge deployment, real-time OCR |",
			"- Language Model:\n  - Qianfan-VL-3B: Based on Qwen2.5-3B\n"},
		"reddit-answered-headings": {"\n\n# What is LLMule?\n\nLLMule is inspired", "\n\n- GitHub: "},
		"reddit-heading-lines":     {"# Is Just me or Ollama cloud seems to crash every time?\n\n# I got a"},
		"reddit-issue-template":    {"### What is the issue?\n\nSince my main partition", "\n\n### OS\n\nLinux\n\n"},
		"reddit-how-it-works":      {"\n\n# So, how does it work?\n\nToolFront gives", "e.g.\n  - `answer: list[int] = db.ask(...)`\n"},
		"reddit-feedback-heading":  {"\n\n1. Macro Logging\n   - Now you can track", "# I’d love your feedback!\n\n- What’s your biggest pain point"},
		"discourse-code":           {"definition:**\nparameters:\n  param_a_1:\n    type: object\n", "compare current system time and `deploy_time`, if"},
		"discourse-quote":          {"> jamesdreid:\n>\n> nd you can combine that", "credentials with\n\nWe allow users"},
		"discourse-list":           {"common actions eg.\n\n1. Get Data from Postgres\n2. Get Data from some API call\n\nThese are"},
		"hn-quote":                 {"> What's the consensus today on codex vs claude code, does it really matter anymore?\n\nConsensus"},
		"hn-code":                  {"```\n  * Main session agent: gpt-5.6-sol (high) via OpenAI subscription\n"},
		"hn-code-quote":            {"```\n  > Intent understanding:", "```\n\nI guess this has been achieved"},
		"hn-steps":                 {"\n\n1. Install another copy of codex", "```\n  $ curl -fsSL https://chatgpt.com/codex/install.sh | sh\n```"},
	}
	files, _ := filepath.Glob("testdata/blocks/*.html")
	if len(files) != len(keeps) {
		t.Errorf("%d posts in testdata/blocks, %d cases", len(files), len(keeps))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(name, func(t *testing.T) {
			got := StripRedditFooter(HTMLToText(string(collectortest.ReadFile(t, f))))
			collectortest.Golden(t, strings.TrimSuffix(f, ".html")+".golden", []byte(got+"\n"))
			for _, k := range keeps[name] {
				if !strings.Contains(got, k) {
					t.Errorf("the text lacks %q:\n%s", k, got)
				}
			}
			if strings.Contains(got, "submitted by") || strings.Contains(got, "<") && strings.Contains(got, "</") {
				t.Errorf("footer or markup left in the text:\n%s", got)
			}
		})
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
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // testdata/blocks: posts, not feeds
		}
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

// TestHTMLToTextBounded checks that deep nesting (quotes, lists, code in lists) cannot make the
// text grow much beyond the HTML: what FuzzHTMLToText checks on random input.
func TestHTMLToTextBounded(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("<ul><li>", 3) + strings.Repeat("<blockquote>", 2) + strings.Repeat("a<br>", 200),
		strings.Repeat("<blockquote><ol start=\"999\"><li>", 3) + strings.Repeat("<li>a", 200),
		strings.Repeat("<ol start=\"999\"><li>", 5) + strings.Repeat("a<br>", 200),
		strings.Repeat("<h6>a", 200),
		strings.Repeat("<pre>`a", 200),
		strings.Repeat("<ul><li><pre>a</pre>", 50),
		strings.Repeat("<blockquote>", 600) + strings.Repeat("a<br>", 200),
	} {
		if out := HTMLToText(in); len(out) > 3*len(in)+16 {
			t.Errorf("%d bytes of HTML gave %d of text: %.60q", len(in), len(out), in)
		}
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<blockquote>x", "&amp;&lt;", "<script>", "\xff<p>\x00",
		"<ol><li>a<ul><li>b<pre>c</pre></ul></ol>", "<table><tr><th>a<th>b<tr><td>c|d<td></table>", "<aside class=quote><blockquote>q"} {
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
