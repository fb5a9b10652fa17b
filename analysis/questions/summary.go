package questions

import (
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Record is one detected question as stored by the pipeline.
type Record struct {
	Cluster    string    // cluster ID from Clusterer.Add
	Text       string    // the question sentence
	MentionID  string    // ID of the mention the question came from
	Source     string    // registered source name ("reddit", …)
	Community  string    // subreddit, forum category, feed …
	Author     string    // author name at the source
	URL        string    // link to the mention
	Brands     []string  // brands the mention matched
	Topics     []string  // topics the mention matched
	CreatedAt  time.Time // when the mention was posted
	Score      int       // engagement (upvotes, points, likes)
	Unattended bool      // no brand account took part in the thread
	Sentiment  float64   // sentiment of the mention, -1..1
}

// Cluster summarises one recurring question for export.
type Cluster struct {
	Rank            int       `json:"rank"`             // 1 = most worth answering
	Score           float64   `json:"score"`            // rank score, see Summarise
	ID              string    `json:"id"`               // cluster ID
	Question        string    `json:"question"`         // representative question: the clearest member
	Variants        []string  `json:"variants"`         // other distinct wordings, most frequent first (at most MaxVariants)
	Count           int       `json:"count"`            // questions in the cluster
	Authors         int       `json:"authors"`          // distinct authors
	Communities     []string  `json:"communities"`      // distinct communities, most active first
	Sources         []string  `json:"sources"`          // distinct sources, sorted
	Brands          []string  `json:"brands"`           // brands the questions mention, sorted
	Topics          []string  `json:"topics"`           // topics the questions match, sorted
	FirstSeen       time.Time `json:"first_seen"`       // earliest CreatedAt
	LastSeen        time.Time `json:"last_seen"`        // latest CreatedAt
	TotalEngagement int       `json:"total_engagement"` // sum of Score
	AvgEngagement   float64   `json:"avg_engagement"`   // TotalEngagement / Count
	Unattended      int       `json:"unattended"`       // questions in threads no brand account joined
	UnattendedShare float64   `json:"unattended_share"` // Unattended / Count
	AnsweredShare   float64   `json:"answered_share"`   // 1 - UnattendedShare
	AvgSentiment    float64   `json:"avg_sentiment"`    // mean Sentiment, -1..1
	URLs            []string  `json:"urls"`             // example links, most engaged first (at most MaxURLs)
}

// Caps on the lists in a Cluster.
const (
	MaxVariants = 10
	MaxURLs     = 5
)

// RecencyHalfLife is the age of a cluster's latest question at which its
// recency factor halves.
const RecencyHalfLife = 30 * 24 * time.Hour

// Summarise groups records by Cluster into ranked cluster summaries and keeps
// the clusters with at least minCount questions. The rank score is
//
//	score = frequency × recency × engagement × unattended × specificity
//	  frequency  = distinct askers in the cluster (authors; a question without an
//	               author counts as its own asker), so one person repeating
//	               a question does not make it recurring
//	  recency    = 0.5^(age / 30 days), age = now − newest question (0 if in the future)
//	  engagement = 1 + ln(1 + average engagement), engagement = max(Score, 0)
//	  unattended = 0.5 + share of questions in threads no brand account joined
//	               (0.5 when the brand answered everywhere, 1.5 when nowhere)
//	  specificity = min(1, content words of the representative question / 3)
//
// Specificity keeps questions that only make sense next to their post ("Has anyone
// experienced this?", "Where do I run these?") from outranking ones a content strategist can
// write about ("How do I make Ollama use my second GPU?"); they stay in the export, lower down.
//
// so a question asked by twice as many people counts twice as much, one last asked a
// month ago half as much as one asked today, engagement counts with
// diminishing returns, and unanswered questions count up to three times as
// much as answered ones. Ties go to the larger cluster, then the smaller ID.
func Summarise(records []Record, now time.Time, minCount int) []Cluster {
	groups := map[string][]*Record{}
	var ids []string
	for i := range records {
		r := &records[i]
		if groups[r.Cluster] == nil {
			ids = append(ids, r.Cluster)
		}
		groups[r.Cluster] = append(groups[r.Cluster], r)
	}
	var out []Cluster
	for _, id := range ids {
		rs := groups[id]
		if len(rs) < minCount {
			continue
		}
		out = append(out, summariseOne(id, rs, now))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.ID < b.ID
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func summariseOne(id string, rs []*Record, now time.Time) Cluster {
	c := Cluster{ID: id, Count: len(rs), FirstSeen: rs[0].CreatedAt.UTC(), LastSeen: rs[0].CreatedAt.UTC()}
	authors := map[string]bool{}
	communities := map[string]int{}
	sources, brands, topics := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var sentiment float64
	for _, r := range rs {
		if r.Author != "" {
			authors[r.Author] = true
		}
		if r.Community != "" {
			communities[r.Community]++
		}
		if r.Source != "" {
			sources[r.Source] = true
		}
		for _, b := range r.Brands {
			brands[b] = true
		}
		for _, t := range r.Topics {
			topics[t] = true
		}
		t := r.CreatedAt.UTC()
		if t.Before(c.FirstSeen) {
			c.FirstSeen = t
		}
		if t.After(c.LastSeen) {
			c.LastSeen = t
		}
		c.TotalEngagement += r.Score
		if r.Unattended {
			c.Unattended++
		}
		sentiment += math.Max(-1, math.Min(1, r.Sentiment))
	}
	n := float64(len(rs))
	c.Authors = len(authors)
	c.Communities = byCount(communities)
	c.Sources, c.Brands, c.Topics = sortedKeys(sources), sortedKeys(brands), sortedKeys(topics)
	c.AvgEngagement = round3(float64(c.TotalEngagement) / n)
	c.UnattendedShare = round3(float64(c.Unattended) / n)
	c.AnsweredShare = round3(1 - float64(c.Unattended)/n)
	c.AvgSentiment = round3(sentiment / n)
	c.Question, c.Variants = representative(rs)
	c.URLs = exampleURLs(rs)
	c.Score = round3(rankScore(rs, c.LastSeen, now) * specificity(c.Question))
	return c
}

// rankScore implements the formula documented on Summarise.
func rankScore(rs []*Record, lastSeen, now time.Time) float64 {
	var eng float64
	unatt := 0
	for _, r := range rs {
		eng += math.Max(0, float64(r.Score))
		if r.Unattended {
			unatt++
		}
	}
	n := float64(len(rs))
	age := now.Sub(lastSeen)
	if age < 0 {
		age = 0
	}
	askers := map[string]bool{}
	for _, r := range rs {
		if r.Author != "" {
			askers["a\x00"+r.Source+"\x00"+r.Author] = true
		} else {
			askers["m\x00"+r.Source+"\x00"+r.MentionID+"\x00"+r.Text] = true
		}
	}
	frequency := float64(len(askers))
	recency := math.Pow(0.5, float64(age)/float64(RecencyHalfLife))
	engagement := 1 + math.Log1p(eng/n)
	unattended := 0.5 + float64(unatt)/n
	return round3(frequency * recency * engagement * unattended)
}

// specificity is the share of a self-contained question's content words that q has: 1 from
// three content words on.
func specificity(q string) float64 {
	return math.Min(1, float64(len(features(q)))/3)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func byCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// representative picks the clearest member of a cluster and lists the other
// distinct wordings. Clarity rewards a member whose terms are the ones the
// cluster shares (it says what the others say), a question form (a
// question mark, a question word first), a readable length (6 to 25 words)
// and sentence case; it penalises shouting, links and run-on text.
func representative(rs []*Record) (string, []string) {
	type variant struct {
		text  string
		n     int
		first int
		terms []string
	}
	byKey := map[string]*variant{}
	var vs []*variant
	termDF := map[string]int{}
	for i, r := range rs {
		t := strings.Join(strings.Fields(r.Text), " ")
		if t == "" {
			continue
		}
		k := strings.ToLower(strings.TrimRight(t, "?!. "))
		if v, ok := byKey[k]; ok {
			v.n++
			continue
		}
		v := &variant{text: t, n: 1, first: i, terms: uniq(Terms(t))}
		byKey[k] = v
		vs = append(vs, v)
	}
	for _, v := range vs {
		for _, t := range v.terms {
			termDF[t] += v.n
		}
	}
	if len(vs) == 0 {
		return "", []string{}
	}
	total := float64(len(rs))
	clarity := func(v *variant) float64 {
		var central float64
		for _, t := range v.terms {
			central += float64(termDF[t]) / total
		}
		if len(v.terms) > 0 {
			// Mean share of members using each term, damped so longer
			// questions that cover more shared terms still gain.
			central = central / math.Sqrt(float64(len(v.terms)))
		}
		s := central + 0.1*math.Log(float64(v.n))
		ws := strings.Fields(v.text)
		switch {
		case len(ws) < 4:
			s -= 0.3
		case len(ws) < 6:
			s -= 0.1
		case len(ws) > 40:
			s -= 0.6
		case len(ws) > 25:
			s -= 0.3
		}
		if strings.HasSuffix(v.text, "?") {
			s += 0.3
		}
		if fw := strings.ToLower(strings.Trim(ws[0], ",.:;!?\"'")); whWords.has(chat(fw)) || auxWords.has(chat(fw)) {
			s += 0.15
		}
		if r := []rune(v.text); unicode.IsUpper(r[0]) {
			s += 0.05
		}
		if isShouting(v.text) {
			s -= 0.4
		}
		if strings.Contains(v.text, "http") || strings.Contains(v.text, "www.") {
			s -= 0.2
		}
		return s
	}
	best := vs[0]
	bestScore := clarity(best)
	for _, v := range vs[1:] {
		if s := clarity(v); s > bestScore || s == bestScore && v.text < best.text {
			best, bestScore = v, s
		}
	}
	others := make([]*variant, 0, len(vs)-1)
	for _, v := range vs {
		if v != best {
			others = append(others, v)
		}
	}
	sort.SliceStable(others, func(i, j int) bool {
		if others[i].n != others[j].n {
			return others[i].n > others[j].n
		}
		return others[i].first < others[j].first
	})
	out := make([]string, 0, min(len(others), MaxVariants))
	for _, v := range others {
		if len(out) == MaxVariants {
			break
		}
		out = append(out, v.text)
	}
	return best.text, out
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func isShouting(s string) bool {
	upper, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 8 && upper*10 > letters*7
}

// exampleURLs returns distinct non-empty URLs, most engaged first.
func exampleURLs(rs []*Record) []string {
	sorted := make([]*Record, len(rs))
	copy(sorted, rs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Score > sorted[j].Score })
	seen := map[string]bool{}
	out := []string{}
	for _, r := range sorted {
		if r.URL == "" || seen[r.URL] {
			continue
		}
		seen[r.URL] = true
		out = append(out, r.URL)
		if len(out) == MaxURLs {
			break
		}
	}
	return out
}
