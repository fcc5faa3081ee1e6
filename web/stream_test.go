package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/synth"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// ownSynthDB ingests a synthetic dataset of flows flows into a database of
// the test's own, which the test may close under a request.
func ownSynthDB(t *testing.T, flows, docs int) *store.DB {
	t.Helper()
	db, _ := ownSynthDataset(t, flows, docs, false)
	return db
}

// ownSynthDataset is ownSynthDB with, if withIndex, its search index.
func ownSynthDataset(t *testing.T, flows, docs int, withIndex bool) (*store.DB, *search.Index) {
	t.Helper()
	dir := t.TempDir()
	var list []data.Document
	err := synth.Generate(synth.Options{Flows: flows, Docs: docs, Seed: 5}, func(name string, b []byte) error {
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range files {
		d, err := extract.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, d)
	}
	path := filepath.Join(dir, "portolan.db")
	if err := store.Ingest(context.Background(), path, list); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if !withIndex {
		return db, nil
	}
	if err := search.Build(context.Background(), path+".bleve", list); err != nil {
		t.Fatal(err)
	}
	idx, err := search.Open(path + ".bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return db, idx
}

// failAfter passes a response on and, once more than n bytes have gone
// through, calls fail (once): a fault injected into a stream under way.
type failAfter struct {
	http.ResponseWriter
	n    int
	fail func()
	once sync.Once
}

func (f *failAfter) Write(p []byte) (int, error) {
	f.n -= len(p)
	if f.n < 0 {
		f.once.Do(f.fail)
	}
	return f.ResponseWriter.Write(p)
}

func (f *failAfter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// A CSV export whose database fails once the 200 and the first rows have gone
// out does not end like a complete file: the client's read fails (the
// chunked body is cut without its end), and the failure is logged at ERROR
// with the request ID.
func TestCSVStreamFailingMidwayIsAnErrorForTheClient(t *testing.T) {
	for _, path := range []string{"/flows.csv", "/flows.csv?proto=tcp"} {
		t.Run(path, func(t *testing.T) {
			db := ownSynthDB(t, 3000, 6)
			var logs bytes.Buffer
			var mu sync.Mutex
			log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
			h := web.New(log, db, nil, web.WithCache(0, 0))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(&failAfter{ResponseWriter: w, n: 32 << 10, fail: func() { db.Close() }}, r)
			}))
			defer srv.Close()

			// Uncompressed, so the bytes failAfter counts are the CSV's.
			c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			resp, err := c.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (the failure comes after it)", resp.StatusCode)
			}
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Fatalf("read %d bytes and a clean end: a cut export looks complete", len(body))
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Logf("read error: %v", err)
			}
			if len(body) < 32<<10 {
				t.Errorf("only %d bytes before the cut, want the rows sent before the failure", len(body))
			}
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(logs.String(), `level=ERROR msg="stream failed"`) {
				t.Errorf("failure not logged at ERROR:\n%s", &logs)
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
