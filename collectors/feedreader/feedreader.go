// Package feedreader turns RSS, Atom and JSON Feed documents into mentions. The RSS collector
// and the Reddit collector's RSS fallback share it.
package feedreader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"

	"github.com/overhear/overhear/collectors"
)

// Parse parses a feed of any supported format, detecting it from the content.
func Parse(body []byte) (*gofeed.Feed, error) {
	body = bytes.TrimLeft(body, "\ufeff \t\r\n")
	if len(body) == 0 {
		return nil, fmt.Errorf("feedreader: empty document")
	}
	body = sniffCharset(body)
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		if bytes.HasPrefix(bytes.ToLower(body), []byte("<!doctype html")) || bytes.HasPrefix(bytes.ToLower(body), []byte("<html")) {
			return nil, fmt.Errorf("feedreader: got an HTML page, not a feed: %w", err)
		}
		return nil, fmt.Errorf("feedreader: parse: %w", err)
	}
	return feed, nil
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
	h := sha256.New()
	h.Write([]byte(item.Title))
	h.Write([]byte{0})
	h.Write([]byte(item.Description))
	h.Write([]byte{0})
	h.Write([]byte(item.Content))
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
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
		Community: strings.TrimSpace(feed.Title),
		Title:     HTMLToText(item.Title),
		URL:       strings.TrimSpace(item.Link),
		CreatedAt: now,
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
