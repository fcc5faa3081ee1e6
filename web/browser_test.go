package web_test

import (
	"context"
	"encoding/csv"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium. CI installs it; a missing browser fails the
// browser tests rather than skipping them.
const chromiumPath = "/usr/bin/chromium"

var screenshotDir = flag.String("screenshots", "", "write browser-test screenshots to this directory")

// newBrowser starts headless Chromium for one test and returns a tab context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("browser tests need Chromium at %s (apt-get install -y chromium fonts-noto-cjk): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// step runs one action with a timeout and fails the test on error.
func step[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// follow clicks sel and waits for the page it leads to to load.
func follow(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	step(t, ctx, "click "+sel, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	return step(t, ctx, "location", chromedp.Location())
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return step(t, ctx, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// rowIDs are the flow IDs of the listing on screen, in order.
func rowIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return step(t, ctx, "rows", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="flow-table"] [data-flow]')).map(r => r.dataset.flow)`))
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshotDir == "" {
		return
	}
	b := step(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshotDir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var countRE = regexp.MustCompile(`^(\d+) flows?$`)

func totalOnScreen(t *testing.T, ctx context.Context) int {
	t.Helper()
	s := strings.TrimSpace(text(t, ctx, `[data-testid="total"]`))
	m := countRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("total %q", s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestBrowserSearchFacetFlowSourceDeepLinkAndCSV walks the path an engineer
// takes: search from the overview, narrow with a facet, open a flow, jump to
// its line in the document, paste the listing's URL elsewhere, download CSV.
func TestBrowserSearchFacetFlowSourceDeepLinkAndCSV(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	h := ts.Client()
	_ = h

	// Overview.
	step(t, ctx, "open /", chromedp.Navigate(ts.URL+"/"))
	if n := step(t, ctx, "doc rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="doc-row"]').length`)); n != len(allDocs(t)) {
		t.Errorf("overview shows %d documents, want %d", n, len(allDocs(t)))
	}
	screenshot(t, ctx, "overview")

	// Search.
	step(t, ctx, "type search", chromedp.SendKeys(chromedp.CSS(`[data-testid="search-input"]`), "ldap"))
	step(t, ctx, "submit search", chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Submit(chromedp.CSS(`[data-testid="search-input"]`))))
	loc := step(t, ctx, "location", chromedp.Location())
	if !strings.HasSuffix(loc, "/flows?q=ldap") {
		t.Fatalf("search went to %s", loc)
	}
	var api apiFlows
	getJSON(t, newTestServer(t), "/api/v1/flows?limit=1000&q=ldap", &api)
	if got := totalOnScreen(t, ctx); got != api.Total {
		t.Errorf("search shows %d flows, API %d", got, api.Total)
	}

	// Toggle the UDP facet on.
	loc = follow(t, ctx, `[data-testid="facet-proto"] a[data-value="UDP"]`)
	if !strings.HasSuffix(loc, "/flows?proto=udp&q=ldap") {
		t.Fatalf("facet went to %s", loc)
	}
	getJSON(t, newTestServer(t), "/api/v1/flows?limit=1000&q=ldap&proto=udp", &api)
	if got := totalOnScreen(t, ctx); got != api.Total || api.Total == 0 {
		t.Errorf("after the UDP facet: %d flows, API %d", got, api.Total)
	}
	if on := text(t, ctx, `[data-testid="facet-proto"] a.on`); !strings.Contains(on, "UDP") {
		t.Errorf("active facet %q", on)
	}
	listing := loc
	rows := rowIDs(t, ctx)
	if len(rows) != min(50, api.Total) || rows[0] != api.Flows[0].ID {
		t.Errorf("rows %v, want the API's %v…", rows, api.Flows[0].ID)
	}
	screenshot(t, ctx, "flows")

	// Open the first flow.
	loc = follow(t, ctx, `[data-testid="flow-table"] tbody tr:first-child [data-testid="flow-link"]`)
	f := api.Flows[0]
	if !strings.HasSuffix(loc, "/flows/"+f.ID) {
		t.Fatalf("flow link went to %s", loc)
	}
	if got := text(t, ctx, `[data-testid="field-source"]`); f.Source != "" && got != f.Source {
		t.Errorf("source field %q, want %q", got, f.Source)
	}
	copyHref := step(t, ctx, "copy link", chromedp.Evaluate[string](`document.querySelector('[data-testid="copy-link"]').href`))
	if copyHref != ts.URL+"/flows/"+f.ID {
		t.Errorf("copy link %q", copyHref)
	}
	screenshot(t, ctx, "flow")

	// Follow its source line.
	loc = follow(t, ctx, `[data-testid="flow-source-link"]`)
	if !strings.Contains(loc, "/docs/"+f.Doc+"/source?hl=") || !strings.HasSuffix(loc, "#L"+strconv.Itoa(f.Line)) {
		t.Fatalf("source link went to %s", loc)
	}
	target := step(t, ctx, "target", chromedp.Evaluate[string](`document.querySelector(':target') ? document.querySelector(':target').id : ""`))
	if target != "L"+strconv.Itoa(f.Line) {
		t.Errorf(":target is %q, want L%d", target, f.Line)
	}
	hl := step(t, ctx, "highlighted", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr.hl')).map(r => r.id)`))
	if len(hl) == 0 || hl[0] != "L"+strconv.Itoa(f.Line) {
		t.Errorf("highlighted lines %v, want from L%d", hl, f.Line)
	}
	pos := step(t, ctx, "in view", chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector(':target').getBoundingClientRect(); return [r.top, r.bottom, innerHeight, scrollY] })()`))
	if pos[0] < -1 || pos[1] > pos[2]+1 {
		t.Errorf("the flow's line is not scrolled into view: top %v bottom %v viewport %v scrollY %v", pos[0], pos[1], pos[2], pos[3])
	}
	screenshot(t, ctx, "source")

	// The listing's URL, pasted into a fresh tab, reproduces the view.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil { // opens the tab, without a timeout
		t.Fatal(err)
	}
	step(t, tab, "open deep link", chromedp.Navigate(listing))
	if again := rowIDs(t, tab); strings.Join(again, ",") != strings.Join(rows, ",") {
		t.Errorf("deep link shows %v, want %v", again, rows)
	}
	if on := text(t, tab, `[data-testid="facet-proto"] a.on`); !strings.Contains(on, "UDP") {
		t.Errorf("deep link lost the facet: %q", on)
	}
	if v := step(t, tab, "q field", chromedp.Value(chromedp.CSS(`[data-testid="filter-q"]`))); v != "ldap" {
		t.Errorf("deep link's text field %q", v)
	}

	// Download the CSV the page links to.
	type download struct {
		Disposition string `json:"disposition"`
		Body        string `json:"body"`
	}
	d := step(t, tab, "fetch CSV", chromedp.Evaluate[download](
		`fetch(document.querySelector('[data-testid="csv-link"]').href).then(async r => ({disposition: r.headers.get('content-disposition'), body: await r.text()}))`,
		chromedp.EvalAwaitPromise))
	if d.Disposition != "attachment; filename=portolan-flows-udp-ldap.csv" {
		t.Errorf("Content-Disposition %q", d.Disposition)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(d.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != api.Total {
		t.Errorf("CSV has %d rows, want %d", len(recs)-1, api.Total)
	}
}

// TestBrowserSectionSourceDestinationFacetsAndExclusion: the listing's new
// facets are on screen with counts, choosing a section or a destination
// narrows the listing, and a facet's "leave out" control excludes a document,
// each showing what the API lists for the same URL.
func TestBrowserSectionSourceDestinationFacetsAndExclusion(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	srv := newTestServer(t)
	same := func(what, loc string) {
		t.Helper()
		var api apiFlows
		getJSON(t, srv, "/api/v1/flows?limit=1000&"+strings.SplitN(loc, "?", 2)[1], &api)
		if got := totalOnScreen(t, ctx); got != api.Total || api.Total == 0 {
			t.Errorf("%s (%s): %d flows on screen, API %d", what, loc, got, api.Total)
		}
		if rows := rowIDs(t, ctx); len(rows) == 0 || rows[0] != api.Flows[0].ID {
			t.Errorf("%s: first row %v, API %s", what, rows, api.Flows[0].ID)
		}
	}
	step(t, ctx, "open /flows", chromedp.Navigate(ts.URL+"/flows"))
	for _, key := range []string{"section", "src", "dst"} {
		n := step(t, ctx, key+" facet", chromedp.Evaluate[int](
			`document.querySelectorAll('[data-testid="facet-`+key+`"] [data-testid="facet-link"] .count').length`))
		if n == 0 {
			t.Errorf("no %s facet with counts on /flows", key)
		}
	}
	screenshot(t, ctx, "facets")

	// A section.
	loc := follow(t, ctx, `[data-testid="facet-section"] [data-testid="facet-link"]`)
	if !strings.Contains(loc, "section=") {
		t.Fatalf("section facet went to %s", loc)
	}
	same("section facet", loc)
	step(t, ctx, "back to /flows", chromedp.Navigate(ts.URL+"/flows"))

	// Leave out the first document: its control is beside its link.
	doc := step(t, ctx, "first doc", chromedp.Evaluate[string](
		`document.querySelector('[data-testid="facet-doc"] [data-testid="facet-exclude"]').dataset.value`))
	loc = follow(t, ctx, `[data-testid="facet-doc"] [data-testid="facet-exclude"]`)
	if !strings.HasSuffix(loc, "/flows?-doc="+doc) {
		t.Fatalf("exclude control went to %s, want /flows?-doc=%s", loc, doc)
	}
	same("doc left out", loc)
	if chip := text(t, ctx, `[data-testid="chips"] li:first-child`); !strings.Contains(chip, "not "+doc) {
		t.Errorf("chip %q does not say %s is left out", chip, doc)
	}
	if out := step(t, ctx, "left-out facet", chromedp.Evaluate[string](
		`document.querySelector('[data-testid="facet-doc"] a.exclude.out').dataset.value`)); out != doc {
		t.Errorf("the facet marks %q as left out, want %q", out, doc)
	}

	// dst=dc typed in the filter form lists what the API lists for it (which
	// TestDestinationDCFindsDomainControllersNotCitrixADC checks).
	step(t, ctx, "open /flows", chromedp.Navigate(ts.URL+"/flows"))
	step(t, ctx, "type dst", chromedp.SendKeys(chromedp.CSS(`[data-testid="filter-dst"]`), "dc"))
	step(t, ctx, "submit", chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Submit(chromedp.CSS(`[data-testid="filter-dst"]`))))
	loc = step(t, ctx, "location", chromedp.Location())
	same("dst=dc", loc)
	// The destination facet still offers the others (values of one filter
	// are ORed), with dc among them, on.
	if on := text(t, ctx, `[data-testid="facet-dst"] a.on`); !strings.Contains(on, "dc") {
		t.Errorf("destination facet's active value %q, want dc", on)
	}
	screenshot(t, ctx, "dst-dc")
}

// TestBrowserPhoneAndDarkMode: on a phone-sized screen the page does not scroll
// sideways (tables scroll inside their box), and dark mode follows the system.
func TestBrowserPhoneAndDarkMode(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/", "/flows?doc=endpoint-central", "/docs/zzfix-ja", "/hosts"} {
		step(t, ctx, "open "+path, chromedp.Navigate(ts.URL+path))
		w := step(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if w > 390 {
			t.Errorf("%s is %dpx wide on a 390px screen", path, w)
		}
	}
	screenshot(t, ctx, "phone")
	step(t, ctx, "desktop", chromedp.EmulateViewport(1400, 1000))
	step(t, ctx, "dark", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	}))
	step(t, ctx, "open doc", chromedp.Navigate(ts.URL+"/docs/zzfix-ja"))
	bg := step(t, ctx, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	if bg != "rgb(21, 24, 29)" {
		t.Errorf("dark mode background %s", bg)
	}
	screenshot(t, ctx, "dark")
}

// TestBrowserLoadsAssetsUnderTheCSP: the stylesheet and script load under the
// strict Content-Security-Policy, so the page is styled and copy-link works.
func TestBrowserLoadsAssetsUnderTheCSP(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "open flow", chromedp.Navigate(ts.URL+"/flows/zzfix-ja-1"))
	font := step(t, ctx, "font", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('td.ports code, code.port')).fontFamily`))
	if !strings.Contains(font, "monospace") {
		t.Errorf("ports are in %q, want a monospace face (stylesheet not applied?)", font)
	}
	sticky := step(t, ctx, "sticky", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('thead th')).position`))
	if sticky != "sticky" {
		t.Errorf("table header position %q, want sticky", sticky)
	}
	loaded := step(t, ctx, "script", chromedp.Evaluate[bool](
		`performance.getEntriesByType('resource').some(e => e.name.includes('/static/app.js'))`))
	if !loaded {
		t.Error("app.js was not loaded")
	}
}
