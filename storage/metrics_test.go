package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/analysis"
)

// The mean sentiment of a community is over its scored mentions: one the model does not read
// (another language) counts as a mention of the community, not as a score of 0. A community
// whose mentions are all unscored has no mean, so no sentiment series.
func TestCommunitySentimentLeavesOutUnscored(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "o.db"))
	now := time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC)
	var batch []analysis.Result
	add := func(community string, s analysis.Sentiment) {
		r := result("reddit", fmt.Sprintf("t3_%d", len(batch)), now.Add(-time.Duration(len(batch)+1)*time.Hour), "Acme")
		r.Community, r.Brands[0].Sentiment = community, s
		batch = append(batch, r)
	}
	fr := analysis.Sentiment{Label: analysis.Neutral, Unscored: true}
	add("ollama", analysis.Sentiment{Label: analysis.Positive, Score: 0.5})
	add("ollama", analysis.Sentiment{Label: analysis.Negative, Score: -0.1})
	add("ollama", fr)
	add("ollama", fr)
	add("ollama", fr)
	add("france", fr)
	add("france", fr)
	if _, err := db.Commit(ctx, Batch{Results: batch}); err != nil {
		t.Fatal(err)
	}
	got := gather(t, NewCollector(db, []string{"Acme"}, func() time.Time { return now }))
	has := func(metric, labels string) (string, bool) {
		for _, l := range got {
			if strings.Contains(l, `fqName: "`+metric+`"`) && strings.Contains(l, "} "+labels+" ") {
				return l[strings.LastIndexByte(l, ' ')+1:], true
			}
		}
		return "", false
	}
	for _, tc := range []struct{ metric, labels, want string }{
		{"overhear_community_mentions", "brand=Acme community=ollama", "5.000000"},
		{"overhear_community_mentions", "brand=Acme community=france", "2.000000"},
		{"overhear_community_sentiment_score", "brand=Acme community=ollama", "0.200000"}, // (0.5 - 0.1) / 2, not / 5
	} {
		if v, ok := has(tc.metric, tc.labels); v != tc.want {
			t.Errorf("%s{%s} = %q (present %v), want %s\n%s", tc.metric, tc.labels, v, ok, tc.want, strings.Join(got, "\n"))
		}
	}
	if v, ok := has("overhear_community_sentiment_score", "brand=Acme community=france"); ok {
		t.Errorf("a community of unscored mentions has a mean sentiment of %s", v)
	}
}
