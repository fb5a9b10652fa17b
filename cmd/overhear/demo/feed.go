package demo

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/overhear/overhear/collectors"
)

// FeedPath is the path the demo's loopback feed is served at; FeedLink is the Reddit page the
// feed says it is (so the feed reader reads its entries the Reddit way).
const (
	FeedPath = "/r/ollama+LocalLLaMA/.rss"
	FeedLink = "https://www.reddit.com/r/ollama+LocalLLaMA/"
)

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr"`
}

type atomEntry struct {
	Author    atomAuthor   `xml:"author"`
	Category  atomCategory `xml:"category"`
	Content   atomText     `xml:"content"`
	ID        string       `xml:"id"`
	Link      atomLink     `xml:"link"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published"`
	Title     string       `xml:"title"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Updated string      `xml:"updated"`
	ID      string      `xml:"id"`
	Links   []atomLink  `xml:"link"`
	Title   string      `xml:"title"`
	Entries []atomEntry `xml:"entry"`
}

// WriteRedditAtom writes posts, newest first, as Reddit's Atom feed of a subreddit shows them:
// entry ids t3_…, links to the post on old.reddit.com, authors "/u/name", and the text as HTML
// paragraphs followed by Reddit's "submitted by" footer. updated is the feed's own date.
func WriteRedditAtom(w io.Writer, posts []collectors.Mention, updated time.Time) error {
	f := atomFeed{
		Updated: updated.UTC().Format(time.RFC3339),
		ID:      FeedPath,
		Links:   []atomLink{{Rel: "self", Href: FeedLink + ".rss", Type: "application/atom+xml"}, {Rel: "alternate", Href: FeedLink, Type: "text/html"}},
		Title:   "newest submissions : ollama+LocalLLaMA",
	}
	for i := len(posts) - 1; i >= 0; i-- {
		p := posts[i]
		at := p.CreatedAt.UTC().Format(time.RFC3339)
		f.Entries = append(f.Entries, atomEntry{
			Author:    atomAuthor{Name: "/u/" + p.Author, URI: "https://www.reddit.com/user/" + p.Author},
			Category:  atomCategory{Term: p.Community, Label: "r/" + p.Community},
			Content:   atomText{Type: "html", Body: postHTML(p)},
			ID:        p.ID,
			Link:      atomLink{Href: p.URL},
			Updated:   at,
			Published: at,
			Title:     p.Title,
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("demo feed: %w", err)
	}
	if err := xml.NewEncoder(w).Encode(f); err != nil {
		return fmt.Errorf("demo feed: %w", err)
	}
	return nil
}

// postHTML is a post's text as Reddit's feeds carry it: one paragraph a line, then the footer.
func postHTML(p collectors.Mention) string {
	var b strings.Builder
	b.WriteString(`<!-- SC_OFF --><div class="md">`)
	for _, line := range strings.Split(p.Text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("<p>" + html.EscapeString(line) + "</p> ")
		}
	}
	b.WriteString(`</div><!-- SC_ON --> &#32; submitted by &#32; <a href="https://old.reddit.com/user/` + html.EscapeString(p.Author) + `"> /u/` + html.EscapeString(p.Author) + ` </a> <br /> <span><a href="` + html.EscapeString(p.URL) + `">[link]</a></span> &#32; <span><a href="` + html.EscapeString(p.URL) + `">[comments]</a></span>`)
	return b.String()
}
