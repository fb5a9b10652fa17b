package questions

import (
	"bytes"
	"encoding/gob"
	"maps"
	"strings"
	"testing"
	"time"
)

// saved is a key-value store that Changes are applied to, as the service's store does.
type saved map[string][]byte

func (s saved) apply(changes map[string][]byte) {
	for k, v := range changes {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
}

func restored(t *testing.T, s saved) *Clusterer {
	t.Helper()
	c := NewClusterer()
	if err := c.Restore(maps.Clone(s)); err != nil {
		t.Fatal(err)
	}
	return c
}

// A Clusterer saved incrementally, batch by batch, and restored keeps its IDs and keeps
// assigning paraphrases to the old clusters.
func TestClustererRestart(t *testing.T) {
	qs := loadSample(t)
	orig := NewClusterer()
	store := saved{}
	ids := map[string]string{}
	for i, q := range qs {
		ids[q] = orig.Add(q)
		if i%37 == 0 { // batches of uneven size
			store.apply(orig.Changes())
		}
	}
	store.apply(orig.Changes())
	if orig.Pending() {
		t.Error("Pending() after Changes")
	}
	again := restored(t, store)
	if again.Len() != orig.Len() {
		t.Fatalf("Len() after restart = %d, want %d", again.Len(), orig.Len())
	}
	more := []string{"Is it possible to get a refund?", "I forgot my passcode, how do I reset it?", "Where can I find the exchange rate?", "Why is my virtual card declined?", "What cryptocurrencies can I buy?"}
	for _, q := range more {
		if a, b := orig.Add(q), again.Add(q); a != b {
			t.Errorf("Add(%q): %s before restart, %s after", q, a, b)
		}
	}
	want := again.Add("How can I get a refund?")
	if got := again.Add("Can I get a refund?"); got != want {
		t.Errorf("paraphrase after restart joined %s, want %s", got, want)
	}
	if _, ok := findID(ids, want); !ok {
		t.Errorf("refund question after restart got new cluster %s, want one created before the restart", want)
	}
	// The whole state written in one go equals the incremental one.
	full := saved{}
	whole := restored(t, store)
	whole.markAll()
	full.apply(whole.Changes())
	if !maps.EqualFunc(full, store, bytes.Equal) {
		t.Errorf("state written whole (%d entries) differs from the incremental one (%d)", len(full), len(store))
	}
}

// A batch writes what it changed, not the whole state.
func TestClustererChangesAreSmall(t *testing.T) {
	c := warm(t)
	all := c.Changes()
	c.Add("How do I reset my passcode?")
	ch := c.Changes()
	if len(ch) == 0 || len(ch) > 12 {
		t.Errorf("one question changed %d of %d entries, want a handful", len(ch), len(all))
	}
	if _, ok := ch[metaKey]; !ok {
		t.Error("meta entry not rewritten after a question")
	}
}

func TestClustererEvict(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := NewClusterer()
	store := saved{}
	old := c.AddAt("How do I get a refund for a card payment?", day)
	kept := c.AddAt("Why was my transfer declined?", day.Add(48*time.Hour))
	unknown := c.Add("How do I change my PIN?")
	refreshed := c.AddAt("How long does a top up take?", day)
	if got := c.AddAt("How long does a top up take to arrive?", day.Add(72*time.Hour)); got != refreshed {
		t.Fatalf("paraphrase got %s, want %s", got, refreshed)
	}
	store.apply(c.Changes())
	if n := c.Evict(day.Add(24 * time.Hour)); n != 1 {
		t.Fatalf("Evict removed %d clusters, want 1 (%s)", n, old)
	}
	store.apply(c.Changes())
	if _, ok := store[clusterKey(1)]; ok {
		t.Error("evicted cluster still saved")
	}
	again := restored(t, store)
	for _, x := range []*Clusterer{c, again} {
		if x.Len() != 3 {
			t.Errorf("Len() = %d after eviction, want 3", x.Len())
		}
		if got := x.AddAt("Why did my transfer get declined?", day.Add(96*time.Hour)); got != kept {
			t.Errorf("paraphrase of a kept cluster got %s, want %s", got, kept)
		}
		if got := x.Add("Can I change my PIN?"); got != unknown {
			t.Errorf("paraphrase of an undated cluster got %s, want %s", got, unknown)
		}
		// The evicted question starts a new cluster with a new ID.
		if got := x.AddAt("How do I get a refund for a card payment?", day.Add(96*time.Hour)); got == old || got == "" {
			t.Errorf("evicted question got %q, want a new ID", got)
		}
	}
}

func TestClustererRestoreErrors(t *testing.T) {
	c := warm(t)
	good := saved{}
	good.apply(c.Changes())
	var aCluster, aTerm string
	for k := range good {
		if IsCluster(k) && aCluster == "" {
			aCluster = k
		}
		if strings.HasPrefix(k, termPrefix) && aTerm == "" {
			aTerm = k
		}
	}
	edit := func(f func(s saved)) saved {
		s := maps.Clone(good)
		f(s)
		return s
	}
	for name, entries := range map[string]saved{
		"no meta":            edit(func(s saved) { delete(s, metaKey) }),
		"meta truncated":     edit(func(s saved) { s[metaKey] = s[metaKey][:5] }),
		"meta version":       edit(func(s saved) { s[metaKey] = append([]byte{9}, s[metaKey][1:]...) }),
		"term missing":       edit(func(s saved) { delete(s, aTerm) }),
		"term truncated":     edit(func(s saved) { s[aTerm] = s[aTerm][:2] }),
		"cluster truncated":  edit(func(s saved) { s[aCluster] = s[aCluster][:len(s[aCluster])-3] }),
		"cluster trailing":   edit(func(s saved) { s[aCluster] = append(s[aCluster], 0) }),
		"cluster beyond seq": edit(func(s saved) { s[clusterKey(1<<40)] = s[aCluster] }),
		"unknown entry":      edit(func(s saved) { s["x/1"] = []byte{1} }),
	} {
		t.Run(name, func(t *testing.T) {
			before := c.Len()
			if err := c.Restore(entries); err == nil {
				t.Error("Restore succeeded, want error")
			}
			if c.Len() != before {
				t.Errorf("Len() = %d after failed restore, want %d (state unchanged)", c.Len(), before)
			}
		})
	}
	if err := c.Restore(nil); err != nil || c.Len() != 0 {
		t.Errorf("Restore(nil) = %v with %d clusters, want an empty Clusterer", err, c.Len())
	}
}

// encodeV2 writes c as earlier versions saved it: one gob value.
func encodeV2(t *testing.T, c *Clusterer) []byte {
	t.Helper()
	s := stateV2{Version: 2, Terms: c.terms, DF: c.df, Docs: c.docs, Mean: c.mean, MeanN: c.meanN, Seq: c.seq}
	for _, cl := range c.clusters {
		cs := clusterStateV2{ID: cl.id, N: cl.n, Dense: cl.dense}
		for id := range int32(len(c.terms)) {
			if w, ok := cl.weights[id]; ok {
				cs.Terms, cs.Weights = append(cs.Terms, id), append(cs.Weights, w)
			}
		}
		s.Clusters = append(s.Clusters, cs)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A state saved whole by an earlier version is restored and rewritten as entries.
func TestClustererRestoreV2(t *testing.T) {
	orig := warm(t)
	var c Clusterer
	if err := c.RestoreV2(encodeV2(t, orig)); err != nil {
		t.Fatal(err)
	}
	store := saved{}
	store.apply(c.Changes())
	again := restored(t, store)
	for _, q := range []string{"Is it possible to get a refund?", "Why is my virtual card declined?", "What is a brand new question about llamas?"} {
		a, b, d := orig.Add(q), c.Add(q), again.Add(q)
		if a != b || a != d {
			t.Errorf("Add(%q): %s originally, %s from version 2, %s from its entries", q, a, b, d)
		}
	}
	for name, data := range map[string][]byte{"empty": nil, "garbage": []byte("not a gob")} {
		if err := c.RestoreV2(data); err == nil {
			t.Errorf("RestoreV2(%s) succeeded, want error", name)
		}
	}
	var v1 bytes.Buffer
	if err := gob.NewEncoder(&v1).Encode(stateV2{Version: 1}); err != nil {
		t.Fatal(err)
	}
	before := c.Len()
	if err := c.RestoreV2(v1.Bytes()); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("RestoreV2(version 1) = %v, want an error naming version 1", err)
	}
	if c.Len() != before {
		t.Errorf("failed restore changed the Clusterer: %d clusters, want %d", c.Len(), before)
	}
}
