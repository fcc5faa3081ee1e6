package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

// Downloads that stall (the client asks for a whole CSV export and never
// reads) do not starve the server: with twice as many of them as the
// database has pooled connections, each stuck on a full socket (50,000
// flows, 9 MB of CSV each), /healthz, a page and an API listing, none
// cached, still answer.
func TestStalledDownloadsDoNotStarveThePages(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 50,000 flows")
	}
	db := ownSynthDB(t, 50000, 100)
	srv := httptest.NewServer(web.New(slog.New(slog.DiscardHandler), db, nil))
	defer srv.Close()
	host := srv.Listener.Addr().String()

	const stalled = 16
	for i := range stalled {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(4 << 10) // a small window: the server's writes block early
		// Each its own URL, so none waits for another's render in the
		// response cache; most all flows, some a filtered selection.
		path := "/flows.csv?offset=" + strconv.Itoa(i)
		if i%4 == 3 {
			path += "&proto=tcp"
		}
		if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	// Each stream has its first rows out and is blocked once its socket is
	// full; there is no signal for that from outside, so give them time.
	time.Sleep(3 * time.Second)

	// Generous against a loaded machine, far below the write timeout a
	// stalled stream would hold a connection for.
	c := &http.Client{Timeout: 10 * time.Second}
	for _, p := range []string{"/healthz", "/flows?port=389&proto=tcp", "/api/v1/flows?proto=udp&limit=5&port=53"} {
		start := time.Now()
		resp, err := c.Get(srv.URL + p)
		if err != nil {
			t.Errorf("GET %s with %d downloads stalled: %v", p, stalled, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
		t.Logf("GET %s: %v", p, time.Since(start).Round(time.Millisecond))
	}
}
