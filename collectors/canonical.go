package collectors

import (
	"net/url"
	"regexp"
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
	query := u.Query()
	switch {
	case host == "news.ycombinator.com" && path == "/item":
		query = url.Values{"id": query["id"]}
	case host == "redd.it" && path != "":
		host, path, query = "reddit.com", "/comments"+strings.ToLower(path), nil
	case host == "reddit.com" || strings.HasSuffix(host, ".reddit.com"):
		host = "reddit.com"
		if m := redditPermalink.FindStringSubmatch(path); m != nil {
			path = "/comments/" + strings.ToLower(m[1])
			if m[2] != "" {
				path += "/_/" + strings.ToLower(m[2])
			}
			query = nil
		}
	default:
		if m := discourseTopic.FindStringSubmatch(path); m != nil {
			path = m[1] + "/t/" + m[2]
			if m[3] != "" && m[3] != "1" {
				path += "/" + m[3]
			}
		}
	}
	for k := range query {
		if trackingParam(k) {
			delete(query, k)
		}
	}
	out := "https://" + host
	if port != "" {
		out += ":" + port
	}
	out += path
	if q := query.Encode(); q != "" { // Encode sorts by key
		out += "?" + q
	}
	return out
}

var (
	// redditPermalink is /r/<sub>/comments/<post>[/<slug>[/<comment>]] or /comments/<post>…
	redditPermalink = regexp.MustCompile(`^(?:/r/[^/]+)?/comments/([A-Za-z0-9]+)(?:/[^/]*(?:/([A-Za-z0-9]+))?)?$`)
	// discourseTopic is [<prefix>]/t/<slug>/<topic id>[/<post number>].
	discourseTopic = regexp.MustCompile(`^(.*?)/t/[^/]+/([0-9]+)(?:/([0-9]+))?$`)
)

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
