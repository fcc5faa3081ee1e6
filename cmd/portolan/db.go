package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// loadOptions are what ingest's flags say about the extra files.
type loadOptions struct {
	meta     data.Meta // fields that override each file's metadata
	strict   bool      // refuse a document with any warning
	warnings io.Writer // where warnings are printed, if anywhere
}

// wrapFileError makes sure an error about an extra document names its file, without
// naming it twice when the lower layer already did.
func wrapFileError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) || strings.Contains(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// datasetVersion is the data.DatasetVersion the database at path was built from,
// or "" when there is nothing usable there: no file, or a file built by a binary
// with another schema (the database is derived data, so that means "rebuild").
func datasetVersion(ctx context.Context, path string) (string, error) {
	db, err := store.Open(ctx, path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, store.ErrSchemaVersion):
		return "", nil
	case err != nil:
		return "", err
	}
	defer db.Close()
	v, err := db.DatasetVersion(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return v, err
}

// ensureDatabase builds the database at path when there is no usable one
// (see datasetVersion), and reports whether it did. With rebuildStale it also
// builds a new one when the database lacks a text of the embedded documents
// (a new binary ships a newer text: it becomes the document's next version)
// or was built by another extractor, which serve wants (it serves what it
// ships with) and export does not (it exports what was ingested). Documents
// ingested from files or URLs, and every version, are carried into the new
// database. It is `portolan ingest` with no arguments: one code path builds
// every database.
func ensureDatabase(ctx context.Context, log *slog.Logger, path string, rebuildStale bool) error {
	have, err := datasetVersion(ctx, path)
	if err != nil {
		return err
	}
	if have != "" && !rebuildStale {
		return nil
	}
	c, current, err := readCorpus(ctx, path)
	if err != nil {
		return err
	}
	_, added, err := c.addShipped(time.Now().UTC())
	if err != nil {
		return err
	}
	if have != "" && current && len(added) == 0 {
		log.Debug("database up to date", "db", path, "dataset", have)
		return ensureIndex(ctx, log, path, have, func() ([]data.Document, error) { return storedDocuments(ctx, path) })
	}
	docs, hist, err := c.build()
	if err != nil {
		return err
	}
	want := data.DatasetVersion(docs)
	log.Info("building database", "db", path, "dataset", want, "previous", have, "new_versions", len(added))
	start := time.Now()
	if err := store.IngestHistory(ctx, path, docs, hist); err != nil {
		return err
	}
	log.Info("database built", "db", path, "documents", len(docs), "duration", time.Since(start).Round(time.Millisecond))
	return buildIndex(ctx, log, path, docs)
}

// indexPath is where the search index of the database at dbPath lives: a
// directory beside it.
func indexPath(dbPath string) string { return dbPath + ".bleve" }

// ensureIndex builds the search index of the database at dbPath, of dataset
// version want, unless there is one of the same dataset built with this
// binary's mapping; docs gives the documents to index.
func ensureIndex(ctx context.Context, log *slog.Logger, dbPath, want string, docs func() ([]data.Document, error)) error {
	have, err := search.DatasetVersionAt(indexPath(dbPath))
	if err != nil {
		return err
	}
	if have == want {
		log.Debug("search index up to date", "index", indexPath(dbPath))
		return nil
	}
	ds, err := docs()
	if err != nil {
		return err
	}
	return buildIndex(ctx, log, dbPath, ds)
}

// buildIndex builds the search index of docs beside the database at dbPath,
// after the database: each is swapped into place whole.
func buildIndex(ctx context.Context, log *slog.Logger, dbPath string, docs []data.Document) error {
	start := time.Now()
	if err := search.Build(ctx, indexPath(dbPath), docs); err != nil {
		return err
	}
	log.Info("search index built", "index", indexPath(dbPath), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// storedDocuments reads back every document the database at path holds, in
// order, as they are now.
func storedDocuments(ctx context.Context, path string) ([]data.Document, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sums, err := db.Documents(ctx)
	if err != nil {
		return nil, err
	}
	all := make([]data.Document, 0, len(sums))
	for _, s := range sums {
		d, err := db.Document(ctx, s.Slug)
		if err != nil {
			return nil, err
		}
		all = append(all, d)
	}
	return all, nil
}

// staleTempAge is how long what an ingest builds in must have been left alone
// before the next ingest takes it for the leftover of an interrupted one. An
// ingest writes to its temporary database at least whenever its page cache
// (64 MiB) fills and to its temporary index every batch, so it is never that
// long without writing.
const staleTempAge = 10 * time.Minute

// removeStaleTemps removes what interrupted ingests (killed, or the machine
// stopped) left beside the database at path: temporary database files
// (PATH.tmp-*) and index directories (PATH.bleve.tmp-*). New ones get new
// names, so leftovers never stop an ingest; they only take disk space. One
// written to within staleTempAge may belong to an ingest still running: it is
// left, and w says so.
func removeStaleTemps(w io.Writer, path string, now time.Time) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base+".tmp-") && !strings.HasPrefix(e.Name(), base+".bleve.tmp-") {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if age := now.Sub(lastWritten(name)); age < staleTempAge {
			fmt.Fprintf(w, "leaving %s, written to %s ago: it may be another ingest's, still running; remove it if not\n", name, age.Round(time.Second))
			continue
		}
		if err := os.RemoveAll(name); err != nil {
			fmt.Fprintf(w, "cannot remove %s, left by an interrupted ingest: %v\n", name, err)
			continue
		}
		fmt.Fprintf(w, "removed %s, left by an interrupted ingest\n", name)
	}
}

// lastWritten is the latest modification time of the file at name or of
// anything in the directory tree there.
func lastWritten(name string) time.Time {
	var last time.Time
	filepath.WalkDir(name, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(last) {
			last = info.ModTime()
		}
		return nil
	})
	return last
}
