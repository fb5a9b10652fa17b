package hackernews

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/collectors/httpfetch"
)

// Following threads. When a search hit names a brand, the replies below it talk about the brand
// without repeating its name. The collector follows such a hit for FollowFor after it was
// written: every FollowEvery it reads the hit's reply tree with one request to the Algolia
// Items API (/api/v1/items/ID, the item with its replies nested), at most FollowFetches
// requests a poll, and hands over the replies down to FollowDepth levels below the hit that it
// has not handed over before, as mentions of the hit's brands in context (see collectors.ContextSink).
// Replies that match a query on their own are left to the search, which finds them.

// Followed replies go to the sink's AddInContext (collectors.ContextSink) with the brand names
// when the collector was given the brands (SetBrands), and otherwise with the queries of
// collectors.Watch.Queries that matched the thread. With a sink that does not implement it,
// they go to Sink.Add: analysis keeps those that match a query on their own, and thread
// participation is recorded for all of them.

var _ collectors.BrandSetter = (*Collector)(nil)

// Follow defaults.
const (
	defaultFollowFor     = 48 * time.Hour
	defaultFollowDepth   = 4
	defaultFollowFetches = 10
	defaultFollowEvery   = 15 * time.Minute
	defaultFollowMax     = 200
	maxFollowFor         = 14 * 24 * time.Hour
)

// followed is one followed item: a story or comment that named a brand.
type followed struct {
	// Brands are the brands the item named.
	Brands []string `json:"brands"`
	// Until is when following stops (Unix seconds): the item's time plus FollowFor.
	Until int64 `json:"until"`
	// Next is when the tree is read next (Unix seconds).
	Next int64 `json:"next"`
	// Story is the item's story id (the item's own id for a story).
	Story string `json:"story,omitempty"`
	// Newest is the newest reply time seen, or the item's own time before any reply; replies
	// older than Newest-Lag are taken as handed over, and Seen lists the newer ones that were.
	Newest int64            `json:"newest"`
	Seen   map[string]int64 `json:"seen,omitempty"`
}

// item is a node of the Algolia Items API tree.
type item struct {
	ID         int64   `json:"id"`
	CreatedAtI int64   `json:"created_at_i"`
	Type       string  `json:"type"`
	Author     string  `json:"author"`
	Title      *string `json:"title"`
	Text       *string `json:"text"`
	Points     *int    `json:"points"`
	ParentID   *int64  `json:"parent_id"`
	StoryID    *int64  `json:"story_id"`
	Children   []item  `json:"children"`
}

// hit converts an item to the search hit layout mention reads.
func (it *item) hit() hit {
	h := hit{ObjectID: strconv.FormatInt(it.ID, 10), CreatedAtI: it.CreatedAtI, Author: it.Author, Title: it.Title,
		StoryID: it.StoryID, ParentID: it.ParentID, Points: it.Points, Tags: []string{it.Type}}
	if it.Type == "comment" {
		h.CommentText = it.Text
		if h.CommentText == nil {
			h.CommentText = new(string)
		}
	} else {
		h.StoryText = it.Text
	}
	return h
}

// SetBrands implements collectors.BrandSetter.
func (c *Collector) SetBrands(brands []collectors.Brand) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.brands = slices.Clone(brands)
	c.compileLocked()
}

// compileLocked builds the matchers for following: brand queries (or, without brands, the
// watch queries) to find items to follow, and every watch query to tell replies the search
// finds on its own.
func (c *Collector) compileLocked() {
	c.followNames, c.followMatch, c.anyMatch = nil, nil, nil
	var qs, all []*collectors.Query
	for _, s := range c.watch.Queries {
		if q, err := collectors.ParseQuery(s); err == nil {
			all = append(all, q)
		}
	}
	if c.brands != nil {
		for _, b := range c.brands {
			q, err := collectors.ParseQuery(b.Query)
			if err != nil {
				continue // config validation reports it
			}
			qs = append(qs, q)
			all = append(all, q)
			c.followNames = append(c.followNames, b.Name)
		}
	} else {
		for _, q := range all {
			qs = append(qs, q)
			c.followNames = append(c.followNames, q.String())
		}
	}
	if len(qs) > 0 {
		c.followMatch = collectors.NewMatcher(qs)
	}
	if len(all) > 0 {
		c.anyMatch = collectors.NewMatcher(all)
	}
}

// following reports whether threads are followed at all.
func (c *Collector) following() bool { return c.FollowFor.D() > 0 && c.followMatch != nil }

// brandsOf returns the brands (or queries) whose query matches m.
func (c *Collector) brandsOf(m *collectors.Mention) []string {
	var out []string
	for _, match := range c.followMatch.Match(m.FullText()) {
		out = append(out, c.followNames[match.Query])
	}
	return out
}

// follow starts following m when it names a brand and is recent enough.
func (c *Collector) follow(m *collectors.Mention, now time.Time) {
	if !c.following() {
		return
	}
	brands := c.brandsOf(m)
	if len(brands) == 0 {
		return
	}
	if c.state.Threads == nil {
		c.state.Threads = map[string]*followed{}
	}
	if f := c.state.Threads[m.ID]; f != nil {
		for _, b := range brands {
			if !slices.Contains(f.Brands, b) {
				f.Brands = append(f.Brands, b)
			}
		}
		return
	}
	until := m.CreatedAt.Add(c.FollowFor.D()).Unix()
	if until <= now.Unix() {
		return
	}
	c.state.Threads[m.ID] = &followed{Brands: brands, Until: until, Next: now.Unix(), Story: m.ThreadID, Newest: m.CreatedAt.Unix()}
	if len(c.state.Threads) > c.FollowMax {
		// Too many at once: the one that would stop soonest stops now.
		var drop string
		for id, f := range c.state.Threads {
			if d := c.state.Threads[drop]; drop == "" || f.Until < d.Until || (f.Until == d.Until && id < drop) {
				drop = id
			}
		}
		delete(c.state.Threads, drop)
		c.logger.Debug("more threads to follow than follow_max; the oldest stops", "item_id", drop)
	}
}

// followThreads reads the trees that are due, at most FollowFetches of them, oldest due first.
// Items of a followed story are read from the story's tree, one request for all of them.
// Errors go to sink.Error and the items are tried again at their next turn; a rate limit ends
// following for this poll. It never fails the poll: the search results are handed over already.
func (c *Collector) followThreads(ctx context.Context, sink collectors.Sink, emitted map[string]bool) {
	now := c.now()
	for id, f := range c.state.Threads {
		// A brand no longer configured is no longer followed.
		f.Brands = slices.DeleteFunc(f.Brands, func(b string) bool { return !slices.Contains(c.followNames, b) })
		if f.Until <= now.Unix() || len(f.Brands) == 0 || c.FollowFor.D() == 0 {
			delete(c.state.Threads, id)
		}
	}
	if !c.following() || now.Before(c.followHold) {
		return
	}
	// tree is the item whose tree is read for a followed item: its story when that is
	// followed too, else itself.
	tree := func(id string) string {
		if s := c.state.Threads[id].Story; s != "" && c.state.Threads[s] != nil {
			return s
		}
		return id
	}
	next := map[string]int64{} // tree → when it is due: its earliest due item
	for id, f := range c.state.Threads {
		if f.Next <= now.Unix() {
			t := tree(id)
			if at, ok := next[t]; !ok || f.Next < at {
				next[t] = f.Next
			}
		}
	}
	due := slices.Collect(maps.Keys(next))
	slices.SortFunc(due, func(a, b string) int { return cmp.Or(cmp.Compare(next[a], next[b]), cmp.Compare(a, b)) })
	if len(due) > c.FollowFetches {
		c.logger.Debug("more threads due than follow_fetches; the rest wait", "due", len(due), "follow_fetches", c.FollowFetches)
		due = due[:c.FollowFetches]
	}
	for _, t := range due {
		if ctx.Err() != nil {
			return
		}
		var ids []string
		for id := range c.state.Threads {
			if tree(id) == t {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		err := c.readTree(ctx, t, ids, now, sink, emitted)
		if err == nil {
			continue
		}
		err = fmt.Errorf("hackernews: follow item %s: %w", t, err)
		var se *httpfetch.StatusError
		switch {
		case collectors.IsRateLimited(err):
			d, _ := collectors.RetryAfter(err)
			d = max(d, c.Every.D())
			c.followHold = now.Add(d)
			c.logger.Info("rate limited; following waits", "error", err, "retry_delay_seconds", int(d.Seconds()))
			return
		case errors.As(err, &se) && se.Code == http.StatusNotFound:
			for _, id := range ids {
				delete(c.state.Threads, id)
			}
			c.logger.Debug("followed item gone; no longer followed", "item_id", t)
		default:
			for _, id := range ids {
				c.state.Threads[id].Next = now.Add(c.FollowEvery.D()).Unix()
			}
			sink.Error(err)
			c.logger.Warn("reading a followed thread failed; it is tried again at its next turn", "item_id", t, "error", err)
		}
	}
}

// reply is a new reply and the brands it is handed over for.
type reply struct {
	m      collectors.Mention
	brands []string
}

// readTree reads the tree of item t and hands over the new replies of the followed items ids
// in it. It is all or nothing: on an error nothing is handed over and no item changes.
func (c *Collector) readTree(ctx context.Context, t string, ids []string, now time.Time, sink collectors.Sink, emitted map[string]bool) error {
	resp, err := c.fetch.Get(ctx, httpfetch.Request{URL: c.base.String() + "/api/v1/items/" + url.PathEscape(t), Header: map[string][]string{"Accept": {"application/json"}}})
	if err != nil {
		return err
	}
	var root item
	if err := json.Unmarshal(resp.Body, &root); err != nil {
		return fmt.Errorf("invalid JSON in response: %w", err)
	}
	nodes := map[string]*item{}
	var index func(it *item)
	index = func(it *item) {
		nodes[strconv.FormatInt(it.ID, 10)] = it
		for i := range it.Children {
			index(&it.Children[i])
		}
	}
	index(&root)
	nodes[t] = &root
	for _, id := range ids {
		if nodes[id] == nil {
			// Not in its story's tree yet (indexed late): read with the tree next time.
			c.state.Threads[id].Next = now.Add(c.FollowEvery.D()).Unix()
		}
	}
	// Every followed item in the tree is read from it, due or not: each reply belongs to the
	// nearest followed item above it, so it is handed over once, whichever tree is read.
	var in []string
	for id := range c.state.Threads {
		if nodes[id] != nil {
			in = append(in, id)
		}
	}
	slices.Sort(in)
	fresh := map[string]*reply{}
	for _, id := range in {
		c.readReplies(nodes[id], c.state.Threads[id], now, emitted, fresh)
	}
	out := slices.Collect(maps.Values(fresh))
	slices.SortFunc(out, func(a, b *reply) int {
		return cmp.Or(a.m.CreatedAt.Compare(b.m.CreatedAt), cmp.Compare(len(a.m.ID), len(b.m.ID)), cmp.Compare(a.m.ID, b.m.ID))
	})
	cs, inContext := sink.(collectors.ContextSink)
	for _, r := range out {
		emitted[r.m.ID] = true
		if inContext {
			cs.AddInContext(r.m, r.brands)
		} else {
			sink.Add(r.m)
		}
	}
	c.logger.Debug("followed thread", "item_id", t, "followed_items", len(ids), "new_replies", len(out))
	return nil
}

// readReplies collects the replies below n, down to FollowDepth levels, that f has not handed
// over, into fresh, and moves f's cursor. It stops at replies that are followed themselves:
// theirs are their own.
func (c *Collector) readReplies(n *item, f *followed, now time.Time, emitted map[string]bool, fresh map[string]*reply) {
	lag := int64(c.Lag.D() / time.Second)
	from, newest := f.Newest-lag, f.Newest
	seen := map[string]int64{}
	var walk func(children []item, depth int)
	walk = func(children []item, depth int) {
		if depth > c.FollowDepth {
			return
		}
		for i := range children {
			it := &children[i]
			key := strconv.FormatInt(it.ID, 10)
			if c.state.Threads[key] != nil {
				continue
			}
			walk(it.Children, depth+1)
			if it.ID == 0 || it.CreatedAtI <= from {
				continue
			}
			seen[key] = it.CreatedAtI
			newest = max(newest, it.CreatedAtI)
			if _, dup := f.Seen[key]; dup || emitted[key] {
				continue
			}
			if r := fresh[key]; r != nil {
				for _, b := range f.Brands {
					if !slices.Contains(r.brands, b) {
						r.brands = append(r.brands, b)
					}
				}
				continue
			}
			m, ok := mention(it.hit())
			if !ok || m.Validate() != nil {
				continue // deleted or dead; its replies still count
			}
			if c.anyMatch != nil && len(c.anyMatch.Match(m.FullText())) > 0 {
				continue // a mention on its own: the search hands it over
			}
			fresh[key] = &reply{m: m, brands: slices.Clone(f.Brands)}
		}
	}
	walk(n.Children, 1)
	next := map[string]int64{}
	for k, at := range f.Seen {
		if at >= newest-lag {
			next[k] = at
		}
	}
	for k, at := range seen {
		if at >= newest-lag {
			next[k] = at
		}
	}
	f.Newest, f.Seen, f.Next = newest, next, now.Add(c.FollowEvery.D()).Unix()
}
