package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
)

// analyzeInput is one line of `overhear analyze` input: a mention plus an optional target.
type analyzeInput struct {
	collectors.Mention
	Target string `json:"target"`
}

// analyzeInputJSON reads created_at leniently: analyze is stateless and must not reject a line
// for a timestamp it does not use.
type analyzeInputJSON struct {
	ID        json.RawMessage `json:"id"`
	Source    string          `json:"source"`
	Community string          `json:"community"`
	Author    string          `json:"author"`
	Title     string          `json:"title"`
	Text      *string         `json:"text"`
	URL       string          `json:"url"`
	ThreadID  string          `json:"thread_id"`
	ParentID  string          `json:"parent_id"`
	CreatedAt string          `json:"created_at"`
	Score     json.RawMessage `json:"score"`
	Target    string          `json:"target"`
}

func runAnalyze(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("analyze", "analyze [--brand 'Name=QUERY']... [--topic 'Name=QUERY']... [--config FILE] < mentions.jsonl")
	var brandFlags, topicFlags multiFlag
	fs.Var(&brandFlags, "brand", "a brand to match, as 'Name=QUERY' (repeatable)")
	fs.Var(&topicFlags, "topic", "a topic to match, as 'Name=QUERY' (repeatable)")
	configPath := fs.String("config", "", "take brands and topics from this config file")
	if err := parse(fs, args); err != nil {
		return err
	}
	var brands []collectors.Brand
	var topics []collectors.Topic
	if *configPath != "" {
		cfg, err := m.loadConfig(*configPath)
		if err != nil {
			return err
		}
		brands, topics = cfg.Brands, cfg.Topics
	}
	for _, f := range brandFlags {
		b, err := parseBrandFlag(f)
		if err != nil {
			return err
		}
		brands = append(brands, b)
	}
	for _, f := range topicFlags {
		name, query, ok := strings.Cut(f, "=")
		t := collectors.Topic{Name: strings.TrimSpace(name), Query: query}
		if !ok {
			return usagef("--topic %q: want 'Name=QUERY'", f)
		}
		if err := t.Validate(); err != nil {
			return usagef("--topic %q: %w", f, err)
		}
		topics = append(topics, t)
	}
	an, err := analysis.NewDefault(brands, topics)
	if err != nil {
		return err
	}
	return analyzeStream(ctx, an, m.Stdin, m.Stdout, time.Now)
}

// analyzeStream writes one JSON line per input line, in order; a malformed line gets
// {"id": ..., "error": ...} and processing continues.
func analyzeStream(ctx context.Context, an *analysis.Analyzer, r io.Reader, w io.Writer, now func() time.Time) error {
	out := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	lines := newLineReader(r)
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, lineNo, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		in, id, perr := decodeMentionLine(line, now)
		if perr != nil {
			if err := enc.Encode(lineError{ID: id, Error: fmt.Sprintf("line %d: %v", lineNo, perr)}); err != nil {
				return err
			}
			continue
		}
		res := an.Analyze(in.Mention)
		if in.Target != "" {
			ts := an.Scorer().ScoreTargetPhrase(res.FullText(), in.Target)
			res.TargetSentiment = &ts
		}
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return out.Flush()
}

// lineError is the output for a line that could not be processed.
type lineError struct {
	ID    any    `json:"id"`
	Error string `json:"error"`
}

// decodeMentionLine parses one JSONL mention. It returns the id it could read, even on error,
// so the error line can be matched to its input.
func decodeMentionLine(line []byte, now func() time.Time) (analyzeInput, any, error) {
	var raw analyzeInputJSON
	if err := json.Unmarshal(line, &raw); err != nil {
		var probe struct {
			ID any `json:"id"`
		}
		_ = json.Unmarshal(line, &probe)
		return analyzeInput{}, probe.ID, jsonError(err)
	}
	var in analyzeInput
	id, idText, ok := decodeID(raw.ID)
	switch {
	case ok:
		in.ID = idText
	case id == nil:
		return in, nil, fmt.Errorf("missing id")
	default:
		return in, id, fmt.Errorf("id must be a string or number")
	}
	if raw.Text == nil {
		return in, id, fmt.Errorf("missing text")
	}
	in.Text, in.Title, in.Source, in.Community, in.Author = *raw.Text, raw.Title, raw.Source, raw.Community, raw.Author
	in.URL, in.ThreadID, in.ParentID, in.Target = raw.URL, raw.ThreadID, raw.ParentID, raw.Target
	if len(raw.Score) > 0 && string(raw.Score) != "null" {
		// A number, or a string holding one ("12"), as json.Number reads it.
		var n json.Number
		f, err := float64(0), json.Unmarshal(raw.Score, &n)
		if err == nil {
			f, err = n.Float64()
		}
		if err != nil {
			return in, id, fmt.Errorf("field score: want a number, got %s", oneLine(string(raw.Score), 40))
		}
		in.Score = int(f)
	}
	in.CreatedAt = now().UTC()
	if raw.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, raw.CreatedAt)
		if err != nil {
			return in, id, fmt.Errorf("created_at %q is not RFC 3339", raw.CreatedAt)
		}
		in.CreatedAt = t.UTC()
	}
	return in, id, nil
}

// decodeID reads a mention id, a JSON string or a number. It returns the
// decoded JSON value (nil when there is none), the id as text (a number as
// written) and whether the id is usable. A plain string, nearly every id,
// skips a second json.Unmarshal.
func decodeID(raw json.RawMessage) (id any, text string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 &&
		bytes.IndexByte(raw[1:len(raw)-1], '"') < 0 && utf8.Valid(raw) {
		text = string(raw[1 : len(raw)-1])
		return text, text, true
	}
	_ = json.Unmarshal(raw, &id)
	switch v := id.(type) {
	case string:
		return v, v, true
	case float64:
		return v, string(raw), true
	}
	return id, "", false
}

// lineReader reads lines of any length, counting them. A line returned by
// next is valid until the following call.
type lineReader struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 1<<20)} }

// maxLineBytes bounds one input line; longer lines are an error for that line only.
const maxLineBytes = 16 << 20

func (l *lineReader) next() ([]byte, int, error) {
	buf := l.buf[:0]
	defer func() {
		if cap(buf) <= 1<<20 { // keep the buffer for ordinary lines only
			l.buf = buf[:0]
		}
	}()
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(buf)+len(chunk) <= maxLineBytes {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) > 0 {
			l.line++
			return buf, l.line, nil
		}
		if err != nil {
			return nil, l.line, err
		}
		l.line++
		return buf, l.line, nil
	}
}

// parseBrandFlag reads a --brand 'Name=QUERY' flag.
func parseBrandFlag(f string) (collectors.Brand, error) {
	name, query, ok := strings.Cut(f, "=")
	b := collectors.Brand{Name: strings.TrimSpace(name), Query: query}
	if !ok {
		return b, usagef("--brand %q: want 'Name=QUERY'", f)
	}
	if err := b.Validate(); err != nil {
		return b, usagef("--brand %q: %w", f, err)
	}
	return b, nil
}
