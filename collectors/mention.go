// Package collectors holds Overhear's domain types: the Mention every source produces, the brand,
// topic and query types that config and collectors share, and the registry of collectors.
// It imports only the standard library so every other package can depend on it.
package collectors

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Mention is one post, comment or feed entry seen by a collector, before analysis.
// The JSON shape is fixed by CONTRACTS.md.
type Mention struct {
	// ID is the source's own stable id (Reddit fullname, HN objectID, Discourse post id,
	// feed guid or a hash of the link), so the same item seen twice has the same ID.
	ID string `json:"id"`
	// Source is the registered collector name ("rss", "reddit", ...) or "import".
	Source string `json:"source,omitempty"`
	// Community is where the item was posted: a subreddit, a forum category, a feed's title.
	Community string `json:"community,omitempty"`
	// Author is the poster's user name as the source spells it.
	Author string `json:"author,omitempty"`
	// Title is the post title; empty for comments.
	Title string `json:"title,omitempty"`
	// Text is the body as plain text (collectors strip HTML).
	Text string `json:"text"`
	// URL links to the item itself.
	URL string `json:"url,omitempty"`
	// ThreadID identifies the conversation the item belongs to (a Reddit link id, an HN story id,
	// a Discourse topic id). Empty means the item is its own thread.
	ThreadID string `json:"thread_id,omitempty"`
	// ParentID is the item this one replies to, when the source says.
	ParentID string `json:"parent_id,omitempty"`
	// CreatedAt is when the item was posted.
	CreatedAt time.Time `json:"created_at"`
	// Score is the engagement the source reports (upvotes, points, likes).
	Score int `json:"score"`
	// ThreadBrands are brands named earlier in the item's thread, set by a collector that follows
	// a brand's thread: a reply there talks about the brand without repeating its name, and is
	// kept as a mention of each of these brands (analysis scores it as one).
	ThreadBrands []string `json:"thread_brands,omitempty"`
}

// WithThreadBrands returns m as a reply in a thread of brands: ThreadBrands gains them (m's own list is
// not modified). ContextSink implementations use it.
func (m Mention) WithThreadBrands(brands []string) Mention {
	m.ThreadBrands = append(m.ThreadBrands[:len(m.ThreadBrands):len(m.ThreadBrands)], brands...)
	return m
}

// Limits on stored fields keep one hostile item from bloating the store.
const (
	MaxIDBytes   = 512
	MaxTextBytes = 64 << 10
)

// ErrInvalidMention is wrapped by Validate's errors.
var ErrInvalidMention = errors.New("invalid mention")

// Validate reports whether the mention can be stored: it needs an ID, some text and valid UTF-8.
func (m *Mention) Validate() error {
	switch {
	case strings.TrimSpace(m.ID) == "":
		return fmt.Errorf("%w: missing id", ErrInvalidMention)
	case len(m.ID) > MaxIDBytes:
		return fmt.Errorf("%w: id longer than %d bytes", ErrInvalidMention, MaxIDBytes)
	case strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.Title) == "":
		return fmt.Errorf("%w %q: missing text", ErrInvalidMention, m.ID)
	case !utf8.ValidString(m.ID) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.Title) || !utf8.ValidString(m.Author):
		return fmt.Errorf("%w %q: invalid UTF-8", ErrInvalidMention, m.ID)
	}
	return nil
}

// Normalize repairs what can be repaired without losing meaning: invalid UTF-8 is replaced,
// oversize text is cut at a rune boundary, and an empty thread id means the item is its own thread.
func (m *Mention) Normalize() {
	m.ID = strings.ToValidUTF8(strings.TrimSpace(m.ID), "\uFFFD")
	m.Text = truncate(strings.ToValidUTF8(m.Text, "\uFFFD"), MaxTextBytes)
	m.Title = truncate(strings.ToValidUTF8(m.Title, "\uFFFD"), MaxTextBytes)
	m.Author = strings.ToValidUTF8(m.Author, "\uFFFD")
	m.Community = strings.ToValidUTF8(m.Community, "\uFFFD")
	if m.ThreadID == "" {
		m.ThreadID = m.ID
	}
}

// FullText is the title and body joined, the text that queries and analysis read.
func (m *Mention) FullText() string {
	switch {
	case m.Title == "":
		return m.Text
	case m.Text == "":
		return m.Title
	}
	return m.Title + "\n\n" + m.Text
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
