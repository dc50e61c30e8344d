package analyze

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

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

// printable returns s fit to print on one line in any output format: it
// is made valid UTF-8 (U+FFFD), every C0 control (tab, newline and CR
// included), DEL, C1 control (U+0080 to U+009F, U+009B being a one-byte
// CSI), line and paragraph separator and bidirectional embedding, override
// and isolate control becomes a space, and the result is at most n bytes,
// cut on a rune boundary with "…" marking the cut.
func printable(s string, n int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unprintable(r) {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			if unprintable(r) {
				return ' '
			}
			return r
		}, strings.ToValidUTF8(s, "\uFFFD"))
	}
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

// unprintable reports a rune that moves the cursor, starts a terminal
// escape sequence or reorders the text around it.
func unprintable(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi controls
		return true
	}
	return false
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
	return droppedLabels
}

// loadWarnings are the warnings of every input file.
func loadWarnings(files []*inputFile) []string {
	var w []string
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
