// Package rss is the RSS, Atom and JSON Feed collector.
package rss

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/feedreader"
	"github.com/overhear/overhear/collectors/httpfetch"
)

//go:embed sample.yaml
var sampleConfig string

// Name is the collector's registry name and source label.
const Name = "rss"

// Collector polls one feed.
type Collector struct {
	URL       string              `yaml:"url"`
	Every     collectors.Duration `yaml:"every"`
	Community string              `yaml:"community"`
	Timeout   collectors.Duration `yaml:"timeout"`
	MaxBytes  int64               `yaml:"max_bytes"`

	fetch  *httpfetch.Fetcher
	state  state
	now    func() time.Time
	logger *slog.Logger
}

// state is what survives restarts: the HTTP validators for conditional GET, and until when the
// server said the last response stays fresh.
type state struct {
	Validators httpfetch.Validators `json:"validators"`
	FreshUntil time.Time            `json:"fresh_until,omitzero"`
}

// MaxFreshness caps how long a feed's Cache-Control max-age may delay the next request: a CDN
// default of a day would otherwise hide a day of posts.
const MaxFreshness = time.Hour

func init() {
	collectors.Add(Name, func() collectors.Collector { return New() })
}

// New returns a collector with the defaults filled in.
func New() *Collector {
	return &Collector{
		Every:    collectors.Duration(5 * time.Minute),
		Timeout:  collectors.Duration(httpfetch.DefaultTimeout),
		MaxBytes: httpfetch.DefaultMaxBytes,
		now:      time.Now,
		logger:   slog.New(slog.DiscardHandler),
	}
}

// SampleConfig implements collectors.Collector.
func (c *Collector) SampleConfig() string { return sampleConfig }

// Init implements collectors.Initializer.
func (c *Collector) Init() error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return errors.New("url: required")
	case err != nil:
		return fmt.Errorf("url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("url: %q must be http or https", httpfetch.RedactURL(c.URL))
	case u.Host == "":
		return fmt.Errorf("url: %q has no host", httpfetch.RedactURL(c.URL))
	case c.Every.D() < 10*time.Second:
		return errors.New("every: must be at least 10s")
	case c.Timeout.D() <= 0:
		return errors.New("timeout: must be positive")
	case c.MaxBytes <= 0:
		return errors.New("max_bytes: must be positive")
	}
	c.fetch = httpfetch.Configure(c.fetch, c.Timeout.D(), c.MaxBytes)
	return nil
}

// SetFetcher replaces the HTTP fetcher (tests use it to shorten retries).
func (c *Collector) SetFetcher(f *httpfetch.Fetcher) { c.fetch = f }

// SetLogger implements collectors.LoggerSetter.
func (c *Collector) SetLogger(l *slog.Logger) { c.logger = l }

// InstanceName implements collectors.Instance.
func (c *Collector) InstanceName() string { return httpfetch.RedactURL(c.URL) }

// Interval implements collectors.Scheduled.
func (c *Collector) Interval() time.Duration { return c.Every.D() }

// State implements collectors.Stateful.
func (c *Collector) State() ([]byte, error) { return json.Marshal(c.state) }

// SetState implements collectors.Stateful.
func (c *Collector) SetState(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, &c.state); err != nil {
		return fmt.Errorf("rss: restore state: %w", err)
	}
	return nil
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context, sink collectors.Sink) error {
	if c.fetch == nil {
		if err := c.Init(); err != nil {
			return fmt.Errorf("rss: %w", err)
		}
	}
	now := c.now().UTC()
	if now.Before(c.state.FreshUntil) {
		// The last response is still fresh (Cache-Control max-age): asking again now would
		// only cost the server a request. Polls keep their configured rhythm; this one is
		// skipped as "not modified".
		c.logger.Debug("feed still fresh, not fetched", "feed_url", c.InstanceName(), "fresh_for_seconds", int(c.state.FreshUntil.Sub(now).Seconds()))
		return collectors.ErrNotModified
	}
	resp, err := c.fetch.Get(ctx, httpfetch.Request{
		URL:        c.URL,
		Validators: c.state.Validators,
		Header:     map[string][]string{"Accept": {"application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"}},
	})
	if err != nil {
		return fmt.Errorf("rss: poll %s: %w", c.InstanceName(), err)
	}
	if resp.NotModified {
		// A 304 may bring a newer Last-Modified or ETag, and a new max-age.
		c.state.Validators = resp.Validators
		c.state.FreshUntil = freshUntil(now, resp.MaxAge)
		return collectors.ErrNotModified
	}
	feed, err := feedreader.ParseContentType(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("rss: poll %s: %w", c.InstanceName(), err)
	}
	for _, m := range feedreader.SiteMentions(feed, c.URL, Name, now) {
		if c.Community != "" {
			m.Community = c.Community
		}
		if m.Community == "" {
			if u, err := url.Parse(c.URL); err == nil {
				m.Community = u.Host
			}
		}
		if err := m.Validate(); err != nil {
			sink.Error(fmt.Errorf("rss: %s: %w", c.InstanceName(), err))
			continue
		}
		sink.Add(m)
	}
	// Only a feed that parsed moves the validators on, so a broken response is fetched again.
	c.state.Validators = resp.Validators
	c.state.FreshUntil = freshUntil(now, resp.MaxAge)
	c.logger.Debug("polled feed", "feed_url", c.InstanceName(), "items", len(feed.Items))
	return nil
}

// freshUntil is when a response fetched at now with the given max-age stops being fresh, the
// max-age capped at MaxFreshness; zero when it grants none.
func freshUntil(now time.Time, maxAge time.Duration) time.Time {
	if maxAge <= 0 {
		return time.Time{}
	}
	return now.Add(min(maxAge, MaxFreshness))
}
