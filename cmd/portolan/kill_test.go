package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/dataset"
)

// buildPortolan builds the binary into a temporary directory, with the build
// tags given.
func buildPortolan(t *testing.T, tags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "portolan")
	out, err := exec.Command("go", "build", "-tags", strings.Join(tags, ","), "-o", bin, ".").CombinedOutput()
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

// currentOf returns the files of the dataset db names.
func currentOf(t *testing.T, db string) dataset.Paths {
	t.Helper()
	p, err := dataset.Current(db)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// entries returns the names in dir, or nothing when there is no dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// building reports whether a file or directory whose name starts with prefix
// is in a dataset directory of db being built (one db does not name yet).
func building(t *testing.T, db, prefix string) bool {
	t.Helper()
	cur, _ := dataset.Current(db)
	root := dataset.Root(db)
	for _, d := range entries(t, root) {
		dir := filepath.Join(root, d)
		if !strings.HasPrefix(d, "ds-") || dir == cur.Dir {
			continue
		}
		for _, n := range entries(t, dir) {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
	}
	return false
}

// checkServes checks that serve, started on db, serves the dataset want:
// every flow of it, the extra document acme if want has it, and a search.
func checkServes(t *testing.T, db string, want shownSet) {
	t.Helper()
	s := startServe(t, db, "-watch", "0")
	defer s.stop(t)
	if got := s.apiTotal(t); got != want.total {
		t.Errorf("serve answers %d flows, want %d", got, want.total)
	}
	status, body := s.get(t, http.DefaultClient, "/api/v1/docs")
	_, hasAcme := want.docs["acme"]
	if status != http.StatusOK || strings.Contains(string(body), `"acme"`) != hasAcme {
		t.Errorf("GET /api/v1/docs = %d, acme listed %v, want %v: %.300s", status, !hasAcme, hasAcme, body)
	}
	if status, body := s.get(t, http.DefaultClient, "/flows?q=ldap"); status != http.StatusOK {
		t.Errorf("GET /flows?q=ldap = %d %.300s", status, body)
	}
	if !strings.Contains(s.logs.String(), "msg=serving db="+db+" dataset="+want.version) {
		t.Errorf("serve does not say it serves dataset %s:\n%s", want.version, s.logs)
	}
}

// An ingest killed (SIGKILL, no chance to clean up) at any phase, or failing
// in the index phase, leaves the dataset being served whole: serve then
// starts on the old pair of database and index (the new one, once the swap
// is done), not a mix, and removes what the killed ingest left.
func TestKilledIngestLeavesDatabaseAndIndexWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildPortolan(t, "faultinject")
	corpus := genCorpus(t, bin, t.TempDir(), 5000, 25)
	acme := writeAcme(t, t.TempDir())
	oldSet, newSet := datasetOf(t, acme), datasetOf(t, corpus...)

	for _, tc := range []struct {
		name    string
		fault   string // PORTOLAN_FAULT
		killAt  string // or: kill once a file of this prefix is being built
		swapped bool   // killed after the swap: the new dataset is current
	}{
		{name: "before the database", fault: "pause:" + dataset.PhaseDatabase},
		{name: "while writing the database", killAt: "portolan.db.tmp-"},
		{name: "before the index", fault: "pause:" + dataset.PhaseIndex},
		{name: "while building the index", killAt: "index.bleve.tmp-"},
		{name: "built, before the swap", fault: "pause:" + dataset.PhaseBuilt},
		{name: "swapped, before removing the old dataset", fault: "pause:" + dataset.PhaseSwapped, swapped: true},
		{name: "failing in the index phase", fault: "fail:" + dataset.PhaseIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "p.db")
			if _, errOut, err := runBin(t, bin, "ingest", "-db", db, acme); err != nil {
				t.Fatalf("ingest: %v\n%s", err, errOut)
			}
			old := currentOf(t, db)
			sum := sha256File(t, old.DB)

			cmd := exec.Command(bin, append([]string{"ingest", "-db", db}, corpus...)...)
			cmd.Env = append(os.Environ(), "PORTOLAN_FAULT="+tc.fault)
			var stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			if strings.HasPrefix(tc.fault, "fail:") {
				if err := <-exited; err == nil || !strings.Contains(stderr.String(), "injected failure at index") {
					t.Fatalf("ingest with a failing index phase: %v, want the failure reported\n%s", err, &stderr)
				}
			} else {
			poll:
				for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Millisecond) {
					select {
					case err := <-exited:
						t.Fatalf("ingest ended (%v) before reaching the phase: make the corpus bigger\n%s", err, &stderr)
					default:
					}
					if tc.fault != "" && strings.Contains(stderr.String(), "paused at ") ||
						tc.killAt != "" && building(t, db, tc.killAt) {
						break poll
					}
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("phase not reached within 5 minutes\n%s", &stderr)
					}
				}
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
					t.Fatalf("ingest: %v, want killed (it finished first?)\n%s", err, &stderr)
				}
			}

			want := oldSet
			if tc.swapped {
				want = newSet
			} else {
				if cur := currentOf(t, db); cur.Dir != old.Dir || sha256File(t, cur.DB) != sum {
					t.Errorf("%s names %s after the ingest stopped, want the old %s untouched", db, cur.Dir, old.Dir)
				}
			}
			checkServes(t, db, want)
			// serve removed what the ingest left: only the current dataset
			// is in PATH.d.
			if got := entries(t, dataset.Root(db)); len(got) != 2 || !slices.Contains(got, filepath.Base(currentOf(t, db).Dir)) {
				t.Errorf("%s holds %v after serve started, want the current dataset and the lock", dataset.Root(db), got)
			}
		})
	}
}
