package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/data/extract"
	dataread "github.com/portolan/portolan/data/read"
	"github.com/portolan/portolan/data/synth"
)

// Each hostile document (issue 17), ingested over a dataset being served, is
// either read, or refused naming its file, line and the limit it is over;
// a refused one leaves the served dataset as it was, and serve goes on
// answering from it after a reload. Memory is bounded: the ingests run in this
// process and its heap stays under 512 MB (the old extractor ran out of memory
// on two of these and took 1.45 GB on a third).
func TestHostileDocumentIsReadOrRefusedOverAServedDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 24,000 hostile rows")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	s := startServe(t, db, "-watch", "0")

	tests := []struct {
		name  string
		flows int    // flows read, when the document is read
		limit string // what the refusal names, when it is refused
		line  int
	}{
		{name: "columns-6000", limit: "table width 6000 columns is over the limit of 64", line: 3},
		{name: "cell-50MB", limit: "document size 52428853 bytes is over the limit of 16777216", line: 1},
		{name: "footnotes-4000", flows: 4000},
		{name: "unclosed-20000", flows: 20000},
		{name: "headings-20000", flows: 20000},
		{name: "inherit-50000", limit: "text of the table rows", line: 134},
		{name: "rowspan-50000", limit: "text of the cells repeated by rowspan and colspan", line: 188},
	}
	docs := map[string]synth.Hostile{}
	for _, h := range synth.HostileDocuments {
		docs[h.Name] = h
	}
	if len(docs) != len(tests) {
		t.Fatalf("%d hostile documents, %d tested", len(docs), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, docs[tt.name].File())
			if err := os.WriteFile(file, []byte(docs[tt.name].Text()), 0o644); err != nil {
				t.Fatal(err)
			}
			before, base := currentOf(t, db), s.apiTotal(t)
			var err error
			peak := peakHeap(func() { _, _, err = portolan(t, "ingest", "-db", db, file) })
			t.Logf("peak heap during the ingest: %d MB", peak>>20)
			if peak > 512<<20 {
				t.Errorf("ingest of %s took the heap to %d MB", tt.name, peak>>20)
			}
			if reloadErr := s.hup(t); reloadErr != nil {
				t.Fatalf("reload after the ingest: %v", reloadErr)
			}
			slug := extract.SlugOf(file)
			status, _ := s.get(t, http.DefaultClient, "/docs/"+slug)

			if tt.limit != "" {
				var e *extract.Error
				var le *dataread.LimitError
				if !errors.As(err, &e) || !errors.As(err, &le) || e.File != filepath.Base(file) || e.Line != tt.line || !strings.Contains(err.Error(), tt.limit) {
					t.Fatalf("ingest err = %v, want %s:%d naming %q", err, filepath.Base(file), tt.line, tt.limit)
				}
				if after := currentOf(t, db); after.Dir != before.Dir {
					t.Errorf("the refused ingest replaced the dataset %s with %s", before.Dir, after.Dir)
				}
				if got := s.apiTotal(t); got != base {
					t.Errorf("serve answers %d flows after the refused ingest, want the old %d", got, base)
				}
				if status != http.StatusNotFound {
					t.Errorf("GET /docs/%s = %d after the refused ingest, want 404", slug, status)
				}
				if code, _ := s.get(t, http.DefaultClient, "/flows?q=ldap"); code != http.StatusOK {
					t.Errorf("search answers %d after the refused ingest", code)
				}
				return
			}
			if err != nil {
				t.Fatalf("ingest of %s: %v", tt.name, err)
			}
			if status != http.StatusOK {
				t.Errorf("GET /docs/%s = %d, want 200", slug, status)
			}
			code, body := s.get(t, http.DefaultClient, "/api/v1/flows?limit=1&doc="+slug)
			if code != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`"total":%d,`, tt.flows)) {
				t.Errorf("GET /api/v1/flows?doc=%s = %d %.200s, want total %d", slug, code, body, tt.flows)
			}
		})
	}
}

// peakHeap runs f and returns the most heap in use while it ran (objects,
// live or not yet swept), sampled every millisecond: the process's whole heap,
// so the server running beside the ingest counts too.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		m := read()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				m = max(m, read())
			case <-done:
				peak <- max(m, read())
				return
			}
		}
	}()
	f()
	close(done)
	return <-peak
}
