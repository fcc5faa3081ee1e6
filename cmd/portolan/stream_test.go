package main

import (
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// inFlight is the number of requests serve's debug listener at debug says are
// running.
func inFlight(t *testing.T, debug *testServer) int {
	t.Helper()
	status, body := debug.get(t, http.DefaultClient, "/debug/portolan")
	var counts struct {
		InFlight int `json:"in_flight"`
	}
	if err := json.Unmarshal(body, &counts); status != http.StatusOK || err != nil {
		t.Fatalf("GET /debug/portolan = %d %s (%v)", status, body, err)
	}
	return counts.InFlight
}

// Downloads that stall (the client asks for the whole CSV export and never
// reads) do not starve the server: with more of them than the database has
// pooled connections, each stuck on a full socket (50,000 flows, 9 MB of
// CSV), /healthz, a search page
// and an API listing, none cached, still answer.
func TestStalledDownloadsDoNotStarveThePages(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 50,000 flows")
	}
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	mustPortolan(t, "gen", "-flows", "50000", "-docs", "100", "-out", corpus)
	files, err := filepath.Glob(filepath.Join(corpus, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, append([]string{"ingest", "-db", db}, files...)...)

	s := startServe(t, db, "-watch", "0", "-debug-addr", "127.0.0.1:0")
	m := regexp.MustCompile(`msg="debug listening" url=(http://\S+)/debug/`).FindStringSubmatch(s.logs.String())
	if m == nil {
		t.Fatalf("no debug listener logged:\n%s", s.logs)
	}
	debug := &testServer{base: m[1]}

	// Twice the largest pool the store opens on a machine this size: every
	// connection would be held if a stream kept one while it waits.
	const stalled = 16
	host := s.base[len("http://"):]
	for i := range stalled {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// A small window, so the server's writes block early.
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		// Each its own URL, so none waits for another's render in the
		// response cache; most all flows (9 MB each: more than the
		// socket buffers hold), some a filtered selection.
		path := "/flows.csv?offset=" + strconv.Itoa(i)
		if i%4 == 3 {
			path += "&proto=tcp"
		}
		if _, err := c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); inFlight(t, debug) < stalled; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d downloads running after 30s", inFlight(t, debug), stalled)
		}
	}
	time.Sleep(time.Second) // for the streams to fill their sockets and block

	// Generous against a loaded machine, far below the write timeout (60s)
	// a stalled stream would hold a connection for.
	c := &http.Client{Timeout: 10 * time.Second}
	for _, p := range []string{"/healthz", "/flows?q=ldap&port=389", "/api/v1/flows?proto=udp&limit=5"} {
		start := time.Now()
		resp, err := c.Get(s.base + p)
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
	if n := inFlight(t, debug); n < stalled {
		t.Errorf("only %d downloads still running: they finished into the socket buffers, so the test proved nothing; make the dataset bigger", n)
	}
}
