package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

var answer = []byte(`{"ok":true,"n":1}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %q: want a loopback IP and port", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/trivial", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, 0)
	})
	mux.HandleFunc("/sleep50", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, 50*time.Millisecond)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func reply(w http.ResponseWriter, r *http.Request, sleep time.Duration) {
	_, _ = io.Copy(io.Discard, r.Body)
	if sleep > 0 {
		t := time.NewTimer(sleep)
		<-t.C
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(answer)
}
