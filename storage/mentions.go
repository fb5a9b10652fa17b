package storage

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
)

// Participation records that accounts of the named brands posted in a thread.
type Participation struct {
	Source   string
	ThreadID string
	Brands   []string
	At       time.Time
}

// Batch is what one poll (or one chunk of an import) commits in a single transaction, so a
// crash never leaves a cursor ahead of the mentions it covers.
type Batch struct {
	Results       []analysis.Result
	Participation []Participation
	// StateKey and State, when StateKey is set, replace the collector state stored under the key.
	StateKey string
	State    []byte
	// Origin names where the results came from (the collector instance; empty for ingest):
	// a result whose canonical URL is stored from another origin is the same mention arriving
	// again, and is skipped (canonical.go); results of one origin with different ids are not.
	Origin string
	// KV entries are written as given (e.g. the question clusterer's state); a nil value
	// deletes the key.
	KV map[string][]byte
}

type threadEntry struct {
	Brands []string `json:"brands"`
	// Seen is the Unix time of the last participation, for retention.
	Seen int64 `json:"seen"`
}

// Commit stores a batch and returns the results that were new; results already stored (same
// source and id) are skipped, so committing the same batch twice is harmless.
func (db *DB) Commit(ctx context.Context, b Batch) ([]analysis.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage: commit: %w", err)
	}
	var added []analysis.Result
	var days map[int64]struct{}
	// One Update per batch rather than bolt's Batch: callers already group a whole poll, and a
	// failed batch is retried whole, which dedup makes harmless.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		added = added[:0]
		if err := putParticipation(tx, b.Participation); err != nil {
			return err
		}
		w, err := newMentionWriter(tx)
		if err != nil {
			return err
		}
		w.origin = b.Origin
		for i := range b.Results {
			ok, err := w.put(&b.Results[i])
			if err != nil {
				return err
			}
			if ok {
				added = append(added, b.Results[i])
			}
		}
		if err := w.flushCounts(); err != nil {
			return err
		}
		days = w.days
		if b.StateKey != "" {
			st, err := mustBucket(tx, bucketCollectorState)
			if err != nil {
				return err
			}
			if err := st.Put([]byte(b.StateKey), b.State); err != nil {
				return err
			}
		}
		if len(b.KV) > 0 {
			kv, err := mustBucket(tx, bucketKV)
			if err != nil {
				return err
			}
			for k, v := range b.KV {
				if v == nil {
					err = kv.Delete([]byte(k))
				} else {
					err = kv.Put([]byte(k), v)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: commit %d mentions: %w", len(b.Results), err)
	}
	// After the commit is visible, so a gauge never caches a day's old data under its new
	// generation.
	db.gens.touch(days, len(b.Participation) > 0)
	return added, nil
}

type mentionWriter struct {
	tx                                  *bolt.Tx
	mentions, ids, urls, brands, topics *bolt.Bucket
	origin                              string
	counts                              map[string]int64
	// index caches the per-brand and per-topic index buckets of this transaction: looking
	// one up (CreateBucketIfNotExists) for every mention cost a B-tree search each.
	index map[indexName]*bolt.Bucket
	// days collects the UTC days of the added mentions, for the gauges' per-day cache.
	days map[int64]struct{}
}

type indexName struct {
	topic bool
	name  string
}

func newMentionWriter(tx *bolt.Tx) (*mentionWriter, error) {
	w := &mentionWriter{tx: tx, counts: map[string]int64{}, index: map[indexName]*bolt.Bucket{}, days: map[int64]struct{}{}}
	var err error
	if w.mentions, err = mustBucket(tx, bucketMentions); err != nil {
		return nil, err
	}
	if w.ids, err = mustBucket(tx, bucketMentionIDs); err != nil {
		return nil, err
	}
	if w.urls, err = mustBucket(tx, bucketMentionURLs); err != nil {
		return nil, err
	}
	if w.brands, err = mustBucket(tx, bucketBrands); err != nil {
		return nil, err
	}
	if w.topics, err = mustBucket(tx, bucketTopics); err != nil {
		return nil, err
	}
	// Mentions and index entries arrive mostly in time order, so pages are filled fully
	// rather than split in half (bbolt's default, meant for random inserts): half the file
	// size and half the pages written.
	w.mentions.FillPercent = appendFill
	return w, nil
}

func (w *mentionWriter) put(r *analysis.Result) (bool, error) {
	if !validName(r.Source) || r.ID == "" {
		return false, fmt.Errorf("mention %q from %q: source and id are required", r.ID, r.Source)
	}
	idk := idKey(r.Source, r.ID)
	if w.ids.Get(idk) != nil {
		return false, nil
	}
	canon, dup := duplicateURL(w.urls, w.mentions, r, w.origin)
	if dup {
		return false, nil
	}
	key := timeKey(r.CreatedAt, r.Source, r.ID)
	// bbolt keeps the value slice until the transaction commits, so each value is a fresh
	// slice, never a reused buffer.
	if err := w.mentions.Put(key, encodeResult(make([]byte, 0, encodedSizeHint(r)), r)); err != nil {
		return false, err
	}
	w.days[dayOf(key)] = struct{}{}
	if err := w.ids.Put(idk, key); err != nil {
		return false, err
	}
	if canon != nil {
		if err := w.urls.Put(canon, urlEntry(key, w.origin)); err != nil {
			return false, err
		}
	}
	for _, br := range r.Brands {
		if err := w.putIndex(false, br.Name, key); err != nil {
			return false, err
		}
		w.counts["brand:"+br.Name]++
	}
	for _, t := range r.Topics {
		if err := w.putIndex(true, t, key); err != nil {
			return false, err
		}
		w.counts["topic:"+t]++
	}
	w.counts["total"]++
	w.counts["source:"+r.Source]++
	if r.Question {
		w.counts["questions"] += int64(len(r.Questions))
	}
	return true, nil
}

func (w *mentionWriter) putIndex(topic bool, name string, key []byte) error {
	b := w.index[indexName{topic, name}]
	if b == nil {
		if !validName(name) {
			return fmt.Errorf("invalid index name %q", name)
		}
		parent := w.brands
		if topic {
			parent = w.topics
		}
		var err error
		if b, err = parent.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
		b.FillPercent = appendFill
		w.index[indexName{topic, name}] = b
	}
	return b.Put(key, nil)
}

// appendFill is the fill percent of buckets whose keys mostly arrive in ascending order.
const appendFill = 0.95

// encodedSizeHint is about the size of a mention's encoded value, so encodeResult allocates once.
func encodedSizeHint(r *analysis.Result) int {
	n := 64 + len(r.ID) + len(r.Source) + len(r.Community) + len(r.Author) + len(r.Title) + len(r.Text) +
		len(r.URL) + len(r.ThreadID) + len(r.ParentID) + 24*len(r.Brands)
	for _, q := range r.Questions {
		n += len(q) + 2
	}
	for _, s := range r.Topics {
		n += len(s) + 1
	}
	for _, s := range r.QuestionClusters {
		n += len(s) + 1
	}
	return n
}

func (w *mentionWriter) flushCounts() error {
	return addCounts(w.tx, w.counts)
}

func addCounts(tx *bolt.Tx, deltas map[string]int64) error {
	if len(deltas) == 0 {
		return nil
	}
	c, err := mustBucket(tx, bucketCounts)
	if err != nil {
		return err
	}
	for k, d := range deltas {
		v := int64(readU64(c.Get([]byte(k)))) + d
		if v < 0 {
			v = 0
		}
		if err := c.Put([]byte(k), u64(uint64(v))); err != nil {
			return err
		}
	}
	return nil
}

func putParticipation(tx *bolt.Tx, ps []Participation) error {
	if len(ps) == 0 {
		return nil
	}
	th, err := mustBucket(tx, bucketThreads)
	if err != nil {
		return err
	}
	for _, p := range ps {
		k := threadKey(p.Source, p.ThreadID)
		var e threadEntry
		if v := th.Get(k); v != nil {
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("thread %q: %w", k, err)
			}
		}
		for _, b := range p.Brands {
			if !contains(e.Brands, b) {
				e.Brands = append(e.Brands, b)
			}
		}
		if s := p.At.Unix(); s > e.Seen {
			e.Seen = s
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := th.Put(k, v); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ThreadBrands returns the brands whose accounts posted in a thread.
func (db *DB) ThreadBrands(ctx context.Context, source, threadID string) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		out = threadBrands(tx, source, threadID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: thread %s/%s: %w", source, threadID, err)
	}
	return out, nil
}

func threadBrands(tx *bolt.Tx, source, threadID string) []string {
	v := getBucketValue(tx, threadKey(source, threadID), bucketV1, bucketThreads)
	if v == nil {
		return nil
	}
	var e threadEntry
	if json.Unmarshal(v, &e) != nil {
		return nil
	}
	return e.Brands
}

// Filter selects mentions. Zero values select everything.
type Filter struct {
	Brand, Topic, Source, Community string
	// Unattended and Question, when non-nil, require that value.
	Unattended, Question *bool
	// Sentiment, when set, requires that label ("positive", "neutral", "negative") of a scored
	// mention, or "unscored" for a mention the model did not score. With Brand it is the
	// sentiment toward that brand, otherwise the whole text's.
	Sentiment string
	// Since and Until bound created_at: Since ≤ t < Until.
	Since, Until time.Time
	// Limit caps the page (default 100, max 1000; internal callers may pass -1 for no cap).
	Limit int
	// Cursor continues a previous page (the Next it returned).
	Cursor string
}

// Page is one page of mentions, newest first.
type Page struct {
	Mentions []analysis.Result `json:"mentions"`
	// Next is the cursor of the following page, or "" at the end.
	Next string `json:"next"`
}

// MaxLimit is the largest page Mentions returns to API callers.
const MaxLimit = 1000

// Mentions returns matching mentions, newest first. Unattended flags reflect the thread
// participation known now, not when the mention was stored.
func (db *DB) Mentions(ctx context.Context, f Filter) (Page, error) {
	page := Page{Mentions: []analysis.Result{}}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit > MaxLimit:
		limit = MaxLimit
	case limit < 0:
		limit = int(^uint(0) >> 1)
	}
	var start []byte
	if f.Cursor != "" {
		c, err := hex.DecodeString(f.Cursor)
		if err != nil || len(c) < 8 {
			return page, fmt.Errorf("storage: invalid cursor %q", f.Cursor)
		}
		start = c
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		mentions, err := mustBucket(tx, bucketMentions)
		if err != nil {
			return err
		}
		index := mentions
		switch {
		case f.Brand != "":
			index = getBucket(tx, bucketV1, bucketBrands, []byte(f.Brand))
		case f.Topic != "":
			index = getBucket(tx, bucketV1, bucketTopics, []byte(f.Topic))
		}
		if index == nil {
			return nil
		}
		c := index.Cursor()
		var k, v []byte
		switch {
		case start != nil:
			// The cursor is the last key returned: continue strictly before it.
			k, _ = c.Seek(start)
			if k != nil && bytes.Equal(k, start) {
				k, v = c.Prev()
			} else if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		case !f.Until.IsZero():
			k, _ = c.Seek(timePrefix(f.Until))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		default:
			k, v = c.Last()
		}
		since := timePrefix(f.Since)
		for n := 0; k != nil; k, v = c.Prev() {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			n++
			if !f.Since.IsZero() && bytes.Compare(k[:8], since) < 0 {
				break
			}
			if !f.Until.IsZero() && !keyTime(k).Before(f.Until) {
				continue
			}
			if index != mentions {
				v = mentions.Get(k)
				if v == nil {
					continue
				}
			}
			var r analysis.Result
			if err := decodeResult(v, &r); err != nil {
				return fmt.Errorf("decode mention %x: %w", k, err)
			}
			refreshAbsence(tx, &r)
			if !f.matches(&r) {
				continue
			}
			if len(page.Mentions) == limit {
				page.Next = hex.EncodeToString(lastKey(page.Mentions))
				return nil
			}
			page.Mentions = append(page.Mentions, r)
		}
		return nil
	})
	if err != nil {
		return Page{Mentions: []analysis.Result{}}, fmt.Errorf("storage: mentions: %w", err)
	}
	return page, nil
}

func lastKey(rs []analysis.Result) []byte {
	r := rs[len(rs)-1]
	return timeKey(r.CreatedAt, r.Source, r.ID)
}

func (f *Filter) matches(r *analysis.Result) bool {
	if f.Source != "" && r.Source != f.Source {
		return false
	}
	if f.Community != "" && r.Community != f.Community {
		return false
	}
	if f.Question != nil && r.Question != *f.Question {
		return false
	}
	if f.Brand != "" && f.Topic != "" && !contains(r.Topics, f.Topic) {
		return false
	}
	if f.Sentiment != "" {
		s := r.Sentiment
		if f.Brand != "" {
			for _, b := range r.Brands {
				if b.Name == f.Brand {
					s = b.Sentiment
				}
			}
		}
		switch {
		case f.Sentiment == analysis.SentimentUnscored:
			if !s.Unscored {
				return false
			}
		case s.Unscored || s.Label != f.Sentiment:
			return false
		}
	}
	if f.Unattended != nil {
		u := r.Unattended
		if f.Brand != "" {
			for _, b := range r.Brands {
				if b.Name == f.Brand {
					u = b.Unattended
				}
			}
		}
		if u != *f.Unattended {
			return false
		}
	}
	return true
}

// refreshAbsence recomputes Unattended from the thread participation known now: a brand
// account may have joined the thread after the mention was stored.
func refreshAbsence(tx *bolt.Tx, r *analysis.Result) {
	present := threadBrands(tx, r.Source, r.ThreadID)
	if len(present) == 0 {
		return
	}
	r.Unattended = false
	for i := range r.Brands {
		if contains(present, r.Brands[i].Name) {
			r.Brands[i].Unattended = false
		}
		r.Unattended = r.Unattended || r.Brands[i].Unattended
	}
	if len(r.Brands) == 0 {
		r.Unattended = false
	}
}

// Scan calls fn for every mention matching f (Limit and Cursor ignored), newest first. Results
// are decoded copies that fn may keep.
func (db *DB) Scan(ctx context.Context, f Filter, fn func(*analysis.Result) error) error {
	f.Cursor = ""
	// Pages of 5000 keep each read transaction short, so a long scan never holds up the
	// writer's freelist.
	for {
		f.Limit = 5000
		p, err := db.Mentions(ctx, f)
		if err != nil {
			return err
		}
		for i := range p.Mentions {
			if err := fn(&p.Mentions[i]); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		f.Cursor = p.Next
	}
}

// Counts returns the maintained counters: "total", "questions", "brand:<name>", "source:<name>", "topic:<name>".
func (db *DB) Counts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c, err := mustBucket(tx, bucketCounts)
		if err != nil {
			return err
		}
		return c.ForEach(func(k, v []byte) error {
			out[string(k)] = int64(readU64(v))
			return ctx.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("storage: counts: %w", err)
	}
	return out, nil
}

// Prune deletes mentions created before cutoff, and thread participation last seen before it.
// It works in chunks so writers are not held up; it returns the number of mentions deleted.
func (db *DB) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	total := 0
	limit := timePrefix(cutoff)
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("storage: prune: %w", err)
		}
		n := 0
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			mentions, err := mustBucket(tx, bucketMentions)
			if err != nil {
				return err
			}
			ids, _ := mustBucket(tx, bucketMentionIDs)
			urls, _ := mustBucket(tx, bucketMentionURLs)
			brands, _ := mustBucket(tx, bucketBrands)
			topics, _ := mustBucket(tx, bucketTopics)
			type victim struct {
				key []byte
				r   analysis.Result
			}
			var victims []victim
			c := mentions.Cursor()
			for k, v := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0 && len(victims) < 10000; k, v = c.Next() {
				var r analysis.Result
				if err := decodeResult(v, &r); err != nil {
					// Keep going: an undecodable mention is still old enough to go.
					r = analysis.Result{}
					if src, id, err := splitTimeKey(k); err == nil {
						r.Source, r.ID = src, id
					}
				}
				victims = append(victims, victim{key: copyBytes(k), r: r})
			}
			deltas := map[string]int64{}
			for _, vc := range victims {
				if err := mentions.Delete(vc.key); err != nil {
					return err
				}
				if err := ids.Delete(idKey(vc.r.Source, vc.r.ID)); err != nil {
					return err
				}
				if err := unindexURL(urls, &vc.r, vc.key); err != nil {
					return err
				}
				for _, b := range vc.r.Brands {
					if ib := brands.Bucket([]byte(b.Name)); ib != nil {
						if err := ib.Delete(vc.key); err != nil {
							return err
						}
					}
					deltas["brand:"+b.Name]--
				}
				for _, t := range vc.r.Topics {
					if ib := topics.Bucket([]byte(t)); ib != nil {
						if err := ib.Delete(vc.key); err != nil {
							return err
						}
					}
					deltas["topic:"+t]--
				}
				deltas["total"]--
				deltas["source:"+vc.r.Source]--
				if vc.r.Question {
					deltas["questions"] -= int64(len(vc.r.Questions))
				}
			}
			n = len(victims)
			return addCounts(tx, deltas)
		})
		if err != nil {
			return total, fmt.Errorf("storage: prune: %w", err)
		}
		total += n
		if n > 0 {
			db.gens.removal()
		}
		if n < 10000 {
			break
		}
	}
	if err := db.pruneThreads(ctx, cutoff); err != nil {
		return total, err
	}
	return total, nil
}

func (db *DB) pruneThreads(ctx context.Context, cutoff time.Time) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		th, err := mustBucket(tx, bucketThreads)
		if err != nil {
			return err
		}
		var old [][]byte
		err = th.ForEach(func(k, v []byte) error {
			var e threadEntry
			if json.Unmarshal(v, &e) != nil || e.Seen < cutoff.Unix() {
				old = append(old, copyBytes(k))
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := th.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: prune threads: %w", err)
	}
	return nil
}

// Missing reports, for each result, whether Commit with that origin would store it: not stored
// yet, neither by (source, id) nor as the same item from another origin (canonical.go). A
// result is missing even when an earlier one of rs is the same item.
func (db *DB) Missing(ctx context.Context, rs []analysis.Result, origin string) ([]bool, error) {
	out := make([]bool, len(rs))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ids, err := mustBucket(tx, bucketMentionIDs)
		if err != nil {
			return err
		}
		mentions, err := mustBucket(tx, bucketMentions)
		if err != nil {
			return err
		}
		urls, err := mustBucket(tx, bucketMentionURLs)
		if err != nil {
			return err
		}
		for i := range rs {
			if ids.Get(idKey(rs[i].Source, rs[i].ID)) != nil {
				continue
			}
			_, dup := duplicateURL(urls, mentions, &rs[i], origin)
			out[i] = !dup
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("storage: missing: %w", err)
	}
	return out, nil
}
