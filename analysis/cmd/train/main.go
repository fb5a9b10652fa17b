// Command train rebuilds the sentiment model embedded in package sentiment from the labelled
// data sets in the folder --data names (default ../shared/data, the team's copy), bit for bit:
// the same data and flags give the same model file. docs/accuracy.md says where the public copy
// of each data set comes from and which files the folder must hold.
//
//	go run ./analysis/cmd/train --data DIR                 # writes analysis/sentiment/model.bin
//	go run ./analysis/cmd/train --data DIR --eval          # and prints the dev figures devscore computes
//	go run ./analysis/cmd/train --data DIR --eval-only --baselines   # figures of the current model
//	                                                                 # and of cdipaolo/sentiment and VADER
//
// Run it from the repository root. A file missing from the data folder is a usage error (exit 2)
// that names every missing file before anything is read. Training uses the GoEmotions train split, the Dong-2014
// target tweets (train), the SemEval-2014 aspect sentences, the CrowdFlower brand tweets and the
// complaint tweets. The dev splits (GoEmotions dev, TweetEval val, Dong-2014 dev) only tune the
// decision offsets and the temperature: no weight is fitted on them.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/overhear/overhear/analysis/sentiment"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

// options are the command's flags.
type options struct {
	data, out          string
	eval, evalOnly     bool
	baselines          bool
	cfg                sentiment.TrainConfig
	wDong, wABSA, wCF  float64
	wComplaint, wAmbig float64
	wTargetCF          float64
	quiet, emotions    bool
}

func parse(args []string, stderr io.Writer) (options, error) {
	o := options{cfg: sentiment.DefaultTrainConfig}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "data", filepath.Join("..", "shared", "data"), "folder of the labelled data sets (layout and sources: docs/accuracy.md)")
	fs.StringVar(&o.out, "out", filepath.Join("analysis", "sentiment", "model.bin"), "model file to write")
	fs.BoolVar(&o.eval, "eval", false, "print the dev figures of the new model")
	fs.BoolVar(&o.evalOnly, "eval-only", false, "do not train: print the dev figures of the model at --out")
	fs.BoolVar(&o.baselines, "baselines", false, "also print cdipaolo/sentiment's and VADER's dev figures")
	bits := fs.Uint("bits", uint(o.cfg.TextBits), "log2 of the text head's hash buckets")
	tbits := fs.Uint("target-bits", uint(o.cfg.TargetBits), "log2 of the target head's hash buckets")
	fs.IntVar(&o.cfg.Epochs, "epochs", o.cfg.Epochs, "training passes")
	fs.Float64Var(&o.cfg.Rate, "rate", o.cfg.Rate, "AdaGrad learning rate")
	fs.Float64Var(&o.cfg.L2, "l2", o.cfg.L2, "L2 penalty")
	fs.Float64Var(&o.cfg.Dropout, "dropout", o.cfg.Dropout, "n-gram dropout probability")
	fs.IntVar(&o.cfg.Bags, "bags", o.cfg.Bags, "models averaged per head")
	fs.Uint64Var(&o.cfg.Seed, "seed", o.cfg.Seed, "shuffling seed")
	fs.Float64Var(&o.wDong, "w-dong", 1, "weight of the Dong-2014 train tweets in the text head")
	fs.Float64Var(&o.wABSA, "w-absa", 0.5, "weight of the SemEval-2014 sentences in the text head")
	fs.Float64Var(&o.wCF, "w-brand", 0.5, "weight of the CrowdFlower brand tweets in the text head")
	fs.Float64Var(&o.wTargetCF, "w-brand-target", 0.5, "weight of the CrowdFlower brand tweets in the target head")
	fs.Float64Var(&o.wComplaint, "w-complaint", 0.5, "weight of the complaint tweets (as negative) in the text head")
	fs.Float64Var(&o.wAmbig, "w-ambiguous", 0.3, "weight of GoEmotions' ambiguous comments as neutral (0: dropped)")
	netBits := fs.Uint("net-bits", uint(o.cfg.Net.Bits), "log2 of the net head's embedding buckets")
	fs.IntVar(&o.cfg.Net.Dim, "net-dim", o.cfg.Net.Dim, "net head's embedding size (0: no net head)")
	fs.Float64Var(&o.cfg.Net.Average, "net-average", o.cfg.Net.Average, "average the net head's weights from this fraction of training on (0: off)")
	fs.IntVar(&o.cfg.Net.Count, "net-count", o.cfg.Net.Count, "net heads averaged (each with its own seed)")
	fs.IntVar(&o.cfg.Net.Hidden, "net-hidden", o.cfg.Net.Hidden, "net head's hidden units")
	fs.IntVar(&o.cfg.Net.Epochs, "net-epochs", o.cfg.Net.Epochs, "net head's training passes")
	fs.Float64Var(&o.cfg.Net.Rate, "net-rate", o.cfg.Net.Rate, "net head's AdaGrad learning rate")
	fs.Float64Var(&o.cfg.Net.Dropout, "net-dropout", o.cfg.Net.Dropout, "net head's n-gram dropout probability")
	fs.Float64Var(&o.cfg.Net.Norm, "net-norm", o.cfg.Net.Norm, "net head's n-gram sum is scaled by count^-norm")
	fs.Float64Var(&o.cfg.Net.Aux, "net-aux", o.cfg.Net.Aux, "weight of the net head's auxiliary GoEmotions emotion loss")
	fs.Uint64Var(&o.cfg.Net.Seed, "net-seed", o.cfg.Net.Seed, "net head's initialisation and shuffling seed")
	fs.BoolVar(&o.quiet, "q", false, "print nothing but the figures")
	fs.BoolVar(&o.emotions, "emotions", false, "give the text head GoEmotions' emotion groups as classes (measured worse: see README)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("train: unexpected arguments %q", fs.Args())}
	}
	o.cfg.TextBits, o.cfg.TargetBits, o.cfg.Net.Bits = uint8(*bits), uint8(*tbits), uint8(*netBits)
	if o.emotions {
		o.cfg.TextClasses = textClasses()
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		if !o.quiet {
			fmt.Fprintf(stderr, format+"\n", a...)
		}
	}
	if err := checkData(o); err != nil {
		return err
	}
	dev, err := loadDev(o.data)
	if err != nil {
		return err
	}
	var m *sentiment.Model
	if o.evalOnly {
		f, err := os.Open(o.out)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		defer f.Close()
		if m, err = sentiment.Load(f); err != nil {
			return err
		}
	} else {
		start := time.Now()
		m, err = train(o, dev, logf)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return err
		}
		if err := writeFile(o.out, buf.Bytes()); err != nil {
			return err
		}
		logf("wrote %s (%d bytes) in %s", o.out, buf.Len(), time.Since(start).Round(time.Millisecond))
		// Evaluate the model as the binary will see it: read back from the file.
		if m, err = sentiment.Load(bytes.NewReader(buf.Bytes())); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.eval || o.evalOnly {
		report(stdout, "overhear", dev, m.Score, m.ScoreTargetPhrase)
	}
	if o.baselines {
		return baselines(stdout, dev)
	}
	return nil
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Files of the data folder, relative to it: the dev (tuning) sets every run reads, and the
// training sets a run that trains reads.
var (
	devFiles = []string{
		"goemotions/dev_sentiment.tsv",
		"tweeteval-sentiment/val_text.txt",
		"tweeteval-sentiment/val_labels.txt",
		"twitter-target-sentiment-dong2014/dev.jsonl",
	}
	trainFiles = []string{
		"goemotions/train_sentiment.tsv",
		"twitter-target-sentiment-dong2014/train.jsonl",
		"semeval14-absa/laptops_train.jsonl",
		"semeval14-absa/restaurants_train.jsonl",
		"brand-product-emotion-tweets-crowdflower/tweets.jsonl",
		"complaints-tweets-preotiuc2019/complaints.jsonl",
	}
)

// checkData fails, naming every missing file, when the data folder lacks a file the run needs,
// so a wrong --data says so at once rather than as the first failed open.
func checkData(o options) error {
	need := slices.Clone(devFiles)
	if !o.evalOnly {
		need = append(need, trainFiles...)
		if o.emotions {
			need = append(need, "goemotions/emotions.txt")
		}
	}
	var missing []string
	for _, f := range need {
		if _, err := os.Stat(filepath.Join(o.data, filepath.FromSlash(f))); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("train: the data folder %s lacks %s (set --data to the folder that holds the data sets; docs/accuracy.md says where each comes from)",
			o.data, strings.Join(missing, ", "))}
	}
	if o.evalOnly {
		if _, err := os.Stat(o.out); err != nil {
			return usageError{fmt.Errorf("train: --eval-only measures the model at --out, and %s cannot be read: %w", o.out, err)}
		}
	}
	return nil
}

// devSets are the tuning sets.
type devSets struct {
	goEmotions, tweetEval []sentiment.Example
	dong                  []phraseExample
}

func loadDev(data string) (devSets, error) {
	var d devSets
	var err error
	if d.goEmotions, err = goEmotions(filepath.Join(data, "goemotions", "dev_sentiment.tsv"), nil, 0); err != nil {
		return d, err
	}
	if d.tweetEval, err = tweetEval(filepath.Join(data, "tweeteval-sentiment")); err != nil {
		return d, err
	}
	if d.dong, err = dongDev(filepath.Join(data, "twitter-target-sentiment-dong2014", "dev.jsonl")); err != nil {
		return d, err
	}
	return d, nil
}

// loadTrain reads every training set, in a fixed order.
func loadTrain(o options) (text, target []sentiment.Example, err error) {
	var classes map[string]int
	if o.emotions {
		if classes, err = emotionClassOf(o.data); err != nil {
			return nil, nil, err
		}
	}
	ge, err := goEmotions(filepath.Join(o.data, "goemotions", "train_sentiment.tsv"), classes, float32(o.wAmbig))
	if err != nil {
		return nil, nil, err
	}
	text = append(text, ge...)
	dongT, dongX, err := targetSet(filepath.Join(o.data, "twitter-target-sentiment-dong2014", "train.jsonl"), 1)
	if err != nil {
		return nil, nil, err
	}
	target = append(target, dongT...)
	text = append(text, reweight(dongX, o.wDong)...)
	for _, f := range []string{"laptops_train.jsonl", "restaurants_train.jsonl"} {
		t, x, err := targetSet(filepath.Join(o.data, "semeval14-absa", f), 1)
		if err != nil {
			return nil, nil, err
		}
		target = append(target, t...)
		text = append(text, reweight(sentenceLabels(x), o.wABSA)...)
	}
	cfT, cfX, err := brandTweets(filepath.Join(o.data, "brand-product-emotion-tweets-crowdflower", "tweets.jsonl"), 1)
	if err != nil {
		return nil, nil, err
	}
	target = append(target, reweight(cfT, o.wTargetCF)...)
	text = append(text, reweight(cfX, o.wCF)...)
	cp, err := complaints(filepath.Join(o.data, "complaints-tweets-preotiuc2019", "complaints.jsonl"), 1)
	if err != nil {
		return nil, nil, err
	}
	text = append(text, reweight(cp, o.wComplaint)...)
	return text, target, nil
}

func reweight(xs []sentiment.Example, w float64) []sentiment.Example {
	if w <= 0 {
		return nil
	}
	for i := range xs {
		xs[i].Weight = float32(w)
	}
	return xs
}

func train(o options, dev devSets, logf func(string, ...any)) (*sentiment.Model, error) {
	lex, err := vaderLexicon()
	if err != nil {
		return nil, err
	}
	text, target, err := loadTrain(o)
	if err != nil {
		return nil, err
	}
	logf("training on %d texts and %d targets (%+v)", len(text), len(target), o.cfg)
	m := sentiment.NewModel(lex)
	if err := m.Train(text, target, o.cfg); err != nil {
		return nil, err
	}
	var dongEx []sentiment.Example
	for _, x := range dev.dong {
		dongEx = append(dongEx, sentiment.Example{Text: x.Text, Label: x.Label, Spans: sentiment.FindPhrase(x.Text, x.Target)})
	}
	m.Tune(
		[]sentiment.TuneSet{
			{Name: "GoEmotions dev", Examples: dev.goEmotions, Metric: sentiment.MacroF1},
			{Name: "TweetEval val", Examples: dev.tweetEval, Metric: sentiment.MacroRecall},
		},
		[]sentiment.TuneSet{{Name: "Dong-2014 dev", Examples: dongEx, Metric: sentiment.MacroF1}},
	)
	return m, nil
}

// report prints the dev figures the way ../shared/tools/devscore does.
func report(w io.Writer, name string, dev devSets, score func(string) sentiment.Result, target func(string, string) sentiment.Result) {
	show := func(set string, gold, pred []string) {
		e := sentiment.Evaluate(gold, pred)
		fmt.Fprintf(w, "%s %s: macro-F1 %.3f  macro-recall %.3f  accuracy %.3f  (n=%d)\n", name, set, e.MacroF1, e.MacroRecall, e.Accuracy, e.N)
		for _, c := range e.Classes {
			fmt.Fprintf(w, "    %-9s P %.3f R %.3f F1 %.3f\n", c.Label, c.Precision, c.Recall, c.F1)
		}
	}
	for _, s := range []struct {
		name string
		xs   []sentiment.Example
	}{{"GoEmotions dev (Reddit)", dev.goEmotions}, {"TweetEval val", dev.tweetEval}} {
		gold, pred := make([]string, len(s.xs)), make([]string, len(s.xs))
		for i, x := range s.xs {
			gold[i], pred[i] = sentiment.Labels[x.Label], score(x.Text).Label
		}
		show(s.name, gold, pred)
	}
	if target != nil {
		gold, pred := make([]string, len(dev.dong)), make([]string, len(dev.dong))
		for i, x := range dev.dong {
			gold[i], pred[i] = sentiment.Labels[x.Label], target(x.Text, x.Target).Label
		}
		show("Dong-2014 target dev", gold, pred)
	}
}
