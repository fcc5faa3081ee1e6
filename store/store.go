// Package store keeps Portolan's dataset in SQLite: Ingest builds a database file
// from extracted documents and swaps it into place atomically; Open serves it
// read-only to the web layer. Only this package writes SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/portolan/portolan/migrations"
)

// ErrNotFound is returned (wrapped) when a document or flow does not exist, so
// handlers can answer 404 with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrInvalidFilter is returned (wrapped) for a FlowFilter no query can answer: a
// port range outside 0-65535 or reversed, an unknown Sort, a negative Limit or
// Offset. Callers that validate input first never see it.
var ErrInvalidFilter = errors.New("invalid filter")

// ErrSchemaVersion is returned (wrapped) by Open when the database was built by a
// binary with a different schema. The database is derived data: the caller
// rebuilds it with Ingest.
var ErrSchemaVersion = errors.New("database schema version does not match this binary")

// DB is a read-only handle on a database built by Ingest. It is safe for
// concurrent use.
//
// Ingest replaces the file by rename: queries already running, and connections
// already open, keep reading the old data; connections the pool opens later read
// the new file. Each query runs in one transaction, so it never mixes the two,
// but callers that want every query on the new data should Open anew and Close
// the old DB.
type DB struct {
	db *sql.DB
}

// Open opens the database at path for serving. It fails with an error wrapping
// fs.ErrNotExist when there is no file, and with one wrapping ErrSchemaVersion
// when the file was built with another schema.
func Open(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Pragmas live in the DSN so every connection the pool opens gets them.
	dsn, err := fileDSN(path, "mode=ro&_busy_timeout=5000&_foreign_keys=on")
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	var v int
	if err := sdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if want := migrations.Latest(); v != want {
		sdb.Close()
		return nil, fmt.Errorf("store: open %s: schema version %d, want %d: %w", path, v, want, ErrSchemaVersion)
	}
	return &DB{db: sdb}, nil
}

// Close releases the database's connections.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// DatasetVersion returns the data.DatasetVersion of the documents the database was
// built from: callers compare it with the embedded documents' version to decide
// whether to rebuild, and use it in ETags.
func (db *DB) DatasetVersion(ctx context.Context) (string, error) {
	return db.meta(ctx, "dataset_version")
}

// ExtractorVersion returns the data.ExtractorVersion of the binary that built the
// database.
func (db *DB) ExtractorVersion(ctx context.Context) (string, error) {
	return db.meta(ctx, "extractor_version")
}

func (db *DB) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: meta %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// fileDSN makes an SQLite URI for path, escaped so that '?', '#' and '%' in a
// file name are not read as URI syntax.
func fileDSN(path, params string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("store: %s: %w", path, err)
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + params, nil
}

// readTx runs fn in a read-only transaction, so the queries of one call see one
// snapshot even if Ingest swaps the file meanwhile.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
