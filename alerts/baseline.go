package alerts

import (
	"math"
	"sort"
)

// Baseline statistics.
//
// volume_spike compares the count in the current window with the counts in the same window
// one seasonal period ago, two periods ago, … (by default the same time of day on each of the
// last 28 days), using the median and the median absolute deviation (MAD) of those samples:
//
//	spike when count ≥ min_volume, count ≥ min_ratio × median,
//	and (count − median) / σ ≥ threshold, where σ = max(1.4826 × MAD, √max(median, 1)).
//
// Why median/MAD and not EWMA: an EWMA of the level and variance is pulled up by every spike
// it sees (yesterday's launch inflates today's baseline and variance, hiding today's real
// spike) and needs a warm-up and persisted state to survive restarts. The median and MAD
// ignore up to half the samples being outliers, need no state (they are recomputed from the
// stored mentions on each evaluation, so a restart or a late backfill changes nothing), and
// are deterministic, which keeps the rule testable on replayed streams. Same-time-of-day
// samples make the baseline seasonal: a brand discussed mostly during US working hours is not
// "spiking" every afternoon. Daily rather than hour-of-week is the default because 28 days
// give 28 samples per time of day but only 4 per hour of the week; weekends simply sit in the
// lower half of the samples, which the median tolerates. `seasonality: weekly` is there for
// brands whose weekends are truly different and that have months of history.
//
// The √median floor is the Poisson noise of a count: with a quiet, very regular brand the MAD
// can be 0, and without the floor one extra mention would be an infinite z-score.
//
// negative_swing compares the share of negative mentions in the window with the share over
// the baseline period before it (a pooled proportion, which is what "the brand's own
// baseline" means for a share), and fires when the rise is at least `threshold` share points
// and at least two standard errors (√(p₀(1−p₀)/n), p₀ floored at 2%) so that a handful of
// posts cannot page anyone. With `measure: mean_sentiment` it compares mean scores, using the
// baseline's standard deviation for the standard error.

// minSamples is the least number of baseline windows volume_spike needs.
const minSamples = 4

// madScale makes the MAD a consistent estimator of the standard deviation for normal data.
const madScale = 1.4826

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mad is the median absolute deviation from med.
func mad(xs []float64, med float64) float64 {
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	return median(dev)
}

// robustSigma is the spread volume_spike divides by: the scaled MAD, floored by Poisson noise.
func robustSigma(samples []float64, med float64) float64 {
	return math.Max(madScale*mad(samples, med), math.Sqrt(math.Max(med, 1)))
}

// shareStdErr is the standard error of a share over n mentions when the true share is p0.
func shareStdErr(p0 float64, n int) float64 {
	p0 = math.Min(math.Max(p0, 0.02), 0.98)
	return math.Sqrt(p0 * (1 - p0) / float64(n))
}

func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}
