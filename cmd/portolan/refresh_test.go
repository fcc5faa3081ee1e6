package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/portolan/portolan/store"
)

// vendorPage is an httptest server standing in for a vendor's page: it
// serves the text set last, with an ETag, and answers 304 to a request that
// names the current one.
type vendorPage struct {
	mu       sync.Mutex
	text     string
	etag     string
	requests []http.Header
}

func (p *vendorPage) set(text, etag string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.text, p.etag = text, etag
}

func (p *vendorPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r.Header.Clone())
	if r.Header.Get("If-None-Match") == p.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", p.etag)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(p.text))
}

// hybridText is one of data/versions' test texts of Microsoft's hybrid
// identity ports page (v1, v2, v3).
func hybridText(t *testing.T, v string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "data", "versions", "testdata", "hybrid-identity-"+v+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func versionsOf(t *testing.T, db, slug string) int {
	t.Helper()
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vs, err := s.Versions(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return len(vs)
}

func TestRefreshAddsVersionsOnlyWhereThePageChanged(t *testing.T) {
	page := &vendorPage{}
	page.set(hybridText(t, "v1"), `"v1"`)
	srv := httptest.NewServer(page)
	defer srv.Close()
	gone := &vendorPage{}
	gone.set("Port | Protocol | Description |\n---|---|---|\n8443 | TCP | Console |\n", `"a"`)
	goneSrv := httptest.NewServer(gone)

	db := filepath.Join(t.TempDir(), "p.db")
	url := srv.URL + "/hybrid/reference-connect-ports"
	out := mustPortolan(t, "ingest", "-db", db, url, goneSrv.URL+"/acme/ports")
	if !strings.Contains(out, "reference-connect-ports: new document, version 1") || !strings.Contains(out, "ports: new document, version 1") {
		t.Fatalf("ingest URL output:\n%s", out)
	}

	// Unchanged: the server answers 304 to the ETag it gave.
	out = mustPortolan(t, "refresh", "-db", db)
	if !strings.Contains(out, "reference-connect-ports: not modified since version 1") {
		t.Errorf("refresh of an unchanged page:\n%s", out)
	}
	if h := page.requests[len(page.requests)-1]; h.Get("If-None-Match") != `"v1"` {
		t.Errorf("refresh did not send the ETag: %v", h)
	}
	if n := versionsOf(t, db, "reference-connect-ports"); n != 1 {
		t.Errorf("%d versions after an unchanged refresh, want 1", n)
	}

	// Changed: a new version, and what changed, row by row.
	page.set(hybridText(t, "v2"), `"v2"`)
	out = mustPortolan(t, "refresh", "-db", db)
	for _, want := range []string{"reference-connect-ports: version 2: 1 added, 12 changed", "added ", "Global Catalog", "protocols: \"TCP/UDP\" -> \"TCP\""} {
		if !strings.Contains(out, want) {
			t.Errorf("refresh of a changed page does not say %q:\n%s", want, out)
		}
	}
	if n := versionsOf(t, db, "reference-connect-ports"); n != 2 {
		t.Errorf("%d versions, want 2", n)
	}

	// The same text under a new ETag adds nothing.
	page.set(hybridText(t, "v2"), `"v2b"`)
	out = mustPortolan(t, "refresh", "-db", db)
	if !strings.Contains(out, "reference-connect-ports: unchanged since version 2") {
		t.Errorf("refresh of the same text:\n%s", out)
	}

	// Unreachable: that document keeps its version and the refresh says why
	// and fails; the other document still gets its new version.
	goneSrv.Close()
	page.set(hybridText(t, "v3"), `"v3"`)
	out, _, err := portolan(t, "refresh", "-db", db)
	if !errors.Is(err, errRefreshFailed) {
		t.Errorf("refresh with an unreachable page: err = %v, want errRefreshFailed", err)
	}
	if !strings.Contains(out, "ports: kept version 1: fetch "+goneSrv.URL+"/acme/ports: ") {
		t.Errorf("refresh does not say why it kept a version:\n%s", out)
	}
	if !strings.Contains(out, "reference-connect-ports: version 3: ") || !strings.Contains(out, `renamed throughout: "Azure AD"`) {
		t.Errorf("refresh does not report version 3 and its rename:\n%s", out)
	}
	if versionsOf(t, db, "ports") != 1 || versionsOf(t, db, "reference-connect-ports") != 3 {
		t.Error("versions after a partly failed refresh are not 1 and 3")
	}

	// A page that answers with an error keeps the version too.
	page.mu.Lock()
	page.etag = `"broken"`
	page.text = ""
	page.mu.Unlock()
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	out, _, err = portolan(t, "refresh", "-db", db)
	if err == nil || !strings.Contains(out, "reference-connect-ports: kept version 3: ") || !strings.Contains(out, "503 Service Unavailable") {
		t.Errorf("refresh against a 503: err %v\n%s", err, out)
	}
	if versionsOf(t, db, "reference-connect-ports") != 3 {
		t.Error("a failed fetch changed the versions")
	}
}

func TestIngestOfANewVersionPrintsWhatChangedAsRefreshDoes(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	doc := filepath.Join(dir, "hybrid-ports.txt")
	ingest := func(v string) string {
		t.Helper()
		if err := os.WriteFile(doc, []byte(hybridText(t, v)), 0o644); err != nil {
			t.Fatal(err)
		}
		return mustPortolan(t, "ingest", "-db", db, doc)
	}
	if out := ingest("v1"); !strings.Contains(out, "hybrid-ports: new document, version 1") {
		t.Fatalf("first ingest:\n%s", out)
	}
	out := ingest("v2")
	for _, want := range []string{
		"hybrid-ports: version 2: 1 added, 12 changed",
		"by impact: 1 added, 11 transport_changed, 1 wording",
		"Global Catalog | TCP 3268",
		"[transport_changed]",
		`protocols: "TCP/UDP" -> "TCP"`,
		"unchanged: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ingest of version 2 does not say %q:\n%s", want, out)
		}
	}
	out = ingest("v3")
	for _, want := range []string{
		"by impact: 1 port_added, 1 transport_changed, 1 removed, 1 wording",
		`renamed throughout: "Azure AD" -> "Microsoft Entra"`,
		"removed ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ingest of version 3 does not say %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Microsoft Entra\" /") != 1 {
		t.Errorf("the document-wide rename is not reported once:\n%s", out)
	}
}
