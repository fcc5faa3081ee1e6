package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
)

// runHello is the hidden `portolan hello [-addr localhost:8099]`: a minimal
// net/http handler that answers "hello\n" to every request, with the same
// server limits as serve. It is the baseline scripts/bench-http.sh measures
// the explorer against: what this machine and net/http give with no work at
// all behind the handler.
func runHello(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("hello", "hello [-addr localhost:8099]", stderr)
	addr := fs.String("addr", "localhost:8099", "`host:port` to listen on")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portolan hello: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	handler := slog.NewTextHandler(stderr, nil)
	log := slog.New(handler)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hello := []byte("hello\n")
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(hello)
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	return serve(ctx, log, srv, ln)
}
