package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/synth"
	"github.com/portolan/portolan/dataset"
)

// A CSV download running when a reload replaces the dataset finishes from the
// dataset it started on, every row of it, even when it lasts longer than the
// server's write timeout (which bounds pages, not downloads): the replaced
// dataset stays open until its last reader is done.
func TestDownloadSpanningAReloadCompletesFromItsDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a dataset of 20,000 flows")
	}
	const flows = 20000 // about 6 MB of CSV: more than the socket buffers hold
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	var big []data.Document
	err := synth.Generate(synth.Options{Flows: flows, Docs: 20, Seed: 11}, func(name string, b []byte) error {
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
		big = append(big, d)
	}
	ctx := context.Background()
	if _, err := dataset.Build(ctx, db, big, nil, dataset.Options{}); err != nil {
		t.Fatal(err)
	}

	const writeTimeout = time.Second
	s := startServeTimeout(t, db, writeTimeout, "-watch", "0")

	// A client with a small receive buffer that asks for no compression, so
	// that the server is held by it rather than writing ahead into the
	// kernel.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, DialContext: (&net.Dialer{
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10)
			})
			if err != nil {
				return err
			}
			return serr
		}}).DialContext}}
	resp, err := client.Get(s.base + "/flows.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /flows.csv = %d", resp.StatusCode)
	}
	br := bufio.NewReaderSize(resp.Body, 4<<10)
	if _, err := br.Peek(1); err != nil {
		t.Fatal(err)
	}

	// A new dataset (the shipped documents only), made current and reloaded
	// while the download has most of its rows to go.
	shipped, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Build(ctx, db, shipped, nil, dataset.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.hup(t); err != nil {
		t.Fatal(err)
	}
	if n := s.apiTotal(t); n != 308 {
		t.Fatalf("after the reload the API lists %d flows, want the new dataset's 308", n)
	}

	// The rest, read slowly: the download outlasts the write timeout, and
	// the replaced dataset's retirement, several times over.
	start := time.Now()
	slow := &slowReader{r: br, chunk: 64 << 10, every: 30 * time.Millisecond}
	rows, err := csv.NewReader(slow).ReadAll()
	if err != nil {
		t.Fatalf("the download spanning the reload failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	}
	if took := time.Since(start); took < 2*writeTimeout {
		t.Errorf("the rest of the download took %v: the test means it to outlast the write timeout, %v, twice", took, writeTimeout)
	}
	if got := len(rows) - 1; got != flows {
		t.Errorf("the download has %d rows, want the %d of the dataset it started on", got, flows)
	}
	if strings.HasPrefix(rows[len(rows)-1][0], "\ufeff") || len(rows[len(rows)-1]) != len(rows[0]) {
		t.Errorf("last row %q is not a whole row", rows[len(rows)-1])
	}
}

// slowReader gives at most chunk bytes every so often.
type slowReader struct {
	r     io.Reader
	chunk int
	every time.Duration
	left  int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		time.Sleep(s.every)
		s.left = s.chunk
	}
	if len(p) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= n
	return n, err
}
