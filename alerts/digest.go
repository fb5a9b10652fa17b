package alerts

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// digestDue is a daily digest whose time has come for one sink.
type digestDue struct {
	sink string
	at   time.Time // the scheduled time; the digest covers the 24h before it
	key  string    // notify-log key: one digest per sink and day
}

// digestSinks returns the sinks that get a daily digest.
func (m *Manager) digestSinks() []SinkConfig {
	var out []SinkConfig
	for _, s := range m.cfg.Sinks {
		if s.Digest == DigestDaily || s.Digest == DigestOnly {
			out = append(out, s)
		}
	}
	return out
}

// dueDigests lists the digests whose latest scheduled time has passed, at most digestGrace ago.
func (m *Manager) dueDigests(now time.Time) []digestDue {
	var out []digestDue
	for _, s := range m.digestSinks() {
		loc := s.Location()
		h, mi, err := parseClock(s.DigestAt)
		if err != nil {
			continue
		}
		local := now.In(loc)
		at := time.Date(local.Year(), local.Month(), local.Day(), h, mi, 0, 0, loc)
		if at.After(now) {
			at = at.AddDate(0, 0, -1)
		}
		if now.Sub(at) > digestGrace {
			continue
		}
		out = append(out, digestDue{sink: s.Name, at: at, key: logDigest + s.Name + "/" + at.Format("2006-01-02")})
	}
	return out
}

// digest builds the digest entry for d from the sink's alerts of the 24h before d.at. It
// returns false when there was nothing to report (no message: a quiet day needs no ping).
func (m *Manager) digest(ctx context.Context, d digestDue, now time.Time) (Entry, bool, error) {
	from := d.at.Add(-24 * time.Hour)
	recent, err := m.outbox.RecentAlerts(ctx, 0, from)
	if err != nil {
		return Entry{}, false, fmt.Errorf("alerts: read outbox for digest: %w", err)
	}
	var alerts []Alert
	for _, e := range recent {
		if e.Sink == d.sink && e.CreatedAt.Before(d.at) && e.Alert.Rule != RuleDigest && e.Alert.Rule != RuleTest {
			alerts = append(alerts, e.Alert)
		}
	}
	if len(alerts) == 0 {
		return Entry{}, false, nil
	}
	sort.SliceStable(alerts, func(i, j int) bool { return len(alerts[i].Keys) > len(alerts[j].Keys) })
	events := 0
	perRule := map[string]map[string]int{}
	var rules []string
	brands := map[string]bool{}
	for _, a := range alerts {
		n := max(len(a.Keys), 1)
		events += n
		if perRule[a.Rule] == nil {
			perRule[a.Rule] = map[string]int{}
			rules = append(rules, a.Rule)
		}
		perRule[a.Rule][a.Brand] += n
		brands[a.Brand] = true
	}
	sort.Strings(rules)
	a := Alert{
		Rule: RuleDigest, Type: RuleDigest, Keys: []string{strings.TrimPrefix(d.key, logDigest)}, At: now,
		Title: fmt.Sprintf("Daily digest: %d alerts", len(alerts)),
		Summary: fmt.Sprintf("%d messages covering %d events for %d brands in the 24h before %s.",
			len(alerts), events, len(brands), d.at.Format("2006-01-02 15:04 MST")),
	}
	for _, r := range rules {
		if len(a.Fields) == 10 {
			break
		}
		var parts []string
		for _, b := range sortedKeys(perRule[r]) {
			parts = append(parts, fmt.Sprintf("%s %d", b, perRule[r][b]))
		}
		a.Fields = append(a.Fields, Field{Name: r, Value: strings.Join(parts, ", ")})
	}
	for _, al := range alerts {
		if len(a.Examples) == 5 {
			break
		}
		if len(al.Examples) > 0 {
			ex := al.Examples[0]
			ex.Note = al.Title
			a.Examples = append(a.Examples, ex)
		}
	}
	a.More = len(alerts) - len(a.Examples)
	return Entry{Sink: d.sink, State: StatePending, CreatedAt: now, UpdatedAt: now, Alert: a}, true, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
