package feedreader

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/overhear/overhear/collectors/collectortest"
)

// windows1251WithoutDeclaration is the recorded iBash.org.ru feed (windows-1251) with the
// encoding taken out of its XML declaration: what a server sends when only its Content-Type
// names the charset.
func windows1251WithoutDeclaration(tb testing.TB) []byte {
	tb.Helper()
	b := collectortest.ReadFile(tb, "testdata/encoding_WINDOWS-1251.xml")
	out := bytes.Replace(b, []byte(`<?xml version="1.0" encoding="windows-1251"?>`), []byte(`<?xml version="1.0"?>`), 1)
	if bytes.Equal(out, b) {
		tb.Fatal("the fixture's XML declaration changed")
	}
	return out
}

// TestParseContentTypeCharset is the regression test for a charset given only in the HTTP
// Content-Type: the windows-1251 feed came out as Windows-1252 mojibake.
func TestParseContentTypeCharset(t *testing.T) {
	cyrillic := windows1251WithoutDeclaration(t)
	declared := collectortest.ReadFile(t, "testdata/encoding_WINDOWS-1251.xml")
	utf8Doc := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Café Ollama</title><item><guid>1</guid><title>naïve</title></item></channel></rss>`)
	tests := []struct {
		name, contentType string
		body              []byte
		want              string // in the first item's title or the channel description
	}{
		{"charset only in Content-Type", "application/rss+xml; charset=windows-1251", cyrillic, "Новый цитатник Рунета"},
		{"charset label is case-insensitive and may be quoted", `text/xml; Charset="CP1251"`, cyrillic, "Цитата #17703"},
		{"the XML declaration wins over Content-Type", "application/xml; charset=utf-8", declared, "Новый цитатник Рунета"},
		{"a wrong label loses to valid UTF-8", "text/xml; charset=iso-8859-1", utf8Doc, "Café Ollama"},
		{"UTF-16 with a byte-order mark", "", utf16LE(`<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Привет</title><item><guid>1</guid><title>x</title></item></channel></rss>`), "Привет"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := ParseContentType(tt.body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) == 0 {
				t.Fatal("no items")
			}
			got := feed.Title + "\n" + feed.Description + "\n" + feed.Items[0].Title
			if !strings.Contains(got, tt.want) {
				t.Errorf("want %q in\n%s", tt.want, got)
			}
		})
	}
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
