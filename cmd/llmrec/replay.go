package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// replayLong is the long help of `llmrec replay`.
const replayLong = `Re-fire a recorded run's requests at --target and write an ordinary run file:
each request is sent at its recorded offset from the run's start (the
scheduled time of an open loop's arrival; the send of a closed loop's
request), in its recorded step, with its recorded prompt and max_tokens,
so that 'llmrep compare ORIGINAL REPLAY' compares like with like, request
by request. A replay is an open loop: a request is sent at its time
however long earlier answers take.

The prompts are the original's: the pool is rebuilt from the footer's
workload (built-in or synthetic prompts and the recorded seed), or from
--prompts, which must then be the run's own prompt file. Each row of a
version-3 file says which prompt it sent; in an older file an open loop's
arrival still tells it, a closed loop's prompts are drawn from the same
pool, and max_tokens is each prompt's own or the run's (the footer's).
The API, streaming, max_tokens, timeouts and schedule are the original's;
the target, model and headers are the ones given here.

A shard's file replays as that shard: start one replay per shard file with
the same --start-at, as the original's shards were. The files of every
shard of a run given together replay in one process, as one run. The
replay's footer names the original run and files (its "replay" field).
Exit statuses are those of 'llmrec run'.`

// replayExample is the examples of `llmrec replay`.
const replayExample = `  # the same requests at the same times against a new server, then compare
  llmrec replay v1.parquet --target http://gpu-box:8001 -o v1-on-v2.parquet
  llmrep compare v1.parquet v1-on-v2.parquet

  # a run of three shards, replayed by three recorders (one per shard file)
  llmrec replay run.0.parquet --target http://new:8000 --start-at 2030-01-01T15:00:00Z -o replay.0.parquet`

// NewCmdReplay builds `llmrec replay FILE...`; runF replaces the replay in
// tests of flag parsing (the options are complete, the replay loaded).
func NewCmdReplay(ios *IO, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: ios, Config: record.DefaultConfig(), APIKeyEnv: "OPENAI_API_KEY",
		Out: "replay.parquet", Sim: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:     "replay FILE...",
		Short:   "Send a recorded run's requests again, at their recorded times, to another target",
		Long:    replayLong,
		Example: replayExample,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			complete := func(ctx context.Context) error { return opts.completeReplay(ctx, args) }
			if err := prepare(cmd, opts, complete); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if err := opts.checkFileLimit(); err != nil {
				return usageError{err}
			}
			// Checked before the notice (runRun checks again).
			if err := runfile.CheckPath(opts.Out, opts.Force, opts.Discard, opts.inputs()...); err != nil {
				return pathError(err)
			}
			printReplay(opts)
			return runRun(cmd, opts)
		},
	}
	addReplayFlags(cmd.Flags(), opts)
	return cmd
}

// addReplayFlags registers replay's flags: where to send, what to write.
// Everything else is the original's.
func addReplayFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	f.StringVar(&c.Target, "target", "", "base `URL` of the service (empty: the built-in simulator)")
	f.StringVar(&c.Model, "model", "", "model `NAME` (default: the first id of GET /v1/models)")
	f.StringVar(&o.Body, "body", "", "request `BODY` when the run's API was http: inline or @FILE, a Go template with {{.Prompt}}")
	f.StringVar(&c.Method, "method", c.Method, "HTTP `METHOD` when the run's API was http")
	f.StringVar(&o.Prompts, "prompts", "", "the run's prompt `FILE`, when its prompts came from one (the footer says so)")
	f.StringArrayVarP(&o.Headers, "header", "H", nil, "extra request header `'K: V'` (repeatable; values never reach the file or the terminal)")
	f.StringVar(&o.APIKeyEnv, "api-key-env", o.APIKeyEnv, "environment variable `NAME` holding the API key, sent as Authorization: Bearer")
	f.DurationVar(&c.Timeout, "timeout", 0, "timeout of a whole request, a `DURATION` (default: the run's)")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", 0, "longest wait between streamed chunks, a `DURATION` (default: the run's)")
	f.DurationVar(&c.Grace, "grace", 0, "`DURATION` in-flight requests get at the end (default: the run's)")
	f.BoolVar(&c.ChunkTimes, "chunk-times", c.ChunkTimes, "record when each content chunk of a stream arrived")
	f.StringVar(&o.StartAt, "start-at", "", "the replay's time zero, the same for every shard's replay: `TIME` as RFC 3339 or +DURATION from now; needed to replay a shard's file")
	f.StringVar(&c.Shard.RunID, "run-id", "", "run `ID` of the replay (default: derived from --start-at and the original when sharded, else random)")
	f.StringVarP(&o.Out, "out", "o", o.Out, "run `FILE` to write: a regular file or a new path, never one of the replayed files")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing run file (a regular file only)")
	f.BoolVar(&o.Discard, "discard-journal", false, "delete the journal a killed run left beside -o")
	f.StringArrayVar(&o.Labels, "label", nil, "label `K=V` stored in the file (repeatable)")
	f.StringVar(&o.Sim.Profile, "sim-profile", o.Sim.Profile, "built-in simulator `PROFILE` when there is no --target: linear, knee or shed")
}

// completeReplay fills the options from the flags and the replayed
// files, and checks them all.
func (o *RunOptions) completeReplay(ctx context.Context, files []string) error {
	var errs []error
	errs = append(errs, o.completeRequest(ctx)...)
	errs = append(errs, o.completeShard()...)
	errs = append(errs, o.completeOutput()...)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c := &o.Config
	timeout, idle, grace := c.Timeout, c.IdleTimeout, c.Grace
	rp, err := loadReplay(ctx, files)
	if err != nil {
		return err
	}
	if err := rp.Configure(c); err != nil {
		return flagErrors(err)
	}
	// The run's timeouts, unless given.
	if o.changed("timeout") {
		c.Timeout = timeout
	}
	if o.changed("idle-timeout") {
		c.IdleTimeout = idle
	}
	if o.changed("grace") {
		c.Grace = grace
	}
	o.replayed = files
	if err := errors.Join(c.Validate(), c.CheckReplay()); err != nil {
		return flagErrors(err)
	}
	return flagErrors(c.CheckStart(time.Now()))
}

// loadReplay reads the footers and rows of files: one shard's file, or
// the files of every shard of one run.
func loadReplay(ctx context.Context, files []string) (*record.Replay, error) {
	footers := make([]*runfile.Footer, len(files))
	for i, name := range files {
		f, err := openRunFile(name)
		if err != nil {
			return nil, err
		}
		defer f.close()
		footers[i] = f.footer
	}
	shard, err := replayShard(files, footers)
	if err != nil {
		return nil, err
	}
	rp, err := record.NewReplay(footers[0].Meta, files, shard)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", runfile.Quote(files[0]), err)
	}
	for i, ft := range footers {
		n := 0
		err := runfile.ReadRows(ft, func(r *schemas.Record) error {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			rp.Add(r, ft.Meta.SchemaVersion)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", runfile.Quote(files[i]), err)
		}
	}
	return rp, nil
}

// replayShard is the shard a replay of files is: the original's shard
// when it is one file of a sharded run, else -1 (the whole run, whose
// every shard must then be given once).
func replayShard(files []string, footers []*runfile.Footer) (int, error) {
	first := footers[0].Meta
	if len(files) == 1 && first.Shards > 1 {
		return first.Shard, nil
	}
	var have []int
	for i, ft := range footers {
		m := ft.Meta
		if m.RunID != first.RunID {
			return 0, fmt.Errorf("%s is run %s, %s run %s: replay one run at a time", runfile.Quote(files[i]), m.RunID, runfile.Quote(files[0]), first.RunID)
		}
		if slices.Contains(have, m.Shard) {
			return 0, fmt.Errorf("%s is shard %d again: give each shard's file once", runfile.Quote(files[i]), m.Shard)
		}
		have = append(have, m.Shard)
	}
	if len(have) != first.Shards {
		return 0, fmt.Errorf("run %s has %d shards and %d files were given: replay one shard's file (with --start-at), or every shard's", first.RunID, first.Shards, len(have))
	}
	return -1, nil
}

// runFile is an open run file and its footer.
type runFile struct {
	f      *os.File
	footer *runfile.Footer
}

func (r *runFile) close() { r.f.Close() }

// openRunFile opens a run file and reads its footer.
func openRunFile(name string) (*runFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err // the error names the file
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("it is %s, not a run file", runfile.FileKind(st.Mode()))
	}
	var ft *runfile.Footer
	if err == nil {
		ft, err = runfile.ReadFooter(f, st.Size(), name)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", runfile.Quote(name), err)
	}
	return &runFile{f: f, footer: ft}, nil
}

// printReplay says what is replayed and where its prompts and max_tokens
// come from.
func printReplay(o *RunOptions) {
	of := o.Config.Replay.Of
	what := "its whole schedule"
	if of.Shard >= 0 {
		what = fmt.Sprintf("shard %d/%d", of.Shard, o.Config.Shard.Shards())
	}
	fmt.Fprintf(o.IO.Err, "replaying %d requests of run %s (%s)", of.Requests, of.RunID, what)
	if of.Skipped > 0 {
		fmt.Fprintf(o.IO.Err, "; %d rows skipped (another run's or shard's, or sent outside the run's time)", of.Skipped)
	}
	fmt.Fprintln(o.IO.Err)
	if of.Prompts == schemas.ReplayDrawnPrompts {
		fmt.Fprintln(o.IO.Err, "  the file does not say which prompt each request sent (older than version 3, a closed loop): prompts are drawn from the same pool, not the same ones")
	}
	if of.MaxTokens == schemas.ReplayFooterMax {
		fmt.Fprintf(o.IO.Err, "  the file does not record each request's max_tokens (older than version 3): each prompt's own, else the run's %d\n", o.Config.MaxTokens)
	}
}
