// Package diagram draws who talks to whom, on which ports: a layered,
// left-to-right network diagram of a section's flows (or a whole document's),
// rendered as standalone SVG.
//
// It is pure: Layout is a function of the flows alone, and SVG a function of
// the layout, so the same data always gives the same bytes. There is no HTTP,
// no database and no JavaScript here, and no layout library: the layered
// (Sugiyama) layout is written out in layout.go because every pure-Go graph
// library we looked at either shells out to Graphviz or positions nodes
// without sizing edge labels, and the one guarantee that matters to a reader
// (no text over other text) needs the labels in the layout itself.
package diagram

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// Placeholder names for a side of a flow the document does not name and the
// section's subject cannot stand in for. They are drawn in italics and never
// taken for a host name.
const (
	UnspecifiedSource      = "(unspecified source)"
	UnspecifiedDestination = "(unspecified destination)"
)

// Labels are the words a diagram draws besides the document's own names: the
// placeholders for an unnamed side, the legend, the title and the description
// for screen readers. The web layer passes them in the reader's language.
type Labels struct {
	UnspecifiedSource, UnspecifiedDestination string
	PortNotStated                             string
	TCP, UDP, Both, Other                     string // legend entries
	TitlePrefix                               string // "Network flows: "
	To                                        string // " to " in the description
	// Summary says how many boxes and arrows there are ("7 endpoints, 7 connections.").
	Summary func(endpoints, connections int) string
	// Capped says that a diagram draws shown of all endpoints and leaves
	// out omitted flows (see MaxNodes), under the title.
	Capped func(shown, all, omitted int) string
}

// Graph is a laid-out diagram: every box, arrow and label with its position in
// px, ready to be rendered. Tests read the geometry from here, not from the SVG.
type Graph struct {
	Title  string
	Doc    string // document slug, for links
	Scope  string // section slug for a section diagram, "" for a document overview
	labels Labels // the diagram's own words
	Width  float64
	Height float64

	Nodes []*Node
	Edges []*Edge
	// Omitted is how many flows are not drawn, their endpoints or
	// connection past MaxNodes or MaxEdges; AllNodes is how many endpoints
	// the flows have in all, drawn or not.
	Omitted, AllNodes int
	titleOnly         int // TitleLines of the title; the rest say it is capped

	// TitleLines is the heading drawn at the top, wrapped, inside TitleBox.
	TitleLines []string
	TitleBox   Rect
	Legend     []LegendItem
	// Clusters are the sections of a document overview, each drawn on its
	// own under its heading; empty for a section's diagram.
	Clusters []Cluster
}

// Rect is an axis-aligned rectangle in px, Y growing downwards.
type Rect struct{ X, Y, W, H float64 }

// Point is a position in px.
type Point struct{ X, Y float64 }

// Node is one box: an endpoint as the document names it.
type Node struct {
	Name        string   // as written (first spelling seen, names compare case-insensitively)
	Lines       []string // Name wrapped to the box, capped, ellipsised
	Box         Rect
	Text        Rect // the box the wrapped name is drawn in, inside Box
	Layer       int
	Placeholder bool // an unnamed side: UnspecifiedSource or UnspecifiedDestination
	// AsSource and AsDest report whether some flow names the endpoint, as
	// written, on that side; they decide what the box links to.
	AsSource, AsDest bool
	// Role is set on a box standing for every endpoint of one role (see
	// Merge): Name is then the role's title and Names the endpoints' names
	// as written, all in the box's title.
	Role  string
	Names []string
}

// Merge draws endpoints of the same role under different names as one box.
// Group gives the role an endpoint name stands for in the diagram ("" to keep
// it a box of its own), Title the role's title.
type Merge struct {
	Group func(name string) string
	Title func(role string) string
}

// Edge is one arrow: every flow from one endpoint to another, aggregated.
type Edge struct {
	From, To               *Node
	Flows                  []data.Flow
	Groups                 []Group  // protocol groups of the label, "TCP 80, 443", "UDP 53"
	Lines                  []Line   // the label wrapped into lines
	Label                  Rect     // the label's pill
	Text                   Rect     // the label's text, inside Label
	Path                   []Seg    // from From to To
	Class                  string   // stroke style: "tcp", "udp", "both", "other"
	Loop                   bool     // From == To
	Reversed               bool     // drawn right to left, to break a cycle
	Sections               []string // section slugs of the flows, in order of first appearance
	literalSrc, literalDst bool
}

// Group is one protocol's ports in a label: "TCP 80, 443".
type Group struct {
	Class string // "tcp", "udp", "both", "other"
	Text  string
}

// Line is one line of a label: pieces of groups, each with its class.
type Line []Group

// Seg is one piece of an arrow's path, from the previous point to P: a straight
// line, or (Curve) a cubic curve leaving and arriving horizontally.
type Seg struct {
	P     Point
	Curve bool
}

// LegendItem is one entry of the legend: a stroke sample and its words.
type LegendItem struct {
	Class string
	Text  string
	Line  Rect // where the stroke sample is drawn
	Box   Rect // where the words are drawn
}

// key is the identity of an endpoint name: the same words in any case and
// spacing name the same endpoint ("AMS server", "AMS Server").
func key(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// endpoints returns the source and destination a flow is drawn between. A side
// the document leaves empty is the section's subject, except where that would
// be wrong: when the named side is the subject itself (the other party is
// simply not named), when the row gave a direction (the extractor has already
// put the subject, or the party the row names, on the side the direction
// implies, so the other party is not named), or when there is no subject. Then
// it is a placeholder, never an invented host.
func endpoints(f data.Flow, subject string) (src, dst string) {
	src, dst = strings.TrimSpace(f.Source), strings.TrimSpace(f.Destination)
	subject = strings.TrimSpace(subject)
	directed := f.Direction == data.Inbound || f.Direction == data.Outbound
	switch {
	case src == "" && dst == "":
		if subject == "" {
			return UnspecifiedSource, UnspecifiedDestination
		}
		if f.Direction == data.Inbound {
			return UnspecifiedSource, subject
		}
		return subject, UnspecifiedDestination
	case src == "":
		if subject == "" || directed || key(dst) == key(subject) {
			return UnspecifiedSource, dst
		}
		return subject, dst
	case dst == "":
		if subject == "" || directed || key(src) == key(subject) {
			return src, UnspecifiedDestination
		}
		return src, subject
	}
	return src, dst
}

// build collects the boxes and arrows of flows, each drawn against the subject
// subjectOf gives for it, in order of first appearance.
func build(flows []data.Flow, subjectOf func(data.Flow) string, lb Labels, merge *Merge) ([]*Node, []*Edge) {
	var nodes []*Node
	byKey := map[string]*Node{}
	node := func(name string) *Node {
		k := key(name)
		if merge != nil && name != UnspecifiedSource && name != UnspecifiedDestination {
			if role := merge.Group(name); role != "" {
				written := strings.Join(strings.Fields(name), " ")
				n, ok := byKey["\x00role:"+role]
				if !ok {
					n = &Node{Name: merge.Title(role), Role: role}
					byKey["\x00role:"+role] = n
					nodes = append(nodes, n)
				}
				if !slices.ContainsFunc(n.Names, func(s string) bool { return key(s) == k }) {
					n.Names = append(n.Names, written)
				}
				return n
			}
		}
		if n, ok := byKey[k]; ok {
			return n
		}
		n := &Node{Name: strings.Join(strings.Fields(name), " ")}
		switch name {
		case UnspecifiedSource:
			n.Name, n.Placeholder = lb.UnspecifiedSource, true
		case UnspecifiedDestination:
			n.Name, n.Placeholder = lb.UnspecifiedDestination, true
		}
		byKey[k] = n
		nodes = append(nodes, n)
		return n
	}
	var edges []*Edge
	type pair struct{ a, b *Node }
	byPair := map[pair]*Edge{}
	for _, f := range flows {
		s, d := endpoints(f, subjectOf(f))
		from, to := node(s), node(d)
		litSrc := key(f.Source) == key(s) && from.Role == ""
		litDst := key(f.Destination) == key(d) && to.Role == ""
		from.AsSource = from.AsSource || litSrc
		to.AsDest = to.AsDest || litDst
		e, ok := byPair[pair{from, to}]
		if !ok {
			e = &Edge{From: from, To: to, Loop: from == to, literalSrc: true, literalDst: true}
			byPair[pair{from, to}] = e
			edges = append(edges, e)
		}
		e.Flows = append(e.Flows, f)
		e.literalSrc = e.literalSrc && litSrc
		e.literalDst = e.literalDst && litDst
		if !slices.Contains(e.Sections, f.SectionID) {
			e.Sections = append(e.Sections, f.SectionID)
		}
	}
	for _, e := range edges {
		e.Groups, e.Class = portGroups(e.Flows, lb.PortNotStated)
	}
	for _, n := range nodes {
		if n.Role != "" && len(n.Names) > 1 {
			n.Name += " (" + strconv.Itoa(len(n.Names)) + ")"
		}
	}
	return nodes, edges
}

// protoRank orders protocols in a label: TCP, UDP, then the rest by name.
func protoRank(p string) int {
	switch p {
	case "TCP":
		return 0
	case "UDP":
		return 1
	case "":
		return 3
	}
	return 2
}

// portGroups lists the ports of flows per protocol, the way engineers write
// them: "TCP 80, 443", "UDP 53", "TCP/UDP 88" when both share the same ports,
// ranges with an en dash ("49152–65535"); and the stroke class of the arrow.
func portGroups(flows []data.Flow, notStated string) ([]Group, string) {
	ports := map[string][]data.PortRange{}
	var protos []string
	add := func(p string, rs []data.PortRange) {
		if _, ok := ports[p]; !ok {
			protos = append(protos, p)
			ports[p] = nil
		}
		ports[p] = append(ports[p], rs...)
	}
	for _, f := range flows {
		if len(f.Protocols) == 0 {
			add("", f.Ports)
			continue
		}
		for _, p := range f.Protocols {
			add(strings.ToUpper(p), f.Ports)
		}
	}
	slices.SortStableFunc(protos, func(a, b string) int {
		return cmp.Or(cmp.Compare(protoRank(a), protoRank(b)), strings.Compare(a, b))
	})
	// A protocol's ports with none listed and nothing else known about them add
	// nothing to a label that already has ports.
	if len(protos) > 1 && len(ports[""]) == 0 {
		protos = slices.DeleteFunc(protos, func(p string) bool { return p == "" })
	}
	type grp struct {
		names []string
		ports string
	}
	var groups []grp
	for _, p := range protos {
		ps := formatRanges(ports[p])
		merged := false
		for i := range groups {
			if groups[i].ports == ps && p != "" && groups[i].names[0] != "" {
				groups[i].names = append(groups[i].names, p)
				merged = true
				break
			}
		}
		if !merged {
			groups = append(groups, grp{names: []string{p}, ports: ps})
		}
	}
	var out []Group
	for _, g := range groups {
		name := strings.Join(g.names, "/")
		text := strings.TrimSpace(name + " " + g.ports)
		if text == "" {
			text = notStated
		}
		out = append(out, Group{Class: classOf(g.names), Text: text})
	}
	return out, classOf(protos)
}

// classOf is the stroke class for a set of protocols: TCP solid, UDP dashed,
// both dash-dotted, anything else (ICMP, none stated) dotted.
func classOf(protos []string) string {
	tcp, udp := slices.Contains(protos, "TCP"), slices.Contains(protos, "UDP")
	switch {
	case tcp && udp:
		return "both"
	case tcp:
		return "tcp"
	case udp:
		return "udp"
	}
	return "other"
}

// formatRanges sorts and de-duplicates ranges and writes them as
// "80, 443, 49152–65535".
func formatRanges(rs []data.PortRange) string {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b data.PortRange) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	var merged []data.PortRange
	for _, r := range rs {
		if n := len(merged); n > 0 && r.From <= merged[n-1].To {
			merged[n-1].To = max(merged[n-1].To, r.To)
			continue
		}
		merged = append(merged, r)
	}
	parts := make([]string, len(merged))
	for i, r := range merged {
		parts[i] = strings.Replace(r.String(), "-", "–", 1)
	}
	return strings.Join(parts, ", ")
}
