package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a simulator serving HTTP on a listener, started by Listen.
type Running struct {
	// URL is the base URL to give clients, e.g. "http://127.0.0.1:41234"
	// (an unspecified listen host is given as 127.0.0.1).
	URL string
	// Addr is the address listened on.
	Addr net.Addr
	// Sim is the handler, for its Stats.
	Sim *Server

	srv     *http.Server
	abort   context.CancelFunc // cancels every request's context
	stopped chan struct{}      // closed by stop
	once    sync.Once
	wg      sync.WaitGroup // the serve and watch goroutines
	done    chan struct{}  // closed when everything has ended
	err     error          // from Serve, read after done
}

// Listen starts a simulator for cfg serving HTTP on addr ("127.0.0.1:0"
// picks a free port). It returns once the port is open. The server stops
// when ctx ends or on Close or Shutdown; Wait reports when it has stopped.
//
// Listen owns two goroutines, one serving and one watching ctx; both have
// ended, and so has every request handler, when Close, Shutdown or Wait
// return.
func Listen(ctx context.Context, addr string, cfg Config) (*Running, error) {
	sim, err := New(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listen: %w", err)
	}
	base, abort := context.WithCancel(context.WithoutCancel(ctx))
	r := &Running{
		URL:     baseURL(ln.Addr()),
		Addr:    ln.Addr(),
		Sim:     sim,
		abort:   abort,
		stopped: make(chan struct{}),
		done:    make(chan struct{}),
		srv: &http.Server{
			Handler:           sim,
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
	}
	r.wg.Go(func() {
		if err := r.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			r.err = fmt.Errorf("sim: serve: %w", err)
			r.stop()
		}
	})
	r.wg.Go(func() {
		select {
		case <-ctx.Done():
			r.stop()
		case <-r.stopped:
		}
	})
	go func() {
		// Ends once the two above have: they always do after stop.
		r.wg.Wait()
		_ = sim.handlers.wait(context.Background())
		close(r.done)
	}()
	return r, nil
}

func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP
	if host == nil || host.IsUnspecified() {
		host = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(host.String(), fmt.Sprint(tcp.Port))
}

// stop closes the listener and every connection, and cancels every
// request in progress. It does not wait.
func (r *Running) stop() {
	r.once.Do(func() {
		r.abort()
		_ = r.srv.Close()
		close(r.stopped)
	})
}

// Close stops the server at once, canceling requests in progress, and
// waits until all its goroutines have ended. It returns the serve error,
// if serving failed.
func (r *Running) Close() error {
	r.stop()
	return r.Wait()
}

// Shutdown stops accepting connections and lets requests in progress
// finish until ctx ends, then stops like Close. It returns ctx's error if
// requests were still running then, else the serve error.
func (r *Running) Shutdown(ctx context.Context) error {
	err := r.srv.Shutdown(ctx)
	if err == nil {
		err = r.Sim.handlers.wait(ctx)
	}
	r.stop()
	if werr := r.Wait(); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("sim: shutdown: %w", err)
	}
	return nil
}

// Done is closed when the server has stopped and every goroutine ended.
func (r *Running) Done() <-chan struct{} { return r.done }

// Wait blocks until the server has stopped (ctx ended, Close, Shutdown or
// a serve error) and returns the serve error, if any.
func (r *Running) Wait() error {
	<-r.done
	return r.err
}
