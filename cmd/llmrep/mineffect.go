package main

import (
	"github.com/llmrec/llmrec/analyze/compare"
)

// minEffectValue is --min-effect of compare and check: "5%,1pp", "10%",
// "2pp" or "0" (analyze.ParseMinEffect).
type minEffectValue struct{ m *compare.MinEffect }

func (v minEffectValue) String() string {
	if v.m == nil {
		return compare.DefaultMinEffect.String()
	}
	return v.m.String()
}

func (v minEffectValue) Set(s string) error {
	m, err := compare.ParseMinEffect(s)
	if err != nil {
		return err
	}
	*v.m = m
	return nil
}

func (minEffectValue) Type() string { return "EFFECT" }

// minEffectUsage is the help of --min-effect.
const minEffectUsage = "smallest change that counts: `PCT` for figures (latencies, req/s, tokens/s, capacity), PP for rates (failure rate, SLO attainment), e.g. 10%,2pp; a smaller change is the same whatever its p-value; 0 counts every significant change"
