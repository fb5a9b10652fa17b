package storage

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/overhear/overhear/analysis"
)

// Windows of the gauges computed from the store at scrape time.
const (
	UnattendedWindow = 7 * 24 * time.Hour
	CommunityWindow  = 30 * 24 * time.Hour
	// NewCommunityWindow: a community is new when its first mention in CommunityWindow is this recent.
	NewCommunityWindow = 7 * 24 * time.Hour
	TopCommunities     = 10
	// gaugeCacheTTL keeps frequent scrapes from rescanning the store.
	gaugeCacheTTL = 15 * time.Second
)

var (
	descStoreBytes = prometheus.NewDesc("overhear_store_bytes", "Size of the bbolt store file in bytes.", nil, nil)
	descUnattended = prometheus.NewDesc("overhear_unattended_mentions",
		"Mentions of the brand in the last 7 days in threads none of its accounts joined.", []string{"brand"}, nil)
	descCommunity = prometheus.NewDesc("overhear_community_mentions",
		"Mentions of the brand in the last 30 days in its top 10 communities.", []string{"brand", "community"}, nil)
	descStoredMentions = prometheus.NewDesc("overhear_store_mentions",
		"Mentions currently stored, by brand (after retention).", []string{"brand"}, nil)
	descCommunitySentiment = prometheus.NewDesc("overhear_community_sentiment_score",
		"Mean sentiment toward the brand, from -1 to 1, of its scored mentions in the last 30 days in its top 10 communities.",
		[]string{"brand", "community"}, nil)
	descNewCommunities = prometheus.NewDesc("overhear_new_communities",
		"Communities that mentioned the brand in the last 7 days but not in the 23 days before.", []string{"brand"}, nil)
)

// Collector exports gauges read from the store at scrape time. Brands are the configured ones,
// so label values stay bounded; communities appear only in the top-N gauge.
//
// The gauges sum per-day aggregates of each brand's mentions. A day's aggregate is kept until
// a commit adds to that day (or a delete, prune or thread participation changes what any day
// holds), so a scrape reads only the days that changed and the partial day at the window's
// edge instead of 30 days of mentions: with a million stored mentions a full read takes
// seconds, too long for every scrape.
type Collector struct {
	db     *DB
	brands []string
	now    func() time.Time

	mu       sync.Mutex
	cachedAt time.Time
	cache    []prometheus.Metric
	days     map[brandDay]cachedDay
}

type brandDay struct {
	brand string
	day   int64
	// open is set for today's aggregate, which also holds mentions dated after today.
	open bool
}

type cachedDay struct {
	gen genKey
	agg *dayAgg
}

// dayAgg aggregates a brand's mentions over a time range.
type dayAgg struct {
	unattended   int
	perCommunity map[string]int
	// sentimentSum and scored sum and count the sentiment toward the brand of the scored
	// mentions per community: a mention the model did not read (another language) counts in
	// perCommunity but not in the mean.
	sentimentSum map[string]float64
	scored       map[string]int
	firstSeen    map[string]time.Time
}

func newDayAgg() *dayAgg {
	return &dayAgg{perCommunity: map[string]int{}, sentimentSum: map[string]float64{}, scored: map[string]int{}, firstSeen: map[string]time.Time{}}
}

// add merges o into a.
func (a *dayAgg) add(o *dayAgg) {
	for c, n := range o.perCommunity {
		a.perCommunity[c] += n
	}
	for c, v := range o.sentimentSum {
		a.sentimentSum[c] += v
	}
	for c, n := range o.scored {
		a.scored[c] += n
	}
	for c, t := range o.firstSeen {
		if f, ok := a.firstSeen[c]; !ok || t.Before(f) {
			a.firstSeen[c] = t
		}
	}
}

// NewCollector returns a prometheus.Collector over db.
func NewCollector(db *DB, brands []string, now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{db: db, brands: brands, now: now, days: map[brandDay]cachedDay{}}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descStoreBytes
	ch <- descUnattended
	ch <- descCommunity
	ch <- descStoredMentions
	ch <- descCommunitySentiment
	ch <- descNewCommunities
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descStoreBytes, prometheus.GaugeValue, float64(c.db.Size()))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil || c.now().Sub(c.cachedAt) > gaugeCacheTTL {
		c.cache = c.compute()
		c.cachedAt = c.now()
	}
	for _, m := range c.cache {
		ch <- m
	}
}

// Invalidate makes the next scrape recompute (after a big ingest, say).
func (c *Collector) Invalidate() {
	c.mu.Lock()
	c.cache = nil
	clear(c.days)
	c.mu.Unlock()
}

func (c *Collector) compute() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := c.now()
	from, recent := now.Add(-CommunityWindow), now.Add(-UnattendedWindow)
	first, today := dayOfTime(from), dayOfTime(now)
	var out []prometheus.Metric
	counts, _ := c.db.Counts(ctx)
	for _, b := range c.brands {
		out = append(out, prometheus.MustNewConstMetric(descStoredMentions, prometheus.GaugeValue, float64(counts["brand:"+b]), b))
		total := newDayAgg()
		unattended := 0
		for d := first; d <= today; d++ {
			start, end := dayStart(d), dayStart(d+1)
			if d == first {
				// The window starts inside this day: read just its tail, every time.
				agg := c.aggregate(ctx, b, from, end, recent)
				total.add(agg)
				unattended += agg.unattended
				continue
			}
			agg := c.day(ctx, b, d, today)
			total.add(agg)
			switch {
			case start.After(recent):
				unattended += agg.unattended
			case end.After(recent):
				// The unattended window starts inside this day: count its tail.
				if d == today {
					end = time.Time{}
				}
				unattended += c.aggregate(ctx, b, recent, end, recent).unattended
			}
		}
		out = append(out, prometheus.MustNewConstMetric(descUnattended, prometheus.GaugeValue, float64(unattended), b))
		newCommunities := 0
		for _, t := range total.firstSeen {
			if t.After(now.Add(-NewCommunityWindow)) {
				newCommunities++
			}
		}
		out = append(out, prometheus.MustNewConstMetric(descNewCommunities, prometheus.GaugeValue, float64(newCommunities), b))
		for _, cc := range topN(total.perCommunity, TopCommunities) {
			out = append(out, prometheus.MustNewConstMetric(descCommunity, prometheus.GaugeValue, float64(cc.n), b, cc.name))
			// A community whose mentions are all unscored has no mean sentiment: no series.
			if n := total.scored[cc.name]; n > 0 {
				out = append(out, prometheus.MustNewConstMetric(descCommunitySentiment, prometheus.GaugeValue, total.sentimentSum[cc.name]/float64(n), b, cc.name))
			}
		}
	}
	// Forget days that left the window.
	for k := range c.days {
		if k.day < first {
			delete(c.days, k)
		}
	}
	return out
}

// day returns the aggregate of brand's mentions on a whole UTC day (today: from its start on,
// including any mention dated in the future), from the cache while the day is unchanged.
func (c *Collector) day(ctx context.Context, brand string, d, today int64) *dayAgg {
	gen := c.db.gens.of(d)
	if d == today {
		// Future-dated mentions count with today; their days have generations of their own.
		gen.day += c.db.gens.after(d)
	}
	k := brandDay{brand, d, d == today}
	if cd, ok := c.days[k]; ok && cd.gen == gen {
		return cd.agg
	}
	until := dayStart(d + 1)
	if d == today {
		until = time.Time{}
	}
	// Every mention of a whole day counts as unattended-recent or not by the caller.
	agg := c.aggregate(ctx, brand, dayStart(d), until, time.Time{})
	if ctx.Err() == nil {
		c.days[k] = cachedDay{gen: gen, agg: agg}
	}
	return agg
}

// aggregate reads brand's mentions created in [from, until) (until zero: no end). Unattended
// counts only those created after recent.
func (c *Collector) aggregate(ctx context.Context, brand string, from, until, recent time.Time) *dayAgg {
	agg := newDayAgg()
	_ = c.db.Scan(ctx, Filter{Brand: brand, Since: from, Until: until}, func(r *analysis.Result) error {
		if r.Community != "" {
			agg.perCommunity[r.Community]++
			if t, ok := agg.firstSeen[r.Community]; !ok || r.CreatedAt.Before(t) {
				agg.firstSeen[r.Community] = r.CreatedAt
			}
		}
		for _, br := range r.Brands {
			if br.Name != brand {
				continue
			}
			if r.Community != "" && !br.Sentiment.Unscored {
				agg.sentimentSum[r.Community] += br.Sentiment.Score
				agg.scored[r.Community]++
			}
			if br.Unattended && r.CreatedAt.After(recent) {
				agg.unattended++
			}
		}
		return nil
	})
	return agg
}

type nameCount struct {
	name string
	n    int
}

// topN returns the n largest counts, ties broken by name so the set is stable between scrapes.
func topN(m map[string]int, n int) []nameCount {
	list := make([]nameCount, 0, len(m))
	for k, v := range m {
		list = append(list, nameCount{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].name < list[j].name
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}
