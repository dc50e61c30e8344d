package record

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/llmrec/llmrec/record/target"
)

// Connect checks that cfg.Target is usable and returns the client a run
// sends through. Without cfg.Model (openai-* APIs) it asks the target for
// its models and sets cfg.Model to the first; otherwise it checks that the
// target's host accepts TCP connections. Canceling ctx stops the check.
func Connect(ctx context.Context, cfg *Config) (Client, error) {
	topts := targetOptions(cfg)
	red := topts.NewRedactor()
	shown := red.URL(cfg.Target)
	if cfg.Model == "" && cfg.API != target.APIHTTP {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		model, err := target.DiscoverModel(dctx, topts)
		cancel()
		if err != nil {
			// A target that takes no connection is unreachable, with or
			// without --model: the hint is the URL and the server, not
			// --model (every request would fail to connect).
			if perr := probe(ctx, cfg.Target); perr != nil && ctx.Err() == nil {
				return nil, red.Error(fmt.Errorf("target %s is unreachable: %w; %s", shown, err, checkTarget))
			}
			return nil, red.Error(fmt.Errorf("target %s is not usable: %w (it accepts connections: pass --model to skip model discovery)", shown, err))
		}
		// The id goes back to the server verbatim; what is printed and
		// stored is the cleaned one (every byte from the target is
		// untrusted).
		topts.Model, cfg.Model = model.ID, model.Shown
	} else if err := probe(ctx, cfg.Target); err != nil {
		// The error names the host, which may hold a secret too.
		return nil, red.Error(fmt.Errorf("target %s is unreachable: %w; %s", shown, err, checkTarget))
	}
	return target.New(topts)
}

// checkTarget is the advice for a target that takes no connection.
const checkTarget = "check the URL (--target) and that the server is up and listening there"

// probe checks that the target's host accepts TCP connections.
func probe(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("bad URL")
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return errors.New(target.Classify(err) + ": cannot connect to " + host)
	}
	return c.Close()
}

func targetOptions(cfg *Config) target.Options {
	o := target.Options{
		Target: cfg.Target, API: cfg.API, Method: cfg.Method, Body: cfg.Body, Model: cfg.Model,
		MaxTokens: cfg.MaxTokens, Stream: cfg.Stream, Headers: cfg.Headers, APIKey: cfg.APIKey,
		Timeout: cfg.Timeout, IdleTimeout: cfg.IdleTimeout, MaxBodyBytes: cfg.MaxBodyBytes,
		MaxConns: cfg.Shape.MaxUsers, IgnoreEOS: cfg.Workload.IgnoreEOS,
		ChunkTimes: cfg.ChunkTimes,
		Answers:    cfg.Workload.conversations(),
	}
	if cfg.OpenLoop.Open() {
		o.MaxConns = openLoopConns(cfg)
	}
	return o
}
