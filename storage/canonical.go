package storage

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
)

// The canonical-URL index (issue 14, "duplicates across sources"): the store's dedup key is
// (source, id), as CONTRACTS.md fixes, but one item reached through two sources (an HN story
// from the hackernews collector and from an hnrss feed) or two feeds has two of those.
// v1/mention_urls maps the canonical URL of every stored mention that has one
// (collectors.Mention.CanonicalKey) to the stored mention, so the second arrival is recognised
// as the same mention and neither stored nor counted, also after a restart.
//
// An entry's value is uvarint len(time key) ‖ time key ‖ origin. The origin is the collector
// instance that stored it (Batch.Origin; empty for ingest and the demo): entries of one feed
// that share a link but have different ids are different entries by that feed's own word, and
// so are the lines of an import, so the index only merges arrivals from different origins.
// Entries indexed by the migration have the origin migratedOrigin, which no batch has.

// urlEntry encodes an index value.
func urlEntry(key []byte, origin string) []byte {
	v := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen16+len(key)+len(origin)), uint64(len(key)))
	v = append(v, key...)
	return append(v, origin...)
}

// parseURLEntry decodes an index value; ok is false for a malformed one.
func parseURLEntry(v []byte) (key []byte, origin string, ok bool) {
	n, size := binary.Uvarint(v)
	if size <= 0 || uint64(len(v)-size) < n {
		return nil, "", false
	}
	return v[size : size+int(n)], string(v[size+int(n):]), true
}

// duplicateURL reports whether r is another arrival of a stored mention: its canonical URL is
// indexed, the mention indexed under it is still stored, and it came through another origin.
// When r is not a duplicate, index is r's canonical URL if the caller should index r under it
// (no live entry has it), else nil: the first arrival keeps the entry.
func duplicateURL(urls, mentions *bolt.Bucket, r *analysis.Result, origin string) (index []byte, dup bool) {
	c := r.Mention.CanonicalKey()
	if c == "" {
		return nil, false
	}
	canon := []byte(c)
	v := urls.Get(canon)
	if v == nil {
		return canon, false
	}
	key, o, ok := parseURLEntry(v)
	if !ok || mentions.Get(key) == nil {
		return canon, false // stale (the mention was pruned or deleted): the new arrival takes over
	}
	if o == origin && !keyOf(key, r.Source, r.ID) {
		return nil, false // the same origin with another id: another entry that shares a link
	}
	return nil, true
}

// keyOf reports whether the time key k is of the mention (source, id), without allocating.
func keyOf(k []byte, source, id string) bool {
	if len(k) != 8+len(source)+1+len(id) {
		return false
	}
	k = k[8:]
	return string(k[:len(source)]) == source && k[len(source)] == 0 && string(k[len(source)+1:]) == id
}

// unindexURL removes r's canonical-URL entry when it points at key (and not at another
// mention that took it over).
func unindexURL(urls *bolt.Bucket, r *analysis.Result, key []byte) error {
	c := r.Mention.CanonicalKey()
	if c == "" || urls == nil {
		return nil
	}
	if v := urls.Get([]byte(c)); v != nil {
		if k, _, ok := parseURLEntry(v); !ok || bytes.Equal(k, key) {
			return urls.Delete([]byte(c))
		}
	}
	return nil
}

// migratedOrigin is the origin of the entries the migration indexed: their instance is not
// known, and it is none of the collector instances' keys (source names are single words).
const migratedOrigin = "(migrated)"

// indexURLs is the migration to schema version 3: it indexes the canonical URLs of the stored
// mentions, oldest first, so the first arrival of each item keeps its URL.
func indexURLs(tx *bolt.Tx) error {
	urls, err := createBucket(tx, bucketV1, bucketMentionURLs)
	if err != nil {
		return err
	}
	mentions := getBucket(tx, bucketV1, bucketMentions)
	if mentions == nil {
		return nil
	}
	return mentions.ForEach(func(k, v []byte) error {
		var r analysis.Result
		if decodeResult(v, &r) != nil {
			return nil // unreadable: nothing to index
		}
		c := r.Mention.CanonicalKey()
		if c == "" || urls.Get([]byte(c)) != nil {
			return nil
		}
		return urls.Put([]byte(c), urlEntry(copyBytes(k), migratedOrigin))
	})
}
