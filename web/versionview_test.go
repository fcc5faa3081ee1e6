package web_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// threeVersions is a dataset of the test documents and a document "hybrid"
// of three versions: data/versions' texts of Microsoft's hybrid identity
// ports page (v1 to v2: port 3268 added, eleven rows from TCP/UDP to TCP; v2
// to v3: "Azure AD" renamed "Microsoft Entra" throughout, one row removed,
// one port added), served by a real server over a real SQLite file and bleve
// index.
type threeVersions struct {
	url     string
	hist    versions.History
	counts  [3]int // flows of each version
	added   string // the flow version 2 added (Global Catalog, 3268)
	changed string // a flow version 2 changed from TCP/UDP to TCP (MS-RPC, 135)
	removed string // a flow version 3 removed
	db      *store.DB
	idx     *search.Index
}

var threeVersionsOnce struct {
	sync.Mutex
	tv  *threeVersions
	dir string      // its files, removed by TestMain
	srv *web.Server // closed by TestMain
	ts  *httptest.Server
}

func hybridVersions(t testing.TB) *threeVersions {
	t.Helper()
	threeVersionsOnce.Lock()
	defer threeVersionsOnce.Unlock()
	if tv := threeVersionsOnce.tv; tv != nil {
		return tv
	}
	tv := &threeVersions{}
	var h versions.History
	var prev data.Document
	for i, v := range []string{"v1", "v2", "v3"} {
		b, err := os.ReadFile(filepath.Join("..", "data", "versions", "testdata", "hybrid-identity-"+v+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m data.Meta
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m.Slug = "hybrid"
		raw, err := os.ReadFile(filepath.Join("..", "data", "versions", "testdata", m.File))
		if err != nil {
			t.Fatal(err)
		}
		d, err := extract.Extract(m, raw)
		if err != nil {
			t.Fatal(err)
		}
		ver := data.Version{Meta: m, Captured: time.Date(2024, time.Month(1+4*i), 1, 0, 0, 0, 0, time.UTC)}
		if i == 0 {
			h = versions.Start(d, ver)
		} else if _, err := h.Add(prev, &d, ver); err != nil {
			t.Fatal(err)
		}
		tv.counts[i] = len(d.OrderedFlows())
		prev = d
	}
	tv.hist = h
	tv.added = h.Diffs[0].Added[0].ID
	for _, c := range h.Diffs[0].Changed {
		if slices.Contains(c.Impacts, versions.TransportChanged) && c.New.PortsRaw == "135 (TCP)" {
			tv.changed = c.New.ID
		}
	}
	tv.removed = h.Diffs[1].Removed[0].Flow.ID
	if tv.changed == "" {
		t.Fatal("version 2 has no MS-RPC 135 row changed from TCP/UDP to TCP")
	}

	docs := append(slices.Clone(allDocs(t)), prev)
	dir, err := os.MkdirTemp("", "portolan-versions-test-")
	if err != nil {
		t.Fatal(err)
	}
	threeVersionsOnce.dir = dir
	path := filepath.Join(dir, "portolan.db")
	ctx := t.Context()
	if err := store.IngestHistory(ctx, path, docs, map[string]versions.History{"hybrid": h}); err != nil {
		t.Fatal(err)
	}
	if err := search.Build(ctx, path+".bleve", docs); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := search.Open(path + ".bleve")
	if err != nil {
		t.Fatal(err)
	}
	tv.db, tv.idx = db, idx
	srv := web.New(nil, db, idx)
	ts := httptest.NewServer(srv)
	tv.url = ts.URL
	threeVersionsOnce.tv, threeVersionsOnce.dir, threeVersionsOnce.srv, threeVersionsOnce.ts = tv, dir, srv, ts
	return tv
}

// fetch gets path from the server and returns status, headers and body.
func (tv *threeVersions) fetch(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(tv.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (tv *threeVersions) ok(t *testing.T, path string) string {
	t.Helper()
	status, _, body := tv.fetch(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d: %.300s", path, status, body)
	}
	return body
}

func (tv *threeVersions) apiFlows(t *testing.T, path string) (int, []data.Flow) {
	t.Helper()
	var r struct {
		Total int
		Flows []data.Flow
	}
	if err := json.Unmarshal([]byte(tv.ok(t, path)), &r); err != nil {
		t.Fatal(err)
	}
	return r.Total, r.Flows
}

func TestDocumentPageAtAnEarlierVersion(t *testing.T) {
	tv := hybridVersions(t)
	if tv.counts[0] == tv.counts[1] {
		t.Fatalf("versions 1 and 2 have the same number of flows (%d): the test cannot tell them apart", tv.counts[0])
	}
	body := tv.ok(t, "/docs/hybrid?v=1")
	for _, want := range []string{
		`data-testid="version-banner">You are looking at version 1 of 3 of Hybrid Identity Required Ports and Protocols, captured 2024-01-01 00:00 UTC. The latest is version 3, captured 2024-09-01 00:00 UTC.`,
		`<a href="/docs/hybrid" data-testid="version-latest">`,
		`<option value="1" selected>`,
		`href="/flows/` + tv.changed + `?v=1"`, // flow links keep the version
		`href="/docs/hybrid.csv?v=1"`,
		`href="/flows?doc=hybrid&amp;v=1"`,
		"Azure AD Connect", // the wording of version 1
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /docs/hybrid?v=1 lacks %q", want)
		}
	}
	if strings.Contains(body, tv.added) || strings.Contains(body, "Microsoft Entra") {
		t.Error("the page of version 1 shows a flow or a wording of a later version")
	}
	if n := strings.Count(body, `data-testid="flow-link"`); n == 0 {
		t.Error("no flows listed")
	}
	// Sections link to their page at the version.
	if !strings.Contains(body, `?v=1"`) || strings.Contains(body, `/changes?v=1`) {
		t.Error("the document's links do not keep the version, or its changes link does")
	}

	latest := tv.ok(t, "/docs/hybrid")
	if strings.Contains(latest, "version-banner") || !strings.Contains(latest, `<option value="3" selected>`) {
		t.Error("the latest version's page has a banner or does not select version 3")
	}
	if !strings.Contains(latest, "Microsoft Entra") || !strings.Contains(latest, `data-testid="version-picker"`) {
		t.Error("the latest page lacks the renamed wording or the version picker")
	}
	// v naming the latest version is the latest.
	if b := tv.ok(t, "/docs/hybrid?v=3"); strings.Contains(b, "version-banner") {
		t.Error("v=3, the latest, shows the banner of an earlier version")
	}
	// A document of one version has no picker.
	if b := tv.ok(t, "/docs/citrix"); strings.Contains(b, "version-picker") {
		t.Error("a document of one version has a version picker")
	}
	// The source as written, of the version.
	src := tv.ok(t, "/docs/hybrid/source?v=1")
	if !strings.Contains(src, "Azure AD") || strings.Contains(src, "Microsoft Entra") {
		t.Error("the source of version 1 is not its text")
	}
	// A section's page, and its diagram, as they were.
	secPage := tv.ok(t, "/docs/hybrid/table-1-azure-ad-connect-and-on-premises-ad?v=1")
	if !strings.Contains(secPage, "version-banner") || !strings.Contains(secPage, `href="/flows/`+tv.changed+`?v=1"`) {
		t.Error("the section page at version 1 does not show the section as it was")
	}
	if !strings.Contains(secPage, `/docs/hybrid/table-1-azure-ad-connect-and-on-premises-ad/diagram.svg?v=1"`) {
		t.Error("the section page at version 1 does not link to its diagram at version 1")
	}
	tv.ok(t, "/docs/hybrid/table-1-azure-ad-connect-and-on-premises-ad/diagram.svg?v=1")
}

func TestListingsAndExportsAtAnEarlierVersion(t *testing.T) {
	tv := hybridVersions(t)
	for i, n := range tv.counts {
		v := string(rune('1' + i))
		total, flows := tv.apiFlows(t, "/api/v1/flows?doc=hybrid&limit=1000&v="+v)
		if total != n || len(flows) != n {
			t.Errorf("API v=%s: %d flows (total %d), want %d", v, len(flows), total, n)
		}
		body := tv.ok(t, "/flows?doc=hybrid&v="+v)
		if v != "3" && !strings.Contains(body, "version-banner") {
			t.Errorf("/flows v=%s: no banner", v)
		}
	}
	// The changed flow as it was: TCP/UDP at version 1, TCP since.
	_, flows := tv.apiFlows(t, "/api/v1/flows?doc=hybrid&port=135&v=1")
	if len(flows) != 1 || flows[0].ID != tv.changed || !slices.Equal(flows[0].Protocols, []string{"TCP", "UDP"}) {
		t.Errorf("port 135 at version 1: %+v, want %s over TCP and UDP", flows, tv.changed)
	}
	_, flows = tv.apiFlows(t, "/api/v1/flows?doc=hybrid&port=135")
	if len(flows) != 1 || flows[0].ID != tv.changed || !slices.Equal(flows[0].Protocols, []string{"TCP"}) {
		t.Errorf("port 135 latest: %+v, want %s over TCP", flows, tv.changed)
	}
	// Facet and pager links of the listing keep the version.
	body := tv.ok(t, "/flows?doc=hybrid&v=1")
	if !strings.Contains(body, `data-testid="facet-link"`) || !strings.Contains(body, `&amp;v=1" class=`) {
		t.Error("the facet links of /flows?doc=hybrid&v=1 do not keep the version")
	}
	if strings.Contains(body, tv.added) {
		t.Error("the listing of version 1 lists the flow version 2 added")
	}

	// CSV of the listing and of the document: the version's rows, named so.
	status, h, text := tv.fetch(t, "/flows.csv?doc=hybrid&v=1")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if status != http.StatusOK || err != nil || len(rows)-1 != tv.counts[0] {
		t.Errorf("/flows.csv v=1: %d, %d rows (%v), want %d", status, len(rows)-1, err, tv.counts[0])
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "-v1.csv") {
		t.Errorf("/flows.csv v=1 named %q", cd)
	}
	if strings.Contains(text, tv.added) || !strings.Contains(text, "TCP/UDP") {
		t.Error("/flows.csv v=1 has a later version's rows")
	}
	status, h, text = tv.fetch(t, "/docs/hybrid.csv?v=2")
	rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if status != http.StatusOK || err != nil || len(rows)-1 != tv.counts[1] || !strings.Contains(text, tv.added) {
		t.Errorf("/docs/hybrid.csv?v=2: %d, %d rows, want %d with %s", status, len(rows)-1, tv.counts[1], tv.added)
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "portolan-hybrid-v2.csv") {
		t.Errorf("/docs/hybrid.csv?v=2 named %q", cd)
	}

	// The document in the API.
	var doc struct {
		Version, Versions, Flows int
		URL                      string
	}
	if err := json.Unmarshal([]byte(tv.ok(t, "/api/v1/docs/hybrid?v=1")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || doc.Versions != 3 || doc.Flows != tv.counts[0] || doc.URL != "/docs/hybrid?v=1" {
		t.Errorf("/api/v1/docs/hybrid?v=1 = %+v", doc)
	}
	if err := json.Unmarshal([]byte(tv.ok(t, "/api/v1/docs/hybrid")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 3 || doc.Flows != tv.counts[2] {
		t.Errorf("/api/v1/docs/hybrid = %+v", doc)
	}

	// Ports and hosts with the document selected.
	if b := tv.ok(t, "/ports/3268?doc=hybrid&v=1"); strings.Contains(b, tv.added) || !strings.Contains(b, "version-banner") {
		t.Error("/ports/3268 at version 1 lists the flow version 2 added, or has no banner")
	}
	if b := tv.ok(t, "/ports/3268?doc=hybrid&v=2"); !strings.Contains(b, tv.added) {
		t.Error("/ports/3268 at version 2 does not list the flow it added")
	}
	if b := tv.ok(t, "/hosts?doc=hybrid&v=1"); !strings.Contains(b, "version-banner") {
		t.Error("/hosts?doc=hybrid&v=1 has no banner")
	}
	if status, _, _ := tv.fetch(t, "/hosts.csv?doc=hybrid&v=1"); status != http.StatusOK {
		t.Errorf("/hosts.csv v=1: %d", status)
	}

	// The diagram of the document, as it was.
	svg := tv.ok(t, "/docs/hybrid/diagram.svg?v=1")
	if !strings.Contains(svg, "Azure AD") || strings.Contains(svg, "Microsoft Entra") {
		t.Error("the diagram of version 1 does not draw its wording")
	}
	if !strings.Contains(tv.ok(t, "/docs/hybrid/diagram.svg"), "Microsoft Entra") {
		t.Error("the latest diagram does not draw the renamed wording")
	}
}

// Text search at an earlier version searches that version's text: its own
// index, not the latest's.
func TestSearchAtAnEarlierVersionSearchesItsText(t *testing.T) {
	tv := hybridVersions(t)
	total, _ := tv.apiFlows(t, "/api/v1/flows?doc=hybrid&q=Entra&v=2")
	if total != 0 {
		t.Errorf("q=Entra at version 2 (before the rename) finds %d flows, want 0", total)
	}
	total, _ = tv.apiFlows(t, "/api/v1/flows?doc=hybrid&q=Entra")
	if total == 0 {
		t.Error("q=Entra at the latest version finds nothing")
	}
	total, flows := tv.apiFlows(t, "/api/v1/flows?doc=hybrid&q=%22Global+Catalog%22&v=2")
	if total != 1 || flows[0].ID != tv.added {
		t.Errorf("q=\"Global Catalog\" at version 2: %d flows, want %s", total, tv.added)
	}
	if total, _ := tv.apiFlows(t, "/api/v1/flows?doc=hybrid&q=%22Global+Catalog%22&v=1"); total != 0 {
		t.Errorf("q=\"Global Catalog\" at version 1 (before it was added) finds %d flows", total)
	}
	body := tv.ok(t, "/flows?doc=hybrid&q=Azure&v=2")
	if !strings.Contains(body, `name="v" value="2"`) {
		t.Error("the header search of a listing at version 2 does not keep the version")
	}
}

func TestFlowPageAtAnEarlierVersion(t *testing.T) {
	tv := hybridVersions(t)
	old := tv.ok(t, "/flows/"+tv.changed+"?v=1")
	if !strings.Contains(old, "version-banner") || !strings.Contains(old, "135 (TCP/UDP)") {
		t.Error("the flow page at version 1 does not show the flow as it was (135 over TCP/UDP)")
	}
	if now := tv.ok(t, "/flows/"+tv.changed); !strings.Contains(now, "135 (TCP)") || strings.Contains(now, "version-banner") {
		t.Error("the flow page without v does not show the latest")
	}
	// A flow that did not exist yet: 404 saying when it appears.
	status, _, body := tv.fetch(t, "/flows/"+tv.added+"?v=1")
	if status != http.StatusNotFound || !strings.Contains(body, "is not in version 1 of hybrid: it first appears in version 2") {
		t.Errorf("a flow added in version 2, at version 1: %d %.400s", status, body)
	}
	if !strings.Contains(body, `href="/flows/`+tv.added+`" data-testid="version-latest"`) {
		t.Error("the page of a flow not yet added does not link to the latest")
	}
	// A flow removed in version 3: there at version 2, gone (410) since.
	if b := tv.ok(t, "/flows/"+tv.removed+"?v=2"); !strings.Contains(b, "version 2 of 3") {
		t.Error("the flow removed in version 3 is not shown at version 2")
	}
	if status, _, _ := tv.fetch(t, "/flows/"+tv.removed); status != http.StatusGone {
		t.Errorf("the removed flow's latest page: %d, want 410", status)
	}
	var f data.Flow
	if err := json.Unmarshal([]byte(tv.ok(t, "/api/v1/flows/"+tv.changed+"?v=1")), &f); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Protocols, []string{"TCP", "UDP"}) {
		t.Errorf("/api/v1/flows/%s?v=1: protocols %v, want TCP and UDP", tv.changed, f.Protocols)
	}
	if status, _, _ := tv.fetch(t, "/api/v1/flows/"+tv.added+"?v=1"); status != http.StatusNotFound {
		t.Errorf("/api/v1/flows/%s?v=1: %d, want 404", tv.added, status)
	}
}

// v asks for one document's version: without one document, or naming no
// version of it, it is a 400 naming v.
func TestVersionParameterRefusals(t *testing.T) {
	tv := hybridVersions(t)
	for _, c := range []struct{ path, want string }{
		{"/flows?v=1", "v: a version is one document"},
		{"/flows?doc=hybrid&doc=citrix&v=1", "v: a version is one document"},
		{"/api/v1/flows?v=2", "v: a version is one document"},
		{"/hosts?v=1", "v: a version is one document"},
		{"/docs/hybrid?v=4", "v: 4 is not a version of hybrid (1 to 3)"},
		{"/docs/hybrid?v=0", "v: 0 is not a version of hybrid (1 to 3)"},
		{"/docs/hybrid?v=x", "v: x is not a version of hybrid (1 to 3)"},
		{"/docs/citrix?v=2", "v: 2 is not a version of citrix (1 to 1)"},
		{"/api/v1/flows?doc=hybrid&v=9", "v: 9 is not a version of hybrid (1 to 3)"},
		{"/docs/hybrid?v=1&v=2", "v: given 2 times"},
	} {
		status, _, body := tv.fetch(t, c.path)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %.300s; want 400 saying %q", c.path, status, body, c.want)
		}
	}
	// Unknown documents and flows stay 404s.
	for _, p := range []string{"/docs/nosuch?v=1", "/flows/nosuch-flow?v=1"} {
		if status, _, _ := tv.fetch(t, p); status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, status)
		}
	}
}

// closeThreeVersions ends the server of hybridVersions and removes its files
// and the earlier versions it built.
func closeThreeVersions() {
	v := &threeVersionsOnce
	if v.ts != nil {
		v.ts.Close()
	}
	if v.srv != nil {
		v.srv.Close()
	}
	if v.dir != "" {
		os.RemoveAll(v.dir)
	}
}

// BenchmarkVersionView measures a document page at an earlier version: the
// first request, which reads the version again and builds its database and
// index, and the next ones, against the same page at the latest version.
// Each server has its response cache off, so every request is rendered.
func BenchmarkVersionView(b *testing.B) {
	tv := hybridVersions(b)
	page := func(b *testing.B, srv *web.Server, path string) {
		if r := get(b, srv, path); r.Status != http.StatusOK {
			b.Fatalf("GET %s: %d", path, r.Status)
		}
	}
	b.Run("latest", func(b *testing.B) {
		srv := web.New(nil, tv.db, tv.idx, web.WithCache(0, 0))
		defer srv.Close()
		for b.Loop() {
			page(b, srv, "/docs/hybrid")
		}
	})
	b.Run("earlier-first", func(b *testing.B) {
		for b.Loop() {
			srv := web.New(nil, tv.db, tv.idx, web.WithCache(0, 0))
			page(b, srv, "/docs/hybrid?v=1")
			srv.Close()
		}
	})
	b.Run("earlier-next", func(b *testing.B) {
		srv := web.New(nil, tv.db, tv.idx, web.WithCache(0, 0))
		defer srv.Close()
		page(b, srv, "/docs/hybrid?v=1")
		for b.Loop() {
			page(b, srv, "/docs/hybrid?v=1")
		}
	})
}
