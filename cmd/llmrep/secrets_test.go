package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// TestSecretsAbsentFromEveryArtifact records a real run with secrets
// planted in a header, the API key, the URL userinfo and the URL query,
// against a server that echoes them back in its error bodies and redirect
// locations, then analyzes the file in every format. No secret may appear
// in the Parquet bytes, the recorder's notices, or any report (text, JSON,
// Markdown, HTML, stdout and stderr). The llmrec binary test
// TestSecretsNeverWritten covers the key taken from the environment and
// the recorder's own terminal output.
func TestSecretsAbsentFromEveryArtifact(t *testing.T) {
	const (
		hdrSecret   = "hdrSECRETa1b2"
		keySecret   = "keySECRETc3d4"
		passSecret  = "pwSECRETe5f6"
		querySecret = "qSECRETg7h8"
	)
	secrets := []string{hdrSecret, keySecret, passSecret, querySecret}
	var n, planted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		echo := r.Header.Get("Authorization") + " " + r.Header.Get("X-Tenant") + " " + r.URL.String()
		if strings.Contains(echo, keySecret) && strings.Contains(echo, hdrSecret) && strings.Contains(echo, querySecret) {
			planted.Add(1)
		}
		switch n.Add(1) % 3 {
		case 0:
			http.Error(w, "denied for "+echo, http.StatusInternalServerError)
		case 1:
			http.Redirect(w, r, "http://127.0.0.1:1/?token="+querySecret+"&auth="+keySecret, http.StatusTemporaryRedirect)
		default:
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{"content":"`+hdrSecret+`"}}]}`+"\n\n")
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	cfg := record.DefaultConfig()
	cfg.Target = strings.Replace(srv.URL, "://", "://alice:"+passSecret+"@", 1) + "/v1?api_key=" + querySecret
	cfg.Model = "m"
	cfg.Headers = http.Header{"X-Tenant": {hdrSecret}}
	cfg.APIKey = keySecret
	cfg.Shape = record.Shape{StepUsers: 2, StepTime: 700 * time.Millisecond, MaxUsers: 2, SpawnRate: 100}
	cfg.WaitMin, cfg.WaitMax = 5*time.Millisecond, 10*time.Millisecond
	cfg.Grace = 2 * time.Second
	cfg.Labels = map[string]string{"team": "a"}
	runPath := filepath.Join(dir, "run.parquet")
	var notices bytes.Buffer
	cfg.Progress = func(s record.Status) { fmt.Fprintf(&notices, "%+v\n", s) }
	client, err := record.Connect(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	file, err := runfile.Create(runPath, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := record.Run(context.Background(), cfg, client, file); err != nil {
		t.Fatal(err)
	}
	if planted.Load() == 0 {
		t.Fatal("the server never received the planted secrets: the test would prove nothing")
	}

	artifacts := map[string][]byte{"recorder notices": notices.Bytes()}
	add := func(name, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		artifacts[name] = b
	}
	add("Parquet file", runPath)
	for _, format := range []string{"text", "json", "md", "html"} {
		out := filepath.Join(dir, "report."+format)
		stdout, stderr, code := run(t, "analyze", runPath, "--warmup", "0s", "--format", format, "-o", out)
		if code != 0 {
			t.Fatalf("--format %s: status %d: %s", format, code, stderr)
		}
		add(format+" report", out)
		artifacts[format+" stdout"] = []byte(stdout)
		artifacts[format+" stderr"] = []byte(stderr)
		stdout, stderr, code = run(t, "analyze", runPath, "--warmup", "0s", "--format", format, "-o", "-")
		if code != 0 {
			t.Fatalf("--format %s -o -: status %d: %s", format, code, stderr)
		}
		artifacts[format+" on stdout"] = []byte(stdout + stderr)
	}
	// The default: text on stdout, HTML beside the input.
	stdout, stderr, code := run(t, "analyze", runPath, "--warmup", "0s")
	if code != 0 {
		t.Fatalf("default analyze: status %d: %s", code, stderr)
	}
	artifacts["default stdout"] = []byte(stdout + stderr)
	add("default HTML", filepath.Join(dir, "run.html"))

	for name, b := range artifacts {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				i := bytes.Index(b, []byte(s))
				t.Errorf("%s contains secret %s: …%q…", name, s, b[max(0, i-60):min(len(b), i+40)])
			}
		}
	}
	// The reports are about this run: they show its failures and its
	// (redacted) target, so the absence of secrets is not an empty report.
	js := string(artifacts["json report"])
	for _, want := range []string{"http_5xx", `"protocol"`, "127.0.0.1"} {
		if !strings.Contains(js, want) {
			t.Errorf("JSON report lacks %q", want)
		}
	}
}
