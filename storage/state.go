package storage

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// CollectorState returns the state stored for a collector instance, or nil.
func (db *DB) CollectorState(ctx context.Context, key string) ([]byte, error) {
	return db.get(ctx, bucketCollectorState, key)
}

// SetCollectorState stores a collector instance's state on its own (Commit stores it together
// with a poll's mentions).
func (db *DB) SetCollectorState(ctx context.Context, key string, state []byte) error {
	return db.put(ctx, bucketCollectorState, key, state)
}

// Get returns a value stored with Put or a Batch's KV, or nil.
func (db *DB) Get(ctx context.Context, key string) ([]byte, error) {
	return db.get(ctx, bucketKV, key)
}

// GetPrefix returns the values stored (with Put or a Batch's KV) under keys that start with
// prefix, by key.
func (db *DB) GetPrefix(ctx context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b, err := mustBucket(tx, bucketKV)
		if err != nil {
			return err
		}
		c := b.Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if len(out)%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			out[string(k)] = copyBytes(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: get %s/%s*: %w", bucketKV, prefix, err)
	}
	return out, nil
}

// Put stores a value under key.
func (db *DB) Put(ctx context.Context, key string, value []byte) error {
	return db.put(ctx, bucketKV, key, value)
}

func (db *DB) get(ctx context.Context, bucket []byte, key string) ([]byte, error) {
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		out = copyBytes(b.Get([]byte(key)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: get %s/%s: %w", bucket, key, err)
	}
	return out, nil
}

func (db *DB) put(ctx context.Context, bucket []byte, key string, value []byte) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("storage: put %s/%s: %w", bucket, key, err)
	}
	return nil
}
