// Package discourse is the Discourse forum collector: every new post of a forum (optionally
// of some categories), forum search for the brands' and topics' terms within the forum's
// search limits, the topics of posts that name a brand (follow.go), and topic participation.
// Requests to one host are paced across all instances (pace.go).
package discourse

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
	"github.com/overhear/overhear/collectors/httpfetch"
)

//go:embed sample.yaml
var sampleConfig string

// Name is the collector's registry name and source label.
const Name = "discourse"

// categoriesTTL is how long the category names are trusted before they are fetched again.
const categoriesTTL = 24 * time.Hour

// Collector follows one Discourse forum.
type Collector struct {
	// URL is the forum's base URL.
	URL string `yaml:"url" json:"url"`
	// Every is the polling interval.
	Every collectors.Duration `yaml:"every" json:"every"`
	// APIKey and APIUsername, when set, are sent as Api-Key and Api-Username headers.
	APIKey      collectors.Secret `yaml:"api_key" json:"api_key,omitempty"`
	APIKeyFile  string            `yaml:"api_key_file" json:"api_key_file,omitempty"`
	APIUsername string            `yaml:"api_username" json:"api_username,omitempty"`
	// Categories limits the collector to these categories (slug, name or id) and their
	// subcategories; empty means the whole forum.
	Categories []string `yaml:"categories" json:"categories,omitempty"`
	// Search runs the forum's search for each term of the brands and topics.
	Search bool `yaml:"search" json:"search"`
	// SearchPerSecond and SearchPerMinute are the forum's search limits (Discourse's defaults
	// for anonymous users are 2 and 15), shared by every instance polling the same host and
	// counted across polls. Terms beyond the minute's budget are searched first next poll.
	SearchPerSecond int `yaml:"search_per_second" json:"search_per_second"`
	SearchPerMinute int `yaml:"search_per_minute" json:"search_per_minute"`
	// SearchCombine is how many terms one search joins with OR. Discourse's own search has no
	// OR (it finds posts with all the words), so leave 1 unless the forum's search accepts it.
	SearchCombine int `yaml:"search_combine" json:"search_combine"`
	// Spacing is the least time between two requests to the forum's host, shared by every
	// instance polling that host.
	Spacing collectors.Duration `yaml:"spacing" json:"spacing"`
	// Follow follows the topic of every post that names a brand: the replies after it, for
	// FollowFor and at most FollowReplies of them, are mentions of that brand in context.
	// FollowRequests bounds the topic reads of one poll, FollowTopics the topics followed at once.
	Follow         bool                `yaml:"follow" json:"follow"`
	FollowFor      collectors.Duration `yaml:"follow_for" json:"follow_for"`
	FollowReplies  int                 `yaml:"follow_replies" json:"follow_replies"`
	FollowRequests int                 `yaml:"follow_requests" json:"follow_requests"`
	FollowTopics   int                 `yaml:"follow_topics" json:"follow_topics"`
	// Backfill bounds how far back the first poll reads.
	Backfill collectors.Duration `yaml:"backfill" json:"backfill"`
	// MaxPages bounds the /posts.json pages one poll reads.
	MaxPages int `yaml:"max_pages" json:"max_pages"`
	// Timeout bounds one HTTP request; MaxBytes one response body.
	Timeout  collectors.Duration `yaml:"timeout" json:"timeout"`
	MaxBytes int64               `yaml:"max_bytes" json:"max_bytes"`

	mu        sync.Mutex
	fetch     *httpfetch.Fetcher
	base      *url.URL
	host      string
	watch     collectors.Watch
	state     state
	now       func() time.Time
	logger    *slog.Logger
	cats      map[int64]category
	catsAt    time.Time
	started   bool
	catFilter map[int64]bool
	pace      *pacer
	// brandNames[i] is the brand whose query is brandMatcher's query i (see SetBrands).
	brandNames   []string
	brandMatcher *collectors.Matcher
	sleep        func(ctx context.Context, d time.Duration) error
}

type category struct {
	ID       int64
	Name     string
	Slug     string
	ParentID int64
}

// state is what survives restarts.
type state struct {
	// Posts is the highest post id the /posts.json stream has read.
	Posts int64 `json:"posts"`
	// Covered lists the post id ranges [from, to] the /posts.json stream has read completely, so
	// search hands over only posts it missed (in gaps, or older than its first poll).
	Covered [][2]int64 `json:"covered,omitempty"`
	// Terms is the highest post id seen per search (a term, or terms joined with OR).
	Terms map[string]int64 `json:"terms,omitempty"`
	// SearchLast is the search the last poll ran last; the next poll starts after it, so every
	// term gets its turn when the budget does not reach all of them in one poll.
	SearchLast string `json:"search_last,omitempty"`
	// Follow holds the followed topics by topic id.
	Follow map[int64]*follow `json:"follow,omitempty"`
}

// maxRanges bounds Covered; the oldest ranges are merged away.
const maxRanges = 16

func init() {
	collectors.Add(Name, func() collectors.Collector { return New() })
}

// New returns a collector with the defaults filled in.
func New() *Collector {
	return &Collector{
		Every:           collectors.Duration(5 * time.Minute),
		Search:          true,
		SearchPerSecond: 2,
		SearchPerMinute: 15,
		SearchCombine:   1,
		Spacing:         collectors.Duration(400 * time.Millisecond),
		Follow:          true,
		FollowFor:       collectors.Duration(7 * 24 * time.Hour),
		FollowReplies:   50,
		FollowRequests:  2,
		FollowTopics:    100,
		Backfill:        collectors.Duration(24 * time.Hour),
		MaxPages:        5,
		Timeout:         collectors.Duration(httpfetch.DefaultTimeout),
		MaxBytes:        httpfetch.DefaultMaxBytes,
		now:             time.Now,
		sleep:           sleep,
		logger:          slog.New(slog.DiscardHandler),
	}
}

// SampleConfig implements collectors.Collector.
func (c *Collector) SampleConfig() string { return sampleConfig }

// Init implements collectors.Initializer.
func (c *Collector) Init() error {
	u, err := url.Parse(strings.TrimSpace(c.URL))
	switch {
	case c.URL == "":
		return errors.New("url: required (the forum's address, e.g. https://forum.example.com)")
	case err != nil:
		return fmt.Errorf("url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("url: %q must be an http or https URL", httpfetch.RedactURL(c.URL))
	case u.User != nil || u.RawQuery != "":
		return fmt.Errorf("url: %q must not carry credentials or a query (use api_key)", httpfetch.RedactURL(c.URL))
	case c.Every.D() < 30*time.Second:
		return errors.New("every: must be at least 30s")
	case c.Backfill.D() < 0:
		return errors.New("backfill: must not be negative")
	case c.MaxPages < 1 || c.MaxPages > 50:
		return errors.New("max_pages: must be between 1 and 50")
	case c.Timeout.D() <= 0:
		return errors.New("timeout: must be positive")
	case c.MaxBytes <= 0:
		return errors.New("max_bytes: must be positive")
	case c.SearchPerSecond < 1:
		return errors.New("search_per_second: must be at least 1")
	case c.SearchPerMinute < 1:
		return errors.New("search_per_minute: must be at least 1")
	case c.SearchCombine < 1 || c.SearchCombine > 20:
		return errors.New("search_combine: must be between 1 and 20")
	case c.Spacing.D() < 0 || c.Spacing.D() > time.Minute:
		return errors.New("spacing: must be between 0s and 1m")
	case c.FollowFor.D() <= 0:
		return errors.New("follow_for: must be positive")
	case c.FollowReplies < 1 || c.FollowReplies > 1000:
		return errors.New("follow_replies: must be between 1 and 1000")
	case c.FollowRequests < 0 || c.FollowRequests > 20:
		return errors.New("follow_requests: must be between 0 and 20")
	case c.FollowTopics < 1 || c.FollowTopics > 10000:
		return errors.New("follow_topics: must be between 1 and 10000")
	}
	key, err := collectors.ResolveSecret(c.APIKey, c.APIKeyFile, "api_key")
	if err != nil {
		return err
	}
	c.APIKey, c.APIKeyFile = key, ""
	if c.APIKey != "" && c.APIUsername == "" {
		return errors.New("api_username: required with api_key (e.g. system)")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Fragment = ""
	c.base, c.host = u, u.Host
	if c.pace == nil {
		c.pace = pacerFor(strings.ToLower(u.Host))
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	c.fetch = httpfetch.Configure(c.fetch, c.Timeout.D(), c.MaxBytes)
	if c.now == nil {
		c.now = time.Now
	}
	return nil
}

// SetFetcher replaces the HTTP fetcher (tests use it to shorten retries).
func (c *Collector) SetFetcher(f *httpfetch.Fetcher) { c.fetch = f }

// SetLogger implements collectors.LoggerSetter.
func (c *Collector) SetLogger(l *slog.Logger) { c.logger = l }

// SetWatch implements collectors.Watcher.
func (c *Collector) SetWatch(w collectors.Watch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watch = w
}

// InstanceName implements collectors.Instance: the forum's host and path.
func (c *Collector) InstanceName() string {
	if c.base != nil {
		return c.base.Host + c.base.Path
	}
	return httpfetch.RedactURL(c.URL)
}

// Interval implements collectors.Scheduled.
func (c *Collector) Interval() time.Duration { return c.Every.D() }

// State implements collectors.Stateful.
func (c *Collector) State() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return json.Marshal(c.state)
}

// SetState implements collectors.Stateful.
func (c *Collector) SetState(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var st state
	if len(b) > 0 {
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("discourse: restore state: %w", err)
		}
	}
	c.state = st
	return nil
}

// get fetches a forum JSON endpoint with the API headers when configured, in its turn among
// the requests to the host.
func (c *Collector) get(ctx context.Context, path string, q url.Values, v any) error {
	wait, err := c.pace.reserve(c.host, c.now(), c.Spacing.D())
	if err != nil {
		return err
	}
	if err := c.sleep(ctx, wait); err != nil {
		return err
	}
	err = c.fetchJSON(ctx, c.fetch, path, q, v)
	if collectors.IsRateLimited(err) {
		// Every instance on the host waits, not only this one.
		d, ok := collectors.RetryAfter(err)
		if !ok {
			d = searchWindow
		}
		c.pace.hold(c.now().Add(d))
	}
	return err
}

// fetchJSON fetches a forum JSON endpoint now.
func (c *Collector) fetchJSON(ctx context.Context, f *httpfetch.Fetcher, path string, q url.Values, v any) error {
	u := *c.base
	u.Path += path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	h := http.Header{"Accept": {"application/json"}}
	if c.APIKey != "" {
		h.Set("Api-Key", c.APIKey.Reveal())
		h.Set("Api-Username", c.APIUsername)
	}
	resp, err := f.Get(ctx, httpfetch.Request{URL: u.String(), Header: h})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("GET %s: invalid JSON in response: %w", httpfetch.RedactURL(u.String()), err)
	}
	return nil
}

// Collect implements collectors.Collector. A poll reads the category names (once a day), the
// new posts from /posts.json, the topic list for participation, the searches the host's search
// budget allows (round-robin across polls) and the followed topics the stream does not bring. The
// poll fails when /posts.json fails; a failing topic list or search is reported through
// sink.Error and retried next time.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	if c.base == nil {
		if err := c.Init(); err != nil {
			return fmt.Errorf("discourse: %w", err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.started = true
		terms := 0
		if c.Search {
			terms = len(c.terms())
		}
		// One page of posts, the latest topics, at most a minute's searches (the budget is
		// shared by the host's instances) and the topic reads allowed.
		searches := min(len(c.searches()), c.SearchPerMinute)
		if !c.Search {
			searches = 0
		}
		c.logger.Info("following a Discourse forum", "forum", c.InstanceName(), "search_terms", terms,
			"follow_brands", len(c.brandNames), "requests_per_hour_typical",
			int(float64(2+searches+c.FollowRequests)*float64(time.Hour)/float64(c.Every.D())))
	}
	if err := c.loadCategories(ctx); err != nil {
		if len(c.Categories) > 0 || ctx.Err() != nil || collectors.IsRateLimited(err) {
			return fmt.Errorf("discourse: poll %s: categories: %w", c.InstanceName(), err)
		}
		sink.Error(fmt.Errorf("discourse: %s: categories: %w", c.InstanceName(), err))
		c.logger.Warn("could not read the categories; mentions carry the forum's host as community", "error", err)
	}
	emitted := map[string]bool{}
	if err := c.pollPosts(ctx, sink, emitted); err != nil {
		return fmt.Errorf("discourse: poll %s: posts: %w", c.InstanceName(), err)
	}
	if err := c.pollTopics(ctx, sink); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("discourse: poll %s: %w", c.InstanceName(), ctx.Err())
		}
		sink.Error(fmt.Errorf("discourse: %s: latest topics: %w", c.InstanceName(), err))
		c.logger.Warn("could not read the latest topics; participation waits for the next poll", "error", err)
	}
	if c.Search {
		if err := c.searchAll(ctx, sink, emitted); err != nil {
			return fmt.Errorf("discourse: poll %s: %w", c.InstanceName(), err)
		}
	}
	if err := c.pollFollows(ctx, sink, emitted); err != nil {
		return fmt.Errorf("discourse: poll %s: %w", c.InstanceName(), err)
	}
	return nil
}

// searches returns the searches a poll runs: each term alone, or SearchCombine terms joined
// with OR. Terms with spaces are quoted as phrases.
func (c *Collector) searches() []string {
	var out, group []string
	for _, t := range c.terms() {
		if strings.ContainsAny(t, " \t") {
			t = `"` + strings.ReplaceAll(t, `"`, "") + `"`
		}
		group = append(group, t)
		if len(group) == c.SearchCombine {
			out, group = append(out, strings.Join(group, " OR ")), nil
		}
	}
	if len(group) > 0 {
		out = append(out, strings.Join(group, " OR "))
	}
	return out
}

// termKey is the key of a search's cursor in state.Terms: the term itself for a single term
// (a phrase without its quotes, as earlier versions kept it), the query for combined terms.
func termKey(q string) string {
	if !strings.Contains(q, " OR ") {
		return strings.Trim(q, `"`)
	}
	return q
}

// searchAll runs the searches in turn, starting after the one the last poll ran last, as long
// as the host's search budget allows. A refused search (429) ends the poll's searches and is
// first next time; other failures go to sink.Error and the next search runs. It returns only
// ctx's error.
func (c *Collector) searchAll(ctx context.Context, sink collectors.Sink, emitted map[string]bool) error {
	all := c.searches()
	keys := make([]string, len(all))
	for i, q := range all {
		keys[i] = termKey(q)
	}
	for k := range c.state.Terms {
		if !slices.Contains(keys, k) {
			delete(c.state.Terms, k)
		}
	}
	if len(all) == 0 {
		return nil
	}
	start := 0
	if i := slices.Index(all, c.state.SearchLast); i >= 0 {
		start = i + 1
	}
	ran := 0
	for i := range all {
		q := all[(start+i)%len(all)]
		wait, ok := c.pace.reserveSearch(c.now(), c.Spacing.D(), c.SearchPerSecond, c.SearchPerMinute)
		if !ok {
			c.logger.Debug("search budget spent; the other terms go first next poll", "forum", c.InstanceName(),
				"searched", ran, "waiting", len(all)-ran)
			break
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
		err := c.pollSearch(ctx, q, sink, emitted)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			sink.Error(fmt.Errorf("discourse: %s: search %q: %w", c.InstanceName(), q, err))
			if collectors.IsRateLimited(err) {
				d, ok := collectors.RetryAfter(err)
				if !ok {
					d = searchWindow
				}
				c.pace.refuse(c.now().Add(d))
				c.logger.Warn("the forum refused a search; searches pause and this term goes first next poll",
					"term", q, "retry_delay_seconds", int(d.Seconds()), "error", err)
				break
			}
			c.logger.Warn("search failed; its cursor stays put", "term", q, "error", err)
		}
		c.state.SearchLast = q
		ran++
	}
	return nil
}

func (c *Collector) terms() []string {
	var out []string
	for _, t := range c.watch.Terms {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// categoryList is /categories.json (subcategories nested, as include_subcategories=true gives
// them, or flat with parent_category_id).
type categoryList struct {
	CategoryList struct {
		Categories []categoryJSON `json:"categories"`
	} `json:"category_list"`
}

type categoryJSON struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	Slug             string         `json:"slug"`
	ParentCategoryID int64          `json:"parent_category_id"`
	Subcategories    []categoryJSON `json:"subcategory_list"`
}

func (c *Collector) loadCategories(ctx context.Context) error {
	if c.cats != nil && c.now().Sub(c.catsAt) < categoriesTTL {
		return nil
	}
	var l categoryList
	if err := c.get(ctx, "/categories.json", url.Values{"include_subcategories": {"true"}}, &l); err != nil {
		return err
	}
	cats := map[int64]category{}
	var walk func(list []categoryJSON, parent int64)
	walk = func(list []categoryJSON, parent int64) {
		for _, cj := range list {
			p := cj.ParentCategoryID
			if p == 0 {
				p = parent
			}
			cats[cj.ID] = category{ID: cj.ID, Name: cj.Name, Slug: cj.Slug, ParentID: p}
			walk(cj.Subcategories, cj.ID)
		}
	}
	walk(l.CategoryList.Categories, 0)
	filter := map[int64]bool{}
	for _, want := range c.Categories {
		found := false
		for id, cat := range cats {
			if strings.EqualFold(want, cat.Slug) || strings.EqualFold(want, cat.Name) || want == strconv.FormatInt(id, 10) {
				filter[id], found = true, true
			}
		}
		if !found {
			return fmt.Errorf("categories: %q is not a category of %s", want, c.InstanceName())
		}
	}
	if len(filter) > 0 {
		// Subcategories of a chosen category are chosen too.
		for id, cat := range cats {
			if filter[cat.ParentID] {
				filter[id] = true
			}
		}
	}
	c.cats, c.catsAt, c.catFilter = cats, c.now(), filter
	return nil
}

// wanted reports whether a post in the category is followed.
func (c *Collector) wanted(categoryID int64) bool {
	return len(c.catFilter) == 0 || c.catFilter[categoryID]
}

func (c *Collector) community(categoryID int64) string {
	if cat, ok := c.cats[categoryID]; ok && cat.Name != "" {
		return cat.Name
	}
	return c.host
}

// post is one entry of /posts.json.
type post struct {
	ID                int64   `json:"id"`
	Username          string  `json:"username"`
	CreatedAt         string  `json:"created_at"`
	Cooked            string  `json:"cooked"`
	PostNumber        int     `json:"post_number"`
	PostType          int     `json:"post_type"`
	ReplyToPostNumber *int    `json:"reply_to_post_number"`
	TopicID           int64   `json:"topic_id"`
	TopicSlug         string  `json:"topic_slug"`
	TopicTitle        string  `json:"topic_title"`
	CategoryID        int64   `json:"category_id"`
	Hidden            bool    `json:"hidden"`
	DeletedAt         *string `json:"deleted_at"`
	UserDeleted       bool    `json:"user_deleted"`
	Score             float64 `json:"score"`
	LikeCount         int     `json:"like_count"`
	ActionsSummary    actions `json:"actions_summary"`
}

// likeAction is the post action type of a like in actions_summary.
const likeAction = 2

// actions is a post's actions_summary: counts per post action type. /posts.json and topic
// posts carry likes only here (like_count is absent or 0), so likes reads both.
type actions []struct {
	ID    int `json:"id"`
	Count int `json:"count"`
}

// likes returns the post's like count: like_count when the forum sends it, else the count of
// action 2 in actions_summary.
func likes(likeCount int, a actions) int {
	if likeCount > 0 {
		return likeCount
	}
	for _, x := range a {
		if x.ID == likeAction {
			return max(x.Count, 0)
		}
	}
	return 0
}

// pollPosts reads /posts.json from the newest post back to the cursor (or the backfill bound),
// at most MaxPages pages. It is all or nothing: on an error nothing is handed over.
func (c *Collector) pollPosts(ctx context.Context, sink collectors.Sink, emitted map[string]bool) error {
	cold := c.state.Posts == 0 && len(c.state.Covered) == 0
	cutoff := c.now().Add(-c.Backfill.D())
	var fresh []item
	newest, oldest := c.state.Posts, int64(0)
	reached := false
	before := int64(0)
	pages := 0
	for pages < c.MaxPages {
		q := url.Values{}
		if before > 0 {
			q.Set("before", strconv.FormatInt(before, 10))
		}
		var page struct {
			LatestPosts []json.RawMessage `json:"latest_posts"`
		}
		if err := c.get(ctx, "/posts.json", q, &page); err != nil {
			return err
		}
		pages++
		if len(page.LatestPosts) == 0 {
			reached = true
			break
		}
		minID := int64(0)
		for _, raw := range page.LatestPosts {
			var p post
			if err := json.Unmarshal(raw, &p); err != nil || p.ID == 0 {
				sink.Error(fmt.Errorf("discourse: %s: undecodable post: %v", c.InstanceName(), err))
				continue
			}
			if before > 0 && p.ID >= before {
				continue // the server ignored `before`
			}
			if minID == 0 || p.ID < minID {
				minID = p.ID
			}
			if !cold && p.ID <= c.state.Posts {
				reached = true
				continue
			}
			created := parseTime(p.CreatedAt)
			if cold && created.Before(cutoff) {
				reached = true
				continue
			}
			newest = max(newest, p.ID)
			if oldest == 0 || p.ID < oldest {
				oldest = p.ID
			}
			if m, ok := c.postMention(p, created); ok {
				if err := m.Validate(); err != nil {
					sink.Error(fmt.Errorf("discourse: %s: %w", c.InstanceName(), err))
					continue
				}
				fresh = append(fresh, item{m: m, created: created, topic: p.TopicID, number: p.PostNumber,
					title: feedreader.TitleText(p.TopicTitle), slug: p.TopicSlug, category: p.CategoryID})
			}
		}
		if reached || minID == 0 {
			break
		}
		before = minID
	}
	if !reached && !cold {
		c.logger.Warn("more new posts than one poll reads; search covers the gap for watched terms (poll more often or raise max_pages)",
			"forum", c.InstanceName(), "pages", pages)
	}
	slices.Reverse(fresh)
	for _, it := range fresh {
		c.hand(sink, it, emitted, true)
	}
	if newest > c.state.Posts {
		from := oldest
		if reached && !cold && len(c.state.Covered) > 0 {
			from = c.state.Covered[len(c.state.Covered)-1][0]
			c.state.Covered = c.state.Covered[:len(c.state.Covered)-1]
		}
		if reached && cold {
			from = 1 // older posts are out of the backfill window: search must not bring them either
		}
		c.state.Covered = append(c.state.Covered, [2]int64{from, newest})
		if n := len(c.state.Covered); n > maxRanges {
			c.state.Covered = append([][2]int64{{c.state.Covered[0][0], c.state.Covered[n-maxRanges][1]}}, c.state.Covered[n-maxRanges+1:]...)
		}
		c.state.Posts = newest
	}
	c.logger.Debug("read posts", "forum", c.InstanceName(), "pages", pages, "new_items", len(fresh), "cold_start", cold)
	return nil
}

func (c *Collector) covered(id int64) bool {
	for _, r := range c.state.Covered {
		if id >= r[0] && id <= r[1] {
			return true
		}
	}
	return false
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func (c *Collector) postID(id int64) string { return c.host + "/p/" + strconv.FormatInt(id, 10) }
func (c *Collector) threadID(topic int64) string {
	return c.host + "/t/" + strconv.FormatInt(topic, 10)
}

// postMention converts a post; ok is false for posts that are not followed or carry no text
// (small actions, hidden or deleted posts).
func (c *Collector) postMention(p post, created time.Time) (collectors.Mention, bool) {
	if !c.wanted(p.CategoryID) || p.Hidden || p.DeletedAt != nil || p.UserDeleted || (p.PostType != 0 && p.PostType != 1) {
		return collectors.Mention{}, false
	}
	text := feedreader.HTMLToText(p.Cooked)
	if text == "" {
		return collectors.Mention{}, false
	}
	m := collectors.Mention{
		ID: c.postID(p.ID), Source: Name, Community: c.community(p.CategoryID), Author: p.Username,
		Text: text, ThreadID: c.threadID(p.TopicID), CreatedAt: created, Score: likes(p.LikeCount, p.ActionsSummary),
		URL: c.topicURL(p.TopicSlug, p.TopicID, p.PostNumber),
	}
	if p.PostNumber <= 1 {
		m.Title = feedreader.TitleText(p.TopicTitle)
	} else {
		m.ParentID = m.ThreadID
		if r := p.ReplyToPostNumber; r != nil && *r > 1 {
			m.ParentID = m.ThreadID + "/" + strconv.Itoa(*r)
		}
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = c.now().UTC()
	}
	return m, true
}

func (c *Collector) topicURL(slug string, topic int64, number int) string {
	if slug == "" {
		slug = "-"
	}
	u := *c.base
	u.Path += "/t/" + slug + "/" + strconv.FormatInt(topic, 10)
	if number > 1 {
		u.Path += "/" + strconv.Itoa(number)
	}
	return u.String()
}

// topicList is /latest.json.
type topicList struct {
	Users []struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"users"`
	TopicList struct {
		Topics []struct {
			ID         int64 `json:"id"`
			CategoryID int64 `json:"category_id"`
			Posters    []struct {
				UserID int64 `json:"user_id"`
			} `json:"posters"`
		} `json:"topics"`
	} `json:"topic_list"`
}

// pollTopics records who took part in the latest topics, so a brand account's earlier replies
// count even when the poll that saw them is long gone.
func (c *Collector) pollTopics(ctx context.Context, sink collectors.Sink) error {
	var l topicList
	if err := c.get(ctx, "/latest.json", nil, &l); err != nil {
		return err
	}
	users := map[int64]string{}
	for _, u := range l.Users {
		users[u.ID] = u.Username
	}
	for _, t := range l.TopicList.Topics {
		if !c.wanted(t.CategoryID) {
			continue
		}
		for _, p := range t.Posters {
			if name := users[p.UserID]; name != "" {
				sink.Participate(c.threadID(t.ID), name)
			}
		}
	}
	return nil
}

// searchResult is /search.json.
type searchResult struct {
	Posts []struct {
		ID         int64  `json:"id"`
		Username   string `json:"username"`
		CreatedAt  string `json:"created_at"`
		Blurb      string `json:"blurb"`
		PostNumber int    `json:"post_number"`
		TopicID    int64  `json:"topic_id"`
		LikeCount  int    `json:"like_count"`
	} `json:"posts"`
	Topics []struct {
		ID         int64  `json:"id"`
		Title      string `json:"title"`
		Slug       string `json:"slug"`
		CategoryID int64  `json:"category_id"`
	} `json:"topics"`
}

// pollSearch hands over search hits for term that the posts stream did not read: posts in its
// gaps, older than its first poll, or in forums whose /posts.json omits them. Search returns a
// blurb, not the whole post.
func (c *Collector) pollSearch(ctx context.Context, term string, sink collectors.Sink, emitted map[string]bool) error {
	// A refused search is not retried within the poll: the pacer holds searches back instead.
	f := *c.fetch
	f.MaxRetries = -1
	var r searchResult
	if err := c.fetchJSON(ctx, &f, "/search.json", url.Values{"q": {term + " order:latest"}}, &r); err != nil {
		return err
	}
	topics := map[int64]int{}
	for i, t := range r.Topics {
		topics[t.ID] = i
	}
	if c.state.Terms == nil {
		c.state.Terms = map[string]int64{}
	}
	high, seenBefore := c.state.Terms[termKey(term)]
	cutoff := c.now().Add(-c.Backfill.D())
	newest := high
	var fresh []item
	for _, p := range r.Posts {
		newest = max(newest, p.ID)
		created := parseTime(p.CreatedAt)
		if p.ID <= high || p.ID > c.state.Posts || c.covered(p.ID) || (!seenBefore && created.Before(cutoff)) {
			continue
		}
		i, ok := topics[p.TopicID]
		if !ok {
			continue
		}
		t := r.Topics[i]
		if !c.wanted(t.CategoryID) {
			continue
		}
		m := collectors.Mention{
			ID: c.postID(p.ID), Source: Name, Community: c.community(t.CategoryID), Author: p.Username,
			Text: feedreader.HTMLToText(p.Blurb), ThreadID: c.threadID(p.TopicID), CreatedAt: created,
			Score: p.LikeCount, URL: c.topicURL(t.Slug, p.TopicID, p.PostNumber),
		}
		if p.PostNumber <= 1 {
			m.Title = feedreader.TitleText(t.Title)
		} else {
			m.ParentID = m.ThreadID
		}
		if emitted[m.ID] || m.Validate() != nil {
			continue
		}
		fresh = append(fresh, item{m: m, created: created, topic: p.TopicID, number: p.PostNumber,
			title: feedreader.TitleText(t.Title), slug: t.Slug, category: t.CategoryID})
	}
	slices.Reverse(fresh)
	for _, it := range fresh {
		c.hand(sink, it, emitted, false)
	}
	c.state.Terms[termKey(term)] = newest
	return nil
}
