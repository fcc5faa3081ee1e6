package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/web/diagram"
)

// svgPolicy is the Content-Security-Policy of a standalone diagram drawn in
// theme t: nothing may load or run, only the diagram's own style sheet applies.
func svgPolicy(t diagram.Theme) string {
	return "default-src 'none'; style-src " + diagram.ThemeStyleHash(t) + "; frame-ancestors 'none'; base-uri 'none'"
}

// svgTheme reads ?theme= of a standalone diagram: light unless asked for
// dark, whatever the viewer's own setting, so that a diagram pasted into a
// wiki page looks the same to every reader.
func svgTheme(r *http.Request) (diagram.Theme, error) {
	v, err := single(r.URL.Query(), "theme")
	if err != nil {
		return 0, err
	}
	switch v {
	case "", "light":
		return diagram.ThemeLight, nil
	case "dark":
		return diagram.ThemeDark, nil
	}
	return 0, badRequest("theme: %q is not a theme (use light or dark)", v)
}

// handleDocDiagram serves /docs/{doc}/diagram.svg: the document's overview
// diagram, every endpoint of every section, as a standalone SVG to paste into a
// wiki or a ticket.
func (s *Server) handleDocDiagram(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.document(r, chi.URLParam(r, "doc"))
	if err != nil {
		return err
	}
	if flowCount(doc) == 0 {
		return notFound("document %q lists no flows, so it has no diagram", doc.Slug)
	}
	theme, err := svgTheme(r)
	if err != nil {
		return err
	}
	var merge *diagram.Merge
	switch boxes := r.URL.Query().Get("boxes"); boxes {
	case "":
	case "role":
		merge = roleMerge(r.Context(), doc)
	default:
		return badRequest("boxes: %q is not a way to draw boxes (use role, or leave it out)", boxes)
	}
	var buf bytes.Buffer
	if err := diagram.LayoutDocument(diagramLabels(r.Context()), doc, merge).SVG(&buf, diagram.Options{Lang: doc.Language, Theme: theme}); err != nil {
		return err
	}
	return s.sendSVG(w, r, theme, buf.Bytes())
}

// roleMerge draws, in one document's overview, the endpoints that are the same
// role under different names as one box (Citrix's RADIUS, RADIUS Server,
// RADIUS Server (Load Balancing) and RADIUS external authentication server):
// an endpoint name whose only role (not a guess) is one that two or more of
// the document's names have.
func roleMerge(ctx context.Context, doc data.Document) *diagram.Merge {
	roleOf := map[string]string{} // endpoint key -> its one role, "" for none or several
	for _, sec := range doc.Sections {
		for _, f := range sec.Flows {
			for _, side := range []string{data.SideSource, data.SideDestination} {
				name := f.Source
				if side == data.SideDestination {
					name = f.Destination
				}
				if strings.TrimSpace(name) == "" {
					continue
				}
				one := ""
				for _, r := range sideRoles(f, side) {
					if r.Guess || (one != "" && one != r.Role) {
						one = "\x00"
						break
					}
					one = r.Role
				}
				if one == "\x00" {
					one = ""
				}
				roleOf[endpointKey(name)] = one
			}
		}
	}
	names := map[string]int{}
	for _, role := range roleOf {
		if role != "" {
			names[role]++
		}
	}
	return &diagram.Merge{
		Group: func(name string) string {
			if role := roleOf[endpointKey(name)]; names[role] >= 2 {
				return role
			}
			return ""
		},
		Title: func(role string) string { return roleTitle(ctx, role) },
	}
}

// endpointKey compares endpoint names as the diagrams do: any case, any spacing.
func endpointKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// handleSectionDiagram serves /docs/{doc}/{section}/diagram.svg.
func (s *Server) handleSectionDiagram(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.document(r, chi.URLParam(r, "doc"))
	if err != nil {
		return err
	}
	theme, err := svgTheme(r)
	if err != nil {
		return err
	}
	slug := chi.URLParam(r, "section")
	for _, sec := range doc.Sections {
		if sec.Slug != slug {
			continue
		}
		if len(sec.Flows) == 0 {
			return notFound("section %q of %q lists no flows, so it has no diagram", slug, doc.Slug)
		}
		var buf bytes.Buffer
		if err := diagram.Layout(diagramLabels(r.Context()), sec.Title, sec.Subject, sec.Flows).SVG(&buf, diagram.Options{Lang: doc.Language, Theme: theme}); err != nil {
			return err
		}
		return s.sendSVG(w, r, theme, buf.Bytes())
	}
	return notFound("document %q has no section %q", doc.Slug, slug)
}

// sendSVG sends a diagram with the ETag and caching of every other response,
// under a policy that lets its inline style sheet apply.
func (s *Server) sendSVG(w http.ResponseWriter, r *http.Request, theme diagram.Theme, body []byte) error {
	w.Header().Set("Content-Security-Policy", svgPolicy(theme))
	return s.send(w, r, "image/svg+xml; charset=utf-8", body)
}

// allowDiagramStyle lets a page embed diagrams inline: it adds the hash of the
// diagrams' one style sheet to the page's style-src, and nothing else.
func allowDiagramStyle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if csp := h.Get("Content-Security-Policy"); strings.Contains(csp, "style-src 'self'") {
			h.Set("Content-Security-Policy", strings.Replace(csp, "style-src 'self'", "style-src 'self' "+diagram.StyleHash(), 1))
		}
		next.ServeHTTP(w, r)
	})
}

// docDiagram is the overview diagram of a document, inline, for /docs/{doc}.
// A large overview starts folded so the sections stay within reach.
func docDiagram(doc data.Document) templ.Component {
	if flowCount(doc) == 0 {
		return templ.NopComponent
	}
	fig := diagramFigure(func(l diagram.Labels) *diagram.Graph { return diagram.LayoutDocument(l, doc, nil) },
		"dg-"+doc.Slug, doc.Language, "/docs/"+doc.Slug+"/diagram.svg", "/flows?doc="+doc.Slug, 30)
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := fig.Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `<p class="pd-links"><a href="`+templ.EscapeString(withLang(ctx, "/docs/"+doc.Slug+"/diagram.svg?boxes=role"))+
			`" data-testid="diagram-by-role">`+templ.EscapeString(t(ctx, "diagram.by_role"))+"</a></p>\n")
		return err
	})
}

// sectionDiagram is the diagram of one section, inline, for
// /docs/{doc}/{section}.
func sectionDiagram(doc data.Document, sec data.Section) templ.Component {
	if len(sec.Flows) == 0 {
		return templ.NopComponent
	}
	return diagramFigure(func(l diagram.Labels) *diagram.Graph { return diagram.Layout(l, sec.Title, sec.Subject, sec.Flows) },
		"dg-"+sec.Slug, doc.Language, "/docs/"+doc.Slug+"/"+sec.Slug+"/diagram.svg", "/flows?doc="+doc.Slug+"&section="+sec.Slug, 0)
}

// svgLink is an internal link of an inline diagram.
var svgLink = regexp.MustCompile(`href="(/[^"]*)"`)

// linksWithLang makes the internal links of an inline diagram keep a language
// the URL chose and the version the page shows, as every other link of the
// page does.
func linksWithLang(ctx context.Context, svg []byte) []byte {
	if !localeOf(ctx).explicit && viewOf(ctx) == nil {
		return svg
	}
	return svgLink.ReplaceAllFunc(svg, func(m []byte) []byte {
		u := html.UnescapeString(string(svgLink.FindSubmatch(m)[1]))
		return []byte(`href="` + html.EscapeString(withLang(ctx, u)) + `"`)
	})
}

// diagramFigure writes a diagram inline (so its boxes and arrows are links)
// in a foldable figure that scrolls sideways when the diagram is wider than the
// page, with a link to the standalone SVG. The diagram is laid out in the
// reader's language; one with more than foldAbove boxes (if not 0) starts
// folded. A capped diagram says so above it, linking to listURL.
func diagramFigure(layout func(diagram.Labels) *diagram.Graph, id, lang, svgURL, listURL string, foldAbove int) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		g := layout(diagramLabels(ctx))
		var b bytes.Buffer
		if g.Omitted > 0 {
			// Said on the page too, where it is seen with the diagram
			// folded: the note links to the listing of every flow.
			b.WriteString(`<p class="note" data-testid="diagram-capped"><a href="` + templ.EscapeString(withLang(ctx, listURL)) + `">` +
				templ.EscapeString(t(ctx, "diagram.capped", len(g.Nodes), g.AllNodes, g.Omitted)) + "</a></p>\n")
		}
		b.WriteString(`<details class="diagram" data-testid="diagram"`)
		if foldAbove == 0 || len(g.Nodes) <= foldAbove {
			b.WriteString(" open")
		}
		b.WriteString("><summary>" + templ.EscapeString(t(ctx, "diagram.summary",
			t(ctx, "count.endpoints", len(g.Nodes)), t(ctx, "count.connections", len(g.Edges)))) + "</summary>\n")
		b.WriteString(`<div class="pd-scroll">`)
		var svg bytes.Buffer
		if err := g.SVG(&svg, diagram.Options{IDPrefix: id, Lang: lang}); err != nil {
			return err
		}
		b.Write(linksWithLang(ctx, svg.Bytes()))
		b.WriteString(`</div><p class="pd-links">` + templ.EscapeString(t(ctx, "diagram.links_note")) +
			` <a href="` + templ.EscapeString(withLang(ctx, svgURL)) + `">` + templ.EscapeString(t(ctx, "diagram.as_svg")) +
			`</a></p></details>` + "\n")
		_, err := w.Write(b.Bytes())
		return err
	})
}

// diagramLabels are a diagram's own words in the reader's language.
func diagramLabels(ctx context.Context) diagram.Labels {
	return diagram.Labels{
		UnspecifiedSource:      t(ctx, "diagram.unspecified_source"),
		UnspecifiedDestination: t(ctx, "diagram.unspecified_destination"),
		PortNotStated:          t(ctx, "diagram.port_not_stated"),
		TCP:                    t(ctx, "diagram.legend_tcp"),
		UDP:                    t(ctx, "diagram.legend_udp"),
		Both:                   t(ctx, "diagram.legend_both"),
		Other:                  t(ctx, "diagram.legend_other"),
		TitlePrefix:            t(ctx, "diagram.title", ""),
		To:                     t(ctx, "diagram.to"),
		Summary: func(n, e int) string {
			return t(ctx, "diagram.desc", t(ctx, "count.endpoints", n), t(ctx, "count.connections", e))
		},
		Capped: func(shown, all, omitted int) string {
			return t(ctx, "diagram.capped", shown, all, omitted)
		},
	}
}
