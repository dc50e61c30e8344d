package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// pacingRate is the open-loop rate of the pacing figure, arrivals/s.
const pacingRate = 2000

// figurePacing: an open loop of constant arrivals at 2,000/s against POST
// /trivial, no concurrency cap, llmrec beside vegeta's -rate. The figure
// is the send lag, how late each request was sent after its scheduled
// time, at p50, p99 and max. llmrec's is start − scheduled_at from its
// run file. vegeta records no schedule, so its lag is rebuilt from its
// results: its pacer schedules hit k at began + k/rate and a result's
// timestamp is when its hit started, so lag_k = (timestamp_k − k/rate) −
// the smallest such value over the run (the earliest hit is taken as on
// time, which can only understate vegeta's lag).
func figurePacing(o *options, rep *report, t tools, base string) {
	url := base + "/trivial"
	fig := fmt.Sprintf("open-loop send lag, %d arrivals/s, no cap", pacingRate)
	rep.say("\n== %s (POST %s, body {}, %v each)", fig, url, o.dur)
	type lag struct{ p50, p99, max, sent float64 }
	all := map[string][]lag{}
	order := []string{"llmrec", "vegeta"}
	for round := 1; round <= o.rounds; round++ {
		if o.rounds > 1 {
			rep.say("  round %d of %d", round, o.rounds)
		}
		for _, name := range order {
			var lags []float64
			var err error
			switch {
			case name == "llmrec":
				lags, err = pacingLLMRec(o, url)
			case t[name] == "":
				err = errors.New("not installed")
			default:
				lags, err = pacingVegeta(o, t[name], url)
			}
			if err != nil {
				rep.say("  %-8s skipped: %v", name, err)
				continue
			}
			slices.Sort(lags)
			l := lag{quantile(lags, 0.5), quantile(lags, 0.99), lags[len(lags)-1], float64(len(lags)) / o.dur.Seconds()}
			all[name] = append(all[name], l)
			rep.say("  %-8s send lag p50 %.3f ms  p99 %.3f ms  max %.1f ms  (%.0f sent/s)", name, l.p50, l.p99, l.max, l.sent)
			pause()
		}
	}
	med := func(ls []lag, f func(lag) float64) float64 {
		xs := make([]float64, len(ls))
		for i, l := range ls {
			xs[i] = f(l)
		}
		slices.Sort(xs)
		return quantile(xs, 0.5)
	}
	for _, name := range order {
		ls := all[name]
		if len(ls) == 0 {
			continue
		}
		p50, p99 := med(ls, func(l lag) float64 { return l.p50 }), med(ls, func(l lag) float64 { return l.p99 })
		mx := med(ls, func(l lag) float64 { return l.max })
		goal := ""
		if name == "llmrec" {
			goal = verdict(p99 < 5, "p99 < 5 ms")
		}
		rep.say("  %-8s median of %d rounds: p50 %.3f ms, p99 %.3f ms, max %.1f ms %s", name, len(ls), p50, p99, mx, goal)
		rep.row(fig, name, fmt.Sprintf("p50 %.2f ms, p99 %.2f ms, max %.1f ms", p50, p99, mx), "", goal)
	}
}

// pacingLLMRec runs llmrec's open loop and returns every row's send lag, ms.
func pacingLLMRec(o *options, url string) ([]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	out := filepath.Join(o.work, "llmrec-pacing.parquet")
	cmd := exec.CommandContext(ctx, o.llmrec, "run", "--api", "http", "--method", "POST", "--target", url, "--body", "{}",
		"--arrival", "constant", "--rate", strconv.Itoa(pacingRate), "--step-time", o.dur.String(), "--grace", "10s", "--seed", "1",
		"-o", out, "--force")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		return nil, fmt.Errorf("llmrec run: %v: %s", err, lastLine(stderr.String()))
	}
	f, err := readRun(out)
	if err != nil {
		return nil, err
	}
	return f.lateMS, nil
}

// pacingVegeta runs vegeta attack -rate and returns each hit's send lag,
// ms, rebuilt as figurePacing says.
func pacingVegeta(o *options, bin, url string) ([]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.dur+2*time.Minute)
	defer cancel()
	body := filepath.Join(o.work, "body.json")
	if err := os.WriteFile(body, []byte("{}"), 0o644); err != nil {
		return nil, err
	}
	targets := filepath.Join(o.work, "vegeta-targets.txt")
	if err := os.WriteFile(targets, []byte(fmt.Sprintf("POST %s\nContent-Type: application/json\n@%s\n", url, body)), 0o644); err != nil {
		return nil, err
	}
	attack := exec.CommandContext(ctx, bin, "attack", "-targets", targets, "-rate", strconv.Itoa(pacingRate)+"/s",
		"-duration", o.dur.String(), "-timeout", "30s")
	enc := exec.CommandContext(ctx, bin, "encode", "-to", "csv")
	pipe, err := attack.StdoutPipe()
	if err != nil {
		return nil, err
	}
	enc.Stdin = pipe
	var out, stderr bytes.Buffer
	enc.Stdout = &out
	attack.Stderr, enc.Stderr = &stderr, &stderr
	if err := enc.Start(); err != nil {
		return nil, err
	}
	if err := attack.Run(); err != nil {
		enc.Wait()
		return nil, fmt.Errorf("vegeta attack: %v: %s", err, lastLine(stderr.String()))
	}
	if err := enc.Wait(); err != nil {
		return nil, fmt.Errorf("vegeta encode: %v: %s", err, lastLine(stderr.String()))
	}
	// CSV columns: timestamp (ns since the epoch), code, latency, bytes
	// out, bytes in, error, body, attack, seq, method, url, headers.
	rd := csv.NewReader(&out)
	rd.FieldsPerRecord = -1
	var rel []float64 // timestamp − seq/rate, ns
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("vegeta csv: %w", err)
		}
		if len(rec) < 9 {
			return nil, fmt.Errorf("vegeta csv: %d columns, want at least 9", len(rec))
		}
		ts, err1 := strconv.ParseInt(rec[0], 10, 64)
		seq, err2 := strconv.ParseInt(rec[8], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("vegeta csv: timestamp %q seq %q", rec[0], rec[8])
		}
		rel = append(rel, float64(ts)-float64(seq)*1e9/pacingRate)
	}
	if len(rel) == 0 {
		return nil, errors.New("vegeta sent nothing")
	}
	first := math.Inf(1)
	for _, v := range rel {
		first = math.Min(first, v)
	}
	lags := make([]float64, len(rel))
	for i, v := range rel {
		lags[i] = (v - first) / 1e6
	}
	return lags, nil
}
