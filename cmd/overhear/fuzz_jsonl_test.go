package main

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeMentionLine feeds arbitrary lines to the JSONL decoder that ingest and analyze
// share, then through the repairs and checks ingest applies. Nothing may panic; a decoded line
// has an id and text, and a mention that passes Validate after Normalize is valid UTF-8 and
// encodes to JSON.
func FuzzDecodeMentionLine(f *testing.F) {
	for _, s := range []string{
		`{"id": "t1_abc123", "text": "How do I make Ollama use my second GPU?", "created_at": "2026-11-23T10:00:00Z", "score": 12}`,
		`{"id": 42, "text": "numeric id", "score": 1e3}`,
		`{"id": "x", "text": "", "title": "only a title", "target": "Ollama"}`,
		`{"id": null, "text": "x"}`,
		`{"id": ["a"], "text": "x"}`,
		`{"id": "a\u0000b", "text": "nul \u0000"}`,
		"{\"id\": \"\xff\", \"text\": \"bad \xc3\x28 utf8\"}",
		`{"id": "x", "text": "t", "created_at": "yesterday"}`,
		`{"id": "x", "text": "t", "score": 1e400}`,
		`{"id": "x"`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, line []byte) {
		in, _, err := decodeMentionLine(line, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if in.CreatedAt.IsZero() {
			t.Fatalf("decoded %q without a created_at", line)
		}
		m := in.Mention
		m.Normalize()
		if m.Validate() != nil {
			return
		}
		if !utf8.ValidString(m.ID) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.Title) {
			t.Fatalf("valid mention with invalid UTF-8: %+v", m)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("valid mention does not encode: %v", err)
		}
	})
}
