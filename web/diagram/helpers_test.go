package diagram

import (
	"strconv"

	"github.com/portolan/portolan/data"
)

// What the tests lay out and measure with: diagrams in English, and the
// geometry of the text they draw.

// englishLabels are the labels in English, what the golden files hold.
func englishLabels() Labels {
	return Labels{
		UnspecifiedSource: UnspecifiedSource, UnspecifiedDestination: UnspecifiedDestination,
		PortNotStated: "port not stated", TCP: "TCP", UDP: "UDP", Both: "TCP and UDP", Other: "other or not stated",
		TitlePrefix: "Network flows: ", To: " to ",
		Summary: func(n, e int) string {
			return strconv.Itoa(n) + " endpoints, " + strconv.Itoa(e) + " connections."
		},
		Capped: func(shown, all, omitted int) string {
			return "Showing " + strconv.Itoa(shown) + " of " + strconv.Itoa(all) + " endpoints; " +
				strconv.Itoa(omitted) + " flows not drawn. Every flow is in the listing."
		},
	}
}

// sectionGraph is Layout in English.
func sectionGraph(title, subject string, flows []data.Flow) *Graph {
	return Layout(englishLabels(), title, subject, flows)
}

// docGraph is LayoutDocument in English, no endpoints merged.
func docGraph(doc data.Document) *Graph { return LayoutDocument(englishLabels(), doc, nil) }

// Overlaps reports whether r and o share any area (touching edges do not count).
func (r Rect) Overlaps(o Rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Contains reports whether o lies inside r.
func (r Rect) Contains(o Rect) bool {
	return o.X >= r.X && o.Y >= r.Y && o.X+o.W <= r.X+r.W && o.Y+o.H <= r.Y+r.H
}

// textBox is one piece of text in the diagram and what it belongs to.
type textBox struct {
	Kind  string // "node", "label", "title", "legend", "cluster"
	Owner int    // index into Nodes or Edges for "node" and "label"
	Rect  Rect
}

// textBoxes lists every piece of text the diagram draws, with its box, so a
// test can check that none overlaps another or a box it does not belong to.
func (g *Graph) textBoxes() []textBox {
	var out []textBox
	if len(g.TitleLines) > 0 {
		out = append(out, textBox{Kind: "title", Owner: -1, Rect: g.TitleBox})
	}
	for _, l := range g.Legend {
		out = append(out, textBox{Kind: "legend", Owner: -1, Rect: l.Box})
	}
	for _, c := range g.Clusters {
		out = append(out, textBox{Kind: "cluster", Owner: -1, Rect: c.Head})
	}
	for i, n := range g.Nodes {
		out = append(out, textBox{Kind: "node", Owner: i, Rect: n.Text})
	}
	for i, e := range g.Edges {
		out = append(out, textBox{Kind: "label", Owner: i, Rect: e.Text})
	}
	return out
}
