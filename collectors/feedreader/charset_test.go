package feedreader

import (
	"bytes"
	"encoding/json"
	"slices"
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

// TestJSONFeedLenient is the regression test for a JSON Feed with one bad field: rose.json
// (a real feed) gives every item's tags as a string, and gofeed lost all 84 items to it. A
// field of the wrong type is now dropped (a string of tags becomes the list), and an item that
// is not an object is skipped; the other items and fields are kept.
func TestJSONFeedLenient(t *testing.T) {
	feed, err := Parse(collectortest.ReadFile(t, "testdata/rose.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 84 || feed.Title == "" {
		t.Fatalf("%d items, title %q; want 84", len(feed.Items), feed.Title)
	}
	if it := feed.Items[0]; !slices.Equal(it.Categories, []string{"workflow", "omnifocus"}) || it.Content == "" || it.PublishedParsed == nil {
		t.Errorf("first item: tags %q, content %d bytes, published %v", it.Categories, len(it.Content), it.PublishedParsed)
	}

	// One item with a title that is a number and an author that is a string, one that is not
	// an object: the rest of the recorded inessential.com feed is read.
	var doc map[string]any
	if err := json.Unmarshal(collectortest.ReadFile(t, "testdata/inessential.json"), &doc); err != nil {
		t.Fatal(err)
	}
	items := doc["items"].([]any)
	items[1].(map[string]any)["title"] = 42
	items[1].(map[string]any)["author"] = "Brent"
	items[2] = "not an item"
	b, _ := json.Marshal(doc)
	feed, err = Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 19 {
		t.Fatalf("%d items, want 19", len(feed.Items))
	}
	if it := feed.Items[1]; it.Title != "" || it.GUID == "" || it.Content == "" {
		t.Errorf("the item with bad fields: %+v", it)
	}

	for name, doc := range map[string]string{"truncated": `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1"`, "not an object": `{"a"`} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
