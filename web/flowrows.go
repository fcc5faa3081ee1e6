package web

import (
	"html"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
)

// flowRows writes the rows of a flow table, one <tr> per flow, byte for byte
// as the templ component flowRowsReference writes them
// (TestFlowRowsMatchReference). It is written by hand (see markup.go)
// because the rows are most of what a listing renders: 50 rows of some 40
// expressions each. The messages every row repeats are looked up and
// escaped once per table.
func flowRows(flows []data.Flow, o tableOpts) templ.Component {
	return handWritten(len(flows)*bytesPerRow, func(m *markup) {
		rw := newRowWriter(m)
		for i := range flows {
			rw.row(&flows[i], o)
		}
	})
}

// rowWriter appends a flow table's rows.
type rowWriter struct {
	*markup
	en bool // the UI is in English: glosses go first

	// Messages every row repeats, escaped.
	colSource, colDestination, copied, copyTitle, showInDoc   string
	glossTitle, glossMark, notStated, noPurpose, reqUndefined string
	htmlLang                                                  string
}

// bytesPerRow is about what a row takes, to size a new buffer.
const bytesPerRow = 2048

func newRowWriter(m *markup) *rowWriter {
	ctx := m.ctx
	esc := func(key string) string { return html.EscapeString(t(ctx, key)) }
	return &rowWriter{
		markup: m, en: uiLang(ctx) == "en",
		colSource: esc("col.source"), colDestination: esc("col.destination"),
		copied: esc("flow.copied"), copyTitle: esc("flow.copy_title"), showInDoc: esc("flow.show_in_doc"),
		glossTitle: esc("gloss.title"), glossMark: esc("gloss.mark"), notStated: esc("value.not_stated"),
		noPurpose: esc("flow.no_purpose"), reqUndefined: esc("req.undefined"), htmlLang: html.EscapeString(htmlLang(ctx)),
	}
}

// row is flowRowsReference's <tr> for f.
func (rw *rowWriter) row(f *data.Flow, o tableOpts) {
	lang := o.Langs[f.Doc]
	marks := o.Marks[f.ID]
	rw.raw(`<tr id="f-`)
	rw.text(f.ID)
	rw.raw(`" data-testid="flow-row" data-flow="`)
	rw.text(f.ID)
	rw.raw(`"><td class="link"><a class="copy" href="`)
	rw.href(f.URL)
	rw.raw(`" data-copy data-copied="`)
	rw.raw(rw.copied)
	rw.raw(`" title="`)
	rw.raw(rw.copyTitle)
	rw.raw(`" data-testid="copy-link" aria-label="`)
	rw.message("flow.link_to", f.ID)
	rw.raw(`">#</a></td>`)
	if o.ShowDoc || o.ShowSection {
		rw.raw(`<td class="where">`)
		if o.ShowDoc {
			rw.raw(`<a class="doc" href="`)
			rw.href("/docs/" + f.Doc)
			rw.raw(`">`)
			rw.text(f.Doc)
			rw.raw(`</a>`)
		}
		rw.sectionCell(f, lang, o.TitlesEn[f.Doc+"/"+f.SectionID])
		rw.raw(`</td>`)
	}
	rw.endpoint(f, "source", `<td class="host src" lang="`, lang, rw.colSource, f.Source, f.SourceEn, marks["source"])
	rw.raw(`</td>`)
	rw.endpoint(f, "destination", `<td class="host dst" lang="`, lang, rw.colDestination, f.Destination, f.DestinationEn, marks["destination"])
	rw.raw(`</td><td class="proto-cell">`)
	for _, p := range f.Protocols {
		rw.raw(`<span class="`)
		rw.text("badge proto proto-" + strings.ToLower(p))
		rw.raw(`">`)
		rw.text(p)
		rw.raw(`</span> `)
	}
	if f.AppProtocol != "" {
		rw.raw(`<span class="app">`)
		rw.text(f.AppProtocol)
		rw.raw(`</span>`)
	}
	rw.raw(`</td><td class="ports" data-testid="ports-cell">`)
	rw.ports(f)
	rw.raw(`</td><td class="req-cell">`)
	rw.requirement(f.Requirement, f.RequirementRaw)
	rw.raw(`</td><td class="dir">`)
	if f.Direction != "" {
		rw.raw(`<span data-dir="`)
		rw.text(f.Direction)
		rw.raw(`">`)
		rw.text(dirLabel(rw.ctx, f.Direction))
		rw.raw(`</span>`)
	}
	rw.raw(`</td><td class="purpose">`)
	rw.purpose(f, lang, marks)
	rw.lintBadge(f)
	rw.raw(`</td><td class="num line-cell"><a class="line" href="`)
	rw.href(sourceLink(*f))
	rw.raw(`" title="`)
	rw.raw(rw.showInDoc)
	rw.raw(`" aria-label="`)
	line := strconv.Itoa(f.Line)
	rw.message("flow.source_line", line)
	rw.raw(`">`)
	rw.text(line)
	rw.raw(`</a></td></tr>`)
}

// sectionCell is the templ component sectionCell.
func (rw *rowWriter) sectionCell(f *data.Flow, lang, titleEn string) {
	rw.raw(`<a href="`)
	rw.href("/docs/" + f.Doc + "/" + f.SectionID)
	if titleEn != "" && rw.en && hasGloss(f.Section, lang, titleEn) {
		rw.raw(`" lang="en" title="`)
		rw.text(f.Section)
		rw.raw(`" data-testid="section-gloss">`)
		rw.text(titleEn)
	} else {
		rw.raw(`" lang="`)
		rw.text(lang)
		rw.raw(`" title="`)
		rw.text(titleEn)
		rw.raw(`">`)
		rw.text(f.Section)
	}
	rw.raw(`</a>`)
}

// endpoint is the source or destination cell up to its closing tag: the
// name (marked) or a dash, its English gloss and its roles.
func (rw *rowWriter) endpoint(f *data.Flow, side, open, lang, label, name, gloss string, spans []search.Span) {
	rw.raw(open)
	rw.text(lang)
	rw.raw(`" data-label="`)
	rw.raw(label)
	rw.raw(`">`)
	if name != "" {
		rw.marked(name, spans)
	} else {
		rw.raw(`<span class="muted" title="`)
		rw.raw(rw.notStated)
		rw.raw(`">–</span>`)
	}
	if gloss != "" {
		rw.raw(`<span class="bi bi-second" lang="en" data-testid="endpoint-gloss"><span class="gloss-mark" title="`)
		rw.raw(rw.glossTitle)
		rw.raw(`">`)
		rw.raw(rw.glossMark)
		rw.raw(`</span>`)
		rw.text(gloss)
		rw.raw(`</span>`)
	}
	rw.roleTags(f, side)
}

// marked is the templ component marked: text with the parts a search
// matched in <mark>.
func (rw *rowWriter) marked(text string, spans []search.Span) {
	if len(spans) == 0 {
		rw.text(text)
		return
	}
	for _, seg := range search.Mark(text, spans) {
		if seg.Match {
			rw.raw(`<mark>`)
			rw.text(seg.Text)
			rw.raw(`</mark>`)
		} else {
			rw.text(seg.Text)
		}
	}
}

// roleTags is the templ component roleTags.
func (rw *rowWriter) roleTags(f *data.Flow, side string) {
	open := false
	for _, r := range f.Roles {
		if r.Side != side {
			continue
		}
		if !open {
			open = true
			rw.raw(`<span class="roles" data-testid="roles-`)
			rw.text(side)
			rw.raw(`">`)
		}
		if r.Guess {
			rw.raw(`<a class="role guess" href="`)
		} else {
			rw.raw(`<a class="role" href="`)
		}
		rw.href("/roles/" + r.Role)
		rw.raw(`" data-role="`)
		rw.text(r.Role)
		if r.Guess {
			rw.raw(`" data-guess="true" title="`)
			rw.message("role.guess_title", r.Name)
		} else {
			rw.raw(`" title="`)
			rw.message("role.matched_title", r.Name)
		}
		rw.raw(`">`)
		rw.text(roleTitle(rw.ctx, r.Role))
		if r.Guess {
			rw.raw(`?`)
		}
		rw.raw(`</a>`)
	}
	if open {
		rw.raw(`</span>`)
	}
}

// ports is the templ component portsCell.
func (rw *rowWriter) ports(f *data.Flow) {
	switch {
	case len(f.Ports) > 0:
		rw.raw(`<code>`)
		for i, r := range f.Ports {
			if i > 0 {
				rw.raw(`, `)
			}
			rw.raw(` <span class="nowrap">`)
			rw.text(r.String())
			rw.raw(`</span>`)
		}
		rw.raw(`</code>`)
	case f.PortsRaw != "":
		rw.raw(`<span class="muted">`)
		rw.text(f.PortsRaw)
		rw.raw(`</span>`)
	default:
		rw.raw(`<span class="muted">–</span>`)
	}
}

// requirement is the templ component reqBadge.
func (rw *rowWriter) requirement(req, raw string) {
	switch {
	case req != "":
		rw.raw(`<span class="`)
		rw.text("badge req req-" + req)
		rw.raw(`" title="`)
		rw.text(raw)
		rw.raw(`" data-req="`)
		rw.text(req)
		rw.raw(`">`)
		rw.text(reqLabel(rw.ctx, req))
		rw.raw(`</span>`)
	case raw != "":
		rw.raw(`<span class="badge req req-undefined" title="`)
		rw.text(raw)
		rw.raw(`" data-req="undefined">`)
		rw.raw(rw.reqUndefined)
		rw.raw(` `)
		rw.text(raw)
		rw.raw(`</span>`)
	}
}

// purpose is the purpose cell's link to the flow: the purpose with its
// English gloss (the templ component both), the purpose alone, the
// service, or "no purpose stated".
func (rw *rowWriter) purpose(f *data.Flow, lang string, marks search.Matches) {
	switch {
	case hasGloss(f.Purpose, lang, f.PurposeEn):
		rw.raw(`<a class="plain" href="`)
		rw.href(f.URL)
		rw.raw(`" data-testid="flow-link">`)
		if rw.en {
			rw.glossLine(f.PurposeEn, marks["purpose_en"])
			rw.raw(` <span class="bi bi-second" lang="`)
			rw.text(lang)
			rw.raw(`">`)
			rw.marked(f.Purpose, marks["purpose"])
			rw.raw(`</span>`)
		} else {
			rw.raw(`<span class="bi bi-first" lang="`)
			rw.text(lang)
			rw.raw(`">`)
			rw.marked(f.Purpose, marks["purpose"])
			rw.raw(`</span>`)
			rw.glossLine(f.PurposeEn, marks["purpose_en"])
		}
		rw.raw(`</a>`)
	case f.Purpose != "":
		rw.raw(`<a class="plain" href="`)
		rw.href(f.URL)
		rw.raw(`" data-testid="flow-link"><span lang="`)
		rw.text(lang)
		rw.raw(`">`)
		rw.marked(f.Purpose, marks["purpose"])
		rw.raw(`</span></a>`)
	case f.Service != "":
		rw.raw(`<a class="plain muted" href="`)
		rw.href(f.URL)
		rw.raw(`" data-testid="flow-link">`)
		rw.marked(f.Service, marks["service"])
		rw.raw(`</a>`)
	default:
		rw.raw(`<a class="plain muted" href="`)
		rw.href(f.URL)
		rw.raw(`" data-testid="flow-link">`)
		rw.raw(rw.noPurpose)
		rw.raw(`</a>`)
	}
}

// glossLine is the templ component glossLine of a marked English text.
func (rw *rowWriter) glossLine(en string, spans []search.Span) {
	if rw.en {
		rw.raw(`<span class="bi gloss-line bi-first" data-testid="gloss"><span class="gloss-mark" lang="`)
	} else {
		rw.raw(`<span class="bi gloss-line bi-second" data-testid="gloss"><span class="gloss-mark" lang="`)
	}
	rw.raw(rw.htmlLang)
	rw.raw(`" title="`)
	rw.raw(rw.glossTitle)
	rw.raw(`">`)
	rw.raw(rw.glossMark)
	rw.raw(`</span> <span lang="en">`)
	rw.marked(en, spans)
	rw.raw(`</span></span>`)
}

// lintBadge is the templ component lintBadge.
func (rw *rowWriter) lintBadge(f *data.Flow) {
	if len(f.Findings) == 0 {
		return
	}
	rw.raw(`<a class="`)
	rw.text("badge lint lint-" + worstSeverity(f.Findings))
	rw.raw(`" href="`)
	rw.href(f.URL + "#lint")
	rw.raw(`" data-testid="lint-badge" title="`)
	rw.text(findingTitles(rw.ctx, f.Findings))
	rw.raw(`">`)
	rw.text(t(rw.ctx, "lint.badge", len(f.Findings)))
	rw.raw(`</a>`)
}
