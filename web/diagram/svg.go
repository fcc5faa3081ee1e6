package diagram

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// Options are the choices a page makes when it embeds a diagram.
type Options struct {
	// IDPrefix makes the ids in the SVG (title, desc, arrow markers) unique on
	// a page that shows more than one diagram inline. Default "dg".
	IDPrefix string
	// Lang is the language of the names and purposes ("en", "ja").
	Lang string
	// Theme chooses the colours: ThemeAuto (the zero value) follows the
	// viewer's light or dark setting, as a page does; a standalone SVG is
	// ThemeLight unless asked, so that pasted into a light wiki page it
	// stays light for every reader.
	Theme Theme
}

// Theme is a diagram's colour scheme.
type Theme int

// The themes of Options.Theme.
const (
	ThemeAuto Theme = iota
	ThemeLight
	ThemeDark
)

const (
	cssFont  = `font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP","Hiragino Sans","Yu Gothic",Meiryo,"Microsoft YaHei",sans-serif;`
	cssLight = `--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--box:#f3f5f8;--boxline:#5b6470;--frame:#c4cad3;--tcp:#1f5fa8;--udp:#7a3fb0;--both:#0f766e;--other:#8a5a00`
	cssDark  = `--bg:#15181d;--fg:#e4e7eb;--muted:#9aa3ad;--box:#1d2127;--boxline:#9aa3ad;--frame:#3a414b;--tcp:#7db3f5;--udp:#c39af0;--both:#5eead4;--other:#e6b450`
	// cssRules are the rules every theme shares.
	cssRules = `@media print{svg.pd{--bg:#fff;--fg:#000;--muted:#333;--box:#fff;--boxline:#000;--frame:#999;--tcp:#000;--udp:#000;--both:#000;--other:#000}}` +
		`svg.pd .bg{fill:var(--bg)}` +
		`svg.pd text{fill:var(--fg)}` +
		`svg.pd .hd{font-weight:600}` +
		`svg.pd .cl{fill:none;stroke:var(--frame)}svg.pd .clh{font-weight:600}svg.pd a.cla:hover text,svg.pd a.cla:focus text{text-decoration:underline}` +
		`svg.pd .box{fill:var(--box);stroke:var(--boxline)}` +
		`svg.pd .ph .box{stroke-dasharray:4 3}` +
		`svg.pd .ph text{font-style:italic;fill:var(--muted)}` +
		`svg.pd .ln{fill:none;stroke-width:1.4}` +
		`svg.pd .hit{fill:none;stroke:transparent;stroke-width:9}` +
		`svg.pd .pill{fill:var(--bg);stroke-width:.8}` +
		`svg.pd .tcp{stroke:var(--tcp)}svg.pd .udp{stroke:var(--udp);stroke-dasharray:7 4}` +
		`svg.pd .both{stroke:var(--both);stroke-dasharray:10 3 2 3}svg.pd .other{stroke:var(--other);stroke-dasharray:2 3}` +
		`svg.pd .pill.tcp,svg.pd .pill.udp,svg.pd .pill.both,svg.pd .pill.other,svg.pd .ah{stroke-dasharray:none}` +
		`svg.pd .ah.tcp{fill:var(--tcp)}svg.pd .ah.udp{fill:var(--udp)}svg.pd .ah.both{fill:var(--both)}svg.pd .ah.other{fill:var(--other)}` +
		`svg.pd .t-tcp{fill:var(--tcp)}svg.pd .t-udp{fill:var(--udp)}svg.pd .t-both{fill:var(--both)}svg.pd .t-other{fill:var(--other)}` +
		`svg.pd a:hover .ln,svg.pd a:focus .ln{stroke-width:2.6}svg.pd a:hover .box,svg.pd a:focus .box{stroke-width:2}` +
		`svg.pd a:hover text,svg.pd a:focus text{text-decoration:underline}` +
		`@media print{svg.pd .hit{display:none}}` +
		// The scrolling container an HTML page puts an inline diagram in.
		`div.pd-scroll{overflow-x:auto;max-width:100%}`
)

// CSS is the style sheet of an inline diagram (ThemeAuto), the same bytes in
// every diagram so that one hash allows it under a Content-Security-Policy
// (see StyleHash). Every rule is scoped to svg.pd, since a style element
// inside inline SVG applies to the whole page. The colours follow the site's
// palette, in light and dark, and print in black on white; TCP, UDP, both and
// other protocols differ by stroke pattern (solid, dashed, dash-dotted,
// dotted) as well as by colour, and every label says its protocol in words.
const CSS = `svg.pd{` + cssFont + cssLight + `}` +
	`@media (prefers-color-scheme:dark){svg.pd{` + cssDark + `}}` + cssRules

// ThemeCSS is the style sheet of a diagram drawn in theme t: CSS for
// ThemeAuto, the light or dark palette alone for the others.
func ThemeCSS(t Theme) string {
	switch t {
	case ThemeLight:
		return `svg.pd{` + cssFont + cssLight + `}` + cssRules
	case ThemeDark:
		return `svg.pd{` + cssFont + cssDark + `}` + cssRules
	}
	return CSS
}

// StyleHash is the CSP source allowing CSS: "'sha256-…'".
func StyleHash() string { return ThemeStyleHash(ThemeAuto) }

// ThemeStyleHash is the CSP source allowing ThemeCSS(t).
func ThemeStyleHash(t Theme) string {
	sum := sha256.Sum256([]byte(ThemeCSS(t)))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Fallback colours, as presentation attributes, so the diagram stays legible
// where its style sheet is not applied (a strict CSP, a mail client): the
// style sheet overrides them.
var fallback = map[string]string{"tcp": "#1f5fa8", "udp": "#7a3fb0", "both": "#0f766e", "other": "#8a5a00"}

var dashes = map[string]string{"tcp": "", "udp": "7 4", "both": "10 3 2 3", "other": "2 3"}

var classes = []string{"tcp", "udp", "both", "other"}

// SVG writes the diagram as a standalone SVG document (also valid inline in
// HTML). The bytes depend only on the graph and o.
func (g *Graph) SVG(w io.Writer, o Options) error {
	p := o.IDPrefix
	if p == "" {
		p = "dg"
	}
	bw := bufio.NewWriter(w)
	s := &svgWriter{w: bw}
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="pd" width="`, num(g.Width), `" height="`, num(g.Height),
		`" viewBox="0 0 `, num(g.Width), " ", num(g.Height), `" role="img" aria-labelledby="`, p, "-t ", p, `-d"`)
	if o.Lang != "" {
		s.printf(` lang="`, attr(o.Lang), `" xml:lang="`, attr(o.Lang), `"`)
	}
	s.printf(">\n")
	s.printf(`<title id="`, p, `-t">`, text(g.labels.TitlePrefix+g.Title), "</title>\n")
	s.printf(`<desc id="`, p, `-d">`, text(g.describe()), "</desc>\n")
	s.printf("<style>", ThemeCSS(o.Theme), "</style>\n")
	s.printf("<defs>")
	for _, c := range classes {
		s.printf(`<marker id="`, p, "-a-", c, `" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">`,
			`<path class="ah `, c, `" fill="`, fallback[c], `" d="M0,1L10,5L0,9z"/></marker>`)
	}
	s.printf("</defs>\n")
	s.printf(`<rect class="bg" fill="#fff" width="`, num(g.Width), `" height="`, num(g.Height), "\"/>\n")

	// Heading and legend.
	for i, l := range g.TitleLines {
		// The lines after the title's say the diagram is capped: they
		// link to the listing of every flow it draws from.
		capped := i >= g.titleOnly
		if capped {
			s.printf(`<a href="`, attr(g.flowsURL(g.Scope, "", "")), `">`)
		}
		s.printf(`<text class="hd" fill="#1b1f24" font-size="`, num(titleFont), `" x="`, num(g.TitleBox.X), `" y="`,
			num(baseline(g.TitleBox.Y+float64(i)*titleLineH, titleLineH, titleFont)), `">`, text(l), "</text>\n")
		if capped {
			s.printf("</a>\n")
		}
	}
	s.printf(`<g class="legend" font-size="`, num(legendFont), `">`)
	for _, l := range g.Legend {
		s.printf(`<path class="ln `, l.Class, `" stroke="`, fallback[l.Class], `" fill="none"`, dashAttr(l.Class), ` d="M`, num(l.Line.X), ",", num(l.Line.Y),
			"H", num(l.Line.X+l.Line.W), `" marker-end="url(#`, p, "-a-", l.Class, `)"/>`)
		s.printf(`<text class="t-`, l.Class, `" fill="`, fallback[l.Class], `" x="`, num(l.Box.X), `" y="`,
			num(baseline(l.Box.Y, legendLineH, legendFont)), `">`, text(l.Text), "</text>")
	}
	s.printf("</g>\n")

	// Section frames, each heading a link to the section's page.
	if len(g.Clusters) > 0 {
		s.printf(`<g class="clusters" font-size="`, num(clusterFont), "\">\n")
		for _, c := range g.Clusters {
			s.printf(`<rect class="cl" fill="none" stroke="#c4cad3" x="`, num(c.Frame.X), `" y="`, num(c.Frame.Y), `" width="`, num(c.Frame.W),
				`" height="`, num(c.Frame.H), `" rx="6"/>`)
			s.printf(`<a class="cla" href="`, attr("/docs/"+g.Doc+"/"+c.Section), `">`)
			for i, l := range c.Lines {
				s.printf(`<text class="clh" fill="#1b1f24" font-weight="600" x="`, num(c.Head.X), `" y="`,
					num(baseline(c.Head.Y+float64(i)*clusterLineH, clusterLineH, clusterFont)), `">`, text(l), "</text>")
			}
			s.printf("</a>\n")
		}
		s.printf("</g>\n")
	}

	// Arrows, each with its label, in one link to the flows it stands for.
	s.printf(`<g class="edges" font-size="`, num(labelFont), "\">\n")
	for _, e := range g.Edges {
		s.printf(`<a href="`, attr(g.edgeHref(e)), `">`, "<title>", text(e.title(g.labels.PortNotStated)), "</title>")
		d := pathData(e.Path)
		s.printf(`<path class="hit" fill="none" stroke="none" d="`, d, `"/>`)
		s.printf(`<path class="ln `, e.Class, `" fill="none" stroke="`, fallback[e.Class], `"`, dashAttr(e.Class), ` d="`, d,
			`" marker-end="url(#`, p, "-a-", e.Class, `)"/>`)
		s.printf(`<rect class="pill `, e.Class, `" fill="#fff" stroke="`, fallback[e.Class], `" stroke-width=".8" x="`, num(e.Label.X), `" y="`, num(e.Label.Y),
			`" width="`, num(e.Label.W), `" height="`, num(e.Label.H), `" rx="3"/>`)
		cx := e.Label.X + e.Label.W/2
		for i, ln := range e.Lines {
			s.printf(`<text text-anchor="middle" x="`, num(cx), `" y="`,
				num(baseline(e.Text.Y+float64(i)*labelLineH, labelLineH, labelFont)), `">`)
			for k, gr := range ln {
				if k > 0 {
					s.printf(text(labelSep))
				}
				s.printf(`<tspan class="t-`, gr.Class, `" fill="`, fallback[gr.Class], `">`, text(gr.Text), "</tspan>")
			}
			s.printf("</text>")
		}
		s.printf("</a>\n")
	}
	s.printf("</g>\n")

	// Boxes, each a link to the flows from (or to) its endpoint.
	s.printf(`<g class="nodes" font-size="`, num(nodeFont), "\">\n")
	for _, n := range g.Nodes {
		cls := "n"
		if n.Placeholder {
			cls = "n ph"
		}
		title := n.Name
		if len(n.Names) > 0 {
			title += ": " + strings.Join(n.Names, " · ")
		}
		s.printf(`<a class="`, cls, `" href="`, attr(g.nodeHref(n)), `"><title>`, text(title), "</title>")
		s.printf(`<rect class="box" fill="#f3f5f8" stroke="#5b6470" x="`, num(n.Box.X), `" y="`, num(n.Box.Y), `" width="`, num(n.Box.W),
			`" height="`, num(n.Box.H), `" rx="4"/>`)
		cx := n.Box.X + n.Box.W/2
		for i, l := range n.Lines {
			s.printf(`<text fill="#1b1f24" text-anchor="middle" x="`, num(cx), `" y="`,
				num(baseline(n.Text.Y+float64(i)*nodeLineH, nodeLineH, nodeFont)), `">`, text(l), "</text>")
		}
		s.printf("</a>\n")
	}
	s.printf("</g>\n</svg>\n")
	if s.err != nil {
		return s.err
	}
	return bw.Flush()
}

type svgWriter struct {
	w   *bufio.Writer
	err error
}

func (s *svgWriter) printf(parts ...string) {
	for _, p := range parts {
		if s.err != nil {
			return
		}
		_, s.err = s.w.WriteString(p)
	}
}

// baseline is where to put the baseline of text of size size so that it sits
// centred in a line box of height lineH starting at top.
func baseline(top, lineH, size float64) float64 {
	return top + lineH/2 + size*0.36
}

func dashAttr(class string) string {
	if d := dashes[class]; d != "" {
		return ` stroke-dasharray="` + d + `"`
	}
	return ""
}

// num formats a coordinate with at most one decimal: fixed, so bytes repeat.
func num(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// pathData writes a path: straight segments as lines, curves as cubic Béziers
// that leave and arrive horizontally.
func pathData(p []Seg) string {
	var b strings.Builder
	b.WriteString("M" + num(p[0].P.X) + "," + num(p[0].P.Y))
	for i := 1; i < len(p); i++ {
		a, c := p[i-1].P, p[i].P
		if !p[i].Curve {
			b.WriteString("L" + num(c.X) + "," + num(c.Y))
			continue
		}
		dx := (c.X - a.X) / 2
		if math.Abs(dx) < 12 { // a loop turning back: keep its curve open
			dx = math.Copysign(12, dx)
		}
		b.WriteString("C" + num(a.X+dx) + "," + num(a.Y) + " " + num(c.X-dx) + "," + num(c.Y) + " " + num(c.X) + "," + num(c.Y))
	}
	return b.String()
}

var attrEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;")
var textEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

func attr(s string) string { return attrEscaper.Replace(s) }
func text(s string) string { return textEscaper.Replace(s) }

// flowsURL is the link to the flow listing filtered by v.
func (g *Graph) flowsURL(section, src, dst string) string {
	v := url.Values{}
	v.Set("doc", g.Doc)
	if section != "" {
		v.Set("section", section)
	}
	if src != "" {
		v.Set("src", src)
	}
	if dst != "" {
		v.Set("dst", dst)
	}
	return "/flows?" + v.Encode()
}

// nodeHref links a box to the flows naming its endpoint as their source, or as
// their destination if it never is one; a subject standing in for an unnamed
// side, or a placeholder, links to the section's flows.
func (g *Graph) nodeHref(n *Node) string {
	if n.Role != "" {
		v := url.Values{}
		v.Set("doc", g.Doc)
		v.Set("role", n.Role)
		return "/flows?" + v.Encode()
	}
	switch {
	case n.Placeholder || (!n.AsSource && !n.AsDest):
		return g.flowsURL(g.Scope, "", "")
	case n.AsSource:
		return g.flowsURL(g.Scope, n.Name, "")
	}
	return g.flowsURL(g.Scope, "", n.Name)
}

// edgeHref links an arrow to the listing of its flows: filtered by the
// endpoints the document names, and by section where they are all in one.
func (g *Graph) edgeHref(e *Edge) string {
	section := g.Scope
	if section == "" && len(e.Sections) == 1 {
		section = e.Sections[0]
	}
	src, dst := "", ""
	if e.literalSrc && !e.From.Placeholder {
		src = e.From.Name
	}
	if e.literalDst && !e.To.Placeholder {
		dst = e.To.Name
	}
	return g.flowsURL(section, src, dst)
}

// title is an arrow's tooltip: who talks to whom, the ports, and what each
// flow is for.
func (e *Edge) title(notStated string) string {
	var b strings.Builder
	b.WriteString(e.From.Name + " → " + e.To.Name + "\n")
	for i, gr := range e.Groups {
		if i > 0 {
			b.WriteString(labelSep)
		}
		b.WriteString(gr.Text)
	}
	seen := map[string]bool{}
	for _, f := range e.Flows {
		p := strings.Join(strings.Fields(f.Purpose), " ")
		if f.PurposeEn != "" && f.PurposeEn != f.Purpose {
			p += " (" + strings.Join(strings.Fields(f.PurposeEn), " ") + ")"
		}
		if p == "" {
			continue
		}
		gs, _ := portGroups([]data.Flow{f}, notStated)
		var ports []string
		for _, gr := range gs {
			ports = append(ports, gr.Text)
		}
		line := strings.Join(ports, labelSep) + ": " + truncate(p, 240)
		if seen[line] {
			continue
		}
		seen[line] = true
		b.WriteString("\n• " + line)
	}
	return b.String()
}

func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// describe is the diagram's description for screen readers: every arrow in
// words.
func (g *Graph) describe() string {
	var b strings.Builder
	b.WriteString(g.labels.Summary(len(g.Nodes), len(g.Edges)))
	if g.Omitted > 0 && g.labels.Capped != nil {
		b.WriteString(" " + g.labels.Capped(len(g.Nodes), g.AllNodes, g.Omitted))
	}
	for _, e := range g.Edges {
		b.WriteString(" " + e.From.Name + g.labels.To + e.To.Name + ":")
		for i, gr := range e.Groups {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" " + gr.Text)
		}
		b.WriteString(".")
	}
	return b.String()
}
