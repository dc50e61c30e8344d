package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/llmrec/llmrec/internal/cleantext"
	"github.com/llmrec/llmrec/record"
)

// maxRows bounds the statistics table the dashboard keeps: the rows of the
// latest maxRows steps (the file has them all).
const maxRows = 1000

// tables is the dashboard's copy of the live tables: the statistics by
// step, the run's total row, the failures by class, the verdict so far.
// The hub writes it, under Server.mu.
type tables struct {
	rows     map[int]row
	dropped  int // steps whose rows were let go (maxRows)
	total    row
	failures []failure
	verdict  verdict
}

// row is a line of the statistics table as the page gets it.
type row struct {
	Step      int   `json:"step"` // 0: the total
	Level     num   `json:"level"`
	Requests  int64 `json:"n"`
	Failures  int64 `json:"fail"`
	P50       num   `json:"p50"`
	P90       num   `json:"p90"`
	P95       num   `json:"p95"`
	P99       num   `json:"p99"`
	Max       num   `json:"max"`
	RPS       num   `json:"rps"`
	Completed num   `json:"done"`
	TTFTP95   num   `json:"t95"`
	Waited    int64 `json:"waited"`
	Ended     bool  `json:"ended"`
}

func newRow(r *record.StepRow) row {
	return row{Step: r.Step, Level: num(r.Level), Requests: r.Requests, Failures: r.Failures,
		P50: num(r.P50), P90: num(r.P90), P95: num(r.P95), P99: num(r.P99), Max: num(r.Max),
		RPS: num(r.RPS), Completed: num(r.CompletedRPS), TTFTP95: num(r.TTFTP95), Waited: r.Waited, Ended: r.Ended}
}

// failure is a line of the failures table.
type failure struct {
	Class   string `json:"class"`
	Count   int64  `json:"count"`
	Latest  string `json:"latest"`
	LatestS num    `json:"at"`
}

// verdict is the live verdict and the live rule's marker.
type verdict struct {
	Kind        string   `json:"kind"`
	Baseline    int      `json:"bstep"`
	Saturation  int      `json:"sstep"`
	SatLevel    num      `json:"slevel"`
	Signal      string   `json:"signal"`
	Signals     []string `json:"signals"`
	Capacity    int      `json:"cstep"`
	CapLevel    num      `json:"clevel"`
	Bounded     bool     `json:"bounded"`
	FiredStep   int      `json:"fstep"`
	FiredAtS    num      `json:"fat"`
	FiredDetail string   `json:"fdetail"`
}

// tableEvent is the "table" event: the rows that changed (all of them
// when a page connects), the total, the failures and the verdict.
type tableEvent struct {
	Rows     []row     `json:"rows"`
	Dropped  int       `json:"dropped"`
	Total    row       `json:"total"`
	Failures []failure `json:"failures"`
	Verdict  verdict   `json:"verdict"`
}

// update takes a snapshot's tables in and returns the event of what
// changed; s.mu is held.
func (t *tables) update(s *record.Snapshot) tableEvent {
	if t.rows == nil {
		t.rows = map[int]row{}
	}
	ev := tableEvent{Rows: make([]row, 0, len(s.Steps))}
	for i := range s.Steps {
		r := newRow(&s.Steps[i])
		t.rows[r.Step] = r
		ev.Rows = append(ev.Rows, r)
	}
	for len(t.rows) > maxRows {
		delete(t.rows, slices.Min(t.keys()))
		t.dropped++
	}
	t.total = newRow(&s.TotalRow)
	t.failures = t.failures[:0]
	for _, f := range s.FailureClasses {
		t.failures = append(t.failures, failure{Class: f.Class, Count: f.Count, Latest: f.Latest, LatestS: num(f.LatestS)})
	}
	v := s.Verdict
	t.verdict = verdict{Kind: v.Kind, Baseline: v.BaselineStep, Saturation: v.SaturationStep, SatLevel: num(v.SaturationLevel),
		Signal: v.Signal, Signals: v.Signals, Capacity: v.CapacityStep, CapLevel: num(v.CapacityLevel), Bounded: v.Bounded,
		FiredStep: s.FiredStep, FiredAtS: num(s.FiredAt.Seconds()), FiredDetail: s.FiredDetail}
	ev.Dropped, ev.Total, ev.Failures, ev.Verdict = t.dropped, t.total, t.failures, t.verdict
	return ev
}

func (t *tables) keys() []int {
	ks := make([]int, 0, len(t.rows))
	for k := range t.rows {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// all is the event of the whole table, for a page that connects.
func (t *tables) all() tableEvent {
	ev := tableEvent{Rows: []row{}, Dropped: t.dropped, Total: t.total, Failures: t.failures, Verdict: t.verdict}
	for _, k := range t.keys() {
		ev.Rows = append(ev.Rows, t.rows[k])
	}
	if ev.Failures == nil {
		ev.Failures = []failure{}
	}
	return ev
}

// statsCSV is the statistics table as CSV: a row per step, the total
// last.
func (t *tables) statsCSV(open bool) [][]string {
	lvl := "users"
	if open {
		lvl = "offered_rps"
	}
	head := []string{"step", lvl, "requests", "failures", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "rps", "completed_rps", "ttft_p95_ms"}
	if open {
		head = append(head, "waited")
	}
	out := [][]string{head}
	add := func(step string, r row) {
		level := cell(r.Level)
		if step == "total" {
			level = ""
		}
		line := []string{step, level, strconv.FormatInt(r.Requests, 10), strconv.FormatInt(r.Failures, 10),
			cell(r.P50), cell(r.P90), cell(r.P95), cell(r.P99), cell(r.Max), cell(r.RPS), cell(r.Completed), cell(r.TTFTP95)}
		if open {
			line = append(line, strconv.FormatInt(r.Waited, 10))
		}
		out = append(out, line)
	}
	for _, k := range t.keys() {
		add(strconv.Itoa(k), t.rows[k])
	}
	add("total", t.total)
	return out
}

// failuresCSV is the failures table as CSV.
func (t *tables) failuresCSV() [][]string {
	out := [][]string{{"class", "count", "latest_at_s", "latest_error"}}
	for _, f := range t.failures {
		out = append(out, []string{f.Class, strconv.FormatInt(f.Count, 10), cell(f.LatestS), f.Latest})
	}
	return out
}

// cell is a figure as a CSV cell: empty for none, else at most three
// decimals.
func cell(n num) string {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

// writeCSV answers with records as a CSV download named name, every cell
// cleaned by the one CSV cell rule (cleantext.CSVCell).
func writeCSV(w http.ResponseWriter, name string, records [][]string) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	for _, rec := range records {
		for i := range rec {
			rec[i] = cleantext.CSVCell(rec[i])
		}
		_ = cw.Write(rec) // to a buffer: never fails
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) serveStatsCSV(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	recs := s.tables.statsCSV(s.opts.Open)
	s.mu.Unlock()
	writeCSV(w, "llmrec-live-statistics.csv", recs)
}

func (s *Server) serveFailuresCSV(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	recs := s.tables.failuresCSV()
	s.mu.Unlock()
	writeCSV(w, "llmrec-live-failures.csv", recs)
}

// tableEventBytes encodes ev as the "table" event.
func tableEventBytes(ev tableEvent) []byte {
	raw, err := json.Marshal(ev)
	if err != nil {
		return nil
	}
	return event("table", raw)
}
