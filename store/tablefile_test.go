package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// build writes a database of docs into dir with its flow table file, as
// a dataset build does, and returns their paths.
func build(t testing.TB, dir string, docs []data.Document) (dbPath, tablePath string) {
	t.Helper()
	ctx := context.Background()
	dbPath, tablePath = filepath.Join(dir, "portolan.db"), filepath.Join(dir, "flows.table")
	b, err := NewBuilder(ctx, dbPath, TableFile(tablePath))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for d, flows := range data.Seqs(docs) {
		if err := b.Add(ctx, d, flows, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return dbPath, tablePath
}

// openDB opens the database at path, with its table file if not "".
func openDB(t testing.TB, path, table string) *DB {
	t.Helper()
	var opts []Option
	if table != "" {
		opts = append(opts, TableFile(table))
	}
	db, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// listings is what a server shows of db's flow table, as text: listings
// with their facets, the common ports, the roles and the documents'
// counts.
func listings(t testing.TB, db *DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{"", "port=443", "port=50000", "port=1-1024", "proto=udp", "doc=alpha",
		"port=443&proto=tcp", "req=required", "dir=inbound", "src=server", "page=2"} {
		for _, sort := range []string{"", "port"} {
			ff := FlowFilter{Filter: where(q), Sort: sort, Limit: 3}
			flows, total, fc, err := db.Listing(ctx, ff, FlowFilter{})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s: %d %v %+v\n", q, sort, total, ids(flows), fc)
		}
	}
	ports, err := db.CommonPorts(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	roles, err := db.RoleCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := db.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "ports %+v\nroles %+v\n", ports, roles)
	for _, d := range docs {
		fmt.Fprintf(&b, "%+v\n", d)
	}
	return b.String()
}

// fromFile reports whether db's flow table was read from its file.
func fromFile(t testing.TB, db *DB) bool {
	t.Helper()
	if err := db.loadTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db.table.keep != nil
}

// A dataset built with its table file lists from the file exactly what
// it lists from its database.
func TestTableFileListsWhatTheDatabaseLists(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for name, docs := range map[string][]data.Document{"fixture": fixture(), "embedded": docs} {
		t.Run(name, func(t *testing.T) {
			dbPath, tablePath := build(t, t.TempDir(), docs)
			if _, err := os.Stat(tablePath); err != nil {
				t.Fatalf("no table file after the build: %v", err)
			}
			withFile := openDB(t, dbPath, tablePath)
			if !fromFile(t, withFile) {
				t.Fatal("the table was not read from its file")
			}
			want, got := listings(t, openDB(t, dbPath, "")), listings(t, withFile)
			if got != want {
				t.Errorf("from the file:\n%s\nfrom the database:\n%s", got, want)
			}
		})
	}
}

// A table file that is missing, cut short, damaged or not one at all is
// not used: the table is read from the database, lists the same, and the
// file is written again, whole, for the next start.
func TestDamagedTableFileIsRebuiltFromTheDatabase(t *testing.T) {
	dir := t.TempDir()
	dbPath, tablePath := build(t, dir, fixture())
	good, err := os.ReadFile(tablePath)
	if err != nil {
		t.Fatal(err)
	}
	want := listings(t, openDB(t, dbPath, ""))
	flip := func(at int) []byte {
		b := []byte(string(good))
		b[at] ^= 0x40
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte // nil: no file
	}{
		{"missing", nil},
		{"empty", []byte{}},
		{"cut in half", good[:len(good)/2]},
		{"last byte missing", good[:len(good)-1]},
		{"a byte too many", append([]byte(string(good)), 0)},
		{"a byte of the body changed", flip(len(good) - 5)},
		{"a byte of the key changed", flip(40)},
		{"format changed", flip(8)},
		{"not a table file", []byte(strings.Repeat("SQLite format 3\x00", 100))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(tablePath)
			if tc.data != nil {
				if err := os.WriteFile(tablePath, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			db := openDB(t, dbPath, tablePath)
			if fromFile(t, db) {
				t.Fatal("the table was read from a damaged file")
			}
			if got := listings(t, db); got != want {
				t.Errorf("lists:\n%s\nwant:\n%s", got, want)
			}
			again := openDB(t, dbPath, tablePath)
			if !fromFile(t, again) {
				t.Fatal("the file was not written again")
			}
			if got := listings(t, again); got != want {
				t.Errorf("from the new file:\n%s\nwant:\n%s", got, want)
			}
			if b, err := os.ReadFile(tablePath); err != nil || string(b) != string(good) {
				t.Errorf("the file written again differs from the one the build wrote (%v)", err)
			}
		})
	}
	// No temporaries left beside it.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("%s left in the dataset directory", e.Name())
		}
	}
}

// The table file of another dataset, put where a dataset's own should be,
// is not used: the dataset lists its own flows.
func TestTableFileOfAnotherDatasetIsNotUsed(t *testing.T) {
	docs := fixture()
	other := fixture()
	other[0].Checksum = "another text"
	other[0].Sections[0].Flows = other[0].Sections[0].Flows[:1]
	dbPath, tablePath := build(t, t.TempDir(), docs)
	_, otherTable := build(t, t.TempDir(), other)
	want := listings(t, openDB(t, dbPath, ""))
	b, err := os.ReadFile(otherTable)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tablePath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dbPath, tablePath)
	if fromFile(t, db) {
		t.Fatal("the table was read from another dataset's file")
	}
	if got := listings(t, db); got != want {
		t.Errorf("lists:\n%s\nwant:\n%s", got, want)
	}
}

// A database opened with a table file where none can be written (its
// directory is gone) still lists from the database.
func TestTableFileThatCannotBeWrittenIsNotNeeded(t *testing.T) {
	dbPath, _ := build(t, t.TempDir(), fixture())
	want := listings(t, openDB(t, dbPath, ""))
	table := filepath.Join(t.TempDir(), "gone", "flows.table")
	db := openDB(t, dbPath, table)
	if got := listings(t, db); got != want {
		t.Errorf("lists:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(table); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("table file: %v", err)
	}
}
