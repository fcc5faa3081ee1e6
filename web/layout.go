package web

import (
	"context"
	"io"
	"slices"

	"github.com/a-h/templ"
)

// layout is the one page frame: header with navigation, search and language
// switcher, main (the children), footer. Its labels are in the request's
// language (see lang.go). It writes, byte for byte, what its templ form
// layoutReference writes (TestLayoutMatchesReference), by hand (see
// markup.go) since every page renders it.
func layout(p pageInfo) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		children := templ.GetChildren(ctx)
		ctx = templ.ClearChildren(ctx)
		if err := handWritten(8<<10, func(m *markup) { layoutHead(m, p) }).Render(ctx, w); err != nil {
			return err
		}
		if children != nil {
			if err := children.Render(ctx, w); err != nil {
				return err
			}
		}
		return handWritten(1<<10, layoutFoot).Render(ctx, w)
	})
}

// layoutNav are the header's links: path, the pageInfo.Nav that
// highlights it, and its message.
var layoutNav = []struct{ path, nav, key string }{
	{"/", "docs", "nav.documents"},
	{"/flows", "flows", "nav.flows"},
	{"/hosts", "hosts", "nav.hosts"},
	{"/changes", "changes", "nav.changes"},
	{"/roles", "roles", "nav.roles"},
	{"/lint", "lint", "nav.lint"},
}

// layoutHead is layout up to its children: the head, the header and the
// version banner.
func layoutHead(m *markup, p pageInfo) {
	ctx := m.ctx
	m.raw(`<!doctype html><html lang="`)
	m.text(htmlLang(ctx))
	m.raw(`"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>`)
	m.text(p.Title)
	m.raw(` · Portolan</title><link rel="stylesheet" href="`)
	m.text(assetURL("style.css"))
	m.raw(`"><script src="`)
	m.text(assetURL("app.js"))
	m.raw(`" defer></script>`)
	if p.Feed != "" {
		m.raw(`<link rel="alternate" type="application/atom+xml" href="`)
		m.text(p.Feed)
		m.raw(`" title="`)
		m.text(p.Title)
		m.raw(`">`)
	}
	m.raw(`</head><body><a class="skip" href="`)
	m.text("#" + orText(p.Skip, "main"))
	m.raw(`" data-testid="skip-link">`)
	m.text(t(ctx, "skip.main"))
	m.raw(`</a><header class="top"><a class="brand" href="`)
	m.href("/")
	m.raw(`" data-testid="home">Portolan</a><nav aria-label="`)
	m.text(t(ctx, "nav.label"))
	m.raw(`">`)
	for i, n := range layoutNav {
		if i > 0 {
			m.raw(` `)
		}
		m.raw(`<a href="`)
		m.href(n.path)
		m.raw(`" class="`)
		m.text(navClass(p.Nav == n.nav))
		m.raw(`">`)
		m.text(t(ctx, n.key))
		m.raw(`</a>`)
	}
	m.raw(`</nav><form class="search" action="/flows" method="get" role="search">`)
	if localeOf(ctx).explicit {
		m.raw(`<input type="hidden" name="lang" value="`)
		m.text(uiLang(ctx))
		m.raw(`">`)
	}
	for _, f := range p.Keep {
		m.raw(`<input type="hidden" name="`)
		m.text(f.Name)
		m.raw(`" value="`)
		m.text(f.Value)
		m.raw(`"> `)
	}
	vv := viewOf(ctx)
	if vv != nil && slices.Contains(p.Keep, formField{Name: "doc", Value: vv.Doc}) {
		m.raw(`<input type="hidden" name="v" value="`)
		m.text(itoa(vv.Number))
		m.raw(`"> `)
	}
	m.raw(`<input type="search" name="q" value="`)
	m.text(p.Query)
	m.raw(`" placeholder="`)
	if len(p.Keep) > 0 {
		m.text(t(ctx, "search.placeholder_within"))
		m.raw(`" aria-label="`)
		m.text(t(ctx, "search.label_within"))
	} else {
		m.text(t(ctx, "search.placeholder"))
		m.raw(`" aria-label="`)
		m.text(t(ctx, "search.label"))
	}
	m.raw(`" data-testid="top-search"></form><nav class="langs" aria-label="`)
	m.text(t(ctx, "lang.switch"))
	m.raw(`" data-testid="lang-switch">`)
	for _, l := range langSwitches(ctx) {
		if l.Current {
			m.raw(`<strong lang="`)
			m.text(l.Lang.HTML)
			m.raw(`" aria-current="true">`)
			m.text(l.Lang.Name)
			m.raw(`</strong>`)
		} else {
			m.raw(`<a href="`)
			m.text(l.URL)
			m.raw(`" lang="`)
			m.text(l.Lang.HTML)
			m.raw(`" hreflang="`)
			m.text(l.Lang.HTML)
			m.raw(`" rel="nofollow" data-testid="lang-`)
			m.text(l.Lang.Code)
			m.raw(`">`)
			m.text(l.Lang.Name)
			m.raw(`</a>`)
		}
	}
	m.raw(`</nav></header><main id="main" tabindex="-1">`)
	if vv != nil {
		m.raw(`<p class="version-banner" role="note" data-testid="version-banner">`)
		m.text(t(ctx, "version.banner", itoa(vv.Number), itoa(vv.Latest.Number), vv.Title,
			capturedOn(ctx, vv.Captured), itoa(vv.Latest.Number), capturedOn(ctx, vv.Latest.Captured)))
		m.raw(` <a href="`)
		m.text(langOnly(ctx, vv.LatestURL))
		m.raw(`" data-testid="version-latest">`)
		m.text(t(ctx, "version.to_latest"))
		m.raw(`</a></p>`)
	}
}

// layoutFoot is layout after its children.
func layoutFoot(m *markup) {
	ctx := m.ctx
	m.raw(`</main><div id="copy-status" class="toast" data-copied="`)
	m.text(t(ctx, "flow.copied"))
	m.raw(`" data-select="`)
	m.text(t(ctx, "flow.copy_select"))
	m.raw(`" data-testid="copy-status"><span class="toast-msg" role="status" aria-live="polite"></span> <input type="text" readonly hidden aria-label="`)
	m.text(t(ctx, "flow.link_field"))
	m.raw(`"></div><footer class="foot">Portolan · `)
	m.text(t(ctx, "footer.tagline"))
	m.raw(` · <a href="`)
	m.href("/api/v1/docs")
	m.raw(`">API</a></footer></body></html>`)
}
