package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/overhear/overhear/collectors/httpfetch"
)

// version, when set at link time, overrides the version read from the build:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/overhear
//
// It must stay an uninitialised string: -X cannot set a variable whose initialiser calls a
// function.
var version string

// buildVersion is the version this binary reports (`overhear --version`, the User-Agent of
// every collector, overhear_build_info, the HTTP index page).
var buildVersion = resolveVersion(version, debug.ReadBuildInfo)

// The collectors identify themselves with the binary's version; httpfetch cannot know it, so
// the command sets it before any collector is built.
func init() { httpfetch.Version = buildVersion }

// resolveVersion picks, in order: the -X override; the main module's version, which go build
// stamps from the VCS (a tag, or a pseudo-version ending in the commit, "+dirty" when the work
// tree had changes); the VCS revision when the module version is "(devel)"; else "dev" (go test,
// go run of a file, builds without VCS information such as the Docker image's).
func resolveVersion(override string, readBuildInfo func() (*debug.BuildInfo, bool)) string {
	if override != "" {
		return override
	}
	info, ok := readBuildInfo()
	if !ok || info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision == "" {
		return "dev"
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if modified == "true" {
		revision += "+dirty"
	}
	return revision
}

// runVersion prints the version: `overhear version` and `overhear --version`.
func runVersion(_ context.Context, m *Main, args []string) error {
	fs := m.newFlags("version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "overhear", buildVersion)
	return nil
}
