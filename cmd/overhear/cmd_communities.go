package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"
	"time"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

// returningWindow is how soon an author must mention the brand again to count as returning.
const returningWindow = 30 * 24 * time.Hour

// CommunityStats are the relationship metrics of one community for one brand: depth over reach.
type CommunityStats struct {
	Community        string    `json:"community"`
	Source           string    `json:"source"`
	Mentions         int       `json:"mentions"`
	Authors          int       `json:"authors"`
	ReturningAuthors int       `json:"returning_authors"`
	Questions        int       `json:"questions"`
	Unattended       int       `json:"unattended"`
	AvgSentiment     float64   `json:"avg_sentiment"`
	Positive         int       `json:"positive"`
	Neutral          int       `json:"neutral"`
	Negative         int       `json:"negative"`
	TotalEngagement  int       `json:"total_engagement"`
	FirstSeen        time.Time `json:"first_seen"`
	LastSeen         time.Time `json:"last_seen"`
}

// Voice is an author who keeps mentioning the brand.
type Voice struct {
	Author          string   `json:"author"`
	Source          string   `json:"source"`
	Mentions        int      `json:"mentions"`
	Communities     []string `json:"communities"`
	AvgSentiment    float64  `json:"avg_sentiment"`
	TotalEngagement int      `json:"total_engagement"`
	AvgEngagement   float64  `json:"avg_engagement"`
	// Influence ranks voices: mentions × (1 + ln(1 + average engagement)).
	Influence float64   `json:"influence"`
	LastSeen  time.Time `json:"last_seen"`
}

// brandSentiment returns the sentiment toward brand in r, or the whole text's for topic-only filters.
func brandSentiment(r *analysis.Result, brand string) analysis.Sentiment {
	for _, b := range r.Brands {
		if b.Name == brand {
			return b.Sentiment
		}
	}
	return r.Sentiment
}

func communityStats(ctx context.Context, db *storage.DB, brand string, since time.Time) ([]CommunityStats, error) {
	type acc struct {
		CommunityStats
		sent    float64
		authors map[string][]time.Time
	}
	by := map[string]*acc{}
	err := db.Scan(ctx, storage.Filter{Brand: brand, Since: since}, func(r *analysis.Result) error {
		key := r.Source + "\x00" + r.Community
		a := by[key]
		if a == nil {
			a = &acc{CommunityStats: CommunityStats{Community: r.Community, Source: r.Source, FirstSeen: r.CreatedAt, LastSeen: r.CreatedAt}, authors: map[string][]time.Time{}}
			by[key] = a
		}
		s := brandSentiment(r, brand)
		a.Mentions++
		a.sent += s.Score
		switch s.Label {
		case analysis.Positive:
			a.Positive++
		case analysis.Negative:
			a.Negative++
		default:
			a.Neutral++
		}
		if r.Question {
			a.Questions++
		}
		if r.Unattended {
			a.Unattended++
		}
		a.TotalEngagement += max(r.Score, 0)
		if r.CreatedAt.Before(a.FirstSeen) {
			a.FirstSeen = r.CreatedAt
		}
		if r.CreatedAt.After(a.LastSeen) {
			a.LastSeen = r.CreatedAt
		}
		if r.Author != "" {
			a.authors[r.Author] = append(a.authors[r.Author], r.CreatedAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]CommunityStats, 0, len(by))
	for _, a := range by {
		a.Authors = len(a.authors)
		for _, times := range a.authors {
			sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
			for i := 1; i < len(times); i++ {
				if times[i].Sub(times[i-1]) <= returningWindow {
					a.ReturningAuthors++
					break
				}
			}
		}
		a.AvgSentiment = round3(a.sent / float64(a.Mentions))
		out = append(out, a.CommunityStats)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Mentions != out[j].Mentions {
			return out[i].Mentions > out[j].Mentions
		}
		return out[i].Source+out[i].Community < out[j].Source+out[j].Community
	})
	return out, nil
}

func voices(ctx context.Context, db *storage.DB, brand string, since time.Time, minMentions int) ([]Voice, error) {
	type acc struct {
		Voice
		sent  float64
		comms map[string]int
	}
	by := map[string]*acc{}
	err := db.Scan(ctx, storage.Filter{Brand: brand, Since: since}, func(r *analysis.Result) error {
		if r.Author == "" || r.Author == "[deleted]" {
			return nil
		}
		key := r.Source + "\x00" + r.Author
		a := by[key]
		if a == nil {
			a = &acc{Voice: Voice{Author: r.Author, Source: r.Source}, comms: map[string]int{}}
			by[key] = a
		}
		a.Mentions++
		a.sent += brandSentiment(r, brand).Score
		a.TotalEngagement += max(r.Score, 0)
		a.comms[r.Community]++
		if r.CreatedAt.After(a.LastSeen) {
			a.LastSeen = r.CreatedAt
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Voice
	for _, a := range by {
		if a.Mentions < minMentions {
			continue
		}
		a.AvgSentiment = round3(a.sent / float64(a.Mentions))
		a.AvgEngagement = round3(float64(a.TotalEngagement) / float64(a.Mentions))
		a.Influence = round3(float64(a.Mentions) * (1 + math.Log1p(a.AvgEngagement)))
		a.Communities = append(a.Communities, sortedKeys(a.comms)...)
		sort.SliceStable(a.Communities, func(i, j int) bool { return a.comms[a.Communities[i]] > a.comms[a.Communities[j]] })
		out = append(out, a.Voice)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Influence != out[j].Influence {
			return out[i].Influence > out[j].Influence
		}
		return out[i].Source+out[i].Author < out[j].Source+out[j].Author
	})
	return out, nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func urlq(s string) string { return url.QueryEscape(s) }

func runCommunities(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("communities", "communities [--config FILE] [--brand B] [--since 30d]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	brand := fs.String("brand", "", "the brand (default: the first configured brand)")
	since := fs.String("since", "30d", "only mentions within this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, b, d, err := m.brandCommand(*configPath, *brand, *since)
	if err != nil {
		return err
	}
	return m.withReadStore(ctx, cfg, fmt.Sprintf("/api/communities?brand=%s&since=%s", urlq(b), urlq(*since)), func(db *storage.DB) (any, error) {
		cs, err := communityStats(ctx, db, b, time.Now().Add(-d))
		return map[string]any{"brand": b, "communities": cs}, err
	})
}

func runVoices(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("voices", "voices [--config FILE] [--brand B] [--since 90d] [--min-mentions 2]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	brand := fs.String("brand", "", "the brand (default: the first configured brand)")
	since := fs.String("since", "90d", "only mentions within this long")
	minMentions := fs.Int("min-mentions", 2, "only authors with at least this many mentions")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, b, d, err := m.brandCommand(*configPath, *brand, *since)
	if err != nil {
		return err
	}
	return m.withReadStore(ctx, cfg, fmt.Sprintf("/api/voices?brand=%s&since=%s&min-mentions=%d", urlq(b), urlq(*since), *minMentions), func(db *storage.DB) (any, error) {
		vs, err := voices(ctx, db, b, time.Now().Add(-d), *minMentions)
		return map[string]any{"brand": b, "voices": vs}, err
	})
}

// brandCommand loads the config and resolves --brand and --since for per-brand read commands.
func (m *Main) brandCommand(configPath, brand, since string) (*Config, string, time.Duration, error) {
	cfg, err := m.loadConfig(configPath)
	if err != nil {
		return nil, "", 0, err
	}
	d, err := collectors.ParseDuration(since)
	if err != nil {
		return nil, "", 0, usagef("--since: %w", err)
	}
	if brand == "" {
		if len(cfg.Brands) == 0 {
			return nil, "", 0, usagef("no brands configured")
		}
		brand = cfg.Brands[0].Name
	}
	if err := checkBrandTopic(cfg, brand, ""); err != nil {
		return nil, "", 0, usageError{err}
	}
	return cfg, brand, d, nil
}
