package main

import (
	"fmt"
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
	fs.DurationVar(&o.Window, "window", o.Window, "`DURATION` of the windowed percentiles")
	fs.IntVar(&o.BaselineUsers, "baseline-users", o.BaselineUsers, "the baseline is the first step with at least `N` users")
	fs.Float64Var(&o.LatencyThreshold, "latency-threshold", o.LatencyThreshold, "saturation when p95 exceeds `X` times the baseline")
	fs.Var(rateValue{&o.ErrorThreshold}, "error-threshold", "saturation when the failure rate exceeds `RATE` (0.01 or 1%)")
	fs.StringVar(&o.Metric, "metric", o.Metric, "latency figures from `METRIC`: latency or ttft")
}
