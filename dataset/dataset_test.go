package dataset

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

func embedded(t *testing.T) []data.Document {
	t.Helper()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// names lists dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Name())
	}
	return out
}

// Each build makes a new directory current, readable as the database is,
// with the database and index of one dataset, and removes the one it
// replaced; PATH opens as the database.
func TestBuildMakesThePairCurrentAndRemovesTheOldOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	if _, err := Current(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Current before any build: %v, want fs.ErrNotExist", err)
	}
	docs := embedded(t)
	first, err := Build(t.Context(), path, docs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Build(t.Context(), path, docs[:2], nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := Current(path)
	if err != nil || cur != second {
		t.Fatalf("Current = %+v (%v), want %+v", cur, err, second)
	}
	if got := names(t, Root(path)); !slices.Equal(got, []string{lockName, filepath.Base(second.Dir)}) {
		t.Errorf("%s holds %v, want the lock and the current dataset only", Root(path), got)
	}
	if _, err := os.Stat(first.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("replaced dataset %s still there: %v", first.Dir, err)
	}
	for _, name := range []string{cur.Dir, cur.Index, cur.DB, cur.Table} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		want := fs.FileMode(0o755)
		if !fi.IsDir() {
			want = 0o644
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.DatasetVersion(t.Context())
	if want := data.DatasetVersion(docs[:2]); err != nil || v != want {
		t.Errorf("database at PATH holds %s (%v), want %s", v, err, want)
	}
	if v, err := search.DatasetVersionAt(cur.Index); err != nil || v != data.DatasetVersion(docs[:2]) {
		t.Errorf("index holds %s (%v), want the database's", v, err)
	}
}

// A build that fails in a phase leaves the current dataset as it was and
// nothing of its own.
func TestFailedBuildLeavesTheCurrentDataset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	docs := embedded(t)
	old, err := Build(t.Context(), path, docs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{PhaseDatabase, PhaseIndex, PhaseBuilt} {
		fail := errors.New("injected")
		_, err := Build(t.Context(), path, docs[:1], nil, Options{Phase: func(p string) error {
			if p == phase {
				return fail
			}
			return nil
		}})
		if !errors.Is(err, fail) {
			t.Fatalf("failing at %s: %v", phase, err)
		}
		if cur, err := Current(path); err != nil || cur != old {
			t.Errorf("after failing at %s: current %+v (%v), want %+v", phase, cur, err, old)
		}
		if got := names(t, Root(path)); len(got) != 2 {
			t.Errorf("after failing at %s: %s holds %v", phase, Root(path), got)
		}
	}
}

// Clean removes what is not current, but not while a build holds the lock.
func TestCleanLeavesABuildUnderWayAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	if _, err := Build(t.Context(), path, embedded(t)[:1], nil, Options{}); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(Root(path), "ds-killed")
	if err := os.Mkdir(leftover, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lock(Root(path), true) // a build under way
	if err != nil {
		t.Fatal(err)
	}
	Clean(path, nil)
	if _, err := os.Stat(leftover); err != nil {
		t.Errorf("Clean removed %s while a build held the lock: %v", leftover, err)
	}
	unlock()
	var removed []string
	Clean(path, func(name string, err error) { removed = append(removed, name) })
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) || !slices.Equal(removed, []string{leftover}) {
		t.Errorf("Clean with the lock free: %s stat %v, reported %v", leftover, err, removed)
	}
}
