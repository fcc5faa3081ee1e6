package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// fixtureDocs are two small hand-written documents ingested beside the embedded
// ones, so every test has English and Japanese flows, footnotes, hosts and cells
// that would start a spreadsheet formula, whatever the extractor yields.
func fixtureDocs() []data.Document {
	pr := func(a, b int) data.PortRange { return data.PortRange{From: a, To: b} }
	gw := data.Section{Slug: "gateway", Title: "Gateway", Ordinal: 1, Line: 2}
	gw.Flows = []data.Flow{
		{ID: "zzfix-gw-1", Source: "=cmd|' /C calc'!A0", Destination: "Gateway", Protocols: []string{"TCP"},
			Ports: []data.PortRange{pr(443, 443)}, PortsRaw: "443", ProtocolRaw: "HTTPS", AppProtocol: "HTTPS",
			Purpose: "+Admin UI over HTTPS", Requirement: data.Required, RequirementRaw: "Required",
			Direction: data.Inbound, DirectionRaw: "in", Notes: "@see note 1", Line: 4, LineEnd: 5, Ordinal: 1},
		{ID: "zzfix-gw-2", Source: "Gateway", Destination: "Agents", Protocols: []string{"TCP", "UDP"},
			Ports: []data.PortRange{pr(49990, 50010)}, PortsRaw: "49990-50010", ProtocolRaw: "TCP/UDP",
			Purpose: "-Dynamic range", Requirement: data.Optional, RequirementRaw: "optional",
			Direction: data.Outbound, DirectionRaw: "out", Line: 6, LineEnd: 6, Ordinal: 2},
		{ID: "zzfix-gw-3", Source: "Monitor", Destination: "Gateway", Protocols: []string{"ICMP"},
			Ports: []data.PortRange{}, PortsRaw: "", ProtocolRaw: "ICMP", Purpose: "Ping",
			Extra: []data.Field{{Name: "Zone", Value: "dmz"}}, Line: 7, LineEnd: 7, Ordinal: 3},
	}
	en := data.Document{Slug: "zzfix-en", File: "zzfix-en.txt", Vendor: "Fixture Inc", Product: "Fixture Gateway",
		Title: "Fixture ports", Language: "en", URL: "https://example.com/fixture", Updated: "2024-01-31",
		Format: "markdown", Skipped: []data.Skip{{Line: 3, Reason: "table skipped: no port, protocol or host column (columns: Spec | RAM)"}},
		Raw: "Fixture ports\nGateway\nSource | Destination | Port\n=cmd | Gateway | 443\n(wrapped)\n" +
			"Gateway | Agents | 49990-50010\nMonitor | Gateway | ICMP\n", Checksum: "fixture-en",
		Sections: []data.Section{gw},
		Hosts: []data.Host{{Name: "*.fixture.example", Kind: "wildcard", Doc: "zzfix-en", Section: "Gateway",
			SectionID: "gateway", Protocols: []string{"TCP"}, Ports: []data.PortRange{pr(443, 443)},
			Purpose: "=HYPERLINK(\"x\")", Line: 4}},
	}
	srv := data.Section{Slug: "server", Title: "サーバー側で使用するポート", TitleEn: "Ports used on the server", Ordinal: 1, Line: 2}
	srv.Flows = []data.Flow{
		{ID: "zzfix-ja-1", Source: "管理対象PC", Destination: "サーバー", Protocols: []string{"TCP"},
			Ports: []data.PortRange{pr(8443, 8443)}, PortsRaw: "8443*", ProtocolRaw: "HTTPS", AppProtocol: "HTTPS",
			Purpose: "エージェントとサーバー間の通信", PurposeEn: "Communication between agent and server",
			Requirement: data.Required, RequirementRaw: "●", Direction: data.Inbound, DirectionRaw: "サーバーへのインバウンド通信",
			Notes: "*……証明書が必要です", NotesEn: "a certificate is required", Line: 4, LineEnd: 4, Ordinal: 1},
		{ID: "zzfix-ja-2", Source: "サーバー", Destination: "管理対象PC", Protocols: []string{"UDP"},
			Ports: []data.PortRange{pr(443, 443), pr(8027, 8027)}, PortsRaw: "443, 8027", ProtocolRaw: "UDP",
			Purpose: "通知", PurposeEn: "Notifications", Requirement: data.Conditional, RequirementRaw: "△",
			Direction: data.Outbound, DirectionRaw: "サーバーからのアウトバウンド通信", Line: 5, LineEnd: 5, Ordinal: 2},
	}
	ja := data.Document{Slug: "zzfix-ja", File: "zzfix-ja.txt", Vendor: "フィクスチャ", Product: "Fixture Central",
		Title: "ポート一覧", Language: "ja", URL: "https://example.jp/fixture", Raw: "ポート一覧\nサーバー側で使用するポート\n" +
			"ポート番号 | 必須 | 目的\n8443* | ● | エージェントとサーバー間の通信\n443, 8027 | △ | 通知\n",
		Checksum: "fixture-ja", Sections: []data.Section{srv}, Hosts: []data.Host{}}
	return []data.Document{en, ja}
}

// testData is the dataset every test serves: the embedded documents and the
// fixture, extracted once.
var testData = sync.OnceValues(func() ([]data.Document, error) {
	docs, err := extract.Embedded()
	if err != nil {
		return nil, err
	}
	return append(docs, fixtureDocs()...), nil
})

// allDocs returns the test dataset.
func allDocs(t testing.TB) []data.Document {
	t.Helper()
	docs, err := testData()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// allFlows returns every flow of the test dataset in document order, with Doc,
// Section and SectionID set as the store sets them.
func allFlows(t testing.TB) []data.Flow {
	var out []data.Flow
	for _, d := range allDocs(t) {
		for _, s := range d.Sections {
			for _, f := range s.Flows {
				f.Doc, f.Section, f.SectionID = d.Slug, s.Title, s.Slug
				out = append(out, f)
			}
		}
	}
	return out
}

// sharedDB is the test dataset ingested once into a real SQLite file, for
// every test of the package; TestMain removes it.
var sharedDB struct {
	once sync.Once
	dir  string
	db   *store.DB
	idx  *search.Index // built from the same documents, beside the database
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	closeThreeVersions()
	if sharedDB.db != nil {
		sharedDB.db.Close()
	}
	if sharedDB.idx != nil {
		sharedDB.idx.Close()
	}
	if sharedDB.dir != "" {
		os.RemoveAll(sharedDB.dir)
	}
	os.Exit(code)
}

func testDB(t testing.TB) *store.DB {
	t.Helper()
	sharedDB.once.Do(func() {
		docs, err := testData()
		if err != nil {
			sharedDB.err = err
			return
		}
		if sharedDB.dir, err = os.MkdirTemp("", "portolan-web-test-"); err != nil {
			sharedDB.err = err
			return
		}
		ctx := context.Background()
		path := filepath.Join(sharedDB.dir, "portolan.db")
		if err := store.Ingest(ctx, path, docs); err != nil {
			sharedDB.err = err
			return
		}
		if err := search.Build(ctx, path+".bleve", docs); err != nil {
			sharedDB.err = err
			return
		}
		if sharedDB.idx, err = search.Open(path + ".bleve"); err != nil {
			sharedDB.err = err
			return
		}
		sharedDB.db, sharedDB.err = store.Open(ctx, path)
	})
	if sharedDB.err != nil {
		t.Fatal(sharedDB.err)
	}
	return sharedDB.db
}

// newTestServer returns the full handler over the shared test database.
func newTestServer(t testing.TB) *web.Server {
	return newTestServerLog(t, slog.New(slog.DiscardHandler))
}

func newTestServerLog(t testing.TB, log *slog.Logger) *web.Server {
	t.Helper()
	db := testDB(t)
	return web.New(log, db, sharedDB.idx)
}

// response is a finished request's status, headers and body.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// get performs a GET against h with optional header pairs.
func get(t testing.TB, h http.Handler, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// getJSON performs a GET, wants 200 and decodes the body into v.
func getJSON(t testing.TB, h http.Handler, target string, v any) {
	t.Helper()
	r := get(t, h, target)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", target, r.Status, r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}

func newRecorder(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
