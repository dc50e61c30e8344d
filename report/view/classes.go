package view

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze"
)

// The figures by request class (llmrep analyze --by class): one table, a
// row a class, and a line a class saying the SLO it was judged by and its
// capacity.

// MaxClassName bounds a class name in a table cell.
const MaxClassName = 24

// ClassTable lays out Analysis.Classes: a row a class with its weight,
// requests, failure rate, the metric's p50/p95/p99, the TTFT's and the
// TPOT's p95, its SLO attainment and its capacity. No rows without
// classes.
func ClassTable(a *analyze.Analysis) Table {
	if len(a.Classes) == 0 {
		return Table{}
	}
	t := Table{
		Head:  []string{"class", "weight", "requests", "fail", "p50", "p95", "p99", "TTFT p95", "TPOT p95", "SLO met", "capacity"},
		Right: []bool{false, true, true, true, true, true, true, true, true, true, true},
		Of:    "classes",
	}
	for _, c := range a.Classes {
		met := "—"
		if c.SLO != nil {
			met = Pct(c.SLOAttainment)
		}
		t.Rows = append(t.Rows, []string{Clip(Clean(c.Name), MaxClassName), Pct(&c.Share), Int(c.Requests), Pct(c.FailRate),
			Num(c.Latency.P50, 1), Num(c.Latency.P95, 1), Num(c.Latency.P99, 1), Num(c.TTFT.P95, 1), Num(c.TPOT.P95, 2),
			met, classCapacity(a, c)})
	}
	return t
}

// classCapacity is a class's capacity level, "none" when its first judged
// level already failed, "n/a" when no level was judged.
func classCapacity(a *analyze.Analysis, c analyze.ClassFigures) string {
	switch {
	case c.Capacity.Level != nil:
		return levelWords(a.Run.LevelKind, *c.Capacity.Level)
	case c.Capacity.Bounded:
		return "none"
	}
	return NA
}

// ClassLines say, a line a class, the SLO its requests were judged by and
// what its capacity rests on: "chat (80% of requests): judged by its own
// SLO, TTFT ≤ 500 ms; holds 8 users, saturated at 16 users (latency)".
func ClassLines(a *analyze.Analysis) []string {
	var out []string
	for _, c := range a.Classes {
		slo := "no SLO: every success is good"
		switch c.SLOSource {
		case "class":
			slo = "judged by its own SLO, " + sloWords(c.SLO)
		case "run":
			slo = "judged by --slo, " + sloWords(c.SLO)
		}
		line := fmt.Sprintf("%s (%s of the requests with a class, weight %s): %s; capacity %s",
			Clip(Clean(c.Name), MaxClassName*2), Pct(c.RequestShare), Pct(&c.Share), slo, classCapacity(a, c))
		if c.Capacity.SaturationLevel != nil && c.Capacity.Signal != nil {
			line += fmt.Sprintf(", saturated at %s (%s)", levelWords(a.Run.LevelKind, *c.Capacity.SaturationLevel), Clean(*c.Capacity.Signal))
		}
		if c.MeanOutputTokens != nil {
			line += fmt.Sprintf("; %s output tokens on average", Num(c.MeanOutputTokens, 1))
		}
		out = append(out, line)
	}
	return out
}
