package discourse

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/overhear/overhear/collectors"
)

// Replies rarely repeat the brand's name: in the forum.stackstorm.com snapshot, about half of
// the replies after a post naming StackStorm do not name it themselves. So when a post names a brand, its
// topic is followed: the replies after it, for follow_for after it and at most follow_replies
// of them, are handed over as mentions of that brand in context. Replies that come through the
// /posts.json stream cost nothing more; a topic whose brand post came through search (older
// than the stream, or in a gap) is read once through /t/{id}/posts.json, at most
// follow_requests requests a poll.

// ContextSink is implemented by sinks that can keep a mention as a mention of brands its own
// text does not name: a reply in a topic whose earlier post named them. threadTitle is the
// topic's title, context for reading the reply that queries must not match through (the
// reply's own Title stays empty). A sink without it gets Add, and the reply is kept only when
// it matches on its own text.
type ContextSink interface {
	AddInContext(m collectors.Mention, brands []string, threadTitle string)
}

var _ collectors.BrandSetter = (*Collector)(nil)

// topicChunk is how many posts Discourse returns per /t/{id}/posts.json request.
const topicChunk = 20

// follow is a topic followed because a post in it named a brand.
type follow struct {
	// Brands are the brands named in the topic's brand posts.
	Brands []string `json:"brands"`
	// Title, Slug and Category describe the topic (topic posts carry neither title nor category).
	Title    string `json:"title,omitempty"`
	Slug     string `json:"slug,omitempty"`
	Category int64  `json:"category,omitempty"`
	// From is the post number of the first brand post: the replies after it are in context.
	From int `json:"from"`
	// Until bounds the replies in context by time: follow_for after the latest brand post.
	Until time.Time `json:"until"`
	// Next is the post number after which the topic is read next; Fetched is set once the
	// topic has been read up to the stream (or past Until).
	Next    int  `json:"next"`
	Fetched bool `json:"fetched"`
	// Replies counts the replies handed over in context, bounded by follow_replies.
	Replies int `json:"replies"`
}

// SetBrands implements collectors.BrandSetter. Brands whose query does not parse are left out (config
// validation reports them).
func (c *Collector) SetBrands(brands []collectors.Brand) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.brandNames, c.brandMatcher = nil, nil
	var queries []*collectors.Query
	for _, b := range brands {
		q, err := collectors.ParseQuery(b.Query)
		if err != nil {
			continue
		}
		c.brandNames = append(c.brandNames, b.Name)
		queries = append(queries, q)
	}
	if len(queries) > 0 {
		c.brandMatcher = collectors.NewMatcher(queries)
	}
}

// brandsOf returns the brands a mention names on its own: its text, and its title when it is
// a topic's first post. A reply is never matched through its topic's title.
func (c *Collector) brandsOf(m collectors.Mention) []string {
	if c.brandMatcher == nil {
		return nil
	}
	var out []string
	for _, match := range c.brandMatcher.Match(m.FullText()) {
		out = append(out, c.brandNames[match.Query])
	}
	return out
}

// item is a post on its way to the sink, with what following its topic needs.
type item struct {
	m        collectors.Mention
	created  time.Time
	topic    int64
	number   int
	title    string
	slug     string
	category int64
}

// hand gives it to sink once per poll: in context when its topic is followed and it falls
// within the bounds, as a plain mention otherwise. A post that names a brand starts (or
// extends) the following of its topic; stream tells that it came through /posts.json, which
// brings the topic's later replies by itself.
func (c *Collector) hand(sink collectors.Sink, it item, emitted map[string]bool, stream bool) {
	if emitted[it.m.ID] {
		return
	}
	emitted[it.m.ID] = true
	f := c.state.Follow[it.topic]
	if c.Follow && f != nil && it.number > f.From && !it.created.After(f.Until) && f.Replies < c.FollowReplies {
		f.Replies++
		switch cs := sink.(type) {
		case ContextSink:
			cs.AddInContext(it.m, slices.Clone(f.Brands), f.Title)
		case collectors.ContextSink: // the agent's sink: the reply keeps the brands, not the title
			cs.AddInContext(it.m, slices.Clone(f.Brands))
		default:
			sink.Add(it.m)
		}
	} else {
		sink.Add(it.m)
	}
	if brands := c.brandsOf(it.m); len(brands) > 0 {
		c.startFollow(it, brands, stream)
	}
}

// startFollow follows the topic of it, a post that names brands.
func (c *Collector) startFollow(it item, brands []string, stream bool) {
	if !c.Follow || it.created.IsZero() {
		return
	}
	until := it.created.Add(c.FollowFor.D())
	f := c.state.Follow[it.topic]
	if f == nil {
		// A window that has already ended (a cold start reading old posts) still puts the
		// replies after it in this poll's batch in context; pollFollows forgets it after.
		if c.state.Follow == nil {
			c.state.Follow = map[int64]*follow{}
		}
		f = &follow{Title: it.title, Slug: it.slug, Category: it.category, From: it.number, Until: until,
			Next: it.number, Fetched: stream}
		c.state.Follow[it.topic] = f
		c.evictFollows()
	}
	for _, b := range brands {
		if !slices.Contains(f.Brands, b) {
			f.Brands = append(f.Brands, b)
		}
	}
	if until.After(f.Until) {
		f.Until = until
	}
	if it.number < f.From {
		f.From = it.number
		if !stream && it.number < f.Next {
			f.Next, f.Fetched = it.number, false
		}
	}
}

// evictFollows keeps at most follow_topics topics, dropping those whose window ends first.
func (c *Collector) evictFollows() {
	for len(c.state.Follow) > c.FollowTopics {
		var drop int64
		var until time.Time
		for id, f := range c.state.Follow {
			if drop == 0 || f.Until.Before(until) || f.Until.Equal(until) && id < drop {
				drop, until = id, f.Until
			}
		}
		delete(c.state.Follow, drop)
	}
}

// topicPosts is /t/{id}/posts.json.
type topicPosts struct {
	PostStream struct {
		Posts []post `json:"posts"`
	} `json:"post_stream"`
}

// pollFollows reads the followed topics the stream did not bring up to date, at most
// follow_requests requests, and forgets topics past their bounds. A failing topic goes to
// sink.Error and is read again next poll; only ctx's error is returned.
func (c *Collector) pollFollows(ctx context.Context, sink collectors.Sink, emitted map[string]bool) error {
	if !c.Follow {
		c.state.Follow = nil
		return nil
	}
	ids := make([]int64, 0, len(c.state.Follow))
	for id := range c.state.Follow {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	requests := 0
	for _, id := range ids {
		f := c.state.Follow[id]
		if !f.Fetched && requests < c.FollowRequests {
			requests++
			if err := c.readTopic(ctx, id, f, sink, emitted); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sink.Error(fmt.Errorf("discourse: %s: topic %d: %w", c.InstanceName(), id, err))
				c.logger.Warn("could not read a followed topic; it is read again next poll", "topic_id", id, "error", err)
				if collectors.IsRateLimited(err) {
					requests = c.FollowRequests // the host asked for a pause: no more topics this poll
				}
			}
		}
		if f.Replies >= c.FollowReplies || f.Fetched && c.now().After(f.Until) {
			delete(c.state.Follow, id)
		}
	}
	return nil
}

// readTopic reads one chunk of a followed topic after f.Next.
func (c *Collector) readTopic(ctx context.Context, id int64, f *follow, sink collectors.Sink, emitted map[string]bool) error {
	var tp topicPosts
	q := url.Values{"post_number": {strconv.Itoa(f.Next)}, "asc": {"true"}}
	if err := c.get(ctx, "/t/"+strconv.FormatInt(id, 10)+"/posts.json", q, &tp); err != nil {
		return err
	}
	posts := tp.PostStream.Posts
	slices.SortFunc(posts, func(a, b post) int { return a.PostNumber - b.PostNumber })
	got := 0
	for _, p := range posts {
		if p.PostNumber <= f.Next || p.ID == 0 {
			continue
		}
		got++
		f.Next = p.PostNumber
		created := parseTime(p.CreatedAt)
		if created.After(f.Until) || p.ID > c.state.Posts {
			// Past the window, or new enough for the stream to bring it.
			f.Fetched = true
			break
		}
		p.TopicID, p.CategoryID, p.TopicTitle = id, f.Category, f.Title
		if p.TopicSlug == "" {
			p.TopicSlug = f.Slug
		}
		m, ok := c.postMention(p, created)
		if !ok {
			continue
		}
		if err := m.Validate(); err != nil {
			sink.Error(fmt.Errorf("discourse: %s: %w", c.InstanceName(), err))
			continue
		}
		c.hand(sink, item{m: m, created: created, topic: id, number: p.PostNumber, title: f.Title, slug: p.TopicSlug, category: f.Category}, emitted, false)
		if f.Replies >= c.FollowReplies {
			break
		}
	}
	if got == 0 || len(posts) < topicChunk {
		f.Fetched = true
	}
	return nil
}
