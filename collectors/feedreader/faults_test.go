package feedreader

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestParseInvalidUTF8InDeclaredUTF8 is the regression test for a feed that declares UTF-8 but
// carries invalid bytes: it used to fail to parse on every poll ("XML syntax error: invalid
// UTF-8"); now the bad sequences become U+FFFD and the items are read.
func TestParseInvalidUTF8InDeclaredUTF8(t *testing.T) {
	for name, decl := range map[string]string{
		"double quotes": `<?xml version="1.0" encoding="UTF-8"?>`,
		"single quotes": `<?xml version='1.0' encoding='utf-8'?>`,
	} {
		t.Run(name, func(t *testing.T) {
			doc := decl + "<rss version=\"2.0\"><channel><title>bad \xff\xfe</title>" +
				"<item><guid>u1</guid><title>Ollama caf\xe9 \xc3\x28</title><description>x \xed\xa0\x80 y</description></item></channel></rss>"
			feed, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != 1 {
				t.Fatalf("%d items", len(feed.Items))
			}
			it := feed.Items[0]
			for _, s := range []string{feed.Title, it.Title, it.Description} {
				if !utf8.ValidString(s) || !strings.Contains(s, "\uFFFD") {
					t.Errorf("%q: want valid UTF-8 with replacement characters", s)
				}
			}
		})
	}
}

// TestParseDoesNotExpandEntities: a "billion laughs" document parses without expanding its
// entities (the XML decoder does not support DTD entities), so it cannot exhaust memory.
func TestParseDoesNotExpandEntities(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	b.WriteString(`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`)
	for i := 2; i <= 9; i++ {
		b.WriteString(`<!ENTITY lol` + string(rune('0'+i)) + ` "` + strings.Repeat(`&lol`+string(rune('0'+i-1))+`;`, 10) + `">`)
	}
	b.WriteString(`]><rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`)
	feed, err := Parse([]byte(b.String()))
	if err != nil {
		return // refusing the document is fine too
	}
	for _, it := range feed.Items {
		if len(it.Title)+len(it.Description) > 1000 {
			t.Fatalf("entities expanded to %d bytes", len(it.Title)+len(it.Description))
		}
	}
}
