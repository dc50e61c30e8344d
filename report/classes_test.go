package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/htmlreport"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// hostileClass is a class name a browser must show as text.
const hostileClass = "long<b>|x"

// withClasses rewrites the run file at path as a run of two classes:
// every fifth request "long<b>|x" (weight 1), the others "chat" (weight
// 4, with its own SLO latency=700ms).
func withClasses(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := runfile.ReadFooter(f, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parquet.Read[schemas.Record](f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	chat, long := "chat", hostileClass
	for i := range recs {
		recs[i].Class = &chat
		if recs[i].Seq%5 == 0 {
			recs[i].Class = &long
		}
	}
	ft.Meta.Workload = &schemas.Workload{Prompts: "classes", Classes: []schemas.Class{
		{Name: chat, Weight: 4, Prompts: "builtin", OutputTokens: "64", SLO: "latency=700ms"},
		{Name: long, Weight: 1, Prompts: "synthetic", InputTokens: "1000", OutputTokens: "64"},
	}}
	return writeRun(t, filepath.Join(t.TempDir(), "classes.parquet"), ft.Meta, recs)
}

// TestClassesInEveryFormat: --by class gives the class table and a line a
// class in text, Markdown and HTML (the name escaped), and the figures in
// JSON; the classes' requests add up to the run's; the class with its own
// SLO is judged by it.
func TestClassesInEveryFormat(t *testing.T) {
	path := withClasses(t, kneeRun(t, t.TempDir()))
	o := analyze.DefaultOptions()
	o.Warmup, o.Window, o.Threads, o.By = 5*time.Second, 5*time.Second, 2, analyze.ByClass
	a, err := analyze.Analyze(context.Background(), o, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Classes) != 2 || a.Classes[0].Requests+a.Classes[1].Requests != a.Overall.Requests {
		t.Fatalf("classes %+v of %d requests", a.Classes, a.Overall.Requests)
	}
	if c := a.Classes[0]; c.SLOSource != "class" || c.SLO == nil || *c.SLO.LatencyMS != 700 {
		t.Errorf("chat: SLO %q %+v", c.SLOSource, c.SLO)
	}
	// The level rule on each class's steps: chat's p95 is under 700 ms
	// up to 30 users and over it from 40; the other class, without an SLO,
	// fails 20% of its requests at 50 users.
	for i, want := range []float64{30, 40} {
		if c := a.Classes[i].Capacity; c.Level == nil || *c.Level != want || !c.Bounded {
			t.Errorf("class %d capacity %+v, want %v users", i, c, want)
		}
	}
	want := map[string][]string{
		"text":     {"CLASSES each request class after the warmup", "chat", "long<b>|x", "judged by its own SLO, latency ≤ 700 ms"},
		"markdown": {"### Request classes", "| chat |", `long&lt;b&gt;\|x`, "judged by its own SLO, latency ≤ 700 ms"},
		"html":     {"<h2>Request classes</h2>", "long&lt;b&gt;|x", "judged by its own SLO, latency ≤ 700 ms"},
	}
	render := map[string]func(*bytes.Buffer, *analyze.Analysis) error{
		"text":     func(b *bytes.Buffer, a *analyze.Analysis) error { return Text(b, a) },
		"markdown": func(b *bytes.Buffer, a *analyze.Analysis) error { return Markdown(b, a) },
		"html":     func(b *bytes.Buffer, a *analyze.Analysis) error { return htmlreport.Render(b, a) },
	}
	for name, r := range render {
		var b bytes.Buffer
		if err := r(&b, a); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(b.String()), " ")
		for _, w := range want[name] {
			if !strings.Contains(out, w) {
				t.Errorf("%s report lacks %q", name, w)
			}
		}
		if name != "text" && strings.Contains(out, hostileClass) {
			t.Errorf("%s report holds the class name unescaped", name)
		}
	}
	var jb bytes.Buffer
	if err := JSON(&jb, a); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Classes []struct {
			Name     string  `json:"name"`
			Share    float64 `json:"share"`
			Requests int64   `json:"requests"`
			Steps    []struct {
				Requests int64 `json:"requests"`
			} `json:"steps"`
		} `json:"classes"`
	}
	if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Classes) != 2 || doc.Classes[1].Name != hostileClass || doc.Classes[0].Share != 0.8 {
		t.Fatalf("JSON classes %+v", doc.Classes)
	}
	for _, c := range doc.Classes {
		var n int64
		for _, s := range c.Steps {
			n += s.Requests
		}
		if n != c.Requests {
			t.Errorf("class %s: steps add up to %d requests, the class has %d", c.Name, n, c.Requests)
		}
	}
}
