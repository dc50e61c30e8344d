package htmlreport

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// writeKneeRun writes a run file of a closed-loop step load (10 to 100
// users, +10 every 30 s) against a server shaped like knee, with TTFT and
// token counts, failures past 80 users, and the hostile strings in a label
// and in error messages. The rows are a pure function of the seed.
func writeKneeRun(t testing.TB, path string) {
	t.Helper()
	const (
		stepS = 30
		steps = 10
	)
	start := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []schemas.Record
	for user := range steps * 10 {
		step0 := user / 10 // the step in which this user starts
		at := time.Duration(step0*stepS)*time.Second + time.Duration(user%10)*100*time.Millisecond
		for at < steps*stepS*time.Second {
			step := int(at/(stepS*time.Second)) + 1
			users := step * 10
			lat := knee(float64(users)) * (0.7 + 0.6*rng.Float64())
			ttft := lat / 8
			out := int32(128)
			r := schemas.Record{RunID: "e2e", User: int32(user), Step: int32(step), Users: int32(users),
				ScheduledAt: start.Add(at), Start: start.Add(at), LatencyMS: lat, TTFTMS: &ttft,
				Status: 200, OK: true, OutputTokens: &out, Chunks: 128, BytesIn: 4096}
			if users > 80 && rng.IntN(20) == 0 {
				class, msg := schemas.ErrHTTP5xx, "503 "+hostileTag
				if rng.IntN(2) == 0 {
					class, msg = schemas.ErrTimeout, hostileFunc
				}
				r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS, r.OutputTokens = false, 503, &class, &msg, nil, nil
			}
			recs = append(recs, r)
			at += time.Duration(lat*float64(time.Millisecond)) + time.Duration(100+rng.IntN(400))*time.Millisecond
		}
	}
	for i := range recs {
		recs[i].Seq = int64(i)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := runfile.NewParquetWriter(f)
	if err := w.Write(recs); err != nil {
		t.Fatal(err)
	}
	end := start.Add(steps * stepS * time.Second)
	meta := &schemas.RunMeta{RunID: "e2e", ToolVersion: "test", StartedAt: start, EndedAt: end, EndReason: schemas.EndCompleted,
		Target: "http://127.0.0.1:8000", Simulator: "knee", API: "openai-chat", Stream: true, MaxTokens: 128, Model: "sim-knee",
		Labels: map[string]string{"model": "sim-knee", "note": hostileTag}, Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10, WaitMinS: 0.1, WaitMaxS: 0.5}, Requests: int64(len(recs))}
	if err := w.Close(meta); err != nil {
		t.Fatal(err)
	}
}

// TestEndToEnd renders the analysis of a real run file, made with the
// recorder's Parquet writer and read by the analyzer, and checks it in the
// browser like the fixtures.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.parquet")
	writeKneeRun(t, run)
	opts := analyze.DefaultOptions()
	opts.Warmup = 30 * time.Second
	a, err := analyze.Analyze(context.Background(), opts, run)
	if err != nil {
		t.Fatal(err)
	}
	page := string(render(t, a))
	if !a.Saturation.Reached || a.Saturation.Users == nil {
		t.Fatalf("the knee run did not saturate: %s", a.Saturation.Summary)
	}
	for _, want := range []string{"Saturated at ", "Latency growth: ", "Is it healthy?", "Time to first token"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(string(stripLibrary(t, []byte(page))), hostileTag) {
		t.Error("a hostile string from the run file appears unescaped")
	}
	if out := os.Getenv("HTMLREPORT_EXAMPLES"); out != "" {
		if err := os.WriteFile(filepath.Join(out, "e2e.html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := findChromium()
	if path == "" || testing.Short() {
		t.Log("no browser check: chromium missing or -short (TestBrowser reports it)")
		return
	}
	checkInBrowser(t, startBrowser(t, path), dir, "e2e", a)
}
