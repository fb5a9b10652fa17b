package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/overhear/overhear/analysis"
)

// Mention values (v1/mentions) are stored in a compact binary form: JSON encoding and above all
// decoding dominated commits, scans (`questions export`) and the store gauges, and this form
// decodes about ten times faster. Values written by schema version 1 are JSON and stay
// readable: decodeResult tells the two apart by the first byte ('{' for JSON).
//
// Format valueV1 (all integers are varints; strings and lists are a length then the items; a
// list length is stored plus one, 0 meaning nil, so nil and empty survive a round trip):
//
//	0x01
//	id source community author title text url thread_id parent_id   (strings)
//	created_at: 0 for the zero time, or 1, unix seconds (signed), nanoseconds
//	score (signed)
//	sentiment: label, score (float64 bits)
//	brands: n+1, then per brand: name, label, score, unattended (byte)
//	topics, questions, question_clusters: n+1, then strings
//	question (byte), unattended (byte)
//	target_sentiment: 0, or 1 then label, score
//
// A field added to analysis.Result or collectors.Mention must be added here under a new
// format byte (keeping the decoder of the old one); TestCodecCoversEveryField fails until it is.
const valueV1 byte = 0x01

// valueV2 is valueV1 followed by: language string, then sentiment's unscored bool and each
// brand's, in order, and target_sentiment's when present (a mention in a language the model does not read).
const valueV2 byte = 0x02

// valueV3 is valueV2 followed by: thread_brands (n+1, then strings), then each brand's
// in_thread bool, in order (a reply kept as a mention of its followed thread's brands).
const valueV3 byte = 0x03

var errValue = errors.New("malformed mention value")

func encodeResult(dst []byte, r *analysis.Result) []byte {
	dst = append(dst, valueV3)
	m := &r.Mention
	for _, s := range [...]string{m.ID, m.Source, m.Community, m.Author, m.Title, m.Text, m.URL, m.ThreadID, m.ParentID} {
		dst = putString(dst, s)
	}
	dst = putTime(dst, m.CreatedAt)
	dst = binary.AppendVarint(dst, int64(m.Score))
	dst = putSentiment(dst, r.Sentiment)
	if r.Brands == nil {
		dst = append(dst, 0)
	} else {
		dst = binary.AppendUvarint(dst, uint64(len(r.Brands))+1)
		for _, b := range r.Brands {
			dst = putString(dst, b.Name)
			dst = putSentiment(dst, b.Sentiment)
			dst = putBool(dst, b.Unattended)
		}
	}
	dst = putStrings(dst, r.Topics)
	dst = putStrings(dst, r.Questions)
	dst = putStrings(dst, r.QuestionClusters)
	dst = putBool(dst, r.Question)
	dst = putBool(dst, r.Unattended)
	if r.TargetSentiment == nil {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
		dst = putSentiment(dst, *r.TargetSentiment)
	}
	dst = putString(dst, r.Language)
	dst = putBool(dst, r.Sentiment.Unscored)
	for _, b := range r.Brands {
		dst = putBool(dst, b.Sentiment.Unscored)
	}
	if r.TargetSentiment != nil {
		dst = putBool(dst, r.TargetSentiment.Unscored)
	}
	dst = putStrings(dst, m.ThreadBrands)
	for _, b := range r.Brands {
		dst = putBool(dst, b.InThread)
	}
	return dst
}

// decodeResult decodes a stored mention value of either format into r.
func decodeResult(v []byte, r *analysis.Result) error {
	if len(v) == 0 {
		return errValue
	}
	if v[0] != valueV1 && v[0] != valueV2 && v[0] != valueV3 {
		return json.Unmarshal(v, r)
	}
	// One copy of the whole value; every string field is a slice of it, so a decode allocates
	// the copy and the lists only.
	d := decoder{b: string(v[1:])}
	m := &r.Mention
	for _, p := range [...]*string{&m.ID, &m.Source, &m.Community, &m.Author, &m.Title, &m.Text, &m.URL, &m.ThreadID, &m.ParentID} {
		*p = d.string()
	}
	m.CreatedAt = d.time()
	m.Score = int(d.varint())
	r.Sentiment = d.sentiment()
	if n := d.uvarint(); n > 0 {
		n--
		if n > uint64(len(d.b)) {
			return errValue
		}
		r.Brands = make([]analysis.BrandResult, n)
		for i := range r.Brands {
			r.Brands[i] = analysis.BrandResult{Name: d.string(), Sentiment: d.sentiment(), Unattended: d.bool()}
		}
	} else {
		r.Brands = nil
	}
	r.Topics = d.strings()
	r.Questions = d.strings()
	r.QuestionClusters = d.strings()
	r.Question = d.bool()
	r.Unattended = d.bool()
	r.TargetSentiment = nil
	if d.bool() {
		s := d.sentiment()
		r.TargetSentiment = &s
	}
	r.Language = ""
	m.ThreadBrands = nil
	if v[0] >= valueV2 {
		r.Language = d.string()
		r.Sentiment.Unscored = d.bool()
		for i := range r.Brands {
			r.Brands[i].Sentiment.Unscored = d.bool()
		}
		if r.TargetSentiment != nil {
			r.TargetSentiment.Unscored = d.bool()
		}
	}
	if v[0] >= valueV3 {
		m.ThreadBrands = d.strings()
		for i := range r.Brands {
			r.Brands[i].InThread = d.bool()
		}
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errValue, len(d.b))
	}
	return nil
}

func putString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func putStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ss))+1)
	for _, s := range ss {
		dst = putString(dst, s)
	}
	return dst
}

func putBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// putTime stores the zero time as one 0 byte, any other as 1, unix seconds, nanoseconds. The
// instant survives; the zone does not (times are read back in UTC, as the API writes them).
func putTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

func putSentiment(dst []byte, s analysis.Sentiment) []byte {
	dst = putString(dst, s.Label)
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(s.Score))
}

// decoder reads a valueV1 body; the first error sticks and later reads return zero values.
type decoder struct {
	b   string
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errValue
	}
	d.b = ""
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(d.b) && i < binary.MaxVarintLen64; i++ {
		c := d.b[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.b = d.b[i+1:]
			return v
		}
	}
	d.fail()
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	n--
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}

func (d *decoder) bool() bool {
	if len(d.b) == 0 {
		d.fail()
		return false
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v != 0
}

func (d *decoder) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) sentiment() analysis.Sentiment {
	s := analysis.Sentiment{Label: d.string()}
	if len(d.b) < 8 {
		d.fail()
		return s
	}
	s.Score = math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.b[:8])))
	d.b = d.b[8:]
	return s
}
