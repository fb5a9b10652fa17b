package storage

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/analysis"
)

// deleteChunk bounds how many mentions one write transaction deletes.
const deleteChunk = 1000

// MentionIDs returns the ids of the stored mentions of source created at or after since
// (everything when since is zero), for collectors that re-check their items at the source.
func (db *DB) MentionIDs(ctx context.Context, source string, since time.Time) ([]string, error) {
	if !validName(source) {
		return nil, fmt.Errorf("storage: mention ids: invalid source %q", source)
	}
	var out []string
	prefix := idKey(source, "")
	from := timePrefix(since)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ids, err := mustBucket(tx, bucketMentionIDs)
		if err != nil {
			return err
		}
		c := ids.Cursor()
		n := 0
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if !since.IsZero() && bytes.Compare(v[:min(8, len(v))], from) < 0 {
				continue
			}
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: mention ids of %s: %w", source, err)
	}
	return out, nil
}

// DeleteMentions deletes the stored mentions of source with the given ids (deleted or removed
// at the source) together with their index entries, keeping the counters right. Unknown ids are
// skipped. It returns how many mentions it deleted. Thread participation stays: it is not
// content, and the thread may live on.
func (db *DB) DeleteMentions(ctx context.Context, source string, ids []string) (int, error) {
	if !validName(source) {
		return 0, fmt.Errorf("storage: delete mentions: invalid source %q", source)
	}
	total := 0
	for start := 0; start < len(ids); start += deleteChunk {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("storage: delete mentions: %w", err)
		}
		chunk := ids[start:min(start+deleteChunk, len(ids))]
		n := 0
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			n = 0
			mentions, err := mustBucket(tx, bucketMentions)
			if err != nil {
				return err
			}
			idx, err := mustBucket(tx, bucketMentionIDs)
			if err != nil {
				return err
			}
			brands, err := mustBucket(tx, bucketBrands)
			if err != nil {
				return err
			}
			topics, err := mustBucket(tx, bucketTopics)
			if err != nil {
				return err
			}
			urls, err := mustBucket(tx, bucketMentionURLs)
			if err != nil {
				return err
			}
			// Collect first, then delete.
			type victim struct {
				idk, key []byte
				r        analysis.Result
			}
			var victims []victim
			for _, id := range chunk {
				idk := idKey(source, id)
				key := idx.Get(idk)
				if key == nil {
					continue
				}
				vc := victim{idk: idk, key: copyBytes(key)}
				if v := mentions.Get(key); v != nil {
					if err := decodeResult(v, &vc.r); err != nil {
						vc.r = analysis.Result{}
					}
				}
				vc.r.Source, vc.r.ID = source, id
				victims = append(victims, vc)
			}
			deltas := map[string]int64{}
			for _, vc := range victims {
				if mentions.Get(vc.key) != nil {
					if err := mentions.Delete(vc.key); err != nil {
						return err
					}
					deltas["total"]--
					deltas["source:"+source]--
					if vc.r.Question {
						deltas["questions"] -= int64(len(vc.r.Questions))
					}
					for _, b := range vc.r.Brands {
						deltas["brand:"+b.Name]--
					}
					for _, t := range vc.r.Topics {
						deltas["topic:"+t]--
					}
				}
				if err := idx.Delete(vc.idk); err != nil {
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
				}
				for _, t := range vc.r.Topics {
					if ib := topics.Bucket([]byte(t)); ib != nil {
						if err := ib.Delete(vc.key); err != nil {
							return err
						}
					}
				}
				n++
			}
			return addCounts(tx, deltas)
		})
		if err != nil {
			return total, fmt.Errorf("storage: delete %d mentions of %s: %w", len(chunk), source, err)
		}
		total += n
		if n > 0 {
			db.gens.removal()
		}
	}
	return total, nil
}
