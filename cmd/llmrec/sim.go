package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/record/sim"
)

// SimOptions is what `llmrec sim` was asked to do.
type SimOptions struct {
	IO     *IO
	Addr   string
	Config sim.Config
}

// NewCmdSim builds `llmrec sim`.
func NewCmdSim(ios *IO, runF func(*SimOptions) error) *cobra.Command {
	opts := &SimOptions{IO: ios, Addr: "127.0.0.1:8000", Config: sim.DefaultConfig()}
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the built-in OpenAI-compatible simulator",
		Long: `Serve an OpenAI-compatible API (/v1/models, /v1/chat/completions,
/v1/completions, streaming or not) that models a GPU server:
  linear  serves every request at once, each token slower as more are in flight
  knee    serves --slots at once, queues the rest, slows sharply once the queue is deep
  shed    serves --slots at once and answers 503 to the rest
Ctrl-C stops it.`,
		Example: `  llmrec sim                                         # knee profile on 127.0.0.1:8000
  llmrec sim --profile shed --slots 16 --addr 127.0.0.1:9000
  llmrec sim --profile linear --token-ms 20 --error-rate 0.01 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.Validate(); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			srv, err := sim.Listen(cmd.Context(), opts.Addr, *c)
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Err, "llmrec sim: profile %s, %d slots, serving %s (Ctrl-C stops)\n", c.Profile, c.Slots, srv.URL)
			select {
			case <-cmd.Context().Done():
				return srv.Close()
			case <-srv.Done():
				return srv.Wait() // the server stopped by itself: say why
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", opts.Addr, "`HOST:PORT` to listen on")
	f.StringVar(&c.Profile, "profile", c.Profile, "`PROFILE`: linear, knee or shed")
	f.IntVar(&c.Slots, "slots", c.Slots, "`N` requests served at once")
	f.Float64Var(&c.TokenMS, "token-ms", c.TokenMS, "`MS` per output token at no load")
	f.Float64Var(&c.PrefillMS, "prefill-ms", c.PrefillMS, "`MS` before the first token at no load")
	f.Float64Var(&c.Jitter, "jitter", c.Jitter, "relative jitter `FRACTION` of each request's timing (0.1 = ±10%)")
	f.Float64Var(&c.ErrorRate, "error-rate", c.ErrorRate, "`FRACTION` of requests answered 500 at random")
	f.Int64Var(&c.Seed, "seed", c.Seed, "random seed `N` (token text and jitter)")
	f.IntVar(&c.MaxTokens, "max-tokens", c.MaxTokens, "`N` output tokens when a request does not say")
	f.Float64Var(&c.Swap, "swap", c.Swap, "knee: strength `X` of the slowdown once the queue is deep (0: plain queue)")
	f.IntVar(&c.TokensPerChunk, "tokens-per-chunk", c.TokensPerChunk, "`N` tokens in each streamed chunk (more than 1: the ITL, a chunk gap, is about N TPOTs)")
	return cmd
}
