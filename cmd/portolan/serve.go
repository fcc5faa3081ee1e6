package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// Server limits. WriteTimeout is generous because CSV exports stream every flow.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// runServe is `portolan serve [-addr localhost:8080] [-db PATH] [-log-level info]`:
// it makes sure the database holds the embedded documents, then serves the
// explorer until ctx is cancelled, and shuts down gracefully.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [-addr localhost:8080] [-db PATH] [-log-level info]", stderr)
	addr := fs.String("addr", "localhost:8080", "`host:port` to listen on (0.0.0.0:8080 for every interface)")
	dbPath := fs.String("db", defaultDB, "SQLite database `file`; built on first start, rebuilt when the embedded documents change")
	logLevel := fs.String("log-level", "info", "`level` of logs written to stderr: debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portolan serve: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "portolan serve: bad -log-level %q: want debug, info, warn or error\n", *logLevel)
		return errUsage
	}
	handler := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	log := slog.New(handler)

	if err := ensureDatabase(ctx, log, *dbPath, true); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	idx, err := search.Open(indexPath(*dbPath))
	if err != nil {
		return err
	}
	defer idx.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           web.New(log, db, idx),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	return serve(ctx, log, srv, ln)
}

// serve runs srv on ln until ctx is cancelled, then gives in-flight requests
// shutdownTimeout to finish.
func serve(ctx context.Context, log *slog.Logger, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
