package analyze

import (
	"context"

	"github.com/llmrec/llmrec/schemas"
)

// The recorder stores one schemas.GenSecond per second of its run: the CPU
// it used (in cores) and the worst scheduling lag of the requests it sent
// in that second. The row-based lag warning (LagThresholdMS,
// LagWarnFraction) catches a generator that sent late; generatorWarnings
// adds what only the metadata shows: a generator that ran out of CPU,
// whose timings (latency includes the client's own queueing for a CPU)
// cannot be trusted even when it still sent on time.

// GenBusyFraction: a second in which the recorder used at least this
// fraction of its GOMAXPROCS cores is a busy second.
const GenBusyFraction = 0.9

// GenBusyShare: more than this share of busy seconds (and at least
// GenBusyMinSeconds of them) raises the warning.
const (
	GenBusyShare      = 0.05
	GenBusyMinSeconds = 2
)

// generatorWarnings returns one warning per input file whose recorder was
// CPU-bound for a noticeable part of the run. Files without per-second
// data (older recorders, recover from a journal) give none. Canceling ctx
// stops it between files (a footer may hold a day of seconds).
func generatorWarnings(ctx context.Context, files []*inputFile) ([]Warning, error) {
	var w []Warning
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g := f.meta.Generator
		if g.GOMAXPROCS <= 0 || len(g.Seconds) == 0 {
			continue
		}
		limit := GenBusyFraction * float64(g.GOMAXPROCS)
		busy, peak := 0, 0.0
		for _, s := range g.Seconds {
			if s.CPU >= limit {
				busy++
			}
			peak = max(peak, s.CPU)
		}
		if busy < GenBusyMinSeconds || float64(busy) <= GenBusyShare*float64(len(g.Seconds)) {
			continue
		}
		w = append(w, Warning{Fact: GeneratorCPUFact{Shard: f.meta.Shard, File: f.arg, Named: len(files) > 1 || f.meta.Shards > 1,
			Cores: g.GOMAXPROCS, Busy: busy, Seconds: len(g.Seconds), Peak: peak, Simulator: f.meta.Simulator != ""}})
	}
	return w, nil
}

// generatorFailureWarning returns a warning when any request (warmup
// included) failed with class generator: the recorder itself ran out of
// file descriptors, memory or local ports, so those failures, and the load
// the target was asked to bear, are the recorder's, not the target's.
func generatorFailureWarning(a *Analysis) []Warning {
	var n int64
	for _, v := range a.Series.FailuresByClass[schemas.ErrGenerator] {
		n += v
	}
	if n == 0 {
		return nil
	}
	return []Warning{{Fact: FailureFact{Kind: FailGenerator, N: n}}}
}

// emptyWarnings warns of answers without content: failures of class
// empty (warmup included: a 2xx that generated nothing is the target's
// doing, and easily taken for a fast success), and, in files from a
// recorder before that class, post-warmup successes with 0 output tokens
// (emptyOK), which sit in the latency figures.
func emptyWarnings(a *Analysis, emptyOK int64) []Warning {
	var w []Warning
	var n int64
	for _, v := range a.Series.FailuresByClass[schemas.ErrEmpty] {
		n += v
	}
	if n > 0 {
		w = append(w, Warning{Fact: FailureFact{Kind: FailEmpty, N: n}})
	}
	if emptyOK > 0 {
		w = append(w, Warning{Fact: FailureFact{Kind: FailEmptyOK, N: emptyOK}})
	}
	return w
}
