package analyze

import (
	"database/sql"
	"fmt"
	"time"
)

// The figures of the chunk times (schema version 2): the ITL, every gap
// between consecutive content chunks pooled over the successes, and the
// stalls, each success's longest gap against the --stall threshold. The
// load keeps each row's gaps as a list (raw.d) and its longest gap
// (raw.max_gap_us); a run without chunk times has neither, and its ITL
// and stalls are nil, never zero.

// chunkWarnings says when an ITL bound was given for a run that has no
// chunk times: no request can be shown to meet it.
func chunkWarnings(a *Analysis, opts Options) []Warning {
	if opts.SLO.ITL > 0 && !a.Run.ChunkTimes {
		return []Warning{{Fact: RunFact{Kind: RunNoChunkTimes}}}
	}
	return nil
}

// stalls sets the run's and each step's stall share from the counts of
// the longest gaps (gap) and of the stalled successes by step.
func (c *computer) stalls(gap llmFigure, stalled []int64) {
	s := c.a.LLM.Stalls
	if s == nil {
		s = &Stalls{ThresholdMS: c.a.Settings.StallMS}
		c.a.LLM.Stalls = s
	}
	s.Requests = gap.total
	for i := range c.a.Steps {
		s.Stalled += stalled[i]
		if sl := c.a.Steps[i].LLM; sl != nil && gap.n[i] > 0 {
			sl.StallShare = ptr(float64(stalled[i]) / float64(gap.n[i]))
		}
	}
	if s.Requests > 0 {
		s.Share = ptr(float64(s.Stalled) / float64(s.Requests))
	}
}

// itl computes the pooled ITL of the run and of each step: exact
// percentiles at the ranks the counts give (itl_counts.sql) from every
// gap in ascending order (itl_values.sql), in memory that does not grow
// with the number of gaps.
func (c *computer) itl(steps []int) error {
	t0 := time.Now()
	pos := positions(steps)
	n := make([]int64, len(steps))
	var total int64
	var mx *float64
	rows, err := c.conn.QueryContext(c.ctx, query("itl_counts.sql"))
	if err != nil {
		return fmt.Errorf("count the ITL: %w", err)
	}
	for rows.Next() {
		var step, k int64
		var m sql.NullFloat64
		if err := rows.Scan(&step, &k, &m); err != nil {
			rows.Close()
			return fmt.Errorf("read the ITL counts: %w", err)
		}
		total += k
		if v := nullable(m); v != nil && (mx == nil || *v > *mx) {
			mx = v
		}
		if i, ok := pos[step]; ok {
			n[i] = k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the ITL counts: %w", err)
	}
	if total == 0 {
		c.setLLMTotal("itl", Quantiles{Percentiles: c.extra(nil)})
		return nil
	}
	q := newStepQuantiles(steps, n, c.ps(), nil)
	if err := c.streamSteps(query("itl_values.sql"), nil, q); err != nil {
		return fmt.Errorf("compute the ITL: %w", err)
	}
	c.trace("itl", t0)
	stepQ, totalQ, _ := q.Result()
	c.setLLMTotal("itl", Quantiles{Samples: total, P50: totalQ[0], P90: totalQ[1], P95: totalQ[2], P99: totalQ[3], Max: mx,
		Percentiles: c.extra(totalQ)})
	for i := range c.a.Steps {
		if sl := c.a.Steps[i].LLM; sl != nil {
			setStepLLM(sl, "itl", stepQ[i])
		}
	}
	return nil
}
