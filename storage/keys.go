package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// A time key orders mentions by creation time: uint64 BE UnixNano ‖ source ‖ 0x00 ‖ id.
// Times before 1970 clamp to 0 so the order stays unsigned.

func timeKey(t time.Time, source, id string) []byte {
	k := make([]byte, 8, 8+len(source)+1+len(id))
	binary.BigEndian.PutUint64(k, unixNano(t))
	k = append(k, source...)
	k = append(k, 0)
	return append(k, id...)
}

func unixNano(t time.Time) uint64 {
	if n := t.UnixNano(); n > 0 {
		return uint64(n)
	}
	return 0
}

// timePrefix is the smallest key at or after t.
func timePrefix(t time.Time) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, unixNano(t))
	return k
}

func keyTime(k []byte) time.Time {
	if len(k) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC()
}

var errBadKey = errors.New("malformed key")

// splitTimeKey returns the source and id of a time key.
func splitTimeKey(k []byte) (source, id string, err error) {
	if len(k) < 9 {
		return "", "", errBadKey
	}
	i := bytes.IndexByte(k[8:], 0)
	if i < 0 {
		return "", "", errBadKey
	}
	return string(k[8 : 8+i]), string(k[8+i+1:]), nil
}

// idKey is the dedup key of a mention: source ‖ 0x00 ‖ id.
func idKey(source, id string) []byte {
	return []byte(source + "\x00" + id)
}

// threadKey names a thread: source ‖ 0x00 ‖ thread id.
func threadKey(source, thread string) []byte {
	return []byte(source + "\x00" + thread)
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// copyBytes copies a slice read from a transaction, which is only valid inside it.
func copyBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// validName rejects names that would break composite keys.
func validName(s string) bool { return s != "" && !strings.ContainsRune(s, 0) }

// nanosPerDay is the length of a UTC day in a time key's unit.
const nanosPerDay = uint64(24 * time.Hour)

// dayOf returns the UTC day (days since 1970-01-01) of a time key.
func dayOf(k []byte) int64 {
	if len(k) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(k[:8]) / nanosPerDay)
}

// dayStart returns the start of a UTC day.
func dayStart(day int64) time.Time {
	return time.Unix(0, int64(uint64(day)*nanosPerDay)).UTC()
}

// dayOfTime returns the UTC day of t (times before 1970 are day 0, as in keys).
func dayOfTime(t time.Time) int64 { return int64(unixNano(t) / nanosPerDay) }
