package storage

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/overhear/overhear/alerts"
)

// The alert outbox and notify log (alerts.Outbox):
//
//	outbox/<seq uint64 BE>   → alerts.Entry JSON (state pending, sent, dropped or held)
//	notify_log/<key>         → uint64 BE UnixNano of when the key was recorded
//
// Seq comes from the bucket's sequence, so keys sort in commit order. Notify-log keys are the
// alerts package's: "e:<dedup key>" (event notified), "g:<rule>/<brand>" (last message of a
// group, for the cooldown), "d:<sink>/<date>" (daily digest done).

var _ alerts.Outbox = (*DB)(nil)

// entryHead is the part of an entry that scans need, decoded without the alert.
type entryHead struct {
	Sink      string    `json:"sink"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

// EnqueueAlerts implements alerts.Outbox: the entries and the notify-log keys are committed
// in one transaction.
func (db *DB) EnqueueAlerts(ctx context.Context, entries []alerts.Entry, log map[string]time.Time) ([]alerts.Entry, error) {
	out := make([]alerts.Entry, len(entries))
	copy(out, entries)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ob, err := mustBucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		nl, err := mustBucket(tx, bucketNotifyLog)
		if err != nil {
			return err
		}
		for i := range out {
			seq, err := ob.NextSequence()
			if err != nil {
				return err
			}
			out[i].Seq = seq
			v, err := json.Marshal(&out[i])
			if err != nil {
				return fmt.Errorf("encode alert for %s: %w", out[i].Sink, err)
			}
			if err := ob.Put(u64(seq), v); err != nil {
				return err
			}
		}
		for k, at := range log {
			if k == "" {
				return fmt.Errorf("empty notify-log key")
			}
			if err := nl.Put([]byte(k), u64(unixNano(at))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: enqueue %d alerts: %w", len(entries), err)
	}
	return out, nil
}

// NotifyLogged implements alerts.Outbox.
func (db *DB) NotifyLogged(ctx context.Context, keys []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		nl, err := mustBucket(tx, bucketNotifyLog)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if v := nl.Get([]byte(k)); v != nil {
				out[k] = time.Unix(0, int64(readU64(v))).UTC()
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("storage: notify log: %w", err)
	}
	return out, nil
}

// PendingAlerts implements alerts.Outbox.
func (db *DB) PendingAlerts(ctx context.Context) ([]alerts.Entry, error) {
	var out []alerts.Entry
	err := db.scanOutbox(ctx, false, func(_ []byte, h entryHead, v []byte) (bool, error) {
		if h.State != alerts.StatePending {
			return true, nil
		}
		var e alerts.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return false, err
		}
		out = append(out, e)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: pending alerts: %w", err)
	}
	return out, nil
}

// UpdateAlert implements alerts.Outbox.
func (db *DB) UpdateAlert(ctx context.Context, e alerts.Entry) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ob, err := mustBucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		k := u64(e.Seq)
		if ob.Get(k) == nil {
			return alerts.ErrEntryNotFound
		}
		v, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		return ob.Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("storage: update alert %d: %w", e.Seq, err)
	}
	return nil
}

// RecentAlerts implements alerts.Outbox.
func (db *DB) RecentAlerts(ctx context.Context, n int, since time.Time) ([]alerts.Entry, error) {
	var out []alerts.Entry
	err := db.scanOutbox(ctx, true, func(_ []byte, h entryHead, v []byte) (bool, error) {
		if n > 0 && len(out) >= n {
			return false, nil
		}
		if !since.IsZero() && h.CreatedAt.Before(since) {
			return false, nil
		}
		var e alerts.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return false, err
		}
		out = append(out, e)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: recent alerts: %w", err)
	}
	return out, nil
}

// PendingAlertCounts implements alerts.Outbox.
func (db *DB) PendingAlertCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.scanOutbox(ctx, false, func(_ []byte, h entryHead, _ []byte) (bool, error) {
		if h.State == alerts.StatePending {
			out[h.Sink]++
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: pending alert counts: %w", err)
	}
	return out, nil
}

// PruneAlerts implements alerts.Outbox. Keys are collected first and deleted after.
func (db *DB) PruneAlerts(ctx context.Context, before, logBefore time.Time) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		ob, err := mustBucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		nl, err := mustBucket(tx, bucketNotifyLog)
		if err != nil {
			return err
		}
		var old [][]byte
		err = ob.ForEach(func(k, v []byte) error {
			var h entryHead
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("decode alert %d: %w", readU64(k), err)
			}
			if h.State != alerts.StatePending && h.CreatedAt.Before(before) {
				old = append(old, copyBytes(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := ob.Delete(k); err != nil {
				return err
			}
		}
		old = old[:0]
		limit := unixNano(logBefore)
		err = nl.ForEach(func(k, v []byte) error {
			if readU64(v) < limit {
				old = append(old, copyBytes(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := nl.Delete(k); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("storage: prune alerts: %w", err)
	}
	return nil
}

// scanOutbox calls fn for each entry in seq order (reverse: newest first) until it returns
// false. v is only valid during the call.
func (db *DB) scanOutbox(ctx context.Context, reverse bool, fn func(k []byte, h entryHead, v []byte) (bool, error)) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		ob, err := mustBucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := ob.Cursor()
		first, next := c.First, c.Next
		if reverse {
			first, next = c.Last, c.Prev
		}
		n := 0
		for k, v := first(); k != nil; k, v = next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(k) != 8 {
				continue
			}
			var h entryHead
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("decode alert %d: %w", binary.BigEndian.Uint64(k), err)
			}
			ok, err := fn(k, h, v)
			if err != nil || !ok {
				return err
			}
		}
		return ctx.Err()
	})
}
