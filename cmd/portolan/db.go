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
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// loadDocuments extracts the embedded documents and then each extra file, in the
// order given. It reads everything before anything is written, so a file the
// extractor rejects leaves the database as it was; the error names the file (and
// the extractor's errors name the line).
func loadDocuments(files []string, opts ...loadOptions) ([]data.Document, error) {
	var opt loadOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	docs, err := extract.Embedded()
	if err != nil {
		return nil, fmt.Errorf("embedded documents: %w", err)
	}
	seen := make(map[string]string, len(docs)+len(files))
	for _, d := range docs {
		seen[d.Slug] = "the embedded document " + d.File
	}
	for _, name := range files {
		d, err := extract.LoadFile(name, opt.meta)
		if err != nil {
			return nil, wrapFileError(name, err)
		}
		warnings := extract.Warnings(d)
		if opt.warnings != nil {
			for _, w := range warnings {
				fmt.Fprintf(opt.warnings, "warning: %s\n", w)
			}
		}
		if opt.strict && len(warnings) > 0 {
			return nil, fmt.Errorf("%s (and %d warnings in all; -strict refuses a document with any)", warnings[0], len(warnings))
		}
		if prev, ok := seen[d.Slug]; ok {
			return nil, fmt.Errorf("%s: document slug %q is already used by %s; give this one another slug in its metadata", name, d.Slug, prev)
		}
		seen[d.Slug] = name
		docs = append(docs, d)
	}
	return docs, nil
}

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

// ensureDatabase builds the database at path from the embedded documents when
// there is no usable one (see datasetVersion), and reports whether it did. With
// rebuildStale it also rebuilds a database holding another dataset than the
// embedded one, which serve wants (it serves what it ships with) and export does
// not (it exports what was ingested, extra files included). It is `portolan
// ingest` with no extra files: one code path builds every database.
func ensureDatabase(ctx context.Context, log *slog.Logger, path string, rebuildStale bool) error {
	have, err := datasetVersion(ctx, path)
	if err != nil {
		return err
	}
	if have != "" && !rebuildStale {
		return nil
	}
	docs, err := loadDocuments(nil)
	if err != nil {
		return err
	}
	want := data.DatasetVersion(docs)
	if have == want {
		log.Debug("database up to date", "db", path, "dataset", want)
		return ensureIndex(ctx, log, path, docs)
	}
	if have != "" {
		// A database built by `portolan ingest FILE ...` holds the embedded
		// documents and extra ones: keep it while the embedded part is current.
		all, current, err := embeddedCurrent(ctx, path, docs)
		if err != nil {
			return err
		}
		if current {
			log.Info("database holds the embedded documents, current, and extra ones; keeping it", "db", path, "documents", len(all))
			return ensureIndex(ctx, log, path, all)
		}
		if len(all) > len(docs) {
			log.Warn("rebuilding from the embedded documents drops the extra documents; run portolan ingest with them again", "db", path)
		}
	}
	log.Info("building database from the embedded documents", "db", path, "dataset", want, "previous", have)
	start := time.Now()
	if err := store.Ingest(ctx, path, docs); err != nil {
		return err
	}
	log.Info("database built", "db", path, "documents", len(docs), "duration", time.Since(start).Round(time.Millisecond))
	return buildIndex(ctx, log, path, docs)
}

// indexPath is where the search index of the database at dbPath lives: a
// directory beside it.
func indexPath(dbPath string) string { return dbPath + ".bleve" }

// ensureIndex builds the search index of the database at dbPath, which holds
// docs, unless there is one of the same dataset built with this binary's
// mapping.
func ensureIndex(ctx context.Context, log *slog.Logger, dbPath string, docs []data.Document) error {
	have, err := search.DatasetVersionAt(indexPath(dbPath))
	if err != nil {
		return err
	}
	if have == data.DatasetVersion(docs) {
		log.Debug("search index up to date", "index", indexPath(dbPath))
		return nil
	}
	return buildIndex(ctx, log, dbPath, docs)
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

// embeddedCurrent reports whether the database at path was built by this
// extractor and holds every embedded document with the same text, and returns all
// the documents it holds (the embedded ones and any extra ones), read back from it.
func embeddedCurrent(ctx context.Context, path string, embedded []data.Document) ([]data.Document, bool, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, false, err
	}
	defer db.Close()
	if v, err := db.ExtractorVersion(ctx); err != nil || v != data.ExtractorVersion {
		return nil, false, nil
	}
	sums, err := db.Documents(ctx)
	if err != nil {
		return nil, false, err
	}
	checksum := make(map[string]string, len(sums))
	for _, d := range sums {
		checksum[d.Slug] = d.Checksum
	}
	current := true
	for _, d := range embedded {
		if checksum[d.Slug] != d.Checksum {
			current = false
		}
	}
	all := make([]data.Document, 0, len(sums))
	for _, s := range sums {
		d, err := db.Document(ctx, s.Slug)
		if err != nil {
			return nil, false, err
		}
		all = append(all, d)
	}
	return all, current, nil
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
