package analyze

import (
	"context"
	"fmt"

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
func generatorWarnings(ctx context.Context, files []*inputFile) ([]string, error) {
	var w []string
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
		who := "the load generator"
		if len(files) > 1 || f.meta.Shards > 1 {
			who = fmt.Sprintf("the load generator of shard %d (%s)", f.meta.Shard, f.arg)
		}
		msg := fmt.Sprintf("%s used %.0f%% or more of its %d CPU cores in %d of %d seconds (peak %.2f cores): it may have been the bottleneck, and its latencies include its own wait for a CPU; use fewer users per recorder or more shards",
			who, 100*GenBusyFraction, g.GOMAXPROCS, busy, len(g.Seconds), peak)
		if f.meta.Simulator != "" {
			msg += " (the built-in simulator ran in the same process: its CPU counts too)"
		}
		w = append(w, msg)
	}
	return w, nil
}

// generatorFailureWarning returns a warning when any request (warmup
// included) failed with class generator: the recorder itself ran out of
// file descriptors, memory or local ports, so those failures, and the load
// the target was asked to bear, are the recorder's, not the target's.
func generatorFailureWarning(a *Analysis) []string {
	var n int64
	for _, v := range a.Series.FailuresByClass[schemas.ErrGenerator] {
		n += v
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s failed on the load generator itself (class %s: out of file descriptors, memory or local ports), not on the target: raise `ulimit -n`, use fewer users per recorder or more shards, and do not read these failures as the target's",
		plural(int(n), "request", "requests"), schemas.ErrGenerator)}
}

// emptyWarnings warns of answers without content: failures of class
// empty (warmup included: a 2xx that generated nothing is the target's
// doing, and easily taken for a fast success), and, in files from a
// recorder before that class, post-warmup successes with 0 output tokens
// (emptyOK), which sit in the latency figures.
func emptyWarnings(a *Analysis, emptyOK int64) []string {
	var w []string
	var n int64
	for _, v := range a.Series.FailuresByClass[schemas.ErrEmpty] {
		n += v
	}
	if n > 0 {
		w = append(w, fmt.Sprintf("%s got a complete 2xx answer with no content (class %s, counted as failures): the service answered without generating a token; check the model, the prompts and max_tokens",
			plural(int(n), "request", "requests"), schemas.ErrEmpty))
	}
	if emptyOK > 0 {
		w = append(w, fmt.Sprintf("%s carried 0 output tokens: empty answers, counted as successes by the recorder that wrote the file (today's llmrec fails them as class %s); their latencies are in the figures",
			plural(int(emptyOK), "success", "successes"), schemas.ErrEmpty))
	}
	return w
}
