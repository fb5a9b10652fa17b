package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/collectors"
)

//go:embed default.yaml
var defaultConfigYAML []byte

// Config is the whole config file. Keys are listed in CONTRACTS.md and the README.
type Config struct {
	Storage StorageConfig      `yaml:"storage" json:"storage"`
	HTTP    HTTPConfig         `yaml:"http" json:"http"`
	Log     LogConfig          `yaml:"log" json:"log"`
	Brands  []collectors.Brand `yaml:"brands" json:"brands"`
	Topics  []collectors.Topic `yaml:"topics" json:"topics"`
	// Sources maps a registered collector name to its block: a mapping for one instance, a
	// list for several. Each block is decoded into the struct its collector's Creator returns.
	Sources map[string]ast.Node `yaml:"sources" json:"-"`
	Alerts  alerts.Config       `yaml:"alerts" json:"alerts"`

	// Instances are the decoded source blocks, in a stable order.
	Instances []SourceInstance `yaml:"-" json:"sources"`
	// File is where the config came from ("" for the embedded default).
	File string `yaml:"-" json:"-"`
	// Warnings are non-fatal remarks (e.g. AND and OR mixed without parentheses).
	Warnings []string `yaml:"-" json:"-"`

	file *ast.File
	raw  []byte
	dir  string // resolves relative paths (storage.path, *_file keys)
}

// StorageConfig is the `storage:` block.
type StorageConfig struct {
	Path string `yaml:"path" json:"path"`
	// Retention deletes mentions older than this; 0 keeps everything.
	Retention collectors.Duration `yaml:"retention" json:"retention"`
	// PruneEvery is how often serve applies retention (default 1h).
	PruneEvery collectors.Duration `yaml:"prune_every" json:"prune_every"`
}

// HTTPConfig is the `http:` block.
type HTTPConfig struct {
	Listen        string            `yaml:"listen" json:"listen"`
	AuthToken     collectors.Secret `yaml:"auth_token" json:"auth_token,omitempty"`
	AuthTokenFile string            `yaml:"auth_token_file" json:"auth_token_file,omitempty"`
	// Insecure allows a non-loopback listen address without an auth token.
	Insecure bool `yaml:"insecure" json:"insecure,omitempty"`
}

// LogConfig is the `log:` block.
type LogConfig struct {
	Level  string `yaml:"level" json:"level"`
	Format string `yaml:"format" json:"format"`
}

// SourceInstance is one decoded collector block.
type SourceInstance struct {
	Source    string               `json:"source"`
	Collector collectors.Collector `json:"config"`
	path      string
}

// DefaultConfig returns the built-in defaults that a file's values override.
func DefaultConfig() *Config {
	return &Config{
		Storage: StorageConfig{Path: "overhear.db", Retention: collectors.Duration(90 * 24 * time.Hour), PruneEvery: collectors.Duration(time.Hour)},
		HTTP:    HTTPConfig{Listen: "127.0.0.1:9464"},
		Log:     LogConfig{Level: "info", Format: "text"},
		Alerts:  alerts.Config{Every: collectors.Duration(time.Minute)},
	}
}

// ConfigError is a config problem located in the file.
type ConfigError struct {
	File         string
	Line, Column int
	Path         string
	Msg          string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = "(embedded default config)"
	}
	b.WriteString(file)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadConfig reads, expands, decodes and validates a config file; path "" loads the embedded default.
func LoadConfig(path string) (*Config, error) {
	if path == "" {
		return ParseConfig(defaultConfigYAML, "", "")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		// A config that cannot be read is bad usage (exit 2), like one that does not parse.
		msg := err.Error()
		var pe *os.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			msg = "config file not found"
		case errors.As(err, &pe):
			msg = "cannot read the config file: " + pe.Err.Error()
		}
		return nil, &ConfigError{File: path, Msg: msg}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(raw, path, filepath.Dir(abs))
}

// ParseConfig parses config text. name is used in messages; dir resolves relative paths.
func ParseConfig(raw []byte, name, dir string) (*Config, error) {
	cfg := DefaultConfig()
	cfg.File, cfg.raw, cfg.dir = name, raw, dir
	f, err := parser.ParseBytes(raw, 0)
	if err != nil {
		return nil, cfg.yamlError(err, nil)
	}
	cfg.file = f
	if len(f.Docs) > 1 {
		return nil, &ConfigError{File: name, Msg: "one YAML document expected, found several"}
	}
	if len(f.Docs) == 1 && f.Docs[0].Body != nil {
		if err := yaml.NodeToValue(f.Docs[0].Body, cfg, yaml.Strict()); err != nil {
			return nil, cfg.yamlError(err, cfg)
		}
	}
	if err := cfg.expandEnv(reflect.ValueOf(cfg).Elem(), "$"); err != nil {
		return nil, err
	}
	if err := cfg.decodeSources(); err != nil {
		return nil, err
	}
	if dir != "" && cfg.Storage.Path != "" && !filepath.IsAbs(cfg.Storage.Path) {
		cfg.Storage.Path = filepath.Join(dir, cfg.Storage.Path)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// yamlError turns a decoder error into a ConfigError with line, column and key, in the
// config's terms (never Go types); target is the value being decoded (nil for a parse error).
func (c *Config) yamlError(err error, target any) error {
	if msg, tk, ok := yamlMessage(err); ok {
		p := tk.Position
		path := nodePathAt(c.file, tk)
		var ue *yaml.UnknownFieldError
		if errors.As(err, &ue) {
			// The message names the key: locate it by its parent.
			path = path[:max(strings.LastIndexAny(path, ".["), 0)]
		}
		return &ConfigError{File: c.File, Line: p.Line, Column: p.Column, Path: path, Msg: msg}
	}
	var ve *collectors.ValueError
	if errors.As(err, &ve) && c.file != nil {
		if n := findScalar(c.file, ve.Value); n != nil {
			p := n.GetToken().Position
			return &ConfigError{File: c.File, Line: p.Line, Column: p.Column, Path: nodePathAt(c.file, n.GetToken()), Msg: ve.Error()}
		}
	}
	if target != nil && c.file != nil {
		// goccy/go-yaml reports a list or mapping given to a text value (a duration, a
		// secret) without a position: find the key.
		if n := misshapenText(c.file, target); n != nil {
			p := n.GetToken().Position
			return &ConfigError{File: c.File, Line: p.Line, Column: p.Column, Path: nodePathAt(c.file, n.GetToken()),
				Msg: "want a single value, got " + nodeKind(n.Type())}
		}
	}
	return &ConfigError{File: c.File, Msg: err.Error()}
}

// findScalar returns the first scalar node whose value is v, to locate errors from text
// unmarshalers, which do not know their position.
func findScalar(f *ast.File, v string) ast.Node {
	var found ast.Node
	for _, d := range f.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			if s, ok := n.(ast.ScalarNode); ok && fmt.Sprint(s.GetValue()) == v {
				found = n
				return false
			}
			return true
		}), d)
	}
	return found
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// errorAt locates a problem by its YAML path ("$.brands[0].query").
func (c *Config) errorAt(path, msg string) *ConfigError {
	e := &ConfigError{File: c.File, Path: strings.TrimPrefix(path, "$."), Msg: msg}
	// A missing key is reported at its nearest enclosing key that exists.
	for p := path; p != "$" && p != ""; {
		if n := c.node(p); n != nil {
			pos := n.GetToken().Position
			e.Line, e.Column = pos.Line, pos.Column
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return e
}

func (c *Config) node(path string) ast.Node {
	if c.file == nil {
		return nil
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(c.file)
	if err != nil {
		return nil
	}
	return n
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${VAR} (which must be set) and ${VAR:-default} in every string of v.
func (c *Config) expandEnv(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if !strings.Contains(s, "${") {
			c.resolveFile(v, path)
			return nil
		}
		var missing string
		out := envRef.ReplaceAllStringFunc(s, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			val, ok := os.LookupEnv(m[1])
			if m[2] != "" {
				if !ok || val == "" {
					return m[3]
				}
				return val
			}
			if !ok && missing == "" {
				missing = m[1]
			}
			return val
		})
		if missing != "" {
			return c.errorAt(path, fmt.Sprintf("environment variable %s is not set (write ${%s:-} to allow it to be empty)", missing, missing))
		}
		if v.CanSet() {
			v.SetString(out)
			c.resolveFile(v, path)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return c.expandEnv(v.Elem(), path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("yaml") == "-" {
				continue
			}
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if err := c.expandEnv(v.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if err := c.expandEnv(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String {
			for _, k := range v.MapKeys() {
				if v.MapIndex(k).Kind() == reflect.Slice {
					if err := c.expandEnv(v.MapIndex(k), fmt.Sprintf("%s.%v", path, k)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// resolveFile makes a relative path in a `*_file` key (a secret read from a file) relative to
// the config file's folder, as storage.path is, rather than to wherever overhear was started.
func (c *Config) resolveFile(v reflect.Value, path string) {
	if f := v.String(); strings.HasSuffix(path, "_file") && f != "" && c.dir != "" && !filepath.IsAbs(f) && v.CanSet() {
		v.SetString(filepath.Join(c.dir, f))
	}
}

// decodeSources decodes each `sources:` block into its collector and initialises it.
func (c *Config) decodeSources() error {
	names := make([]string, 0, len(c.Sources))
	for n := range c.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		node := c.Sources[name]
		path := "$.sources." + name
		creator, ok := collectors.Lookup(name)
		if !ok {
			return c.errorAt(path, fmt.Sprintf("unknown source (known: %s)", strings.Join(collectors.Names(), ", ")))
		}
		var blocks []ast.Node
		var paths []string
		switch n := node.(type) {
		case nil, *ast.NullNode:
			continue
		case *ast.SequenceNode:
			for i, v := range n.Values {
				blocks = append(blocks, v)
				paths = append(paths, fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			blocks, paths = []ast.Node{node}, []string{path}
		}
		for i, b := range blocks {
			col := creator()
			if err := yaml.NodeToValue(b, col, yaml.Strict()); err != nil {
				return c.yamlError(err, col)
			}
			if err := c.expandEnv(reflect.ValueOf(col), paths[i]); err != nil {
				return err
			}
			if in, ok := col.(collectors.Initializer); ok {
				if err := in.Init(); err != nil {
					// Init errors start with the key they are about ("url: required").
					key, msg, ok := strings.Cut(err.Error(), ": ")
					if !ok || strings.ContainsAny(key, " /") {
						return c.errorAt(paths[i], err.Error())
					}
					return c.errorAt(paths[i]+"."+key, msg)
				}
			}
			c.Instances = append(c.Instances, SourceInstance{Source: name, Collector: col, path: paths[i]})
		}
	}
	return nil
}

// Validate checks values the decoder cannot: queries, names, addresses, secrets.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Storage.Path) == "" {
		return c.errorAt("$.storage.path", "must not be empty")
	}
	if r := c.Storage.Retention.D(); r != 0 && r < time.Hour {
		return c.errorAt("$.storage.retention", "must be at least 1h (or 0 to keep everything)")
	}
	if c.Storage.PruneEvery.D() < time.Second {
		return c.errorAt("$.storage.prune_every", "must be at least 1s")
	}
	tok, err := collectors.ResolveSecret(c.HTTP.AuthToken, c.HTTP.AuthTokenFile, "auth_token")
	if err != nil {
		return c.errorAt("$.http.auth_token", err.Error())
	}
	c.HTTP.AuthToken, c.HTTP.AuthTokenFile = tok, ""
	host, _, err := net.SplitHostPort(c.HTTP.Listen)
	if err != nil {
		return c.errorAt("$.http.listen", fmt.Sprintf("%q is not host:port: %v", c.HTTP.Listen, err))
	}
	if !isLoopback(host) && c.HTTP.AuthToken == "" && !c.HTTP.Insecure {
		return c.errorAt("$.http.listen", fmt.Sprintf("%q is reachable from other machines: set http.auth_token (bearer token for /api/*) or http.insecure: true", c.HTTP.Listen))
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return c.errorAt("$.log.level", fmt.Sprintf("%q: use debug, info, warn or error", c.Log.Level))
	}
	if f := c.Log.Format; f != "text" && f != "json" {
		return c.errorAt("$.log.format", fmt.Sprintf("%q: use text or json", f))
	}
	seen := map[string]bool{}
	for i := range c.Brands {
		b := &c.Brands[i]
		path := fmt.Sprintf("$.brands[%d]", i)
		if err := c.checkQuery(path, b.Name, b.Query, b.Validate()); err != nil {
			return err
		}
		if seen[b.Name] {
			return c.errorAt(path+".name", fmt.Sprintf("brand %q is defined twice", b.Name))
		}
		seen[b.Name] = true
		for src := range b.Accounts {
			if _, ok := collectors.Lookup(src); !ok {
				return c.errorAt(path+".accounts."+src, fmt.Sprintf("unknown source %q (known: %s)", src, strings.Join(collectors.Names(), ", ")))
			}
		}
	}
	seen = map[string]bool{}
	for i := range c.Topics {
		t := &c.Topics[i]
		path := fmt.Sprintf("$.topics[%d]", i)
		if err := c.checkQuery(path, t.Name, t.Query, t.Validate()); err != nil {
			return err
		}
		if seen[t.Name] {
			return c.errorAt(path+".name", fmt.Sprintf("topic %q is defined twice", t.Name))
		}
		seen[t.Name] = true
	}
	if len(c.Brands) == 0 && len(c.Topics) == 0 {
		return &ConfigError{File: c.File, Path: "brands", Msg: "configure at least one brand or topic to listen for"}
	}
	return c.validateAlerts()
}

// checkQuery turns a brand or topic validation error into a located one; query syntax errors
// point at the column inside the query as well as the line.
func (c *Config) checkQuery(path, name, query string, err error) error {
	if err == nil {
		if q, perr := collectors.ParseQuery(query); perr == nil {
			for _, w := range q.Warnings() {
				e := c.errorAt(path+".query", w)
				c.Warnings = append(c.Warnings, e.Error())
			}
		}
		return nil
	}
	var qe *collectors.QueryError
	if errors.As(err, &qe) {
		e := c.errorAt(path+".query", fmt.Sprintf("query %q: %s", query, qe.Error()))
		if n := c.node(path + ".query"); n != nil && !strings.Contains(query, "\n") {
			// Point at the offending rune: the scalar's column, past an opening quote.
			offset := qe.Column - 1
			if tk := n.GetToken(); tk != nil && (tk.Type == token.DoubleQuoteType || tk.Type == token.SingleQuoteType) {
				offset++
			}
			e.Column += offset
		}
		return e
	}
	field := "name"
	if strings.HasPrefix(err.Error(), "query") {
		field = "query"
	}
	return c.errorAt(path+"."+field, strings.TrimPrefix(strings.TrimPrefix(err.Error(), field+": "), field+":"))
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Watch derives what collectors need to know about the brands and topics.
func (c *Config) Watch() collectors.Watch {
	w := collectors.Watch{Accounts: map[string][]string{}}
	seen := map[string]bool{}
	add := func(query string) {
		w.Queries = append(w.Queries, query)
		q, err := collectors.ParseQuery(query)
		if err != nil {
			return
		}
		for _, t := range q.PositiveTerms() {
			if !seen[t] {
				seen[t] = true
				w.Terms = append(w.Terms, t)
			}
		}
	}
	for _, b := range c.Brands {
		add(b.Query)
		for src, accts := range b.Accounts {
			w.Accounts[src] = append(w.Accounts[src], accts...)
		}
	}
	for _, t := range c.Topics {
		add(t.Query)
	}
	return w
}
