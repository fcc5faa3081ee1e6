package store

import (
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"testing"
)

// setSchema marks the database at path as built by schema v.
func setSchema(t *testing.T, path string, v int) {
	t.Helper()
	rw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec("PRAGMA user_version = " + strconv.Itoa(v)); err != nil {
		t.Fatal(err)
	}
}

// Every version of every document is read back from a database Open refuses
// as another schema, documents in their ingested order; one from before the
// versions table has nothing to carry.
func TestCarryVersionsFromAnotherSchema(t *testing.T) {
	docs := fixture()
	db, path := open(t, docs)
	var want []string
	for _, d := range docs {
		want = append(want, d.Slug)
	}
	texts := map[string]string{}
	for _, s := range want {
		h, err := db.History(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		texts[s] = h.Versions[len(h.Versions)-1].Raw
	}
	db.Close()
	setSchema(t, path, 7)
	if _, err := Open(t.Context(), path); !errors.Is(err, ErrSchemaVersion) {
		t.Fatalf("Open: %v, want ErrSchemaVersion", err)
	}
	slugs, vers, err := CarryVersions(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slugs, want) {
		t.Errorf("documents %v, want %v", slugs, want)
	}
	for _, s := range want {
		vs := vers[s]
		if len(vs) != 1 || vs[0].Raw != texts[s] || vs[0].Meta.Slug != s || vs[0].Number != 1 {
			t.Errorf("%s: %d versions, want its one text with its metadata", s, len(vs))
		}
	}
	setSchema(t, path, 3)
	if _, _, err := CarryVersions(t.Context(), path); !errors.Is(err, ErrNothingToCarry) {
		t.Errorf("schema 3: %v, want ErrNothingToCarry", err)
	}
}
