package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/llmrec/llmrec/analyze/analyzetest"
)

func main() {
	llmrep := flag.String("llmrep", "bin/llmrep", "the llmrep binary")
	work := flag.String("work", filepath.Join(os.TempDir(), "llmrep-scale"), "where the generated runs are kept (they are reused)")
	sizes := flag.String("rows", "1000000,10000000,30000000", "run sizes, comma-separated")
	shards := flag.Int("shards", 1, "write each run as this many shard files")
	compare := flag.Int("compare", 0, "also compare three runs of this many rows (0: no)")
	extra := flag.String("flags", "", "extra llmrep flags, space-separated (e.g. --memory-limit 1GB)")
	flag.Parse()
	if err := run(*llmrep, *work, *sizes, *shards, *compare, strings.Fields(*extra)); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(llmrep, work, sizes string, shards, compare int, extra []string) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	host, _ := os.Hostname()
	fmt.Printf("llmrep analyze at scale (%s, %d CPUs, %s)\n\n", host, cpus(), time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| rows | shards | command | wall | peak RSS | peak temp disk | s per M rows | MiB per M rows |")
	fmt.Println("|---:|---:|---|---:|---:|---:|---:|---:|")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("bad size %q", s)
		}
		files, err := analyzetest.WriteSynth(filepath.Join(work, fmt.Sprintf("synth-%d-%dsh.parquet", n, shards)), n, shards)
		if err != nil {
			return err
		}
		args := append(append([]string{"analyze", "--format", "json", "-o", filepath.Join(work, "report.json")}, extra...), files...)
		if err := measure(llmrep, args, n, shards, "analyze"); err != nil {
			return err
		}
	}
	if compare > 0 {
		// Three runs: the same rows under three names (hard links), so
		// that the comparison reads three full runs.
		files, err := analyzetest.WriteSynth(filepath.Join(work, fmt.Sprintf("synth-%d-1sh.parquet", compare)), compare, 1)
		if err != nil {
			return err
		}
		var args []string
		for i := range 3 {
			p := filepath.Join(work, fmt.Sprintf("synth-%d-run%d.parquet", compare, i))
			if _, err := os.Stat(p); err != nil {
				if err := os.Link(files[0], p); err != nil {
					return err
				}
			}
			args = append(args, fmt.Sprintf("run%d=%s", i, p))
		}
		args = append(append([]string{"compare", "--format", "json", "-o", filepath.Join(work, "report.json")}, extra...), args...)
		if err := measure(llmrep, args, compare, 1, "compare (3 runs)"); err != nil {
			return err
		}
	}
	return nil
}

func measure(llmrep string, args []string, n, shards int, what string) error {
	// The analysis spills into a directory of its own here, whose size is
	// sampled while it runs.
	tmp, err := os.MkdirTemp("", "scale-tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args = append([]string{args[0], "--temp-dir", tmp}, args[1:]...)
	cmd := exec.Command(llmrep, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	peak := make(chan int64)
	go func() {
		var most int64
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			most = max(most, dirSize(tmp))
			select {
			case <-done:
				peak <- most
				return
			case <-t.C:
			}
		}
	}()
	err = cmd.Wait()
	wall := time.Since(start)
	close(done)
	disk := float64(<-peak) / (1 << 20)
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", llmrep, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB → MiB
	m := float64(n) / 1e6
	fmt.Printf("| %d | %d | %s | %.2f s | %.0f MiB | %.0f MiB | %.2f | %.1f |\n", n, shards, what, wall.Seconds(), rss, disk, wall.Seconds()/m, rss/m)
	return nil
}

// dirSize is the bytes of the regular files under dir (0 when gone).
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func cpus() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("\nprocessor")) + 1
}
