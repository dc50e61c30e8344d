package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTelemetryFlags: --server-metrics and --metrics-addr parse into the
// run's settings, and their misuse is one line with exit status 2.
func TestTelemetryFlags(t *testing.T) {
	weak := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(weak, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		err  string
		ok   func(*RunOptions) string
	}{
		{name: "auto", args: []string{"--server-metrics", "auto"}, ok: func(o *RunOptions) string {
			if m := o.Config.ServerMetrics; m.URL != "auto" || m.Interval != time.Second || strings.Join(m.Match, ",") != "vllm:*,sglang:*,tgi_*,llamacpp:*" {
				return "settings " + m.URL
			}
			return ""
		}},
		{name: "url, interval, match", args: []string{"--server-metrics", "http://127.0.0.1:9/metrics", "--scrape-interval", "250ms", "--server-metrics-match", "vllm:num_*,my_*"},
			ok: func(o *RunOptions) string {
				if m := o.Config.ServerMetrics; m.Interval != 250*time.Millisecond || len(m.Match) != 2 {
					return "settings"
				}
				return ""
			}},
		{name: "not http", args: []string{"--server-metrics", "ftp://x"}, err: "--server-metrics is not an http(s) URL"},
		{name: "interval too short", args: []string{"--server-metrics", "auto", "--scrape-interval", "10ms"}, err: "--scrape-interval is 10ms: give 100ms to 1h"},
		{name: "bad pattern", args: []string{"--server-metrics", "auto", "--server-metrics-match", "vllm:["}, err: "--server-metrics-match has pattern"},
		{name: "interval alone", args: []string{"--scrape-interval", "2s"}, err: "--scrape-interval needs --server-metrics"},
		{name: "metrics token without addr", args: []string{"--metrics-token-file", weak}, err: "--metrics-token-file needs --metrics-addr"},
		{name: "metrics addr", args: []string{"--metrics-addr", "127.0.0.1:0"}, ok: func(o *RunOptions) string {
			if o.MetricsAddr != "127.0.0.1:0" {
				return "addr"
			}
			return ""
		}},
		{name: "bad metrics addr", args: []string{"--metrics-addr", "nope"}, err: "--metrics-addr: address"},
		{name: "weak token off loopback", args: []string{"--metrics-addr", "10.1.2.3:9464", "--metrics-token-file", weak}, err: "too weak"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			var got *RunOptions
			cmd := NewCmdRun(&IO{Out: &out, Err: &out}, func(o *RunOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			err := cmd.ExecuteContext(context.Background())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				var ue usageError
				if !errors.As(err, &ue) {
					t.Errorf("%v is not a usage error (exit status 2)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.ok(got); msg != "" {
				t.Error(msg)
			}
		})
	}
}
