package questions

import (
	"fmt"
	"slices"
	"strings"
)

// Group clusters a batch of questions and returns each one's cluster ID, in
// the order of texts. Unlike a stream of Add calls, the grouping does not
// depend on the order of texts: the questions are added in a canonical order
// (by their normalised words, then their text) after the document frequencies
// of the whole batch are counted, so the same batch in any order gives the
// same clusters with the same IDs.
func Group(texts []string) []string { return groupWith(texts, defaultThreshold) }

// groupWith is Group with another similarity threshold (the dev tests draw
// the precision/recall curve with it).
func groupWith(texts []string, threshold float64) []string {
	type item struct {
		i   int
		key string
	}
	items := make([]item, len(texts))
	batch := make([][]feature, len(texts))
	for i, t := range texts {
		items[i] = item{i: i, key: strings.ToLower(strings.Join(words(clean(t)), " "))}
		batch[i] = features(t)
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(texts[a.i], texts[b.i])
	})
	c := NewClusterer()
	c.threshold = threshold
	c.prime(batch)
	out := make([]string, len(texts))
	seen := map[string]int{}
	for _, it := range items {
		id := c.Add(texts[it.i])
		if IsContextBound(id) {
			// Each is its own question: "What do you think?" in two posts
			// asks about two things.
			seen[id]++
			id = fmt.Sprintf("%s-%d", id, seen[id])
		}
		out[it.i] = id
	}
	return out
}

// IsContextBound reports whether a cluster ID is that of a question that only
// makes sense in its post (see contentlessID): not a recurring question.
func IsContextBound(id string) bool { return strings.HasPrefix(id, "q0-") }
