package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/overhear/overhear/alerts"
)

// FuzzEscape checks Slack escaping on arbitrary text: the result is valid UTF-8, within the
// limit, has no raw < or >, every & starts one of the three entities, and no broadcast
// mention (@channel, @here, @everyone) survives.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"<!channel> hi", "<@U123> &amp; <http://evil|click>", "@here @everyone @Channel", "a & b < c > d",
		"caf\xe9 \xc3\x28", "\x00nul", strings.Repeat("&", 50), "emoji 😀😀😀", "&lt;already&gt;",
	} {
		f.Add(s, 20)
		f.Add(s, 3000)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 2 || n > 5000 {
			return
		}
		out := Escape(s, n)
		checkMrkdwn(t, s, out)
		if width(out) > n {
			t.Fatalf("Escape(%q, %d) = %q is %d wide", s, n, out, width(out))
		}
		plain := plainText(s, n)
		if !utf8.ValidString(plain) || strings.ContainsAny(plain, "<>") || width(plain) > n {
			t.Fatalf("plainText(%q, %d) = %q", s, n, plain)
		}
	})
}

func checkMrkdwn(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Escape(%q) = %q: invalid UTF-8", in, out)
	}
	if strings.ContainsAny(out, "<>\x00") {
		t.Fatalf("Escape(%q) = %q: raw < > or NUL", in, out)
	}
	for i := strings.IndexByte(out, '&'); i >= 0; i = strings.IndexByte(out, '&') {
		rest := out[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Fatalf("Escape(%q) = %q: bare & at %q", in, out, rest[:min(len(rest), 8)])
		}
		out = rest[1:]
	}
	for _, b := range []string{"@channel", "@here", "@everyone"} {
		if strings.Contains(strings.ToLower(out), b) {
			t.Fatalf("Escape(%q) = %q: %s survives", in, out, b)
		}
	}
}

// FuzzRender renders alerts built from arbitrary text and URLs: the payload is valid JSON,
// its header fits Slack's limit, and no text can ping or link on its own.
func FuzzRender(f *testing.F) {
	f.Add("Unattended question: Acme", "<!channel> help", "How do I <@U1> Acme?", "https://example.com/a?b=1&c=<2>|x", "r/acme")
	f.Add("t", "s", "x", "javascript:alert(1)", "c")
	f.Add("@here", "@everyone", "\xff", "http://h/ a|b>c", "\x00")
	f.Fuzz(func(t *testing.T, title, summary, text, url, community string) {
		a := alerts.Alert{
			Rule: "r", Type: alerts.UnattendedQuestion, Brand: "Acme", Title: title, Summary: summary,
			Fields:   []alerts.Field{{Name: title, Value: summary}},
			Examples: []alerts.Example{{Source: "reddit", ID: "1", Community: community, Author: text, Title: title, Text: text, URL: url}},
			More:     2, At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		}
		msg := Render(a)
		b, err := msg.JSON()
		if err != nil || !json.Valid(b) {
			t.Fatalf("invalid JSON %q: %v", b, err)
		}
		for _, blk := range msg.Blocks {
			if blk.Type == "header" && width(blk.Text.Text) > maxHeader {
				t.Fatalf("header %q too long", blk.Text.Text)
			}
			texts := append([]*Text{blk.Text}, blk.Fields...)
			texts = append(texts, blk.Elements...)
			for _, tx := range texts {
				if tx == nil || tx.Type != "mrkdwn" {
					continue
				}
				// Strip the one link this package writes, <url|label>, then nothing may remain
				// that Slack parses.
				s := tx.Text
				if i := strings.Index(s, "*<"); i >= 0 {
					if j := strings.Index(s[i:], "|"); j > 0 {
						link := s[i+2 : i+j]
						if strings.ContainsAny(link, "<> |\n") || !(strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://")) {
							t.Fatalf("unsafe link %q", link)
						}
						if k := strings.Index(s[i+j:], ">*"); k > 0 {
							s = s[:i] + s[i+j+1:i+j+k] + s[i+j+k+2:]
						}
					}
				}
				// "\n>" is the quote markup of the excerpt, also the package's own.
				if strings.ContainsAny(strings.ReplaceAll(s, "\n>", "\n"), "<>") {
					t.Fatalf("mrkdwn %q holds < or >", tx.Text)
				}
			}
		}
	})
}

// TestEscapeDefusesBroadcastsInAnyCase is the regression test for the fuzzer's find: only
// three spellings of each broadcast word were defused, so "@ChAnnel" passed through.
func TestEscapeDefusesBroadcastsInAnyCase(t *testing.T) {
	for _, s := range []string{"@here@ChAnnel", "@cHaNnEl", "@HeRe", "@everyONE", "x@channel", "@@here"} {
		out := Escape(s, 100)
		for _, b := range []string{"@channel", "@here", "@everyone"} {
			if strings.Contains(strings.ToLower(out), b) {
				t.Errorf("Escape(%q) = %q: %s survives", s, out, b)
			}
		}
	}
}
