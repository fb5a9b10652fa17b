package reddit

import (
	"slices"
	"strings"
)

// seenLimit bounds how many recent fullnames a cursor remembers per stream.
const seenLimit = 300

// cursor remembers where a stream (a listing or a feed) was read up to, by fullname.
//
// Reddit assigns ids in base 36 in creation order, so "newer" is "larger id" and the cursor
// never depends on timestamps. The newest listing page is read first and older pages are paged
// through with `after=<fullname>` until the page reaches an id the cursor already covers. An
// item is new when its id is above Floor and not in Seen: Seen catches items that show up late
// (search indexing lag, races between ids and listing order) and Floor forgets what fell out of
// Seen. Removed anchors cannot stall it, unlike paging with `before=<last fullname>`.
type cursor struct {
	// Seen holds the largest ids seen, at most seenLimit, sorted ascending.
	Seen []string `json:"seen,omitempty"`
	// Floor is the largest id that is no longer (or never was) in Seen; items at or below it are old.
	Floor string `json:"floor,omitempty"`
}

// started reports whether the stream was read before (a cold start reads the backfill instead).
func (c *cursor) started() bool { return c.Floor != "" || len(c.Seen) > 0 }

// mark is the id a page must reach for the poll to have caught up: the newest id known.
func (c *cursor) mark() string {
	if n := len(c.Seen); n > 0 {
		return c.Seen[n-1]
	}
	return c.Floor
}

// isNew reports whether a fullname is worth handing over.
func (c *cursor) isNew(fullname string) bool {
	id := idPart(fullname)
	if id == "" {
		return false
	}
	if c.Floor != "" && cmpID(id, idPart(c.Floor)) <= 0 {
		return false
	}
	_, found := slices.BinarySearchFunc(c.Seen, fullname, cmpFullname)
	return !found
}

// covered reports whether a fullname is at or below the newest id known: a page holding one
// has reached territory an earlier poll read.
func (c *cursor) covered(fullname string) bool {
	m := c.mark()
	return m != "" && cmpID(idPart(fullname), idPart(m)) <= 0
}

// add records fullnames as seen, keeping the newest seenLimit and raising Floor past the rest.
func (c *cursor) add(fullnames ...string) {
	for _, f := range fullnames {
		if idPart(f) == "" {
			continue
		}
		if i, found := slices.BinarySearchFunc(c.Seen, f, cmpFullname); !found {
			c.Seen = slices.Insert(c.Seen, i, f)
		}
	}
	if drop := len(c.Seen) - seenLimit; drop > 0 {
		c.raiseFloor(c.Seen[drop-1])
		c.Seen = append([]string(nil), c.Seen[drop:]...)
	}
}

// raiseFloor moves Floor up to fullname (never down).
func (c *cursor) raiseFloor(fullname string) {
	if idPart(fullname) == "" {
		return
	}
	if c.Floor == "" || cmpID(idPart(fullname), idPart(c.Floor)) > 0 {
		c.Floor = fullname
	}
}

// idPart returns the base-36 id of a fullname ("t3_abc" → "abc"), or "" if it is not one.
func idPart(fullname string) string {
	_, id, ok := strings.Cut(fullname, "_")
	if !ok || id == "" || len(id) > 16 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return ""
		}
	}
	return id
}

// cmpID compares base-36 ids numerically: longer is larger, equal lengths compare as text.
func cmpID(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// cmpFullname orders fullnames by id, then by kind so t1 and t3 with equal ids stay apart.
func cmpFullname(a, b string) int {
	if c := cmpID(idPart(a), idPart(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
