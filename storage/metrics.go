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
		"Mean sentiment toward the brand, from -1 to 1, of its mentions in the last 30 days in its top 10 communities.",
		[]string{"brand", "community"}, nil)
	descNewCommunities = prometheus.NewDesc("overhear_new_communities",
		"Communities that mentioned the brand in the last 7 days but not in the 23 days before.", []string{"brand"}, nil)
)

// Collector exports gauges read from the store at scrape time. Brands are the configured ones,
// so label values stay bounded; communities appear only in the top-N gauge.
type Collector struct {
	db     *DB
	brands []string
	now    func() time.Time

	mu       sync.Mutex
	cachedAt time.Time
	cache    []prometheus.Metric
}

// NewCollector returns a prometheus.Collector over db.
func NewCollector(db *DB, brands []string, now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{db: db, brands: brands, now: now}
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
	c.mu.Unlock()
}

func (c *Collector) compute() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := c.now()
	var out []prometheus.Metric
	counts, _ := c.db.Counts(ctx)
	for _, b := range c.brands {
		out = append(out, prometheus.MustNewConstMetric(descStoredMentions, prometheus.GaugeValue, float64(counts["brand:"+b]), b))
		unattended := 0
		perCommunity := map[string]int{}
		sentimentSum := map[string]float64{}
		firstSeen := map[string]time.Time{}
		_ = c.db.Scan(ctx, Filter{Brand: b, Since: now.Add(-CommunityWindow)}, func(r *analysis.Result) error {
			if r.Community != "" {
				perCommunity[r.Community]++
				if t, ok := firstSeen[r.Community]; !ok || r.CreatedAt.Before(t) {
					firstSeen[r.Community] = r.CreatedAt
				}
			}
			for _, br := range r.Brands {
				if br.Name != b {
					continue
				}
				if r.Community != "" {
					sentimentSum[r.Community] += br.Sentiment.Score
				}
				if br.Unattended && r.CreatedAt.After(now.Add(-UnattendedWindow)) {
					unattended++
				}
			}
			return nil
		})
		out = append(out, prometheus.MustNewConstMetric(descUnattended, prometheus.GaugeValue, float64(unattended), b))
		newCommunities := 0
		for _, t := range firstSeen {
			if t.After(now.Add(-NewCommunityWindow)) {
				newCommunities++
			}
		}
		out = append(out, prometheus.MustNewConstMetric(descNewCommunities, prometheus.GaugeValue, float64(newCommunities), b))
		for _, cc := range topN(perCommunity, TopCommunities) {
			out = append(out, prometheus.MustNewConstMetric(descCommunity, prometheus.GaugeValue, float64(cc.n), b, cc.name),
				prometheus.MustNewConstMetric(descCommunitySentiment, prometheus.GaugeValue, sentimentSum[cc.name]/float64(cc.n), b, cc.name))
		}
	}
	return out
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
