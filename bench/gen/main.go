// Command gen writes benchmark input for `overhear ingest`: the real demo corpus cycled with
// unique ids and timestamps spread over the last 90 days (bench/benchdata), as JSONL mentions,
// and with --config a config file naming the benchmark's brands and topics.
//
//	go run ./bench/gen --n 200000 --out /tmp/mentions.jsonl --config /tmp/bench.yaml --store /tmp/bench.db
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/overhear/overhear/bench/benchdata"
)

func main() {
	n := flag.Int("n", 100000, "mentions to write")
	out := flag.String("out", "-", "JSONL output file (- for stdout)")
	config := flag.String("config", "", "also write a config with the benchmark's brands and topics here")
	store := flag.String("store", "bench.db", "storage.path of that config")
	flag.Parse()
	if err := run(*n, *out, *config, *store); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n int, out, config, store string) error {
	if config != "" {
		if err := os.WriteFile(config, []byte(benchdata.ConfigYAML(store)), 0o644); err != nil {
			return err
		}
	}
	g, err := benchdata.NewGenerator(n, time.Now().UTC())
	if err != nil {
		return err
	}
	w := os.Stdout
	if out != "-" {
		if w, err = os.Create(out); err != nil {
			return err
		}
		defer w.Close()
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := 0; i < n; i++ {
		m := g.Mention(i)
		if err := enc.Encode(&m); err != nil {
			return err
		}
	}
	return bw.Flush()
}
