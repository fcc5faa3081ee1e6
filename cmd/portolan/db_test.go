package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
