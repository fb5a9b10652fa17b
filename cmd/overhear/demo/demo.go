// Package demo holds the bundled corpus of real Reddit posts that `overhear demo` replays and
// the benchmarks reuse (see README.md in this folder for its source and licence).
package demo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
)

//go:embed posts.jsonl.gz
var corpus []byte

// post is one line of the corpus.
type post struct {
	ID          string `json:"id"`
	Subreddit   string `json:"subreddit"`
	Title       string `json:"title"`
	Author      string `json:"author"`
	Published   string `json:"published"`
	Updated     string `json:"updated"`
	Link        string `json:"link"`
	ContentHTML string `json:"content_html"`
}

// Mentions returns the corpus as mentions, in file order, with their HTML turned into text
// as the Reddit feed reader does. When now is not zero, timestamps are shifted so the newest
// post is now.
func Mentions(now time.Time) ([]collectors.Mention, error) {
	zr, err := gzip.NewReader(bytes.NewReader(corpus))
	if err != nil {
		return nil, fmt.Errorf("demo corpus: %w", err)
	}
	var out []collectors.Mention
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		var p post
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("demo corpus: %w", err)
		}
		t, err := time.Parse(time.RFC3339, p.Published)
		if err != nil {
			t, _ = time.Parse(time.RFC3339, p.Updated)
		}
		out = append(out, collectors.Mention{
			ID: p.ID, Source: "reddit", Community: p.Subreddit, Author: strings.TrimPrefix(p.Author, "/u/"),
			Title: p.Title, Text: feedreader.StripRedditFooter(feedreader.HTMLToText(p.ContentHTML)),
			URL: p.Link, ThreadID: p.ID, CreatedAt: t.UTC(),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("demo corpus: %w", err)
	}
	if now.IsZero() {
		return out, nil
	}
	var newest time.Time
	for _, m := range out {
		if m.CreatedAt.After(newest) {
			newest = m.CreatedAt
		}
	}
	shift := now.Sub(newest)
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.Add(shift)
	}
	return out, nil
}
