package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portolan/portolan/dataset"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
	"github.com/portolan/portolan/web/httpcache"
)

// retireLimit bounds how long a generation replaced by a reload stays open
// for the requests it started. A page is written within the server's write
// timeout, but a download is not bound by it: a CSV stream extends its write
// deadline as long as its client keeps reading (web's streamIdleTimeout), so
// an export of a large dataset to a slow client may run for many minutes,
// and it must end with every row of the dataset it started on. The replaced
// dataset therefore stays open until its last reader is done, however long
// that takes up to this bound, which only a client reading steadily for an
// hour reaches; a stream still running then is cut, which its client sees as
// an incomplete transfer, never as a complete but short file.
const retireLimit = time.Hour

// A generation is one dataset being served: the database and its search index,
// opened together and checked to hold the same dataset, and the handler over
// them. Each request runs on one generation from start to end, so it never
// sees two datasets; a generation replaced by a reload is closed once the
// requests it started have finished.
type generation struct {
	seq     int
	dataset string
	db      *store.DB
	idx     *search.Index
	handler http.Handler
	server  *web.Server // the handler, for its cache's counts; closed with the generation
	// pin is a hard link to the database file this generation opened, or ""
	// (see pinDatabase).
	pin string
	// dir is the dataset directory -db named when opened: the watcher
	// reloads when it names another.
	dir      string
	mu       sync.Mutex
	inflight int
	retired  bool
	idle     chan struct{} // closed once retired with nothing in flight
}

// acquire counts a request in, unless the generation has been retired.
func (g *generation) acquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retired {
		return false
	}
	g.inflight++
	return true
}

// release counts a request out.
func (g *generation) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.retired && g.inflight == 0 {
		close(g.idle)
	}
}

// retire stops the generation taking requests; idle is closed once those it
// has finish.
func (g *generation) retire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.retired = true
	if g.inflight == 0 {
		close(g.idle)
	}
}

func (g *generation) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight
}

// close releases what the generation holds; it works on one opened halfway.
func (g *generation) close() error {
	var errs []error
	if g.server != nil {
		errs = append(errs, g.server.Close())
	}
	if g.idx != nil {
		errs = append(errs, g.idx.Close())
	}
	if g.db != nil {
		errs = append(errs, g.db.Close())
	}
	if g.pin != "" {
		if err := os.Remove(g.pin); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errDatasetMismatch is returned (wrapped) by openGeneration when the database
// and the index at -db hold different datasets.
var errDatasetMismatch = errors.New("the database and its search index hold different datasets")

// openGeneration opens the dataset -db (path) names, its database and index,
// as generation seq, and checks they hold the same dataset (package dataset
// makes them current together, so they do unless the files were tampered
// with).
func openGeneration(ctx context.Context, log *slog.Logger, path string, seq int) (_ *generation, err error) {
	g := &generation{seq: seq, idle: make(chan struct{})}
	defer func() {
		if err != nil {
			g.close()
		}
	}()
	cur, err := dataset.Current(path)
	if err != nil {
		return nil, err
	}
	g.dir = cur.Dir
	file := cur.DB
	if pin, err := pinDatabase(path, cur.DB, seq); err != nil {
		log.Warn("cannot link the database file; opening it by path (a connection the store must reopen after an ingest removed it fails)", "db", cur.DB, "err", err)
	} else {
		g.pin, file = pin, pin
	}
	if g.db, err = store.Open(ctx, file, store.TableFile(cur.Table)); err != nil {
		return nil, err
	}
	// Its tables are read while the index opens (warm waits for this
	// rather than reading them again); a generation that fails to open
	// closes its database under it, which only makes this fail.
	go g.db.Warm(context.WithoutCancel(ctx))
	if g.dataset, err = g.db.DatasetVersion(ctx); err != nil {
		return nil, err
	}
	if g.idx, err = search.Open(cur.Index); err != nil {
		return nil, err
	}
	if v := g.idx.DatasetVersion(); v != g.dataset {
		return nil, fmt.Errorf("%w: database %s, index %s in %s", errDatasetMismatch, g.dataset, v, cur.Dir)
	}
	srv := web.New(log, g.db, g.idx)
	g.handler, g.server = srv, srv
	return g, nil
}

// pinSuffix starts the name of pinDatabase's links, after the database's own.
const pinSuffix = "-serve-"

// pinDatabase makes a hard link beside path to the database file file, for
// generation seq of this process, and returns its name. A generation opens the
// database through it. The store already never reads a file that replaced the
// one it opened (its pool is fixed and refuses, with store.ErrReplaced, a new
// connection to another file); the link lets a connection it must reopen (one
// SQLite reported broken) still reach the generation's own file after the
// next `portolan ingest` removed the dataset it was in, rather than fail.
// Without a link (a read-only directory, a file system without them) the
// database is opened by its name.
func pinDatabase(path, file string, seq int) (string, error) {
	pin := path + pinSuffix + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(seq)
	if err := os.Remove(pin); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.Link(file, pin); err != nil {
		return "", err
	}
	return pin, nil
}

// removeStalePins removes the links pinDatabase made for path in processes
// that are gone (killed before they could remove them), so their datasets stop
// taking disk space.
func removeStalePins(log *slog.Logger, path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base+pinSuffix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || (pid != os.Getpid() && processAlive(pid)) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := os.Remove(name); err == nil {
			log.Info("removed the database link of a serve that is gone", "file", name)
		}
	}
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// live is serve's handler: it passes each request to the current generation
// and swaps in a new one on reload.
type live struct {
	log  *slog.Logger
	path string
	cur  atomic.Pointer[generation]
	seq  int // the last generation number given; only the watch loop uses it
	// seen is the dataset directory the watcher last found -db naming.
	seen string

	stop     chan struct{} // closed by close: retired generations close at once
	retiring sync.WaitGroup
	open     atomic.Int64 // generations open, the current one included
	reloads  atomic.Int64
}

// newLive opens the database at path and its index as the first generation.
func newLive(ctx context.Context, log *slog.Logger, path string) (*live, error) {
	l := &live{log: log, path: path, stop: make(chan struct{})}
	l.seq++
	g, err := openGeneration(ctx, log, path, l.seq)
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	l.cur.Store(g)
	l.seen = g.dir
	log.Info("serving", "db", path, "dataset", g.dataset)
	return l, nil
}

// ServeHTTP serves r on the current generation, counted in and out of it.
func (l *live) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		g := l.cur.Load()
		if g.acquire() {
			defer g.release()
			g.handler.ServeHTTP(w, r)
			return
		}
		if l.cur.Load() == g {
			// Retired and not replaced: close has run.
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		// Replaced between Load and acquire: take the new one.
	}
}

// reload opens the database and index at l.path anew and, if they hold one
// dataset, serves it from now on; the previous generation is closed once its
// requests have finished. On error the previous generation stays.
func (l *live) reload(ctx context.Context, trigger string) error {
	l.seq++
	g, err := openGeneration(ctx, l.log, l.path, l.seq)
	if err != nil {
		return err
	}
	l.seen = g.dir
	// Warmed before it serves: its first requests answer as fast as the
	// ones after them, and the memory limit counts its tables.
	l.warm(ctx, g)
	l.install(g, trigger)
	return nil
}

// warm reads generation g's tables into memory (store.DB.Warm) and then
// sets the memory limit from the heap they take (boundMemory): set before
// they are read, the limit sat a flow table's size too low, and at 100k
// flows the collector ran so often to stay under it that it took a third
// of a listing's CPU (issue 18). A generation closed meanwhile fails to
// warm; the limit is set all the same.
func (l *live) warm(ctx context.Context, g *generation) {
	if err := g.db.Warm(ctx); err != nil {
		l.log.Warn("cannot read the dataset's tables ahead of the first requests", "generation", g.seq, "err", err)
	}
	flows := 0
	if docs, err := g.db.Documents(ctx); err == nil {
		for _, d := range docs {
			flows += d.FlowCount
		}
	}
	boundMemory(l.log, flows)
}

// install serves g from now on and retires the generation it replaces.
func (l *live) install(g *generation, trigger string) {
	l.open.Add(1)
	old := l.cur.Swap(g)
	l.reloads.Add(1)
	l.log.Info("reloaded", "trigger", trigger, "dataset", g.dataset, "previous", old.dataset, "generation", g.seq)
	l.retire(old)
}

// retire takes g out of service and closes it once its requests have finished,
// or after retireLimit, or at once when l is closed.
func (l *live) retire(g *generation) {
	g.retire()
	l.retiring.Add(1)
	go func() {
		defer l.retiring.Done()
		t := time.NewTimer(retireLimit)
		defer t.Stop()
		select {
		case <-g.idle:
		case <-l.stop:
		case <-t.C:
			l.log.Warn("closing a replaced dataset with requests still running on it", "dataset", g.dataset, "generation", g.seq, "requests", g.inFlight())
		}
		if err := g.close(); err != nil {
			l.log.Warn("closing a replaced dataset", "dataset", g.dataset, "generation", g.seq, "err", err)
		}
		l.open.Add(-1)
		l.log.Debug("closed", "dataset", g.dataset, "generation", g.seq)
	}()
}

// close closes every generation, the current one included. Call it once
// nothing is serving requests any more.
func (l *live) close() {
	close(l.stop)
	l.retire(l.cur.Load())
	l.retiring.Wait()
}

// watch reloads on each value from reload (SIGHUP) and, every interval (if not
// 0), when -db or its index is another file than the one served, until ctx is
// cancelled. done, if set, gets each attempt's error.
func (l *live) watch(ctx context.Context, reload <-chan os.Signal, every time.Duration, done func(error)) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-reload:
			if err = l.reload(ctx, "SIGHUP"); err != nil {
				l.log.Warn("reload failed; serving the previous dataset", "dataset", l.cur.Load().dataset, "err", err)
			}
		case <-tick:
			if !l.replaced() {
				continue
			}
			if err = l.reload(ctx, "watch"); err != nil {
				l.log.Warn("reload failed; serving the previous dataset", "dataset", l.cur.Load().dataset, "err", err)
			}
		}
		if done != nil {
			done(err)
		}
	}
}

// replaced reports whether -db names another dataset than when last looked
// at (by the watcher or a reload).
func (l *live) replaced() bool {
	cur, err := dataset.Current(l.path)
	if err != nil || cur.Dir == l.seen {
		return false
	}
	l.seen = cur.Dir
	return true
}

// handleDebug serves the counts a soak test watches, as JSON. heap_live_bytes
// is the heap the last garbage collection found in use: unlike the heap in
// use now, it does not swing with the collection cycle, so it shows a leak.
// cache_bytes and cache_entries are the current generation's response cache
// as it counts itself (scripts/cache-memory.sh sets them beside the RSS);
// waiting is how many requests wait for a work slot (web/admit.go).
func (l *live) handleDebug(w http.ResponseWriter, r *http.Request) {
	g := l.cur.Load()
	heap := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(heap)
	var heapLive uint64
	if heap[0].Value.Kind() == metrics.KindUint64 {
		heapLive = heap[0].Value.Uint64()
	}
	var cs httpcache.Stats
	waiting := 0
	if g.server != nil {
		cs = g.server.CacheStats()
		waiting = g.server.Waiting()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"heap_live_bytes": heapLive,
		"goroutines":      runtime.NumGoroutine(),
		"dataset":         g.dataset,
		"generation":      g.seq,
		"generations":     l.open.Load(),
		"reloads":         l.reloads.Load(),
		"in_flight":       g.inFlight(),
		"cache_bytes":     cs.Bytes,
		"cache_entries":   cs.Entries,
		"waiting":         waiting,
	})
}
