package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/llmrec/llmrec/record"
)

// The live status is one line: rewritten in place on a terminal, printed
// every plainEvery otherwise. It is a single formatted line, so a progress
// bar library (which draws bars, not a table of live figures) would add a
// dependency without saving code.
const plainEvery = 10 * time.Second

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type statusPrinter struct {
	w     io.Writer
	tty   bool
	last  time.Duration
	drawn bool
}

func (p *statusPrinter) progress(s record.Status) {
	load := fmt.Sprintf("users %d", s.Users)
	if s.Open {
		load = fmt.Sprintf("offered %g/s  in flight %d", s.OfferedRPS, s.Users)
		if s.Waiting {
			load += " (cap full: arrivals wait)"
		}
	}
	line := fmt.Sprintf("step %d  %s  rps %.1f  p50 %s  p95 %s  failures %d (%d in window)  %s/%s",
		s.Step, load, s.RPS, ms(s.P50), ms(s.P95), s.Failures, s.WindowFailures,
		s.Elapsed.Truncate(time.Second), s.Total.Truncate(time.Second))
	if s.Phase == "grace" {
		line += "  (finishing in-flight requests)"
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	if s.Elapsed-p.last >= plainEvery || p.last == 0 {
		fmt.Fprintln(p.w, line)
		p.last = s.Elapsed
	}
}

func (p *statusPrinter) notice(msg string) {
	p.endLine()
	fmt.Fprintln(p.w, msg)
}

// endLine moves off the status line before other output.
func (p *statusPrinter) endLine() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func ms(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v >= 10000 {
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}
