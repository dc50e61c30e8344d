package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// TestGeneratorBottleneckInEveryFormat: when the recorder itself could not
// keep up, every report format says so.
func TestGeneratorBottleneckInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		tune func(*schemas.RunMeta, []schemas.Record)
		want string
	}{
		{
			name: "requests left late",
			tune: func(_ *schemas.RunMeta, recs []schemas.Record) {
				for i := range recs {
					if i%4 == 0 {
						recs[i].ScheduledAt = recs[i].Start.Add(-400 * time.Millisecond)
					}
				}
			},
			want: "the load generator could not keep up",
		},
		{
			name: "recorder out of CPU",
			tune: func(m *schemas.RunMeta, _ []schemas.Record) {
				m.Generator.GOMAXPROCS = 2
				for s := range 30 {
					m.Generator.Seconds = append(m.Generator.Seconds, schemas.GenSecond{T: s, CPU: 1.97})
				}
			},
			want: "used 90% or more of its 2 CPU cores in 30 of 30 seconds",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := meta("run-g")
			recs := records("run-g", func(i int) bool { return true })
			tt.tune(m, recs)
			p := writeRun(t, filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".parquet"), m, recs)
			for _, format := range []string{"text", "json", "md", "html"} {
				out := filepath.Join(dir, tt.name+"."+format)
				_, stderr, code := run(t, "analyze", p, "--warmup", "0s", "--format", format, "-o", out)
				if code != 0 {
					t.Fatalf("%s: status %d: %s", format, code, stderr)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), tt.want) {
					t.Errorf("the %s report does not say %q", format, tt.want)
				}
			}
		})
	}
}
