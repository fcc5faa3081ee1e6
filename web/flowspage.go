package web

import (
	"context"
	"io"
	"strconv"

	"github.com/a-h/templ"
)

// flowsPage is the flow listing (/flows): the page frame around
// flowsBody. It writes, byte for byte, what its templ form
// flowsPageReference writes (TestFlowsPageMatchesReference), by hand (see
// markup.go): every uncached listing and search renders it.
func flowsPage(d flowsPageData) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := pageInfo{Title: listingTitle(ctx, d.Heading, d.Total, d.Query.PageNumber()), Nav: "flows",
			Query: d.Query.Text, Keep: keepFilters(d.Query), Skip: "results"}
		return layout(p).Render(templ.WithChildren(ctx, flowsBody(d)), w)
	})
}

// flowsBody is the listing inside the page frame: heading, facets, the
// filter form, search notes, chips, the bar of counts, sort and exports,
// the flow table and the pager.
func flowsBody(d flowsPageData) templ.Component {
	return handWrittenErr(32<<10, func(m *markup) error {
		ctx, q := m.ctx, d.Query
		m.raw(`<h1 class="listing-title" data-testid="listing-title">`)
		if d.Heading == "" {
			m.text(t(ctx, "flows.all"))
		} else {
			m.text(t(ctx, "flows.heading", d.Heading))
		}
		summary := t(ctx, "facet.summary")
		m.raw(`</h1><div class="listing"><details class="facets-fold" open data-fold-phone><summary>`)
		m.text(summary)
		m.raw(`</summary><aside class="facets" data-testid="facets" aria-label="`)
		m.text(summary)
		m.raw(`">`)
		if err := facetSections(d.Facets).Render(ctx, m); err != nil {
			return err
		}
		m.raw(`</aside></details><div class="results" id="results" tabindex="-1"><form class="filters" action="/flows" method="get" data-testid="filter-form">`)
		if localeOf(ctx).explicit { // langField
			m.raw(`<input type="hidden" name="lang" value="`)
			m.text(uiLang(ctx))
			m.raw(`">`)
		}
		m.raw(`<label>`)
		m.text(t(ctx, "filter.text"))
		m.raw(` <input type="search" name="q" value="`)
		m.text(q.Text)
		m.raw(`" data-testid="filter-q"></label> <label>`)
		m.text(t(ctx, "col.port"))
		m.raw(` <input name="port" value="`)
		m.text(fieldValue(q, "port"))
		m.raw(`" class="mono" placeholder="443, 80-90, tcp/443" data-testid="filter-port"></label> <label>`)
		m.text(t(ctx, "col.source"))
		m.raw(` <input name="src" value="`)
		m.text(fieldValue(q, "src"))
		m.raw(`" data-testid="filter-src"></label> <label>`)
		m.text(t(ctx, "col.destination"))
		m.raw(` <input name="dst" value="`)
		m.text(fieldValue(q, "dst"))
		m.raw(`" data-testid="filter-dst"></label> `)
		for _, kv := range hiddenFilter(q) {
			m.raw(`<input type="hidden" name="`)
			m.text(kv[0])
			m.raw(`" value="`)
			m.text(kv[1])
			m.raw(`"> `)
		}
		if q.Sort != "" {
			m.raw(`<input type="hidden" name="sort" value="`)
			m.text(q.Sort)
			m.raw(`"> `)
		}
		m.raw(`<button type="submit">`)
		m.text(t(ctx, "filter.button"))
		m.raw(`</button></form>`)
		if d.Search != nil && d.Search.Note != "" {
			m.raw(`<p class="note" role="status" data-testid="search-note">`)
			m.text(d.Search.Note)
			m.raw(`</p>`)
		}
		if d.Search != nil && d.Search.Fuzzy {
			m.raw(`<p class="note" role="status" data-testid="search-fuzzy">`)
			m.text(t(ctx, "search.fuzzy"))
			m.raw(`</p>`)
		}
		m.raw(`<details class="search-help" data-testid="search-help"><summary>`)
		m.text(t(ctx, "search.syntax"))
		m.raw(`</summary><pre>`)
		m.text(t(ctx, "search.help"))
		m.raw(`</pre></details> `)
		if len(d.Chips) > 0 {
			remove := t(ctx, "chip.remove")
			m.raw(`<ul class="chips" data-testid="chips">`)
			for _, c := range d.Chips {
				m.raw(`<li><a href="`)
				m.href(c.Remove)
				m.raw(`" title="`)
				m.text(remove)
				m.raw(`">`)
				m.text(chipLabel(ctx, c))
				m.raw(` <span aria-hidden="true">×</span></a></li>`)
			}
			m.raw(`<li><a href="`)
			m.href("/flows")
			m.raw(`" class="clear">`)
			m.text(t(ctx, "chip.clear"))
			m.raw(`</a></li></ul>`)
		}
		m.raw(`<div class="bar"><p class="total" data-testid="total"><strong>`)
		m.text(t(ctx, "count.flows", d.Total))
		m.raw(`</strong></p><p class="sort">`)
		m.text(t(ctx, "sort.label"))
		m.raw(` `)
		switch {
		case q.Sort == "":
			// The order shown: relevance for a ranked search, else the
			// documents'.
			order := "sort.doc"
			if d.Search != nil && d.Search.Ranked() {
				order = "sort.relevance"
			}
			m.raw(`<strong>`)
			m.text(t(ctx, order))
			m.raw(`</strong> · <a href="`)
			m.href(q.WithSort("port").URL("/flows"))
			m.raw(`" data-testid="sort-port">`)
			m.text(t(ctx, "sort.port"))
			m.raw(`</a>`)
		default:
			m.raw(`<a href="`)
			m.href(q.WithSort("doc").URL("/flows"))
			m.raw(`" data-testid="sort-doc">`)
			m.text(t(ctx, "sort.doc"))
			m.raw(`</a> · <strong>`)
			m.text(t(ctx, "sort.port"))
			m.raw(`</strong>`)
		}
		export := exportQuery(q)
		m.raw(`</p><p class="export"><a href="`)
		m.href(export.URL("/flows.csv"))
		m.raw(`" data-testid="csv-link">CSV</a> · <a href="`)
		m.text(withVersion(ctx, export.URL("/api/v1/flows")))
		m.raw(`">JSON</a> · <a href="`)
		m.href(changeLink(q))
		m.raw(`" data-testid="change-link">`)
		m.text(t(ctx, "change.build"))
		m.raw(`</a></p></div>`)
		page := q.PageNumber()
		switch {
		case d.Total == 0:
			m.raw(`<p class="empty" data-testid="empty">`)
			m.text(t(ctx, "flows.none"))
			m.raw(`</p>`)
		case len(d.Flows) == 0:
			m.raw(`<p class="empty" data-testid="empty">`)
			m.text(t(ctx, "flows.no_page", itoa(page), t(ctx, "count.pages", d.Pages)))
			m.raw(`</p>`)
		default:
			o := tableOpts{ShowDoc: true, ShowSection: true, Langs: d.Langs, Marks: d.Marks, TitlesEn: d.TitlesEn}
			if err := flowTable(d.Flows, o).Render(ctx, m); err != nil {
				return err
			}
		}
		if d.Pages > 1 {
			m.raw(`<nav class="pager" aria-label="`)
			m.text(t(ctx, "pager.label"))
			m.raw(`" data-testid="pager">`)
			if page > 1 {
				m.raw(`<a href="`)
				m.href(q.WithPage(page - 1).URL("/flows"))
				m.raw(`" rel="prev">‹ `)
				m.text(t(ctx, "pager.prev"))
				m.raw(`</a> `)
			}
			for _, p := range pageLinks(page, d.Pages) {
				switch p {
				case 0:
					m.raw(`<span class="gap">…</span> `)
				case page:
					m.raw(`<strong aria-current="page">`)
					m.b = strconv.AppendInt(m.b, int64(p), 10)
					m.raw(`</strong> `)
				default:
					m.raw(`<a href="`)
					m.href(q.WithPage(p).URL("/flows"))
					m.raw(`">`)
					m.b = strconv.AppendInt(m.b, int64(p), 10)
					m.raw(`</a> `)
				}
			}
			if page < d.Pages {
				m.raw(`<a href="`)
				m.href(q.WithPage(page + 1).URL("/flows"))
				m.raw(`" rel="next" data-testid="next">`)
				m.text(t(ctx, "pager.next"))
				m.raw(` ›</a>`)
			}
			m.raw(`</nav>`)
		}
		m.raw(`</div></div>`)
		return nil
	})
}
