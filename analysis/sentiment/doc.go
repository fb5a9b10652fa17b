// Package sentiment is Overhear's three-class sentiment model for social text: positive,
// neutral or negative, with a calibrated score P(positive) - P(negative) in [-1, 1], for a
// whole post (Score) and toward a target such as a brand (ScoreTarget, ScoreTargetPhrase).
//
// # Model
//
// Two multinomial logistic regressions over hashed features, trained with AdaGrad, and two
// small neural nets ensembled with the first:
//
//   - the text head reads a whole post: word unigrams and bigrams, 5-letter word prefixes
//     (a cheap stem), and dense lexicon and style features;
//   - the net heads read the same features, embedded (16 numbers each), summed and passed
//     through 32 ReLU units; they learn GoEmotions' 28 emotions as an auxiliary task while
//     training. Score mixes the text head's log probabilities with the nets' mean (the share,
//     like the decision offsets, is tuned on the dev splits). A net sees each example once:
//     a second pass lets it memorise n-grams and loses 2 to 4 points on the dev splits;
//   - the target head reads the post as a whole, the clauses holding the target (cut at
//     sentence ends and at contrast words: "but", "unlike", "than", "whereas", ...), and the
//     words next to it by position. When a contrast word sets the target's clause against
//     the rest, the text head's reading of that clause alone is blended in, so
//     "X is great, unlike Acme which broke twice" is negative for Acme and positive for X.
//
// The tokenizer handles what social text does: negation scope ("not good" marks "good" until
// the next punctuation, for up to four words), intensifiers and dampeners ("very", "slightly"),
// "but" (the clause after it counts 1.5 times, the one before half, as in VADER), ALL CAPS as
// emphasis, elongation ("sooo goood" is "so good" plus a flag), emoticons and emoji (as tokens
// and with a valence), slang spellings ("gr8", "thx"), Reddit's "/s" and "#sarcasm" (which swap
// the polar classes), GoEmotions' [NAME] placeholders, URLs (one token), @user mentions
// (dropped: who is addressed says nothing of the tone), HTML entities, Markdown emphasis, and
// quoted lines ("> ..."), fenced code blocks and table rows ("| a | b |"), which are skipped: a
// reply quoting a rant is not a rant (the block shapes are those of analysis/internal/blocks,
// which question detection reads too). Literal \uXXXX escapes left by a double JSON encoding ("I\u2019m") are decoded.
//
// The lexicon is VADER's (Hutto and Gilbert, ICWSM 2014; MIT licence, read at training time
// from the github.com/jonreiter/govader module) plus a few social-media words and emoji it
// lacks; its valences are stored in the model file, and its shifted sums (positive, negative,
// net, maxima, last sentence, with "!" and caps interactions) are features the heads weigh.
//
// # Scoring a post and its targets
//
// Score and ScoreTarget each read the text. A post scored as a whole and toward several brands
// is read once with Parse (or ScoreWithTargets): the text is tokenised once, the whole text's
// negation and "but" scopes are applied once, and each target re-reads only the sentences that
// hold it (those scopes never reach across a sentence end). The results are bit for bit those
// of Score and ScoreTarget; a Doc and its buffers come from a pool, so none of this allocates.
//
// # Training
//
// go run ./analysis/cmd/train rebuilds model.bin bit for bit from ../shared/data: GoEmotions
// train, the Dong-2014 train tweets, the SemEval-2014 aspect sentences, the CrowdFlower brand
// tweets and the complaint tweets. The dev splits it is measured on (GoEmotions dev, TweetEval
// val, Dong-2014 dev) are used only to tune each head's three decision offsets and its
// temperature, and the nets' share of the ensemble, never to fit a weight. Shuffling uses a seeded PCG, no map order reaches the
// output, and products are converted to float64 explicitly so no fused multiply-add changes a
// bit across architectures. Weights are stored as int8 on a square-root scale (small weights
// keep precision), zero rows are left out; the file is about 6 MB.
//
// # cdipaolo/sentiment
//
// github.com/cdipaolo/sentiment, the library Overhear started with, is kept as the measured
// baseline: `go run ./analysis/cmd/train --eval-only --baselines` prints its figures next to
// this model's and VADER's on the same dev sets (see README.md). It is not used at run time:
// it is a two-class Naive Bayes trained on movie reviews, with no neutral class, and it scores
// 0.32 macro-F1 on GoEmotions dev where this model scores 0.69.
package sentiment
