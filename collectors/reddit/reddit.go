// Package reddit is the Reddit collector: new posts and new comments of followed subreddits and
// site-wide search for the brands' terms, through Reddit's OAuth API (app-only, with go-reddit)
// or, without credentials, through the subreddits' public RSS feeds.
package reddit

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vartanbeno/go-reddit/v2/reddit"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
	"github.com/overhear/overhear/collectors/httpfetch"
)

//go:embed sample.yaml
var sampleConfig string

// Name is the collector's registry name and source label.
const Name = "reddit"

// Defaults.
const (
	DefaultAPIURL   = "https://oauth.reddit.com"
	DefaultFeedURL  = "https://www.reddit.com"
	DefaultTokenURL = "https://www.reddit.com/api/v1/access_token"
	// DefaultBudget is how many API requests Overhear allows itself per 10 minutes: Reddit
	// grants 1,000 (100 a minute averaged over 10 minutes) per OAuth client.
	DefaultBudget = 600
	// pageSize is the most a listing returns in one request.
	pageSize = 100
	// maxListing is the deepest Reddit lets a listing be paged.
	maxListing = 1000
	// groupSize is how many subreddits are combined as a+b+c into one listing request.
	groupSize = 50
	// infoBatch is how many fullnames one /api/info request checks.
	infoBatch = 100
)

// Collector follows subreddits and searches Reddit. One instance normally covers a whole config.
type Collector struct {
	// Subreddits are followed for new posts and new comments, combined as a+b+c.
	Subreddits []string `yaml:"subreddits" json:"subreddits"`
	// Search runs a site-wide search, sorted by new, for each term of the brands and topics.
	Search bool `yaml:"search" json:"search"`
	// Every is the polling interval.
	Every collectors.Duration `yaml:"every" json:"every"`
	// Backfill bounds how far back a cold start reads.
	Backfill collectors.Duration `yaml:"backfill" json:"backfill"`
	// ClientID and ClientSecret are the OAuth app's credentials; without them the RSS fallback runs.
	ClientID         string            `yaml:"client_id" json:"client_id,omitempty"`
	ClientSecret     collectors.Secret `yaml:"client_secret" json:"client_secret,omitempty"`
	ClientSecretFile string            `yaml:"client_secret_file" json:"client_secret_file,omitempty"`
	// Username and Password, when set, use the password grant (script apps) instead of app-only.
	Username     string            `yaml:"username" json:"username,omitempty"`
	Password     collectors.Secret `yaml:"password" json:"password,omitempty"`
	PasswordFile string            `yaml:"password_file" json:"password_file,omitempty"`
	// UserAgent identifies the app as Reddit's rules require: platform:app:version (by /u/name).
	// Empty builds one from the binary's version and Contact.
	UserAgent string `yaml:"user_agent" json:"user_agent"`
	// Contact is the Reddit account the default User-Agent names as "(by /u/contact)", so Reddit
	// can reach whoever runs Overhear; it defaults to Username.
	Contact string `yaml:"contact" json:"contact,omitempty"`
	// BaseURL is the OAuth API; FeedURL serves the RSS fallback; TokenURL issues tokens.
	BaseURL  string `yaml:"base_url" json:"base_url"`
	FeedURL  string `yaml:"feed_url" json:"feed_url"`
	TokenURL string `yaml:"token_url" json:"token_url"`
	// Budget is the most API requests per 10 minutes Overhear spends (Reddit allows 1,000).
	Budget int `yaml:"budget" json:"budget"`
	// MaxPages bounds how many listing pages (of 100 items) one stream reads per poll.
	MaxPages int `yaml:"max_pages" json:"max_pages"`
	// FeedSpacing is the pause between two RSS feed requests in the fallback.
	FeedSpacing collectors.Duration `yaml:"feed_spacing" json:"feed_spacing"`
	// RecheckEvery is how often stored items are checked for deletion; 0 turns it off.
	RecheckEvery collectors.Duration `yaml:"recheck_every" json:"recheck_every"`
	// RecheckSpan bounds the age of the stored items checked for deletion.
	RecheckSpan collectors.Duration `yaml:"recheck_window" json:"recheck_window"`
	// FollowThreads reads the comments of brand posts that search finds outside the followed
	// subreddits (OAuth only), for FollowFor after the post, FollowDepth reply levels deep, at
	// most FollowPerPoll thread reads per poll (see thread.go).
	FollowThreads bool                `yaml:"follow_threads" json:"follow_threads"`
	FollowFor     collectors.Duration `yaml:"follow_for" json:"follow_for"`
	FollowDepth   int                 `yaml:"follow_depth" json:"follow_depth"`
	FollowPerPoll int                 `yaml:"follow_per_poll" json:"follow_per_poll"`
	// Timeout bounds one HTTP request; MaxBytes one response body.
	Timeout  collectors.Duration `yaml:"timeout" json:"timeout"`
	MaxBytes int64               `yaml:"max_bytes" json:"max_bytes"`

	mu       sync.Mutex // guards state across Collect and CheckDeleted
	fetch    *httpfetch.Fetcher
	client   *reddit.Client // nil in the RSS fallback
	feeds    *httpfetch.Fetcher
	budget   *budget
	state    state
	watch    collectors.Watch
	brands   []brandQuery
	now      func() time.Time
	logger   *slog.Logger
	started  bool
	deleted  atomic.Uint64
	apiBase  *url.URL
	feedBase *url.URL
}

// state is what survives restarts: a cursor (and, for feeds, HTTP validators) per stream.
type state struct {
	Streams map[string]*streamState `json:"streams,omitempty"`
	// Next is the stream the next poll starts with, so a spent budget does not starve the last ones.
	Next int `json:"next,omitempty"`
	// Threads are the brand threads followed outside the followed subreddits, by post fullname.
	Threads map[string]*threadState `json:"threads,omitempty"`
	// FeedsPausedUntil holds every feed back after a 429 (RSS fallback).
	FeedsPausedUntil time.Time `json:"feeds_paused_until,omitzero"`
}

type streamState struct {
	cursor
	Validators httpfetch.Validators `json:"validators,omitzero"`
	// Fetched is when the feed was last read (RSS fallback).
	Fetched time.Time `json:"fetched,omitzero"`
	// Failures counts the feed's failed reads in a row; RetryAt is when it is tried again.
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retry_at,omitzero"`
}

func init() {
	collectors.Add(Name, func() collectors.Collector { return New() })
}

// New returns a collector with the defaults filled in.
func New() *Collector {
	return &Collector{
		Search:        true,
		Every:         collectors.Duration(2 * time.Minute),
		Backfill:      collectors.Duration(24 * time.Hour),
		BaseURL:       DefaultAPIURL,
		FeedURL:       DefaultFeedURL,
		TokenURL:      DefaultTokenURL,
		Budget:        DefaultBudget,
		MaxPages:      maxListing / pageSize,
		FeedSpacing:   collectors.Duration(time.Minute),
		RecheckEvery:  collectors.Duration(6 * time.Hour),
		RecheckSpan:   collectors.Duration(30 * 24 * time.Hour),
		FollowThreads: true,
		FollowFor:     collectors.Duration(48 * time.Hour),
		FollowDepth:   5,
		FollowPerPoll: 5,
		Timeout:       collectors.Duration(httpfetch.DefaultTimeout),
		MaxBytes:      httpfetch.DefaultMaxBytes,
		now:           time.Now,
		logger:        slog.New(slog.DiscardHandler),
	}
}

// SampleConfig implements collectors.Collector.
func (c *Collector) SampleConfig() string { return sampleConfig }

var subredditName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]{1,20}$`)

// Init implements collectors.Initializer. It checks the config and builds the clients; it makes
// no request.
func (c *Collector) Init() error {
	for i, s := range c.Subreddits {
		s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "/"), "r/")
		if !subredditName.MatchString(s) {
			return fmt.Errorf("subreddits: %q is not a subreddit name", c.Subreddits[i])
		}
		c.Subreddits[i] = s
	}
	secret, err := collectors.ResolveSecret(c.ClientSecret, c.ClientSecretFile, "client_secret")
	if err != nil {
		return err
	}
	c.ClientSecret, c.ClientSecretFile = secret, ""
	password, err := collectors.ResolveSecret(c.Password, c.PasswordFile, "password")
	if err != nil {
		return err
	}
	c.Password, c.PasswordFile = password, ""
	switch {
	case len(c.Subreddits) == 0 && !c.Search:
		return errors.New("subreddits: follow at least one subreddit or turn search on")
	case c.ClientID == "" && c.ClientSecret != "":
		return errors.New("client_id: required with client_secret")
	case c.ClientID != "" && c.ClientSecret == "":
		return errors.New("client_secret: required with client_id (an app's secret from https://www.reddit.com/prefs/apps)")
	case (c.Username == "") != (c.Password == ""):
		return errors.New("username: username and password go together (password grant for script apps)")
	case c.Username != "" && c.ClientID == "":
		return errors.New("client_id: required with username and password")
	case c.Every.D() < 30*time.Second:
		return errors.New("every: must be at least 30s")
	case c.Backfill.D() < 0:
		return errors.New("backfill: must not be negative")
	case c.Budget < 10 || c.Budget > 1000:
		return errors.New("budget: must be between 10 and 1000 requests per 10 minutes (Reddit allows 1000)")
	case c.MaxPages < 1 || c.MaxPages > maxListing/pageSize:
		return fmt.Errorf("max_pages: must be between 1 and %d (Reddit lists at most %d items)", maxListing/pageSize, maxListing)
	case c.FeedSpacing.D() < 10*time.Second:
		return errors.New("feed_spacing: must be at least 10s")
	case c.RecheckEvery.D() != 0 && c.RecheckEvery.D() < 10*time.Minute:
		return errors.New("recheck_every: must be at least 10m (or 0 to turn deletion checks off)")
	case c.FollowFor.D() < 0 || c.FollowFor.D() > 30*24*time.Hour:
		return errors.New("follow_for: must be between 0 and 30d")
	case c.FollowDepth < 1 || c.FollowDepth > 10:
		return errors.New("follow_depth: must be between 1 and 10 reply levels")
	case c.FollowPerPoll < 0 || c.FollowPerPoll > 50:
		return errors.New("follow_per_poll: must be between 0 and 50 thread reads")
	case c.Timeout.D() <= 0:
		return errors.New("timeout: must be positive")
	case c.MaxBytes <= 0:
		return errors.New("max_bytes: must be positive")
	}
	if c.apiBase, err = parseBase("base_url", c.BaseURL); err != nil {
		return err
	}
	if c.feedBase, err = parseBase("feed_url", c.FeedURL); err != nil {
		return err
	}
	if _, err := parseBase("token_url", c.TokenURL); err != nil {
		return err
	}
	c.Contact = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(c.Contact), "/"), "u/")
	if c.Contact != "" && !userName.MatchString(c.Contact) {
		return fmt.Errorf("contact: %q is not a Reddit user name (the account Reddit may contact, as in /u/name)", c.Contact)
	}
	if c.Contact == "" {
		c.Contact = c.Username
	}
	if c.UserAgent == "" {
		c.UserAgent = userAgent(httpfetch.Version, c.Contact)
	} else if strings.ContainsAny(c.UserAgent, "\r\n") {
		return errors.New("user_agent: must be one line")
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c.build()
}

var userName = regexp.MustCompile(`^[A-Za-z0-9_-]{3,20}$`)

// userAgent follows Reddit's API rules: "<platform>:<app ID>:<version> (by /u/<username>)".
// The version is the binary's (httpfetch.Version), with the separators Reddit uses removed.
func userAgent(version, contact string) string {
	version = strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r < 0x20 || r > 0x7e {
			return '-'
		}
		return r
	}, version)
	if version == "" {
		version = "dev"
	}
	if version[0] >= '0' && version[0] <= '9' {
		version = "v" + version
	}
	ua := "server:github.com/overhear/overhear:" + version
	if contact != "" {
		ua += " (by /u/" + contact + ")"
	}
	return ua
}

func parseBase(key, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return nil, fmt.Errorf("%s: required", key)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", key, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("%s: %q must be an http or https URL", key, httpfetch.RedactURL(raw))
	case u.User != nil:
		return nil, fmt.Errorf("%s: %q must not carry credentials", key, httpfetch.RedactURL(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// build wires the HTTP stack (see transport.go) around the fetcher.
func (c *Collector) build() error {
	if c.fetch == nil {
		c.fetch = httpfetch.New(c.Timeout.D())
	}
	c.budget = newBudget(c.Budget, func() time.Time { return c.now() })
	base := c.fetch.Client
	if base == nil {
		base = httpfetch.NewClient(c.Timeout.D())
	}
	inner := base.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	metered := *base
	metered.Transport = &meterTransport{base: inner, budget: c.budget, ua: c.UserAgent}
	api := *c.fetch
	api.Client, api.UserAgent, api.MaxBytes = &metered, c.UserAgent, c.MaxBytes
	// The feed fetcher does not count against the API budget.
	feeds := *c.fetch
	feeds.Client, feeds.UserAgent, feeds.MaxBytes = base, c.UserAgent, c.MaxBytes
	c.feeds = &feeds
	if c.ClientID == "" {
		c.client = nil
		return nil
	}
	tokenHTTP := &http.Client{Transport: metered.Transport, Timeout: c.Timeout.D()}
	token := c.tokenFunc(tokenHTTP)
	hc := &http.Client{Transport: &authTransport{next: &fetchTransport{fetch: &api, budget: c.budget}, token: token}}
	client, err := reddit.NewReadonlyClient(reddit.WithBaseURL(c.apiBase.String()), reddit.WithHTTPClient(hc), reddit.WithUserAgent(c.UserAgent))
	if err != nil {
		return fmt.Errorf("base_url: %w", err)
	}
	c.client = client
	return nil
}

// tokenFunc fetches an app-only token (client credentials), or a script app's token (password
// grant) when a username is configured, with the caller's context.
func (c *Collector) tokenFunc(hc *http.Client) func(ctx context.Context) (*oauth2.Token, error) {
	id, secret, user, pass, tokenURL := c.ClientID, c.ClientSecret.Reveal(), c.Username, c.Password.Reveal(), c.TokenURL
	return func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		if user != "" {
			cfg := &oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
			return cfg.PasswordCredentialsToken(ctx, user, pass)
		}
		cfg := &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}
		return cfg.Token(ctx)
	}
}

// SetFetcher replaces the HTTP fetcher (tests use it to shorten retries). Call it before Init.
func (c *Collector) SetFetcher(f *httpfetch.Fetcher) { c.fetch = f }

// SetLogger implements collectors.LoggerSetter.
func (c *Collector) SetLogger(l *slog.Logger) { c.logger = l }

// SetWatch implements collectors.Watcher: the brands' and topics' terms become searches.
func (c *Collector) SetWatch(w collectors.Watch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watch = w
}

// Interval implements collectors.Scheduled. Without credentials the collector is called once per
// feed_spacing and reads whichever feed is due, so feeds are never fetched faster than that.
func (c *Collector) Interval() time.Duration {
	if c.ClientID == "" {
		return c.FeedSpacing.D()
	}
	return c.Every.D()
}

// OAuth reports whether the collector uses the API (true) or the RSS fallback.
func (c *Collector) OAuth() bool { return c.ClientID != "" }

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
			return fmt.Errorf("reddit: restore state: %w", err)
		}
	}
	c.state = st
	return nil
}

// stream is one listing (or feed) the collector reads.
type stream struct {
	// key names the stream in state: "new:a+b", "comments:a+b", "search:term".
	key  string
	kind string // "new", "comments" or "search"
	arg  string // the subreddit group or the search term
}

func (c *Collector) streams() []stream {
	var out []stream
	for i := 0; i < len(c.Subreddits); i += groupSize {
		g := strings.Join(c.Subreddits[i:min(i+groupSize, len(c.Subreddits))], "+")
		out = append(out, stream{key: "new:" + g, kind: "new", arg: g}, stream{key: "comments:" + g, kind: "comments", arg: g})
	}
	if c.Search {
		seen := map[string]bool{}
		for _, t := range c.watch.Terms {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" || seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, stream{key: "search:" + t, kind: "search", arg: t})
		}
	}
	return out
}

// searchQuery quotes multi-word terms so Reddit searches the phrase.
func searchQuery(term string) string {
	if strings.ContainsAny(term, " \t") {
		return `"` + strings.ReplaceAll(term, `"`, "") + `"`
	}
	return term
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	if c.budget == nil {
		if err := c.Init(); err != nil {
			return fmt.Errorf("reddit: %w", err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	streams := c.streams()
	if len(streams) == 0 {
		return collectors.ErrNotModified
	}
	c.pruneState(streams)
	if !c.started {
		c.started = true
		c.logStart(streams)
	}
	if c.client == nil {
		return c.collectFeeds(ctx, streams, sink)
	}
	return c.collectAPI(ctx, streams, sink)
}

func (c *Collector) logStart(streams []stream) {
	if c.client == nil {
		every := c.feedCycle(len(streams))
		c.logger.Info("no Reddit API credentials: reading the public RSS feeds instead, one feed per feed_spacing; "+
			"set client_id and client_secret for the API (comments search, deletion checks, faster polling)",
			"feeds", len(streams), "feed_spacing", c.FeedSpacing.String(), "each_feed_every", every.String())
		return
	}
	if !strings.Contains(c.UserAgent, "(by /u/") {
		c.logger.Warn("the Reddit User-Agent names no account to contact, which Reddit's API rules require; set contact (or username)",
			"user_agent", c.UserAgent)
	}
	perPoll := len(streams)
	per10m := float64(perPoll) * float64(window) / float64(c.Every.D())
	threads := 0
	if c.following() {
		threads = c.FollowPerPoll
	}
	c.logger.Info("polling the Reddit API", "streams", perPoll, "requests_per_hour_min", int(per10m*6), "budget_per_10m", c.Budget,
		"thread_reads_per_poll_max", threads)
	if per10m > float64(c.Budget) {
		c.logger.Warn("the config needs more requests than the budget allows; streams take turns and each is read less often than every",
			"requests_per_10m", int(per10m), "budget_per_10m", c.Budget)
	}
}

// pruneState drops cursors of streams no longer configured.
func (c *Collector) pruneState(streams []stream) {
	if c.state.Streams == nil {
		c.state.Streams = map[string]*streamState{}
	}
	keep := map[string]bool{}
	for _, s := range streams {
		keep[s.key] = true
	}
	for k := range c.state.Streams {
		if !keep[k] {
			delete(c.state.Streams, k)
		}
	}
}

// collectAPI reads every stream once, starting where the last poll stopped. A stream that fails
// keeps its cursor and is reported through sink.Error; the poll fails only when none succeeded.
func (c *Collector) collectAPI(ctx context.Context, streams []stream, sink collectors.Sink) error {
	emitted := map[string]bool{}
	start := c.state.Next % len(streams)
	var errs []error
	ok := 0
	for i := range streams {
		s := streams[(start+i)%len(streams)]
		err := c.pollStream(ctx, s, sink, emitted)
		if err == nil {
			ok++
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("reddit: poll %s: %w", s.key, ctx.Err())
		}
		err = fmt.Errorf("reddit: poll %s: %w", s.key, err)
		if collectors.IsRateLimited(err) {
			// Every later request would be refused too: stop and start here next time.
			c.state.Next = (start + i) % len(streams)
			if ok == 0 {
				return err
			}
			c.logger.Info("request budget spent; the remaining streams wait for the next poll", "streams_read", ok, "streams", len(streams), "error", err)
			return nil
		}
		sink.Error(err)
		c.logger.Warn("stream failed; its cursor stays put and the next poll tries again", "stream", s.key, "error", err)
		errs = append(errs, err)
	}
	c.state.Next = 0
	if ok == 0 && len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Thread reads leave the budget a poll's worth of stream requests.
	c.followThreads(ctx, sink, emitted, len(streams))
	return nil
}

// listing is a Reddit Listing; go-reddit's own type drops `before` and unknown kinds.
type listing struct {
	Kind string `json:"kind"`
	Data struct {
		After    string  `json:"after"`
		Children []child `json:"children"`
	} `json:"data"`
}

type child struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// extras are fields go-reddit's Post and Comment leave out.
type extras struct {
	Name              string  `json:"name"`
	RemovedByCategory *string `json:"removed_by_category"`
	LinkPermalink     string  `json:"link_permalink"`
}

// get fetches one listing page through go-reddit's client (and so through httpfetch).
func (c *Collector) get(ctx context.Context, path string, q url.Values) (*listing, error) {
	q.Set("raw_json", "1")
	req, err := c.client.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var l listing
	if _, err := c.client.Do(ctx, req, &l); err != nil {
		return nil, unwrapAPIError(err, c.now())
	}
	if l.Kind != "Listing" {
		return nil, fmt.Errorf("GET %s: expected a Listing, got %q", req.URL.Path, l.Kind)
	}
	return &l, nil
}

// unwrapAPIError strips net/http's URL wrapper (httpfetch already names the URL) and turns
// go-reddit's own rate-limit refusal into a collectors rate-limit error.
func unwrapAPIError(err error, now time.Time) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	var rl *reddit.RateLimitError
	if errors.As(err, &rl) {
		return &errBudget{wait: max(rl.Rate.Reset.Sub(now), time.Second)}
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON in response: %w", err)
	}
	return err
}

func (c *Collector) pagePath(s stream) (string, url.Values) {
	q := url.Values{"limit": {fmt.Sprint(pageSize)}}
	switch s.kind {
	case "new":
		return "r/" + s.arg + "/new", q
	case "comments":
		return "r/" + s.arg + "/comments", q
	}
	q.Set("q", searchQuery(s.arg))
	q.Set("sort", "new")
	q.Set("type", "link")
	return "search", q
}

// pollStream reads one stream from the newest item back to its cursor (or, on a cold start, to
// the backfill bound) and hands over what is new. It is all or nothing: on any error nothing is
// handed over and the cursor stays, so the next poll reads the same items again.
func (c *Collector) pollStream(ctx context.Context, s stream, sink collectors.Sink, emitted map[string]bool) error {
	st := c.state.Streams[s.key]
	if st == nil {
		st = &streamState{}
	}
	cold := !st.started()
	cutoff := c.now().Add(-c.Backfill.D())
	var fresh []collectors.Mention
	var fetched []string
	floor := ""
	after := ""
	reached := false
	pages := 0
	for pages < c.MaxPages {
		path, q := c.pagePath(s)
		if after != "" {
			q.Set("after", after)
		}
		l, err := c.get(ctx, path, q)
		if err != nil {
			return err
		}
		pages++
		for _, ch := range l.Data.Children {
			m, name, created, err := c.convert(ch)
			if name == "" {
				if err != nil {
					sink.Error(fmt.Errorf("reddit: %s: %w", s.key, err))
				}
				continue
			}
			if cold {
				if created.Before(cutoff) {
					reached = true
					if floor == "" || cmpFullname(name, floor) > 0 {
						floor = name
					}
					continue
				}
			} else if st.covered(name) {
				reached = true
			}
			if !st.isNew(name) {
				continue
			}
			fetched = append(fetched, name)
			switch {
			case err != nil:
				sink.Error(fmt.Errorf("reddit: %s: %w", s.key, err))
			case m != nil:
				fresh = append(fresh, *m)
			}
		}
		if reached || l.Data.After == "" || len(l.Data.Children) == 0 {
			break
		}
		after = l.Data.After
	}
	if !reached && !cold && pages == c.MaxPages {
		c.logger.Warn("more new items than one poll reads; some were missed (poll more often or raise max_pages)",
			"stream", s.key, "pages", pages)
	}
	// Oldest first, so a reader of the sink sees the conversation in order.
	slices.Reverse(fresh)
	if s.kind == "search" {
		c.followPosts(fresh)
	}
	for _, m := range fresh {
		if emitted[m.ID] {
			continue
		}
		emitted[m.ID] = true
		sink.Add(m)
	}
	st.add(fetched...)
	if floor != "" {
		st.raiseFloor(floor)
	}
	if !st.started() && len(fetched) == 0 && floor == "" {
		// An empty listing: nothing to anchor on yet, the next poll is a cold start again.
		return nil
	}
	c.state.Streams[s.key] = st
	c.logger.Debug("read stream", "stream", s.key, "pages", pages, "new_items", len(fresh), "cold_start", cold)
	return nil
}

// convert turns a listing child into a mention. It returns the fullname whenever it can be
// read, so an item that cannot be used still moves the cursor; m is nil for items without
// content (deleted, removed, "more" stubs).
func (c *Collector) convert(ch child) (m *collectors.Mention, name string, created time.Time, err error) {
	var ex extras
	if err := json.Unmarshal(ch.Data, &ex); err != nil {
		return nil, "", time.Time{}, fmt.Errorf("decode %s: %w", ch.Kind, err)
	}
	name = ex.Name
	switch ch.Kind {
	case "t3":
		var p reddit.Post
		if err := json.Unmarshal(ch.Data, &p); err != nil {
			return nil, name, c.now(), fmt.Errorf("decode post %s: %w", name, err)
		}
		if p.FullID != "" {
			name = p.FullID
		}
		if p.Created != nil {
			created = p.Created.Time
		}
		if removed(p.Author, p.Body) || ex.RemovedByCategory != nil {
			return nil, name, created, nil
		}
		return &collectors.Mention{
			ID: name, Source: Name, Community: p.SubredditName, Author: author(p.Author),
			Title: p.Title, Text: p.Body, URL: permalink(p.Permalink), ThreadID: name,
			CreatedAt: created, Score: p.Score,
		}, name, created, nil
	case "t1":
		var cm reddit.Comment
		if err := json.Unmarshal(ch.Data, &cm); err != nil {
			return nil, name, c.now(), fmt.Errorf("decode comment %s: %w", name, err)
		}
		if cm.FullID != "" {
			name = cm.FullID
		}
		if cm.Created != nil {
			created = cm.Created.Time
		}
		if removed(cm.Author, cm.Body) {
			return nil, name, created, nil
		}
		return &collectors.Mention{
			ID: name, Source: Name, Community: cm.SubredditName, Author: author(cm.Author),
			Text: cm.Body, URL: permalink(cm.Permalink), ThreadID: cm.PostID, ParentID: cm.ParentID,
			CreatedAt: created, Score: cm.Score,
		}, name, created, nil
	}
	return nil, "", time.Time{}, nil
}

func removed(author, body string) bool {
	b := strings.TrimSpace(body)
	return author == "[deleted]" && (b == "" || b == "[deleted]" || b == "[removed]") || b == "[removed]" || b == "[deleted]"
}

func author(a string) string {
	if a == "[deleted]" {
		return ""
	}
	return a
}

func permalink(p string) string {
	if p == "" || strings.HasPrefix(p, "http") {
		return p
	}
	return "https://www.reddit.com" + p
}

// feedPath is a stream's RSS feed in the fallback.
func (c *Collector) feedURL(s stream) string {
	u := *c.feedBase
	switch s.kind {
	case "new":
		u.Path += "r/" + s.arg + "/new/.rss"
	case "comments":
		u.Path += "r/" + s.arg + "/comments/.rss"
	default:
		u.Path += "search.rss"
		u.RawQuery = url.Values{"q": {searchQuery(s.arg)}, "sort": {"new"}}.Encode()
	}
	return u.String()
}

// collectFeeds reads the one feed that is due soonest, if any is due (RSS fallback). A feed that
// fails (403, 404, 5xx, HTML instead of a feed) backs off on its own, exponentially and capped
// (see feedFailed), so it cannot hold the others up; a 429 pauses every feed, as Reddit limits
// the whole client.
func (c *Collector) collectFeeds(ctx context.Context, streams []stream, sink collectors.Sink) error {
	now := c.now()
	if now.Before(c.state.FeedsPausedUntil) {
		return &errBudget{wait: c.state.FeedsPausedUntil.Sub(now)}
	}
	cycle := c.feedCycle(len(streams))
	var due *stream
	var dueAt time.Time
	for i := range streams {
		at := c.feedDue(c.state.Streams[streams[i].key], cycle)
		if due == nil || at.Before(dueAt) {
			due, dueAt = &streams[i], at
		}
	}
	if dueAt.After(now) {
		return collectors.ErrNotModified
	}
	s := *due
	st := c.state.Streams[s.key]
	if st == nil {
		st = &streamState{}
	}
	feedURL := c.feedURL(s)
	resp, err := c.feeds.Get(ctx, httpfetch.Request{
		URL: feedURL, Validators: st.Validators,
		Header: http.Header{"Accept": {"application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8"}},
	})
	if err != nil {
		err = fmt.Errorf("reddit: poll feed %s: %w", s.key, err)
		if ctx.Err() != nil {
			return err
		}
		if collectors.IsRateLimited(err) {
			wait, _ := collectors.RetryAfter(err)
			c.state.FeedsPausedUntil = now.Add(max(wait, c.FeedSpacing.D()))
			return err
		}
		return c.feedFailed(streams, s, st, feedURL, cycle, err, sink)
	}
	if resp.NotModified {
		st.Fetched, st.Failures, st.RetryAt = now, 0, time.Time{}
		c.state.Streams[s.key] = st
		return collectors.ErrNotModified
	}
	feed, err := feedreader.ParseContentType(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return c.feedFailed(streams, s, st, feedURL, cycle, fmt.Errorf("reddit: poll feed %s: %w", s.key, err), sink)
	}
	cold := !st.started()
	cutoff := now.Add(-c.Backfill.D())
	var fresh []collectors.Mention
	var fetched []string
	floor := ""
	for _, item := range feed.Items {
		if item == nil {
			continue
		}
		m := feedreader.Mention(feed, item, Name, now)
		if idPart(m.ID) == "" {
			sink.Error(fmt.Errorf("reddit: feed %s: entry %q has no Reddit fullname", s.key, m.ID))
			continue
		}
		if cold && m.CreatedAt.Before(cutoff) {
			if floor == "" || cmpFullname(m.ID, floor) > 0 {
				floor = m.ID
			}
			continue
		}
		if !st.isNew(m.ID) {
			continue
		}
		fetched = append(fetched, m.ID)
		feedMention(&m)
		if removed(m.Author, m.Text) {
			continue
		}
		if err := m.Validate(); err != nil {
			sink.Error(fmt.Errorf("reddit: feed %s: %w", s.key, err))
			continue
		}
		fresh = append(fresh, m)
	}
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].CreatedAt.Before(fresh[j].CreatedAt) })
	for _, m := range fresh {
		sink.Add(m)
	}
	st.add(fetched...)
	if floor != "" {
		st.raiseFloor(floor)
	}
	st.Validators, st.Fetched, st.Failures, st.RetryAt = resp.Validators, now, 0, time.Time{}
	c.state.Streams[s.key] = st
	c.logger.Debug("read feed", "stream", s.key, "feed_url", httpfetch.RedactURL(feedURL), "new_items", len(fresh), "cold_start", cold)
	return nil
}

// maxFeedBackoff caps how long a failing feed waits before it is tried again.
const maxFeedBackoff = 12 * time.Hour

// feedCycle is how often each feed is read: every feed once per feed_spacing, in turn.
func (c *Collector) feedCycle(feeds int) time.Duration {
	return max(c.Every.D(), time.Duration(feeds)*c.FeedSpacing.D())
}

// feedDue is when a feed should be read next: at once if it never was, at its retry time if it
// is failing, else a cycle after the last read (less a little slack for the scheduler's jitter).
func (c *Collector) feedDue(st *streamState, cycle time.Duration) time.Time {
	switch {
	case st == nil:
		return time.Time{}
	case st.Failures > 0:
		return st.RetryAt
	case st.Fetched.IsZero():
		return time.Time{}
	}
	return st.Fetched.Add(cycle - c.FeedSpacing.D()/2)
}

// feedFailed backs a failing feed off: the n-th failure in a row waits 2^n cycles (or the
// server's Retry-After, if longer), at most maxFeedBackoff. The backoff is part of the state, so
// it survives restarts. The poll still succeeds (and so commits the state) while another feed
// is healthy; the failure goes to sink.Error. When every feed is failing, the poll fails.
func (c *Collector) feedFailed(streams []stream, s stream, st *streamState, feedURL string, cycle time.Duration, err error, sink collectors.Sink) error {
	now := c.now()
	st.Failures++
	wait := min(cycle<<min(st.Failures, 20), maxFeedBackoff)
	if d, ok := collectors.RetryAfter(err); ok && d > wait {
		wait = min(d, maxFeedBackoff)
	}
	st.RetryAt = now.Add(wait)
	c.state.Streams[s.key] = st
	c.logger.Warn("feed failed; it backs off while the other feeds go on", "stream", s.key,
		"feed_url", httpfetch.RedactURL(feedURL), "failures", st.Failures, "retry_delay_seconds", int(wait.Seconds()), "error", err)
	for _, o := range streams {
		if ost := c.state.Streams[o.key]; ost == nil || ost.Failures == 0 {
			sink.Error(err)
			return nil
		}
	}
	return err
}

var (
	subredditInLink = regexp.MustCompile(`/r/([A-Za-z0-9_]+)/`)
	threadInLink    = regexp.MustCompile(`/comments/([a-z0-9]+)/`)
)

// feedMention fills in what Reddit's feeds say only through the link and the author URI.
func feedMention(m *collectors.Mention) {
	m.Author = strings.TrimPrefix(strings.TrimPrefix(m.Author, "/u/"), "u/")
	m.Text = feedreader.StripRedditFooter(m.Text)
	if sm := subredditInLink.FindStringSubmatch(m.URL); sm != nil {
		m.Community = sm[1]
	}
	if tm := threadInLink.FindStringSubmatch(m.URL); tm != nil {
		m.ThreadID = "t3_" + tm[1]
	}
	if strings.HasPrefix(m.ID, "t1_") {
		// A comment's feed title is "/u/name on <post title>"; the post is the thread.
		m.Title = ""
	} else {
		m.ThreadID = m.ID
	}
}

// RecheckInterval implements collectors.DeletionChecker. Deletion checks need the API, so the
// RSS fallback does not check.
func (c *Collector) RecheckInterval() time.Duration {
	if c.ClientID == "" {
		return 0
	}
	return c.RecheckEvery.D()
}

// RecheckWindow implements collectors.DeletionChecker.
func (c *Collector) RecheckWindow() time.Duration { return c.RecheckSpan.D() }

// CheckDeleted implements collectors.DeletionChecker: it asks /api/info about the fullnames,
// 100 a request, and returns those deleted by their author, removed by moderators or Reddit, or
// unknown to Reddit. It leaves enough budget for one poll of every stream and stops with a
// rate-limit error (and the ids found so far) when the budget runs short.
func (c *Collector) CheckDeleted(ctx context.Context, ids []string) ([]string, error) {
	if c.client == nil {
		return nil, errors.New("reddit: deletion checks need API credentials")
	}
	c.mu.Lock()
	reserve := 2 * max(len(c.streams()), 1)
	c.mu.Unlock()
	ctx = withReserve(ctx, reserve)
	var valid []string
	for _, id := range ids {
		if (strings.HasPrefix(id, "t1_") || strings.HasPrefix(id, "t3_")) && idPart(id) != "" {
			valid = append(valid, id)
		}
	}
	var gone []string
	for i := 0; i < len(valid); i += infoBatch {
		batch := valid[i:min(i+infoBatch, len(valid))]
		l, err := c.get(ctx, "api/info", url.Values{"id": {strings.Join(batch, ",")}})
		if err != nil {
			c.deleted.Add(uint64(len(gone)))
			return gone, fmt.Errorf("reddit: check deletions: %w", err)
		}
		found := map[string]bool{}
		for _, ch := range l.Data.Children {
			var d struct {
				Name              string  `json:"name"`
				Author            string  `json:"author"`
				Body              *string `json:"body"`
				Selftext          *string `json:"selftext"`
				RemovedByCategory *string `json:"removed_by_category"`
			}
			if err := json.Unmarshal(ch.Data, &d); err != nil || d.Name == "" {
				continue
			}
			found[d.Name] = true
			text := ""
			switch {
			case d.Body != nil:
				text = *d.Body
			case d.Selftext != nil:
				text = *d.Selftext
			}
			if d.RemovedByCategory != nil || removed(d.Author, text) {
				gone = append(gone, d.Name)
			}
		}
		for _, id := range batch {
			if !found[id] {
				gone = append(gone, id)
			}
		}
	}
	c.deleted.Add(uint64(len(gone)))
	return gone, nil
}
