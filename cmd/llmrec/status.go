package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/schemas/runfile"
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

// statusPrinter writes the status line and the notices. Its methods may
// be called from several goroutines (the engine's, the dashboard's level
// control): mu makes each one's output whole.
type statusPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	last time.Duration
	// lastWait is the plainEvery period of the wait last printed.
	lastWait time.Duration
	drawn    bool
	shard    string // "shard I/N (S of the load)  " when sharded
	// stopped is why the run was asked to stop (a signalCause, the
	// dashboard's Stop), or nil; grace and out are for the word said then.
	stopped func() error
	grace   time.Duration
	out     string
	noted   bool // the stop notice was printed
}

func (p *statusPrinter) progress(s record.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Phase == "waiting" {
		p.print(s, fmt.Sprintf("%swaiting for start-at: %s", p.shard, s.Wait.Round(time.Second)))
		return
	}
	load := fmt.Sprintf("users %d", s.Users)
	if p.shard != "" && !s.Open {
		load = fmt.Sprintf("users %d (%d here)", s.Users, s.Here)
	}
	if s.Open {
		load = fmt.Sprintf("offered %g/s  in flight %d", s.OfferedRPS, s.Users)
		if s.Waiting {
			load += " (cap full: arrivals wait)"
		}
	}
	line := fmt.Sprintf("%sstep %d  %s  rps %.1f  p50 %s  p95 %s  failures %d (%d in window)  %s/%s",
		p.shard, s.Step, load, s.RPS, ms(s.P50), ms(s.P95), s.Failures, s.WindowFailures,
		s.Elapsed.Truncate(time.Second), s.Total.Truncate(time.Second))
	if s.Phase == "grace" {
		line += "  (finishing in-flight requests)"
		if p.stopped != nil && !p.noted {
			// Only a stop that started the grace period gets the notice: one
			// during the schedule's own grace cancels the requests at once.
			p.noted = true
			if cause := p.stopped(); cause != nil {
				p.say(stopNotice(cause, p.grace, p.out))
			}
		}
	}
	p.print(s, line)
}

// stopNotice is what the user is told once a stop was asked for: what
// happens now, for how long, and how to stop at once.
func stopNotice(cause error, grace time.Duration, out string) string {
	again := "Ctrl-C to stop at once"
	var sc signalCause
	if errors.As(cause, &sc) {
		again = "Ctrl-C again to stop at once"
		if sc.sig != os.Interrupt {
			again = signalName(sc.sig) + " again (or Ctrl-C) to stop at once"
		}
	}
	return fmt.Sprintf("%s: no new requests; those in flight get up to %s (--grace). %s: the rows so far stay in %s, and llmrec recover %s rebuilds the file",
		cause, grace, again, runfile.Quote(runfile.JournalPath(out)), runfile.Quote(out))
}

// print shows line: in place on a terminal, else every plainEvery.
func (p *statusPrinter) print(s record.Status, line string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	if s.Phase == "waiting" {
		if s.Wait/plainEvery != p.lastWait {
			fmt.Fprintln(p.w, line)
			p.lastWait = s.Wait / plainEvery
		}
		return
	}
	if s.Elapsed-p.last >= plainEvery || p.last == 0 {
		fmt.Fprintln(p.w, line)
		p.last = s.Elapsed
	}
}

func (p *statusPrinter) notice(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.say(msg)
}

// say is notice with p.mu held (from progress).
func (p *statusPrinter) say(msg string) {
	p.moveOff()
	fmt.Fprintln(p.w, msg)
}

// endLine moves off the status line before other output.
func (p *statusPrinter) endLine() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.moveOff()
}

// moveOff is endLine with p.mu held.
func (p *statusPrinter) moveOff() {
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
