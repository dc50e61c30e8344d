package analyze

import (
	"container/heap"
	"context"
	"fmt"
	"path/filepath"

	"github.com/llmrec/llmrec/analyze/stats"
)

// Values are raw per-request values of post-warmup successes, each
// column sorted ascending: the input of the significance tests.
type Values struct {
	// Metric is the selected metric (Options.Metric) of successes with a
	// value for it.
	Metric Column
	// TTFT is ttft_ms of successes that have one.
	TTFT Column
	// TokensPerS is output_tokens / (latency_ms/1000) of successes with
	// output tokens.
	TokensPerS Column
	// TPOT is (latency_ms - ttft_ms)/(output_tokens - 1) of successes
	// with a TTFT and two output tokens or more.
	TPOT Column
}

// Samples are a run's raw values, overall and by step. The values of a
// run read by LoadRun are in an unlinked temporary file (Options.TempDir),
// not in memory; Close releases it.
type Samples struct {
	Overall Values
	Steps   map[int]*Values // by step number
	file    *valueFile
}

// Close releases the file of the values.
func (s *Samples) Close() error {
	if s == nil || s.file == nil {
		return nil
	}
	return s.file.f.Close()
}

// Err is the first error reading the values back, if any.
func (s *Samples) Err() error {
	if s == nil {
		return nil
	}
	return s.file.Err()
}

// RunData is one run ready to be compared or checked: its analysis and
// the raw values behind it.
type RunData struct {
	// Name labels the run in comparisons.
	Name string
	// Paths are the inputs as given (one run: a file, shards, or a glob).
	Paths    []string
	Analysis *Analysis
	Samples  *Samples
}

// LoadRun analyzes the run at paths (Analyze) and reads the raw values of
// its post-warmup successes from the same database before closing it.
// Errors are those of Analyze.
func LoadRun(ctx context.Context, opts Options, name string, paths ...string) (*RunData, error) {
	a, e, err := analyzeRun(ctx, opts, true, paths)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	s, err := readSamples(ctx, e, opts)
	if err != nil {
		return nil, err
	}
	return &RunData{Name: name, Paths: paths, Analysis: a, Samples: s}, nil
}

// readSamples reads raw_values.sql for each figure of the run loaded in e
// into the file of values: each step's values in order (the database
// sorts them, spilling beyond its memory limit), then the whole run's,
// merged from the steps'.
func readSamples(ctx context.Context, e *engine, opts Options) (*Samples, error) {
	vf, err := newValueFile(opts.TempDir)
	if err != nil {
		return nil, err
	}
	s := &Samples{Steps: map[int]*Values{}, file: vf}
	w := &columnWriter{vf: vf, dir: filepath.Dir(e.tempDir)}
	for _, fig := range []struct {
		name string
		col  func(*Values) *Column
	}{
		{"v", func(v *Values) *Column { return &v.Metric }},
		{"ttft", func(v *Values) *Column { return &v.TTFT }},
		{"tps", func(v *Values) *Column { return &v.TokensPerS }},
		{"tpot", func(v *Values) *Column { return &v.TPOT }},
	} {
		if err := readFigure(ctx, e, w, s, fig.name, fig.col); err != nil {
			s.Close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, e.check(fmt.Errorf("read raw values: %w", err))
		}
	}
	if err := s.Err(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// readFigure writes one figure's values by step, then merged.
func readFigure(ctx context.Context, e *engine, w *columnWriter, s *Samples, figure string, col func(*Values) *Column) error {
	var steps []Column
	last, start, n := int32(0), int64(0), 0
	end := func() {
		if n == 0 {
			return
		}
		sv := s.Steps[int(last)]
		if sv == nil {
			sv = &Values{}
			s.Steps[int(last)] = sv
		}
		c := w.column(start, n)
		*col(sv) = c
		steps = append(steps, c)
	}
	err := e.streamSorted(ctx, query("raw_values.sql"), []any{figure}, func(rows []sortedRow) error {
		for _, r := range rows {
			step := int32(r.K)
			if n == 0 || step != last {
				end()
				last, start, n = step, w.pos(), 0
			}
			if err := w.add(r.X); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return err
	}
	end()
	if err := w.flush(); err != nil {
		return err
	}
	// The whole run: a k-way merge of the steps' sorted values.
	overall, err := mergeSteps(w, steps)
	if err != nil {
		return err
	}
	*col(&s.Overall) = overall
	return s.Err()
}

// mergeSteps writes the sorted values of every step as one sorted
// column (a k-way merge) and returns it.
func mergeSteps(w *columnWriter, steps []Column) (Column, error) {
	start, n := w.pos(), 0
	h := make(cursorHeap, 0, len(steps))
	for _, c := range steps {
		if c.Len() > 0 {
			h = append(h, stats.NewCursor(c))
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		k := h[0]
		if err := w.add(k.Peek()); err != nil {
			return Column{}, err
		}
		n++
		k.Next()
		if k.Done() {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	if err := w.flush(); err != nil {
		return Column{}, err
	}
	return w.column(start, n), nil
}

// cursorHeap orders cursors by their next value.
type cursorHeap []*stats.Cursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].Peek() < h[j].Peek() }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*stats.Cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
