package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/dataset"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// testServer is `portolan serve` running in the test process on a free port of
// 127.0.0.1, with its SIGHUP and its reload results wired to channels.
type testServer struct {
	base     string
	logs     *syncBuffer
	reload   chan os.Signal
	reloaded chan error
	done     chan error
	cancel   context.CancelFunc
	stopped  bool
}

// startServe starts serve on the database at db with the extra flags given and
// waits until it listens. It is stopped at the end of the test.
func startServe(t *testing.T, db string, flags ...string) *testServer {
	t.Helper()
	return startServeTimeout(t, db, 0, flags...)
}

// startServeTimeout is startServe with the server's write timeout set to
// writeTimeout (0: serve's own).
func startServeTimeout(t *testing.T, db string, writeTimeout time.Duration, flags ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{
		logs:     &syncBuffer{},
		reload:   make(chan os.Signal),
		reloaded: make(chan error, 100),
		done:     make(chan error, 1),
		cancel:   cancel,
	}
	addr := make(chan net.Addr, 1)
	hooks := serveHooks{
		reload:    s.reload,
		listening: func(a net.Addr) { addr <- a },
		reloaded:  func(err error) { s.reloaded <- err },

		writeTimeout: writeTimeout,
	}
	args := append([]string{"-addr", "127.0.0.1:0", "-db", db}, flags...)
	go func() { s.done <- serveWith(ctx, args, s.logs, hooks) }()
	select {
	case a := <-addr:
		s.base = "http://" + a.String()
	case err := <-s.done:
		t.Fatalf("serve returned before listening: %v\n%s", err, s.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not listen within 60s:\n%s", s.logs)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the server down as SIGINT does and checks it stopped cleanly.
func (s *testServer) stop(t *testing.T) {
	t.Helper()
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil\n%s", err, s.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30s of cancel:\n%s", s.logs)
	}
}

// hup asks for a reload as SIGHUP does and returns its result.
func (s *testServer) hup(t *testing.T) error {
	t.Helper()
	select {
	case s.reload <- syscall.SIGHUP:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not take SIGHUP within 30s:\n%s", s.logs)
	}
	select {
	case err := <-s.reloaded:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("no reload result within 30s of SIGHUP:\n%s", s.logs)
	}
	return nil
}

// get fetches path and returns the status and body.
func (s *testServer) get(t *testing.T, c *http.Client, path string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(s.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, body
}

// apiTotal is the total of /api/v1/flows, failing the test on anything but 200.
func (s *testServer) apiTotal(t *testing.T) int {
	t.Helper()
	status, body := s.get(t, http.DefaultClient, "/api/v1/flows?limit=1")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/flows = %d %s", status, body)
	}
	var r struct{ Total int }
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r.Total
}

// writeAcme writes the extra document acme.txt (two flows, in a document of
// its own) with its metadata into dir and returns its name.
func writeAcme(t *testing.T, dir string) string {
	t.Helper()
	doc := filepath.Join(dir, "acme.txt")
	if err := os.WriteFile(doc, []byte(strings.Replace(badDocument, "70000", "8443", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	meta := `{"slug":"acme","vendor":"Acme","product":"Widget","language":"en","url":"https://acme.example/ports"}`
	if err := os.WriteFile(filepath.Join(dir, "acme.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	return doc
}

// loadDocuments extracts the embedded documents and then each extra file, in the
// order given, as a fresh `portolan ingest FILE...` reads them.
func loadDocuments(files []string, opts ...loadOptions) ([]data.Document, error) {
	var opt loadOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	docs, err := extract.Embedded()
	if err != nil {
		return nil, fmt.Errorf("embedded documents: %w", err)
	}
	seen := make(map[string]string, len(docs)+len(files))
	for _, d := range docs {
		seen[d.Slug] = "the embedded document " + d.File
	}
	for _, name := range files {
		d, err := extract.LoadFile(name, opt.meta)
		if err != nil {
			return nil, wrapFileError(name, err)
		}
		warnings := extract.Warnings(d)
		if opt.warnings != nil {
			for _, w := range warnings {
				fmt.Fprintf(opt.warnings, "warning: %s\n", w)
			}
		}
		if opt.strict && len(warnings) > 0 {
			return nil, fmt.Errorf("%s (and %d warnings in all; -strict refuses a document with any)", warnings[0], len(warnings))
		}
		if prev, ok := seen[d.Slug]; ok {
			return nil, fmt.Errorf("%s: document slug %q is already used by %s; give this one another slug in its metadata", name, d.Slug, prev)
		}
		seen[d.Slug] = name
		docs = append(docs, d)
	}
	return docs, nil
}

// shownSet is what a response must show in full to belong to one dataset.
type shownSet struct {
	version string
	total   int            // flows in all
	docs    map[string]int // flows per document
}

func datasetOf(t *testing.T, files ...string) shownSet {
	t.Helper()
	docs, err := loadDocuments(files)
	if err != nil {
		t.Fatal(err)
	}
	d := shownSet{version: data.DatasetVersion(docs), docs: map[string]int{}}
	for _, doc := range docs {
		d.docs[doc.Slug] = countFlows(doc)
		d.total += countFlows(doc)
	}
	return d
}

// response is what one request of the load saw.
type response struct {
	path       string
	start, end time.Time
	status     int
	dataset    string // version of the dataset the response wholly shows, or ""
	problem    string // why it shows none, or the request's error
}

// classify says which of the datasets the body of a 200 response to path
// wholly shows: the API's total, its list of flows, the documents and their
// counts, and the overview page's links and total must all agree with one.
func classify(path string, body []byte, sets ...shownSet) (string, string) {
	var match func(d shownSet) error
	switch {
	case strings.HasPrefix(path, "/api/v1/flows"):
		var r struct {
			Total int
			Flows []struct{ Doc string }
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return "", err.Error()
		}
		perDoc := map[string]int{}
		for _, f := range r.Flows {
			perDoc[f.Doc]++
		}
		match = func(d shownSet) error {
			if r.Total != d.total || len(r.Flows) != d.total {
				return fmt.Errorf("total %d with %d flows", r.Total, len(r.Flows))
			}
			if !mapsEqual(perDoc, d.docs) {
				return fmt.Errorf("flows per document %v", perDoc)
			}
			return nil
		}
	case strings.HasPrefix(path, "/api/v1/docs"):
		var r struct {
			Docs []struct {
				ID    string
				Flows int
			}
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return "", err.Error()
		}
		perDoc := map[string]int{}
		for _, d := range r.Docs {
			perDoc[d.ID] = d.Flows
		}
		match = func(d shownSet) error {
			if !mapsEqual(perDoc, d.docs) {
				return fmt.Errorf("documents %v", perDoc)
			}
			return nil
		}
	case path == "/":
		page := string(body)
		match = func(d shownSet) error {
			for slug := range d.docs {
				if !strings.Contains(page, `href="/docs/`+slug+`"`) {
					return fmt.Errorf("no link to %s", slug)
				}
			}
			if strings.Contains(page, `href="/docs/acme"`) && d.docs["acme"] == 0 {
				return errors.New("a link to acme")
			}
			if !strings.Contains(page, ">"+strconv.Itoa(d.total)+" flows") && !strings.Contains(page, strconv.Itoa(d.total)+" flows") {
				return fmt.Errorf("no total of %d flows", d.total)
			}
			return nil
		}
	default:
		panic("classify: no rule for " + path)
	}
	var why []string
	for _, d := range sets {
		err := match(d)
		if err == nil {
			return d.version, ""
		}
		why = append(why, fmt.Sprintf("not %s: %v", d.version, err))
	}
	return "", strings.Join(why, "; ")
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// progress is the responses hammer has had so far, for a test to wait on.
type progress struct {
	mu  sync.Mutex
	all []response
}

func (p *progress) add(r response) {
	p.mu.Lock()
	p.all = append(p.all, r)
	p.mu.Unlock()
}

// wait returns once n responses to requests started after since have come,
// failing the test after a minute: what the test waits for is the load
// itself, not a guess at how long it takes.
func (p *progress) wait(t *testing.T, n int, since time.Time) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		p.mu.Lock()
		got := 0
		for _, r := range p.all {
			if r.start.After(since) {
				got++
			}
		}
		p.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d responses to requests since %v after a minute, want %d", got, since.Format(time.StampMicro), n)
		}
		time.Sleep(2 * time.Millisecond) // polling: the count decides, not the wait
	}
}

// hammer requests paths from workers goroutines, round robin, until stop is
// closed, adding every response, classified against sets, to p.
func hammer(s *testServer, workers int, paths []string, stop <-chan struct{}, p *progress, sets ...shownSet) {
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers},
	}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := response{path: paths[i%len(paths)], start: time.Now()}
				resp, err := client.Get(s.base + r.path)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					r.status = resp.StatusCode
				}
				r.end = time.Now()
				switch {
				case err != nil:
					r.problem = err.Error()
				case r.status != http.StatusOK:
					r.problem = fmt.Sprintf("status %d: %.200s", r.status, body)
				default:
					r.dataset, r.problem = classify(r.path, body, sets...)
				}
				p.add(r)
			}
		})
	}
	wg.Wait()
}

// Re-ingesting while serving, then SIGHUP: requests before the reload see the
// old dataset (even after the ingest has renamed the new files into place),
// requests after it the new one, and none sees part of each.
func TestReloadUnderLoadServesEachRequestFromOneDataset(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	acme := writeAcme(t, dir)
	oldSet, newSet := datasetOf(t), datasetOf(t, acme)

	s := startServe(t, db, "-watch", "0")
	stop := make(chan struct{})
	p := &progress{}
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		paths := []string{"/api/v1/flows?limit=1000", "/api/v1/docs", "/"}
		hammer(s, 6, paths, stop, p, oldSet, newSet)
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-loaded
	}()

	p.wait(t, 20, time.Time{})
	mustPortolan(t, "ingest", "-db", db, acme) // renames both files under the server
	// Requests after the new files are in place, before the reload: the
	// old dataset still answers them.
	p.wait(t, 20, time.Now())
	asked := time.Now()
	if err := s.hup(t); err != nil {
		t.Fatalf("reload: %v\n%s", err, s.logs)
	}
	reloaded := time.Now()
	// More reloads of the same files, each once requests run on the
	// generation it closes.
	last := reloaded
	for range 5 {
		p.wait(t, 10, last)
		if err := s.hup(t); err != nil {
			t.Fatalf("reload: %v\n%s", err, s.logs)
		}
		last = time.Now()
	}
	p.wait(t, 20, last)
	close(stop)
	<-loaded
	responses := p.all

	var nOld, nNew, bad int
	report := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, r := range responses {
		switch {
		case r.problem != "":
			report("GET %s: %s", r.path, r.problem)
		case r.end.Before(asked) && r.dataset != oldSet.version:
			report("GET %s answered before the reload from dataset %s, want the old one %s", r.path, r.dataset, oldSet.version)
		case r.start.After(reloaded) && r.dataset != newSet.version:
			report("GET %s asked after the reload answered from dataset %s, want the new one %s", r.path, r.dataset, newSet.version)
		case r.dataset == oldSet.version:
			nOld++
		default:
			nNew++
		}
	}
	t.Logf("%d responses: %d from the old dataset, %d from the new, %d bad", len(responses), nOld, nNew, bad)
	if nOld == 0 || nNew == 0 {
		t.Errorf("%d responses from the old dataset and %d from the new: the load did not span the reload", nOld, nNew)
	}
	if got := s.apiTotal(t); got != newSet.total {
		t.Errorf("after the reload: total %d, want %d", got, newSet.total)
	}
	want := fmt.Sprintf("msg=reloaded trigger=SIGHUP dataset=%s previous=%s", newSet.version, oldSet.version)
	if !strings.Contains(s.logs.String(), want) {
		t.Errorf("no log %q:\n%s", want, s.logs)
	}
}

// openUnder returns the targets of the test process's open file descriptors
// that lie under dir.
func openUnder(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open files: %v", err)
	}
	var files []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			files = append(files, target)
		}
	}
	slices.Sort(files)
	return files
}

// pins returns the database links serve holds in dir.
func pins(t *testing.T, dir string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, "p.db"+pinSuffix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// Each reload closes the database and index it replaced once their requests are
// done: after several ingests and reloads the process holds the files of one
// dataset, and after shutdown none.
func TestReloadClosesReplacedDatasets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	acme := writeAcme(t, dir)

	s := startServe(t, db, "-watch", "0")
	warm := func() {
		for _, p := range []string{"/api/v1/flows?limit=1000", "/api/v1/docs", "/flows?q=ldap", "/docs/citrix/diagram.svg"} {
			if status, body := s.get(t, http.DefaultClient, p); status != http.StatusOK {
				t.Fatalf("GET %s = %d %.200s", p, status, body)
			}
		}
		http.DefaultClient.CloseIdleConnections()
	}
	warm()
	before := openUnder(t, dir)
	if len(before) == 0 {
		t.Fatal("serve holds no file under the test directory open: cannot tell a leak")
	}

	for i := range 4 {
		args := []string{"ingest", "-db", db}
		if i%2 == 0 {
			args = append(args, acme)
		}
		mustPortolan(t, args...)
		if err := s.hup(t); err != nil {
			t.Fatalf("reload %d: %v", i+1, err)
		}
		warm()
	}

	var after []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = openUnder(t, dir)
		deleted := slices.ContainsFunc(after, func(f string) bool { return strings.HasSuffix(f, " (deleted)") })
		if len(after) <= len(before) && !deleted && len(pins(t, dir)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 4 reloads, %d files open (before: %d), links %v:\n%s\nbefore:\n%s",
				len(after), len(before), pins(t, dir), strings.Join(after, "\n"), strings.Join(before, "\n"))
		}
	}
	for _, f := range after {
		if strings.Contains(f, pinSuffix) && !strings.HasSuffix(f, pinSuffix+strconv.Itoa(os.Getpid())+"-5") {
			t.Errorf("a database of a replaced generation is still open: %s", f)
		}
	}

	s.stop(t)
	if open := openUnder(t, dir); len(open) > 0 {
		t.Errorf("after shutdown, files still open:\n%s", strings.Join(open, "\n"))
	}
	if p := pins(t, dir); len(p) > 0 {
		t.Errorf("after shutdown, database links left: %v", p)
	}
}

// A reload while the database and the index hold different datasets (files
// of the current dataset replaced by hand: ingest never pairs them so) keeps
// the dataset being served; once they agree, the next reload takes them.
func TestReloadKeepsServingWhenIndexHoldsAnotherDataset(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	acme := writeAcme(t, dir)
	oldSet, newSet := datasetOf(t), datasetOf(t, acme)
	docs, err := loadDocuments([]string{acme})
	if err != nil {
		t.Fatal(err)
	}

	s := startServe(t, db, "-watch", "0")
	cur := currentOf(t, db)
	if err := store.Ingest(t.Context(), cur.DB, docs); err != nil {
		t.Fatal(err)
	}
	err = s.hup(t)
	if !errors.Is(err, errDatasetMismatch) {
		t.Errorf("reload with a new database and the old index: err = %v, want errDatasetMismatch", err)
	}
	if got := s.apiTotal(t); got != oldSet.total {
		t.Errorf("after the refused reload: total %d, want the old %d", got, oldSet.total)
	}
	if !strings.Contains(s.logs.String(), "level=WARN msg=\"reload failed; serving the previous dataset\" dataset="+oldSet.version) {
		t.Errorf("no warning about the refused reload:\n%s", s.logs)
	}

	if err := search.Build(t.Context(), cur.Index, docs); err != nil {
		t.Fatal(err)
	}
	if err := s.hup(t); err != nil {
		t.Fatalf("reload once the index matches: %v", err)
	}
	if got := s.apiTotal(t); got != newSet.total {
		t.Errorf("after the reload: total %d, want %d", got, newSet.total)
	}
}

// With -watch, serve notices an ingest by itself: it reloads once the
// database and index both hold the new dataset, and not again while nothing
// changes.
func TestServeWatchReloadsAfterIngest(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	acme := writeAcme(t, dir)
	newSet := datasetOf(t, acme)

	s := startServe(t, db, "-watch", "20ms")
	mustPortolan(t, "ingest", "-db", db, acme)
	for deadline := time.After(30 * time.Second); ; {
		select {
		case err := <-s.reloaded:
			if err != nil {
				t.Logf("attempt: %v", err) // the database renamed, the index not yet
				continue
			}
		case <-deadline:
			t.Fatalf("no reload within 30s of the ingest:\n%s", s.logs)
		}
		break
	}
	if got := s.apiTotal(t); got != newSet.total {
		t.Errorf("after the watcher's reload: total %d, want %d", got, newSet.total)
	}
	if !strings.Contains(s.logs.String(), "msg=reloaded trigger=watch dataset="+newSet.version) {
		t.Errorf("no reload log:\n%s", s.logs)
	}
	select {
	case err := <-s.reloaded:
		t.Errorf("another reload attempt with nothing changed (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
}

// Links left by a serve that was killed are removed at the next start; those
// of a serve still running are not.
func TestServeRemovesDatabaseLinksOfDeadServes(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	// The parent (go test) is alive; a pid above any pid_max is not.
	alive := db + pinSuffix + strconv.Itoa(os.Getppid()) + "-1"
	dead := db + pinSuffix + "2147483646-1"
	for _, l := range []string{alive, dead} {
		if err := os.Link(db, l); err != nil {
			t.Skipf("no hard links here: %v", err)
		}
	}
	s := startServe(t, db, "-watch", "0")
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("link of a dead serve kept: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("link of a live serve removed: %v", err)
	}
	s.stop(t)
}

// testGeneration is a generation without files whose handler writes its
// dataset name, after entered and block if given, and answers 500 if the
// generation was closed while the request ran on it.
func testGeneration(name string, seq int, entered chan<- struct{}, block <-chan struct{}) *generation {
	g := &generation{seq: seq, dataset: name, idle: make(chan struct{})}
	g.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if entered != nil {
			entered <- struct{}{}
		}
		if block != nil {
			<-block
		}
		select {
		case <-g.idle:
			http.Error(w, "generation closed under a request", http.StatusInternalServerError)
		default:
			io.WriteString(w, name)
		}
	})
	return g
}

func serveOnce(l *live) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	return rec
}

// waitOpen waits until l has n generations open.
func waitOpen(t *testing.T, l *live, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); l.open.Load() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d generations open, want %d", l.open.Load(), n)
		}
	}
}

func TestReplacedGenerationStaysOpenUntilItsRequestsFinish(t *testing.T) {
	l := &live{log: discardLogger(), stop: make(chan struct{})}
	entered, block := make(chan struct{}, 1), make(chan struct{})
	one := testGeneration("one", 1, entered, block)
	l.cur.Store(one)
	l.open.Add(1)
	slow := make(chan *httptest.ResponseRecorder)
	go func() { slow <- serveOnce(l) }()
	<-entered

	l.install(testGeneration("two", 2, nil, nil), "test")
	if rec := serveOnce(l); rec.Body.String() != "two" {
		t.Errorf("a request after the swap got %d %q, want the new generation's", rec.Code, rec.Body)
	}
	time.Sleep(50 * time.Millisecond)
	if n := l.open.Load(); n != 2 {
		t.Errorf("%d generations open with a request running on the replaced one, want 2", n)
	}
	close(block)
	if rec := <-slow; rec.Code != http.StatusOK || rec.Body.String() != "one" {
		t.Errorf("the request running across the swap got %d %q, want 200 from the old generation", rec.Code, rec.Body)
	}
	waitOpen(t, l, 1)
	l.close()
	if n := l.open.Load(); n != 0 {
		t.Errorf("%d generations open after close", n)
	}
	if rec := serveOnce(l); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a request after close got %d, want 503", rec.Code)
	}
}

// Swapping generations as fast as possible under concurrent requests: every
// request is served by a generation that stays open until it is done, and
// every generation is closed in the end.
func TestSwappingGenerationsUnderConcurrentRequests(t *testing.T) {
	l := &live{log: discardLogger(), stop: make(chan struct{})}
	l.cur.Store(testGeneration("1", 1, nil, nil))
	l.open.Add(1)
	var (
		stop   = make(chan struct{})
		wg     sync.WaitGroup
		served atomic.Int64
	)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if rec := serveOnce(l); rec.Code != http.StatusOK || rec.Body.Len() == 0 {
					t.Errorf("got %d %q", rec.Code, rec.Body)
					return
				}
				served.Add(1)
			}
		})
	}
	for i := 2; i <= 500; i++ {
		l.install(testGeneration(strconv.Itoa(i), i, nil, nil), "test")
		time.Sleep(100 * time.Microsecond)
	}
	close(stop)
	wg.Wait()
	waitOpen(t, l, 1)
	l.close()
	if n := l.open.Load(); n != 0 {
		t.Errorf("%d generations open after close", n)
	}
	t.Logf("%d requests across 500 generations", served.Load())
}

// A dataset without its flow table file (built by a binary before them,
// or the file removed or damaged) is served as it was: serve lists its
// flows and writes the file again, and a serve started after that lists
// the same from the file; a dataset replaced by an ingest goes with its
// file.
func TestServeWritesTheTableFileOfADatasetWithoutOne(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	cur, err := dataset.Current(db)
	if err != nil {
		t.Fatal(err)
	}
	const page = "/flows?port=443"
	var want []byte
	for i, damage := range []func(){
		func() { os.Remove(cur.Table) },
		func() {},
		func() { os.WriteFile(cur.Table, []byte("PTLNTAB\n not whole"), 0o644) },
	} {
		damage()
		s := startServe(t, db, "-watch", "0")
		status, body := s.get(t, http.DefaultClient, page)
		if status != http.StatusOK {
			t.Fatalf("start %d: GET %s = %d", i, page, status)
		}
		if want == nil {
			want = body
		} else if string(body) != string(want) {
			t.Errorf("start %d: %s differs from the first start's", i, page)
		}
		s.stop(t)
		if _, err := os.Stat(cur.Table); err != nil {
			t.Fatalf("start %d: no table file after serving: %v", i, err)
		}
	}
	acme := writeAcme(t, dir)
	mustPortolan(t, "ingest", "-db", db, acme)
	if _, err := os.Stat(cur.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("replaced dataset %s still there: %v", cur.Dir, err)
	}
	next, err := dataset.Current(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(next.Table); err != nil {
		t.Errorf("the new dataset has no table file: %v", err)
	}
}
