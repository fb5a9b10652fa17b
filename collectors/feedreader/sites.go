package feedreader

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/overhear/overhear/collectors"
)

// Site is the software behind a feed, for the feeds whose items need reading its way.
type Site int

// The sites SiteMentions knows.
const (
	// Generic is any other feed: blogs, changelogs, search feeds.
	Generic Site = iota
	// Reddit is a subreddit's, a user's or a search's feed on reddit.com.
	Reddit
	// Discourse is a Discourse forum's latest, category, topic or posts feed.
	Discourse
)

// String implements fmt.Stringer.
func (s Site) String() string {
	switch s {
	case Reddit:
		return "reddit"
	case Discourse:
		return "discourse"
	}
	return "generic"
}

var (
	subredditInLink   = regexp.MustCompile(`/r/([A-Za-z0-9_]+)`)
	redditThreadLink  = regexp.MustCompile(`/comments/([a-z0-9]+)/`)
	discourseGUID     = regexp.MustCompile(`^\S+-(topic|post)-\d+(-\d+)?$`)
	discourseTopicURL = regexp.MustCompile(`(?:^|/)t/[^/]+/(\d+)(?:/(\d+))?/?$`)
	discourseCounts   = regexp.MustCompile(`^\d+ posts? - \d+ participants?$`)
)

// DetectSite tells Reddit's and Discourse's feeds from others, by the feed's URL and links
// (reddit.com) or by the shape of every item (Discourse's "<host>-topic-<id>" and
// "<host>-post-<id>" guids on /t/<slug>/<id> links).
func DetectSite(feed *gofeed.Feed, feedURL string) Site {
	for _, raw := range []string{feedURL, feed.Link, feed.FeedLink} {
		if u, err := url.Parse(raw); err == nil && isRedditHost(u.Hostname()) {
			return Reddit
		}
	}
	discourse := 0
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(it.Link))
		if err != nil || !discourseGUID.MatchString(strings.TrimSpace(it.GUID)) || !discourseTopicURL.MatchString(u.Path) {
			return Generic
		}
		discourse++
	}
	if discourse > 0 {
		return Discourse
	}
	return Generic
}

func isRedditHost(h string) bool {
	h = strings.ToLower(h)
	return h == "reddit.com" || strings.HasSuffix(h, ".reddit.com")
}

// SiteMentions is Mentions, with the items of Reddit's and Discourse's feeds read their way
// (see DetectSite):
//
//   - Reddit: the "submitted by /u/name [link] [comments]" footer leaves the text; the
//     community is the subreddit (from the entry's link, else the feed's URL); the author
//     loses "/u/"; a post is its own thread, a comment (t1_) belongs to its post's thread
//     (t3_) and drops its title ("/u/name on <post title>"), so it matches on its own words.
//   - Discourse: the "N posts - M participants" and "Read full topic" lines leave the text;
//     the community is the topic's category (the item's, else the feed's), else the forum's
//     host; the thread is "<host>/t/<topic id>", as the discourse collector has it; a reply
//     (post 2 onwards) drops the topic's title, which every post of a topic repeats, so a reply
//     matches on what it says; its parent is the topic. The author is the username, without
//     the "@" and the full name of the posts feed. Replies with no text (small actions) are
//     left out.
//
// The topic title a reply drops is context, not its words: Mention has no field for it yet.
func SiteMentions(feed *gofeed.Feed, feedURL, source string, now time.Time) []collectors.Mention {
	site := DetectSite(feed, feedURL)
	entries := mentions(feed, source, now)
	out := make([]collectors.Mention, 0, len(entries))
	for _, e := range entries {
		switch site {
		case Reddit:
			redditMention(&e.m, feedURL)
		case Discourse:
			if !discourseMention(&e.m, e.item, feed) {
				continue
			}
		}
		out = append(out, e.m)
	}
	return out
}

func redditMention(m *collectors.Mention, feedURL string) {
	m.Author = strings.TrimPrefix(strings.TrimPrefix(m.Author, "/u/"), "u/")
	m.Text = StripRedditFooter(m.Text)
	if sm := subredditInLink.FindStringSubmatch(m.URL); sm != nil {
		m.Community = sm[1]
	} else if sm := subredditInLink.FindStringSubmatch(feedURL); sm != nil {
		m.Community = sm[1]
	}
	if tm := redditThreadLink.FindStringSubmatch(m.URL); tm != nil {
		m.ThreadID = "t3_" + tm[1]
	}
	if strings.HasPrefix(m.ID, "t1_") {
		m.Title = ""
		if m.ThreadID != "" {
			m.ParentID = m.ThreadID
		}
	} else if strings.HasPrefix(m.ID, "t3_") {
		m.ThreadID = m.ID
	}
}

func discourseMention(m *collectors.Mention, it *gofeed.Item, feed *gofeed.Feed) bool {
	m.Text = StripDiscourseFooter(m.Text)
	u, err := url.Parse(m.URL)
	if err != nil {
		return true
	}
	m.Community = u.Hostname()
	switch {
	case len(it.Categories) > 0 && strings.TrimSpace(it.Categories[0]) != "":
		m.Community = strings.TrimSpace(it.Categories[0])
	case len(feed.Categories) > 0 && strings.TrimSpace(feed.Categories[0]) != "":
		m.Community = strings.TrimSpace(feed.Categories[0])
	}
	if a, ok := strings.CutPrefix(m.Author, "@"); ok {
		m.Author, _, _ = strings.Cut(a, " ")
	}
	tm := discourseTopicURL.FindStringSubmatch(u.Path)
	if tm == nil {
		return true
	}
	m.ThreadID = u.Hostname() + "/t/" + tm[1]
	if tm[2] != "" && tm[2] != "1" {
		m.Title = ""
		m.ParentID = m.ThreadID
		return strings.TrimSpace(m.Text) != ""
	}
	return true
}

// StripDiscourseFooter removes the lines Discourse appends to a topic in its feeds: the
// "N posts - M participants" count and the "Read full topic" link.
func StripDiscourseFooter(text string) string {
	lines := strings.Split(text, "\n")
	for len(lines) > 0 {
		l := strings.TrimSpace(lines[len(lines)-1])
		if l == "" || l == "Read full topic" || discourseCounts.MatchString(l) {
			lines = lines[:len(lines)-1]
			continue
		}
		break
	}
	return strings.Join(lines, "\n")
}
