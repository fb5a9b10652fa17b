// Package feedreader turns RSS, Atom and JSON Feed documents into mentions. The RSS collector
// and the Reddit collector's RSS fallback share it.
package feedreader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"

	"github.com/overhear/overhear/collectors"
)

// Parse parses a feed of any supported format, detecting it from the content. It is
// ParseContentType without an HTTP Content-Type.
func Parse(body []byte) (*gofeed.Feed, error) { return ParseContentType(body, "") }

// ParseContentType parses a feed served with the given HTTP Content-Type header (empty when
// unknown). The document's encoding is, in order: a byte-order mark; the encoding in the XML
// declaration; the charset parameter of contentType; UTF-8 when the bytes are valid UTF-8;
// else Windows-1252. A charset label that contradicts valid UTF-8 bytes full of non-ASCII text
// (a server that labels everything ISO-8859-1) loses to the bytes.
func ParseContentType(body []byte, contentType string) (*gofeed.Feed, error) {
	body = decodeBOM(body)
	body = bytes.TrimLeft(body, "\ufeff \t\r\n")
	if len(body) == 0 {
		return nil, fmt.Errorf("feedreader: empty document")
	}
	body = httpCharset(body, contentType)
	body = sniffCharset(body)
	if body[0] == '{' {
		return parseJSONFeed(body)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		if bytes.HasPrefix(bytes.ToLower(body), []byte("<!doctype html")) || bytes.HasPrefix(bytes.ToLower(body), []byte("<html")) {
			return nil, fmt.Errorf("feedreader: got an HTML page, not a feed: %w", err)
		}
		return nil, fmt.Errorf("feedreader: parse: %w", err)
	}
	return feed, nil
}

// parseJSONFeed reads a JSON Feed leniently: the document must be a JSON object, but a field
// of the feed or of an item that has the wrong type is dropped (a string where a list of tags
// belongs becomes that list, split at commas) instead of failing the whole feed, and an item
// that is not an object is skipped. gofeed would lose every item to one bad field.
func parseJSONFeed(body []byte) (*gofeed.Feed, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("feedreader: parse: %w", err)
	}
	rawItems := top["items"]
	delete(top, "items")
	head, _ := json.Marshal(top)
	jf, ok := decodeLenient[jsonfeed.Feed](head)
	if !ok {
		return nil, fmt.Errorf("feedreader: parse: not a JSON Feed")
	}
	var items []json.RawMessage
	_ = json.Unmarshal(rawItems, &items) // items that are not a list are no items
	for _, raw := range items {
		if it, ok := decodeLenient[jsonfeed.Item](raw); ok {
			jf.Items = append(jf.Items, it)
		}
	}
	feed, err := (&gofeed.DefaultJSONTranslator{}).Translate(jf)
	if err != nil {
		return nil, fmt.Errorf("feedreader: parse: %w", err)
	}
	return feed, nil
}

// decodeLenient decodes a JSON object into a T, dropping the fields that do not fit; ok is
// false when raw is not an object.
func decodeLenient[T any](raw json.RawMessage) (*T, bool) {
	v := new(T)
	if json.Unmarshal(raw, v) == nil {
		return v, true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return nil, false
	}
	keep := make(map[string]json.RawMessage, len(fields))
	fits := func(k string, f json.RawMessage) bool {
		probe, err := json.Marshal(map[string]json.RawMessage{k: f})
		return err == nil && json.Unmarshal(probe, new(T)) == nil
	}
	for k, f := range fields {
		if fits(k, f) {
			keep[k] = f
			continue
		}
		var s string
		if json.Unmarshal(f, &s) == nil {
			var list []string
			for _, p := range strings.Split(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, p)
				}
			}
			if l, err := json.Marshal(list); err == nil && fits(k, l) {
				keep[k] = l
			}
		}
	}
	b, _ := json.Marshal(keep)
	if json.Unmarshal(b, v) != nil {
		return nil, false
	}
	return v, true
}

// decodeBOM converts a UTF-16 document with a byte-order mark to UTF-8; the XML decoder
// reads only ASCII-compatible encodings.
func decodeBOM(body []byte) []byte {
	var label string
	switch {
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		label = "utf-16be"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		label = "utf-16le"
	default:
		return body
	}
	enc, _ := charset.Lookup(label)
	out, err := enc.NewDecoder().Bytes(body[2:])
	if err != nil {
		return body
	}
	return dropDeclaredEncoding(out)
}

// httpCharset decodes body from the charset of an HTTP Content-Type when the document does
// not declare its own encoding (an XML declaration's encoding wins, as feed readers and
// RFC 7303's practice have it). The result is UTF-8 without an encoding declaration.
func httpCharset(body []byte, contentType string) []byte {
	if contentType == "" || declaredEncoding(body) != "" {
		return body
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["charset"] == "" {
		return body
	}
	enc, name := charset.Lookup(params["charset"])
	if enc == nil || name == "utf-8" {
		return body // unknown labels and UTF-8 are left to sniffCharset
	}
	if utf8.Valid(body) {
		// ASCII reads the same in every charset that might be labelled; non-ASCII text that
		// is valid UTF-8 is UTF-8 in practice, whatever the server's default charset says.
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// declaredEncoding returns the encoding named in the document's XML declaration, lower case.
func declaredEncoding(body []byte) string {
	if !bytes.HasPrefix(body, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(body, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := bytes.ToLower(body[:end])
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := bytes.CutPrefix(rest, []byte("="))
	if !ok {
		return ""
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if j := bytes.IndexByte(rest, q); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// dropDeclaredEncoding removes the encoding from the XML declaration of a document already
// converted to UTF-8, so the XML decoder does not convert it a second time.
func dropDeclaredEncoding(body []byte) []byte {
	if declaredEncoding(body) == "" {
		return body
	}
	end := bytes.Index(body, []byte("?>"))
	return append([]byte(`<?xml version="1.0"`), body[end:]...)
}

// sniffCharset converts a document that is not UTF-8 and does not declare its encoding from
// Windows-1252 (a superset of ISO-8859-1, the usual culprit), so such feeds parse instead of
// failing on the first accented letter. A document that declares UTF-8 but holds invalid
// sequences gets them replaced with U+FFFD: the XML decoder would otherwise reject the whole
// feed, on every poll, for one bad byte. Other declared encodings are left to the XML decoder.
func sniffCharset(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	head := bytes.ToLower(body[:min(len(body), 200)])
	if i := bytes.Index(head, []byte("encoding=")); i >= 0 {
		enc := bytes.TrimLeft(head[i+len("encoding="):], `"' `)
		if bytes.HasPrefix(enc, []byte("utf-8")) || bytes.HasPrefix(enc, []byte("utf8")) {
			return bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
		return body
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// EntryID returns a stable id for an item: its guid, else its link, else a hash of its content.
func EntryID(item *gofeed.Item) string {
	if id := strings.TrimSpace(item.GUID); id != "" {
		return truncateID(id)
	}
	if link := strings.TrimSpace(item.Link); link != "" {
		return truncateID(link)
	}
	return "sha256:" + contentHash(item)
}

// Mentions converts the items of one fetched feed, with ids unique within it. An id (guid,
// else link) that several items share is a publisher's mistake (scripting.com gives posts of
// one day the same permalink as guid), not one entry:
//
//   - items that also share their link and their title and content are the same entry
//     repeated, and are one mention (the first);
//   - otherwise the oldest of them (by date, then the last in the document, since feeds list
//     the newest first) keeps the plain id, so a mention stored before a second item took the
//     same guid keeps its id, and each other one gets the id plus "~" and a hash of its link,
//     or of its title and content when the links collide too. Those ids stay the same from
//     poll to poll as long as the item's link (or, for the colliding links, its text) does.
//
// Nil items are skipped. Community is the feed's title, as for Mention. SiteMentions also
// reads Reddit's and Discourse's feeds their way.
func Mentions(feed *gofeed.Feed, source string, now time.Time) []collectors.Mention {
	entries := mentions(feed, source, now)
	out := make([]collectors.Mention, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.m)
	}
	return out
}

// entry is an item with its mention.
type entry struct {
	item *gofeed.Item
	m    collectors.Mention
	key  string // what tells items with the same id apart: link and content
	drop bool
}

// mentions is Mentions with the items.
func mentions(feed *gofeed.Feed, source string, now time.Time) []*entry {
	var entries []*entry
	groups := map[string][]*entry{}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		e := &entry{item: it, m: Mention(feed, it, source, now)}
		e.key = strings.TrimSpace(it.Link) + "\x00" + contentHash(it)
		entries = append(entries, e)
		groups[e.m.ID] = append(groups[e.m.ID], e)
	}
	for id, g := range groups {
		if len(g) < 2 {
			continue
		}
		seen := map[string]bool{}
		var distinct []*entry
		for _, e := range g {
			if seen[e.key] {
				e.drop = true
				continue
			}
			seen[e.key] = true
			distinct = append(distinct, e)
		}
		if len(distinct) < 2 {
			continue
		}
		links := map[string]int{}
		for _, e := range distinct {
			links[strings.TrimSpace(e.item.Link)]++
		}
		keeper := distinct[0]
		for _, e := range distinct[1:] {
			if !itemDate(e.item).After(itemDate(keeper.item)) {
				keeper = e // older, or as old and later in the document
			}
		}
		for _, e := range distinct {
			if e == keeper {
				continue
			}
			link := strings.TrimSpace(e.item.Link)
			var sum [32]byte
			if link != "" && links[link] == 1 {
				sum = sha256.Sum256([]byte(link))
			} else {
				sum = sha256.Sum256([]byte(contentHash(e.item)))
			}
			e.m.ID = truncateID(id + "~" + hex.EncodeToString(sum[:])[:12])
		}
	}
	out := entries[:0]
	for _, e := range entries {
		if !e.drop {
			out = append(out, e)
		}
	}
	return out
}

// itemDate is when an item was published, else updated; zero when it says neither.
func itemDate(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return *it.PublishedParsed
	case it.UpdatedParsed != nil:
		return *it.UpdatedParsed
	}
	return time.Time{}
}

// contentHash is a hash of an item's title and text, for ids of items that have nothing else.
func contentHash(item *gofeed.Item) string {
	h := sha256.New()
	h.Write([]byte(item.Title))
	h.Write([]byte{0})
	h.Write([]byte(item.Description))
	h.Write([]byte{0})
	h.Write([]byte(item.Content))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// truncateID keeps very long ids within the store's limit, hashing the excess so they stay unique.
func truncateID(id string) string {
	if len(id) <= collectors.MaxIDBytes {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return id[:collectors.MaxIDBytes-40] + "#" + hex.EncodeToString(sum[:])[:32]
}

// Mention converts a feed item. Community is the feed's title unless the caller sets one.
func Mention(feed *gofeed.Feed, item *gofeed.Item, source string, now time.Time) collectors.Mention {
	m := collectors.Mention{
		ID:        EntryID(item),
		Source:    source,
		Community: TitleText(feed.Title),
		Title:     TitleText(item.Title),
		URL:       strings.TrimSpace(item.Link),
		CreatedAt: now,
	}
	if m.URL == "" {
		// An RSS guid is a permalink unless it says isPermaLink="false", and Atom ids and
		// JSON Feed ids are often the entry's URL: an entry without a link is reached there.
		if g := strings.TrimSpace(item.GUID); isWebURL(g) {
			m.URL = g
		}
	}
	body := item.Content
	if strings.TrimSpace(body) == "" {
		body = item.Description
	}
	m.Text = HTMLToText(body)
	switch {
	case item.PublishedParsed != nil:
		m.CreatedAt = item.PublishedParsed.UTC()
	case item.UpdatedParsed != nil:
		m.CreatedAt = item.UpdatedParsed.UTC()
	}
	// A date in the future is a feed's clock or template error; it would sort above every real
	// mention for ever.
	if m.CreatedAt.After(now.Add(time.Hour)) {
		m.CreatedAt = now
	}
	switch {
	case len(item.Authors) > 0 && item.Authors[0] != nil:
		m.Author = strings.TrimSpace(item.Authors[0].Name)
	case item.Author != nil:
		m.Author = strings.TrimSpace(item.Author.Name)
	}
	if m.Author == "" && item.DublinCoreExt != nil && len(item.DublinCoreExt.Creator) > 0 {
		m.Author = strings.TrimSpace(item.DublinCoreExt.Creator[0])
	}
	return m
}

// TitleText turns a feed or entry title into one line of text. Titles are plain text (RSS
// titles, Atom's default type="text", JSON Feed), so tag-like words in them (`<think>`,
// `Vec<T>`, `<SystemPrompt>`) are words and are kept. Only a title that holds real HTML markup
// (an Atom type="html" title, or a feed that puts HTML in its titles) is read as HTML: one
// with an HTML element both opened and closed (`<b>…</b>`), or a <br> or <img>. Entities are
// decoded either way, so a title escaped twice reads right.
func TitleText(s string) string {
	if strings.Contains(s, "<") && hasMarkup(s) {
		return strings.Join(strings.Fields(HTMLToText(s)), " ")
	}
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// tagRe matches an HTML start or end tag.
var tagRe = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>`)

// hasMarkup reports whether s holds an HTML element: a known element both opened and closed,
// or a void element that needs no closing.
func hasMarkup(s string) bool {
	open := map[string]bool{}
	for _, m := range tagRe.FindAllStringSubmatch(s, -1) {
		name := strings.ToLower(m[2])
		a := atom.Lookup([]byte(name))
		switch {
		case a == 0:
			continue
		case a == atom.Br || a == atom.Img || a == atom.Wbr:
			return true
		case m[1] == "":
			open[name] = true
		case open[name]:
			return true
		}
	}
	return false
}

// isWebURL reports whether s is an absolute http(s) URL.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\n")
}

// StripRedditFooter removes the "submitted by /u/name [link] [comments]" trailer that Reddit
// appends to every post in its RSS and Atom feeds.
func StripRedditFooter(text string) string {
	if i := strings.LastIndex(text, "submitted by"); i >= 0 && (i == 0 || text[i-1] == '\n' || text[i-1] == ' ') {
		rest := text[i:]
		if strings.Contains(rest, "/u/") || strings.Contains(rest, "[link]") {
			return strings.TrimSpace(text[:i])
		}
	}
	return text
}
