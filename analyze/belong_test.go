package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// llmReqs is two 10 s steps of 10 and 20 users, every success with a TTFT
// of a fifth of its latency and 20 output tokens.
func llmReqs() []req {
	reqs := stepReqs(10, []stepSpec{{users: 10, lats: lats(40, 100, 50)}, {users: 20, lats: lats(60, 200, 50), fails: 2}})
	for i := range reqs {
		if reqs[i].ok {
			reqs[i].ttftMS, reqs[i].tokens = reqs[i].latMS/5, 20
		}
	}
	return reqs
}

// shardMeta is shard k of n of run "run-b": two steps of 10 s, 20 s in all.
func shardMeta(k, n int) *schemas.RunMeta {
	m := testMeta("run-b", 10, 20)
	m.Shard, m.Shards = k, n
	m.Shape.DurationS, m.MaxTokens = 20, 128
	m.Workload = &schemas.Workload{Prompts: "builtin"}
	return m
}

// records are reqs as shard k's rows of run "run-b".
func records(reqs []req, k int) []schemas.Record {
	recs := make([]schemas.Record, len(reqs))
	for i, r := range reqs {
		recs[i] = r.record("run-b", i)
		recs[i].Shard = int32(k)
	}
	return recs
}

// TestShardsMustBelongTogether: shards whose footers disagree on what the
// run was (the shard count, the start, the shape, the target, API, model,
// streaming, max tokens, timeouts, workload) are refused, naming the field,
// both values and both files; what may differ between shards (labels, the
// host, the simulator's port) does not matter.
func TestShardsMustBelongTogether(t *testing.T) {
	reqs := llmReqs()
	tests := []struct {
		name string
		edit func(*schemas.RunMeta)
		want string // "" when the two shards are one run
	}{
		{"same flags", nil, ""},
		{"labels and host", func(m *schemas.RunMeta) { m.Labels = map[string]string{"pod": "b"}; m.Hostname = "pod-b" }, ""},
		{"own simulator", func(m *schemas.RunMeta) {
			m.Simulator, m.Target = "knee", "http://127.0.0.1:41234"
		}, "its footer's target is \"simulator knee\""},
		{"shard count", func(m *schemas.RunMeta) { m.Shards = 3 }, "its footer's shards is 3, "},
		{"start", func(m *schemas.RunMeta) { m.StartedAt = m.StartedAt.Add(90 * time.Millisecond) }, `its footer's started_at is "2026-01-02T03:04:05.09Z"`},
		{"start by a microsecond", func(m *schemas.RunMeta) { m.StartedAt = m.StartedAt.Add(time.Microsecond) }, `its footer's started_at is "2026-01-02T03:04:05.000001Z"`},
		{"users per step", func(m *schemas.RunMeta) { m.Shape.StepUsers = 20 }, "its footer's shape.step_users is 20, "},
		{"max users", func(m *schemas.RunMeta) { m.Shape.MaxUsers = 40 }, "its footer's shape.max_users is 40, "},
		{"step time", func(m *schemas.RunMeta) { m.Shape.StepTimeS = 30 }, "its footer's shape.step_time_s is 30, "},
		{"arrival", func(m *schemas.RunMeta) { m.Shape.Arrival, m.Shape.Rate = schemas.ArrivalPoisson, 5 }, "its footer's shape.arrival is \"poisson\", "},
		{"max tokens", func(m *schemas.RunMeta) { m.MaxTokens = 16 }, "its footer's max_tokens is 16, "},
		{"target", func(m *schemas.RunMeta) { m.Target = "http://10.0.0.9:8000" }, `its footer's target is "http://10.0.0.9:8000"`},
		{"api", func(m *schemas.RunMeta) { m.API = "openai-completions" }, `its footer's api is "openai-completions"`},
		{"model", func(m *schemas.RunMeta) { m.Model = "other" }, `its footer's model is "other"`},
		{"stream", func(m *schemas.RunMeta) { m.Stream = true }, "its footer's stream is true, "},
		{"timeout", func(m *schemas.RunMeta) { m.Timeouts.TimeoutS = 5 }, "its footer's timeouts.timeout_s is 5, "},
		{"output tokens", func(m *schemas.RunMeta) { m.Workload.OutputTokens = "16" }, `its footer's workload.output_tokens is "16", `},
		{"no workload", func(m *schemas.RunMeta) { m.Workload = nil }, "its footer's workload is absent, "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s0 := writeRecords(t, filepath.Join(dir, "shard-0.parquet"), shardMeta(0, 2), records(reqs, 0))
			m1 := shardMeta(1, 2)
			if tt.edit != nil {
				tt.edit(m1)
			}
			s1 := writeRecords(t, filepath.Join(dir, "shard-1.parquet"), m1, records(reqs, 1))
			a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), s0, s1)
			if tt.want == "" {
				if err != nil || a.Overall.Requests != 2*int64(len(reqs)) {
					t.Fatalf("err %v; want the two shards read as one run", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Path != s1 || !strings.Contains(ie.Reason, tt.want) || !strings.Contains(ie.Reason, s0+"'s is ") ||
				!strings.Contains(ie.Reason, "not a shard of that run") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v; want %s refused in one line with %q and naming %s", err, s1, tt.want, s0)
			}
		})
	}
}

// TestCraftedShardFooters: footers that no recorder writes (a shard index
// at or above N, N of 0, N of two billion, a footer saying 4 shards beside
// files saying 3) are bad input, and never cost more than the files given.
func TestCraftedShardFooters(t *testing.T) {
	reqs := llmReqs()
	for _, tc := range []struct {
		name       string
		shard, of  int
		want       string
		withShards bool // beside shards 0 and 1 of 3
	}{
		{"index at N", 3, 3, "it is shard 3 of 3; a shard is 0 to 2", true},
		{"negative index", -1, 3, "it is shard -1 of 3", true},
		{"no shards", 0, 0, "the run has 0 shards", false},
		{"two billion shards", 0, 2000000000, "the run has 2000000000 shards; a run has 1 to 10000", false},
		{"4 beside 3", 2, 4, "its footer's shards is 4, ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var args []string
			if tc.withShards {
				for k := range 2 {
					args = append(args, writeRecords(t, filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", k)), shardMeta(k, 3), records(reqs, k)))
				}
			}
			bad := writeRecords(t, filepath.Join(dir, "shard-x.parquet"), shardMeta(tc.shard, tc.of), records(reqs, tc.shard))
			_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), append(args, bad)...)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Path != bad || !strings.Contains(ie.Reason, tc.want) {
				t.Fatalf("err = %v; want %s refused with %q", err, bad, tc.want)
			}
		})
	}
}

// TestCraftedShardRows: rows whose run_id or shard is not their footer's,
// and rows that repeat a seq, are left out of every figure and counted in
// a warning: the figures are those of the file without them.
func TestCraftedShardRows(t *testing.T) {
	reqs := llmReqs()
	dir := t.TempDir()
	opts := testOptions(0, 5*time.Second)
	clean := writeRecords(t, filepath.Join(dir, "clean", "shard-0.parquet"), shardMeta(0, 1), records(reqs, 0))
	want, err := Analyze(context.Background(), opts, clean)
	if err != nil {
		t.Fatal(err)
	}
	foreign := records(reqs, 0)
	for i := range 30 {
		r := foreign[i]
		r.RunID, r.Seq = "someotherrun", int64(len(reqs)+i)
		foreign = append(foreign, r)
		r.RunID, r.Shard, r.Seq = "run-b", 7, int64(len(reqs)+30+i)
		foreign = append(foreign, r)
	}
	doubled := records(reqs, 0)
	doubled = append(doubled, doubled...)
	gaps := records(reqs, 0)[50:] // seq 50 to n-1: many above the rows' count
	gaps = append(gaps, gaps[:10]...)
	sparse := records(reqs, 0) // seq far apart: too wide for one bit each
	for i := range sparse {
		sparse[i].Seq *= 1 << 40
	}
	sparse = append(sparse, sparse[:10]...)
	for _, tc := range []struct {
		name string
		recs []schemas.Record
		left int
		want RowCounts // the rows left out, by reason
	}{
		{"other run and shard", foreign, 60, RowCounts{Foreign: 60}},
		{"every row twice", doubled, len(reqs), RowCounts{Repeats: int64(len(reqs))}},
		{"gaps and repeats", gaps, 10, RowCounts{Repeats: 10}},
		{"sparse seq and repeats", sparse, 10, RowCounts{Repeats: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeRecords(t, filepath.Join(dir, tc.name, "shard-0.parquet"), shardMeta(0, 1), tc.recs)
			a, err := Analyze(context.Background(), opts, path)
			if err != nil {
				t.Fatal(err)
			}
			// The footer's run and shard are what the sentence names.
			wantFact := RowsFact{Kind: RowsLeftOut, File: "shard-0.parquet", Rows: int64(len(tc.recs)), RowCounts: tc.want, RunID: "run-b", Shard: 0}
			if got := facts[RowsFact](a.Warnings); len(got) != 1 || got[0].File != wantFact.File || got[0].Kind != wantFact.Kind ||
				got[0].Rows != wantFact.Rows || got[0].RowCounts != wantFact.RowCounts || got[0].RunID != wantFact.RunID || got[0].Shard != wantFact.Shard {
				t.Errorf("rows facts %+v; want %+v", got, wantFact)
			}
			if got := a.Overall.Requests; got != int64(len(tc.recs)-tc.left) {
				t.Errorf("requests %d, want %d", got, len(tc.recs)-tc.left)
			}
			if tc.name != "gaps and repeats" && tc.name != "sparse seq and repeats" {
				if a.Overall.Requests != want.Overall.Requests || *a.Overall.RPS != *want.Overall.RPS || *a.Overall.P95MS != *want.Overall.P95MS {
					t.Errorf("requests %d rps %v p95 %v; want the clean file's %d, %v, %v", a.Overall.Requests, *a.Overall.RPS, *a.Overall.P95MS,
						want.Overall.Requests, *want.Overall.RPS, *want.Overall.P95MS)
				}
			}
		})
	}
}

// TestCraftedRowsNeverNegative: rows that pass the footer and column
// checks but break what the format promises (a TTFT above the latency, a
// step below 1 or past the run, users below 0 or above the shape's, a
// scheduled_at after the send, a send years after the run) never make a
// figure negative or absurd: each is left out, or its value read as
// absent or clamped, and counted.
func TestCraftedRowsNeverNegative(t *testing.T) {
	reqs := llmReqs()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		set  func(r *schemas.Record)
		want RowCounts // the rows counted, by reason
		kept bool      // the rows stay in the figures
	}{
		{"ttft above latency", func(r *schemas.Record) { v := 5000.0; r.TTFTMS = &v }, RowCounts{BadTTFT: 20}, true},
		{"negative users", func(r *schemas.Record) { r.Users = -5 }, RowCounts{BadShape: 20}, false},
		{"users over the shape", func(r *schemas.Record) { r.Users = math.MaxInt32 }, RowCounts{BadShape: 20}, false},
		{"huge step", func(r *schemas.Record) { r.Step = math.MaxInt32 }, RowCounts{BadShape: 20}, false},
		{"negative step", func(r *schemas.Record) { r.Step = -3 }, RowCounts{BadShape: 20}, false},
		{"step 0", func(r *schemas.Record) { r.Step = 0 }, RowCounts{BadShape: 20}, false},
		{"scheduled after the send", func(r *schemas.Record) { r.ScheduledAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }, RowCounts{BadLag: 20}, true},
		{"scheduled years before", func(r *schemas.Record) { r.ScheduledAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }, RowCounts{BadLag: 20}, true},
		{"sent years after", func(r *schemas.Record) { r.Start = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) }, RowCounts{BadTime: 20}, false},
		{"sent before the run", func(r *schemas.Record) { r.Start = t0.Add(-time.Hour) }, RowCounts{BadTime: 20}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := records(reqs, 0)
			for i := range 20 { // twenty rows of step 2
				tc.set(&recs[len(recs)-1-i])
			}
			m := shardMeta(0, 1)
			path := writeRecords(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".parquet"), m, recs)
			a, err := Analyze(context.Background(), testOptions(0, 5*time.Second), path)
			if err != nil {
				t.Fatal(err)
			}
			// One warning, of the kind the reason belongs to; the shape's
			// bounds (3 steps, 100 users) are what its sentence names.
			kind := map[bool]string{true: RowsReadAsNone, false: RowsLeftOut}[tc.want.BadTTFT > 0]
			if tc.want.BadLag > 0 {
				kind = RowsLagClamped
			}
			if got := facts[RowsFact](a.Warnings); len(got) != 1 || got[0].Kind != kind || got[0].RowCounts != tc.want || got[0].Rows != int64(len(recs)) ||
				got[0].MaxStep != 3 || got[0].MaxUsers != 100 {
				t.Errorf("rows facts %+v; want one %s of %d rows, counts %+v, steps 1 to 3, 0 to 100 users", got, kind, len(recs), tc.want)
			}
			if want := int64(len(recs)); tc.kept != (a.Overall.Requests == want) {
				t.Errorf("requests %d of %d; rows kept: %t", a.Overall.Requests, want, tc.kept)
			}
			js, err := json.Marshal(plain(a))
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			json.Unmarshal(js, &doc)
			if bad := negatives("", doc); len(bad) > 0 {
				t.Errorf("negative figures: %v", bad)
			}
			for _, s := range a.Steps {
				if s.Step < 1 || s.Step > 3 || s.Users < 0 || s.Users > 100 {
					t.Errorf("step %d of %d users in the table", s.Step, s.Users)
				}
			}
		})
	}
}

// negatives lists the paths of the negative numbers in a decoded JSON
// document.
func negatives(at string, v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, negatives(at+"."+k, e)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, negatives(fmt.Sprintf("%s[%d]", at, i), e)...)
		}
	case float64:
		if x < 0 {
			out = append(out, fmt.Sprintf("%s=%g", at, x))
		}
	}
	return out
}

// FuzzShardFooters: two files whose footers claim any shard index, shard
// count, start and max tokens are either refused as bad input or are two
// distinct in-range shards of one run that agree; the missing-shard
// warnings never number more than MaxShardWarnings+1, whatever N a footer
// claims. (The footer checks only: no database.)
func FuzzShardFooters(f *testing.F) {
	f.Add(0, 2, 1, 2, int64(0), 128)
	f.Add(0, 2000000000, 1, 2000000000, int64(0), 128)
	f.Add(3, 3, 0, 3, int64(0), 128)
	f.Add(0, 3, 1, 4, int64(5), 16)
	dir := f.TempDir()
	recs := records(llmReqs()[:3], 0)
	f.Fuzz(func(t *testing.T, s0, n0, s1, n1 int, startUS int64, maxTokens int) {
		m0, m1 := shardMeta(s0, n0), shardMeta(s1, n1)
		m1.StartedAt = m1.StartedAt.Add(time.Duration(startUS) * time.Microsecond)
		m1.MaxTokens = maxTokens
		p0 := writeRecords(t, filepath.Join(dir, "a.parquet"), m0, recs)
		p1 := writeRecords(t, filepath.Join(dir, "b.parquet"), m1, recs)
		files, err := openInputs(context.Background(), []string{p0, p1})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InputError", err)
			}
			return
		}
		a, b := files[0].meta, files[1].meta
		if a.Shards != b.Shards || a.Shard == b.Shard || a.Shard < 0 || b.Shard >= a.Shards || a.Shards > schemas.MaxShards ||
			!a.StartedAt.Equal(b.StartedAt) || a.MaxTokens != b.MaxTokens {
			t.Fatalf("accepted shard %d/%d and %d/%d (start %v/%v, max tokens %d/%d)", a.Shard, a.Shards, b.Shard, b.Shards,
				a.StartedAt, b.StartedAt, a.MaxTokens, b.MaxTokens)
		}
		w, err := shardWarnings(context.Background(), files)
		if err != nil {
			t.Fatal(err)
		}
		if missing := 0; len(w) > 0 {
			for _, s := range texts(w) {
				if strings.Contains(s, "missing") {
					missing++
				}
			}
			if missing > MaxShardWarnings+1 {
				t.Fatalf("%d missing-shard warnings", missing)
			}
		}
	})
}
