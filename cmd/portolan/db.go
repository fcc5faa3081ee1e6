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
	"github.com/portolan/portolan/dataset"
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

// ensureDatabase makes sure -db (path) names a usable dataset (see package
// dataset), building one when there is none, and removes what interrupted
// ingests left. With rebuildStale it also builds a new one when the database
// lacks a text of the embedded documents (a new binary ships a newer text: it
// becomes the document's next version), was built by another extractor, or
// its index by another mapping, which serve wants (it serves what it ships
// with) and export does not (it exports what was ingested). Documents
// ingested from files or URLs, and every version, are carried into the new
// dataset. Every build goes through dataset.Build, as `portolan ingest` does,
// so a database and its index are only ever made current together.
func ensureDatabase(ctx context.Context, log *slog.Logger, path string, rebuildStale bool) error {
	dataset.Clean(path, logRemoved(log))
	if !rebuildStale {
		// Export reads what is there, a database file from before
		// datasets included.
		if have, err := datasetVersion(ctx, path); err != nil || have != "" {
			return err
		}
	}
	dbPath, idxPath, err := trustedPair(ctx, log, path)
	if err != nil {
		return err
	}
	have := ""
	if dbPath != "" {
		if have, err = datasetVersion(ctx, dbPath); err != nil {
			return err
		}
	}
	// Whether the shipped documents have a text the database lacks is
	// told by their own versions: the texts of every document are read
	// only to build (a second or more at a million flows, at every start).
	srcs, err := data.EmbeddedSources()
	if err != nil {
		return fmt.Errorf("embedded documents: %w", err)
	}
	shipped := make([]string, 0, len(srcs))
	for _, src := range srcs {
		shipped = append(shipped, src.Meta.Slug)
	}
	now := time.Now().UTC()
	c, current, err := readSomeCorpus(ctx, dbPath, shipped)
	if err != nil {
		return err
	}
	_, added, err := c.addShipped(now)
	if err != nil {
		return err
	}
	reason := "embedded documents changed"
	if have == "" && dbPath != "" {
		// datasetVersion found no dataset it can read: another schema,
		// rebuilt from the versions it holds (readCorpus).
		reason = "database of another schema or without a dataset version"
	}
	if have != "" && current && len(added) == 0 {
		idx, err := search.DatasetVersionAt(idxPath)
		if err != nil {
			return err
		}
		if idx == have && dbPath != path {
			log.Debug("dataset up to date", "db", path, "dataset", have)
			return nil
		}
		// An index of another mapping, or a pair from before datasets:
		// the dataset is built anew from what the database holds.
		reason = "search index built by another mapping, or no dataset directory yet"
	}
	if c, _, err = readCorpus(ctx, dbPath); err != nil {
		return err
	}
	if _, added, err = c.addShipped(now); err != nil {
		return err
	}
	docs, hist, err := c.build()
	if err != nil {
		return err
	}
	log.Info("building database and search index", "db", path, "dataset", data.DatasetVersion(docs),
		"previous", have, "new_versions", len(added), "reason", reason)
	start := time.Now()
	p, err := dataset.Build(ctx, path, docs, hist, dataset.Options{Phase: phaseHook, Removed: logRemoved(log)})
	if err != nil {
		return err
	}
	log.Info("dataset built", "db", path, "dir", p.Dir, "documents", len(docs), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// trustedPair returns the database and index at -db (path) that may be
// served or rebuilt from: the current dataset's, or a plain database file at
// path with its index at PATH.bleve (binaries before datasets) when the two
// hold the same dataset. Those binaries swapped them one after the other, so
// the two may differ (an ingest killed between them): then neither is
// trusted and it returns "" for both, and the dataset is built from the
// embedded documents alone. "" too when there is nothing at path.
func trustedPair(ctx context.Context, log *slog.Logger, path string) (db, idx string, err error) {
	cur, err := dataset.Current(path)
	switch {
	case err == nil:
		return cur.DB, cur.Index, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", "", nil
	case !errors.Is(err, dataset.ErrLegacy):
		return "", "", err
	}
	have, err := datasetVersion(ctx, path)
	if err != nil || have == "" {
		return "", "", err
	}
	idxHave, err := search.DatasetVersionAt(dataset.LegacyIndex(path))
	if err != nil {
		return "", "", err
	}
	if idxHave != have {
		log.Warn("the database and its index hold different datasets (an ingest did not finish); building from the embedded documents", "db", path, "database", have, "index", idxHave)
		return "", "", nil
	}
	return path, dataset.LegacyIndex(path), nil
}

// logRemoved logs what dataset.Clean and dataset.Build remove.
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
