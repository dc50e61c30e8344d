package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

// shardedCopy writes run spec whole and as three shards of one run (the
// same rows, dealt round-robin) into dir, and returns the whole file and
// the shards' glob.
func shardedCopy(t *testing.T, dir string, spec analyzetest.Spec) (whole, glob string) {
	t.Helper()
	m, recs := analyzetest.Records(spec)
	whole = writeRun(t, filepath.Join(dir, "whole.parquet"), m, recs)
	for k := range 3 {
		sm := *m
		sm.Shard, sm.Shards, sm.Hostname = k, 3, fmt.Sprintf("node-%d", k)
		var mine = recs[:0:0]
		for i, r := range recs {
			if i%3 == k {
				r.Shard, r.Seq = int32(k), int64(len(mine))
				mine = append(mine, r)
			}
		}
		sm.Requests = int64(len(mine))
		writeRun(t, filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", k)), &sm, mine)
	}
	return whole, filepath.Join(dir, "shard-*.parquet")
}

// TestShardedRunEverywhere: analyze, compare and check take a sharded run
// wherever they take a run (a glob, a name=glob, several files as one
// run, a glob as --baseline) and read it as the one-file run it splits.
func TestShardedRunEverywhere(t *testing.T) {
	dir := t.TempDir()
	whole, glob := shardedCopy(t, dir, analyzetest.A)
	shards := []string{filepath.Join(dir, "shard-0.parquet"), filepath.Join(dir, "shard-1.parquet"), filepath.Join(dir, "shard-2.parquet")}

	out, errOut, code := run(t, append([]string{"analyze", "--format", "text", "-o", "-"}, append(fast, glob)...)...)
	if code != 0 || !strings.Contains(out, "3 of 3: 0 node-0 ") || !strings.Contains(out, "2 node-2 ") || strings.Contains(out, "of 3 is missing") {
		t.Fatalf("analyze %s: exit %d, stderr %q; want the shards in the header and nothing missing:\n%s", glob, code, errOut, out)
	}
	out, errOut, code = run(t, append([]string{"analyze", "--format", "md", "-o", "-"}, append(fast, glob)...)...)
	if code != 0 || !strings.Contains(out, "3 of 3: 0 node-0 ") {
		t.Fatalf("analyze --format md: exit %d, stderr %q; want the shards in the header:\n%s", code, errOut, out)
	}

	page := filepath.Join(dir, "page.html")
	if _, errOut, code := run(t, append([]string{"analyze", "--format", "html", "-o", page}, append(fast, glob)...)...); code != 0 {
		t.Fatalf("analyze --format html: exit %d, stderr %q", code, errOut)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "3 of 3: 0 node-0 ") {
		t.Fatalf("the HTML header does not list the shards (%v)", err)
	}

	out, errOut, code = run(t, append([]string{"compare", "--format", "text"}, append(fast, "one="+whole, "sharded="+glob)...)...)
	if code != 0 || !strings.Contains(out, "sharded vs one: SAME") {
		t.Fatalf("compare one=whole sharded=glob: exit %d, stderr %q:\n%s", code, errOut, out)
	}

	gates := []string{"--format", "json", "--max", "p95=1h", "--min", "rps=0.001"}
	values := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, append(append([]string{"check"}, append(fast, gates...)...), args...)...)
		if code != 0 {
			t.Fatalf("check %v: exit %d, stderr %q:\n%s", args, code, errOut, out)
		}
		var r struct {
			Gates []struct {
				Gate struct {
					Kind   string `json:"kind"`
					Metric string `json:"metric"`
				} `json:"gate"`
				Value *float64 `json:"value"`
			} `json:"gates"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Gates) < 2 {
			t.Fatalf("check %v: %v in %s", args, err, out)
		}
		var b strings.Builder
		for _, g := range r.Gates {
			if g.Gate.Kind == "max_regression" {
				continue // against the baseline: it must pass (exit 0)
			}
			if g.Value == nil {
				t.Fatalf("check %v: gate %s has no value: %s", args, g.Gate.Metric, out)
			}
			fmt.Fprintf(&b, "%s %s=%g ", g.Gate.Kind, g.Gate.Metric, *g.Value)
		}
		return b.String()
	}
	want := values(whole)
	for _, args := range [][]string{shards, {glob}, {whole, "--baseline", glob, "--max-regression", "p95=1%"}} {
		if got := values(args...); got != want {
			t.Errorf("check %v: %s; the whole file gives %s", args, got, want)
		}
	}
}

// TestShardsThatDoNotBelongTogether: shards of one run id whose footers
// disagree (here a typo on one machine: 16 tokens instead of 128) are bad
// input in analyze, check and compare: exit 3 and one line naming the
// field and both files, nothing on stdout.
func TestShardsThatDoNotBelongTogether(t *testing.T) {
	dir := t.TempDir()
	_, glob := shardedCopy(t, dir, analyzetest.A)
	bad := filepath.Join(dir, "shard-2.parquet")
	m, recs := analyzetest.Records(analyzetest.A)
	m.Shard, m.Shards, m.MaxTokens = 2, 3, m.MaxTokens/8
	var mine = recs[:0:0]
	for i, r := range recs {
		if i%3 == 2 {
			r.Shard, r.Seq = 2, int64(len(mine))
			mine = append(mine, r)
		}
	}
	writeRun(t, bad, m, mine)
	for _, args := range [][]string{
		{"analyze", glob},
		{"check", glob, "--max", "p95=10s"},
		{"compare", glob, "b=" + glob},
	} {
		out, errOut, code := run(t, append(args, fast...)...)
		if code != 3 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "llmrep: "+bad+": its footer's max_tokens is") ||
			!strings.Contains(errOut, filepath.Join(dir, "shard-0.parquet")+"'s is ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 3 and one line naming max_tokens and both files", args[0], code, out, errOut)
		}
	}
}
