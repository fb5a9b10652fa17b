package main

import (
	"context"
	"fmt"

	"github.com/goccy/go-yaml"
)

func runCheck(_ context.Context, m *Main, args []string) error {
	fs := m.newFlags("check", "check [--config FILE]")
	configPath := fs.String("config", "", "config file (default: the embedded default config)")
	quiet := fs.Bool("quiet", false, "only report problems; do not print the parsed config")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*configPath)
	if err != nil {
		return err
	}
	if !*quiet {
		// Secrets marshal as a mask (collectors.Secret), so the dump is safe to share.
		out, err := yaml.MarshalWithOptions(cfg.dump(), yaml.Indent(2))
		if err != nil {
			return fmt.Errorf("print config: %w", err)
		}
		fmt.Fprint(m.Stdout, string(out))
	}
	name := cfg.File
	if name == "" {
		name = "embedded default config"
	}
	fmt.Fprintf(m.Stderr, "%s: OK (%d brands, %d topics, %d source instances, %d warnings)\n",
		name, len(cfg.Brands), len(cfg.Topics), len(cfg.Instances), len(cfg.Warnings))
	return nil
}

// dump is the config as check prints it: every key with its effective value.
func (c *Config) dump() any {
	sources := map[string][]any{}
	for _, in := range c.Instances {
		sources[in.Source] = append(sources[in.Source], in.Collector)
	}
	return struct {
		Storage StorageConfig    `yaml:"storage"`
		HTTP    HTTPConfig       `yaml:"http"`
		Log     LogConfig        `yaml:"log"`
		Brands  any              `yaml:"brands"`
		Topics  any              `yaml:"topics"`
		Sources map[string][]any `yaml:"sources"`
		Alerts  any              `yaml:"alerts"`
	}{c.Storage, c.HTTP, c.Log, c.Brands, c.Topics, sources, c.Alerts}
}
