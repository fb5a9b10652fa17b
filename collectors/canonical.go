package collectors

import (
	"net/url"
	"strings"
)

// Duplicates across sources (issue 14): the same item reached through two sources or two feeds
// (an HN story from the hackernews collector and from an hnrss feed, a Reddit post from the API
// and from a subreddit's feed given to rss) has two (source, id) keys but one canonical URL.
// The store keeps the first arrival and recognises the others by it.

// CanonicalURL returns the form of an http(s) URL that is the same for every way of writing
// one item's address, or "" when raw is not an absolute http(s) URL:
//   - the scheme is https, the host is lower case without "www.", a default port or a final
//     dot, and the fragment is dropped;
//   - tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, ref, ref_src, igshid, si, …)
//     are dropped and the rest sorted; a trailing slash is dropped;
//   - Hacker News item pages keep only their id (news.ycombinator.com/item?id=N);
//   - Reddit's hosts (old., new., np., m., www.reddit.com, redd.it) become reddit.com, and a
//     post or comment permalink becomes reddit.com/comments/<post>[/_/<comment>], without the
//     subreddit and the title slug;
//   - a Discourse topic URL /t/<slug>/<topic>[/<post number>] drops the slug (and post number 1).
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if len(raw) < 8 || !(hasPrefixFold(raw, "http://") || hasPrefixFold(raw, "https://")) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == "80" || port == "443" {
		port = ""
	}
	host = strings.TrimPrefix(host, "www.")
	path := strings.TrimRight(u.EscapedPath(), "/")
	var query url.Values // parsed only when there is a query: most item URLs have none
	if u.RawQuery != "" {
		query = u.Query()
	}
	switch {
	case host == "news.ycombinator.com" && path == "/item":
		query = url.Values{"id": query["id"]}
	case host == "redd.it" && path != "":
		host, path, query = "reddit.com", "/comments"+strings.ToLower(path), nil
	case host == "reddit.com" || strings.HasSuffix(host, ".reddit.com"):
		host = "reddit.com"
		if post, comment, ok := redditPermalink(path); ok {
			path = "/comments/" + strings.ToLower(post)
			if comment != "" {
				path += "/_/" + strings.ToLower(comment)
			}
			query = nil
		}
	default:
		if i := strings.LastIndex(path, "/t/"); i >= 0 {
			if topic, n, ok := discourseTopic(path[i+3:]); ok {
				path = path[:i] + "/t/" + topic
				if n != "" && n != "1" {
					path += "/" + n
				}
			}
		}
	}
	for k := range query {
		if trackingParam(k) {
			delete(query, k)
		}
	}
	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString("https://")
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(path)
	if len(query) > 0 {
		if q := query.Encode(); q != "" { // Encode sorts by key
			b.WriteString("?" + q)
		}
	}
	return b.String()
}

// redditPermalink splits /r/<sub>/comments/<post>[/<slug>[/<comment>]] (or the same without
// /r/<sub>) into the post and comment ids.
func redditPermalink(path string) (post, comment string, ok bool) {
	p := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(p) >= 2 && p[0] == "r" {
		p = p[2:]
	}
	if len(p) < 2 || len(p) > 4 || p[0] != "comments" || !alnum(p[1]) {
		return "", "", false
	}
	if len(p) == 4 {
		if !alnum(p[3]) {
			return "", "", false
		}
		comment = p[3]
	}
	return p[1], comment, true
}

// discourseTopic splits <slug>/<topic id>[/<post number>], what follows a Discourse URL's /t/.
func discourseTopic(rest string) (topic, n string, ok bool) {
	p := strings.Split(rest, "/")
	if len(p) < 2 || len(p) > 3 || p[0] == "" || !digits(p[1]) || (len(p) == 3 && !digits(p[2])) {
		return "", "", false
	}
	if len(p) == 3 {
		n = p[2]
	}
	return p[1], n, true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; !('a' <= c && c <= 'z') && !('0' <= s[i] && s[i] <= '9') {
			return false
		}
	}
	return s != ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// trackingParam reports query parameters that only say how a link was shared.
func trackingParam(k string) bool {
	k = strings.ToLower(k)
	if strings.HasPrefix(k, "utm_") {
		return true
	}
	switch k {
	case "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src",
		"ref_url", "share_id", "si", "_ga", "yclid", "twclid", "s_cid", "cmpid":
		return true
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// CanonicalKey is the canonical URL that identifies the mention's item across sources: its ID
// when the ID is itself a URL (a feed entry whose guid is its permalink, such as an hnrss
// entry's news.ycombinator.com/item?id=N, whose link is the story's article), else its URL.
// It is "" when neither is an http(s) URL.
func (m *Mention) CanonicalKey() string {
	if k := CanonicalURL(m.ID); k != "" {
		return k
	}
	return CanonicalURL(m.URL)
}
