package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/dataset"
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
		if err := data.CheckSlug(d.Slug); err != nil {
			return nil, fmt.Errorf("%s: %w; give it another in its metadata (%s)", name, err, "\"slug\"")
		}
		if err := data.CheckHidden(d); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
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

// ensureDatabase makes sure -db names a usable dataset (see package dataset),
// building one from the embedded documents when there is none, and removes
// what interrupted ingests left. With rebuildStale it also rebuilds a dataset
// holding another text of the embedded documents, or an index built with
// another mapping, which serve wants (it serves what it ships with) and
// export does not (it exports what was ingested, extra files included). Every
// build goes through dataset.Build, as `portolan ingest` does, so the
// database and index are always made current together.
func ensureDatabase(ctx context.Context, log *slog.Logger, path string, rebuildStale bool) error {
	dataset.Clean(path, logRemoved(log))
	cur, err := dataset.Current(path)
	switch {
	case err == nil:
		return ensureCurrent(ctx, log, path, cur, rebuildStale)
	case errors.Is(err, dataset.ErrLegacy):
		return migrateLegacy(ctx, log, path, rebuildStale)
	case errors.Is(err, fs.ErrNotExist):
		docs, err := loadDocuments(nil)
		if err != nil {
			return err
		}
		return buildDataset(ctx, log, path, docs, "no database")
	default:
		return err
	}
}

// ensureCurrent is ensureDatabase for a dataset cur that is current.
func ensureCurrent(ctx context.Context, log *slog.Logger, path string, cur dataset.Paths, rebuildStale bool) error {
	have, err := datasetVersion(ctx, cur.DB)
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
	if have == "" {
		return buildDataset(ctx, log, path, docs, "database built by another schema")
	}
	all := docs
	if have != want {
		// A database built by `portolan ingest FILE ...` holds the embedded
		// documents and extra ones: keep it while the embedded part is current.
		var current bool
		all, current, err = embeddedCurrent(ctx, cur.DB, docs)
		if err != nil {
			return err
		}
		if !current {
			if len(all) > len(docs) {
				log.Warn("rebuilding from the embedded documents drops the extra documents; run portolan ingest with them again", "db", path)
			}
			return buildDataset(ctx, log, path, docs, "embedded documents changed (previous dataset "+have+")")
		}
		log.Info("database holds the embedded documents, current, and extra ones; keeping it", "db", path, "documents", len(all))
	}
	idx, err := search.DatasetVersionAt(cur.Index)
	if err != nil {
		return err
	}
	if idx == have {
		log.Debug("dataset up to date", "db", path, "dataset", have)
		return nil
	}
	// The index was built with another mapping: the dataset is rebuilt
	// whole, from the documents its database holds (complete, since it was
	// made current), so the pair still changes at once.
	return buildDataset(ctx, log, path, all, "search index built by another mapping")
}

// migrateLegacy is ensureDatabase for a plain database file at path, with its
// index at PATH.bleve, as binaries before datasets left them. They were
// swapped one after the other, so they may hold different datasets (an
// ingest killed between the two): then nothing of them is trusted and the
// dataset is built from the embedded documents.
func migrateLegacy(ctx context.Context, log *slog.Logger, path string, rebuildStale bool) error {
	have, err := datasetVersion(ctx, path)
	if err != nil {
		return err
	}
	if have != "" && !rebuildStale {
		return nil // export reads the file as it is
	}
	docs, err := loadDocuments(nil)
	if err != nil {
		return err
	}
	if have == "" {
		return buildDataset(ctx, log, path, docs, "database built by another schema")
	}
	idx, err := search.DatasetVersionAt(dataset.LegacyIndex(path))
	if err != nil {
		return err
	}
	if idx != have {
		log.Warn("the database and its index hold different datasets (an ingest did not finish); building from the embedded documents", "db", path, "database", have, "index", idx)
		return buildDataset(ctx, log, path, docs, "incomplete ingest")
	}
	all, current, err := embeddedCurrent(ctx, path, docs)
	if err != nil {
		return err
	}
	if !current {
		all = docs
	}
	return buildDataset(ctx, log, path, all, "database file from an earlier version of portolan")
}

// buildDataset builds the dataset of docs at path and makes it current.
func buildDataset(ctx context.Context, log *slog.Logger, path string, docs []data.Document, why string) error {
	log.Info("building database and search index", "db", path, "dataset", data.DatasetVersion(docs), "documents", len(docs), "reason", why)
	start := time.Now()
	p, err := dataset.Build(ctx, path, docs, dataset.Options{Phase: phaseHook, Removed: logRemoved(log)})
	if err != nil {
		return err
	}
	log.Info("dataset built", "db", path, "dir", p.Dir, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// logRemoved logs what dataset.Clean removes.
func logRemoved(log *slog.Logger) func(string, error) {
	return func(name string, err error) {
		if err != nil {
			log.Warn("cannot remove what an interrupted or replaced ingest left", "file", name, "err", err)
			return
		}
		log.Info("removed what an interrupted or replaced ingest left", "file", name)
	}
}

// phaseHook, if set, is called by every dataset build at each phase
// (dataset.Options.Phase). Only binaries built with the faultinject tag set
// it, for the tests that kill or fail an ingest at each phase.
var phaseHook func(phase string) error

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
