package e2e

import (
	"context"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
)

// twoClasses is a workload file of two classes, 80% short chat and 20%
// long answers, the chat class with an SLO of its own.
const twoClasses = `{"classes": [
  {"name": "chat", "weight": 0.8, "max_tokens": 6, "slo": "ttft=40ms"},
  {"name": "long", "weight": 0.2, "input_tokens": "300-400", "max_tokens": 30}
]}`

// TestSimulatorClasses records a real simulator run with a two-class
// workload file: each row names its class, the classes' shares are their
// weights within a binomial tolerance, each class's answers have its
// max tokens, and llmrep's figures by class are what a direct DuckDB query
// over the file gives.
func TestSimulatorClasses(t *testing.T) {
	dir := t.TempDir()
	wf := filepath.Join(dir, "workload.json")
	if err := os.WriteFile(wf, []byte(twoClasses), 0o644); err != nil {
		t.Fatal(err)
	}
	classes, err := record.ParseWorkload([]byte(twoClasses), record.YAMLFile(wf), dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.Profile, cfg.Slots, cfg.PrefillMS, cfg.TokenMS, cfg.Jitter = sim.ProfileLinear, 1000, 20, 2, 0.2
	sh := simShape{stepUsers: 8, maxUsers: 16, stepTime: 2 * time.Second, waitMin: 0, waitMax: 5 * time.Millisecond, maxTokens: 12}
	path := recordSimRunWith(t, cfg, sh, func(c *record.Config) { c.Classes = classes })
	rows, meta := readRunFile(t, path)
	if meta.SchemaVersion != 3 || meta.Workload == nil || len(meta.Workload.Classes) != 2 || meta.Workload.Classes[0].SLO != "ttft=40ms" {
		t.Fatalf("footer: version %d, workload %+v", meta.SchemaVersion, meta.Workload)
	}
	checkClassRows(t, rows)

	o := testOptions(0, 5*time.Second)
	o.By = analyze.ByClass
	a, err := analyze.Analyze(context.Background(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Classes) != 2 || a.Classes[0].Name != "chat" || a.Classes[1].Name != "long" {
		t.Fatalf("classes %+v", a.Classes)
	}
	if a.Classes[0].SLOSource != "class" || a.Classes[1].SLOSource != "" {
		t.Errorf("SLO sources %q, %q", a.Classes[0].SLOSource, a.Classes[1].SLOSource)
	}
	compareWithDuckDB(t, path, a)

	// Without --by class there are no class figures.
	o.By = ""
	if b, err := analyze.Analyze(context.Background(), o, path); err != nil || b.Classes != nil {
		t.Errorf("without --by class: classes %v, %v", b.Classes, err)
	}
}

// checkClassRows: every row has a class; "long" is 0.2 of them within 4.5
// binomial standard deviations; each success's output tokens are its
// class's max tokens.
func checkClassRows(t *testing.T, rows []schemas.Record) {
	t.Helper()
	want := map[string]int32{"chat": 6, "long": 30}
	n, long := 0, 0
	for _, r := range rows {
		if r.Class == nil {
			t.Fatalf("row %d has no class", r.Seq)
		}
		n++
		if *r.Class == "long" {
			long++
		}
		if r.OK && (r.OutputTokens == nil || *r.OutputTokens != want[*r.Class]) {
			t.Errorf("row %d of class %s: output tokens %v, want %d", r.Seq, *r.Class, r.OutputTokens, want[*r.Class])
		}
	}
	if n < 200 {
		t.Fatalf("only %d rows", n)
	}
	sd := math.Sqrt(float64(n) * 0.2 * 0.8)
	if d := math.Abs(float64(long) - 0.2*float64(n)); d > 4.5*sd {
		t.Errorf("%d of %d rows are long: %.1f standard deviations from 20%%", long, n, d/sd)
	}
}

// classQuery is each class's figures straight from the file, warmup 0:
// requests, successes, good requests under its SLO (chat: TTFT ≤ 40 ms;
// long: none, every success), and the p50/p95/p99 of the latency, the
// TTFT and the TPOT over successes.
const classQuery = `
SELECT class, count(*), count(*) FILTER (WHERE ok),
    count(*) FILTER (WHERE ok AND (class <> 'chat' OR ttft_ms <= 40)),
    quantile_cont(latency_ms, [0.5, 0.95, 0.99]) FILTER (WHERE ok),
    quantile_cont(ttft_ms, [0.5, 0.95, 0.99]) FILTER (WHERE ok),
    quantile_cont(CASE WHEN output_tokens > 1 THEN (latency_ms - ttft_ms) / (output_tokens - 1) END, [0.5, 0.95, 0.99]) FILTER (WHERE ok)
FROM read_parquet(?)
GROUP BY class ORDER BY class`

// compareWithDuckDB checks a's class figures against classQuery and each
// class's per-step counts and p95 against a grouped query.
func compareWithDuckDB(t *testing.T, path string, a *analyze.Analysis) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(classQuery, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var name string
		var n, ok, good int64
		var lat, ttft, tpot []any
		if err := rows.Scan(&name, &n, &ok, &good, &lat, &ttft, &tpot); err != nil {
			t.Fatal(err)
		}
		c := a.Classes[i]
		if c.Name != name || c.Requests != n || c.OK != ok || c.Good != good {
			t.Errorf("class %s: %d requests, %d ok, %d good; the file says %s: %d, %d, %d", c.Name, c.Requests, c.OK, c.Good, name, n, ok, good)
		}
		for _, q := range []struct {
			fig  string
			got  analyze.Quantiles
			want []any
		}{{"latency", c.Latency, lat}, {"ttft", c.TTFT, ttft}, {"tpot", c.TPOT, tpot}} {
			for j, v := range []*float64{q.got.P50, q.got.P95, q.got.P99} {
				if w, _ := q.want[j].(float64); v == nil || !nearly(*v, w) {
					t.Errorf("class %s %s quantile %d: %v, the file says %v", name, q.fig, j, deref(v), w)
				}
			}
		}
	}
	if err := rows.Err(); err != nil || i != 2 {
		t.Fatalf("%d classes in the file, %v", i, err)
	}
	compareClassSteps(t, db, path, a)
}

// compareClassSteps checks each class's per-step requests and p95 against
// the file.
func compareClassSteps(t *testing.T, db *sql.DB, path string, a *analyze.Analysis) {
	t.Helper()
	rows, err := db.Query(`SELECT class, step, count(*), quantile_cont(latency_ms, 0.95) FILTER (WHERE ok)
		FROM read_parquet(?) GROUP BY class, step`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var class string
		var step int
		var reqs int64
		var p95 sql.NullFloat64
		if err := rows.Scan(&class, &step, &reqs, &p95); err != nil {
			t.Fatal(err)
		}
		n++
		found := false
		for _, c := range a.Classes {
			for _, s := range c.Steps {
				if c.Name == class && s.Step == step {
					found = true
					if s.Requests != reqs || s.P95MS == nil || !nearly(*s.P95MS, p95.Float64) {
						t.Errorf("class %s step %d: %d requests, p95 %v; the file says %d, %v", class, step, s.Requests, deref(s.P95MS), reqs, p95.Float64)
					}
				}
			}
		}
		if !found {
			t.Errorf("class %s step %d is in the file, not in the figures", class, step)
		}
	}
	if n < 4 {
		t.Errorf("only %d class steps", n)
	}
}

func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
