package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// layoutPages are the pages whose tables the layout tests measure: long
// listings, URLs in cells, Japanese names, hosts.
var layoutPages = []string{
	"/flows?doc=citrix",
	"/flows?q=digicert",
	"/flows?doc=endpoint-central",
	"/flows/zzfix-ja-1",
	"/ports/50000",
	"/docs/endpoint-central",
	"/docs/citrix",
	"/hosts",
	"/roles/domain-controller",
}

// layoutProblems is run in the page: it returns, in words, every table cell
// whose content spills out of its cell or over another cell's content, and
// every table wider than the box it sits in.
const layoutProblems = `(() => {
	const out = [];
	const content = el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect(); };
	const shown = el => { const cs = getComputedStyle(el); return cs.display !== 'none' && cs.visibility !== 'hidden' && el.getClientRects().length > 0; };
	const name = td => (td.closest('tr').id || td.closest('tr').dataset.flow || '') + ' ' + td.className + ' "' + td.textContent.trim().slice(0, 40) + '"';
	for (const table of document.querySelectorAll('table.flows, table.hosts, table.fields')) {
		if (!shown(table)) continue;
		const box = table.parentElement;
		if (box.scrollWidth > box.clientWidth + 1) out.push('table ' + table.className + ' is ' + box.scrollWidth + 'px wide in a ' + box.clientWidth + 'px box');
		for (const tr of table.querySelectorAll('tbody tr')) {
			const cells = Array.from(tr.children).filter(td => shown(td) && td.textContent.trim() !== '');
			const rects = cells.map(td => [td.getBoundingClientRect(), content(td)]);
			for (let i = 0; i < cells.length; i++) {
				const [cell, c] = rects[i];
				if (c.width > 0 && (c.left < cell.left - 1 || c.right > cell.right + 1 || c.top < cell.top - 1 || c.bottom > cell.bottom + 1))
					out.push('content of ' + name(cells[i]) + ' spills out of its cell');
				for (let j = i + 1; j < cells.length; j++) {
					const o = rects[j][1];
					const w = Math.min(c.right, o.right) - Math.max(c.left, o.left), h = Math.min(c.bottom, o.bottom) - Math.max(c.top, o.top);
					if (w > 1 && h > 1) out.push(name(cells[i]) + ' overlaps ' + name(cells[j]));
					const a = rects[i][0], b = rects[j][0];
					const cw = Math.min(a.right, b.right) - Math.max(a.left, b.left), ch = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
					if (cw > 1 && ch > 1) out.push('cell ' + name(cells[i]) + ' overlaps cell ' + name(cells[j]));
				}
			}
		}
	}
	return out.slice(0, 20);
})()`

// portsOffScreen returns every flow row (and host row) whose ports cell is
// not wholly inside the window without scrolling sideways.
const portsOffScreen = `(() => {
	const out = [];
	for (const td of document.querySelectorAll('[data-testid="ports-cell"]')) {
		const r = td.getBoundingClientRect();
		if (r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth)
			out.push((td.closest('tr').dataset.flow || td.closest('tr').textContent.trim().slice(0, 30)) + ' ports at ' + Math.round(r.left) + '-' + Math.round(r.right));
	}
	return out.slice(0, 20);
})()`

func emulateColorScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	step(t, ctx, scheme, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
}

// TestBrowserTableCellsNeverOverlapAndPortsStayInView measures the tables of
// the main pages in Chromium at a desktop width and a phone width: no cell's
// content runs out of its cell or over another cell, no table is wider than
// its box, and on the phone every row's ports are on screen without
// scrolling sideways.
func TestBrowserTableCellsNeverOverlapAndPortsStayInView(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1400, 1000}, {"phone", 390, 844}} {
		step(t, ctx, vp.name, chromedp.EmulateViewport(vp.w, vp.h))
		for _, path := range layoutPages {
			step(t, ctx, "open "+path, chromedp.Navigate(ts.URL+path))
			rows := step(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="ports-cell"]').length`))
			if rows == 0 {
				t.Errorf("%s %s: no table rows to measure", vp.name, path)
			}
			for _, p := range step(t, ctx, "layout", chromedp.Evaluate[[]string](layoutProblems)) {
				t.Errorf("%s %s: %s", vp.name, path, p)
			}
			if vp.name != "phone" {
				continue
			}
			if w := step(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > int(vp.w) {
				t.Errorf("phone %s: page is %dpx wide on a %dpx screen", path, w, vp.w)
			}
			for _, p := range step(t, ctx, "ports", chromedp.Evaluate[[]string](portsOffScreen)) {
				t.Errorf("phone %s: %s", path, p)
			}
			// Ports and protocol come first in each flow: nothing of the row
			// but its link sits above them.
			late := step(t, ctx, "order", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table.flows tbody tr')).filter(tr => {
				const p = tr.querySelector('[data-testid="ports-cell"]').getBoundingClientRect().top;
				return Array.from(tr.children).some(td => !td.matches('.ports, .proto-cell, .req-cell, .dir, .link') && td.getClientRects().length && td.getBoundingClientRect().top < p - 1);
			}).map(tr => tr.dataset.flow).slice(0, 5)`))
			for _, id := range late {
				t.Errorf("phone %s: flow %s shows something above its ports", path, id)
			}
		}
	}
}

// TestBrowserLongTokensWrapInsideTheirCell: a URL in a destination cell wraps
// inside the cell instead of running over the protocol and ports.
func TestBrowserLongTokensWrapInsideTheirCell(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "open", chromedp.Navigate(ts.URL+"/flows?q=digicert"))
	got := step(t, ctx, "cells", chromedp.Evaluate[[]float64](`(() => {
		const td = Array.from(document.querySelectorAll('td.dst')).find(td => td.textContent.includes('DigiCertAssuredIDRootCA.crt'));
		if (!td) return [];
		const r = document.createRange(); r.selectNodeContents(td);
		const c = r.getBoundingClientRect(), cell = td.getBoundingClientRect(), proto = td.nextElementSibling.getBoundingClientRect();
		return [c.right, cell.right, proto.left, c.height, parseFloat(getComputedStyle(td).lineHeight)];
	})()`))
	if len(got) == 0 {
		t.Fatal("no digicert URL in a destination cell")
	}
	if got[0] > got[1]+1 || got[0] > got[2] {
		t.Errorf("the URL's text ends at %vpx, past its cell (%v) or into the protocol cell (%v)", got[0], got[1], got[2])
	}
	if got[3] < 1.5*got[4] {
		t.Errorf("the URL is %vpx tall: it did not wrap", got[3])
	}
}

// TestBrowserJapaneseNamesBreakBetweenWords: in a narrow cell Chromium breaks
// "Endpoint Centralサーバー" between words, never inside サーバー.
func TestBrowserJapaneseNamesBreakBetweenWords(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	step(t, ctx, "open", chromedp.Navigate(ts.URL+"/flows?doc=endpoint-central"))
	broken := step(t, ctx, "lines", chromedp.Evaluate[[]string](`(() => {
		const out = [];
		for (const el of document.querySelectorAll('td.host, h1, .crumbs a')) {
			const text = el.textContent;
			const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
				let i = n.data.indexOf('サーバー');
				while (i >= 0) {
					const r = document.createRange();
					r.setStart(n, i); r.setEnd(n, i + 4);
					if (r.getClientRects().length > 1) out.push(text.trim());
					i = n.data.indexOf('サーバー', i + 1);
				}
			}
		}
		return out;
	})()`))
	for _, s := range broken {
		t.Errorf("サーバー is broken across lines in %q", s)
	}
	wb := step(t, ctx, "word-break", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('td.host[lang="ja"]')).wordBreak`))
	if wb != "keep-all" {
		t.Errorf("a Japanese host cell has word-break %q, want keep-all", wb)
	}
}

// a11yProblems is run in the page: hand-written checks of the rules an axe
// run would apply to these pages: one h1, no skipped heading level, every
// form control and link named, ARIA attributes only where they are allowed,
// unique ids, a skip link first that leads somewhere, a title and a lang.
const a11yProblems = `(() => {
	const out = [];
	const h1 = document.querySelectorAll('h1');
	if (h1.length !== 1) out.push(h1.length + ' h1 elements');
	let prev = 0;
	for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
		const n = +h.tagName[1];
		if (prev === 0 && n !== 1) out.push('first heading is ' + h.tagName + ' "' + h.textContent.trim().slice(0, 40) + '"');
		if (prev && n > prev + 1) out.push(h.tagName + ' "' + h.textContent.trim().slice(0, 40) + '" skips a level after h' + prev);
		prev = n;
	}
	const named = el => {
		if ((el.getAttribute('aria-label') || '').trim()) return true;
		const lb = el.getAttribute('aria-labelledby');
		if (lb && lb.split(/\s+/).every(id => document.getElementById(id))) return true;
		if (el.labels && Array.from(el.labels).some(l => l.textContent.trim())) return true;
		if ((el.getAttribute('title') || '').trim()) return true;
		return false;
	};
	for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
		if (!el.hidden && !named(el)) out.push('unlabelled ' + el.tagName + ' name=' + el.name);
	}
	for (const a of document.querySelectorAll('a[href]')) {
		const svgTitle = a.querySelector('title');
		if (!a.textContent.trim() && !named(a) && !svgTitle) out.push('link without a name: ' + a.getAttribute('href'));
	}
	for (const el of document.querySelectorAll('button')) {
		if (!el.textContent.trim() && !named(el)) out.push('button without a name');
	}
	const toggles = ['aria-pressed', 'aria-checked', 'aria-selected', 'aria-expanded'];
	const allowed = {'aria-pressed': ['button'], 'aria-checked': ['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem'], 'aria-selected': ['option', 'tab', 'row', 'gridcell', 'treeitem', 'columnheader', 'rowheader'], 'aria-expanded': null};
	for (const attr of toggles) {
		for (const el of document.querySelectorAll('[' + attr + ']')) {
			const role = el.getAttribute('role') || (el.tagName === 'BUTTON' ? 'button' : el.tagName === 'A' && el.hasAttribute('href') ? 'link' : el.tagName.toLowerCase());
			if (allowed[attr] && !allowed[attr].includes(role)) out.push(attr + ' on a ' + role + ': ' + el.outerHTML.slice(0, 80));
			if (!['true', 'false', 'mixed'].includes(el.getAttribute(attr))) out.push(attr + '="' + el.getAttribute(attr) + '"');
		}
	}
	for (const el of document.querySelectorAll('[aria-current]')) {
		if (!['page', 'step', 'location', 'date', 'time', 'true', 'false'].includes(el.getAttribute('aria-current'))) out.push('aria-current="' + el.getAttribute('aria-current') + '"');
	}
	const roles = ['search', 'status', 'alert', 'img', 'button', 'navigation', 'region', 'note', 'presentation', 'none', 'group', 'list', 'listitem', 'checkbox'];
	for (const el of document.querySelectorAll('[role]')) {
		if (!roles.includes(el.getAttribute('role'))) out.push('role="' + el.getAttribute('role') + '"');
	}
	const seen = {};
	for (const el of document.querySelectorAll('[id]')) {
		if (seen[el.id]) out.push('duplicate id ' + el.id);
		seen[el.id] = true;
	}
	for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
		for (const a of ['aria-describedby', 'aria-labelledby']) {
			for (const id of (el.getAttribute(a) || '').split(/\s+/).filter(Boolean)) if (!document.getElementById(id)) out.push(a + ' names missing id ' + id);
		}
	}
	const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
	if (!first || first.dataset.testid !== 'skip-link') out.push('the first focusable element is not the skip link');
	else if (!document.getElementById(first.getAttribute('href').slice(1))) out.push('the skip link leads to no element');
	if (!document.documentElement.lang) out.push('no lang on html');
	if (!/ · Portolan$/.test(document.title) || document.title.length < 12) out.push('title "' + document.title + '"');
	for (const el of document.querySelectorAll('img:not([alt])')) out.push('img without alt');
	return out;
})()`

// TestBrowserMainPagesPassAccessibilityChecks runs a11yProblems on the main
// pages, in English and Japanese, error page included.
func TestBrowserMainPagesPassAccessibilityChecks(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	pages := []string{"/", "/flows", "/flows?doc=citrix&proto=tcp&port=443", "/flows?q=ldap", "/flows/zzfix-ja-1",
		"/ports/50000", "/docs/citrix", "/docs/endpoint-central", "/docs/citrix/citrix-adc", "/docs/citrix/source?hl=10#L10",
		"/hosts", "/flows?port=abc", "/nowhere"}
	for _, lang := range []string{"en", "ja"} {
		for _, path := range pages {
			u := ts.URL + path
			if lang != "en" {
				if strings.Contains(path, "?") {
					u = strings.Replace(u, "?", "?lang="+lang+"&", 1)
				} else {
					u += "?lang=" + lang
				}
			}
			step(t, ctx, "open "+u, chromedp.Navigate(u))
			for _, p := range step(t, ctx, "a11y", chromedp.Evaluate[[]string](a11yProblems)) {
				t.Errorf("%s (%s): %s", path, lang, p)
			}
		}
	}
}

// TestBrowserSkipLinkAndCopyConfirmation: Tab reaches the skip link first and
// Enter moves to the listing; clicking a row's copy link where the clipboard
// cannot be written (plain HTTP on a LAN address) selects the link in a field
// and says so in a status region screen readers announce.
func TestBrowserSkipLinkAndCopyConfirmation(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "open", chromedp.Navigate(ts.URL+"/flows?doc=citrix"))
	step(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if f := step(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.dataset.testid || ''`)); f != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", f)
	}
	step(t, ctx, "enter", chromedp.KeyEvent("\r"))
	if h := step(t, ctx, "hash", chromedp.Evaluate[string](`location.hash`)); h != "#results" {
		t.Errorf("the skip link leads to %q, want #results", h)
	}
	title := step(t, ctx, "title", chromedp.Evaluate[string](`document.title`))
	if title != "Flows: Citrix · 204 flows · Portolan" && !strings.HasPrefix(title, "Citrix · ") {
		t.Logf("title %q", title)
	}
	if !strings.Contains(title, "Citrix") || !strings.Contains(title, "flows · Portolan") {
		t.Errorf("title %q does not say what is listed", title)
	}

	// Pretend the page is not a secure context, as on http://10.0.0.5:8080.
	step(t, ctx, "insecure", chromedp.Evaluate[bool](`Object.defineProperty(window, 'isSecureContext', {value: false}); true`))
	href := step(t, ctx, "href", chromedp.Evaluate[string](`document.querySelector('[data-testid="copy-link"]').href`))
	step(t, ctx, "click", chromedp.Click(chromedp.CSS(`[data-testid="copy-link"]`)))
	if loc := step(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, "/flows?doc=citrix") {
		t.Fatalf("the copy link navigated to %s", loc)
	}
	type status struct {
		Msg, Role, Live, Field, Selected string
		Shown                            bool
	}
	st := step(t, ctx, "status", chromedp.Evaluate[status](`(() => {
		const box = document.querySelector('[data-testid="copy-status"]'), msg = box.querySelector('.toast-msg'), f = box.querySelector('input');
		return {Msg: msg.textContent, Role: msg.getAttribute('role'), Live: msg.getAttribute('aria-live'),
			Field: f.hidden ? '' : f.value, Selected: f.value.substring(f.selectionStart, f.selectionEnd),
			Shown: box.getBoundingClientRect().width > 50};
	})()`))
	if st.Role != "status" || st.Live != "polite" {
		t.Errorf("the confirmation is not in a live status region: role %q aria-live %q", st.Role, st.Live)
	}
	if !st.Shown || st.Msg == "" {
		t.Errorf("no confirmation shown: %+v", st)
	}
	switch {
	case st.Msg == "Link copied": // execCommand still copies in this browser
	case strings.Contains(st.Msg, "Ctrl+C"):
		if st.Field != href || st.Selected != href {
			t.Errorf("fallback field %q selected %q, want %q selected", st.Field, st.Selected, href)
		}
	default:
		t.Errorf("confirmation %q", st.Msg)
	}
	screenshot(t, ctx, "copy-fallback")
}

// TestBrowserLinkedSourceLineHasContextAboveAndAMarkBeyondColour: following
// a flow to its line stops with lines above it in view, and the line is
// marked by a bar and an arrow as well as its background.
func TestBrowserLinkedSourceLineHasContextAboveAndAMarkBeyondColour(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "open", chromedp.Navigate(ts.URL+"/docs/citrix/source?hl=120#L120"))
	got := step(t, ctx, "line", chromedp.Evaluate[[]float64](`(() => {
		const tr = document.getElementById('L120'), r = tr.getBoundingClientRect();
		const before = getComputedStyle(tr.querySelector('td.ln'), '::before').content;
		const bar = getComputedStyle(tr.querySelector('td.ln')).boxShadow;
		return [r.top, scrollY, before.includes('▶') ? 1 : 0, bar !== 'none' ? 1 : 0, tr.querySelector('.vh') ? 1 : 0];
	})()`))
	if got[1] == 0 {
		t.Fatal("the page did not scroll to line 120")
	}
	if got[0] < 80 {
		t.Errorf("line 120 is %vpx from the top of the window: no context above it", got[0])
	}
	if got[2] != 1 || got[3] != 1 || got[4] != 1 {
		t.Errorf("line 120 is marked by colour only (arrow %v, bar %v, words %v)", got[2], got[3], got[4])
	}
}

// TestBrowserKeyPagesInLightAndDark opens the pages an engineer lives in at
// desktop and phone width, in light and dark, and checks that each follows
// the system's scheme with its table rows on screen; with -screenshots DIR it
// writes each one (open diagrams included) to look at.
func TestBrowserKeyPagesInLightAndDark(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	pages := []struct{ name, path string }{
		{"overview", "/"}, {"flows-citrix", "/flows?doc=citrix"}, {"flow", "/flows/zzfix-ja-1"},
		{"port-50000", "/ports/50000"}, {"doc-citrix", "/docs/citrix"}, {"doc-endpoint-central", "/docs/endpoint-central"},
	}
	for _, scheme := range []struct{ name, bg string }{{"light", "rgb(255, 255, 255)"}, {"dark", "rgb(21, 24, 29)"}} {
		emulateColorScheme(t, ctx, scheme.name)
		for _, vp := range []struct {
			name string
			w    int64
		}{{"desktop", 1400}, {"phone", 390}} {
			step(t, ctx, vp.name, chromedp.EmulateViewport(vp.w, 900))
			for _, p := range pages {
				step(t, ctx, "open "+p.path, chromedp.Navigate(ts.URL+p.path))
				if bg := step(t, ctx, "background", chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != scheme.bg {
					t.Errorf("%s %s %s: background %s, want %s", p.path, vp.name, scheme.name, bg, scheme.bg)
				}
				step(t, ctx, "open diagrams", chromedp.Evaluate[bool](`document.querySelectorAll('details.diagram').forEach(d => d.open = true); true`))
				screenshot(t, ctx, p.name+"-"+vp.name+"-"+scheme.name)
			}
		}
	}
}

// TestBrowserRolesTableFitsAPhone: on a phone the role table is one card per
// role, and every count of every role is on screen, labelled, without
// scrolling sideways (before, the counts and names ran off the right edge and
// each row was as tall as its hidden names).
func TestBrowserRolesTableFitsAPhone(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t))
	defer ts.Close()
	ctx := newBrowser(t)
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844))
	for _, lang := range []string{"en", "ja"} {
		step(t, ctx, "open", chromedp.Navigate(ts.URL+"/roles?lang="+lang))
		off := step(t, ctx, "cells", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="role-row"] td')).filter(td => {
			const r = td.getBoundingClientRect();
			return r.width === 0 || r.right > window.innerWidth + 1;
		}).map(td => td.closest('tr').dataset.role + ': ' + td.textContent.trim().slice(0, 30)).slice(0, 5)`))
		for _, p := range off {
			t.Errorf("%s: role cell off screen or hidden: %s", lang, p)
		}
		labels := step(t, ctx, "labels", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="role-row"]:first-child td.num')).map(td => getComputedStyle(td, '::before').content)`))
		if len(labels) != 3 {
			t.Fatalf("%s: first role row has %d count cells, want 3", lang, len(labels))
		}
		for _, l := range labels {
			if l == "none" || l == `""` || l == "" {
				t.Errorf("%s: a count has no label on a phone: %q", lang, labels)
			}
		}
		if w := step(t, ctx, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
			t.Errorf("%s: /roles is %dpx wide on a 390px screen", lang, w)
		}
	}
}
