// Package dataset keeps a database and its search index together as one
// dataset, so that they are made current, served and replaced as one.
//
// The dataset at PATH (the -db flag) lives in PATH.d: each build gets a new
// directory there holding its database (portolan.db) and its index
// (index.bleve), and PATH itself is a symbolic link to the database of the
// current one. Build writes both into a fresh directory, syncs them and only
// then replaces the link, with one rename: at any moment, a crash included,
// PATH names a complete pair or the previous one, never a database of one
// dataset beside the index of another. Anything in PATH.d that the link does
// not name is the leftover of an interrupted or replaced build; Clean removes
// it, under the lock that builds hold, so it never removes a build under way.
//
// PATH stays usable as an SQLite file name (sqlite3 PATH follows the link).
package dataset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// Names inside a dataset directory, and of the lock file in PATH.d.
const (
	dbName    = "portolan.db"
	indexName = "index.bleve"
	tableName = "flows.table"
	lockName  = ".lock"
	dirPrefix = "ds-"
)

// ErrLegacy is returned (wrapped) by Current when PATH is a plain database
// file, as binaries before datasets wrote it, with its index at PATH.bleve.
var ErrLegacy = errors.New("a database file without a dataset directory")

// Paths are the files of one dataset.
type Paths struct {
	Dir   string // the dataset directory, PATH.d/ds-*
	DB    string // its SQLite database
	Index string // its bleve index directory
	// Table is its flow table, kept as a file (store.TableFile) for a
	// server to start from; derived from DB, and written again from it
	// when missing or stale.
	Table string
}

func pathsIn(dir string) Paths {
	return Paths{Dir: dir, DB: filepath.Join(dir, dbName), Index: filepath.Join(dir, indexName),
		Table: filepath.Join(dir, tableName)}
}

// Root is the directory holding the datasets of PATH.
func Root(path string) string { return filepath.Clean(path) + ".d" }

// LegacyIndex is where binaries before datasets kept the index of PATH.
func LegacyIndex(path string) string { return filepath.Clean(path) + ".bleve" }

// Current returns the files of the dataset PATH names. It fails with an error
// wrapping fs.ErrNotExist when there is none, and with one wrapping ErrLegacy
// when PATH is a plain database file.
func Current(path string) (Paths, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, ErrLegacy)
	}
	target, err := os.Readlink(path)
	if err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	dir := filepath.Dir(target)
	p := pathsIn(dir)
	if _, err := os.Stat(p.DB); err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	return p, nil
}

// Phases of Build, in order, as given to Options.Phase.
const (
	PhaseDatabase = "database" // about to write the database (and the index beside it)
	PhaseIndex    = "index"    // about to build the index, while the database is being written
	PhaseBuilt    = "built"    // both written and synced; about to make them current
	PhaseSwapped  = "swapped"  // current; about to remove what it replaced
)

// Options are the optional parts of Build.
type Options struct {
	// Phase, if set, is called as Build enters each phase; an error stops
	// the build there, as a failure of that phase would.
	Phase func(phase string) error
	// Removed, if set, is told each leftover Build removes and why it
	// could not remove one.
	Removed func(name string, err error)
}

// Build writes a database of docs with their history (store.IngestHistory;
// nil for none) and an index of docs into a new dataset directory and makes
// it PATH's current dataset (see BuildFrom).
func Build(ctx context.Context, path string, docs []data.Document, hist map[string]versions.History, opt Options) (Paths, error) {
	return BuildFrom(ctx, path, func(yield func(*data.Document, *versions.History) error) error {
		for i := range docs {
			var h *versions.History
			if x, ok := hist[docs[i].Slug]; ok {
				h = &x
			}
			if err := yield(&docs[i], h); err != nil {
				return err
			}
		}
		return nil
	}, opt)
}

// Source gives a build the documents of a dataset, in order, each with its
// history (nil: version 1 of itself, as store.IngestHistory has it), one at
// a time: it calls yield with each and stops, returning yield's error, when
// yield fails. Neither the document nor its history may change once given.
type Source func(yield func(d *data.Document, h *versions.History) error) error

// BuildFrom writes a database of the documents src gives (store.Builder)
// and their index (search.Builder) into a new dataset directory, both at
// once and one document at a time, and makes it PATH's current dataset,
// then removes what it replaced and any leftovers of interrupted builds. On
// failure, src's included, PATH is left as it was and the new directory is
// removed. Builds of one PATH run one at a time.
func BuildFrom(ctx context.Context, path string, src Source, opt Options) (_ Paths, err error) {
	root := Root(path)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	unlock, err := lock(root, true)
	if err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	defer unlock()
	// Leftovers first: they may be taking the disk space this build needs.
	clean(path, opt.Removed)

	phase := func(name string) error {
		if opt.Phase == nil {
			return nil
		}
		return opt.Phase(name)
	}
	dir, err := os.MkdirTemp(root, dirPrefix+"*")
	if err != nil {
		return Paths{}, fmt.Errorf("dataset %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			err = fmt.Errorf("dataset %s: %w", path, err)
		}
	}()
	// MkdirTemp makes it private; the dataset is as readable as its database.
	if err := os.Chmod(dir, 0o755); err != nil {
		return Paths{}, err
	}
	p := pathsIn(dir)
	if err := phase(PhaseDatabase); err != nil {
		return Paths{}, err
	}
	if err := write(ctx, p, src, phase); err != nil {
		return Paths{}, err
	}
	syncDir(dir)
	if err := phase(PhaseBuilt); err != nil {
		return Paths{}, err
	}
	if err := swap(path, p); err != nil {
		return Paths{}, err
	}
	// From here the build has succeeded: the new dataset is current.
	if err := phase(PhaseSwapped); err != nil {
		return p, nil
	}
	clean(path, opt.Removed)
	return p, nil
}

// item is one document on its way to both builds: its flows numbered in
// the dataset and its history.
type item struct {
	d     *data.Document
	flows []data.SeqFlow
	h     *versions.History
}

// feed runs one of write's builds: it opens it, adds every item of ch in
// order and commits it, unless ctx was cancelled meanwhile (another build
// or the documents failed). It closes the build either way.
func feed[B interface {
	Commit(context.Context) error
	Close()
}](ctx context.Context, ch <-chan item, open func() (B, error), add func(B, item) error) error {
	b, err := open()
	if err != nil {
		return err
	}
	defer b.Close()
	for it := range ch {
		if err := add(b, it); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return b.Commit(ctx)
}

// write builds the database and the index of p from src, each in a
// goroutine of its own fed one document at a time, so that the two builds
// (and src's own work) share the cores and at most a few documents are held
// at once. The first failure stops all three.
func write(ctx context.Context, p Paths, src Source, phase func(string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A few documents ahead: enough for neither build to wait on the
	// other's slower moments.
	toDB, toIndex := make(chan item, 4), make(chan item, 4)
	var wg sync.WaitGroup
	wg.Go(func() {
		open := func() (*store.Builder, error) { return store.NewBuilder(ctx, p.DB, store.TableFile(p.Table)) }
		add := func(b *store.Builder, it item) error { return b.Add(ctx, it.d, it.flows, it.h) }
		if err := feed(ctx, toDB, open, add); err != nil {
			cancel(err)
		}
	})
	wg.Go(func() {
		open := func() (*search.Builder, error) {
			if err := phase(PhaseIndex); err != nil {
				return nil, err
			}
			return search.NewBuilder(p.Index)
		}
		add := func(b *search.Builder, it item) error { return b.Add(ctx, it.d, it.flows) }
		if err := feed(ctx, toIndex, open, add); err != nil {
			cancel(err)
		}
	})
	last := 0
	err := src(func(d *data.Document, h *versions.History) error {
		it := item{d: d, flows: d.SeqFlows(last), h: h}
		last += len(it.flows)
		for _, ch := range []chan item{toDB, toIndex} {
			select {
			case ch <- it:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	})
	if err != nil {
		cancel(err) // before the builds see the end of the documents
	}
	close(toDB)
	close(toIndex)
	wg.Wait()
	return context.Cause(ctx)
}

// swap makes p PATH's current dataset: a new link to its database, renamed
// over PATH.
func swap(path string, p Paths) error {
	rel, err := filepath.Rel(filepath.Dir(filepath.Clean(path)), p.DB)
	if err != nil {
		return err
	}
	tmp := filepath.Join(Root(path), "link-"+filepath.Base(p.Dir))
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(filepath.Clean(path)))
	return nil
}

// Clean removes what interrupted or replaced builds left of PATH's datasets:
// every directory in PATH.d but the current one, and the database temporaries
// and index a binary before datasets left beside PATH. It does nothing while
// a build holds the lock (what it would remove may be that build's). removed,
// if set, is told what it removed and what it could not.
func Clean(path string, removed func(name string, err error)) {
	root := Root(path)
	if _, err := os.Stat(root); err != nil {
		return
	}
	unlock, err := lock(root, false)
	if err != nil {
		return
	}
	defer unlock()
	clean(path, removed)
}

// clean is Clean with the lock held.
func clean(path string, removed func(string, error)) {
	if removed == nil {
		removed = func(string, error) {}
	}
	current := ""
	if p, err := Current(path); err == nil {
		current = p.Dir
	}
	root := Root(path)
	if entries, err := os.ReadDir(root); err == nil {
		for _, e := range entries {
			name := filepath.Join(root, e.Name())
			if e.Name() == lockName || name == current {
				continue
			}
			removed(name, os.RemoveAll(name))
		}
	}
	// Binaries before datasets: their index, once PATH is a dataset, and
	// their temporaries in any case.
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		stale := strings.HasPrefix(n, base+".tmp-") || strings.HasPrefix(n, base+".bleve.tmp-") ||
			(n == base+".bleve" && current != "")
		if stale {
			name := filepath.Join(dir, n)
			removed(name, os.RemoveAll(name))
		}
	}
}

// errLocked is returned by lock(wait=false) when another process holds it.
var errLocked = errors.New("another build of this dataset is running")

// lock takes the lock of root's builds, waiting for it when wait is set.
// The kernel releases it when the process ends, however it ends, so a killed
// build never leaves it held.
func lock(root string, wait bool) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(root, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
