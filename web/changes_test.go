package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// historyServer serves one document with three versions: the test texts of
// Microsoft's hybrid identity ports page kept by data/versions (v1 -> v2:
// transports narrowed to TCP and the Global Catalog row added; v2 -> v3: the
// rename to Microsoft Entra, LDAP/SSL TCP only, a WinRM row removed).
func historyServer(t *testing.T) (http.Handler, versions.History) {
	t.Helper()
	dir := filepath.Join("..", "data", "versions", "testdata")
	var vs []data.Version
	for i, n := range []string{"v1", "v2", "v3"} {
		m, raw, err := extract.ReadFile(filepath.Join(dir, "hybrid-identity-"+n+".txt")) // metadata: the JSON beside it
		if err != nil {
			t.Fatal(err)
		}
		v := data.Version{Raw: string(raw), Meta: m}
		if i > 0 {
			v.Captured = time.Date(2026, time.Month(9+i), 1, 8, 0, 0, 0, time.UTC)
			v.SourceURL = "https://learn.example/reference-connect-ports"
		}
		vs = append(vs, v)
	}
	doc, h, err := versions.Replay(vs, func(v data.Version) (data.Document, error) { return extract.Extract(v.Meta, []byte(v.Raw)) })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	docs := []data.Document{doc}
	if err := store.IngestHistory(ctx, path, docs, map[string]versions.History{doc.Slug: h}); err != nil {
		t.Fatal(err)
	}
	if err := search.Build(ctx, path+".bleve", docs); err != nil {
		t.Fatal(err)
	}
	idx, err := search.Open(path + ".bleve")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(slog.New(slog.DiscardHandler), db, idx)
	t.Cleanup(func() { srv.Close(); db.Close(); idx.Close() })
	return srv, h
}

func TestChangesPagesListVersionsNewestFirst(t *testing.T) {
	h, _ := historyServer(t)
	r := get(t, h, "/changes")
	if r.Status != http.StatusOK {
		t.Fatalf("/changes: %d", r.Status)
	}
	i3 := strings.Index(r.Body, `data-version="3"`)
	i2 := strings.Index(r.Body, `data-version="2"`)
	if i3 < 0 || i2 < 0 || i3 > i2 {
		t.Errorf("/changes does not list version 3 before version 2")
	}
	if !strings.Contains(r.Body, `href="/docs/microsoft/changes/3"`) || !strings.Contains(r.Body, `type="application/atom+xml"`) {
		t.Error("/changes lacks the link to the diff of version 3 or its feed")
	}
	r = get(t, h, "/docs/microsoft/changes")
	if r.Status != http.StatusOK || strings.Count(r.Body, `data-testid="version"`) != 3 ||
		!strings.Contains(r.Body, "https://learn.example/reference-connect-ports") {
		t.Errorf("/docs/microsoft/changes: %d, want 3 versions and where they came from", r.Status)
	}
	for _, u := range []string{"/docs/nothing/changes", "/docs/microsoft/changes/1", "/docs/microsoft/changes/9", "/docs/microsoft/changes/x"} {
		if r := get(t, h, u); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, r.Status)
		}
	}
}

func TestDiffPageSaysWhatChanged(t *testing.T) {
	h, _ := historyServer(t)
	r := get(t, h, "/docs/microsoft/changes/2")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if n := strings.Count(r.Body, `data-testid="impact">transport changed<`); n != 11 {
		t.Errorf("version 2: %d transport changes shown, want 11", n)
	}
	if !strings.Contains(r.Body, "Global Catalog") || strings.Contains(r.Body, `data-testid="renames"`) {
		t.Error("version 2: the Global Catalog row is not shown added, or a rename is shown")
	}
	r = get(t, h, "/docs/microsoft/changes/3")
	if strings.Count(r.Body, `data-testid="rename"`) != 1 || !strings.Contains(r.Body, "<q>Azure AD</q>") {
		t.Error("version 3: the rename is not shown once")
	}
	if n := strings.Count(r.Body, `data-testid="changed"`); n != 3 {
		t.Errorf("version 3: %d changed flows shown, want 3 (the rename alone is not a change)", n)
	}
	if !strings.Contains(r.Body, `data-testid="removed"`) || !strings.Contains(r.Body, "WinRM Listener") {
		t.Error("version 3: the removed WinRM row is not shown")
	}
}

func TestDiffCSVSaysWhatToOpenAndWhatMayClose(t *testing.T) {
	h, _ := historyServer(t)
	r := get(t, h, "/docs/microsoft/changes/3.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, %s", r.Status, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, row := range rows[1:] {
		got[row[0]+" "+row[5]+" "+row[6]+" "+row[7]] = true
	}
	for _, want := range []string{
		"open TCP 5672 port_added",            // Service Bus 5671 -> 5671-5672
		"may close UDP 636 transport_changed", // LDAP/SSL TCP/UDP -> TCP
		"may close TCP 5985 removed",          // the WinRM row of Table 3
	} {
		if !got[want] {
			t.Errorf("CSV lacks a row %q; rows: %v", want, rows)
		}
	}
	if len(rows) != 4 {
		t.Errorf("%d rows, want a header and 3", len(rows))
	}
}

func TestRemovedFlowAnswersGoneWithItsSuccessor(t *testing.T) {
	h, hist := historyServer(t)
	g := hist.Gone[0]
	r := get(t, h, "/flows/"+g.Flow.ID)
	if r.Status != http.StatusGone {
		t.Fatalf("/flows/%s: %d, want 410", g.Flow.ID, r.Status)
	}
	for _, want := range []string{`href="/flows/` + g.Successor + `"`, `href="/docs/microsoft/changes/3"`, "WinRM Listener"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page of a removed flow lacks %s", want)
		}
	}
	r = get(t, h, "/api/v1/flows/"+g.Flow.ID)
	var body struct {
		Error        string    `json:"error"`
		RemovedIn    int       `json:"removed_in"`
		SuccessorURL string    `json:"successor_url"`
		Flow         data.Flow `json:"flow"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || r.Status != http.StatusGone {
		t.Fatalf("API: %d %v %s", r.Status, err, r.Body)
	}
	if body.RemovedIn != 3 || body.SuccessorURL != "/flows/"+g.Successor || body.Flow.PortsRaw != "5985" || body.Error == "" {
		t.Errorf("API body %+v", body)
	}
	if r := get(t, h, "/flows/microsoft-nothing"); r.Status != http.StatusNotFound {
		t.Errorf("an ID never given: %d, want 404", r.Status)
	}
	if r := get(t, h, "/flows/"+g.Successor); r.Status != http.StatusOK {
		t.Errorf("successor: %d", r.Status)
	}
}

func TestChangesAPIAndFeeds(t *testing.T) {
	h, _ := historyServer(t)
	var out struct {
		Changes []struct {
			Doc     string        `json:"doc"`
			Version int           `json:"version"`
			CSV     string        `json:"csv"`
			Diff    versions.Diff `json:"diff"`
		} `json:"changes"`
	}
	getJSON(t, h, "/api/v1/changes?since=2026-11-01", &out)
	if len(out.Changes) != 1 || out.Changes[0].Version != 3 || len(out.Changes[0].Diff.Removed) != 1 ||
		out.Changes[0].CSV != "/docs/microsoft/changes/3.csv" {
		t.Errorf("since 2026-11-01: %+v", out.Changes)
	}
	getJSON(t, h, "/api/v1/changes", &out)
	if len(out.Changes) != 2 {
		t.Errorf("%d changes, want 2", len(out.Changes))
	}
	for _, bad := range []string{"since=yesterday", "doc=nothing"} {
		r := get(t, h, "/api/v1/changes?"+bad)
		name, _, _ := strings.Cut(bad, "=")
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"error":"`+name+`:`) {
			t.Errorf("%s: %d %s, want 400 naming %s", bad, r.Status, r.Body, name)
		}
	}
	for _, u := range []string{"/changes.atom", "/docs/microsoft/changes.atom"} {
		r := get(t, h, u)
		var feed struct {
			Entries []struct {
				ID      string `xml:"id"`
				Updated string `xml:"updated"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(r.Body), &feed); err != nil || r.Status != http.StatusOK ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %v", u, r.Status, err)
		}
		if len(feed.Entries) != 2 || !strings.HasSuffix(feed.Entries[0].ID, "/docs/microsoft/changes/3") ||
			feed.Entries[0].Updated != "2026-11-01T08:00:00Z" {
			t.Errorf("%s: entries %+v", u, feed.Entries)
		}
	}
}

func TestEarlierVersionsSourceAndCSV(t *testing.T) {
	h, hist := historyServer(t)
	r := get(t, h, "/docs/microsoft/source?v=1")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "MS-RPC | 135 (TCP/UDP)") {
		t.Errorf("source of version 1: %d, lacks its MS-RPC row as written then", r.Status)
	}
	if r := get(t, h, "/docs/microsoft/source"); strings.Contains(r.Body, "MS-RPC | 135 (TCP/UDP)") {
		t.Error("the latest source shows version 1's row")
	}
	removed := "/flows/" + hist.Gone[0].Flow.ID
	if r := get(t, h, "/docs/microsoft.csv?v=2"); r.Status != http.StatusOK || !strings.Contains(r.Body, removed) {
		t.Errorf("CSV of version 2: %d, lacks the flow version 3 removed (%s)", r.Status, removed)
	}
	if r := get(t, h, "/docs/microsoft.csv"); strings.Contains(r.Body, removed) {
		t.Error("the latest CSV has the removed flow")
	}
	for _, bad := range []string{"9", "0", "x"} {
		r := get(t, h, "/docs/microsoft/source?v="+bad)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "v: ") {
			t.Errorf("v=%s: %d, want 400 naming v", bad, r.Status)
		}
	}
}
