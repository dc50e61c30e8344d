package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmrec/llmrec/analyze"
)

// rateValue is a pflag.Value for a rate given as a fraction (0.01) or a
// percentage (1%).
type rateValue struct{ p *float64 }

func (r rateValue) String() string {
	if r.p == nil {
		return ""
	}
	return strconv.FormatFloat(*r.p, 'g', -1, 64)
}

func (r rateValue) Set(s string) error {
	v, err := parseRate(s)
	if err != nil {
		return err
	}
	*r.p = v
	return nil
}

func (r rateValue) Type() string { return "rate" }

func parseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	div := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = t, 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate (a fraction like 0.01 or a percentage like 1%%)", s)
	}
	return v / div, nil
}

// sloValue is the repeatable --slo flag: each value merges over the
// bounds given before it; a key given twice is refused.
type sloValue struct{ p *analyze.SLO }

func (v sloValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v sloValue) Set(s string) error {
	slo, err := analyze.ParseSLO(*v.p, s)
	if err != nil {
		var se *analyze.SLOError
		if errors.As(err, &se) {
			return errors.New(se.Reason)
		}
		return err
	}
	*v.p = slo
	return nil
}

func (v sloValue) Type() string { return "ttft=D,tpot=D,itl=D,latency=D" }

// percentilesValue is --percentiles: a list of percentages in (0, 100).
type percentilesValue struct{ p *[]float64 }

func (v percentilesValue) String() string {
	if v.p == nil {
		return ""
	}
	parts := make([]string, len(*v.p))
	for i, x := range *v.p {
		parts[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (v percentilesValue) Set(s string) error {
	ps, err := analyze.ParsePercentiles(s)
	if err != nil {
		return err
	}
	*v.p = mergePercentiles(*v.p, ps)
	return nil
}

func (v percentilesValue) Type() string { return "list" }

// mergePercentiles is a and b, ascending, without repeats.
func mergePercentiles(a, b []float64) []float64 {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// targetValue is --slo-target: a share in (0, 1].
type targetValue struct{ p *float64 }

func (v targetValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p*100, 'f', -1, 64) + "%"
}

func (v targetValue) Set(s string) error {
	x, err := analyze.ParseSLOTarget(s)
	if err != nil {
		return fmt.Errorf("%q must be a share in (0, 1]: a percentage like 90%% or a fraction like 0.9", s)
	}
	*v.p = x
	return nil
}

func (v targetValue) Type() string { return "share" }

// warmupValue is a pflag.Value for --warmup: "auto" (analyze.WarmupAuto)
// or a duration that is not negative.
type warmupValue struct{ p *time.Duration }

func (w warmupValue) String() string {
	if w.p == nil || *w.p == analyze.WarmupAuto {
		return "auto"
	}
	return w.p.String()
}

func (w warmupValue) Set(s string) error {
	if strings.TrimSpace(s) == "auto" {
		*w.p = analyze.WarmupAuto
		return nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return fmt.Errorf("%q must not be negative: give auto or a duration (30s, 0)", s)
	}
	*w.p = d
	return nil
}

func (w warmupValue) Type() string { return "duration|auto" }

// addCommonFlags adds the analysis flags shared by analyze, compare and
// check (docs/METHOD.md) to fs, bound to o.
func addCommonFlags(fs *pflag.FlagSet, o *analyze.Options) {
	fs.Var(warmupValue{&o.Warmup}, "warmup", "exclude requests sent in the first `DURATION` of the run; auto: the smaller of 30s and half the first step")
	fs.DurationVar(&o.Window, "window", o.Window, "`DURATION` of the windowed percentiles, from 1s to 24h")
	fs.IntVar(&o.BaselineUsers, "baseline-users", o.BaselineUsers, "the baseline is the first step with at least `N` users")
	fs.Float64Var(&o.LatencyThreshold, "latency-threshold", o.LatencyThreshold, "saturation when p95 exceeds `X` times the baseline (above 1, at most 1000)")
	fs.Var(rateValue{&o.ErrorThreshold}, "error-threshold", "saturation when the failure rate exceeds `RATE` (0.01 or 1%)")
	fs.StringVar(&o.Metric, "metric", o.Metric, "latency figures from `METRIC`: latency, ttft, or latency_from_schedule (open loops: from the arrival time to the last byte, waits included)")
	fs.StringVar(&o.MemoryLimit, "memory-limit", o.MemoryLimit, "the analysis's memory `SIZE` (256MB, 4GB; the default is the smaller of 4GB and half the machine's memory); the database gets two thirds of it and spills to --temp-dir beyond that")
	fs.StringVar(&o.TempDir, "temp-dir", o.TempDir, "spill into a private directory made in `DIR` (an existing directory) and removed afterwards (default the system's temporary directory)")
	fs.Var(sloValue{&o.SLO}, "slo", "a good request succeeded and met these bounds, e.g. ttft=500ms,tpot=50ms,latency=10s (any subset; repeatable, each key once): ttft to the first token, tpot per output token after it, itl every gap between content chunks (needs chunk times), latency (or e2el) the whole request")
	fs.Var(percentilesValue{&o.Percentiles}, "percentiles", "also compute these `LIST` percentiles of every distribution, e.g. 50,90,95,99,99.9 (listed in every report; gates and compare may name them: p99.9, ttft_p99.9, tpot_p99.9, itl_p99.9)")
	fs.DurationVar(&o.Stall, "stall", o.Stall, "a success stalled when two of its content chunks were more than `DURATION` apart (needs chunk times)")
	fs.Var(targetValue{&o.SLOTarget}, "slo-target", "a level holds when this share of its requests is good (90% or 0.9)")
}
