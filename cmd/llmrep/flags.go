package main

import (
	"fmt"
	"strconv"
	"strings"

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

// addCommonFlags adds the analysis flags shared by analyze, compare and
// check (docs/METHOD.md) to fs, bound to o.
func addCommonFlags(fs *pflag.FlagSet, o *analyze.Options) {
	fs.DurationVar(&o.Warmup, "warmup", o.Warmup, "exclude requests sent in the first `DURATION` of the run")
	fs.DurationVar(&o.Window, "window", o.Window, "`DURATION` of the windowed percentiles")
	fs.IntVar(&o.BaselineUsers, "baseline-users", o.BaselineUsers, "the baseline is the first step with at least `N` users")
	fs.Float64Var(&o.LatencyThreshold, "latency-threshold", o.LatencyThreshold, "saturation when p95 exceeds `X` times the baseline")
	fs.Var(rateValue{&o.ErrorThreshold}, "error-threshold", "saturation when the failure rate exceeds `RATE` (0.01 or 1%)")
	fs.StringVar(&o.Metric, "metric", o.Metric, "latency figures from `METRIC`: latency, ttft, or latency_from_schedule (open loops: from the arrival time to the last byte, waits included)")
}
