package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmrec/llmrec/internal/outfile"
	"github.com/llmrec/llmrec/record"
	"github.com/llmrec/llmrec/record/dashboard"
	"github.com/llmrec/llmrec/record/livemetrics"
	"github.com/llmrec/llmrec/record/sim"
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// RunOptions is what `llmrec run` was asked to do.
type RunOptions struct {
	IO        *IO
	Config    record.Config
	Body      string   // --body: inline or @file
	Prompts   string   // --prompts FILE
	Workload  string   // --workload FILE: request classes
	Headers   []string // -H 'K: V'
	Labels    []string // --label k=v
	APIKeyEnv string
	Profile   string
	Out       string     // -o: the run file
	Force     bool       // --force: overwrite an existing run file
	Discard   bool       // --discard-journal: delete a killed run's journal at -o
	Sim       sim.Config // the built-in simulator, when there is no --target
	Shard     string     // --shard I/N
	StartAt   string     // --start-at: RFC 3339 or +DURATION
	// InputTokens and OutputTokens are --input-tokens and --output-tokens
	// as typed (N or MIN-MAX).
	InputTokens, OutputTokens string
	changed                   func(name string) bool
	// replayed are the run files a replay reads (inputs, never -o).
	replayed []string

	// --dashboard ADDR, --dashboard-token, --dashboard-token-file,
	// --dashboard-linger. After complete, DashboardToken is the token from
	// whichever source gave it (dashboardTokenSource names it).
	Dashboard, DashboardToken, DashboardTokenFile string
	DashboardLinger                               time.Duration
	dashboardTokenSource, dashboardTokenNote      string

	// --metrics-addr and its token (from --metrics-token-file or
	// $LLMREC_METRICS_TOKEN).
	MetricsAddr, MetricsTokenFile, MetricsToken string
}

// dashboardTokenEnv is the environment variable that can hold the
// dashboard's token (out of the process list, unlike --dashboard-token).
const dashboardTokenEnv = "LLMREC_DASHBOARD_TOKEN"

// maxTokenFile bounds --dashboard-token-file.
const maxTokenFile = 4 << 10

// runLong is the long help of `llmrec run`.
const runLong = `Fire a step load (closed-loop users added in steps, each thinking a short time
between requests) at --target and write one Parquet row per request to -o.
With --arrival poisson or constant the load is an open loop instead:
requests arrive at --rate per second (--step-rate more each --step-time, up
to --max-rate), each sent at its scheduled time however long earlier ones
take; at most --max-concurrency are in flight (default: a safety cap of
8192), and an arrival that finds the cap full waits, which the row shows
as start - scheduled_at. --input-tokens, --output-tokens and --ignore-eos
set the size of the requests. --turns N makes each user hold conversations
of N turns (each request carries the turns before it, the answers as
received, each cut at 16 KiB); --prefix-tokens N --prefixes K starts every
prompt with one of K shared prefixes of about N tokens; the rows record the
turn and the prefix. With no --target the built-in simulator is
started on a loopback port and load-tested. Ctrl-C (or SIGTERM, or SIGHUP when the terminal
closes) stops gracefully: in-flight requests get
--grace, or are canceled at once when the signal comes during the grace
period; exit status 130, the file is complete. A second Ctrl-C stops at once
and 'llmrec recover FILE' rebuilds the file from FILE.journal. While a killed
run's FILE.journal exists, a run on FILE is refused, --force or not (exit
status 2): recover it, or pass --discard-journal (which replaces that run's
FILE too). While a run is writing FILE, its journal is
locked: another run on FILE (--force and --discard-journal too) and
'llmrec recover FILE' are refused (exit status 2, "a run is still writing
it"). -o must be a regular file or a new path in an existing directory, never
an input of the run: a symbolic link, a directory, a device, a FIFO and - are
refused (exit status 2), since the file is written in place beside its
journal. Should FILE be replaced, moved or removed during the run, the run
ends with exit status 1 and keeps the journal.`

// runExample is the examples of `llmrec run`.
const runExample = `  # a short step load against the built-in simulator, watched live at the URL it prints
  llmrec run --step-users 10 --step-time 6s --max-users 60 --dashboard 127.0.0.1:0 -o run.parquet

  # an OpenAI-compatible server, its own metrics (vLLM, SGLang, TGI, llama.cpp) recorded beside
  # every request; the key is read from $OPENAI_API_KEY, never written
  llmrec run --target http://127.0.0.1:8000 --model llama-3-8b --label model=v2 --server-metrics auto -o v2.parquet

  # an open loop: Poisson arrivals at 5 requests/s, 5 more every 30 s up to 40, stop once saturated
  llmrec run --target http://gpu-box:8000 --arrival poisson --rate 5 --step-rate 5 --max-rate 40 --step-time 30s --stop-on-saturation

  # fixed-size requests in chat sessions of 4 turns behind one of 8 system prompts of 1000
  # tokens: does prefix caching pay? (llmrep shows TTFT by turn)
  llmrec run --input-tokens 64 --output-tokens 128 --ignore-eos --turns 4 --prefix-tokens 1000 --prefixes 8 -o chat.parquet`

// NewCmdRun builds `llmrec run`; runF replaces the run in tests of flag
// parsing.
func NewCmdRun(ios *IO, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: ios, Config: record.DefaultConfig(), APIKeyEnv: "OPENAI_API_KEY", Profile: record.ProfileDefault,
		Out: "run.parquet", Sim: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:     "run",
		Short:   "Fire the step load and write every request to a Parquet run file",
		Long:    runLong,
		Example: runExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := prepare(cmd, opts, opts.complete); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if err := opts.checkFileLimit(); err != nil {
				return usageError{err}
			}
			return runRun(cmd, opts)
		},
	}
	f := cmd.Flags()
	addTargetFlags(f, opts)
	addShapeFlags(f, opts)
	addOpenLoopFlags(f, opts)
	addShardFlags(f, opts)
	addOutputFlags(f, opts)
	addTelemetryFlags(f, opts)
	addLiveMetricsFlags(f, opts)
	return cmd
}

// checkFileLimit checks that the process may open a file descriptor for
// each connection the run can hold at once: one per user, or per request
// in flight in an open loop, and the live dashboard's, which it caps.
func (o *RunOptions) checkFileLimit() error {
	return ensureFileLimit(o.fileNeed())
}

// fileNeed is the file descriptors the run needs.
func (o *RunOptions) fileNeed() fileNeed {
	c := &o.Config
	n := fileNeed{flag: "--max-users", users: c.Shape.MaxUsers, dashboard: o.Dashboard != ""}
	if c.OpenLoop.Open() {
		n.flag, n.users = "--max-concurrency", c.OpenLoop.MaxConcurrency
		if n.users == 0 {
			n.users = record.SafetyInFlight
		}
	}
	var extra uint64
	if n.dashboard {
		extra = dashboard.Files
	}
	if o.MetricsAddr != "" {
		extra += livemetrics.MaxConns + 1 // its connections and its listener
	}
	n.files = filesNeeded(n.users, c.Target == "", extra)
	return n
}

// addTargetFlags registers the flags of the service and of the requests
// sent to it.
func addTargetFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	f.StringVar(&c.Target, "target", "", "base `URL` of the service (empty: the built-in simulator)")
	f.StringVar(&c.API, "api", c.API, "request format `API`: openai-chat, openai-completions or http")
	f.StringVar(&c.Method, "method", c.Method, "HTTP `METHOD` for --api http")
	f.StringVar(&o.Body, "body", "", "request `BODY` for --api http: inline or @FILE (a regular file, at most 16 MiB), a Go template with {{.Prompt}}")
	f.StringVar(&c.Model, "model", "", "model `NAME` (default: the first id of GET /v1/models)")
	f.IntVar(&c.MaxTokens, "max-tokens", c.MaxTokens, "max_tokens `N` asked of the model")
	f.BoolVar(&c.Stream, "stream", c.Stream, "stream the response (openai-*)")
	f.BoolVar(&c.ChunkTimes, "chunk-times", c.ChunkTimes, "record when each content chunk of a stream arrived (the ITL and stalls; about 2 bytes a chunk on disk)")
	f.StringVar(&o.Prompts, "prompts", "", `prompt `+"`FILE`"+`: JSONL {"prompt": ...} or {"messages": [...]}, plain text one prompt a line, or a ShareGPT JSON array; a regular file of at most 1 GiB (default: built-in prompts)`)
	f.StringArrayVarP(&o.Headers, "header", "H", nil, "extra request header `'K: V'` (repeatable; values never reach the file or the terminal)")
	f.StringVar(&o.APIKeyEnv, "api-key-env", o.APIKeyEnv, "environment variable `NAME` holding the API key, sent as Authorization: Bearer")
	f.DurationVar(&c.Timeout, "timeout", c.Timeout, "timeout of a whole request, a `DURATION` from 1ms to 24h")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "longest wait between streamed chunks, a `DURATION` from 1ms to 24h")
}

// addShapeFlags registers the flags of the closed loop's step load and of
// how a run stops.
func addShapeFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	f.IntVar(&c.Shape.StepUsers, "step-users", c.Shape.StepUsers, "`N` users added each step")
	f.DurationVar(&c.Shape.StepTime, "step-time", c.Shape.StepTime, "length of a step, a `DURATION` from 100ms to 720h (at most 100,000 steps in a run)")
	f.IntVar(&c.Shape.MaxUsers, "max-users", c.Shape.MaxUsers, "at most `N` users (up to 1,000,000)")
	f.Float64Var(&c.Shape.SpawnRate, "spawn-rate", 0, "users started per second within a step, `RATE` (default: step-users)")
	f.DurationVar(&c.Shape.Duration, "duration", 0, "whole run, a `DURATION` of at most 720h (default: until max-users has been held one full step)")
	f.DurationVar(&c.WaitMin, "wait-min", c.WaitMin, "shortest think time after a response, a `DURATION`")
	f.DurationVar(&c.WaitMax, "wait-max", c.WaitMax, "longest think time after a response, a `DURATION`")
	f.StringVar(&o.Profile, "profile", o.Profile, "load `PROFILE`: default, or stress (50 users a step, 200 max, 15m; with --step-time, --step-users or --max-users it ends once the top is held one step)")
	f.BoolVar(&c.StopOnSaturation, "stop-on-saturation", false, "stop once a step's p95 is over 2× the baseline step's or its failures over 1%")
	f.DurationVar(&c.Grace, "grace", c.Grace, "`DURATION` in-flight requests get at the end before they are canceled (at most 24h)")
	f.Int64Var(&c.Seed, "seed", 0, "seed `N` of think times, prompt choice, arrivals and synthetic prompts (0: random; an open loop records the one it drew)")
}

// addOpenLoopFlags registers the flags of the open loop's arrivals and of
// the workload's request sizes.
func addOpenLoopFlags(f *pflag.FlagSet, o *RunOptions) {
	c := &o.Config
	f.StringVar(&c.OpenLoop.Kind, "arrival", c.OpenLoop.Kind, "`KIND` of load: closed (users who wait for their answer), or an open loop at a rate: poisson or constant")
	f.Float64Var(&c.OpenLoop.Rate, "rate", 0, "open loop: requests per second in the first step, `RATE`")
	f.Float64Var(&c.OpenLoop.StepRate, "step-rate", 0, "open loop: `RATE` added each step")
	f.Float64Var(&c.OpenLoop.MaxRate, "max-rate", 0, "open loop: the highest `RATE` (default: --rate); the run ends once it was held one full step")
	f.Float64Var(&c.OpenLoop.Burstiness, "burstiness", c.OpenLoop.Burstiness, "poisson: gamma shape `B` of the gaps between arrivals (1: Poisson, below 1 burstier, above 1 more regular)")
	f.IntVar(&c.OpenLoop.MaxConcurrency, "max-concurrency", 0, "open loop: at most `N` requests in flight; arrivals wait for a slot (0: the safety cap, 8192)")
	f.StringVar(&o.InputTokens, "input-tokens", "", "synthetic prompts of about `N` or MIN-MAX tokens, reproducible with --seed (not with --prompts)")
	f.StringVar(&o.OutputTokens, "output-tokens", "", "max_tokens of each request, `N` or MIN-MAX drawn per prompt (default: --max-tokens, or a ShareGPT answer's length)")
	f.StringVar(&o.Workload, "workload", "", "request classes `FILE` (JSON, or YAML when named .yaml/.yml): weighted classes, each with its prompts or input tokens, max tokens and SLO; each request draws one by weight, reproducible with --seed")
	f.BoolVar(&c.Workload.IgnoreEOS, "ignore-eos", false, "ask the server to ignore end-of-sequence, so every answer has its max_tokens (vLLM, SGLang)")
	addSharedFlags(f, &c.Workload)
}

// addSharedFlags registers the flags of conversations and shared
// prefixes (llmrec run and search).
func addSharedFlags(f *pflag.FlagSet, w *record.Workload) {
	f.IntVar(&w.Turns, "turns", 0, "closed loop: each user holds conversations of `N` turns, each request carrying the turns before it (its prompts and the answers received); a failed turn starts a new conversation")
	f.IntVar(&w.PrefixTokens, "prefix-tokens", 0, "every prompt starts with a shared prefix of about `N` tokens (a system prompt, a document), so prefix caching shows")
	f.IntVar(&w.Prefixes, "prefixes", 1, "with --prefix-tokens: `K` different prefixes, one drawn per request (per conversation with --turns), reproducible with --seed")
}

// addShardFlags registers the flags that split one schedule over several
// recorders.
func addShardFlags(f *pflag.FlagSet, o *RunOptions) {
	f.StringVar(&o.Shard, "shard", "", "run shard `I/N` (decimal digits, 0 ≤ I < N ≤ 10000) of a schedule split over N recorders (docs/DISTRIBUTED.md); needs --start-at when N > 1")
	f.StringVar(&o.StartAt, "start-at", "", "the schedule's time zero, the same for every shard: `TIME` as RFC 3339 (2030-01-01T15:00:00Z) or +DURATION from now (+30s); refused when the whole schedule is already over")
	f.StringVar(&o.Config.Shard.RunID, "run-id", "", "run `ID` every shard writes: up to 128 letters, digits, '.', '_' and '-', starting with a letter or a digit (default: derived from --start-at, N and the shape when sharded, else random)")
}

// addOutputFlags registers the flags of the run file, its labels, the
// simulator and the live dashboard.
func addOutputFlags(f *pflag.FlagSet, o *RunOptions) {
	f.StringVarP(&o.Out, "out", "o", o.Out, "run `FILE` to write: a regular file or a new path (never a symbolic link, device, FIFO or -)")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing run file (a regular file only)")
	f.BoolVar(&o.Discard, "discard-journal", false, "delete the journal a killed run left beside -o (its rows are lost; 'llmrec recover FILE' keeps them)")
	f.StringArrayVar(&o.Labels, "label", nil, "label `K=V` stored in the file (repeatable; e.g. model=v2, commit=abc; no control characters)")
	f.StringVar(&o.Sim.Profile, "sim-profile", o.Sim.Profile, "built-in simulator `PROFILE` when there is no --target: linear, knee or shed")
	f.StringVar(&o.Dashboard, "dashboard", "", "serve a live dashboard of the run at `HOST:PORT` (port 0: a free one; empty host: 127.0.0.1), with Stop and a level control (users or req/s from the next step on, recorded in the file); any address but loopback needs a token")
	f.StringVar(&o.DashboardToken, "dashboard-token", "", "`TOKEN` the dashboard requires on every request, off loopback of about 128 bits (32 random hex digits); every local user sees it in the process list: prefer $"+dashboardTokenEnv+
		" or --dashboard-token-file (default: $"+dashboardTokenEnv+", else off loopback a generated one, printed once in the URL)")
	f.StringVar(&o.DashboardTokenFile, "dashboard-token-file", "", "read the dashboard's token from `FILE` (a regular file of at most 4 KiB; a trailing newline is dropped); it and --dashboard-token win over $"+dashboardTokenEnv)
	f.DurationVar(&o.DashboardLinger, "dashboard-linger", 0, "keep the dashboard up this `DURATION` after the run ends")
}

// complete turns the flag values into the record.Config, group by group,
// and reports every wrong flag at once.
func (o *RunOptions) complete(ctx context.Context) error {
	var errs []error
	errs = append(errs, o.completeShape()...)
	errs = append(errs, o.completeOpenLoop()...)
	errs = append(errs, o.completeRequest(ctx)...)
	errs = append(errs, o.completeShard()...)
	errs = append(errs, o.completeOutput()...)
	errs = append(errs, o.completeTelemetry()...)
	errs = append(errs, o.completeLiveMetrics()...)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := o.Config.Validate(); err != nil {
		return flagErrors(err)
	}
	return flagErrors(o.Config.CheckStart(time.Now()))
}

// completeShape applies --profile: a profile sets the shape; shape flags
// given explicitly still win. The stress profile's length (15m) holds
// only for its own steps: with --step-time, --step-users or --max-users
// (and no --duration) the run ends once the top is held one step.
func (o *RunOptions) completeShape() []error {
	c := &o.Config
	if o.Profile == record.ProfileDefault {
		return nil
	}
	var errs []error
	explicit := c.Shape
	if err := c.ApplyProfile(o.Profile); err != nil {
		errs = append(errs, err)
	}
	if o.changed("step-users") {
		c.Shape.StepUsers = explicit.StepUsers
	}
	if o.changed("max-users") {
		c.Shape.MaxUsers = explicit.MaxUsers
	}
	switch {
	case o.changed("duration"):
		c.Shape.Duration = explicit.Duration
	case o.changed("step-time") || o.changed("step-users") || o.changed("max-users"):
		// A shape of the user's own: it ends once its top is held one
		// step, as the default profile's does, not at the profile's 15m.
		c.Shape.Duration = explicit.Duration
	}
	if o.changed("step-time") {
		c.Shape.StepTime = explicit.StepTime
	}
	if o.changed("spawn-rate") {
		c.Shape.SpawnRate = explicit.SpawnRate
	}
	return errs
}

// completeRequest fills what each request carries: streaming, the body,
// the prompts, the headers and the API key; and the run's labels. The
// files it reads (--body @FILE, --prompts) must be regular files, and
// reading them stops when ctx is done.
func (o *RunOptions) completeRequest(ctx context.Context) []error {
	c := &o.Config
	var errs []error
	if c.API == target.APIHTTP && !o.changed("stream") {
		c.Stream = false
	}
	if strings.HasPrefix(o.Body, "@") {
		b, err := target.LoadBody(ctx, o.Body[1:])
		if err != nil {
			errs = append(errs, fmt.Errorf("--body: %w", err))
		}
		c.Body = b
	} else {
		c.Body = o.Body
	}
	if o.Prompts != "" {
		p, err := target.LoadPrompts(ctx, o.Prompts)
		if err != nil {
			errs = append(errs, fmt.Errorf("--prompts: %w", err))
		}
		c.Prompts = p
		// ShareGPT is the one file format that sets each prompt's answer length.
		if len(p) > 0 && p[0].MaxTokens > 0 {
			c.PromptSource = "sharegpt"
		}
	}
	if o.Workload != "" {
		errs = append(errs, o.loadWorkload(ctx)...)
	}
	var err error
	if c.Headers, err = ParseHeaders(o.Headers); err != nil {
		errs = append(errs, err)
	}
	if c.Labels, err = ParseLabels(o.Labels); err != nil {
		errs = append(errs, err)
	}
	if o.APIKeyEnv != "" {
		c.APIKey = os.Getenv(o.APIKeyEnv)
	}
	return errs
}

// loadWorkload reads the --workload file into the run's classes and each
// class's prompts file. The classes give the prompts and sizes, so
// --prompts, --input-tokens and --output-tokens are refused beside it.
func (o *RunOptions) loadWorkload(ctx context.Context) []error {
	var errs []error
	for _, f := range []string{"prompts", "input-tokens", "output-tokens"} {
		if o.changed(f) {
			errs = append(errs, fmt.Errorf("--%s: cannot go with --workload, whose classes give their own prompts and sizes", f))
		}
	}
	b, err := target.ReadRegular(ctx, o.Workload, record.MaxWorkloadFileBytes)
	if err != nil {
		return append(errs, fmt.Errorf("--workload %w", err))
	}
	cs, err := record.ParseWorkload(b, record.YAMLFile(o.Workload), filepath.Dir(o.Workload))
	if err != nil {
		return append(errs, fmt.Errorf("--workload %s: %w", o.Workload, err))
	}
	for i := range cs {
		if cs[i].PromptsFile == "" {
			continue
		}
		if cs[i].Prompts, err = target.LoadPrompts(ctx, cs[i].PromptsFile); err != nil {
			return append(errs, fmt.Errorf("--workload %s: classes[%d].prompts: %w", o.Workload, i, err))
		}
	}
	o.Config.Classes = cs
	return errs
}

// completeShard fills the shard and the schedule's time zero from --shard
// and --start-at.
func (o *RunOptions) completeShard() []error {
	c := &o.Config
	var errs []error
	if o.Shard != "" {
		i, n, err := ParseShard(o.Shard)
		if err != nil {
			errs = append(errs, err)
		}
		c.Shard.Index, c.Shard.Count = i, n
	}
	if o.StartAt != "" {
		t, err := ParseStartAt(o.StartAt, time.Now())
		if err != nil {
			errs = append(errs, err)
		}
		c.Shard.StartAt = t
	}
	return errs
}

// completeOutput checks the run file, the dashboard's address and, with no
// --target, the built-in simulator.
func (o *RunOptions) completeOutput() []error {
	var errs []error
	if o.Out == "" {
		errs = append(errs, errors.New("-o/--out must name a file"))
	}
	errs = append(errs, o.completeDashboard()...)
	if o.DashboardLinger < 0 || o.DashboardLinger > record.MaxRequestTime {
		errs = append(errs, fmt.Errorf("--dashboard-linger must be from 0s to %v, got %v", record.MaxRequestTime, o.DashboardLinger))
	}
	if o.Config.Target == "" {
		if o.Config.API == target.APIHTTP {
			errs = append(errs, errors.New("--api http needs --target (the simulator speaks the OpenAI API)"))
		}
		if err := o.Sim.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("simulator: %w", err))
		}
	}
	return errs
}

// completeDashboard checks the dashboard's address and takes its token
// from --dashboard-token or --dashboard-token-file (one of them), else
// from $LLMREC_DASHBOARD_TOKEN; off loopback the token must be strong
// enough (dashboard.CheckToken).
func (o *RunOptions) completeDashboard() []error {
	flag, file := o.changed("dashboard-token"), o.changed("dashboard-token-file")
	if o.Dashboard == "" {
		if flag || file {
			return []error{errors.New("--dashboard-token and --dashboard-token-file need --dashboard")}
		}
		return nil
	}
	var errs []error
	if err := dashboard.CheckAddr(o.Dashboard); err != nil {
		errs = append(errs, fmt.Errorf("--dashboard: %w", err))
	}
	env := os.Getenv(dashboardTokenEnv)
	switch {
	case flag && file:
		return append(errs, errors.New("give the dashboard's token once: --dashboard-token or --dashboard-token-file"))
	case flag:
		o.dashboardTokenSource = "--dashboard-token"
		if o.DashboardToken == "" {
			errs = append(errs, errors.New("--dashboard-token is empty"))
		}
	case file:
		o.dashboardTokenSource = "--dashboard-token-file"
		tok, err := readTokenFile(o.DashboardTokenFile)
		if err != nil {
			return append(errs, fmt.Errorf("--dashboard-token-file: %w", err))
		}
		o.DashboardToken = tok
	case env != "":
		o.dashboardTokenSource = "$" + dashboardTokenEnv
		o.DashboardToken = env
	}
	if (flag || file) && env != "" {
		o.dashboardTokenNote = fmt.Sprintf("the dashboard's token is that of %s; $%s is ignored", o.dashboardTokenSource, dashboardTokenEnv)
	}
	if err := dashboard.CheckToken(o.Dashboard, o.DashboardToken); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", o.dashboardTokenSource, err))
	}
	return errs
}

// readTokenFile reads a token from path: a regular file of at most
// maxTokenFile bytes, its trailing newlines dropped. The errors name the
// file, never its content.
func readTokenFile(path string) (string, error) {
	name := runfile.Quote(path)
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file (a token file is read whole, once)", name)
	}
	if st.Size() > maxTokenFile {
		return "", fmt.Errorf("%s is %d bytes; a token file holds one token, at most %d bytes", name, st.Size(), maxTokenFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		return "", fmt.Errorf("%s changed while it was opened", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("%s grew past %d bytes while it was read", name, maxTokenFile)
	}
	tok := strings.TrimRight(string(b), "\r\n")
	if tok == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return tok, nil
}

// closedFlags are the flags of the closed loop's users; openFlags those of
// the open loop's rates.
var (
	closedFlags = []string{"step-users", "max-users", "spawn-rate", "wait-min", "wait-max", "profile"}
	openFlags   = []string{"rate", "step-rate", "max-rate", "burstiness", "max-concurrency"}
)

// completeOpenLoop checks that the flags given belong to the kind of load
// asked for, and fills the open loop's settings and the workload from
// their flags.
func (o *RunOptions) completeOpenLoop() []error {
	c := &o.Config
	var errs []error
	if c.OpenLoop.Open() {
		for _, f := range closedFlags {
			if o.changed(f) {
				errs = append(errs, fmt.Errorf("--%s applies to closed-loop users (--arrival closed); an open loop's load is --rate, --step-rate and --max-rate", f))
			}
		}
		c.OpenLoop.StepTime, c.OpenLoop.Duration, c.OpenLoop.Seed = c.Shape.StepTime, c.Shape.Duration, c.Seed
	} else {
		for _, f := range openFlags {
			if o.changed(f) {
				errs = append(errs, fmt.Errorf("--%s applies to an open loop: add --arrival poisson or --arrival constant", f))
			}
		}
	}
	return append(errs, o.completeTokens()...)
}

// completeTokens reads --input-tokens and --output-tokens into the
// workload (llmrec run's and llmrec search's).
func (o *RunOptions) completeTokens() []error {
	var errs []error
	c := &o.Config
	for _, f := range []struct {
		flag, value string
		r           *target.Range
	}{{"--input-tokens", o.InputTokens, &c.Workload.InputTokens}, {"--output-tokens", o.OutputTokens, &c.Workload.OutputTokens}} {
		if f.value == "" {
			continue
		}
		r, err := target.ParseRange(f.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.flag, err))
		}
		*f.r = r
	}
	return errs
}

// configFlags names the flag of each record.Config field that Validate
// can report.
var configFlags = map[string]string{
	"OpenLoop.Kind": "--arrival", "OpenLoop.Rate": "--rate", "OpenLoop.StepRate": "--step-rate", "OpenLoop.MaxRate": "--max-rate",
	"OpenLoop.StepTime": "--step-time", "OpenLoop.Duration": "--duration", "OpenLoop.Burstiness": "--burstiness",
	"OpenLoop.MaxConcurrency": "--max-concurrency", "Workload.InputTokens": "--input-tokens", "Classes": "--workload", "Workload.OutputTokens": "--output-tokens",
	"Workload.Turns": "--turns", "Workload.PrefixTokens": "--prefix-tokens", "Workload.Prefixes": "--prefixes",
	"API": "--api", "Target": "--target", "Body": "--body", "MaxTokens": "--max-tokens",
	"Shape.StepUsers": "--step-users", "Shape.MaxUsers": "--max-users", "Shape.StepTime": "--step-time",
	"Shape.SpawnRate": "--spawn-rate", "Shape.Duration": "--duration", "WaitMin/WaitMax": "--wait-min/--wait-max",
	"Timeout": "--timeout", "IdleTimeout": "--idle-timeout", "Grace": "--grace", "Labels": "--label",
	"ServerMetrics.URL": "--server-metrics", "ServerMetrics.Interval": "--scrape-interval", "ServerMetrics.Match": "--server-metrics-match",
	"Shard.Index": "--shard", "Shard.StartAt": "--start-at", "Shard.RunID": "--run-id", "Prompts": "--prompts",
	"LatencyThreshold": "the saturation latency threshold", "ErrorThreshold": "the saturation error threshold",
}

// flagErrors rewrites record.Config's field errors in terms of flags.
func flagErrors(err error) error { return fieldErrors(err, configFlags) }

// fieldErrors rewrites record's field errors in terms of flags: a field's
// flag is the first of names that has it (the field's own name when none
// does). One flag can feed two settings (--step-time, --duration): each
// message is said once.
func fieldErrors(err error, names ...map[string]string) error {
	if err == nil {
		return nil
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	seen := map[string]bool{}
	for _, e := range list {
		var fe *record.FieldError
		if errors.As(e, &fe) {
			name := fe.Field
			for _, m := range names {
				if n, ok := m[fe.Field]; ok {
					name = n
					break
				}
			}
			e = errors.New(name + " " + fe.Problem)
		}
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// ParseShard parses --shard I/N: decimal digits only (no sign, space or
// base prefix), 1 ≤ N ≤ schemas.MaxShards and 0 ≤ I < N.
func ParseShard(s string) (index, count int, err error) {
	a, b, ok := strings.Cut(s, "/")
	bad := fmt.Errorf("--shard %q: want I/N in decimal digits with 0 ≤ I < N ≤ %d, e.g. 0/3", s, schemas.MaxShards)
	if !ok || !digits(a) || !digits(b) {
		return 0, 0, bad
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 1 || n > schemas.MaxShards || i >= n {
		return 0, 0, bad
	}
	return i, n, nil
}

// digits reports whether s is 1 to 9 decimal digits.
func digits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// earliestStartAt is the earliest --start-at taken: an instant before it
// is a typo (and the zero time means "no --start-at" to the recorder).
var earliestStartAt = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// ParseStartAt parses --start-at: an RFC 3339 time from 1970 on, or
// +DURATION from now.
func ParseStartAt(s string, now time.Time) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("--start-at %q: want +DURATION such as +30s, or an RFC 3339 time", s)
		}
		// Rounded up to a whole second: shards started together with the
		// same +DURATION (a shell loop, one Job) then share their time zero
		// and so their run id, instead of differing by the milliseconds
		// between their starts. Shards started apart still need an
		// absolute time (the notice prints it).
		return now.Add(d).Add(time.Second - 1).Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: want an RFC 3339 time such as 2030-01-01T15:00:00Z, or +DURATION such as +30s", s)
	}
	if t.Before(earliestStartAt) {
		return time.Time{}, fmt.Errorf("--start-at %q is out of range: give a time from 1970 on, such as 2030-01-01T15:00:00Z", s)
	}
	return t, nil
}

// ParseHeaders parses -H values of the form 'Key: value'. Errors never
// quote the value (it may be a secret).
func ParseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	var errs []error
	for i, s := range raw {
		k, v, ok := strings.Cut(s, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			errs = append(errs, fmt.Errorf("-H #%d: want 'Key: value'", i+1))
			continue
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, errors.Join(errs...)
}

// ParseLabels parses --label k=v values. An error never quotes a value,
// nor a whole --label without '=' (it may be a secret given by mistake);
// record.Config.Validate refuses control characters in keys and values.
func ParseLabels(raw []string) (map[string]string, error) {
	m := map[string]string{}
	var errs []error
	for i, s := range raw {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, "\r\n") {
			errs = append(errs, fmt.Errorf("--label #%d: want key=value", i+1))
			continue
		}
		if _, dup := m[k]; dup {
			errs = append(errs, fmt.Errorf("--label %q: key given twice", k))
		}
		m[k] = v
	}
	return m, errors.Join(errs...)
}

func runRun(cmd *cobra.Command, o *RunOptions) error {
	ios := o.IO
	// The dashboard's Stop button cancels ctx as the first Ctrl-C does.
	ctx, stopRun := context.WithCancelCause(cmd.Context())
	defer stopRun(nil)
	cfg := o.Config
	sp := newRunStatus(ctx, o, &cfg)
	if err := runfile.CheckPath(o.Out, o.Force, o.Discard, o.inputs()...); err != nil {
		return pathError(err)
	}
	stopSim, err := builtInSimulator(ctx, o.Sim, &cfg, "load-testing", sp.notice)
	if err != nil {
		return err
	}
	defer stopSim()
	asked := cfg.Model
	client, err := record.Connect(ctx, &cfg)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx, "before the run started; nothing was recorded")
		}
		return err
	}
	if asked == "" && cfg.Model != "" {
		sp.notice(fmt.Sprintf("model: %s (first of GET /v1/models)", cfg.Model))
	}
	dash, closeWatchers, err := startWatchers(ctx, o, &cfg, sp, func() { stopRun(errStoppedFromDashboard) })
	if err != nil {
		return err
	}
	defer closeWatchers(cmd.Context())
	// Checked again: discovery took time, and the schedule may have ended
	// meanwhile. No file is created for a run that would send nothing.
	if err := cfg.CheckStart(time.Now()); err != nil {
		return usageError{flagErrors(err)}
	}
	file, err := runfile.Create(o.Out, o.Force, o.Discard)
	if err != nil {
		return pathError(err)
	}
	defer file.Close()
	sp.notice(cfg.Plan())
	sum, err := record.Run(ctx, cfg, client, file)
	sp.endLine()
	dash.end(sum)
	if err != nil {
		// The journal keeps what the Parquet file could not: say how to get it back.
		return fmt.Errorf("%w; the rows written so far can be rebuilt with: llmrec recover %s", err, runfile.Quote(o.Out))
	}
	printSummary(ios.Out, sum, o.Out)
	warnTelemetry(ios.Err, sum.Meta.Telemetry)
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// startWatchers starts what watches the run as it goes: the live
// dashboard (--dashboard; stop is its Stop button) and the live metrics
// endpoint (--metrics-addr). closeAll closes both, the dashboard within
// ctx.
func startWatchers(ctx context.Context, o *RunOptions, cfg *record.Config, sp *statusPrinter, stop func()) (dash *liveDashboard, closeAll func(ctx context.Context), err error) {
	var closers []func(context.Context)
	closeAll = func(ctx context.Context) {
		for _, c := range slices.Backward(closers) {
			c(ctx)
		}
	}
	if o.Dashboard != "" {
		if dash, err = startDashboard(ctx, o, cfg, sp, stop); err != nil {
			return nil, nil, err
		}
		closers = append(closers, dash.close)
	}
	if o.MetricsAddr != "" {
		lm, err := startLiveMetrics(ctx, o, cfg, sp)
		if err != nil {
			closeAll(ctx)
			return nil, nil, err
		}
		closers = append(closers, func(context.Context) {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = lm.Close(sctx)
		})
	}
	return dash, closeAll, nil
}

// prepare completes opts for cmd with complete, which reads the files the
// flags name: an interrupt while it reads is exit 130, any other error a
// usage error.
func prepare(cmd *cobra.Command, opts *RunOptions, complete func(context.Context) error) error {
	opts.changed = cmd.Flags().Changed
	if err := complete(cmd.Context()); err != nil {
		if cmd.Context().Err() != nil {
			return interrupted(cmd.Context(), "while reading its files; nothing was recorded")
		}
		return usageError{err}
	}
	return nil
}

// newRunStatus is the status printer of a run of cfg, whose progress and
// notices it prints: a sharded run's lines name the shard and its share.
func newRunStatus(ctx context.Context, o *RunOptions, cfg *record.Config) *statusPrinter {
	sp := &statusPrinter{w: o.IO.Err, tty: o.IO.ErrIsTerminal, grace: cfg.Grace, out: o.Out,
		stopped: func() error {
			if ctx.Err() == nil {
				return nil
			}
			return context.Cause(ctx)
		}}
	cfg.Progress = sp.progress
	cfg.Notice = sp.notice
	if cfg.Shard.Sharded() && cfg.Replay == nil {
		mine, planned := cfg.ShardUsers()
		sp.shard = fmt.Sprintf("%s (%s of the load)  ", cfg.Shard, share(mine, planned))
		if strings.HasPrefix(o.StartAt, "+") {
			sp.notice(fmt.Sprintf("--start-at %s is relative to this process (rounded up to a whole second): shards started apart get other time zeros and run ids; give every shard --start-at %s",
				o.StartAt, cfg.Shard.StartAt.UTC().Format(time.RFC3339Nano)))
		}
	}
	return sp
}

// builtInSimulator starts the built-in simulator when cfg has no target,
// points cfg at it and says so through notice ("no --target: <doing> the
// built-in simulator …"). The simulator serves until stop, past ctx's
// end: a run's grace outlives its cancellation.
func builtInSimulator(ctx context.Context, sc sim.Config, cfg *record.Config, doing string, notice func(string)) (stop func(), err error) {
	if cfg.Target != "" {
		return func() {}, nil
	}
	srv, err := sim.Listen(context.WithoutCancel(ctx), "127.0.0.1:0", sc)
	if err != nil {
		return nil, fmt.Errorf("start the built-in simulator: %w", err)
	}
	cfg.Target, cfg.Simulator = srv.URL, sc.Profile
	notice(fmt.Sprintf("no --target: %s the built-in simulator (profile %s) at %s", doing, sc.Profile, srv.URL))
	return func() { srv.Close() }, nil
}

// inputs are the files the run reads (--prompts, --body @FILE, a
// replay's run files): the run file is never one of them.
func (o *RunOptions) inputs() []string {
	in := slices.Clone(o.replayed)
	if o.Prompts != "" {
		in = append(in, o.Prompts)
	}
	if o.Workload != "" {
		in = append(in, o.Workload)
	}
	for _, c := range o.Config.Classes {
		if c.PromptsFile != "" {
			in = append(in, c.PromptsFile)
		}
	}
	if strings.HasPrefix(o.Body, "@") {
		in = append(in, o.Body[1:])
	}
	return in
}

// pathError makes a refused output path a usage error (exit status 2):
// the command as typed would destroy data or cannot work (what the
// output rule refuses, a stream, a journal beside it, a live run on it, a
// name too long); a run file that exists without --force keeps status 1.
func pathError(err error) error {
	var re *outfile.RefusedError
	if errors.As(err, &re) {
		return usageError{err}
	}
	for _, e := range []error{runfile.ErrJournalExists, runfile.ErrNotRegular, runfile.ErrNameTooLong, runfile.ErrRunLive} {
		if errors.Is(err, e) {
			return usageError{err}
		}
	}
	return err
}

func printSummary(w io.Writer, sum *record.Summary, out string) {
	m := sum.Meta
	fmt.Fprintf(w, "run %s: %s after %s, %d requests, %d failed (%.2f%%)\n",
		m.RunID, m.EndReason, m.EndedAt.Sub(m.StartedAt).Truncate(time.Millisecond), sum.Rows, sum.Failures, pct(sum.Failures, sum.Rows))
	if m.EndDetail != "" {
		fmt.Fprintf(w, "  %s\n", m.EndDetail)
	}
	if m.Shards > 1 {
		fmt.Fprintf(w, "  shard %d/%d: ran %d of the schedule's %d users (%s of the load); analyze it with the other shards' files\n",
			m.Shard, m.Shards, sum.Users, sum.Planned, share(sum.Users, sum.Planned))
	}
	if r := m.Replay; r != nil {
		fmt.Fprintf(w, "  a replay of run %s: %d requests, prompts %s, max_tokens %s\n", r.RunID, r.Requests, r.Prompts, r.MaxTokens)
	}
	if m.JoinedAt != nil && m.JoinedAt.Sub(m.StartedAt) >= record.LateJoin {
		fmt.Fprintf(w, "  joined the schedule %s after start-at\n", m.JoinedAt.Sub(m.StartedAt).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  latency of successes (live, approximate): p50 %s  p95 %s  p99 %s\n", ms(sum.P50), ms(sum.P95), ms(sum.P99))
	if len(m.Generator.Seconds) > 0 {
		fmt.Fprintf(w, "  generator: peak CPU %.2f cores, worst send lag %.1f ms\n", m.Generator.PeakCPU, m.Generator.PeakLagMS)
	} else {
		fmt.Fprintf(w, "  generator: the run was too short to measure its CPU; worst send lag %.1f ms\n", m.Generator.PeakLagMS)
	}
	if m.Shape.OpenLoop() {
		fmt.Fprintf(w, "  open loop: send lag (start - scheduled_at, waits for a slot included) p99 %.1f ms\n", m.Generator.P99LagMS)
	}
	if m.EstimatedOutputRows > 0 {
		fmt.Fprintf(w, "  output tokens of %d rows are estimated (the server sent no usage): %d from the streamed text's length (4 bytes a token, at least one a chunk), %d by counting content chunks\n",
			m.EstimatedOutputRows, m.EstimatedTextRows, m.EstimatedOutputRows-m.EstimatedTextRows)
	}
	printTelemetry(w, m.Telemetry)
	fmt.Fprintf(w, "  wrote %s; exact figures: llmrep analyze %s\n", runfile.Quote(out), runfile.Quote(out))
}

// share is a shard's part of the load in percent.
func share(mine, planned int) string {
	return fmt.Sprintf("%.0f%%", pct(int64(mine), int64(planned)))
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
