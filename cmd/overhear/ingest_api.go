package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// POST /api/ingest takes what `ingest --file` reads (JSONL mentions) and answers what it prints,
// as JSON, so that `ingest` can write while serve holds the store.

// Variables so that tests can use small ones.
var (
	// maxIngestBody caps one POST /api/ingest body. ingest sends bigger inputs in chunks of
	// ingestChunkBytes; a single line may be up to maxLineBytes.
	maxIngestBody int64 = 64 << 20
	// ingestChunkBytes is the size ingest aims for in each request it sends to serve.
	ingestChunkBytes = 4 << 20
)

// ingestResult is the body of a POST /api/ingest answer.
type ingestResult struct {
	// Lines counts the non-blank lines read.
	Lines      int `json:"lines"`
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	Unmatched  int `json:"unmatched"`
	// Invalid lists the lines skipped, numbered from 1 at the body's first line.
	Invalid []invalidLine `json:"invalid"`
	// Summary is the line `ingest` prints.
	Summary string `json:"summary"`
	// Error says why the request stopped early (the lines before it were processed).
	Error string `json:"error,omitempty"`
}

func (s ingestSummary) result() ingestResult {
	inv := s.invalid
	if inv == nil {
		inv = []invalidLine{}
	}
	return ingestResult{Lines: s.lines, Stored: s.stored, Duplicates: s.duplicates, Unmatched: s.unmatched, Invalid: inv, Summary: s.String()}
}

func (r ingestResult) summary(lineOffset int) ingestSummary {
	sum := ingestSummary{lines: r.Lines, stored: r.Stored, duplicates: r.Duplicates, unmatched: r.Unmatched}
	for _, e := range r.Invalid {
		sum.invalid = append(sum.invalid, invalidLine{e.Line + lineOffset, e.Error})
	}
	return sum
}

func (s *ingestSummary) add(o ingestSummary) {
	s.lines += o.lines
	s.stored += o.stored
	s.duplicates += o.duplicates
	s.unmatched += o.unmatched
	s.invalid = append(s.invalid, o.invalid...)
}

// ingest serves POST /api/ingest: the body goes through the pipeline as `ingest` sends it, then
// alerts are evaluated. 200 even when some lines are invalid (they are listed); 413 when the
// body is over maxIngestBody (what came before the limit was stored; ingest is idempotent, so
// sending the same lines again is harmless).
func (s *server) ingest(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, maxIngestBody)
	sum, err := s.app.ingest(r.Context(), body, 2000, nil)
	res := sum.result()
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			res.Error = fmt.Sprintf("request body over %d bytes: send the lines in smaller requests (the %d lines before the limit were processed)", tooBig.Limit, sum.lines)
			writeJSONStatus(w, http.StatusRequestEntityTooLarge, res)
		case r.Context().Err() != nil:
			// The client went away; what was committed stays.
			s.logger.Info("ingest request cancelled", "lines", sum.lines, "stored", sum.stored)
		default:
			s.logger.Warn("ingest over HTTP failed", "error", err)
			res.Error = "internal error; see the server log"
			writeJSONStatus(w, http.StatusInternalServerError, res)
		}
		return
	}
	if sum.stored > 0 {
		if err := s.app.evaluateAlerts(r.Context()); err != nil {
			s.logger.Warn("alert evaluation after ingest failed", "error", err)
		}
	}
	s.logger.Info("ingested over HTTP", "lines", sum.lines, "stored", sum.stored, "invalid", len(sum.invalid))
	writeJSON(w, res)
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ingestViaServe sends JSONL mentions to the serve at addr in requests of about
// ingestChunkBytes, cut at line ends, and adds up the answers; invalid lines keep their line
// numbers in the input.
func (m *Main) ingestViaServe(ctx context.Context, cfg *Config, addr string, in io.Reader, progress func(done int64)) (ingestSummary, error) {
	var total ingestSummary
	lines := newLineReader(in)
	var chunk bytes.Buffer
	chunkLines, offset := 0, 0
	var read int64
	client := &http.Client{Timeout: 5 * time.Minute}
	send := func() error {
		if chunkLines == 0 {
			return nil
		}
		sum, err := postIngest(ctx, client, cfg, addr, chunk.Bytes())
		total.add(sum.summary(offset))
		if err != nil {
			return err
		}
		offset += chunkLines
		chunk.Reset()
		chunkLines = 0
		if progress != nil {
			progress(read)
		}
		return nil
	}
	for {
		line, _, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return total, fmt.Errorf("read input: %w", err)
		}
		read += int64(len(line))
		chunk.Write(line)
		if !bytes.HasSuffix(line, []byte("\n")) {
			chunk.WriteByte('\n')
		}
		chunkLines++
		if chunk.Len() >= ingestChunkBytes {
			if err := send(); err != nil {
				return total, err
			}
		}
	}
	return total, send()
}

// postIngest sends one body to POST /api/ingest.
func postIngest(ctx context.Context, client *http.Client, cfg *Config, addr string, body []byte) (ingestResult, error) {
	url := "http://" + addr + "/api/ingest"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return ingestResult{}, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if cfg.HTTP.AuthToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.HTTP.AuthToken.Reveal())
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return ingestResult{}, fmt.Errorf("the store is held by the overhear serving http://%s, and sending to it failed: %w", addr, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return ingestResult{}, fmt.Errorf("%s: %w", url, err)
	}
	var res ingestResult
	jerr := json.Unmarshal(raw, &res)
	if resp.StatusCode != http.StatusOK {
		msg := res.Error
		if jerr != nil || msg == "" {
			var e struct{ Error string }
			if json.Unmarshal(raw, &e) == nil && e.Error != "" {
				msg = e.Error
			} else {
				msg = strings.TrimSpace(string(raw))
			}
		}
		return res, fmt.Errorf("%s: %s: %s", url, resp.Status, msg)
	}
	if jerr != nil {
		return res, fmt.Errorf("%s: unreadable answer: %w", url, jerr)
	}
	return res, nil
}
