// Command gen writes Overhear's Grafana dashboards as JSON into the current folder. It runs
// from `go generate ./dashboards`.
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/overhear/overhear/dashboards"
)

func main() {
	files, err := dashboards.Files()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(name, files[name], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote dashboards/" + name)
	}
}
