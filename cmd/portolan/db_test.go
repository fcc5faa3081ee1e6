package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/dataset"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// serve rebuilds a database only when its embedded part is stale: one built by
// `portolan ingest FILE` keeps the extra documents, and its search index covers them.
func TestServeKeepsExtraDocumentsIngestedBeside(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	doc := filepath.Join(dir, "acme.txt")
	if err := os.WriteFile(doc, []byte(strings.Replace(badDocument, "70000", "8443", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustPortolan(t, "ingest", "-db", db, doc)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := ensureDatabase(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), db, true); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("serve's check rebuilt a database whose embedded documents are current")
	}
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Document(ctx, "acme"); err != nil {
		t.Errorf("extra document gone after serve's check: %v", err)
	}
}

// legacyPair writes a database of dbDocs at db and an index of idxDocs at
// db.bleve, as binaries before datasets laid them out.
func legacyPair(t *testing.T, db string, dbDocs, idxDocs []data.Document) {
	t.Helper()
	if err := store.Ingest(t.Context(), db, dbDocs); err != nil {
		t.Fatal(err)
	}
	if err := search.Build(t.Context(), dataset.LegacyIndex(db), idxDocs); err != nil {
		t.Fatal(err)
	}
}

// A database file and index from before datasets are taken into a dataset when
// they hold one dataset (extra documents kept); when they don't (an ingest
// killed between its two renames), serve trusts neither and builds from the
// embedded documents. Either way the old index directory is removed.
func TestServeMigratesLegacyDatabaseOnlyWhenItsIndexMatches(t *testing.T) {
	acme := writeAcme(t, t.TempDir())
	withAcme, err := loadDocuments([]string{acme})
	if err != nil {
		t.Fatal(err)
	}
	embedded := embeddedDocs(t)
	for _, tc := range []struct {
		name        string
		db, idx     []data.Document
		wantVersion string
	}{
		{"a complete pair", withAcme, withAcme, data.DatasetVersion(withAcme)},
		{"a new database beside the old index", withAcme, embedded, data.DatasetVersion(embedded)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "p.db")
			legacyPair(t, db, tc.db, tc.idx)
			if err := ensureDatabase(t.Context(), discardLogger(), db, true); err != nil {
				t.Fatal(err)
			}
			g, err := openGeneration(t.Context(), discardLogger(), db, 1)
			if err != nil {
				t.Fatalf("serve cannot open the migrated dataset: %v", err)
			}
			defer g.close()
			if g.dataset != tc.wantVersion {
				t.Errorf("serves dataset %s, want %s", g.dataset, tc.wantVersion)
			}
			if _, err := os.Stat(dataset.LegacyIndex(db)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("old index directory left: %v", err)
			}
		})
	}
}

// Ingest refuses a document whose slug is outside the safe alphabet, or
// whose text holds a character that would not show as itself (NUL, a
// right-to-left override), naming the file (and line), and leaves the
// dataset as it was.
func TestIngestRefusesUnsafeSlugsAndHiddenCharacters(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	before := currentOf(t, db)
	good := strings.Replace(badDocument, "70000", "8443", 1)
	for _, tc := range []struct {
		name, text, meta, want string
	}{
		{"slug", good, `{"slug":"../../Etc Passwd"}`, `document slug "../../Etc Passwd"`},
		{"nul", strings.Replace(good, "Web UI", "Web\x00UI", 1), "", "line 5: holds the control character U+0000"},
		{"rlo", strings.Replace(good, "Agent", "Agent \u202Etxt.exe", 1), "", "line 6: holds the control character U+202E"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name+".txt")
			if err := os.WriteFile(file, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.meta != "" {
				if err := os.WriteFile(filepath.Join(dir, tc.name+".json"), []byte(tc.meta), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := portolan(t, "ingest", "-db", db, file)
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ingest: %v, want an error naming %s and %q", err, file, tc.want)
			}
			if cur := currentOf(t, db); cur != before {
				t.Errorf("dataset changed to %s", cur.Dir)
			}
		})
	}
}

// A database whose flow table was encoded by an older binary (another
// store.flowTableFormat) is rebuilt at start, as one of another schema is:
// makeOlder runs stmt on the current database of the dataset at db, which
// must make it one this binary's store refuses as built by another schema.
func makeOlder(t *testing.T, db, stmt string) {
	t.Helper()
	cur, err := dataset.Current(db)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := sql.Open("sqlite3", cur.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec(stmt); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(t.Context(), db); !errors.Is(err, store.ErrSchemaVersion) {
		t.Fatalf("after %q the database opens: %v", stmt, err)
	}
}

// serve then answers from the new one.
func TestServeRebuildsDatabaseOfAnOlderFlowTable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	log := discardLogger()
	if err := ensureDatabase(t.Context(), log, db, true); err != nil {
		t.Fatal(err)
	}
	makeOlder(t, db, "UPDATE flow_table SET format = format - 1")
	if err := ensureDatabase(t.Context(), log, db, true); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
	defer s.Close()
	flows, total, err := s.Flows(t.Context(), store.FlowFilter{})
	if err != nil || total == 0 || len(flows) != total {
		t.Errorf("after the rebuild: %d of %d flows listed, %v", len(flows), total, err)
	}
	if v, err := s.DatasetVersion(t.Context()); err != nil || v != data.DatasetVersion(embeddedDocs(t)) {
		t.Errorf("after the rebuild: dataset %q (%v), want the embedded documents'", v, err)
	}
}

// A database of another schema is rebuilt by serve from every version it
// holds: an ingested document and its history survive a new binary, with the
// same flow IDs, instead of the dataset falling back to the shipped documents.
func TestServeRebuildsDatabaseOfAnotherSchemaKeepingIngestedDocuments(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	doc := filepath.Join(dir, "acme.txt")
	first := strings.Replace(badDocument, "70000", "8443", 1)
	for _, text := range []string{first, strings.Replace(first, "8443", "9443", 1)} {
		if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		mustPortolan(t, "ingest", "-db", db, doc)
	}
	ctx := t.Context()
	idsOf := func() (ids []string, versions int) {
		t.Helper()
		s, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f, err := filter.Filter{}.With("doc", "acme")
		if err != nil {
			t.Fatal(err)
		}
		flows, _, err := s.Flows(ctx, store.FlowFilter{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range flows {
			ids = append(ids, f.ID)
		}
		vs, err := s.Versions(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		return ids, len(vs)
	}
	ids, nv := idsOf()
	if len(ids) == 0 || nv != 2 {
		t.Fatalf("before: %d flows of acme, %d versions; want some and 2", len(ids), nv)
	}
	makeOlder(t, db, "PRAGMA user_version = 7")
	if err := ensureDatabase(ctx, discardLogger(), db, true); err != nil {
		t.Fatal(err)
	}
	after, nvAfter := idsOf()
	if nvAfter != 2 || strings.Join(after, " ") != strings.Join(ids, " ") {
		t.Errorf("after the rebuild: acme has %d versions and flows %v; want 2 and %v", nvAfter, after, ids)
	}
}
