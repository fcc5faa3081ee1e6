package main

import (
	"cmp"
	"context"
	"errors"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portolan/portolan/web/i18n"
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

// serveHooks connect runServe to the process around it. main's are SIGHUP and
// nothing else; tests set their own instead of sending signals to themselves.
type serveHooks struct {
	// reload delivers a value for each reload asked for (SIGHUP).
	reload <-chan os.Signal
	// listening, if set, is called with the address once the listener is open.
	listening func(net.Addr)
	// reloaded, if set, is called after each reload attempt, SIGHUP or
	// -watch, with its error (nil when the new dataset is being served).
	reloaded func(error)
	// writeTimeout, if not 0, replaces the server's write timeout (tests
	// shorten it).
	writeTimeout time.Duration
}

// runServe is `portolan serve [-addr localhost:8080] [-db PATH] ...`: it makes
// sure the database holds the embedded documents, then serves the explorer
// until ctx is cancelled, and shuts down gracefully. SIGHUP reloads the
// database and index at -db (after `portolan ingest -db` replaced them).
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	// Caught before anything else: SIGHUP's default action would kill the
	// process while it builds the database.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serveWith(ctx, args, stderr, serveHooks{reload: hup})
}

// serveWith is runServe with its hooks given.
func serveWith(ctx context.Context, args []string, stderr io.Writer, hooks serveHooks) error {
	fs := newFlagSet("serve", "serve [-addr localhost:8080] [-db PATH] [-log-level info] [-watch 2s] [-debug-addr host:port]\n\n"+
		"SIGHUP reloads the database and search index at -db, as -watch does when\n"+
		"they change: requests already running finish on the old dataset.", stderr)
	addr := fs.String("addr", "localhost:8080", "`host:port` to listen on (0.0.0.0:8080 for every interface)")
	dbPath := fs.String("db", defaultDB, "SQLite database `file`; built on first start, rebuilt when the embedded documents change")
	logLevel := fs.String("log-level", "info", "`level` of logs written to stderr: debug, info, warn or error")
	watch := fs.Duration("watch", 2*time.Second, "how often to check whether -db and its index were replaced (by portolan ingest) and reload them; 0 checks never (SIGHUP still reloads)")
	debugAddr := fs.String("debug-addr", "", "also serve net/http/pprof (/debug/pprof/), expvar (/debug/vars) and goroutine and dataset counts (/debug/portolan) on this separate `host:port`; off by default. Keep it on localhost: profiles show the program's internals")
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
	if *watch < 0 {
		fmt.Fprintf(stderr, "portolan serve: bad -watch %v: want a duration of 0 or more\n", *watch)
		return errUsage
	}
	handler := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	log := slog.New(handler)

	// The pages' message catalogue is built while the dataset is checked
	// and opened, on the other processor, rather than by the first request.
	go i18n.Shared()
	if err := ensureDatabase(ctx, log, *dbPath, true); err != nil {
		return err
	}
	removeStalePins(log, *dbPath)
	live, err := newLive(ctx, log, *dbPath)
	if err != nil {
		return err
	}
	defer live.close()
	// The dataset's tables are read in the background, so the server
	// answers at once; the memory limit is set once they are in memory.
	go live.warm(ctx, live.cur.Load())

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *debugAddr != "" {
		stop, err := serveDebug(log, *debugAddr, live)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	srv := &http.Server{
		Handler:           live,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      cmp.Or(hooks.writeTimeout, writeTimeout),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	if hooks.listening != nil {
		hooks.listening(ln.Addr())
	}
	wctx, stopWatching := context.WithCancel(ctx)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		live.watch(wctx, hooks.reload, *watch, hooks.reloaded)
	}()
	err = serve(ctx, log, srv, ln)
	stopWatching()
	<-watching
	return err
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

// serveDebug serves net/http/pprof, expvar and live's counts on their own
// listener at addr, away from the public handler, and returns the function that
// stops it.
func serveDebug(log *slog.Logger, addr string, live *live) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/portolan", live.handleDebug)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go srv.Serve(ln)
	log.Info("debug listening", "url", "http://"+ln.Addr().String()+"/debug/")
	return func() { srv.Close() }, nil
}
