package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/llmrec/llmrec/schemas"
)

// TestPercentilesAreTheDatabaseAggregate: every percentile the analysis
// takes from sorted values (latency, TTFT, TPOT and tokens/s by step and
// overall, the steady state, the lag, the token counts by step) equals, to the bit, DuckDB's own
// quantile_cont computed straight from the run file by a separate
// database, on a run with ties, failures, missing TTFTs and token counts,
// and a varying lag.
func TestPercentilesAreTheDatabaseAggregate(t *testing.T) {
	// Small runs take the lag's and the token counts' from the aggregate
	// itself; larger ones, as every run does for the other figures, from
	// sorted values.
	for _, limit := range []int64{aggregateValues, 0} {
		t.Run(fmt.Sprintf("aggregate up to %d", limit), func(t *testing.T) {
			defer func(v int64) { aggregateValues = v }(aggregateValues)
			aggregateValues = limit
			checkPercentiles(t)
		})
	}
}

func checkPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var reqs []req
	const steps, stepS, perStep = 5, 10.0, 3001
	for k := range steps {
		for i := range perStep {
			r := req{sendS: float64(k)*stepS + float64(i)*stepS/perStep, step: k + 1, users: 10 * (k + 1), ok: i%53 != 0}
			// Never scheduled before the run's start (the format's promise).
			r.lagMS = min(float64(rng.IntN(4000))/7, r.sendS*1000)
			r.latMS = 5
			if r.ok {
				// Ties (rounded to 0.1 ms) and a knee: the last two steps slow.
				r.latMS = float64(int((100+rng.ExpFloat64()*40*float64(1+max(0, k-2)*3))*10)) / 10
				if i%5 != 0 {
					r.ttftMS = r.latMS * rng.Float64()
					r.tokens = rng.IntN(300)
				}
			}
			reqs = append(reqs, r)
		}
	}
	meta := testMeta("run-q", stepS, steps*stepS)
	meta.Workload = &schemas.Workload{InputTokens: "10", OutputTokens: "0-300", Prompts: "synthetic", Seed: 1}
	path := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), meta, reqs)
	// 1 request in 53 fails: over the default error threshold, which
	// would saturate the run at its first step and leave no steady state.
	opts := testOptions(0, 10*time.Second)
	opts.ErrorThreshold = 0.05
	a, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const rows = `WITH r AS (
	    SELECT step, ok, latency_ms, ttft_ms, output_tokens,
	        CAST((epoch_us(start) - epoch_us(scheduled_at)) / 1000.0 AS FLOAT) AS lag_ms,
	        CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END AS tpot,
	        CASE WHEN output_tokens > 0 AND latency_ms > 0 THEN output_tokens / (latency_ms / 1000) END AS tps
	    FROM read_parquet(?))`
	qs := func(query string, args ...any) []*float64 {
		t.Helper()
		var v [4]sql.NullFloat64
		if err := db.QueryRow(rows+query, append([]any{path}, args...)...).Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
			t.Fatal(err)
		}
		return []*float64{nullable(v[0]), nullable(v[1]), nullable(v[2]), nullable(v[3])}
	}
	const q4 = "SELECT q[1], q[2], q[3], q[4] FROM (SELECT quantile_cont(%s, [0.5, 0.9, 0.95, 0.99]) AS q FROM r WHERE ok%s)"
	same := func(what string, got, want *float64) {
		t.Helper()
		switch {
		case got == nil && want == nil:
		case got == nil || want == nil:
			t.Errorf("%s: got %v, want %v", what, got, want)
		case *got != *want:
			t.Errorf("%s: got %v, want %v (the database's quantile_cont)", what, *got, *want)
		}
	}
	ps := []string{"p50", "p90", "p95", "p99"}
	for _, fig := range []struct {
		name, x string
		got     func(step int) []*float64
	}{
		{"latency", "latency_ms", func(step int) []*float64 {
			l := a.Overall.Latency
			if step > 0 {
				l = a.Steps[step-1].Latency
			}
			return []*float64{l.P50MS, l.P90MS, l.P95MS, l.P99MS}
		}},
		{"ttft", "ttft_ms", func(step int) []*float64 {
			if step > 0 {
				l := a.Steps[step-1].LLM
				return []*float64{l.TTFTP50MS, nil, l.TTFTP95MS, l.TTFTP99MS}
			}
			q := a.LLM.TTFT
			return []*float64{q.P50, q.P90, q.P95, q.P99}
		}},
		{"tpot", "tpot", func(step int) []*float64 {
			if step > 0 {
				l := a.Steps[step-1].LLM
				return []*float64{l.TPOTP50MS, nil, l.TPOTP95MS, l.TPOTP99MS}
			}
			q := a.LLM.TPOT
			return []*float64{q.P50, q.P90, q.P95, q.P99}
		}},
		{"tps", "tps", func(step int) []*float64 {
			if step > 0 {
				return []*float64{a.Steps[step-1].LLM.TokensPerSP50, nil, nil, nil}
			}
			q := a.LLM.TokensPerS
			return []*float64{q.P50, q.P90, q.P95, q.P99}
		}},
	} {
		want := qs(fmt.Sprintf(q4, fig.x, ""))
		for j, g := range fig.got(0) {
			same(fig.name+" overall "+ps[j], g, want[j])
		}
		for step := 1; step <= steps; step++ {
			want := qs(fmt.Sprintf(q4, fig.x, " AND step = ?"), step)
			for j, g := range fig.got(step) {
				if g != nil || want[j] == nil {
					same(fmt.Sprintf("%s step %d %s", fig.name, step, ps[j]), g, want[j])
				}
			}
		}
	}
	for step := 1; step <= steps; step++ {
		tk := a.Steps[step-1].Tokens
		if tk == nil {
			t.Fatalf("step %d has no token figures", step)
		}
		want := qs("SELECT q[1], q[2], p[1], p[2] FROM (SELECT quantile_cont(output_tokens, [0.5, 0.95]) AS q, quantile_cont(10, [0.5, 0.95]) AS p FROM r WHERE ok AND step = ?)", step)
		same(fmt.Sprintf("step %d output tokens p50", step), tk.OutputP50, want[0])
		same(fmt.Sprintf("step %d output tokens p95", step), tk.OutputP95, want[1])
		same(fmt.Sprintf("step %d prompt tokens p50", step), tk.PromptP50, want[2])
	}
	lag := qs("SELECT q[1], q[2], NULL, NULL FROM (SELECT quantile_cont(lag_ms, [0.5, 0.99]) AS q FROM r)")
	same("lag p50", a.Lag.P50MS, lag[0])
	same("lag p99", a.Lag.P99MS, lag[1])
	if !a.Saturation.Reached || a.Saturation.Step == nil || *a.Saturation.Step < 2 {
		t.Fatalf("the run should saturate after its first step: %+v", a.Saturation)
	}
	steady := qs("SELECT q[1], q[2], NULL, NULL FROM (SELECT quantile_cont(latency_ms, [0.5, 0.99]) AS q FROM r WHERE ok AND step < ?)", *a.Saturation.Step)
	same("steady p50", a.Steady.P50MS, steady[0])
	same("steady p99", a.Steady.P99MS, steady[1])
	// The check can fail: the figures are not all equal to each other.
	if *a.Steps[0].Latency.P50MS == *a.Steps[steps-1].Latency.P50MS {
		t.Error("the fixture's steps do not differ")
	}
}

// TestEverythingInTheWarmup: a run whose every request falls in the
// warmup still has its whole-run figures (zero requests, no percentiles,
// LLM figures present but empty), no steps, and no error.
func TestEverythingInTheWarmup(t *testing.T) {
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(50, 100, 50)}})
	for i := range reqs {
		reqs[i].ttftMS = 20
	}
	path := writeRun(t, filepath.Join(t.TempDir(), "run.parquet"), testMeta("run-w", 10, 10), reqs)
	a, err := Analyze(context.Background(), testOptions(time.Hour, 10*time.Second), path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Overall.Requests != 0 || a.Overall.WarmupRequests != int64(len(reqs)) || len(a.Steps) != 0 || a.Overall.Latency.P50MS != nil {
		t.Errorf("overall %+v, %d steps; want no post-warmup request and %d in the warmup", a.Overall, len(a.Steps), len(reqs))
	}
	if a.Steps == nil {
		t.Error("steps are nil, want an empty list")
	}
	// The total row made the LLM figures (the run has TTFTs).
	if a.LLM == nil || a.LLM.TTFT.Samples != 0 || a.LLM.TTFT.P50 != nil {
		t.Errorf("LLM figures %+v, want present and empty", a.LLM)
	}
}
