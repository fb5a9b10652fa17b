package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/overhear/overhear/collectors"
)

// Following the rest of a brand's threads (OAuth only).
//
// Search finds posts, not comments, and the comments stream covers only followed subreddits.
// So when a search hit outside the followed subreddits matches a brand's query, the collector
// follows the post: it reads /comments/<id> (one request: the newest `limit` comments, `depth`
// levels deep) when it is found and again at ages that double (a post first read when 10
// minutes old is re-read at about 20m, 40m, 80m...), until follow_for after the post. At most
// follow_per_poll such reads happen per poll, and only while the budget keeps a poll's worth of
// requests for the streams. "Load more comments" stubs are not expanded.
//
// The replies rarely repeat the brand's name, so they are handed over as mentions of the
// thread's brands in context (see collectors.ContextSink).

// maxFollowed bounds how many threads are followed at once; the oldest posts drop out first.
const maxFollowed = 200

// maxThreadFailures drops a thread after that many failed reads in a row (a deleted post).
const maxThreadFailures = 3

// Replies of followed threads go to the sink's AddInContext (collectors.ContextSink) when it has
// one, and to Add otherwise (the reply is then kept only if it matches a query by itself, and
// still counts for thread participation).

var _ collectors.BrandSetter = (*Collector)(nil)

// brandQuery is one brand's parsed query.
type brandQuery struct {
	name  string
	query *collectors.Query
}

// SetBrands implements collectors.BrandSetter. Brands whose query does not parse are skipped (config
// validation reports them).
func (c *Collector) SetBrands(brands []collectors.Brand) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.brands = c.brands[:0]
	for _, b := range brands {
		if q, err := collectors.ParseQuery(b.Query); err == nil {
			c.brands = append(c.brands, brandQuery{name: b.Name, query: q})
		}
	}
}

// threadState is a followed thread in the collector's state.
type threadState struct {
	// cursor holds the comments already handed over.
	cursor
	// Brands are the brands the post matched.
	Brands []string `json:"brands"`
	// Posted is the post's time; Read the last successful read of its comments.
	Posted time.Time `json:"posted"`
	Read   time.Time `json:"read,omitzero"`
	// Failures counts failed reads in a row.
	Failures int `json:"failures,omitempty"`
}

// following reports whether threads are followed at all.
func (c *Collector) following() bool {
	return c.FollowThreads && c.client != nil && len(c.brands) > 0 && c.FollowFor.D() > 0 && c.FollowPerPoll > 0
}

// followPosts starts following the posts of a search stream's fresh mentions that match a
// brand and sit outside the followed subreddits. The caller holds mu.
func (c *Collector) followPosts(ms []collectors.Mention) {
	if !c.following() {
		return
	}
	now := c.now()
	for _, m := range ms {
		if !strings.HasPrefix(m.ID, "t3_") || c.followed(m.Community) || now.Sub(m.CreatedAt) > c.FollowFor.D() {
			continue
		}
		if _, ok := c.state.Threads[m.ID]; ok {
			continue
		}
		var brands []string
		text := m.FullText()
		for _, b := range c.brands {
			if b.query.MatchString(text) && !slices.Contains(brands, b.name) {
				brands = append(brands, b.name)
			}
		}
		if len(brands) == 0 {
			continue
		}
		if c.state.Threads == nil {
			c.state.Threads = map[string]*threadState{}
		}
		c.state.Threads[m.ID] = &threadState{Brands: brands, Posted: m.CreatedAt}
	}
	c.expireThreads(now)
}

// followed reports whether a subreddit is one the comments stream already covers.
func (c *Collector) followed(sub string) bool {
	for _, s := range c.Subreddits {
		if strings.EqualFold(s, sub) {
			return true
		}
	}
	return false
}

// expireThreads stops following threads older than follow_for, or beyond maxFollowed.
func (c *Collector) expireThreads(now time.Time) {
	for id, th := range c.state.Threads {
		if now.Sub(th.Posted) > c.FollowFor.D() || th.Failures >= maxThreadFailures {
			delete(c.state.Threads, id)
		}
	}
	if len(c.state.Threads) <= maxFollowed {
		return
	}
	ids := make([]string, 0, len(c.state.Threads))
	for id := range c.state.Threads {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return c.state.Threads[b].Posted.Compare(c.state.Threads[a].Posted) })
	for _, id := range ids[maxFollowed:] {
		delete(c.state.Threads, id)
	}
}

// threadDue is when a thread's comments are read next: at once when never read, else when the
// post has doubled the age it had at the last read (at least every after it).
func (c *Collector) threadDue(th *threadState) time.Time {
	if th.Read.IsZero() {
		return time.Time{}
	}
	return th.Read.Add(max(th.Read.Sub(th.Posted), c.Every.D()))
}

// followThreads reads the comments of the followed threads that are due, at most
// follow_per_poll of them, leaving reserve requests of the budget unspent. A spent budget
// ends it quietly (the threads wait for the next poll); other failures go to sink.Error. The
// caller holds mu.
func (c *Collector) followThreads(ctx context.Context, sink collectors.Sink, emitted map[string]bool, reserve int) {
	if !c.following() || len(c.state.Threads) == 0 {
		return
	}
	now := c.now()
	c.expireThreads(now)
	var due []string
	for id, th := range c.state.Threads {
		if !c.threadDue(th).After(now) {
			due = append(due, id)
		}
	}
	// Never-read threads first, then the longest overdue; newer posts break ties.
	slices.SortFunc(due, func(a, b string) int {
		if d := c.threadDue(c.state.Threads[a]).Compare(c.threadDue(c.state.Threads[b])); d != 0 {
			return d
		}
		return cmpFullname(b, a)
	})
	ctx = withReserve(ctx, reserve)
	read := 0
	for _, id := range due[:min(len(due), c.FollowPerPoll)] {
		th := c.state.Threads[id]
		n, err := c.readThread(ctx, id, th, sink, emitted)
		if err != nil {
			if ctx.Err() != nil || collectors.IsRateLimited(err) {
				c.logger.Debug("thread reads wait for the next poll", "threads_read", read, "threads_due", len(due), "error", err)
				return
			}
			th.Failures++
			th.Read = c.now()
			err = fmt.Errorf("reddit: follow thread %s: %w", id, err)
			sink.Error(err)
			c.logger.Warn("reading a followed thread failed", "thread_id", id, "failures", th.Failures, "error", err)
			continue
		}
		read++
		c.logger.Debug("read followed thread", "thread_id", id, "brands", th.Brands, "new_replies", n)
	}
	c.expireThreads(now)
}

// readThread reads one thread's comment tree and hands over the replies not seen before.
func (c *Collector) readThread(ctx context.Context, id string, th *threadState, sink collectors.Sink, emitted map[string]bool) (int, error) {
	q := url.Values{
		"limit":    {fmt.Sprint(pageSize)},
		"depth":    {fmt.Sprint(c.FollowDepth)},
		"sort":     {"new"},
		"raw_json": {"1"},
	}
	req, err := c.client.NewRequest(http.MethodGet, "comments/"+idPart(id)+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	var pair []listing
	if _, err := c.client.Do(ctx, req, &pair); err != nil {
		return 0, unwrapAPIError(err, c.now())
	}
	if len(pair) != 2 || pair[1].Kind != "Listing" {
		return 0, errors.New("comments: expected [post listing, comment listing]")
	}
	var fresh []collectors.Mention
	var names []string
	var walk func(children []child, depth int)
	walk = func(children []child, depth int) {
		for _, ch := range children {
			if ch.Kind != "t1" {
				continue // "more" stubs are not expanded
			}
			m, name, _, err := c.convert(ch)
			if name == "" {
				continue
			}
			if th.isNew(name) {
				names = append(names, name)
				switch {
				case err != nil:
					sink.Error(fmt.Errorf("reddit: thread %s: %w", id, err))
				case m != nil && m.ThreadID == id:
					fresh = append(fresh, *m)
				}
			}
			if depth+1 >= c.FollowDepth {
				continue
			}
			var r struct {
				Replies json.RawMessage `json:"replies"`
			}
			if json.Unmarshal(ch.Data, &r) != nil || len(r.Replies) == 0 || r.Replies[0] != '{' {
				continue
			}
			var sub listing
			if json.Unmarshal(r.Replies, &sub) == nil {
				walk(sub.Data.Children, depth+1)
			}
		}
	}
	walk(pair[1].Data.Children, 0)
	slices.SortStableFunc(fresh, func(a, b collectors.Mention) int { return a.CreatedAt.Compare(b.CreatedAt) })
	cs, inContext := sink.(collectors.ContextSink)
	n := 0
	for _, m := range fresh {
		if emitted[m.ID] {
			continue
		}
		emitted[m.ID] = true
		n++
		if inContext {
			cs.AddInContext(m, slices.Clone(th.Brands))
		} else {
			sink.Add(m)
		}
	}
	th.add(names...)
	th.Read, th.Failures = c.now(), 0
	return n, nil
}
