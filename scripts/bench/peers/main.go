package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

const vegetaPkg = "github.com/tsenart/vegeta/v12@v12.13.0"

type options struct {
	llmrec, llmrep string
	work           string
	dur            time.Duration
	rounds         int
	only           map[string]bool
	streamUsers    int
	streamTokens   int
	streamTokenMS  float64
	simNice        int
	spawnRate      int
	analyzeRows    []int
	md             string
}

func main() {
	var o options
	var only, rows string
	flag.StringVar(&o.llmrec, "llmrec", "bin/llmrec", "llmrec binary")
	flag.StringVar(&o.llmrep, "llmrep", "bin/llmrep", "llmrep binary")
	flag.StringVar(&o.work, "work", filepath.Join(os.TempDir(), "llmrec-bench"), "work directory (run files, synthetic inputs, vegeta)")
	flag.DurationVar(&o.dur, "d", 10*time.Second, "length of each load run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the requests/s and latency figures (each tool once a round; the median is kept)")
	flag.StringVar(&only, "only", "rps,latency,pacing,stream,parquet,analyze", "figures to measure")
	flag.IntVar(&o.streamUsers, "stream-users", 10000, "streaming users of the memory figure")
	flag.IntVar(&o.streamTokens, "stream-tokens", 200, "output tokens of each streamed answer")
	flag.Float64Var(&o.streamTokenMS, "stream-token-ms", 50, "simulator milliseconds per token (at no load)")
	flag.IntVar(&o.spawnRate, "stream-spawn-rate", 1000, "users started per second in the stream figure")
	flag.IntVar(&o.simNice, "sim-nice", 10, "niceness of the simulator process of the stream figure (it stands in for a server on another machine)")
	flag.StringVar(&rows, "analyze-rows", "1000000,10000000", "row counts of the analyze figure")
	flag.StringVar(&o.md, "md", "", "also write the results as Markdown to this file")
	flag.Parse()
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		o.only[strings.TrimSpace(s)] = true
	}
	for _, s := range strings.Split(rows, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			o.analyzeRows = append(o.analyzeRows, n)
		}
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report collects the lines of the final table.
type report struct {
	lines []string
	md    []string
}

func (r *report) say(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	fmt.Println(s)
	r.lines = append(r.lines, s)
}

func (r *report) row(cells ...string) {
	r.md = append(r.md, "| "+strings.Join(cells, " | ")+" |")
}

func run(o *options) error {
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	for _, p := range []*string{&o.llmrec, &o.llmrep} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
	if _, err := os.Stat(o.llmrec); err != nil {
		return fmt.Errorf("%s: %w (make build first)", o.llmrec, err)
	}
	rep := &report{}
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	rep.say("machine: %s, %d CPUs (%s), %s, load average at start %s", host, runtime.NumCPU(), cpuModel(), runtime.Version(), strings.Join(strings.Fields(string(load))[:3], " "))
	rep.row("figure", "tool", "value", "ratio", "goal")
	rep.row("---", "---", "---", "---", "---")

	tools := findTools(o)
	var srvURL string
	if o.only["rps"] || o.only["latency"] || o.only["pacing"] {
		url, stop, err := startServer(o)
		if err != nil {
			return err
		}
		defer stop()
		srvURL = url
	}
	if o.only["rps"] {
		for _, users := range []int{64, 256} {
			figureRPS(o, rep, tools, srvURL, users)
		}
	}
	if o.only["latency"] {
		figureLatency(o, rep, tools, srvURL)
	}
	if o.only["pacing"] {
		figurePacing(o, rep, tools, srvURL)
	}
	if o.only["stream"] {
		figureStream(o, rep)
	}
	if o.only["parquet"] {
		figureParquet(rep)
	}
	if o.only["analyze"] {
		figureAnalyze(o, rep)
	}
	load, _ = os.ReadFile("/proc/loadavg")
	rep.say("load average at end %s", strings.Join(strings.Fields(string(load))[:3], " "))
	if o.md != "" {
		return os.WriteFile(o.md, []byte(strings.Join(rep.md, "\n")+"\n"), 0o644)
	}
	return nil
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

// tools maps a peer's name to its command, "" when missing.
type tools map[string]string

func findTools(o *options) tools {
	t := tools{}
	for _, name := range []string{"hey", "wrk", "locust"} {
		if p, err := exec.LookPath(name); err == nil {
			t[name] = p
		} else {
			fmt.Printf("skip %s: not installed (Debian: apt-get install -y %s)\n", name, map[string]string{"hey": "hey", "wrk": "wrk", "locust": "python3-locust"}[name])
		}
	}
	if p, err := exec.LookPath("vegeta"); err == nil {
		t["vegeta"] = p
	} else {
		bin := filepath.Join(o.work, "gobin")
		cmd := exec.Command("go", "install", vegetaPkg)
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
		cmd.Dir = o.work // outside this module
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Printf("skip vegeta: go install %s failed: %v\n%s", vegetaPkg, err, out)
		} else {
			t["vegeta"] = filepath.Join(bin, "vegeta")
		}
	}
	return t
}

// startServer builds and starts the loopback server in its own process.
func startServer(o *options) (string, func(), error) {
	bin := filepath.Join(o.work, "bench-server")
	if out, err := exec.Command("go", "build", "-o", bin, "./scripts/bench/server").CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("build the bench server: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return "", nil, fmt.Errorf("bench server: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	return strings.TrimSpace(line), stop, nil
}

// result is one tool's run of one load.
type result struct {
	rps      float64
	p50, p99 float64 // ms, NaN when the tool does not give them
	// llmrec only: over requests sent after the first second, as
	// llmrep analyze --warmup 1s reports them (no connection opening).
	p50w, p99w float64
	errors     int64
	note       string
}

func nan() float64 { return math.NaN() }

// pause lets the kernel's TIME_WAIT sockets and the server settle between
// tools.
func pause() { time.Sleep(2 * time.Second) }

func figureRPS(o *options, rep *report, t tools, base string, users int) {
	url := base + "/trivial"
	fig := fmt.Sprintf("requests/s, closed loop, %d users", users)
	rep.say("\n== %s (POST %s, body {}, %v each)", fig, url, o.dur)
	order := []string{"llmrec", "vegeta", "hey", "wrk", "locust"}
	res := rounds(o, rep, t, fig, url, users, order, func(name string, r result) {
		rep.say("  %-8s %9.0f req/s  (errors %d)%s", name, r.rps, r.errors, r.note)
	})
	own, ok := res["llmrec"]
	for _, name := range order {
		r, have := res[name]
		if !have {
			continue
		}
		ratio, goal := "", ""
		if name != "llmrec" && ok && r.rps > 0 {
			x := own.rps / r.rps
			ratio = fmt.Sprintf("llmrec/%s = %.2f×", name, x)
			switch name {
			case "vegeta":
				goal = verdict(x >= 1, "≥ 1×")
			case "locust":
				goal = verdict(x >= 10, "≥ 10×")
			}
			rep.say("  %s %s", ratio, goal)
		}
		rep.row(fig, name, fmt.Sprintf("%.0f req/s", r.rps), ratio, goal)
	}
}

func figureLatency(o *options, rep *report, t tools, base string) {
	const users = 200
	url := base + "/sleep50"
	fig := "latency overhead over 50 ms, 200 users"
	rep.say("\n== %s (POST %s, %v each)", fig, url, o.dur)
	order := []string{"llmrec", "wrk", "vegeta", "hey"}
	res := rounds(o, rep, t, fig, url, users, order, func(name string, r result) {
		rep.say("  %-8s p50 %.3f ms (+%.3f)  p99 %.3f ms (+%.3f)  %.0f req/s%s", name, r.p50, r.p50-50, r.p99, r.p99-50, r.rps, r.note)
	})
	own, ok := res["llmrec"]
	if ok {
		// wrk opens its connections before it starts timing; llmrec's first
		// request of each user includes opening its connection. Shown
		// apart: llmrec after the first second (llmrep --warmup 1s).
		w := own
		w.p50, w.p99 = own.p50w, own.p99w
		res["llmrec after 1 s warmup"] = w
		order = append([]string{"llmrec", "llmrec after 1 s warmup"}, order[1:]...)
		rep.say("  llmrec after 1 s warmup: p50 %.3f ms (+%.3f)  p99 %.3f ms (+%.3f)", w.p50, w.p50-50, w.p99, w.p99-50)
	}
	for _, name := range order {
		r, have := res[name]
		if !have {
			continue
		}
		if strings.HasPrefix(name, "llmrec") {
			rep.row(fig, name, fmt.Sprintf("p50 +%.2f ms, p99 +%.2f ms", r.p50-50, r.p99-50), "", "")
			continue
		}
		val := fmt.Sprintf("p50 +%.2f ms, p99 +%.2f ms", r.p50-50, r.p99-50)
		var ratios, goals []string
		for _, mine := range []string{"llmrec", "llmrec after 1 s warmup"} {
			m, have := res[mine]
			if !have {
				continue
			}
			d50, d99 := m.p50-r.p50, m.p99-r.p99
			ratio, goal := fmt.Sprintf("%s − %s: p50 %+.2f ms, p99 %+.2f ms", mine, name, d50, d99), ""
			if name == "wrk" || name == "vegeta" {
				// Within 0.05 ms is a tie: below what the tools resolve.
				goal = verdict(d50 <= 0.05 && d99 <= 0.05, "no worse")
			}
			rep.say("  %s %s", ratio, goal)
			ratios, goals = append(ratios, ratio), append(goals, goal)
		}
		rep.row(fig, name, val, strings.Join(ratios, "; "), strings.Join(goals, "; "))
	}
}

// rounds runs every tool of order once a round, interleaved, for o.rounds
// rounds (the machine's drift then touches every tool alike), and returns
// each tool's median round: requests/s, p50 and p99 are each the median of
// the rounds' values.
func rounds(o *options, rep *report, t tools, fig, url string, users int, order []string, show func(string, result)) map[string]result {
	all := map[string][]result{}
	skipped := map[string]bool{}
	for round := 1; round <= o.rounds; round++ {
		if o.rounds > 1 {
			rep.say("  round %d of %d", round, o.rounds)
		}
		for _, name := range order {
			if skipped[name] {
				continue
			}
			r, err := runTool(o, t, name, url, users)
			if err != nil {
				rep.say("  %-8s skipped: %v", name, err)
				rep.row(fig, name, "skipped: "+err.Error(), "", "")
				skipped[name] = true
				continue
			}
			all[name] = append(all[name], r)
			show(name, r)
			pause()
		}
	}
	res := map[string]result{}
	for name, rs := range all {
		m := rs[0]
		m.rps = median(rs, func(r result) float64 { return r.rps })
		m.p50 = median(rs, func(r result) float64 { return r.p50 })
		m.p99 = median(rs, func(r result) float64 { return r.p99 })
		m.p50w = median(rs, func(r result) float64 { return r.p50w })
		m.p99w = median(rs, func(r result) float64 { return r.p99w })
		res[name] = m
		if len(rs) > 1 {
			rep.say("  %-8s median of %d rounds: %.0f req/s, p50 %.3f ms, p99 %.3f ms", name, len(rs), m.rps, m.p50, m.p99)
		}
	}
	return res
}

func median(rs []result, f func(result) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

func verdict(ok bool, goal string) string {
	if ok {
		return goal + " ✔"
	}
	return goal + " ✘ missed"
}

// runTool runs one closed-loop load of users on url with the named tool.
func runTool(o *options, t tools, name, url string, users int) (result, error) {
	if name == "llmrec" {
		return runLLMRec(o, url, users)
	}
	bin := t[name]
	if bin == "" {
		return result{}, errors.New("not installed")
	}
	switch name {
	case "vegeta":
		return runVegeta(o, bin, url, users)
	case "hey":
		return runHey(o, bin, url, users)
	case "wrk":
		return runWrk(o, bin, url, users)
	case "locust":
		return runLocust(o, bin, url, users)
	}
	return result{}, errors.New("unknown tool")
}

func runLLMRec(o *options, url string, users int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	out := filepath.Join(o.work, fmt.Sprintf("llmrec-%d.parquet", users))
	cmd := exec.CommandContext(ctx, o.llmrec, "run", "--api", "http", "--method", "POST", "--target", url, "--body", "{}",
		"--step-users", strconv.Itoa(users), "--max-users", strconv.Itoa(users), "--step-time", o.dur.String(),
		"--spawn-rate", "100000", "--wait-min", "0s", "--wait-max", "0s", "--grace", "10s", "--seed", "1",
		"-o", out, "--force")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return result{}, fmt.Errorf("llmrec run: %v: %s", err, lastLine(stderr.String()))
	}
	f, err := readRun(out)
	if err != nil {
		return result{}, err
	}
	r := result{rps: float64(f.rows) / f.meta.EndedAt.Sub(f.meta.StartedAt).Seconds(), errors: f.rows - int64(len(f.okLat))}
	r.p50, r.p99 = quantile(f.okLat, 0.50), quantile(f.okLat, 0.99)
	r.p50w, r.p99w = quantile(f.okWarm, 0.50), quantile(f.okWarm, 0.99)
	r.note = fmt.Sprintf("  [generator peak CPU %.2f cores, peak send lag %.1f ms]", f.meta.Generator.PeakCPU, f.meta.Generator.PeakLagMS)
	return r, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// runFile is what the harness reads back from a run file.
type runFile struct {
	meta    *schemas.RunMeta
	rows    int64
	okLat   []float64 // sorted latency_ms of successes
	okWarm  []float64 // the same, sent after the first second (llmrep --warmup 1s)
	lateMS  []float64 // start − scheduled_at of every row, ms
	starts  []time.Time
	failure map[string]int
	// Requests sent more than 100 ms late: a user's first request (its
	// start by the spawner) and the later ones (after a think time).
	lateFirst, lateLater, later int
}

func readRun(path string) (*runFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pf, meta := ft.File, ft.Meta
	rf := &runFile{meta: meta, failure: map[string]int{}}
	seen := map[int32]bool{}
	rd := parquet.NewGenericReader[schemas.Record](pf)
	defer rd.Close()
	buf := make([]schemas.Record, 4096)
	for {
		n, err := rd.Read(buf)
		for _, r := range buf[:n] {
			rf.rows++
			if r.OK {
				rf.okLat = append(rf.okLat, r.LatencyMS)
				if r.Start.Sub(meta.StartedAt) >= time.Second {
					rf.okWarm = append(rf.okWarm, r.LatencyMS)
				}
			} else if r.ErrorClass != nil {
				rf.failure[*r.ErrorClass]++
			}
			lag := float64(r.Start.Sub(r.ScheduledAt)) / float64(time.Millisecond)
			rf.lateMS = append(rf.lateMS, lag)
			rf.starts = append(rf.starts, r.Start)
			first := !seen[r.User]
			seen[r.User] = true
			if !first {
				rf.later++
			}
			if lag > 100 && first {
				rf.lateFirst++
			} else if lag > 100 {
				rf.lateLater++
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	slices.Sort(rf.okLat)
	slices.Sort(rf.okWarm)
	return rf, nil
}

// quantile is the exact q-quantile of sorted xs with linear interpolation
// (DuckDB's quantile_cont, the analyzer's definition).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return nan()
	}
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}

func runVegeta(o *options, bin, url string, users int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	body := filepath.Join(o.work, "body.json")
	if err := os.WriteFile(body, []byte("{}"), 0o644); err != nil {
		return result{}, err
	}
	targets := filepath.Join(o.work, "vegeta-targets.txt")
	if err := os.WriteFile(targets, []byte(fmt.Sprintf("POST %s\nContent-Type: application/json\n@%s\n", url, body)), 0o644); err != nil {
		return result{}, err
	}
	n := strconv.Itoa(users)
	attack := exec.CommandContext(ctx, bin, "attack", "-targets", targets, "-rate", "0", "-workers", n, "-max-workers", n,
		"-duration", o.dur.String(), "-timeout", "30s")
	rep := exec.CommandContext(ctx, bin, "report", "-type", "json")
	pipe, err := attack.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	rep.Stdin = pipe
	var out, stderr bytes.Buffer
	rep.Stdout = &out
	attack.Stderr, rep.Stderr = &stderr, &stderr
	if err := rep.Start(); err != nil {
		return result{}, err
	}
	if err := attack.Run(); err != nil {
		rep.Wait()
		return result{}, fmt.Errorf("vegeta attack: %v: %s", err, lastLine(stderr.String()))
	}
	if err := rep.Wait(); err != nil {
		return result{}, fmt.Errorf("vegeta report: %v: %s", err, lastLine(stderr.String()))
	}
	var m struct {
		Latencies  map[string]float64 `json:"latencies"`
		Requests   int64              `json:"requests"`
		Throughput float64            `json:"throughput"`
		Success    float64            `json:"success"`
	}
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		return result{}, fmt.Errorf("vegeta report: %w", err)
	}
	return result{
		rps: m.Throughput, p50: m.Latencies["50th"] / 1e6, p99: m.Latencies["99th"] / 1e6,
		errors: m.Requests - int64(math.Round(m.Success*float64(m.Requests))),
		note:   "  [throughput: successes / (attack + wait)]",
	}, nil
}

var (
	reHeyRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reHeyPct = regexp.MustCompile(`(\d+)% in ([0-9.]+) secs`)
	reHeyErr = regexp.MustCompile(`\[(\d+)\]\s+(\d+) responses`)
)

func runHey(o *options, bin, url string, users int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-z", o.dur.String(), "-c", strconv.Itoa(users), "-m", "POST", "-d", "{}",
		"-T", "application/json", "-t", "30", url)
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("hey: %v", err)
	}
	s := string(out)
	m := reHeyRPS.FindStringSubmatch(s)
	if m == nil {
		return result{}, fmt.Errorf("hey: no Requests/sec in its output")
	}
	r := result{p50: nan(), p99: nan()}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, pm := range reHeyPct.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(pm[2], 64)
		switch pm[1] {
		case "50":
			r.p50 = v * 1000
		case "99":
			r.p99 = v * 1000
		}
	}
	for _, em := range reHeyErr.FindAllStringSubmatch(s, -1) {
		if em[1] != "200" {
			n, _ := strconv.ParseInt(em[2], 10, 64)
			r.errors += n
		}
	}
	r.note = "  [latency printed to 0.1 ms]"
	return r, nil
}

var (
	reWrkRPS  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reWrkPct  = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)\s*$`)
	reWrkNon2 = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reWrkSock = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func runWrk(o *options, bin, url string, users int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	script := filepath.Join(o.work, "wrk-post.lua")
	lua := "wrk.method = \"POST\"\nwrk.body = \"{}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
	if err := os.WriteFile(script, []byte(lua), 0o644); err != nil {
		return result{}, err
	}
	threads := strconv.Itoa(min(runtime.NumCPU(), users))
	cmd := exec.CommandContext(ctx, bin, "-t", threads, "-c", strconv.Itoa(users), "-d", o.dur.String(), "--timeout", "30s",
		"--latency", "-s", script, url)
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v", err)
	}
	s := string(out)
	m := reWrkRPS.FindStringSubmatch(s)
	if m == nil {
		return result{}, fmt.Errorf("wrk: no Requests/sec in its output")
	}
	r := result{p50: nan(), p99: nan()}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, pm := range reWrkPct.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(pm[2], 64)
		switch pm[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if pm[1] == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	if em := reWrkNon2.FindStringSubmatch(s); em != nil {
		n, _ := strconv.ParseInt(em[1], 10, 64)
		r.errors += n
	}
	if em := reWrkSock.FindStringSubmatch(s); em != nil {
		for _, x := range em[1:] {
			n, _ := strconv.ParseInt(x, 10, 64)
			r.errors += n
		}
	}
	r.note = fmt.Sprintf("  [-t %s; latency printed to 0.01 ms]", threads)
	return r, nil
}

const locustFile = `from locust import HttpUser, task, constant

class Trivial(HttpUser):
    wait_time = constant(0)

    @task
    def post(self):
        self.client.post(%q, data="{}", headers={"Content-Type": "application/json"})
`

func runLocust(o *options, bin, url string, users int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	i := strings.Index(url[len("http://"):], "/") + len("http://")
	host, path := url[:i], url[i:]
	file := filepath.Join(o.work, "locustfile.py")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(locustFile, path)), 0o644); err != nil {
		return result{}, err
	}
	prefix := filepath.Join(o.work, fmt.Sprintf("locust-%d", users))
	n := strconv.Itoa(users)
	cmd := exec.CommandContext(ctx, bin, "-f", file, "--headless", "-u", n, "-r", n, "-t", o.dur.String(), "--host", host,
		"--csv", prefix, "--only-summary", "--loglevel", "ERROR", "--exit-code-on-error", "0")
	cmd.Dir = o.work
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return result{}, fmt.Errorf("locust: %v: %s", err, lastLine(stderr.String()))
	}
	f, err := os.Open(prefix + "_stats.csv")
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 {
		return result{}, fmt.Errorf("locust stats: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		if rec[col["Name"]] != "Aggregated" {
			continue
		}
		rps, _ := strconv.ParseFloat(rec[col["Requests/s"]], 64)
		fails, _ := strconv.ParseInt(rec[col["Failure Count"]], 10, 64)
		return result{rps: rps, p50: nan(), p99: nan(), errors: fails, note: "  [HttpUser, one process]"}, nil
	}
	return result{}, errors.New("locust stats: no Aggregated row")
}

// figureStream holds streamUsers streaming users against `llmrec sim` in its
// own process and reports the recorder's peak RSS per user and its lag.
func figureStream(o *options, rep *report) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	users := o.streamUsers
	fig := fmt.Sprintf("%d streaming users (sim linear, %d tokens × %g ms, sim at nice %d)", users, o.streamTokens, o.streamTokenMS, o.simNice)
	rep.say("\n== %s", fig)
	addr, err := freePort()
	if err != nil {
		rep.say("  failed: %v", err)
		return
	}
	simCmd := exec.Command("nice", "-n", strconv.Itoa(o.simNice), o.llmrec, "sim", "--addr", addr, "--profile", "linear", "--slots", strconv.Itoa(users),
		"--token-ms", fmt.Sprint(o.streamTokenMS), "--prefill-ms", "100", "--max-tokens", strconv.Itoa(o.streamTokens), "--jitter", "0.1")
	var simErr bytes.Buffer
	simCmd.Stderr = &simErr
	if err := simCmd.Start(); err != nil {
		rep.say("  failed: %v", err)
		return
	}
	defer func() {
		simCmd.Process.Signal(os.Interrupt)
		simCmd.Wait()
	}()
	if err := waitPort(addr, 10*time.Second); err != nil {
		rep.say("  failed: simulator: %v: %s", err, simErr.String())
		return
	}
	out := filepath.Join(o.work, "stream.parquet")
	// All users start within 5 s and are held for the rest of the step:
	// with the linear profile at slots = users each answer takes about twice
	// tokens × token-ms once everyone is in flight.
	step := 30 * time.Second
	cmd := exec.CommandContext(ctx, o.llmrec, "run", "--target", "http://"+addr, "--max-tokens", strconv.Itoa(o.streamTokens),
		"--step-users", strconv.Itoa(users), "--max-users", strconv.Itoa(users), "--spawn-rate", strconv.Itoa(o.spawnRate),
		"--step-time", step.String(), "--grace", "60s", "--seed", "1", "-o", out, "--force")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		rep.say("  failed: llmrec run: %v: %s", err, lastLine(stderr.String()))
		return
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rssKB int64
	if ru != nil {
		rssKB = ru.Maxrss
	}
	f, err := readRun(out)
	if err != nil {
		rep.say("  failed: %v", err)
		return
	}
	perUser := float64(rssKB) / float64(users)
	late := 0
	for _, l := range f.lateMS {
		if l > 100 {
			late++
		}
	}
	g := f.meta.Generator
	rep.say("  recorder peak RSS %.0f MB = %.1f KB/user (whole process, %d users); run %v, %d requests, %d ok, failures %v",
		float64(rssKB)/1024, perUser, users, wall.Round(time.Second), f.rows, len(f.okLat), f.failure)
	rep.say("  generator: peak CPU %.2f cores, mean %.2f, peak goroutines %d, send lag p99 %.1f ms, max %.1f ms; %d of %d requests sent > 100 ms late",
		g.PeakCPU, g.MeanCPU, g.PeakGoroutines, g.P99LagMS, g.PeakLagMS, late, f.rows)
	rep.say("  late > 100 ms: %d of %d first requests (the spawn), %d of %d later ones", f.lateFirst, users, f.lateLater, f.later)
	rep.say("  answer latency p50 %.0f ms, p99 %.0f ms", quantile(f.okLat, 0.5), quantile(f.okLat, 0.99))
	warn := lagWarning(o, out)
	rep.say("  llmrep analyze: %s", warn)
	rep.row(fig, "llmrec", fmt.Sprintf("%.1f KB/user (peak RSS %.0f MB)", perUser, float64(rssKB)/1024), "", verdict(perUser < 50, "< 50 KB/user"))
	rep.row(fig, "llmrec", fmt.Sprintf("send lag p99 %.1f ms, max %.1f ms, %d/%d late > 100 ms", g.P99LagMS, g.PeakLagMS, late, f.rows), "", verdict(!strings.HasPrefix(warn, "client-side lag"), "no lag warning"))
}

// lagWarning runs llmrep analyze on the run and returns its client-side lag
// warning, or a sentence saying there is none.
func lagWarning(o *options, path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat(o.llmrep); err != nil {
		return "llmrep not built: lag warning not checked"
	}
	cmd := exec.CommandContext(ctx, o.llmrep, "analyze", path, "--format", "json", "--warmup", "0s", "-o", path+".json")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Sprintf("llmrep analyze failed: %v: %s", err, lastLine(string(out)))
	}
	b, err := os.ReadFile(path + ".json")
	if err != nil {
		return err.Error()
	}
	var a struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return err.Error()
	}
	var gen []string
	for _, w := range a.Warnings {
		if strings.HasPrefix(w, "client-side lag") {
			return w
		}
		if strings.Contains(w, "load generator") {
			gen = append(gen, w)
		}
	}
	msg := fmt.Sprintf("no client-side lag warning (%d other warnings)", len(a.Warnings))
	if len(gen) > 0 {
		msg += "; about the generator: " + strings.Join(gen, "; ")
	}
	return msg
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitPort(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var reRowsPerSec = regexp.MustCompile(`BenchmarkParquetWriter\S*\s+\d+\s+.*?([0-9.e+]+) rows/s`)

func figureParquet(rep *report) {
	fig := "Parquet writer"
	rep.say("\n== %s (go test -bench '^BenchmarkParquetWriter$' ./record/)", fig)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkParquetWriter$", "-benchtime", "3s", "-count", "3", "./record/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		rep.say("  failed: %v\n%s", err, out)
		return
	}
	var vals []float64
	for _, m := range reRowsPerSec.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		rep.say("  no rows/s in:\n%s", out)
		return
	}
	slices.Sort(vals)
	med := vals[len(vals)/2]
	rep.say("  median of %d: %.2fM rows/s (all: %v)", len(vals), med/1e6, vals)
	rep.row(fig, "llmrec", fmt.Sprintf("%.2fM rows/s", med/1e6), "", verdict(med >= 1e6, "≥ 1M rows/s"))
}

// figureAnalyze times `llmrep analyze` (text on stdout plus the HTML report)
// on synthetic runs.
func figureAnalyze(o *options, rep *report) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if _, err := os.Stat(o.llmrep); err != nil {
		rep.say("\n== llmrep analyze: skipped: %v (make build first)", err)
		return
	}
	for _, n := range o.analyzeRows {
		fig := fmt.Sprintf("llmrep analyze, %s rows", humanRows(n))
		rep.say("\n== %s (text + HTML, synthetic 10-step run)", fig)
		path := filepath.Join(o.work, fmt.Sprintf("synth-%d.parquet", n))
		if err := synthRun(path, n); err != nil {
			rep.say("  failed: %v", err)
			continue
		}
		html := path + ".html"
		cmd := exec.CommandContext(ctx, o.llmrep, "analyze", path, "-o", html)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		t0 := time.Now()
		err := cmd.Run()
		wall := time.Since(t0)
		if err != nil {
			rep.say("  failed: %v: %s", err, lastLine(stderr.String()))
			continue
		}
		var rssKB int64
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rssKB = ru.Maxrss
		}
		st, _ := os.Stat(html)
		size := int64(0)
		if st != nil {
			size = st.Size()
		}
		limit := 3 * time.Second
		if n > 1_000_000 {
			limit = time.Duration(n/1_000_000) * 3 * time.Second
		}
		rep.say("  %.2f s, peak RSS %.0f MB, HTML %.2f MB", wall.Seconds(), float64(rssKB)/1024, float64(size)/1e6)
		rep.row(fig, "llmrep", fmt.Sprintf("%.2f s", wall.Seconds()), "", verdict(wall < limit, "< "+limit.String()))
		rep.row(fig, "llmrep", fmt.Sprintf("peak RSS %.0f MB", float64(rssKB)/1024), "", verdict(rssKB < 2<<20, "< 2 GB"))
		if n >= 10_000_000 {
			rep.row("HTML report, "+humanRows(n)+" rows", "llmrep", fmt.Sprintf("%.2f MB", float64(size)/1e6), "", verdict(size < 3e6, "< 3 MB"))
		}
	}
}

func humanRows(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return strconv.Itoa(n)
}

// synthRun writes (once; kept in the work directory) a synthetic run of n
// rows: ten 60 s steps of 10..100 users, a knee-shaped latency with noise,
// 1% failures, TTFT and token counts.
func synthRun(path string, n int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	const steps, stepS = 10, 60.0
	t0 := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	m := &schemas.RunMeta{
		RunID: "bench-synth", ToolVersion: schemas.ToolVersion, StartedAt: t0, EndedAt: t0.Add(steps * stepS * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "synthetic",
		Stream: true, MaxTokens: 128, Labels: map[string]string{}, Shards: 1,
		Shape: schemas.Shape{Profile: "default", StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10,
			DurationS: steps * stepS, WaitMinS: 0.1, WaitMaxS: 0.5},
		Timeouts: schemas.Timeouts{TimeoutS: 120, IdleTimeoutS: 30, GraceS: 30},
		Requests: int64(n),
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := runfile.NewParquetWriter(bw)
	rng := rand.New(rand.NewPCG(1, 2))
	cls, msg := schemas.ErrHTTP5xx, "status 503 Service Unavailable"
	recs := make([]schemas.Record, 0, 65536)
	for i := range n {
		sendS := float64(i) / float64(n) * steps * stepS
		step := int(sendS/stepS) + 1
		start := t0.Add(time.Duration(sendS * float64(time.Second)))
		base := 400.0 * (1 + float64(step*step)/20)
		lat := base * (0.7 + 0.6*rng.Float64())
		ttft := lat / 8
		tok := int32(64 + rng.IntN(64))
		pt := int32(20 + rng.IntN(20))
		r := schemas.Record{RunID: m.RunID, Seq: int64(i), User: int32(i%(step*10)) + 1, Step: int32(step),
			Users: int32(step * 10), ScheduledAt: start.Add(-time.Millisecond), Start: start, LatencyMS: lat,
			TTFTMS: &ttft, Status: 200, OK: true, PromptTokens: &pt, OutputTokens: &tok, Chunks: tok, BytesIn: 4096}
		if rng.IntN(100) == 0 {
			r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS, r.OutputTokens = false, 503, &cls, &msg, nil, nil
		}
		recs = append(recs, r)
		if len(recs) == cap(recs) || i == n-1 {
			if err := w.Write(recs); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	if err := w.Close(m); err != nil {
		return err
	}
	return errors.Join(bw.Flush(), f.Sync(), os.Rename(path+".tmp", path))
}
