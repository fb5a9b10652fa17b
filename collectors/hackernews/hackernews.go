// Package hackernews is the Hacker News collector: stories and comments that contain the
// brands' and topics' terms, found through the public HN Algolia search API (search_by_date).
package hackernews

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
const Name = "hackernews"

// Defaults.
const (
	DefaultBaseURL = "https://hn.algolia.com"
	// hitsPerPage is the page size asked for; Algolia serves at most 1,000 hits per query.
	hitsPerPage = 100
	maxHits     = 1000
	// Community is the community every Hacker News mention belongs to.
	Community = "Hacker News"
)

// Collector searches Hacker News for every term of the brands and topics.
type Collector struct {
	// Every is the polling interval.
	Every collectors.Duration `yaml:"every" json:"every"`
	// BaseURL is the Algolia HN Search API (change for proxies and tests).
	BaseURL string `yaml:"base_url" json:"base_url"`
	// Backfill bounds how far back the first poll of a term reads.
	Backfill collectors.Duration `yaml:"backfill" json:"backfill"`
	// Lag is how far behind the cursor each poll looks again, for items Algolia indexes late
	// (an hour or more after they were written, at times). The cursor keeps the ids seen
	// within Lag of it, so the overlap hands nothing over twice.
	Lag collectors.Duration `yaml:"lag" json:"lag"`
	// Tags selects the item types (Algolia tag syntax).
	Tags string `yaml:"tags" json:"tags"`
	// MaxPages bounds the pages (of 100 hits) one term reads per poll.
	MaxPages int `yaml:"max_pages" json:"max_pages"`
	// Timeout bounds one HTTP request; MaxBytes one response body.
	Timeout  collectors.Duration `yaml:"timeout" json:"timeout"`
	MaxBytes int64               `yaml:"max_bytes" json:"max_bytes"`
	// FollowFor is how long after a story or comment that names a brand its replies are
	// followed (see follow.go); 0 turns following off.
	FollowFor collectors.Duration `yaml:"follow_for" json:"follow_for"`
	// FollowDepth bounds how many levels of replies below that item are read.
	FollowDepth int `yaml:"follow_depth" json:"follow_depth"`
	// FollowEvery is how often one followed item's replies are read again.
	FollowEvery collectors.Duration `yaml:"follow_every" json:"follow_every"`
	// FollowFetches bounds the reply-tree requests of one poll.
	FollowFetches int `yaml:"follow_fetches" json:"follow_fetches"`
	// FollowMax bounds the items followed at once; past it, the one whose time runs out
	// first stops being followed.
	FollowMax int `yaml:"follow_max" json:"follow_max"`

	mu      sync.Mutex
	fetch   *httpfetch.Fetcher
	base    *url.URL
	watch   collectors.Watch
	state   state
	now     func() time.Time
	logger  *slog.Logger
	started bool

	// brands, when set, name the followed brands; followNames[i] names followMatch's query i.
	brands      []collectors.Brand
	followNames []string
	followMatch *collectors.Matcher
	anyMatch    *collectors.Matcher
	// followHold is when following may resume after a rate limit.
	followHold time.Time
}

// state holds one cursor per search term and the items whose replies are followed.
type state struct {
	Terms   map[string]*cursor   `json:"terms,omitempty"`
	Threads map[string]*followed `json:"threads,omitempty"`
}

// cursor is the newest created_at_i seen for a term, plus the ids seen within Lag of it, so
// the overlap each poll re-reads yields no duplicates.
type cursor struct {
	Newest int64            `json:"newest"`
	Seen   map[string]int64 `json:"seen,omitempty"`
}

func init() {
	collectors.Add(Name, func() collectors.Collector { return New() })
}

// New returns a collector with the defaults filled in.
func New() *Collector {
	return &Collector{
		Every:    collectors.Duration(2 * time.Minute),
		BaseURL:  DefaultBaseURL,
		Backfill: collectors.Duration(24 * time.Hour),
		Lag:      collectors.Duration(2 * time.Hour),
		Tags:     "(story,comment)",
		MaxPages: maxHits / hitsPerPage,
		Timeout:  collectors.Duration(httpfetch.DefaultTimeout),
		MaxBytes: httpfetch.DefaultMaxBytes,

		FollowFor:     collectors.Duration(defaultFollowFor),
		FollowDepth:   defaultFollowDepth,
		FollowEvery:   collectors.Duration(defaultFollowEvery),
		FollowFetches: defaultFollowFetches,
		FollowMax:     defaultFollowMax,

		now:    time.Now,
		logger: slog.New(slog.DiscardHandler),
	}
}

// SampleConfig implements collectors.Collector.
func (c *Collector) SampleConfig() string { return sampleConfig }

// Init implements collectors.Initializer.
func (c *Collector) Init() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		return errors.New("base_url: required")
	case err != nil:
		return fmt.Errorf("base_url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("base_url: %q must be an http or https URL", httpfetch.RedactURL(c.BaseURL))
	case c.Every.D() < 30*time.Second:
		return errors.New("every: must be at least 30s")
	case c.Backfill.D() < 0:
		return errors.New("backfill: must not be negative")
	case c.Lag.D() < 0 || c.Lag.D() > 24*time.Hour:
		return errors.New("lag: must be between 0 and 24h")
	case strings.TrimSpace(c.Tags) == "":
		return errors.New("tags: required, e.g. (story,comment)")
	case c.MaxPages < 1 || c.MaxPages > maxHits/hitsPerPage:
		return fmt.Errorf("max_pages: must be between 1 and %d (Algolia serves %d hits a query)", maxHits/hitsPerPage, maxHits)
	case c.Timeout.D() <= 0:
		return errors.New("timeout: must be positive")
	case c.MaxBytes <= 0:
		return errors.New("max_bytes: must be positive")
	case c.FollowFor.D() < 0 || c.FollowFor.D() > maxFollowFor:
		return errors.New("follow_for: must be between 0 (off) and 14d")
	case c.FollowDepth < 1 || c.FollowDepth > 100:
		return errors.New("follow_depth: must be between 1 and 100")
	case c.FollowEvery.D() < c.Every.D():
		return errors.New("follow_every: must be at least every")
	case c.FollowFetches < 1 || c.FollowFetches > 100:
		return errors.New("follow_fetches: must be between 1 and 100")
	case c.FollowMax < 1 || c.FollowMax > 10000:
		return errors.New("follow_max: must be between 1 and 10000")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c.base = u
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
	c.compileLocked()
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
			return fmt.Errorf("hackernews: restore state: %w", err)
		}
	}
	c.state = st
	return nil
}

func (c *Collector) terms() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range c.watch.Terms {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Collect implements collectors.Collector. Each term is searched on its own; a term that fails
// keeps its cursor and is reported through sink.Error, and the poll fails only when every term
// failed. A rate limit stops the poll. Then the replies of followed items that are due are read
// (see follow.go); their failures never fail the poll.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	if c.base == nil {
		if err := c.Init(); err != nil {
			return fmt.Errorf("hackernews: %w", err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	terms := c.terms()
	if len(terms) == 0 {
		return collectors.ErrNotModified
	}
	if c.state.Terms == nil {
		c.state.Terms = map[string]*cursor{}
	}
	for k := range c.state.Terms {
		if !slices.Contains(terms, k) {
			delete(c.state.Terms, k)
		}
	}
	if !c.started {
		c.started = true
		c.logger.Info("searching Hacker News", "terms", len(terms), "requests_per_hour_min", int(float64(len(terms))*float64(time.Hour)/float64(c.Every.D())))
	}
	emitted := map[string]bool{}
	var errs []error
	ok := 0
	for _, term := range terms {
		err := c.pollTerm(ctx, term, sink, emitted)
		if err == nil {
			ok++
			continue
		}
		err = fmt.Errorf("hackernews: search %q: %w", term, err)
		if ctx.Err() != nil || collectors.IsRateLimited(err) {
			if ok == 0 || ctx.Err() != nil {
				return err
			}
			c.logger.Info("rate limited; the remaining terms and followed threads wait for the next poll", "error", err)
			return nil
		}
		sink.Error(err)
		c.logger.Warn("search failed; its cursor stays put and the next poll tries again", "term", term, "error", err)
		errs = append(errs, err)
	}
	if ok == 0 && len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.followThreads(ctx, sink, emitted)
	return nil
}

// response is an Algolia search response.
type response struct {
	Hits    []json.RawMessage `json:"hits"`
	NbPages int               `json:"nbPages"`
	Page    int               `json:"page"`
}

// hit is one story or comment.
type hit struct {
	ObjectID    string   `json:"objectID"`
	CreatedAtI  int64    `json:"created_at_i"`
	Author      string   `json:"author"`
	Title       *string  `json:"title"`
	StoryText   *string  `json:"story_text"`
	CommentText *string  `json:"comment_text"`
	StoryID     *int64   `json:"story_id"`
	ParentID    *int64   `json:"parent_id"`
	Points      *int     `json:"points"`
	Tags        []string `json:"_tags"`
}

func (c *Collector) searchURL(term string, since int64, page int) string {
	q := url.Values{}
	q.Set("query", term)
	if strings.ContainsAny(term, " \t") {
		q.Set("query", `"`+strings.ReplaceAll(term, `"`, "")+`"`)
		q.Set("advancedSyntax", "true")
	}
	q.Set("tags", c.Tags)
	q.Set("numericFilters", "created_at_i>"+strconv.FormatInt(since, 10))
	q.Set("hitsPerPage", strconv.Itoa(hitsPerPage))
	q.Set("page", strconv.Itoa(page))
	return c.base.String() + "/api/v1/search_by_date?" + q.Encode()
}

// pollTerm pages through the hits newer than the term's cursor (minus Lag). It is all or
// nothing: on an error nothing is handed over and the cursor stays.
func (c *Collector) pollTerm(ctx context.Context, term string, sink collectors.Sink, emitted map[string]bool) error {
	cur := c.state.Terms[term]
	now := c.now()
	since := now.Add(-c.Backfill.D()).Unix()
	if cur != nil {
		since = cur.Newest - int64(c.Lag.D()/time.Second)
	}
	var fresh []collectors.Mention
	seen := map[string]int64{}
	newest := int64(0)
	if cur != nil {
		newest = cur.Newest
	}
	page, pages := 0, 0
	for ; page < c.MaxPages; page++ {
		resp, err := c.fetch.Get(ctx, httpfetch.Request{URL: c.searchURL(term, since, page), Header: map[string][]string{"Accept": {"application/json"}}})
		if err != nil {
			return err
		}
		var r response
		if err := json.Unmarshal(resp.Body, &r); err != nil {
			return fmt.Errorf("invalid JSON in response: %w", err)
		}
		pages++
		for _, raw := range r.Hits {
			var h hit
			if err := json.Unmarshal(raw, &h); err != nil || h.ObjectID == "" {
				sink.Error(fmt.Errorf("hackernews: search %q: undecodable hit: %v", term, err))
				continue
			}
			if h.CreatedAtI <= since {
				continue // the server ignored the filter
			}
			seen[h.ObjectID] = h.CreatedAtI
			newest = max(newest, h.CreatedAtI)
			if cur != nil {
				if _, dup := cur.Seen[h.ObjectID]; dup {
					continue
				}
			}
			m, ok := mention(h)
			if !ok {
				continue
			}
			if err := m.Validate(); err != nil {
				sink.Error(fmt.Errorf("hackernews: %w", err))
				continue
			}
			fresh = append(fresh, m)
		}
		if len(r.Hits) < hitsPerPage || page+1 >= r.NbPages {
			break
		}
	}
	if page == c.MaxPages {
		c.logger.Warn("more new hits than one poll reads; some were missed (poll more often or raise max_pages)", "term", term, "pages", pages)
	}
	slices.Reverse(fresh)
	for _, m := range fresh {
		if !emitted[m.ID] {
			emitted[m.ID] = true
			sink.Add(m)
			c.follow(&m, now)
		}
	}
	next := &cursor{Newest: newest, Seen: map[string]int64{}}
	if newest == 0 {
		next.Newest = since // nothing yet: remember the backfill bound so it does not slide
	}
	keepFrom := next.Newest - int64(c.Lag.D()/time.Second)
	if cur != nil {
		for id, at := range cur.Seen {
			if at >= keepFrom {
				next.Seen[id] = at
			}
		}
	}
	for id, at := range seen {
		if at >= keepFrom {
			next.Seen[id] = at
		}
	}
	c.state.Terms[term] = next
	c.logger.Debug("searched", "term", term, "pages", pages, "new_items", len(fresh))
	return nil
}

// mention converts a hit; ok is false for hits without content (deleted, dead).
func mention(h hit) (collectors.Mention, bool) {
	m := collectors.Mention{
		ID: h.ObjectID, Source: Name, Community: Community, Author: h.Author,
		URL: "https://news.ycombinator.com/item?id=" + url.QueryEscape(h.ObjectID), ThreadID: h.ObjectID,
		CreatedAt: time.Unix(h.CreatedAtI, 0).UTC(),
	}
	if h.Points != nil {
		m.Score = *h.Points
	}
	if slices.Contains(h.Tags, "comment") || h.CommentText != nil {
		if h.CommentText == nil || h.Author == "" {
			return m, false
		}
		m.Text = feedreader.HTMLToText(*h.CommentText)
		if h.StoryID != nil && *h.StoryID != 0 {
			m.ThreadID = strconv.FormatInt(*h.StoryID, 10)
		}
		if h.ParentID != nil && *h.ParentID != 0 {
			m.ParentID = strconv.FormatInt(*h.ParentID, 10)
		}
		return m, m.Text != ""
	}
	if h.Title != nil {
		m.Title = feedreader.TitleText(*h.Title)
	}
	if h.StoryText != nil {
		m.Text = feedreader.HTMLToText(*h.StoryText)
	}
	return m, m.Title != "" || m.Text != ""
}
