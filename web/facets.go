package web

import (
	"html"
	"strconv"

	"github.com/a-h/templ"
)

// facetSections writes a listing's facets, one <section> per facet with
// values, byte for byte as the templ component facetSectionsReference
// writes them (TestFacetSectionsMatchReference). It is written by hand (see
// markup.go): a listing shows up to seven facets of up to 30 values, each
// with two links.
func facetSections(groups []facetGroup) templ.Component {
	n := 0
	for _, g := range groups {
		n += len(g.Items)
	}
	return handWritten(n*bytesPerFacetValue, func(m *markup) {
		selected := html.EscapeString(t(m.ctx, "facet.selected"))
		leftOut := html.EscapeString(t(m.ctx, "facet.left_out"))
		for _, g := range groups {
			if len(g.Items) == 0 {
				continue
			}
			m.raw(`<section class="facet" data-testid="facet-`)
			m.text(g.Key)
			m.raw(`"><h2>`)
			m.text(t(m.ctx, "facet."+g.Key))
			m.raw(`</h2><ul>`)
			for _, it := range g.Items {
				label := facetLabel(m.ctx, g.Key, it)
				m.raw(`<li><a href="`)
				m.href(it.URL)
				m.raw(`" class="`)
				m.text(facetClass(it))
				m.raw(`" data-testid="facet-link" data-value="`)
				m.text(it.Value)
				m.raw(`"><span class="box" aria-hidden="true"></span> `)
				if it.Active {
					m.raw(`<span class="vh">`)
					m.raw(selected)
					m.raw(`</span> `)
				} else if it.Excluded {
					m.raw(`<span class="vh">`)
					m.raw(leftOut)
					m.raw(`</span> `)
				}
				m.raw(`<span class="label">`)
				m.text(label)
				m.raw(`</span> <span class="count">`)
				m.b = strconv.AppendInt(m.b, int64(it.Count), 10)
				m.raw(`</span></a> <a href="`)
				m.href(it.Exclude)
				var tip string
				if it.Excluded {
					tip = t(m.ctx, "facet.include", label)
					m.raw(`" class="exclude out" data-testid="facet-exclude" data-value="`)
				} else {
					tip = t(m.ctx, "facet.exclude", label)
					m.raw(`" class="exclude" data-testid="facet-exclude" data-value="`)
				}
				m.text(it.Value)
				m.raw(`" title="`)
				m.text(tip)
				m.raw(`" aria-label="`)
				m.text(tip)
				m.raw(`">−</a></li>`)
			}
			m.raw(`</ul>`)
			if g.More > 0 {
				m.raw(`<p class="more" data-testid="facet-more">`)
				m.text(t(m.ctx, "facet.more", g.More))
				m.raw(`</p>`)
			}
			m.raw(`</section>`)
		}
	})
}

// bytesPerFacetValue is about what a facet value takes, to size a new
// buffer.
const bytesPerFacetValue = 512
