package analyze

import (
	"math"
	"sort"
	"unicode/utf8"

	"github.com/llmrec/llmrec/internal/cleantext"
	"github.com/llmrec/llmrec/schemas"
)

// Bounds on the text a run file's metadata carries into every report, in
// bytes (docs/RELIABILITY.md, round 2). Longer values are cut, with "…".
const (
	maxNameLen   = 256  // run_id, tool_version, model, hostname, labels' keys, api, simulator, profile, end_reason
	maxValueLen  = 1024 // a label's value, end_detail
	maxTargetLen = 2048 // target URL
	maxLabels    = 64   // labels kept (sorted by key); the rest are dropped with a warning
)

// printable returns s fit to print on one line in any output format
// (cleantext.Line: valid UTF-8, every control, line separator and bidi
// control a space), at most n bytes, cut on a rune boundary with "…"
// marking the cut.
func printable(s string, n int) string {
	s = cleantext.Line(s)
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// cleanMeta makes every text field of a file's run metadata printable and
// bounded, at the boundary where analyze reads it, so no output format
// (text, JSON, Markdown, HTML) sees raw control characters or unbounded
// values. It reports how many labels were dropped over maxLabels.
func cleanMeta(m *schemas.RunMeta) (droppedLabels int) {
	for _, f := range []*string{&m.RunID, &m.ToolVersion, &m.EndReason, &m.Simulator, &m.API, &m.Model, &m.Hostname, &m.Shape.Profile} {
		*f = printable(*f, maxNameLen)
	}
	m.EndDetail = printable(m.EndDetail, maxValueLen)
	m.Shape.Changes = cleanChanges(m.Shape.Changes)
	m.Shape.StepEndsS = cleanStepEnds(m.Shape)
	m.Target = printable(m.Target, maxTargetLen)
	keys := make([]string, 0, len(m.Labels))
	for k := range m.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	labels := make(map[string]string, min(len(keys), maxLabels))
	for _, k := range keys {
		if len(labels) == maxLabels {
			droppedLabels++
			continue
		}
		labels[printable(k, maxNameLen)] = printable(m.Labels[k], maxValueLen)
	}
	m.Labels = labels
	cleanWorkload(m.Workload)
	return droppedLabels
}

// cleanWorkload makes the workload's text fields printable and bounded,
// and keeps at most schemas.MaxClasses classes, each name once. A class name is matched
// against the rows' class after this: a name llmrec wrote is printable
// and short, so cleaning leaves it as it is.
func cleanWorkload(w *schemas.Workload) {
	if w == nil {
		return
	}
	for _, f := range []*string{&w.InputTokens, &w.OutputTokens, &w.Prompts} {
		*f = printable(*f, maxNameLen)
	}
	seen := map[string]bool{}
	kept := w.Classes[:0:0]
	for _, c := range w.Classes {
		for _, f := range []*string{&c.Name, &c.Prompts, &c.PromptsFile, &c.InputTokens, &c.OutputTokens, &c.SLO} {
			*f = printable(*f, maxNameLen)
		}
		// A name given twice (a hand-made footer) names its first class.
		if !seen[c.Name] && len(kept) < schemas.MaxClasses {
			seen[c.Name] = true
			kept = append(kept, c)
		}
	}
	if w.Classes != nil {
		w.Classes = kept
	}
}

// loadWarnings are the warnings of every input file.
func loadWarnings(files []*inputFile) []Warning {
	var w []Warning
	for _, f := range files {
		w = append(w, f.warnings...)
	}
	return w
}

// cleanChanges keeps the level changes of a footer that a recorder could
// have written: at most schemas.MaxShapeChanges, each from a step of 1 or
// more to a finite level above 0, its maker's name printable; the others
// are dropped (a footer is outside text).
func cleanChanges(cs []schemas.ShapeChange) []schemas.ShapeChange {
	var out []schemas.ShapeChange
	for _, c := range cs {
		if len(out) == schemas.MaxShapeChanges {
			break
		}
		if c.Step < 1 || !(c.Level > 0) || math.IsInf(c.Level, 1) || math.IsNaN(c.AtS) || math.IsInf(c.AtS, 0) {
			continue
		}
		c.By = printable(c.By, maxNameLen)
		out = append(out, c)
	}
	return out
}

// Bounds on a footer's step ends (cleanStepEnds): a capacity search runs
// at most 1000 probes, one step each, and the SQL finds a time's step by
// halving a list of fewer than 2^14 ends (fragments.sql, ends_before); a
// step ends within a year of the run's start.
const (
	maxStepEnds = 10_000
	maxStepEndS = 366 * 24 * 3600
)

// cleanStepEnds keeps the step ends of sh if a recorder could have
// written them (Shape.StepSpan reads them), else drops them all, and the
// steps are read as StepTimeS long each: a step time above 0 and at most
// maxStepEndS (the SQL's step spans multiply it in µs), every end
// finite, above 0, at most maxStepEndS and above the one before, at most
// maxStepEnds of them, and no more than the levels when the shape lists
// its steps' levels (a footer is outside text).
func cleanStepEnds(sh schemas.Shape) []float64 {
	ends := sh.StepEndsS
	if len(ends) == 0 || len(ends) > maxStepEnds || (len(sh.Levels) > 0 && len(ends) > len(sh.Levels)) ||
		!(sh.StepTimeS > 0 && sh.StepTimeS <= maxStepEndS) {
		return nil
	}
	prev := 0.0
	for _, e := range ends {
		if !(e > prev && e <= maxStepEndS) {
			return nil
		}
		prev = e
	}
	return ends
}
