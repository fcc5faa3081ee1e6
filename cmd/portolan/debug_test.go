package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// -debug-addr serves pprof, expvar and serve's counts on a listener of its
// own; without it there is no such listener and the public one has none of it.
func TestServeDebugAddrServesProfilesAndCountsApart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	mustPortolan(t, "ingest", "-db", db)

	plain := startServe(t, db, "-watch", "0")
	if strings.Contains(plain.logs.String(), "debug listening") {
		t.Errorf("a debug listener without -debug-addr:\n%s", plain.logs)
	}
	if status, _ := plain.get(t, http.DefaultClient, "/debug/pprof/"); status != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the public listener = %d, want 404", status)
	}
	plain.stop(t)

	s := startServe(t, db, "-watch", "0", "-debug-addr", "127.0.0.1:0")
	m := regexp.MustCompile(`msg="debug listening" url=(http://\S+)/debug/`).FindStringSubmatch(s.logs.String())
	if m == nil {
		t.Fatalf("no debug listener logged:\n%s", s.logs)
	}
	debug := &testServer{base: m[1]}
	if status, body := debug.get(t, http.DefaultClient, "/debug/pprof/goroutine?debug=1"); status != http.StatusOK || !strings.Contains(string(body), "goroutine profile: total") {
		t.Errorf("GET /debug/pprof/goroutine = %d %.100s", status, body)
	}
	if status, body := debug.get(t, http.DefaultClient, "/debug/vars"); status != http.StatusOK || !strings.Contains(string(body), `"memstats"`) {
		t.Errorf("GET /debug/vars = %d %.100s", status, body)
	}
	if err := s.hup(t); err != nil {
		t.Fatal(err)
	}
	status, body := debug.get(t, http.DefaultClient, "/debug/portolan")
	var counts struct {
		Goroutines, Generation, Reloads int
		HeapLive                        int64 `json:"heap_live_bytes"`
		Dataset                         string
	}
	if err := json.Unmarshal(body, &counts); status != http.StatusOK || err != nil {
		t.Fatalf("GET /debug/portolan = %d %s (%v)", status, body, err)
	}
	if counts.Goroutines == 0 || counts.HeapLive == 0 || counts.Generation != 2 || counts.Reloads != 1 || counts.Dataset != datasetOf(t).version {
		t.Errorf("GET /debug/portolan = %s, want goroutines, a live heap, generation 2 after 1 reload, dataset %s", body, datasetOf(t).version)
	}
}
