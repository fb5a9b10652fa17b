package collectors

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that also accepts days and weeks ("90d", "2w", "1d12h") in config.
type Duration time.Duration

// ValueError is a config value that could not be parsed. Config loading uses Value to point
// at the offending line, since text unmarshalers do not know where their input came from.
type ValueError struct {
	Value string
	Msg   string
}

func (e *ValueError) Error() string { return fmt.Sprintf("invalid value %q: %s", e.Value, e.Msg) }

// ParseDuration parses Go durations plus the units d (24h) and w (7d).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, &ValueError{Value: s, Msg: "empty duration"}
	}
	var total time.Duration
	rest := s
	// Peel off leading day and week parts, then let time.ParseDuration read the remainder.
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) || (rest[i] != 'd' && rest[i] != 'w') {
			break
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, &ValueError{Value: s, Msg: "not a duration"}
		}
		unit := 24 * time.Hour
		if rest[i] == 'w' {
			unit *= 7
		}
		total += time.Duration(n * float64(unit))
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, &ValueError{Value: s, Msg: "not a duration (use e.g. 90s, 5m, 2h, 7d, 2w)"}
		}
		total += d
	}
	if total < 0 {
		return 0, &ValueError{Value: s, Msg: "negative duration"}
	}
	return total, nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler, writing days where the value is whole days.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats the duration, in days when it is a whole number of days.
func (d Duration) String() string {
	v := time.Duration(d)
	if v > 0 && v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return v.String()
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
