package web_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
	"github.com/portolan/portolan/web/diagram"
)

func TestDiagramSVGIsServedWithETagAndItsOwnStylePolicy(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/docs/citrix/diagram.svg", "/docs/citrix/citrix-adc/diagram.svg", "/docs/endpoint-central/agent/diagram.svg"} {
		r := get(t, srv, path)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200; body %.200s", path, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
			t.Errorf("GET %s: Content-Type %q, want image/svg+xml", path, ct)
		}
		if !strings.HasPrefix(r.Body, "<svg ") || !strings.Contains(r.Body, `role="img"`) {
			t.Errorf("GET %s: body does not start with an <svg role=img>: %.100s", path, r.Body)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, diagram.ThemeStyleHash(diagram.ThemeLight)) || strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q, want only the diagram's style allowed", path, csp)
		}
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", path)
		}
		if again := get(t, srv, path, "If-None-Match", etag); again.Status != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: status %d, want 304", path, again.Status)
		}
		if again := get(t, srv, path); again.Body != r.Body || again.Header.Get("ETag") != etag {
			t.Errorf("GET %s twice: different bytes or ETag", path)
		}
	}
}

func TestDiagramOfUnknownDocumentOrSectionIs404(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/docs/nope/diagram.svg", "/docs/citrix/nope/diagram.svg"} {
		if r := get(t, srv, path); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, r.Status)
		}
	}
}

func TestDocAndSectionPagesEmbedTheirDiagramInline(t *testing.T) {
	srv := newTestServer(t)
	for _, tc := range []struct{ path, svgURL string }{
		{"/docs/lithnet", "/docs/lithnet/diagram.svg"},
		{"/docs/citrix/citrix-gateway", "/docs/citrix/citrix-gateway/diagram.svg"},
	} {
		r := get(t, srv, tc.path)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d", tc.path, r.Status)
		}
		if !strings.Contains(r.Body, `data-testid="diagram"`) || !strings.Contains(r.Body, `<svg xmlns="http://www.w3.org/2000/svg" class="pd"`) {
			t.Errorf("GET %s: no inline diagram", tc.path)
		}
		if !strings.Contains(r.Body, `href="`+tc.svgURL+`"`) {
			t.Errorf("GET %s: no link to %s", tc.path, tc.svgURL)
		}
		if !strings.Contains(r.Body, `<a class="n" href="/flows?doc=`) {
			t.Errorf("GET %s: boxes do not link to the flow listing", tc.path)
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self' "+diagram.StyleHash()) || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q, want the page policy plus the diagram style hash", tc.path, csp)
		}
	}
}

// A diagram's own words (legend, placeholders, title) follow the reader's
// language; the document's names stay as written.
func TestDiagramWordsFollowTheUILanguage(t *testing.T) {
	srv := newTestServer(t)
	ja := get(t, srv, "/docs/endpoint-central?lang=ja").Body
	for _, want := range []string{"その他・記載なし", "(送信元の記載なし)", "Endpoint Centralサーバー"} {
		if !strings.Contains(ja, want) {
			t.Errorf("/docs/endpoint-central?lang=ja diagram has no %q", want)
		}
	}
	zh := get(t, srv, "/docs/lithnet/diagram.svg", "Accept-Language", "zh-CN").Body
	if !strings.Contains(zh, "<title id=\"dg-t\">通信流:Ports and traffic flows</title>") || !strings.Contains(zh, "TCP 和 UDP") {
		t.Errorf("zh diagram title or legend not in Chinese:\n%.400s", zh)
	}
	en := get(t, srv, "/docs/lithnet/diagram.svg").Body
	if !strings.Contains(en, "Network flows: Ports and traffic flows") || !strings.Contains(en, "other or not stated") {
		t.Errorf("en diagram lost its English words:\n%.400s", en)
	}
}

// TestStandaloneDiagramIsLightUnlessAskedForDark: a diagram pasted into a
// wiki looks the same to every reader: light, or dark with ?theme=dark,
// never following the reader's own setting; a theme it does not know is a
// 400 naming the parameter.
func TestStandaloneDiagramIsLightUnlessAskedForDark(t *testing.T) {
	srv := newTestServer(t)
	for _, c := range []struct {
		query string
		theme diagram.Theme
		bg    string
	}{{"", diagram.ThemeLight, "--bg:#fff;"}, {"?theme=light", diagram.ThemeLight, "--bg:#fff;"}, {"?theme=dark", diagram.ThemeDark, "--bg:#15181d;"}} {
		for _, path := range []string{"/docs/citrix/diagram.svg", "/docs/citrix/citrix-adc/diagram.svg"} {
			r := get(t, srv, path+c.query)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s%s: status %d", path, c.query, r.Status)
			}
			if strings.Contains(r.Body, "prefers-color-scheme") {
				t.Errorf("GET %s%s follows the reader's colour scheme", path, c.query)
			}
			if !strings.Contains(r.Body, "<style>"+diagram.ThemeCSS(c.theme)+"</style>") || !strings.Contains(r.Body, c.bg) {
				t.Errorf("GET %s%s: not drawn in theme %d", path, c.query, c.theme)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, diagram.ThemeStyleHash(c.theme)) {
				t.Errorf("GET %s%s: CSP %q does not allow its style sheet", path, c.query, csp)
			}
		}
	}
	r := get(t, srv, "/docs/citrix/diagram.svg?theme=blue")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "theme") {
		t.Errorf("?theme=blue: status %d, body %.200s; want 400 naming theme", r.Status, r.Body)
	}
	page := get(t, srv, "/docs/citrix")
	if !strings.Contains(page.Body, "prefers-color-scheme:dark") {
		t.Error("the inline diagram of /docs/citrix does not follow the reader's colour scheme")
	}
}

// hugeDocServer serves a dataset of one document of secs sections, each a
// chain of 99 flows between 100 endpoints of its own, from a real SQLite
// file.
func hugeDocServer(t *testing.T, secs int) *web.Server {
	t.Helper()
	d := data.Document{Slug: "huge", File: "huge.txt", Vendor: "Huge", Product: "Huge", Title: "Huge ports",
		Language: "en", Raw: "Huge ports\n", Checksum: "huge"}
	for s := range secs {
		sec := data.Section{Slug: fmt.Sprintf("s%d", s), Title: fmt.Sprintf("Section %d", s), Ordinal: s + 1, Line: 1}
		for i := range 99 {
			sec.Flows = append(sec.Flows, data.Flow{ID: fmt.Sprintf("huge-%d-%d", s, i), Source: fmt.Sprintf("h%d-%d", s, i),
				Destination: fmt.Sprintf("h%d-%d", s, i+1), Protocols: []string{"TCP"},
				Ports: []data.PortRange{{From: 443, To: 443}}, PortsRaw: "443", Line: 1, LineEnd: 1, Ordinal: i + 1})
		}
		d.Sections = append(d.Sections, sec)
	}
	path := filepath.Join(t.TempDir(), "portolan.db")
	if err := store.Ingest(t.Context(), path, []data.Document{d}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return web.New(nil, db, nil)
}

// The page of a document of thousands of endpoints draws its overview to
// the caps of every diagram, says so above it and links to the listing; the
// standalone SVG is as bounded.
func TestOverviewOfAHugeDocumentIsCappedAndSaysSo(t *testing.T) {
	srv := hugeDocServer(t, 40) // 4,000 endpoints
	r := get(t, srv, "/docs/huge")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /docs/huge: %d", r.Status)
	}
	// 100 endpoints of the first section, 50 of the second: 99+49 flows.
	note := `<p class="note" data-testid="diagram-capped"><a href="/flows?doc=huge">Showing 150 of 4,000 endpoints; 3,812 flows not drawn.`
	if !strings.Contains(r.Body, note) {
		t.Errorf("the page does not say the overview is capped with a link to the listing (%q)", note)
	}
	if n := strings.Count(r.Body, `<a class="n" href=`); n > diagram.MaxNodes {
		t.Errorf("the page draws %d boxes", n)
	}
	svg := get(t, srv, "/docs/huge/diagram.svg")
	if svg.Status != http.StatusOK || !strings.Contains(svg.Body, "Showing 150 of 4,000 endpoints") {
		t.Fatalf("GET /docs/huge/diagram.svg: %d, capped note missing", svg.Status)
	}
	if len(svg.Body) > 400<<10 {
		t.Errorf("the SVG of a capped overview is %d KB", len(svg.Body)>>10)
	}
	// A document under the caps says nothing of the kind.
	if r := get(t, newTestServer(t), "/docs/citrix"); strings.Contains(r.Body, `data-testid="diagram-capped"`) {
		t.Error("Citrix's overview (147 boxes) says it is capped")
	}
}
