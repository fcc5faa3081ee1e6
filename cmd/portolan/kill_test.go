package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// buildPortolan builds the binary into a temporary directory.
func buildPortolan(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "portolan")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBin runs the binary bin with args and returns what it wrote.
func runBin(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// genCorpus writes a synthetic corpus of flows flows in docs documents into
// dir with `portolan gen` and returns the documents' names.
func genCorpus(t *testing.T, bin, dir string, flows, docs int) []string {
	t.Helper()
	if _, errOut, err := runBin(t, bin, "gen", "-flows", strconv.Itoa(flows), "-docs", strconv.Itoa(docs), "-out", dir); err != nil {
		t.Fatalf("portolan gen: %v\n%s", err, errOut)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) != docs {
		t.Fatalf("portolan gen wrote %d documents (%v), want %d", len(files), err, docs)
	}
	return files
}

func sha256File(t *testing.T, name string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// temps returns the names in dir that start with prefix.
func temps(t *testing.T, dir, prefix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			found = append(found, filepath.Join(dir, e.Name()))
		}
	}
	return found
}

// checkServes checks that the database and index at db open and hold the
// dataset want, as serve would open them, and that the database answers a
// query with all of its flows.
func checkServes(t *testing.T, db string, want dataset) {
	t.Helper()
	g, err := openGeneration(t.Context(), discardLogger(), db, 1)
	if err != nil {
		t.Fatalf("serve cannot open %s: %v", db, err)
	}
	defer g.close()
	if g.dataset != want.version {
		t.Errorf("%s holds dataset %s, want %s", db, g.dataset, want.version)
	}
	if _, total, err := g.db.Flows(t.Context(), store.FlowFilter{Limit: 1}); err != nil || total != want.total {
		t.Errorf("query: %d flows (%v), want %d", total, err, want.total)
	}
}

// An ingest killed (SIGKILL, no chance to clean up) part-way leaves what is
// being served whole: killed while building the database, the database and
// index are untouched; killed while building the index, the new database is
// complete but the index is the old one, which serve refuses to pair with it
// (it keeps serving, or at start rebuilds the index). The next ingest
// succeeds beside the leftovers, and removes them once they are stale.
func TestKilledIngestLeavesDatabaseAndIndexWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildPortolan(t)
	const genFlows = 20000
	corpus := genCorpus(t, bin, t.TempDir(), genFlows, 100)

	for _, tc := range []struct {
		name   string
		killAt string // kill once a file or directory of this prefix appears
	}{
		{"during the database build", "p.db.tmp-"},
		{"during the index build", "p.db.bleve.tmp-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "p.db")
			if _, errOut, err := runBin(t, bin, "ingest", "-db", db); err != nil {
				t.Fatalf("ingest: %v\n%s", err, errOut)
			}
			oldSet := datasetOf(t)
			sum := sha256File(t, db)
			if v, err := search.DatasetVersionAt(indexPath(db)); err != nil || v != oldSet.version {
				t.Fatalf("index holds %q (%v), want %s", v, err, oldSet.version)
			}

			cmd := exec.Command(bin, append([]string{"ingest", "-db", db}, corpus...)...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
		poll:
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
				select {
				case err := <-exited:
					t.Fatalf("ingest ended (%v) before any %s* appeared: make the corpus bigger\n%s", err, tc.killAt, &stderr)
				default:
				}
				if len(temps(t, dir, tc.killAt)) > 0 {
					break poll
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no %s* within 20s", tc.killAt)
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("ingest: %v, want killed (it finished first?)\n%s", err, &stderr)
			}
			leftovers := append(temps(t, dir, "p.db.tmp-"), temps(t, dir, "p.db.bleve.tmp-")...)
			if len(leftovers) == 0 {
				t.Errorf("no temporary file left by the killed ingest: was it killed too late?")
			}

			if tc.killAt == "p.db.tmp-" {
				if sha256File(t, db) != sum {
					t.Errorf("%s changed under a killed ingest", db)
				}
				checkServes(t, db, oldSet)
			} else {
				s, err := store.Open(t.Context(), db)
				if err != nil {
					t.Fatalf("the new database does not open: %v", err)
				}
				if v, err := s.DatasetVersion(t.Context()); err != nil || v == oldSet.version {
					t.Errorf("database holds %q (%v), want the new dataset", v, err)
				}
				if _, total, err := s.Flows(t.Context(), store.FlowFilter{Limit: 1}); err != nil || total != oldSet.total+genFlows {
					t.Errorf("query: %d flows (%v), want %d", total, err, oldSet.total+genFlows)
				}
				s.Close()
				if v, err := search.DatasetVersionAt(indexPath(db)); err != nil || v != oldSet.version {
					t.Errorf("index holds %q (%v), want the old %s untouched", v, err, oldSet.version)
				}
				if _, err := openGeneration(t.Context(), discardLogger(), db, 1); !errors.Is(err, errDatasetMismatch) {
					t.Errorf("serve opening the new database with the old index: err = %v, want errDatasetMismatch", err)
				}
			}

			// The next ingest succeeds beside the leftovers and leaves them:
			// they are fresh, so they might be another ingest's.
			acme := writeAcme(t, t.TempDir())
			_, errOut, err := runBin(t, bin, "ingest", "-db", db, acme)
			if err != nil {
				t.Fatalf("ingest after the killed one: %v\n%s", err, errOut)
			}
			checkServes(t, db, datasetOf(t, acme))
			for _, l := range leftovers {
				if !strings.Contains(errOut, "leaving "+l) {
					t.Errorf("ingest does not mention the fresh leftover %s:\n%s", l, errOut)
				}
			}

			// Once stale, the next ingest removes them.
			old := time.Now().Add(-2 * staleTempAge)
			for _, l := range leftovers {
				filepath.WalkDir(l, func(name string, _ fs.DirEntry, err error) error {
					if err == nil {
						err = os.Chtimes(name, old, old)
					}
					return err
				})
			}
			_, errOut, err = runBin(t, bin, "ingest", "-db", db)
			if err != nil {
				t.Fatalf("ingest: %v\n%s", err, errOut)
			}
			for _, l := range leftovers {
				if _, err := os.Stat(l); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("stale %s not removed (%v):\n%s", l, err, errOut)
				}
				if !strings.Contains(errOut, "removed "+l) {
					t.Errorf("ingest does not say it removed %s:\n%s", l, errOut)
				}
			}
			checkServes(t, db, oldSet)
		})
	}
}
