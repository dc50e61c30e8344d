package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// parseRun parses llmrec run's flags without running.
func parseRun(args ...string) (*RunOptions, error) {
	var got *RunOptions
	var out bytes.Buffer
	cmd := NewCmdRun(&IO{Out: &out, Err: &out}, func(o *RunOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func TestOpenLoopFlags(t *testing.T) {
	sharegpt := filepath.Join(t.TempDir(), "sg.json")
	os.WriteFile(sharegpt, []byte(`[{"conversations":[{"from":"human","value":"hello there"},{"from":"gpt","value":"general kenobi, a reply of some length"}]}]`), 0o644)
	tests := []struct {
		args    []string
		check   func(*RunOptions) string
		wantErr []string
	}{
		{args: []string{"--arrival", "poisson", "--rate", "5", "--step-rate", "5", "--max-rate", "20", "--step-time", "30s", "--burstiness", "0.5",
			"--max-concurrency", "64", "--seed", "9", "--input-tokens", "100-200", "--output-tokens", "64", "--ignore-eos"}, check: func(o *RunOptions) string {
			c := o.Config
			want := record.OpenLoop{Kind: "poisson", Rate: 5, StepRate: 5, MaxRate: 20, StepTime: 30 * time.Second, Burstiness: 0.5, MaxConcurrency: 64, Seed: 9}
			if c.OpenLoop != want {
				return fmt.Sprintf("open loop %+v, want %+v", c.OpenLoop, want)
			}
			if w := c.Workload; w.InputTokens != (target.Range{Min: 100, Max: 200}) || w.OutputTokens != (target.Range{Min: 64, Max: 64}) || !w.IgnoreEOS {
				return fmt.Sprintf("workload %+v", w)
			}
			return ""
		}},
		{args: []string{"--arrival", "constant", "--rate", "2", "--duration", "1m"}, check: func(o *RunOptions) string {
			if o.Config.OpenLoop.Duration != time.Minute || o.Config.OpenLoop.StepTime != time.Minute {
				return fmt.Sprintf("open loop %+v: --duration and --step-time not applied", o.Config.OpenLoop)
			}
			return ""
		}},
		{args: []string{"--prompts", sharegpt}, check: func(o *RunOptions) string {
			if o.Config.PromptSource != "sharegpt" || len(o.Config.Prompts) != 1 || o.Config.Prompts[0].MaxTokens == 0 {
				return fmt.Sprintf("ShareGPT prompts %+v from %q", o.Config.Prompts, o.Config.PromptSource)
			}
			return ""
		}},
		{args: []string{"--rate", "5"}, wantErr: []string{"--rate applies to an open loop: add --arrival poisson"}},
		{args: []string{"--arrival", "poisson", "--rate", "5", "--max-users", "9", "--wait-min", "1s"},
			wantErr: []string{"--max-users applies to closed-loop users", "--wait-min applies to closed-loop users"}},
		{args: []string{"--arrival", "sweep"}, wantErr: []string{`--arrival "sweep" is not one of closed, poisson, constant`}},
		{args: []string{"--arrival", "constant", "--rate", "0", "--max-rate", "-1", "--burstiness", "2", "--max-concurrency", "-1", "--step-time", "0s"},
			wantErr: []string{"--rate must be above 0", "--max-rate must be between", "--burstiness 2 applies to poisson arrivals only",
				"--max-concurrency must be from 0 to 1000000", "--step-time must be from 100ms"}},
		{args: []string{"--arrival", "constant", "--rate", "5", "--max-rate", "10"}, wantErr: []string{"--max-rate 10 is above the starting rate 5 but the rate step is 0"}},
		{args: []string{"--input-tokens", "10", "--prompts", sharegpt}, wantErr: []string{"--input-tokens makes synthetic prompts; it cannot apply to prompts from a file"}},
		{args: []string{"--output-tokens", "5-2"}, wantErr: []string{"--output-tokens: token range \"5-2\" runs backwards"}},
		{args: []string{"--input-tokens", "lots"}, wantErr: []string{"--input-tokens: token count \"lots\" is not a whole number"}},
		{args: []string{"--turns", "3", "--prefix-tokens", "200", "--prefixes", "4"}, check: func(o *RunOptions) string {
			if w := o.Config.Workload; w.Turns != 3 || w.PrefixTokens != 200 || w.Prefixes != 4 {
				return fmt.Sprintf("workload %+v", w)
			}
			return ""
		}},
		{args: []string{"--turns", "2", "--arrival", "poisson", "--rate", "1"}, wantErr: []string{"--turns needs closed-loop users"}},
		{args: []string{"--turns", "2", "--api", "http", "--body", "{}", "--target", "http://127.0.0.1:9/x"}, wantErr: []string{"--turns needs api openai-chat or openai-completions"}},
		{args: []string{"--prefixes", "3", "--turns", "101"}, wantErr: []string{"--prefixes needs a prefix length", "--turns must be from 1 to 100"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseRun(tt.args...)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; want %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "OpenLoop.") || strings.Contains(err.Error(), "Workload.") {
					t.Errorf("error %q names a Go field, not a flag", err)
				}
				if n := strings.Count(err.Error(), "--step-time must be from 100ms"); n > 1 {
					t.Errorf("error %q says one problem %d times", err, n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(got); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// TestOpenLoopWorkloadRun: the command's open loop against the built-in
// simulator with --input-tokens 512 --output-tokens 128 --ignore-eos:
// every row has 128 output tokens and 512 ± 10% prompt tokens, the status
// line shows the offered rate and the requests in flight, the summary the
// send lag, and the footer the arrival and workload settings.
func TestOpenLoopWorkloadRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--arrival", "constant", "--rate", "20", "--step-time", "1500ms",
		"--input-tokens", "512", "--output-tokens", "128", "--ignore-eos", "--seed", "4", "-o", out}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "offered 20/s  in flight ") {
		t.Errorf("status line without the offered rate and in-flight count: %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "open loop: send lag") {
		t.Errorf("summary without the send lag: %q", stdout.String())
	}
	rows, err := parquet.ReadFile[schemas.Record](out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 30 {
		_, m := countRows(t, out)
		t.Fatalf("%d rows (footer: %d requests, end %s %s); 1.5 s at 20/s is 30 arrivals", len(rows), m.Requests, m.EndReason, m.EndDetail)
	}
	for _, r := range rows {
		if r.OutputTokens == nil || *r.OutputTokens != 128 || r.PromptTokens == nil || *r.PromptTokens < 461 || *r.PromptTokens > 563 {
			t.Fatalf("row %d: output %v prompt %v tokens; want 128 and 512 ± 10%%", r.Seq, deref(r.OutputTokens), deref(r.PromptTokens))
		}
	}
	_, meta := countRows(t, out)
	if s := meta.Shape; s.Arrival != "constant" || s.Rate != 20 || s.Seed != 4 {
		t.Errorf("footer shape %+v", s)
	}
	if w := meta.Workload; w == nil || w.InputTokens != "512" || w.OutputTokens != "128" || !w.IgnoreEOS || w.Seed != 4 {
		t.Errorf("footer workload %+v", w)
	}
}

func deref(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestOpenLoopKneeAnalyzed: an open loop recorded by the command against
// the built-in knee simulator (16 slots, 130 ms a request: about 120
// requests/s) and analyzed by llmrep's analyzer. Offered 20/s, the step
// achieves its offered rate; offered 200/s with at most 32 in flight, it
// falls short, saturation fires on throughput, and the latency from the
// schedule grows far more than the latency does.
func TestOpenLoopKneeAnalyzed(t *testing.T) {
	if testing.Short() {
		t.Skip("records a 6 s run")
	}
	out := filepath.Join(t.TempDir(), "run.parquet")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--arrival", "constant", "--rate", "20", "--step-rate", "180", "--max-rate", "200",
		"--step-time", "3s", "--max-concurrency", "32", "--max-tokens", "16", "--sim-profile", "knee", "-o", out}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	analyzeRun := func(metric string) *analyze.Analysis {
		o := analyze.DefaultOptions()
		o.Warmup, o.Window, o.Threads, o.Metric = 0, time.Second, 2, metric
		a, err := analyze.Analyze(context.Background(), o, out)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Steps) != 2 {
			t.Fatalf("%d steps, want 2", len(a.Steps))
		}
		return a
	}
	a := analyzeRun(analyze.MetricLatency)
	s1, s2 := a.Steps[0], a.Steps[1]
	t.Logf("offered/achieved/completed: step 1 %.1f/%.1f/%.1f, step 2 %.1f/%.1f/%.1f, waited %d and %d; saturation %s",
		*s1.OfferedRPS, *s1.AchievedRPS, *s1.CompletedRPS, *s2.OfferedRPS, *s2.AchievedRPS, *s2.CompletedRPS, *s1.Waited, *s2.Waited, a.Saturation.Summary)
	if *s1.OfferedRPS != 20 || math.Abs(*s1.AchievedRPS-20) > 1 {
		t.Errorf("below capacity: achieved %.2f of %.0f offered; want equal", *s1.AchievedRPS, *s1.OfferedRPS)
	}
	if *s2.OfferedRPS != 200 || *s2.AchievedRPS > 0.9*200 || *s2.Waited < s2.Requests/2 {
		t.Errorf("above capacity: achieved %.2f of %.0f offered, %d of %d waited; want a shortfall and waits", *s2.AchievedRPS, *s2.OfferedRPS, *s2.Waited, s2.Requests)
	}
	if !a.Saturation.Reached || a.Saturation.Signal == nil || *a.Saturation.Signal != "throughput" {
		t.Errorf("saturation %+v; want reached on throughput", a.Saturation)
	}
	fs := analyzeRun(analyze.MetricLatencyFromSchedule)
	lat, sched := *s2.P95MS / *s1.P95MS, *fs.Steps[1].P95MS / *fs.Steps[0].P95MS
	t.Logf("p95 growth step 1 → 2: latency %.1fx, latency from schedule %.1fx", lat, sched)
	if !(sched > 3) || !(sched > 1.5*lat) {
		t.Errorf("latency_from_schedule p95 grew %.1fx, latency %.1fx; want the schedule's to grow most", sched, lat)
	}
}
