package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/record"
)

func TestPlanFileLimit(t *testing.T) {
	tests := []struct {
		name            string
		users           int
		sim, dash       bool
		cur, hard, want uint64
		err             bool
	}{
		{"enough", 100, false, false, 1024, 4096, 1024, false},
		{"raised to what the run needs", 2000, false, false, 1024, 1 << 20, 2064, false},
		{"the simulator doubles the connections", 1000, true, false, 1024, 1 << 20, 2064, false},
		{"hard limit too low", 100, false, false, 64, 64, 0, true},
		{"just enough", 480, true, false, 1024, 1024, 1024, false},
		{"one short", 481, true, false, 1024, 1024, 0, true},
		{"the dashboard's connections count", 40, true, true, 144, 1 << 20, 144 + 65, false},
		{"the dashboard's connections count against the hard limit", 40, true, true, 144, 144, 0, true},
	}
	for _, tt := range tests {
		o := &RunOptions{Config: record.DefaultConfig()}
		o.Config.Shape.MaxUsers = tt.users
		if !tt.sim {
			o.Config.Target = "http://127.0.0.1:1"
		}
		if tt.dash {
			o.Dashboard = "127.0.0.1:0"
		}
		n := o.fileNeed()
		got, err := planFileLimit(n, tt.cur, tt.hard)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%s: planFileLimit = %d, %v; want %d, error %v", tt.name, got, err, tt.want, tt.err)
		}
		if err != nil && (!strings.Contains(err.Error(), "ulimit -n") || tt.dash != strings.Contains(err.Error(), "with --dashboard")) {
			t.Errorf("%s: error does not say what to do: %v", tt.name, err)
		}
	}
}

// TestRunRefusesTooFewFiles: under `ulimit -n 64` (soft and hard), a run
// of 500 users is refused before it starts: exit 2, one line, no file.
func TestRunRefusesTooFewFiles(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("RLIMIT_NOFILE is checked on linux and darwin only")
	}
	out := filepath.Join(t.TempDir(), "run.parquet")
	cmd := exec.Command("/bin/sh", "-c", `ulimit -n 64 && exec "$0" "$@"`, testbin.Llmrec(t), "run", "--max-users", "500", "--step-users", "500", "--step-time", "1s", "-o", out)
	b, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit %d (%v), want 2:\n%s", code, err, b)
	}
	msg := strings.TrimSpace(string(b))
	if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "ulimit -n") || !strings.Contains(msg, "--max-users 500") {
		t.Errorf("want one line naming --max-users and ulimit -n, got:\n%s", msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a run file was written: %v", err)
	}
}
