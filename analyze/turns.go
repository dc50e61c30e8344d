package analyze

import (
	"database/sql"
	"fmt"
)

// turns computes the figures by conversation turn (Analysis.Turns) of a
// run whose users held conversations (Workload.Turns > 1): exact TTFT
// percentiles from the sorted values (turn_values.sql) at the ranks the
// counts give, as the step figures.
func (c *computer) turns() error {
	if w := c.a.Run.Workload; w == nil || w.Turns < 2 {
		return nil
	}
	rows, err := c.conn.QueryContext(c.ctx, query("turn_counts.sql"))
	if err != nil {
		return fmt.Errorf("count requests by turn: %w", err)
	}
	defer rows.Close()
	var (
		out   []Turn
		keys  []int
		ttftN []int64
	)
	for rows.Next() {
		var t Turn
		var n int64
		var mean sql.NullFloat64
		if err := rows.Scan(&t.Turn, &t.Requests, &t.OK, &n, &mean, &t.PromptTokensN); err != nil {
			return fmt.Errorf("read requests by turn: %w", err)
		}
		t.PromptTokensMean = nullable(mean)
		out, keys, ttftN = append(out, t), append(keys, t.Turn), append(ttftN, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read requests by turn: %w", err)
	}
	sq := newStepQuantiles(keys, ttftN, []float64{0.5, 0.95}, nil)
	if err := c.streamSteps(query("turn_values.sql"), nil, sq); err != nil {
		return fmt.Errorf("compute TTFT by turn: %w", err)
	}
	q, _, _ := sq.result()
	for i := range out {
		out[i].TTFTSamples = ttftN[i]
		out[i].TTFTP50MS, out[i].TTFTP95MS = q[i][0], q[i][1]
	}
	c.a.Turns = out
	if c.a.Turns == nil {
		c.a.Turns = []Turn{}
	}
	return nil
}
