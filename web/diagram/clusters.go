package diagram

import (
	"math"
	"slices"

	"github.com/portolan/portolan/data"
)

// Cluster is one section of a document overview: the section's own diagram,
// framed, under its heading, which links to the section's page.
type Cluster struct {
	Section string   // section slug
	Title   string   // the heading as written
	Lines   []string // Title wrapped
	Head    Rect     // where the heading is drawn
	Frame   Rect     // around the heading and the section's diagram
}

// Sizes of a cluster, in px.
const (
	clusterFont    = 13.0
	clusterLineH   = 17.0
	clusterPad     = 10.0
	clusterGap     = 18.0
	clusterHeadGap = 8.0    // between a cluster's heading and its diagram
	clusterMaxW    = 1360.0 // rows of clusters wrap at this width (or the widest cluster)
	clusterLines   = 2
	clusterMinTxt  = 220.0
)

// layoutClusters lays out a document overview section by section: each
// section's flows are laid out on their own, as on the section's page, and
// the sections are placed in rows, in document order. An endpoint named in
// several sections is drawn in each of them, so that no arrow runs from one
// end of the document to the other: a document of Citrix's size (113
// endpoints, 129 connections) stays readable where one layered layout of
// everything is a tangle.
//
// The overview obeys the caps of every diagram, MaxNodes boxes and MaxEdges
// arrows in all its sections together (Citrix's is 147 and 134): sections
// are drawn in order while they fit, the one that reaches a cap drawn in
// part, and the note under the title says how many endpoints it shows of
// how many and how many flows it leaves out, as a capped diagram does. So a
// document of thousands of endpoints costs what one of 150 does.
func layoutClusters(lb Labels, title, slug string, secs []data.Section) *Graph {
	g := &Graph{Title: title, Doc: slug, labels: lb}
	type part struct {
		sec data.Section
		sg  *Graph
		w   float64
		h   float64
	}
	var parts []part
	widest := 0.0
	nodes, edges := 0, 0 // drawn so far, in the sections before
	for _, sec := range secs {
		if len(sec.Flows) == 0 {
			continue
		}
		subject := sec.Subject
		subjectOf := func(data.Flow) string { return subject }
		flows, omitted, all := capFlowsTo(sec.Flows, subjectOf, MaxNodes-nodes, MaxEdges-edges)
		g.Omitted += omitted
		g.AllNodes += all
		if len(flows) == 0 {
			continue
		}
		flows = slices.Clone(flows)
		for i := range flows {
			if flows[i].SectionID == "" {
				flows[i].SectionID = sec.Slug
			}
			if flows[i].Doc == "" {
				flows[i].Doc = slug
			}
		}
		sg := &Graph{Title: sec.Title, Scope: sec.Slug, Doc: slug, labels: lb}
		sg.Nodes, sg.Edges = build(flows, subjectOf, lb, nil)
		nodes += len(sg.Nodes)
		edges += len(sg.Edges)
		(&layouter{g: sg, bare: true}).run()
		w := max(sg.Width-2*margin, clusterMinTxt) + 2*clusterPad
		parts = append(parts, part{sec: sec, sg: sg, w: w})
		widest = max(widest, w)
	}
	rowMax := max(clusterMaxW, widest)

	// Heading and legend first, as every diagram has them; the note of a
	// capped overview counts the boxes the sections draw.
	for _, p := range parts {
		g.Nodes = append(g.Nodes, p.sg.Nodes...)
		g.Edges = append(g.Edges, p.sg.Edges...)
	}
	top, legendRight := g.placeHeader(rowMax)
	x, y, rowH := margin, top, 0.0
	right := 0.0
	for i := range parts {
		p := &parts[i]
		lines, _ := wrap(p.sec.Title, p.w-2*clusterPad, clusterFont*1.08, clusterLines)
		headH := float64(len(lines)) * clusterLineH
		p.h = clusterPad + headH + clusterHeadGap + p.sg.Height - 2*margin + clusterPad
		if x > margin && x+p.w > margin+rowMax {
			x, y, rowH = margin, y+rowH+clusterGap, 0
		}
		c := Cluster{Section: p.sec.Slug, Title: p.sec.Title, Lines: lines,
			Head:  Rect{x + clusterPad, y + clusterPad, math.Ceil(maxWidth(lines, clusterFont*1.08)), headH},
			Frame: Rect{x, y, p.w, p.h}}
		g.Clusters = append(g.Clusters, c)
		p.sg.shift(x+clusterPad-margin, y+clusterPad+headH+clusterHeadGap-margin)
		x += p.w + clusterGap
		rowH = max(rowH, p.h)
		right = max(right, x-clusterGap)
	}
	g.Width = math.Ceil(max(right+margin, legendRight+margin, g.TitleBox.X+g.TitleBox.W+margin))
	g.Height = math.Ceil(y + rowH + margin)
	return g
}

// shift moves everything drawn in g by (dx, dy).
func (g *Graph) shift(dx, dy float64) {
	mv := func(r *Rect) { r.X += dx; r.Y += dy }
	for _, n := range g.Nodes {
		mv(&n.Box)
		mv(&n.Text)
	}
	for _, e := range g.Edges {
		mv(&e.Label)
		mv(&e.Text)
		for i := range e.Path {
			e.Path[i].P.X += dx
			e.Path[i].P.Y += dy
		}
	}
}
