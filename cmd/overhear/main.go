// Command overhear listens to online communities for brand and topic mentions, analyses them,
// stores them in bbolt and serves Prometheus metrics and a JSON API. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/overhear/overhear/alerts/rules/all"
	_ "github.com/overhear/overhear/collectors/all"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Exit codes (CONTRACTS.md).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Main is the program, with its standard streams injectable so tests drive the real wiring.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StderrIsTerminal enables progress output on long work.
	StderrIsTerminal bool
	// Logger overrides the logger built from the config (tests).
	Logger *slog.Logger
	// Ready, when set, receives the HTTP address once serve or demo listens (tests).
	Ready func(addr string)
}

// NewMain returns a Main on the process's streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StderrIsTerminal: isTerminal(os.Stderr)}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "replay bundled real posts through the whole pipeline and serve the results", runDemo},
		{"serve", "run collectors on schedule, evaluate alerts, serve HTTP (/metrics, /api/...)", runServe},
		{"once", "poll every source once, process, store, print a summary", runOnce},
		{"ingest", "run JSONL mentions through the pipeline into the store", runIngest},
		{"analyze", "analyse JSONL mentions from stdin, one JSON line out per line in (stateless)", runAnalyze},
		{"check", "validate the config and its queries; print it with secrets masked", runCheck},
		{"stats", "print store counts as JSON", runStats},
		{"questions", "recurring questions: export | group", runQuestions},
		{"communities", "per-community relationship metrics for a brand", runCommunities},
		{"voices", "recurring authors (micro-influencers) for a brand", runVoices},
		{"alerts", "alerts: test | list", runAlerts},
		{"backup", "write a consistent copy of the store", runBackup},
		{"eval", "evaluate analysis on labelled data: eval sentiment --file F", runEval},
		{"version", "print the version (also overhear --version)", runVersion},
	}
}

// usageError means bad flags or arguments: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Run runs the command in args and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage(m.Stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, m, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		}
		fmt.Fprintln(m.Stderr, "overhear "+c.name+":", err)
		var ue usageError
		var ce *ConfigError
		if errors.As(err, &ue) || errors.As(err, &ce) {
			return exitUsage
		}
		return exitFailure
	}
	fmt.Fprintf(m.Stderr, "overhear: unknown command %q\n\n", args[0])
	m.usage(m.Stderr)
	return exitUsage
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "Overhear listens to online communities for your brand and topics.")
	fmt.Fprintln(w, "\nUsage: overhear <command> [flags]   (overhear <command> --help for its flags)\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
}

// newFlags returns a flag set that prints its usage to m.Stderr and reports errors as usage errors.
func (m *Main) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("overhear "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: overhear %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, mapping errors to usage errors; extra positional arguments are refused.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ", ") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

// loadConfig loads the config file or the embedded default and prints its warnings.
func (m *Main) loadConfig(path string) (*Config, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(m.Stderr, "warning:", w)
	}
	return cfg, nil
}

// logger builds the logger the config asks for, on stderr.
func (m *Main) logger(cfg *Config) *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}
