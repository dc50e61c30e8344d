package main

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// splitArgs turns one fuzz string into repeated flag values (one a line).
func splitArgs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var headerErr = regexp.MustCompile(`^-H #[0-9]+: want 'Key: value'$`)

// FuzzParseHeaders: -H values never panic the parser, an accepted header
// has a usable name and a single-line value, and an error never quotes a
// value (it may be a secret). Seeds: testdata/fuzz/FuzzParseHeaders.
func FuzzParseHeaders(f *testing.F) {
	f.Add("X-A: 1\nAuthorization: Bearer sk-x")
	f.Fuzz(func(t *testing.T, s string) {
		raw := splitArgs(s)
		h, err := ParseHeaders(raw)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !headerErr.MatchString(line) {
					t.Fatalf("error line %q is not the fixed message (it may leak a value)", line)
				}
			}
		}
		if h == nil {
			t.Fatal("nil header set")
		}
		good := 0
		for _, r := range raw {
			k, v, ok := strings.Cut(r, ":")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
				continue
			}
			good++
			if !containsValue(h.Values(k), strings.TrimSpace(v)) {
				t.Fatalf("-H %q: value %q missing from %v", r, strings.TrimSpace(v), h)
			}
		}
		if (err != nil) != (good != len(raw)) {
			t.Fatalf("%d of %d values well-formed, err = %v", good, len(raw), err)
		}
		for k, vs := range h {
			if k == "" || strings.ContainsAny(k, " \t\r\n") {
				t.Fatalf("accepted header name %q", k)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("accepted a multi-line value for %q", k)
				}
			}
		}
		// What the parser accepts either passes the client's validation or
		// is refused there with an error, never sent as a broken request.
		o := target.Options{Target: "http://127.0.0.1:1", API: target.APIChat, Headers: h}
		if err := o.Validate(); err == nil {
			if _, err := target.New(o); err != nil {
				t.Fatalf("validated headers %v refused by New: %v", h, err)
			}
		}
	})
}

func containsValue(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// FuzzParseLabels: --label values never panic the parser; an accepted
// label keeps its key (trimmed, no '=' or line break) and its exact value,
// a key given twice is an error. Seeds: testdata/fuzz/FuzzParseLabels.
func FuzzParseLabels(f *testing.F) {
	f.Add("model=v2\ncommit=abc")
	f.Fuzz(func(t *testing.T, s string) {
		raw := splitArgs(s)
		m, err := ParseLabels(raw)
		if m == nil {
			t.Fatal("nil label map")
		}
		seen := map[string]bool{}
		wantErr := false
		for _, r := range raw {
			k, _, ok := strings.Cut(r, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.ContainsAny(k, "\r\n") || seen[k] {
				wantErr = true
			}
			seen[k] = true
		}
		if !wantErr {
			for _, r := range raw {
				k, v, _ := strings.Cut(r, "=")
				if got, ok := m[strings.TrimSpace(k)]; !ok || got != v {
					t.Fatalf("--label %q: map has %q", r, got)
				}
			}
			if len(m) != len(raw) {
				t.Fatalf("%d labels for %d values", len(m), len(raw))
			}
		}
		if (err != nil) != wantErr {
			t.Fatalf("labels %q: err = %v, want error %v", raw, err, wantErr)
		}
		if err == nil {
			for k := range m {
				if k == "" || strings.ContainsAny(k, "=\r\n") {
					t.Fatalf("accepted label key %q", k)
				}
			}
		}
	})
}

// FuzzRunSchedule: any --step-time, --duration, --timeout, --grace and
// user counts, closed or open loop, are refused or give a run whose every
// figure the file and the analyzer can hold: a step of 100ms to 720h, at
// most record.MaxSteps steps over at most 30 days (so every step number,
// grace included, fits the int32 column), request times of 1ms to 24h, at
// most a million users. `--step-time 1ns` used to be accepted.
func FuzzRunSchedule(f *testing.F) {
	f.Add("1ns", "3s", "120s", "30s", 3, 1, false)
	f.Add("100ms", "3h", "1s", "0s", 10, 10, false)
	f.Add("60s", "0s", "2m", "30s", 100, 10, true)
	f.Add("720h", "720h", "24h", "24h", 1000000, 1000000, false)
	f.Add("-1s", "1e3h", "0", "-5s", -1, 0, true)
	f.Fuzz(func(t *testing.T, step, dur, timeout, grace string, maxUsers, stepUsers int, open bool) {
		args := []string{"--step-time", step, "--duration", dur, "--timeout", timeout, "--grace", grace}
		if open {
			args = append(args, "--arrival", "constant", "--rate", "10")
		} else {
			args = append(args, "--max-users", strconv.Itoa(maxUsers), "--step-users", strconv.Itoa(stepUsers))
		}
		o, err := parseRun(args...)
		if err != nil {
			return
		}
		c := o.Config
		stepT, total := c.Shape.StepTime, c.Shape.Total()
		if open {
			stepT, total = c.OpenLoop.StepTime, c.OpenLoop.Total()
		}
		if stepT < record.MinStepTime || stepT > record.MaxRunTime || total > record.MaxRunTime || total/stepT > record.MaxSteps {
			t.Fatalf("%v accepted: step %v, %v in all", args, stepT, total)
		}
		if last := (total + c.Grace) / stepT; last >= math.MaxInt32 {
			t.Fatalf("%v accepted: step numbers reach %d", args, last)
		}
		if c.Timeout < record.MinRequestTime || c.Timeout > record.MaxRequestTime || c.Grace < 0 || c.Grace > record.MaxRequestTime {
			t.Fatalf("%v accepted: timeout %v, grace %v", args, c.Timeout, c.Grace)
		}
		if !open && (c.Shape.MaxUsers < 1 || c.Shape.MaxUsers > record.MaxUsers || c.Shape.StepUsers < 1 || c.Shape.StepUsers > record.MaxUsers) {
			t.Fatalf("%v accepted: %d users, %d a step", args, c.Shape.MaxUsers, c.Shape.StepUsers)
		}
	})
}

// FuzzParseShard: any --shard value is refused, or is I/N written in
// decimal digits alone with 0 ≤ I < N ≤ schemas.MaxShards, and reads back
// as itself (leading zeros aside).
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "2/3", "+1/3", "-0/3", "0/2000000000", "9999/10000", " 1/3", "1/3/4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, n, err := ParseShard(s)
		if err != nil {
			if i != 0 || n != 0 {
				t.Fatalf("ParseShard(%q) = %d, %d with an error", s, i, n)
			}
			return
		}
		a, b, _ := strings.Cut(s, "/")
		if !digitsOnly.MatchString(a) || !digitsOnly.MatchString(b) || i < 0 || i >= n || n > schemas.MaxShards {
			t.Fatalf("ParseShard(%q) accepted %d/%d", s, i, n)
		}
		if strings.TrimLeft(a, "0") != strings.TrimLeft(strconv.Itoa(i), "0") || strings.TrimLeft(b, "0") != strconv.Itoa(n) {
			t.Fatalf("ParseShard(%q) = %d/%d", s, i, n)
		}
	})
}

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)
