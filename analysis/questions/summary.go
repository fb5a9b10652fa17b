package questions

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Record is one detected question as stored by the pipeline: one question sentence of one
// mention. Several records with the same Source and MentionID are one post (one ask), however
// many of its sentences land in the same cluster.
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

// Cluster summarises one recurring question for export. Counts are of posts (mentions), not
// of question sentences: a post whose title and body ask the same thing, or whose several
// sentences land in one cluster, is one ask.
type Cluster struct {
	Rank            int       `json:"rank"`             // 1 = most worth answering
	Score           float64   `json:"score"`            // rank score, see Summarise
	ID              string    `json:"id"`               // cluster ID
	Question        string    `json:"question"`         // representative question: the clearest member
	Variants        []string  `json:"variants"`         // other distinct wordings, asked in most posts first (at most MaxVariants)
	Count           int       `json:"count"`            // distinct posts asking it (same as Posts; was question sentences before)
	Posts           int       `json:"posts"`            // distinct posts (mentions) asking it
	Questions       int       `json:"questions"`        // question sentences in those posts (Posts or more)
	Authors         int       `json:"authors"`          // distinct authors of those posts
	Communities     []string  `json:"communities"`      // distinct communities, most posts first
	Sources         []string  `json:"sources"`          // distinct sources, sorted
	Brands          []string  `json:"brands"`           // brands the posts mention, sorted
	Topics          []string  `json:"topics"`           // topics the posts match, sorted
	FirstSeen       time.Time `json:"first_seen"`       // earliest CreatedAt
	LastSeen        time.Time `json:"last_seen"`        // latest CreatedAt
	TotalEngagement int       `json:"total_engagement"` // sum of the posts' Score, each post once
	AvgEngagement   float64   `json:"avg_engagement"`   // TotalEngagement / Posts
	Unattended      int       `json:"unattended"`       // posts in threads no brand account joined
	UnattendedShare float64   `json:"unattended_share"` // Unattended / Posts
	AnsweredShare   float64   `json:"answered_share"`   // 1 - UnattendedShare
	AvgSentiment    float64   `json:"avg_sentiment"`    // mean Sentiment of the posts, -1..1
	AsksLast30d     int       `json:"asks_last_30d"`    // posts asking it in the TrendWindow up to now
	AsksPrior30d    int       `json:"asks_prior_30d"`   // posts asking it in the TrendWindow before that
	Rising          bool      `json:"rising"`           // Trend == TrendRising
	Trend           string    `json:"trend"`            // TrendRising, TrendSteady, TrendFalling or TrendQuiet
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

// TrendWindow is the length of the two windows a cluster's trend compares: asks in the last
// TrendWindow (AsksLast30d) against asks in the TrendWindow before it (AsksPrior30d).
const TrendWindow = 30 * 24 * time.Hour

// Trend values. A cluster is rising when it was asked in at least MinRisingAsks posts in the
// last window and in more than in the window before; falling when the window before had at least
// MinRisingAsks asks and the last window fewer; quiet when neither window has an ask; steady
// otherwise (one ask after none is not a trend yet).
const (
	TrendRising   = "rising"
	TrendSteady   = "steady"
	TrendFalling  = "falling"
	TrendQuiet    = "quiet"
	MinRisingAsks = 2
)

// Summarise groups records by Cluster into ranked cluster summaries and keeps the clusters
// asked in at least minCount distinct posts. It is SummariseSince with no lower time bound.
func Summarise(records []Record, now time.Time, minCount int) []Cluster {
	return SummariseSince(records, now, time.Time{}, minCount)
}

// SummariseSince groups records by Cluster into ranked cluster summaries and keeps the
// clusters asked in at least minCount distinct posts since since (zero: any time). Records
// older than since count only towards the trend (AsksLast30d, AsksPrior30d), so the caller
// passes the records of the two trend windows too, whatever the export's own window is. A
// cluster without a record since since is left out, and so are the questions that only
// make sense in their post (IsContextBound).
//
// The rank score is
//
//	score = frequency × recency × engagement × unattended × specificity
//	  frequency  = distinct askers in the cluster (authors; a post without an
//	               author counts as its own asker), so one person repeating
//	               a question, or asking it in several sentences, does not make it recurring
//	  recency    = 0.5^(age / 30 days), age = now − newest question (0 if in the future)
//	  engagement = 1 + ln(1 + average engagement per post), engagement = max(Score, 0)
//	  unattended = 0.5 + share of posts in threads no brand account joined
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
// much as answered ones. Every average is over posts, so a post with three question
// sentences weighs as much as a post with one. The trend does not change the score. Ties go
// to the cluster asked in more posts, then by more authors, then the smaller ID.
func SummariseSince(records []Record, now, since time.Time, minCount int) []Cluster {
	inWindow := map[string][]*Record{}
	trendOnly := map[string][]*Record{}
	var ids []string
	for i := range records {
		r := &records[i]
		if IsContextBound(r.Cluster) {
			continue // only makes sense in its post: never a recurring question
		}
		if !since.IsZero() && r.CreatedAt.Before(since) {
			trendOnly[r.Cluster] = append(trendOnly[r.Cluster], r)
			continue
		}
		if inWindow[r.Cluster] == nil {
			ids = append(ids, r.Cluster)
		}
		inWindow[r.Cluster] = append(inWindow[r.Cluster], r)
	}
	var out []Cluster
	for _, id := range ids {
		rs := inWindow[id]
		ps := groupPosts(rs)
		if len(ps) < minCount {
			continue
		}
		c := summariseOne(id, rs, ps, now)
		c.AsksLast30d, c.AsksPrior30d = asksInTrendWindows(append(ps, groupPosts(trendOnly[id])...), now)
		c.Trend = trend(c.AsksLast30d, c.AsksPrior30d)
		c.Rising = c.Trend == TrendRising
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Posts != b.Posts {
			return a.Posts > b.Posts
		}
		if a.Authors != b.Authors {
			return a.Authors > b.Authors
		}
		return a.ID < b.ID
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// post is one mention asking a cluster's question, with the records (sentences) it gave.
type post struct {
	key     string
	records []*Record
}

// first is the record that stands for the post: its mention fields are the same on every record.
func (p *post) first() *Record { return p.records[0] }

// askerKey identifies who asked: the author at the source, or the post itself when it has no
// author.
func (p *post) askerKey() string {
	r := p.first()
	if r.Author != "" {
		return "a\x00" + r.Source + "\x00" + r.Author
	}
	return "p\x00" + p.key
}

// groupPosts groups records into posts by (Source, MentionID), in order of first appearance.
// A record without a MentionID is a post of its own.
func groupPosts(rs []*Record) []*post {
	byKey := map[string]*post{}
	var out []*post
	for i, r := range rs {
		key := "m\x00" + r.Source + "\x00" + r.MentionID
		if r.MentionID == "" {
			key = "r\x00" + strconv.Itoa(i)
		}
		p, ok := byKey[key]
		if !ok {
			p = &post{key: key}
			byKey[key] = p
			out = append(out, p)
		}
		p.records = append(p.records, r)
	}
	return out
}

// asksInTrendWindows counts the posts asked in the TrendWindow up to now (a post dated after
// now counts there too) and in the TrendWindow before it.
func asksInTrendWindows(ps []*post, now time.Time) (last, prior int) {
	lastStart, priorStart := now.Add(-TrendWindow), now.Add(-2*TrendWindow)
	for _, p := range ps {
		t := p.first().CreatedAt
		switch {
		case t.After(lastStart):
			last++
		case t.After(priorStart):
			prior++
		}
	}
	return last, prior
}

// trend classifies the asks of the last window against the window before, as documented on
// the Trend constants.
func trend(last, prior int) string {
	switch {
	case last >= MinRisingAsks && last > prior:
		return TrendRising
	case prior >= MinRisingAsks && last < prior:
		return TrendFalling
	case last == 0 && prior == 0:
		return TrendQuiet
	}
	return TrendSteady
}

func summariseOne(id string, rs []*Record, ps []*post, now time.Time) Cluster {
	c := Cluster{ID: id, Posts: len(ps), Count: len(ps), Questions: len(rs),
		FirstSeen: rs[0].CreatedAt.UTC(), LastSeen: rs[0].CreatedAt.UTC()}
	for _, r := range rs {
		t := r.CreatedAt.UTC()
		if t.Before(c.FirstSeen) {
			c.FirstSeen = t
		}
		if t.After(c.LastSeen) {
			c.LastSeen = t
		}
	}
	authors := map[string]bool{}
	communities := map[string]int{}
	sources, brands, topics := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var sentiment float64
	for _, p := range ps {
		r := p.first()
		if r.Author != "" {
			authors[r.Source+"\x00"+r.Author] = true
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
		c.TotalEngagement += r.Score
		if r.Unattended {
			c.Unattended++
		}
		sentiment += math.Max(-1, math.Min(1, r.Sentiment))
	}
	n := float64(len(ps))
	c.Authors = len(authors)
	c.Communities = byCount(communities)
	c.Sources, c.Brands, c.Topics = sortedKeys(sources), sortedKeys(brands), sortedKeys(topics)
	c.AvgEngagement = round3(float64(c.TotalEngagement) / n)
	c.UnattendedShare = round3(float64(c.Unattended) / n)
	c.AnsweredShare = round3(1 - float64(c.Unattended)/n)
	c.AvgSentiment = round3(sentiment / n)
	c.Question, c.Variants = representative(ps)
	c.URLs = exampleURLs(ps)
	c.Score = round3(rankScore(ps, c.LastSeen, now) * specificity(c.Question))
	return c
}

// rankScore implements the formula documented on SummariseSince.
func rankScore(ps []*post, lastSeen, now time.Time) float64 {
	var eng float64
	unattended := 0
	askers := map[string]bool{}
	for _, p := range ps {
		r := p.first()
		eng += math.Max(0, float64(r.Score))
		if r.Unattended {
			unattended++
		}
		askers[p.askerKey()] = true
	}
	n := float64(len(ps))
	age := now.Sub(lastSeen)
	if age < 0 {
		age = 0
	}
	frequency := float64(len(askers))
	recency := math.Pow(0.5, float64(age)/float64(RecencyHalfLife))
	engagement := 1 + math.Log1p(eng/n)
	unattendedFactor := 0.5 + float64(unattended)/n
	return round3(frequency * recency * engagement * unattendedFactor)
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
//
// A wording counts once per post that uses it, so a post repeating its title in its body
// does not make that wording look more common.
func representative(ps []*post) (string, []string) {
	type variant struct {
		text     string
		n        int // posts using this wording
		first    int
		lastPost int // index of the last post counted in n
		terms    []string
	}
	byKey := map[string]*variant{}
	var vs []*variant
	termDF := map[string]int{}
	order := 0
	for pi, p := range ps {
		for _, r := range p.records {
			order++
			t := strings.Join(strings.Fields(r.Text), " ")
			if t == "" {
				continue
			}
			k := strings.ToLower(strings.TrimRight(t, "?!. "))
			if v, ok := byKey[k]; ok {
				if v.lastPost != pi {
					v.n++
					v.lastPost = pi
				}
				continue
			}
			v := &variant{text: t, n: 1, first: order, lastPost: pi, terms: uniq(Terms(t))}
			byKey[k] = v
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return "", []string{}
	}
	total := 0.0
	for _, v := range vs {
		total += float64(v.n)
		for _, t := range v.terms {
			termDF[t] += v.n
		}
	}
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

// exampleURLs returns the posts' distinct non-empty URLs, most engaged first.
func exampleURLs(ps []*post) []string {
	sorted := make([]*Record, len(ps))
	for i, p := range ps {
		sorted[i] = p.first()
	}
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
