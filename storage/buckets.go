// Package storage keeps Overhear's data in one bbolt file. It owns bbolt completely: no other
// package imports go.etcd.io/bbolt.
//
// Schema (version 3):
//
//	v1/
//	  meta/version                      → uint64 BE schema version
//	  mentions/<time key>               → analysis.Result, binary (codec.go; JSON if written by version 1)
//	  mention_ids/<source>\x00<id>      → <time key>              (dedup by source and id)
//	  mention_urls/<canonical url>      → uvarint len ‖ <time key> ‖ origin (same item through another source; canonical.go)
//	  brands/<brand>/<time key>         → ""                      (time-ordered index per brand)
//	  topics/<topic>/<time key>         → ""                      (time-ordered index per topic)
//	  threads/<source>\x00<thread id>   → threadEntry JSON        (brands whose accounts posted there)
//	  counts/<name>                     → uint64 BE               ("total", "questions", "brand:X", "source:Y")
//	  collector_state/<instance key>    → collector bytes         (cursors, ETags)
//	  kv/<name>                         → bytes                   (question clusterer state, ...)
//	  outbox/<seq BE>                   → alerts.Entry JSON       (pending, sent, dropped, held; outbox.go)
//	  notify_log/<key>                  → uint64 BE UnixNano      (dedup keys, cooldowns, digests; outbox.go)
package storage

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code reads and writes.
//
// Version 2 stores mention values in the binary form of codec.go instead of JSON. The bucket
// tree is unchanged and version 1's JSON values stay readable, so the migration rewrites
// nothing: it only marks the file, so that an older overhear refuses it instead of failing to
// decode the new values.
//
// Version 3 adds v1/mention_urls, the canonical-URL index of the stored mentions; the
// migration builds it from the mentions already stored.
const SchemaVersion = 3

var (
	bucketV1             = []byte("v1")
	bucketMeta           = []byte("meta")
	bucketMentions       = []byte("mentions")
	bucketMentionIDs     = []byte("mention_ids")
	bucketMentionURLs    = []byte("mention_urls")
	bucketBrands         = []byte("brands")
	bucketTopics         = []byte("topics")
	bucketThreads        = []byte("threads")
	bucketCounts         = []byte("counts")
	bucketCollectorState = []byte("collector_state")
	bucketKV             = []byte("kv")
	bucketOutbox         = []byte("outbox")
	bucketNotifyLog      = []byte("notify_log")

	keyVersion = []byte("version")

	allBuckets = [][]byte{bucketMeta, bucketMentions, bucketMentionIDs, bucketMentionURLs, bucketBrands, bucketTopics,
		bucketThreads, bucketCounts, bucketCollectorState, bucketKV, bucketOutbox, bucketNotifyLog}
)

// errSchema is returned when a bucket the schema promises is missing.
var errSchema = errors.New("store layout is incomplete")

// getBucket walks a path of nested buckets, returning nil when any is missing.
func getBucket(tx *bolt.Tx, path ...[]byte) *bolt.Bucket {
	b := tx.Bucket(path[0])
	for _, p := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket(p)
	}
	return b
}

// createBucket walks a path of nested buckets, creating the missing ones.
func createBucket(tx *bolt.Tx, path ...[]byte) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(path[0])
	if err != nil {
		return nil, err
	}
	for _, p := range path[1:] {
		if b, err = b.CreateBucketIfNotExists(p); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// mustBucket returns a v1 bucket that Open guaranteed, or an error if the file lost it.
func mustBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := getBucket(tx, bucketV1, name)
	if b == nil {
		return nil, fmt.Errorf("%w: bucket v1/%s missing", errSchema, name)
	}
	return b, nil
}

// migrations[v] upgrades a store from version v to v+1. Version 0 is a new, empty file.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	0: func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := createBucket(tx, bucketV1, name); err != nil {
				return err
			}
		}
		return nil
	},
	1: func(*bolt.Tx) error { return nil },
	2: indexURLs,
}
