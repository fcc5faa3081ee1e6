// Package store keeps Portolan's dataset in SQLite: Ingest builds a database file
// from extracted documents and swaps it into place atomically; Open serves it
// read-only to the web layer. Only this package writes SQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/mattn/go-sqlite3"

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
// A DB reads the file it opened for as long as it is open: Ingest replaces the
// file by rename, and the DB keeps reading the old one through the fixed pool
// of connections Open made (it never opens one to a file that has taken the
// path since: see ErrReplaced), so a server never mixes two datasets; it opens
// the new one with Open and closes the old DB.
type DB struct {
	db   *sql.DB
	file *os.File // the database file, held open while the DB is
	// table is every flow's filterable columns (see flowTable), read on
	// first use (loadTable): an export that streams every row never needs it.
	table     *flowTable
	tableOnce sync.Once
	tableErr  error

	findingsOnce sync.Once
	findings     seqSet // flows with findings: see flowsWithFindings
	findingsErr  error

	docsOnce sync.Once
	docs     []DocSummary
	docsErr  error
	langs    map[string]string // see DocLanguages
	titlesEn map[string]string // see SectionTitlesEn

	portsOnce sync.Once
	ports     []portUse // see CommonPorts

	// tableFile is where the flow table is kept as a file (TableFile), or "".
	tableFile string
	// fileDocs are the documents' summaries loadTable read with the
	// table from tableFile (or wrote into it), for Documents.
	fileDocs []DocSummary
}

// An Option changes how Open opens a database or NewBuilder builds one.
type Option func(*options)

type options struct {
	tableFile string
}

// TableFile keeps the database's flow table in the file at path as well:
// NewBuilder writes it beside the database it builds, and a DB Open made
// reads its table from it (mapped, used in place) rather than from the
// database, which at a million flows is most of a server's start. The
// database stays the source of truth: a file that is missing, damaged,
// or derived from another database's table is never used, and the DB
// writes a new one from its own table. path is best in the dataset's own
// directory, so that it goes when the dataset does.
func TableFile(path string) Option {
	return func(o *options) { o.tableFile = path }
}

func optionsOf(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Open opens the database at path for serving; the first listing reads its
// flow table into memory (tens of megabytes at a million flows). It fails with an error
// wrapping fs.ErrNotExist when there is no file, and with one wrapping
// ErrSchemaVersion when the file was built with another schema.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := openFile(ctx, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.tableFile = optionsOf(opts).tableFile
	return db, nil
}

func openFile(ctx context.Context, f *os.File) (*DB, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// The file never changes once built (Ingest writes a new one), so SQLite
	// may treat it as immutable: no locks, no journal checks. Pragmas live in
	// the DSN so every connection gets them; each connection keeps its
	// prepared statements (the listing's few queries are the same each time)
	// and reads the file mapped (Connect), not copied page by page.
	dsn, err := fileDSN(f.Name(), "mode=ro&immutable=1&_foreign_keys=on&_stmt_cache_size=64")
	if err != nil {
		return nil, err
	}
	sdb := sql.OpenDB(pinnedConnector{dsn: dsn, path: f.Name(), file: fi})
	// A fixed pool, opened now and never recycled: connections are not
	// reopened later, when the path may name another file.
	n := max(4, 2*runtime.GOMAXPROCS(0))
	sdb.SetMaxOpenConns(n)
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	conns := make([]*sql.Conn, 0, n)
	for range n {
		c, err := sdb.Conn(ctx)
		if err != nil {
			sdb.Close()
			return nil, err
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close() // back to the pool, idle
	}
	var v int
	if err := sdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		sdb.Close()
		return nil, err
	}
	if want := migrations.Latest(); v != want {
		sdb.Close()
		return nil, fmt.Errorf("schema version %d, want %d: %w", v, want, ErrSchemaVersion)
	}
	if err := checkFlowTable(ctx, sdb); err != nil {
		sdb.Close()
		return nil, err
	}
	return &DB{db: sdb, file: f}, nil
}

// ErrReplaced is returned (wrapped) when a DB needs a new connection and its
// path now names another file: a re-ingest replaced it. The DB never reads
// the new file (its flow table is the old one's); the caller opens the new
// file with Open.
var ErrReplaced = errors.New("database file replaced since it was opened")

// pinnedConnector opens connections to the file a DB opened and refuses to
// open one to any other file that took its path.
type pinnedConnector struct {
	dsn  string
	path string
	file os.FileInfo
}

func (p pinnedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := p.same(); err != nil {
		return nil, err
	}
	c, err := p.Driver().Open(p.dsn)
	if err != nil {
		return nil, err
	}
	// Replaced between the check and the open: the connection may be on the
	// new file.
	if err := p.same(); err != nil {
		c.Close()
		return nil, err
	}
	// Read through a memory map: a page of a listing's rows is not in the
	// connection's small page cache, and copying it in costs a system call.
	// The file never changes while mapped (Ingest writes a new one).
	if _, err := c.(driver.ExecerContext).ExecContext(ctx, "PRAGMA mmap_size = 1073741824", nil); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (p pinnedConnector) same() error {
	fi, err := os.Stat(p.path)
	if err != nil || !os.SameFile(fi, p.file) {
		return fmt.Errorf("%s: %w", p.path, ErrReplaced)
	}
	return nil
}

func (pinnedConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// Close releases the database's connections and file.
func (db *DB) Close() error {
	err := db.db.Close()
	if ferr := db.file.Close(); err == nil {
		err = ferr
	}
	if err != nil {
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

// loadTable reads the flow table on first use: from the table file, if
// the DB has one and it holds this database's table, else from the
// database (and then writes the file anew).
func (db *DB) loadTable(ctx context.Context) error {
	db.tableOnce.Do(func() {
		ctx := context.WithoutCancel(ctx)
		if db.tableFile == "" {
			db.table, db.tableErr = loadFlowTable(ctx, db.db)
			return
		}
		key, err := dbTableKey(ctx, db.db)
		if err != nil {
			db.tableErr = fmt.Errorf("flow table: %w", err)
			return
		}
		if db.table, db.fileDocs, err = readTableFile(db.tableFile, key); err == nil {
			return
		}
		if db.table, db.tableErr = loadFlowTable(ctx, db.db); db.tableErr != nil {
			return
		}
		var docs []DocSummary
		err = db.readTx(ctx, func(tx *sql.Tx) error {
			docs, err = docSummaries(ctx, tx)
			return err
		})
		if err != nil {
			return // Documents reads them, or fails
		}
		summarise(docs, db.table)
		db.fileDocs = docs
		// A file the next start can use. Without one (a read-only
		// directory, a full disk) the table is read from the database
		// each time, as without TableFile.
		writeTableFile(db.tableFile, key, db.table, docs)
	})
	return db.tableErr
}

// Warm reads now what the first listings would otherwise read on first use:
// the flow table and its word, name and section indexes, the documents, the
// port index and the common ports. A server calls
// it after opening a dataset, so the first requests do not pay for it and
// the memory it measures afterwards (see cmd/portolan boundMemory) is what
// the dataset really keeps.
func (db *DB) Warm(ctx context.Context) error {
	if err := db.loadTable(ctx); err != nil {
		return fmt.Errorf("store: warm: %w", err)
	}
	if _, err := db.Documents(ctx); err != nil {
		return err
	}
	// What a listing needs first, then the overview's common ports: a
	// listing asked for meanwhile waits for no more than its own needs.
	db.table.portIndex()
	db.table.wordIndex()
	db.table.sectionOrder()
	db.table.facetRows()
	if _, err := db.CommonPorts(ctx, 1); err != nil {
		return err
	}
	return nil
}
