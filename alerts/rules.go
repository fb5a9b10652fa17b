package alerts

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/overhear/overhear/analysis"
)

// record is what the rules need of one stored mention of a brand.
type record struct {
	at                        time.Time
	sent                      analysis.Sentiment // toward the brand
	source, community, author string
	// r is the whole mention, kept only for the recent part of the scan that rules show.
	r *analysis.Result
}

// clockSkew is how far in the future a mention's time may be and still count as current.
const clockSkew = 5 * time.Minute

// brandData is one brand's mentions over the longest lookback its rules need, oldest first.
type brandData struct {
	brand string
	now   time.Time
	recs  []record
	// voices counts, per source, community and author, the mention times (oldest first), built
	// on first use by high_impact.
	voices map[string][]time.Time
}

// loadBrand reads a brand's mentions since now−lookback in one pass; mentions since recent keep
// their full result.
func loadBrand(ctx context.Context, src MentionSource, brand string, now time.Time, lookback, recent time.Duration) (*brandData, error) {
	d := &brandData{brand: brand, now: now}
	keepFrom := now.Add(-recent)
	// Mentions dated a little in the future (clock skew between sources and us) count as now.
	recs, err := readRecords(ctx, src, brand, now.Add(-lookback), now.Add(clockSkew), keepFrom)
	if err != nil {
		return nil, err
	}
	d.recs = recs
	sortByTime(d.recs)
	return d, nil
}

// readRecords reads a brand's mentions created in [since, until), oldest first (the source
// gives newest first); those since keepFrom keep their full result.
func readRecords(ctx context.Context, src MentionSource, brand string, since, until, keepFrom time.Time) ([]record, error) {
	var recs []record
	err := src.Mentions(ctx, brand, since, until, func(r *analysis.Result) error {
		rec := record{at: r.CreatedAt, sent: brandSentiment(r, brand), source: r.Source, community: r.Community, author: r.Author}
		if !r.CreatedAt.Before(keepFrom) {
			rec.r = r
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: read mentions of %s: %w", brand, err)
	}
	slices.Reverse(recs)
	return recs, nil
}

// brandCache keeps, between evaluations, the records of one brand's past days, each with the
// source's version of that day when it was read. A kept record takes 32 bytes: its strings
// are numbers in a table shared by the brand's days.
type brandCache struct {
	days  map[int64]cachedDay
	names []string
	index map[string]uint32
}

type cachedDay struct {
	version [2]uint64
	recs    []keptRecord // oldest first
}

type keptRecord struct {
	at                               int64 // Unix nanoseconds
	score                            float64
	source, community, author, label uint32 // in brandCache.names
}

func (c *brandCache) name(s string) uint32 {
	if i, ok := c.index[s]; ok {
		return i
	}
	i := uint32(len(c.names))
	s = strings.Clone(s) // not the stored value the result's strings point into
	c.names = append(c.names, s)
	c.index[s] = i
	return i
}

// unscoredLabel is the label kept in the cache for a mention the model did not score, so a
// kept record stays 32 bytes and still tells unscored from neutral.
const unscoredLabel = "\x00unscored"

func (c *brandCache) keep(r record) keptRecord {
	label := r.sent.Label
	if r.sent.Unscored {
		label = unscoredLabel
	}
	return keptRecord{at: r.at.UnixNano(), score: r.sent.Score,
		source: c.name(r.source), community: c.name(r.community), author: c.name(r.author), label: c.name(label)}
}

func (c *brandCache) record(k keptRecord) record {
	sent := analysis.Sentiment{Label: c.names[k.label], Score: k.score}
	if sent.Label == unscoredLabel {
		sent = analysis.Sentiment{Label: analysis.Neutral, Score: k.score, Unscored: true}
	}
	return record{at: time.Unix(0, k.at).UTC(), sent: sent,
		source: c.names[k.source], community: c.names[k.community], author: c.names[k.author]}
}

// forget drops the days outside [first, end) and, when it dropped any, rebuilds the string
// table from the days kept, so authors and communities of forgotten days are let go.
func (c *brandCache) forget(first, end int64) {
	dropped := false
	for day := range c.days {
		if day < first || day >= end {
			delete(c.days, day)
			dropped = true
		}
	}
	if !dropped {
		return
	}
	old := c.names
	c.names, c.index = nil, map[string]uint32{}
	for _, cd := range c.days {
		for i := range cd.recs {
			k := &cd.recs[i]
			k.source, k.community, k.author, k.label = c.name(old[k.source]), c.name(old[k.community]), c.name(old[k.author]), c.name(old[k.label])
		}
	}
}

// loadBrandCached is loadBrand for a source with day versions: whole UTC days before the
// recent window come from the cache unless their version changed; the rest is read as
// loadBrand reads it. The records, and so every rule's result, are the same.
func loadBrandCached(ctx context.Context, src MentionSource, dv DayVersions, cache *brandCache, brand string, now time.Time, lookback, recent time.Duration) (*brandData, error) {
	d := &brandData{brand: brand, now: now}
	since, until, keepFrom := now.Add(-lookback), now.Add(clockSkew), now.Add(-recent)
	// Days wholly before the recent window's day (and before today) are cacheable.
	freshFrom := min(utcDay(keepFrom), utcDay(now))
	first := utcDay(since)
	if cache.days == nil {
		cache.days, cache.index = map[int64]cachedDay{}, map[string]uint32{}
	}
	total := 0
	for day := first; day < freshFrom; day++ {
		start := time.Unix(day*86400, 0).UTC()
		v := dv.DayVersion(start)
		cd, ok := cache.days[day]
		if !ok || cd.version != v {
			recs, err := readRecords(ctx, src, brand, start, start.Add(24*time.Hour), keepFrom)
			if err != nil {
				return nil, err
			}
			cd = cachedDay{version: v, recs: make([]keptRecord, len(recs))}
			for i, r := range recs {
				cd.recs[i] = cache.keep(r)
			}
			cache.days[day] = cd
		}
		total += len(cd.recs)
	}
	d.recs = make([]record, 0, total+total/16)
	sinceNano := since.UnixNano()
	for day := first; day < freshFrom; day++ {
		for _, k := range cache.days[day].recs {
			if k.at >= sinceNano {
				d.recs = append(d.recs, cache.record(k))
			}
		}
	}
	cache.forget(first, freshFrom)
	restFrom := time.Unix(freshFrom*86400, 0).UTC()
	if since.After(restFrom) {
		restFrom = since
	}
	rest, err := readRecords(ctx, src, brand, restFrom, until, keepFrom)
	if err != nil {
		return nil, err
	}
	d.recs = append(d.recs, rest...)
	sortByTime(d.recs)
	return d, nil
}

// sortByTime puts records in time order, keeping the order of equal times; the store's
// records come in order already, which is checked first.
func sortByTime(recs []record) {
	less := func(i, j int) bool { return recs[i].at.Before(recs[j].at) }
	if !sort.SliceIsSorted(recs, less) {
		sort.SliceStable(recs, less)
	}
}

func utcDay(t time.Time) int64 { return int64(math.Floor(float64(t.Unix()) / 86400)) }

// between returns the records created in [from, to); to may be zero for no bound.
func (d *brandData) between(from, to time.Time) []record {
	i := sort.Search(len(d.recs), func(i int) bool { return !d.recs[i].at.Before(from) })
	j := len(d.recs)
	if !to.IsZero() {
		j = sort.Search(len(d.recs), func(i int) bool { return !d.recs[i].at.Before(to) })
	}
	if i >= j {
		return nil
	}
	return d.recs[i:j]
}

// count returns how many records were created in [from, to).
func (d *brandData) count(from, to time.Time) int { return len(d.between(from, to)) }

// oldest is the time of the earliest record, or zero.
func (d *brandData) oldest() time.Time {
	if len(d.recs) == 0 {
		return time.Time{}
	}
	return d.recs[0].at
}

func brandSentiment(r *analysis.Result, brand string) analysis.Sentiment {
	for _, b := range r.Brands {
		if b.Name == brand {
			return b.Sentiment
		}
	}
	return r.Sentiment
}

func brandUnattended(r *analysis.Result, brand string) bool {
	for _, b := range r.Brands {
		if b.Name == brand {
			return b.Unattended
		}
	}
	return r.Unattended
}

// event is one thing a rule found: a mention (per-mention rules) or a window (aggregate
// rules). Events with the same rule and brand are grouped into one message.
type event struct {
	key string
	// rank orders events within a group, most significant first.
	rank  float64
	alert Alert
}

// lookback is how far back a rule reads mentions.
func (r *RuleConfig) lookback() time.Duration {
	switch r.Type {
	case NegativeSwing, VolumeSpike, NewCommunity:
		return r.Window.D() + r.Baseline.D()
	case HighImpact:
		if *r.Voices {
			return r.Window.D() + r.Baseline.D()
		}
	default:
		if t, ok := LookupRuleType(r.Type); ok && t.Lookback != nil {
			return max(t.Lookback(r), r.Window.D())
		}
	}
	return r.Window.D()
}

// evaluate runs a rule over one brand's data.
func (r *RuleConfig) evaluate(d *brandData) []event {
	switch r.Type {
	case NegativeSwing:
		return r.negativeSwing(d)
	case VolumeSpike:
		return r.volumeSpike(d)
	case UnattendedQuestion:
		return r.unattendedQuestion(d)
	case HighImpact:
		return r.highImpact(d)
	case NewCommunity:
		return r.newCommunity(d)
	}
	return r.registeredEvents(d)
}

func (r *RuleConfig) eventKey(brand string, parts ...string) string {
	return r.Name + "/" + brand + "/" + strings.Join(parts, "/")
}

// bucket names the window an aggregate alert belongs to, so an ongoing swing or spike is one
// event per window length.
func bucket(now time.Time, window time.Duration) string {
	return now.UTC().Truncate(window).Format("2006-01-02T15:04Z")
}

func (r *RuleConfig) newAlert(brand, title, summary string, now time.Time) Alert {
	return Alert{Rule: r.Name, Type: r.Type, Brand: brand, Title: title, Summary: summary, At: now}
}

// negativeSwing: the share of negative mentions (or the mean sentiment) in the window departs
// from the brand's own baseline (see baseline.go). Only scored mentions take part: a mention in
// a language the model does not read is neither negative nor neutral, so it is left out of the
// share, the mean and min_volume, which bounds the mentions the share is computed over.
func (r *RuleConfig) negativeSwing(d *brandData) []event {
	w, b := r.Window.D(), r.Baseline.D()
	start := d.now.Add(-w)
	cur := d.between(start, time.Time{})
	base := d.between(start.Add(-b), start)
	curScores, baseScores := scores(cur), scores(base)
	n, n0 := len(curScores), len(baseScores)
	if n < r.MinVolume || n0 < r.MinVolume {
		return nil
	}
	neg, negBase := countLabel(cur, analysis.Negative), countLabel(base, analysis.Negative)
	mean, _ := meanStd(curScores)
	mean0, std0 := meanStd(baseScores)
	p, p0 := float64(neg)/float64(n), float64(negBase)/float64(n0)
	var fire bool
	var summary string
	if r.Measure == MeasureMeanSentiment {
		drop := mean0 - mean
		fire = drop >= r.Threshold && drop >= 2*math.Max(std0, 0.05)/math.Sqrt(float64(n))
		summary = fmt.Sprintf("Mean sentiment toward %s over the last %s is %+.2f across %d mentions, against %+.2f in the %s before (a drop of %.2f).",
			d.brand, human(w), mean, n, mean0, human(b), drop)
	} else {
		rise := p - p0
		fire = rise >= r.Threshold && rise >= 2*shareStdErr(p0, n)
		summary = fmt.Sprintf("%s of the %d mentions of %s in the last %s are negative, against %s in the %s before (%+.0f points).",
			pct(p), n, d.brand, human(w), pct(p0), human(b), 100*rise)
	}
	if !fire {
		return nil
	}
	unscored := len(cur) - n
	if unscored > 0 {
		summary += fmt.Sprintf(" %d more in the window are not in English and not scored.", unscored)
	}
	a := r.newAlert(d.brand, "Negative swing: "+d.brand, summary, d.now)
	a.Fields = []Field{
		{"Negative share", fmt.Sprintf("%s (%d of %d, last %s)", pct(p), neg, n, human(w))},
		{"Baseline", fmt.Sprintf("%s (%d of %d, %s before)", pct(p0), negBase, n0, human(b))},
		{"Mean sentiment", fmt.Sprintf("%+.2f (baseline %+.2f)", mean, mean0)},
	}
	if unscored > 0 {
		a.Fields = append(a.Fields, Field{"Not scored", fmt.Sprintf("%d of %d mentions in the last %s (not in English)", unscored, len(cur), human(w))})
	}
	if top := topCommunities(filterLabel(cur, analysis.Negative), 3); top != "" {
		a.Fields = append(a.Fields, Field{"Where (negative)", top})
	}
	negatives := filterLabel(cur, analysis.Negative)
	a.Examples = examples(negatives, d.brand, r.MaxExamples)
	a.More = len(negatives) - len(a.Examples)
	return []event{{key: r.eventKey(d.brand, bucket(d.now, w)), rank: p - p0, alert: a}}
}

// volumeSpike: mentions in the window far above the seasonal baseline (see baseline.go).
func (r *RuleConfig) volumeSpike(d *brandData) []event {
	w := r.Window.D()
	cur := d.between(d.now.Add(-w), time.Time{})
	if len(cur) < r.MinVolume {
		return nil
	}
	var period time.Duration
	var usual string
	switch r.Seasonality {
	case SeasonalityWeekly:
		period, usual = 7*24*time.Hour, "at this hour of the week"
	case SeasonalityNone:
		period, usual = w, "per "+human(w)
	default:
		period, usual = 24*time.Hour, "at this time of day"
	}
	oldest := d.oldest()
	var samples []float64
	for k := 1; time.Duration(k)*period+w <= r.Window.D()+r.Baseline.D(); k++ {
		end := d.now.Add(-time.Duration(k) * period)
		start := end.Add(-w)
		if start.Before(oldest) {
			// Before the brand's first stored mention: no data, not zero mentions.
			break
		}
		samples = append(samples, float64(d.count(start, end)))
	}
	if len(samples) < minSamples {
		return nil
	}
	med := median(samples)
	sigma := robustSigma(samples, med)
	n := float64(len(cur))
	z := (n - med) / sigma
	if z < r.Threshold || n < r.MinRatio*med {
		return nil
	}
	ratio := "no mentions usually"
	if med > 0 {
		ratio = fmt.Sprintf("%.1f× the usual", n/med)
	}
	a := r.newAlert(d.brand, "Volume spike: "+d.brand,
		fmt.Sprintf("%d mentions of %s in the last %s, against a usual %s %s (median of %d %s; %s).",
			len(cur), d.brand, human(w), trimFloat(med), usual, len(samples), periodName(period, w), ratio), d.now)
	// Every mention counts toward the spike; the negative share is of the scored ones.
	neg, scored := countLabel(cur, analysis.Negative), countScored(cur)
	negative := fmt.Sprintf("%d (%s)", neg, pct(float64(neg)/n))
	switch {
	case scored == 0:
		negative = fmt.Sprintf("none scored (%d not in English)", len(cur))
	case scored < len(cur):
		negative = fmt.Sprintf("%d (%s of %d scored; %d not in English, not scored)", neg, pct(float64(neg)/float64(scored)), scored, len(cur)-scored)
	}
	a.Fields = []Field{
		{"Mentions", fmt.Sprintf("%d in the last %s", len(cur), human(w))},
		{"Usual", fmt.Sprintf("%s (median), spread %.1f, robust z %.1f", trimFloat(med), sigma, z)},
		{"Negative", negative},
	}
	if top := topCommunities(cur, 3); top != "" {
		a.Fields = append(a.Fields, Field{"Where", top})
	}
	a.Examples = examples(cur, d.brand, r.MaxExamples)
	a.More = len(cur) - len(a.Examples)
	return []event{{key: r.eventKey(d.brand, bucket(d.now, w)), rank: z, alert: a}}
}

func periodName(period, w time.Duration) string {
	switch period {
	case 24 * time.Hour:
		return "days"
	case 7 * 24 * time.Hour:
		return "weeks"
	}
	return human(w) + " windows"
}

// unattendedQuestion: a question about the brand in a thread none of its accounts joined,
// still unattended after the delay.
func (r *RuleConfig) unattendedQuestion(d *brandData) []event {
	var out []event
	for _, rec := range d.between(d.now.Add(-r.Window.D()), d.now.Add(-r.Delay.D())) {
		m := rec.r
		if m == nil || !m.Question || !brandUnattended(m, d.brand) || m.Score < *r.MinEngagement {
			continue
		}
		ex := exampleOf(m, d.brand)
		if len(m.Questions) > 0 {
			ex.Text = strings.Join(m.Questions, " ")
		}
		age := d.now.Sub(m.CreatedAt)
		a := r.newAlert(d.brand, "Unattended question: "+d.brand,
			fmt.Sprintf("Asked in %s %s ago, and none of %s's accounts has joined the thread.", where(m.Source, m.Community), human(age.Truncate(time.Minute)), d.brand), d.now)
		a.Examples = []Example{ex}
		out = append(out, event{key: r.eventKey(d.brand, m.Source, m.ID), rank: float64(m.Score) + age.Hours()/1e3, alert: a})
	}
	return out
}

// highImpact: a mention (negative by default) whose engagement crosses the threshold, or by a
// recurring voice of its community. A mention the model did not score has no sentiment: it
// passes only `sentiment: any`. As a prior mention of a recurring voice it counts like any.
func (r *RuleConfig) highImpact(d *brandData) []event {
	var out []event
	for _, rec := range d.between(d.now.Add(-r.Window.D()), time.Time{}) {
		m := rec.r
		if m == nil || (r.Sentiment != SentimentAny && (rec.sent.Unscored || rec.sent.Label != r.Sentiment)) {
			continue
		}
		// min_engagement 0 is no engagement condition (sources without scores): voices only.
		engaged := *r.MinEngagement > 0 && m.Score >= *r.MinEngagement
		prior := 0
		if *r.Voices {
			prior = d.priorMentions(rec, r.Baseline.D())
		}
		voice := *r.Voices && prior >= r.VoiceMinMentions
		if !engaged && !voice {
			continue
		}
		ex := exampleOf(m, d.brand)
		kind := "mention"
		if r.Sentiment != SentimentAny {
			kind = r.Sentiment + " mention"
		}
		var why []string
		if engaged {
			why = append(why, fmt.Sprintf("has a score of %d (threshold %d)", m.Score, *r.MinEngagement))
		}
		if voice {
			ex.Note = fmt.Sprintf("recurring voice: %d earlier mentions here in %s", prior, human(r.Baseline.D()))
			why = append(why, fmt.Sprintf("is by %s, a recurring voice there (%d earlier mentions of %s in %s)", m.Author, prior, d.brand, human(r.Baseline.D())))
		}
		a := r.newAlert(d.brand, "High-impact "+kind+": "+d.brand,
			fmt.Sprintf("A %s of %s in %s %s.", kind, d.brand, where(m.Source, m.Community), strings.Join(why, " and ")), d.now)
		a.Examples = []Example{ex}
		rank := float64(m.Score)
		if voice {
			rank += 1e6 // a regular's complaint outranks a stranger's upvotes
		}
		out = append(out, event{key: r.eventKey(d.brand, m.Source, m.ID), rank: rank, alert: a})
	}
	return out
}

// priorMentions counts the author's earlier mentions of the brand in the same community
// within the baseline before rec.
func (d *brandData) priorMentions(rec record, baseline time.Duration) int {
	if rec.author == "" || rec.author == "[deleted]" || rec.community == "" {
		return 0
	}
	if d.voices == nil {
		d.voices = map[string][]time.Time{}
		for _, x := range d.recs {
			if x.author != "" {
				k := x.source + "\x00" + x.community + "\x00" + x.author
				d.voices[k] = append(d.voices[k], x.at)
			}
		}
	}
	times := d.voices[rec.source+"\x00"+rec.community+"\x00"+rec.author]
	from := rec.at.Add(-baseline)
	n := 0
	for _, t := range times {
		if !t.Before(from) && t.Before(rec.at) {
			n++
		}
	}
	return n
}

// newCommunity: the brand is discussed in a community where it had no mentions during the
// baseline, once the store holds enough of the brand's history to tell.
func (r *RuleConfig) newCommunity(d *brandData) []event {
	start := d.now.Add(-r.Window.D())
	oldest := d.oldest()
	if oldest.IsZero() || oldest.After(start.Add(-r.MinHistory.D())) {
		return nil
	}
	seenBefore := map[string]bool{}
	for _, rec := range d.between(start.Add(-r.Baseline.D()), start) {
		seenBefore[rec.source+"\x00"+rec.community] = true
	}
	fresh := map[string][]record{}
	var order []string
	for _, rec := range d.between(start, time.Time{}) {
		k := rec.source + "\x00" + rec.community
		if rec.community == "" || seenBefore[k] {
			continue
		}
		if fresh[k] == nil {
			order = append(order, k)
		}
		fresh[k] = append(fresh[k], rec)
	}
	var out []event
	for _, k := range order {
		recs := fresh[k]
		if len(recs) < r.MinMentions {
			continue
		}
		src, comm := recs[0].source, recs[0].community
		times := "once"
		if len(recs) > 1 {
			times = fmt.Sprintf("%d times", len(recs))
		}
		a := r.newAlert(d.brand, "New community: "+d.brand+" in "+CommunityLabel(src, comm),
			fmt.Sprintf("%s was mentioned %s in %s in the last %s, a community where it had no mentions in the %s before.",
				d.brand, times, where(src, comm), human(r.Window.D()), human(r.Baseline.D())), d.now)
		a.Fields = []Field{{"First mention", recs[0].at.UTC().Format("2006-01-02 15:04 UTC")}}
		a.Examples = examples(recs, d.brand, r.MaxExamples)
		a.More = len(recs) - len(a.Examples)
		out = append(out, event{key: r.eventKey(d.brand, src, comm), rank: float64(len(recs)), alert: a})
	}
	return out
}

// group turns the events of one rule and brand into one message: a single event as it is,
// several as a summary with the most significant examples and "and N more".
func (r *RuleConfig) group(brand string, evs []event, now time.Time) Alert {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].rank > evs[j].rank })
	keys := make([]string, len(evs))
	for i, e := range evs {
		keys[i] = e.key
	}
	if len(evs) == 1 {
		a := evs[0].alert
		a.Keys = keys
		return a
	}
	a := r.newAlert(brand, "", "", now)
	a.Keys = keys
	var comms []record
	for _, e := range evs {
		if len(e.alert.Examples) > 0 && len(a.Examples) < r.MaxExamples {
			a.Examples = append(a.Examples, e.alert.Examples[0])
		}
		for _, ex := range e.alert.Examples {
			comms = append(comms, record{source: ex.Source, community: ex.Community})
		}
	}
	a.More = len(evs) - len(a.Examples)
	n := len(evs)
	switch r.Type {
	case UnattendedQuestion:
		a.Title = fmt.Sprintf("%d unattended questions: %s", n, brand)
		a.Summary = fmt.Sprintf("%d questions about %s have waited %s or more in threads none of its accounts joined.", n, brand, human(r.Delay.D()))
	case HighImpact:
		kind := "mentions"
		if r.Sentiment != SentimentAny {
			kind = r.Sentiment + " mentions"
		}
		a.Title = fmt.Sprintf("%d high-impact %s: %s", n, kind, brand)
		a.Summary = fmt.Sprintf("%d %s of %s reached a score of %d or came from recurring voices of their community.", n, kind, brand, *r.MinEngagement)
		if *r.MinEngagement == 0 {
			a.Summary = fmt.Sprintf("%d %s of %s came from recurring voices of their community.", n, kind, brand)
		}
	case NewCommunity:
		names := make([]string, 0, n)
		for _, e := range evs {
			if len(e.alert.Examples) > 0 {
				names = append(names, CommunityLabel(e.alert.Examples[0].Source, e.alert.Examples[0].Community))
			}
		}
		a.Title = fmt.Sprintf("%d new communities: %s", n, brand)
		a.Summary = fmt.Sprintf("%s is being discussed in %d communities where it had no mentions in the %s before: %s.", brand, n, human(r.Baseline.D()), strings.Join(names, ", "))
	case NegativeSwing, VolumeSpike:
		// Aggregate rules produce one event per window; show the latest as it is.
		a = evs[0].alert
		a.Keys = keys
		return a
	default:
		t, ok := LookupRuleType(r.Type)
		if !ok || t.Group == nil {
			a = evs[0].alert
			a.Keys = keys
			a.More += n - 1
			return a
		}
		a.Title, a.Summary = t.Group(r, brand, n)
	}
	if top := topCommunities(comms, 3); top != "" {
		a.Fields = []Field{{"Where", top}}
	}
	return a
}

// countLabel counts the scored records with the label (an unscored record's label is neutral
// but it is not neutral).
func countLabel(recs []record, label string) int {
	n := 0
	for _, r := range recs {
		if r.sent.Label == label && !r.sent.Unscored {
			n++
		}
	}
	return n
}

// countScored counts the records whose sentiment the model scored.
func countScored(recs []record) int {
	n := 0
	for _, r := range recs {
		if !r.sent.Unscored {
			n++
		}
	}
	return n
}

func filterLabel(recs []record, label string) []record {
	var out []record
	for _, r := range recs {
		if r.sent.Label == label && !r.sent.Unscored {
			out = append(out, r)
		}
	}
	return out
}

// scores returns the scores of the scored records.
func scores(recs []record) []float64 {
	out := make([]float64, 0, len(recs))
	for _, r := range recs {
		if !r.sent.Unscored {
			out = append(out, r.sent.Score)
		}
	}
	return out
}

// topCommunities names the n communities with the most records: "r/ollama 12, lobsters 3".
func topCommunities(recs []record, n int) string {
	counts := map[string]int{}
	labels := map[string]string{}
	for _, r := range recs {
		if r.community == "" {
			continue
		}
		k := r.source + "\x00" + r.community
		counts[k]++
		labels[k] = CommunityLabel(r.source, r.community)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for i, k := range keys {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", labels[k], counts[k]))
	}
	return strings.Join(parts, ", ")
}

// examples picks the n most engaged records that have their full mention, newest first on ties.
func examples(recs []record, brand string, n int) []Example {
	var full []*analysis.Result
	for _, r := range recs {
		if r.r != nil {
			full = append(full, r.r)
		}
	}
	sort.SliceStable(full, func(i, j int) bool {
		if full[i].Score != full[j].Score {
			return full[i].Score > full[j].Score
		}
		return full[i].CreatedAt.After(full[j].CreatedAt)
	})
	if len(full) > n {
		full = full[:n]
	}
	out := make([]Example, len(full))
	for i, m := range full {
		out[i] = exampleOf(m, brand)
	}
	return out
}

// maxExampleText bounds the text kept per example in the outbox; sinks cut further.
const maxExampleText = 600

func exampleOf(m *analysis.Result, brand string) Example {
	s := brandSentiment(m, brand)
	ex := Example{
		Source: m.Source, ID: m.ID, Community: m.Community, Author: m.Author,
		Title: oneLine(m.Title, 300), Text: oneLine(m.Text, maxExampleText), URL: m.URL,
		CreatedAt: m.CreatedAt.UTC(), Score: m.Score,
	}
	if s.Unscored {
		ex.Unscored = true // not "neutral": the model does not read the mention's language
	} else {
		ex.Sentiment, ex.SentimentScore = s.Label, math.Round(s.Score*100)/100
	}
	return ex
}

func where(source, community string) string {
	if community == "" {
		return source
	}
	return CommunityLabel(source, community)
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

func trimFloat(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

// human formats a duration briefly: 45m, 3h, 2d, 1h30m.
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "0m"
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d < time.Hour:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
}
