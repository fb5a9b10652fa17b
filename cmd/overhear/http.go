package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/overhear/overhear/analysis"
	"github.com/overhear/overhear/collectors"
	"github.com/overhear/overhear/storage"
)

// server serves /metrics, /healthz and the JSON API over an App.
type server struct {
	app     *App
	logger  *slog.Logger
	token   string
	healthy func() error
}

func (a *App) handler(healthy func() error) http.Handler {
	s := &server{app: a, logger: a.logger, token: a.cfg.HTTP.AuthToken.Reveal(), healthy: healthy}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
		// One failing collector (a store read at scrape time) must not blank the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", s.healthz)
	// Each /api/* endpoint lists the query parameters it reads; any other is a 400, so a typo
	// (sentimet=negative) is not silently ignored.
	mux.HandleFunc("GET /api/mentions", s.api(s.mentions, "brand", "topic", "source", "community", "unattended", "question", "sentiment", "since", "until", "limit", "cursor"))
	mux.HandleFunc("GET /api/stats", s.api(s.stats))
	mux.HandleFunc("GET /api/questions", s.api(s.questions, "brand", "topic", "since", "min-count", "min_count", "format"))
	mux.HandleFunc("GET /api/communities", s.api(s.communities, "brand", "since"))
	mux.HandleFunc("GET /api/voices", s.api(s.voices, "brand", "since", "min-mentions", "min_mentions"))
	mux.HandleFunc("GET /api/alerts", s.api(s.alerts, "limit"))
	mux.HandleFunc("GET /api/backup", s.api(s.backup))
	mux.HandleFunc("POST /api/ingest", s.api(s.ingest))
	mux.HandleFunc("GET /{$}", s.index)
	return mux
}

func (s *server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "Overhear", buildVersion)
	for _, p := range []string{"/metrics", "/healthz", "/api/mentions", "/api/questions", "/api/stats", "/api/communities", "/api/voices", "/api/alerts", "/api/backup", "POST /api/ingest"} {
		fmt.Fprintln(w, p)
	}
}

// auth requires the bearer token on /api/* when one is configured.
func (s *server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="overhear"`)
				httpError(w, http.StatusUnauthorized, errors.New("missing or wrong bearer token"))
				return
			}
		}
		h(w, r)
	}
}

// api wraps an /api/* handler: the bearer token (auth), then the query parameters, which must
// all be among accepted; an unknown one is a 400 that lists the accepted ones.
func (s *server) api(h http.HandlerFunc, accepted ...string) http.HandlerFunc {
	return s.auth(func(w http.ResponseWriter, r *http.Request) {
		if err := checkParams(r.URL.Query(), accepted); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		h(w, r)
	})
}

// checkParams returns an error naming the first unknown parameter (in sorted order) and the
// accepted ones.
func checkParams(q url.Values, accepted []string) error {
	var unknown []string
	for k := range q {
		if !slices.Contains(accepted, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	if len(accepted) == 0 {
		return fmt.Errorf("unknown query parameter %q: this endpoint takes none", unknown[0])
	}
	return fmt.Errorf("unknown query parameter %q: accepted are %s", unknown[0], strings.Join(accepted, ", "))
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.healthy(); err != nil {
		httpError(w, http.StatusServiceUnavailable, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func httpError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// parseTimeParam reads RFC 3339 or a duration back from now ("24h", "7d").
func parseTimeParam(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := collectors.ParseDuration(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor a duration", v)
	}
	return now.Add(-d), nil
}

func parseBoolParam(v string) (*bool, error) {
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%q is not true or false", v)
	}
	return &b, nil
}

func (s *server) mentions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := s.app.now()
	f := storage.Filter{Brand: q.Get("brand"), Topic: q.Get("topic"), Source: q.Get("source"), Community: q.Get("community"), Cursor: q.Get("cursor")}
	var err error
	bad := func(param string, err error) {
		httpError(w, http.StatusBadRequest, fmt.Errorf("%s: %w", param, err))
	}
	if f.Since, err = parseTimeParam(q.Get("since"), now); err != nil {
		bad("since", err)
		return
	}
	if f.Until, err = parseTimeParam(q.Get("until"), now); err != nil {
		bad("until", err)
		return
	}
	if f.Unattended, err = parseBoolParam(q.Get("unattended")); err != nil {
		bad("unattended", err)
		return
	}
	if f.Question, err = parseBoolParam(q.Get("question")); err != nil {
		bad("question", err)
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("limit", fmt.Errorf("%q is not a positive number", v))
			return
		}
		f.Limit = min(n, storage.MaxLimit)
	}
	switch v := q.Get("sentiment"); v {
	case "", analysis.Positive, analysis.Neutral, analysis.Negative, analysis.SentimentUnscored:
		f.Sentiment = v
	default:
		bad("sentiment", fmt.Errorf("%q is not positive, neutral, negative or unscored", v))
		return
	}
	if err := checkBrandTopic(s.app.cfg, f.Brand, f.Topic); err != nil {
		httpError(w, http.StatusNotFound, err)
		return
	}
	page, err := s.app.db.Mentions(r.Context(), f)
	if err != nil {
		if strings.Contains(err.Error(), "invalid cursor") {
			bad("cursor", err)
			return
		}
		s.serverError(w, err)
		return
	}
	writeJSON(w, page)
}

func (s *server) serverError(w http.ResponseWriter, err error) {
	s.logger.Warn("API request failed", "error", err)
	httpError(w, http.StatusInternalServerError, errors.New("internal error; see the server log"))
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	st, err := storeStats(r.Context(), s.app.db, s.app.cfg.Brands)
	if err != nil {
		s.serverError(w, err)
		return
	}
	writeJSON(w, st)
}

func (s *server) questions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	qq := questionQuery{Brand: q.Get("brand"), Topic: q.Get("topic"), MinCount: 3, Format: q.Get("format")}
	if qq.Format == "" {
		accept := r.Header.Get("Accept")
		switch {
		case strings.Contains(accept, "text/csv"):
			qq.Format = "csv"
		case strings.Contains(accept, "text/markdown"):
			qq.Format = "md"
		default:
			qq.Format = "json"
		}
	}
	since := q.Get("since")
	if since == "" {
		since = "30d"
	}
	d, err := collectors.ParseDuration(since)
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("since: %w", err))
		return
	}
	qq.Since = d
	for _, k := range []string{"min-count", "min_count"} {
		if v := q.Get(k); v != "" {
			if qq.MinCount, err = strconv.Atoi(v); err != nil {
				httpError(w, http.StatusBadRequest, fmt.Errorf("%s: %q is not a number", k, v))
				return
			}
		}
	}
	if err := qq.validate(); err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	if err := checkBrandTopic(s.app.cfg, qq.Brand, qq.Topic); err != nil {
		httpError(w, http.StatusNotFound, err)
		return
	}
	switch qq.Format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="overhear-questions.csv"`)
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/json")
	}
	if err := exportQuestions(r.Context(), s.app.db, qq, s.app.now(), w); err != nil {
		s.logger.Warn("question export failed", "error", err)
	}
}

func (s *server) brandParams(w http.ResponseWriter, r *http.Request, defSince string) (string, time.Time, bool) {
	q := r.URL.Query()
	brand := q.Get("brand")
	if brand == "" && len(s.app.cfg.Brands) > 0 {
		brand = s.app.cfg.Brands[0].Name
	}
	if err := checkBrandTopic(s.app.cfg, brand, ""); err != nil {
		httpError(w, http.StatusNotFound, err)
		return "", time.Time{}, false
	}
	since := q.Get("since")
	if since == "" {
		since = defSince
	}
	t, err := parseTimeParam(since, s.app.now())
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Errorf("since: %w", err))
		return "", time.Time{}, false
	}
	return brand, t, true
}

func (s *server) communities(w http.ResponseWriter, r *http.Request) {
	brand, since, ok := s.brandParams(w, r, "30d")
	if !ok {
		return
	}
	cs, err := communityStats(r.Context(), s.app.db, brand, since)
	if err != nil {
		s.serverError(w, err)
		return
	}
	writeJSON(w, map[string]any{"brand": brand, "communities": cs})
}

func (s *server) voices(w http.ResponseWriter, r *http.Request) {
	brand, since, ok := s.brandParams(w, r, "90d")
	if !ok {
		return
	}
	minMentions := 2
	for _, k := range []string{"min-mentions", "min_mentions"} {
		if v := r.URL.Query().Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				httpError(w, http.StatusBadRequest, fmt.Errorf("%s: %q is not a positive number", k, v))
				return
			}
			minMentions = n
		}
	}
	vs, err := voices(r.Context(), s.app.db, brand, since, minMentions)
	if err != nil {
		s.serverError(w, err)
		return
	}
	writeJSON(w, map[string]any{"brand": brand, "voices": vs})
}

func (s *server) backup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="overhear-backup.db"`)
	if _, err := s.app.db.Backup(r.Context(), w); err != nil {
		s.logger.Warn("backup over HTTP failed", "error", err)
	}
}

// bind listens on addr. serve and demo bind before any other work, so a busy port fails at
// once, before a summary is printed or alerts are sent.
func bind(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("http: cannot listen on %s: the address is already in use (is another overhear running? choose another address)", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("http: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// serveHTTP serves on ln until ctx ends. The channel receives Serve's error, or nil once a
// shutdown has finished the requests in flight (for at most 5s), so that nothing reads the
// store after the caller closes it.
func (a *App) serveHTTP(ctx context.Context, ln net.Listener, healthy func() error) <-chan error {
	srv := &http.Server{
		Handler:           a.handler(healthy),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		served <- err
	}()
	done := make(chan error, 1)
	go func() {
		select {
		case err := <-served:
			done <- err
			return
		case <-ctx.Done():
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			_ = srv.Close()
		}
		done <- <-served
	}()
	return done
}
