package diagram

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
)

// The layout is a Sugiyama-style layered layout, left to right:
//
//  1. cycles are broken by reversing the back edges of a depth-first search
//     (self-loops are set aside and drawn as loops on their box);
//  2. boxes get layers by longest path, sources pulled right next to what
//     they talk to;
//  3. every layer of boxes is a column, and between two box columns sits a
//     column of arrow labels: an arrow's label is an element of the layout like
//     a box, in the column after its source, and an arrow spanning several
//     layers passes through zero-width dummy elements in the columns between;
//  4. each column is ordered by barycenter sweeps plus adjacent swaps, keeping
//     the order with the fewest crossings;
//  5. vertical positions minimise the squared length of every segment subject
//     to each column's order and spacing (isotonic regression per column,
//     alternating sweeps); columns are then spaced by their widest element.
//
// Inside a column every element owns a horizontal band no other element
// touches, and arrows run horizontally inside their own element's band and
// curve only in the empty gaps between columns. So no text can overlap other
// text, and no arrow crosses a box or a label it does not belong to: the
// layout guarantees it, and the tests check it.

// Sizes, in px.
const (
	nodeFont     = 13.0
	nodeLineH    = 16.0
	nodePadX     = 10.0
	nodePadY     = 7.0
	nodeMaxText  = 180.0
	nodeMaxLines = 3
	portGap      = 9.0

	labelFont     = 11.5
	labelLineH    = 14.0
	labelPadX     = 5.0
	labelPadY     = 2.0
	labelMaxText  = 210.0
	labelMaxLines = 4
	labelSep      = " · "

	titleFont   = 15.0
	titleLineH  = 20.0
	titleMax    = 2
	legendFont  = 12.0
	legendLineH = 16.0
	margin      = 16.0
)

type elemKind int

const (
	kindBox elemKind = iota
	kindLabel
	kindDummy
)

// elem is one element of a column: a box, an arrow's label or a point an arrow
// passes through.
type elem struct {
	kind        elemKind
	node        *Node
	edge        *Edge
	rank        int
	w, h        float64
	left, right []int // neighbouring elements in the previous and next column
	pos         int   // index in its column
	y           float64
	x           float64
	// A box's own size; with a self-loop, the box element also holds the
	// loop's label above the box, loopH tall including the gap below it.
	bw, bh float64
	loop   *Edge
	loopH  float64
}

// loopGap is the space between a self-loop's label and its box, where the loop
// runs up from the box and back down into it.
const loopGap = 24.0

// boxRect is where a box element draws its box.
func (e *elem) boxRect() Rect {
	return Rect{e.x + math.Floor((e.w-e.bw)/2), e.y - e.h/2 + e.loopH, e.bw, e.bh}
}

// anchor is how far below an element's centre its arrows attach: the centre
// of the box, for a box with a loop label above it.
func (e *elem) anchor() float64 { return e.loopH / 2 }

// Layout lays out the diagram of one section's flows, with the diagram's
// own words (lb) in the reader's language. Sides of a flow the document
// leaves empty are drawn against subject (Section.Subject).
func Layout(lb Labels, title, subject string, flows []data.Flow) *Graph {
	scope := ""
	if len(flows) > 0 {
		scope = flows[0].SectionID
	}
	return layout(lb, title, flows, func(data.Flow) string { return subject }, scope, nil)
}

// LayoutDocument lays out the overview of a whole document: each section
// with flows drawn on its own, framed under its heading (see layoutClusters),
// each flow's empty sides drawn against its own section's subject, and the
// endpoints of each merge group drawn as one box (merge nil: none). A
// document of one section is that section's diagram under the document's
// title.
func LayoutDocument(lb Labels, doc data.Document, merge *Merge) *Graph {
	title := doc.Title
	if title == "" {
		title = doc.Product
	}
	withFlows := 0
	for _, s := range doc.Sections {
		if len(s.Flows) > 0 {
			withFlows++
		}
	}
	if merge == nil && withFlows > 1 {
		return layoutClusters(lb, title, doc.Slug, doc.Sections)
	}
	subjects := map[string]string{}
	var flows []data.Flow
	for _, s := range doc.Sections {
		subjects[s.Slug] = s.Subject
		for _, f := range s.Flows {
			if f.SectionID == "" {
				f.SectionID = s.Slug
			}
			if f.Doc == "" {
				f.Doc = doc.Slug
			}
			flows = append(flows, f)
		}
	}
	g := layout(lb, title, flows, func(f data.Flow) string { return subjects[f.SectionID] }, "", merge)
	if g.Doc == "" {
		g.Doc = doc.Slug
	}
	return g
}

func layout(lb Labels, title string, flows []data.Flow, subjectOf func(data.Flow) string, scope string, merge *Merge) *Graph {
	g := &Graph{Title: title, Scope: scope, labels: lb}
	if len(flows) > 0 {
		g.Doc = flows[0].Doc
	}
	flows, g.Omitted, g.AllNodes = capFlows(flows, subjectOf)
	g.Nodes, g.Edges = build(flows, subjectOf, lb, merge)
	(&layouter{g: g}).run()
	return g
}

// run lays out l.g: layers, the elements in them, their order, then their
// coordinates.
func (l *layouter) run() {
	l.assignLayers()
	l.makeElements()
	l.order()
	l.placeY()
	l.placeX()
	l.finish()
}

// MaxNodes and MaxEdges are the most endpoints and connections one diagram
// draws, a little above the largest shipped document's overview (Citrix:
// 113 endpoints, 129 connections). Layout costs grow much faster than the
// diagram (a chain of 4,000 endpoints took 32 s and 136 MB), and past that
// many boxes a diagram is no longer read: the listing is the place for
// every flow.
const (
	MaxNodes = 150
	MaxEdges = 200
)

// capFlows keeps the flows, in order, whose endpoints and connection fit in
// MaxNodes and MaxEdges with those of the flows kept before them; it returns
// them, how many it left out, and how many endpoints there are in all.
func capFlows(flows []data.Flow, subjectOf func(data.Flow) string) (kept []data.Flow, omitted, allNodes int) {
	return capFlowsTo(flows, subjectOf, MaxNodes, MaxEdges)
}

// capFlowsTo is capFlows with at most maxNodes endpoints and maxEdges
// connections: what is left of the caps for one section of a document
// overview once the sections before it are drawn.
func capFlowsTo(flows []data.Flow, subjectOf func(data.Flow) string, maxNodes, maxEdges int) (kept []data.Flow, omitted, allNodes int) {
	drawn := map[string]bool{}
	all := map[string]bool{}
	pairs := map[[2]string]bool{}
	for _, f := range flows {
		s, d := endpoints(f, subjectOf(f))
		ks, kd := key(s), key(d)
		all[ks], all[kd] = true, true
		grow := 0
		if !drawn[ks] {
			grow++
		}
		if kd != ks && !drawn[kd] {
			grow++
		}
		p := [2]string{ks, kd}
		if len(drawn)+grow > maxNodes || !pairs[p] && len(pairs) >= maxEdges {
			omitted++
			continue
		}
		drawn[ks], drawn[kd], pairs[p] = true, true, true
		kept = append(kept, f)
	}
	return kept, omitted, len(all)
}

type layouter struct {
	g      *Graph
	bare   bool          // no heading or legend: a section of a document overview
	index  map[*Node]int // node -> index in g.Nodes
	elems  []*elem
	ranks  [][]int
	boxOf  []int   // node index -> element
	chains [][]int // edge index -> its elements, tail box to head box (loops: box, label)
	labels []int   // edge index -> its label element
	colX   []float64
	colW   []float64
	ports  map[[2]int]float64 // (box element, neighbour element) -> y where the arrow meets the box
}

// ends returns an edge's tail and head in the layout: reversed edges run from
// their destination to their source.
func ends(e *Edge) (*Node, *Node) {
	if e.Reversed {
		return e.To, e.From
	}
	return e.From, e.To
}

func (l *layouter) assignLayers() {
	g := l.g
	l.index = map[*Node]int{}
	for i, n := range g.Nodes {
		l.index[n] = i
	}
	n := len(g.Nodes)
	out := make([][]*Edge, n)
	for _, e := range g.Edges {
		if !e.Loop {
			out[l.index[e.From]] = append(out[l.index[e.From]], e)
		}
	}
	// 1. Break cycles: reverse the edges a depth-first search finds pointing
	// back to a node on its stack. Visiting in order of first appearance keeps
	// the document's own reading order (A→B stays forward, the B→A reply is
	// reversed).
	const (
		unseen = iota
		onStack
		done
	)
	state := make([]int, n)
	var visit func(u int)
	visit = func(u int) {
		state[u] = onStack
		for _, e := range out[u] {
			v := l.index[e.To]
			switch state[v] {
			case onStack:
				e.Reversed = true
			case unseen:
				visit(v)
			}
		}
		state[u] = done
	}
	// Start from nodes that never receive an arrow, so sources come first.
	hasIn := make([]bool, n)
	for _, e := range g.Edges {
		if !e.Loop {
			hasIn[l.index[e.To]] = true
		}
	}
	for pass := 0; pass < 2; pass++ {
		for u := 0; u < n; u++ {
			if state[u] == unseen && (pass == 1 || !hasIn[u]) {
				visit(u)
			}
		}
	}
	// 2. Longest-path layers over the acyclic graph, in topological order.
	succ := make([][]int, n)
	indeg := make([]int, n)
	for _, e := range g.Edges {
		if e.Loop {
			continue
		}
		t, h := ends(e)
		succ[l.index[t]] = append(succ[l.index[t]], l.index[h])
		indeg[l.index[h]]++
	}
	layer := make([]int, n)
	var queue, topo []int
	for u := 0; u < n; u++ {
		if indeg[u] == 0 {
			queue = append(queue, u)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		topo = append(topo, u)
		for _, v := range succ[u] {
			layer[v] = max(layer[v], layer[u]+1)
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
	// Pull each source right, next to the nearest box it talks to, so its
	// arrows are short (an admin workstation need not sit in column 0).
	hasPred := make([]bool, n)
	for u := 0; u < n; u++ {
		for _, v := range succ[u] {
			hasPred[v] = true
		}
	}
	for i := len(topo) - 1; i >= 0; i-- {
		u := topo[i]
		if hasPred[u] || len(succ[u]) == 0 {
			continue
		}
		m := math.MaxInt
		for _, v := range succ[u] {
			m = min(m, layer[v])
		}
		layer[u] = m - 1
	}
	for i, nd := range g.Nodes {
		nd.Layer = layer[i]
	}
}

func (l *layouter) add(e *elem) int {
	for len(l.ranks) <= e.rank {
		l.ranks = append(l.ranks, nil)
	}
	e.pos = len(l.ranks[e.rank])
	l.ranks[e.rank] = append(l.ranks[e.rank], len(l.elems))
	l.elems = append(l.elems, e)
	return len(l.elems) - 1
}

func (l *layouter) link(a, b int) {
	l.elems[a].right = append(l.elems[a].right, b)
	l.elems[b].left = append(l.elems[b].left, a)
}

func (l *layouter) makeElements() {
	g := l.g
	l.boxOf = make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		l.boxOf[i] = l.add(&elem{kind: kindBox, node: n, rank: 2 * n.Layer})
	}
	l.chains = make([][]int, len(g.Edges))
	l.labels = make([]int, len(g.Edges))
	for i, e := range g.Edges {
		t, h := ends(e)
		tb := l.boxOf[l.index[t]]
		if e.Loop { // drawn above its box, inside the box's element
			l.elems[tb].loop = e
			l.labels[i] = -1
			l.chains[i] = []int{tb}
			continue
		}
		lab := l.add(&elem{kind: kindLabel, edge: e, rank: 2*t.Layer + 1})
		l.labels[i] = lab
		l.link(tb, lab)
		chain := []int{tb, lab}
		prev := lab
		for r := 2*t.Layer + 2; r < 2*h.Layer; r++ {
			d := l.add(&elem{kind: kindDummy, edge: e, rank: r})
			l.link(prev, d)
			chain = append(chain, d)
			prev = d
		}
		hb := l.boxOf[l.index[h]]
		l.link(prev, hb)
		chain = append(chain, hb)
		l.chains[i] = chain
	}
	// Sizes: names wrap inside a capped box; labels list ports per protocol.
	for _, el := range l.elems {
		switch el.kind {
		case kindBox:
			n := el.node
			n.Lines, _ = wrap(n.Name, nodeMaxText, nodeFont, nodeMaxLines)
			tw := maxWidth(n.Lines, nodeFont)
			ports := max(len(el.left), len(el.right))
			el.bw = math.Ceil(tw + 2*nodePadX)
			el.bh = math.Ceil(max(float64(len(n.Lines))*nodeLineH+2*nodePadY, float64(ports+1)*portGap))
			el.w, el.h = el.bw, el.bh
			if el.loop != nil {
				lw, lh := labelSize(el.loop)
				el.loopH = lh + loopGap
				el.w = max(el.bw, lw)
				el.h = el.bh + el.loopH
			}
		case kindLabel:
			el.w, el.h = labelSize(el.edge)
		}
	}
}

// labelSize lays out an arrow's label and returns the size of its pill.
func labelSize(e *Edge) (w, h float64) {
	e.Lines = labelLines(e.Groups)
	tw := 0.0
	for _, ln := range e.Lines {
		tw = max(tw, lineWidth(ln))
	}
	return math.Ceil(tw + 2*labelPadX), math.Ceil(float64(len(e.Lines))*labelLineH + 2*labelPadY)
}

// lineWidth is the estimated width of a label line.
func lineWidth(ln Line) float64 {
	w := 0.0
	for i, p := range ln {
		if i > 0 {
			w += textWidth(labelSep, labelFont)
		}
		w += textWidth(p.Text, labelFont)
	}
	return w
}

// labelLines packs a label's protocol groups into lines of at most
// labelMaxText px, breaking a long group between its ports, at most
// labelMaxLines lines; a label cut short ends in an ellipsis (the arrow's
// title and link carry everything).
func labelLines(groups []Group) []Line {
	var pieces []Group
	for _, gr := range groups {
		ls, _ := wrap(gr.Text, labelMaxText, labelFont, 1000)
		for _, s := range ls {
			pieces = append(pieces, Group{Class: gr.Class, Text: s})
		}
	}
	var lines []Line
	var cur Line
	for _, p := range pieces {
		if len(cur) > 0 && lineWidth(append(slices.Clone(cur), p)) > labelMaxText {
			lines = append(lines, cur)
			cur = nil
		}
		cur = append(cur, p)
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	if len(lines) > labelMaxLines {
		lines = lines[:labelMaxLines]
		last := slices.Clone(lines[labelMaxLines-1])
		k := len(last) - 1
		rest := labelMaxText - lineWidth(last[:k])
		if k > 0 {
			rest -= textWidth(labelSep, labelFont)
		}
		last[k].Text = ellipsize(last[k].Text+" ", rest, labelFont)
		if strings.HasSuffix(last[k].Text, " …") {
			last[k].Text = strings.TrimSuffix(last[k].Text, " …") + "…"
		}
		lines[labelMaxLines-1] = last
	}
	return lines
}

// order arranges each column to reduce crossings: barycenter sweeps left to
// right and back, then swaps of neighbours while they help; the best order
// seen wins. Ties keep the previous order, so the result is deterministic.
func (l *layouter) order() {
	best := l.crossings()
	bestOrder := l.snapshot()
	for sweep := 0; sweep < 12 && best > 0; sweep++ {
		if sweep%2 == 0 {
			for r := 1; r < len(l.ranks); r++ {
				l.sortRank(r, func(e *elem) []int { return e.left })
			}
		} else {
			for r := len(l.ranks) - 2; r >= 0; r-- {
				l.sortRank(r, func(e *elem) []int { return e.right })
			}
		}
		l.transpose()
		if c := l.crossings(); c < best {
			best, bestOrder = c, l.snapshot()
		}
	}
	l.restore(bestOrder)
}

func (l *layouter) snapshot() [][]int {
	s := make([][]int, len(l.ranks))
	for r, ids := range l.ranks {
		s[r] = slices.Clone(ids)
	}
	return s
}

func (l *layouter) restore(s [][]int) {
	l.ranks = s
	for _, ids := range l.ranks {
		for i, id := range ids {
			l.elems[id].pos = i
		}
	}
}

func (l *layouter) sortRank(r int, nb func(*elem) []int) {
	ids := l.ranks[r]
	bc := make(map[int]float64, len(ids))
	for _, id := range ids {
		e := l.elems[id]
		ns := nb(e)
		if len(ns) == 0 {
			bc[id] = float64(e.pos)
			continue
		}
		s := 0.0
		for _, n := range ns {
			s += float64(l.elems[n].pos)
		}
		bc[id] = s / float64(len(ns))
	}
	slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(bc[a], bc[b]) })
	for i, id := range ids {
		l.elems[id].pos = i
	}
}

// transpose swaps neighbours in a column while that removes crossings.
func (l *layouter) transpose() {
	for round := 0; round < 4; round++ {
		improved := false
		for _, ids := range l.ranks {
			for i := 0; i+1 < len(ids); i++ {
				u, v := l.elems[ids[i]], l.elems[ids[i+1]]
				if l.pairCrossings(v, u) < l.pairCrossings(u, v) {
					ids[i], ids[i+1] = ids[i+1], ids[i]
					u.pos, v.pos = i+1, i
					improved = true
				}
			}
		}
		if !improved {
			return
		}
	}
}

// pairCrossings counts the crossings between the segments of u and v when u
// sits just above v.
func (l *layouter) pairCrossings(u, v *elem) int {
	c := 0
	for _, side := range [2]func(*elem) []int{func(e *elem) []int { return e.left }, func(e *elem) []int { return e.right }} {
		for _, a := range side(u) {
			for _, b := range side(v) {
				if l.elems[a].pos > l.elems[b].pos {
					c++
				}
			}
		}
	}
	return c
}

// crossings counts the segments that cross between every pair of neighbouring
// columns (arrows meeting at one box do not cross: their ports are sorted).
func (l *layouter) crossings() int {
	c := 0
	type seg struct{ a, b int }
	for r := 0; r+1 < len(l.ranks); r++ {
		var segs []seg
		for _, id := range l.ranks[r] {
			for _, n := range l.elems[id].right {
				segs = append(segs, seg{l.elems[id].pos, l.elems[n].pos})
			}
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				s, t := segs[i], segs[j]
				if (s.a < t.a && s.b > t.b) || (s.a > t.a && s.b < t.b) {
					c++
				}
			}
		}
	}
	return c
}

// gapAfter is the space kept below an element before the next one in its
// column.
func gapBetween(a, b *elem) float64 {
	g := func(e *elem) float64 {
		switch e.kind {
		case kindBox:
			return 14
		case kindLabel:
			return 6
		}
		return 6
	}
	return max(g(a), g(b))
}

// placeY gives every element its vertical centre: each column keeps its order
// and spacing while every element moves as close as it can to the mean of its
// neighbours (weighted isotonic regression, pool-adjacent-violators), in
// alternating sweeps. Then everything is shifted below top and snapped to
// whole pixels so that the bytes do not depend on float rounding.
func (l *layouter) placeY() {
	for _, ids := range l.ranks {
		y := 0.0
		for i, id := range ids {
			e := l.elems[id]
			if i > 0 {
				y += gapBetween(l.elems[ids[i-1]], e)
			}
			e.y = y + e.h/2
			y += e.h
		}
	}
	weight := func(a, b *elem) float64 {
		if a.kind != kindBox && b.kind != kindBox {
			return 4 // keep long arrows straight
		}
		return 1
	}
	for it := 0; it < 24; it++ {
		rs := make([]int, len(l.ranks))
		for i := range rs {
			rs[i] = i
		}
		if it%2 == 1 {
			slices.Reverse(rs)
		}
		for _, r := range rs {
			ids := l.ranks[r]
			if len(ids) == 0 {
				continue
			}
			target := make([]float64, len(ids))
			w := make([]float64, len(ids))
			off := make([]float64, len(ids))
			for i, id := range ids {
				e := l.elems[id]
				s, sw := 0.0, 0.0
				for _, n := range append(slices.Clone(e.left), e.right...) {
					o := l.elems[n]
					ww := weight(e, o)
					s += ww * (o.y + o.anchor())
					sw += ww
				}
				if sw == 0 {
					target[i], w[i] = e.y, 1e-3
				} else {
					target[i], w[i] = s/sw-e.anchor(), sw
				}
				if i > 0 {
					p := l.elems[ids[i-1]]
					off[i] = off[i-1] + p.h/2 + gapBetween(p, e) + e.h/2
				}
			}
			z := isotonic(target, w, off)
			for i, id := range ids {
				l.elems[id].y = z[i] + off[i]
			}
		}
	}
	top := math.Inf(1)
	for _, e := range l.elems {
		top = min(top, e.y-e.h/2)
	}
	for _, e := range l.elems {
		t := math.Round(e.y - e.h/2 - top)
		e.y = t + e.h/2
	}
}

// isotonic returns the nondecreasing z minimising Σ w·(z + off − target)²: the
// positions of a column's elements in order, each at least its spacing below
// the previous.
func isotonic(target, w, off []float64) []float64 {
	type block struct {
		sw, swt float64
		n       int
	}
	var bs []block
	for i := range target {
		bs = append(bs, block{w[i], w[i] * (target[i] - off[i]), 1})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.swt/a.sw <= b.swt/b.sw {
				break
			}
			bs = bs[:len(bs)-2]
			bs = append(bs, block{a.sw + b.sw, a.swt + b.swt, a.n + b.n})
		}
	}
	z := make([]float64, 0, len(target))
	for _, b := range bs {
		for k := 0; k < b.n; k++ {
			z = append(z, b.swt/b.sw)
		}
	}
	return z
}

// placeX sizes each column by its widest element and spaces the columns,
// further apart where the arrows between them climb steeply.
func (l *layouter) placeX() {
	l.colW = make([]float64, len(l.ranks))
	l.colX = make([]float64, len(l.ranks))
	for r, ids := range l.ranks {
		for _, id := range ids {
			l.colW[r] = max(l.colW[r], l.elems[id].w)
		}
	}
	x := margin
	for r := range l.ranks {
		if r > 0 {
			dy := 0.0
			for _, id := range l.ranks[r-1] {
				for _, n := range l.elems[id].right {
					dy = max(dy, math.Abs(l.elems[n].y-l.elems[id].y))
				}
			}
			x += math.Round(min(140, max(32, 24+0.22*dy)))
		}
		l.colX[r] = x
		for _, id := range l.ranks[r] {
			e := l.elems[id]
			e.x = x + math.Floor((l.colW[r]-e.w)/2)
		}
		x += l.colW[r]
	}
}

// finish turns elements into boxes, labels and paths, and adds the heading and
// the legend above them.
func (l *layouter) finish() {
	g := l.g
	// The heading and legend, then everything else moves down below them.
	contentW := 0.0
	for r := range l.ranks {
		contentW = max(contentW, l.colX[r]+l.colW[r])
	}
	top, legendRight := margin, 0.0
	if !l.bare {
		top, legendRight = g.placeHeader(contentW)
	}
	for _, e := range l.elems {
		e.y += top
	}

	// Boxes.
	bottom := top
	for i, n := range g.Nodes {
		e := l.elems[l.boxOf[i]]
		n.Box = e.boxRect()
		th := float64(len(n.Lines)) * nodeLineH
		tw := maxWidth(n.Lines, nodeFont)
		n.Text = Rect{n.Box.X + (n.Box.W-tw)/2, n.Box.Y + (n.Box.H-th)/2, tw, th}
		bottom = max(bottom, n.Box.Y+n.Box.H)
	}
	// Ports: where each arrow meets its box, sorted by the height of the other
	// end so arrows meeting at a box do not cross there.
	l.ports = map[[2]int]float64{}
	for i := range g.Nodes {
		bid := l.boxOf[i]
		b := l.elems[bid]
		for _, side := range [][]int{b.left, b.right} {
			type port struct {
				other int
				y     float64
				pos   int
			}
			var ps []port
			for _, o := range side {
				oe := l.elems[o]
				ps = append(ps, port{other: o, y: oe.y + oe.anchor(), pos: oe.pos})
			}
			slices.SortStableFunc(ps, func(a, c port) int {
				return cmp.Or(cmp.Compare(a.y, c.y), cmp.Compare(a.pos, c.pos))
			})
			box := b.boxRect()
			for k, p := range ps {
				l.ports[[2]int{bid, p.other}] = box.Y + box.H*float64(k+1)/float64(len(ps)+1)
			}
		}
	}
	// Labels and paths.
	for i, e := range g.Edges {
		chain := l.chains[i]
		b := l.elems[chain[0]]
		box := b.boxRect()
		if e.Loop {
			// The label sits above the box; the loop leaves the box's top,
			// turns in the gap below the label and comes back into the box,
			// all of it in view, so that both its ends are seen on the box.
			lw, lh := labelSize(e)
			e.Label = Rect{b.x + math.Floor((b.w-lw)/2), b.y - b.h/2, lw, lh}
			e.Text = Rect{e.Label.X + labelPadX, e.Label.Y + labelPadY, lw - 2*labelPadX, lh - 2*labelPadY}
			cx := box.X + box.W/2
			d := min(16, box.W/2-6)
			turn := e.Label.Y + lh + 4
			e.Path = []Seg{{P: Point{cx - d, box.Y}}, {P: Point{cx - d, turn}}, {P: Point{cx + d, turn}}, {P: Point{cx + d, box.Y}}}
			continue
		}
		le := l.elems[l.labels[i]]
		e.Label = Rect{le.x, le.y - le.h/2, le.w, le.h}
		e.Text = Rect{le.x + labelPadX, le.y - le.h/2 + labelPadY, le.w - 2*labelPadX, le.h - 2*labelPadY}
		bottom = max(bottom, e.Label.Y+e.Label.H)
		right := l.colX[b.rank] + l.colW[b.rank]
		path := []Seg{{P: Point{box.X + box.W, l.ports[[2]int{chain[0], chain[1]}]}}}
		path = hline(path, right)
		for k := 1; k < len(chain); k++ {
			c := l.elems[chain[k]]
			cy := c.y
			if k == len(chain)-1 {
				cy = l.ports[[2]int{chain[k], chain[k-1]}]
			}
			path = append(path, Seg{P: Point{l.colX[c.rank], cy}, Curve: true})
			if k < len(chain)-1 {
				path = hline(path, l.colX[c.rank]+l.colW[c.rank])
			} else {
				path = hline(path, c.boxRect().X)
			}
		}
		if e.Reversed {
			path = reversePath(path)
		}
		e.Path = path
	}
	g.Width = math.Ceil(max(contentW+margin, legendRight+margin, g.TitleBox.X+g.TitleBox.W+margin))
	g.Height = math.Ceil(bottom + margin)
}

// placeHeader lays out the heading and the legend above content contentW
// wide and returns where the content starts and where the legend ends.
func (g *Graph) placeHeader(contentW float64) (top, legendRight float64) {
	titleW := max(contentW-margin, 560) - margin
	g.TitleLines, _ = wrap(g.Title, titleW, titleFont*1.08, titleMax)
	g.titleOnly = len(g.TitleLines)
	if g.Omitted > 0 && g.labels.Capped != nil {
		note, _ := wrap(g.labels.Capped(len(g.Nodes), g.AllNodes, g.Omitted), titleW, titleFont*1.08, titleMax)
		g.TitleLines = append(g.TitleLines, note...)
	}
	tw := math.Ceil(maxWidth(g.TitleLines, titleFont*1.08))
	g.TitleBox = Rect{margin, margin, tw, float64(len(g.TitleLines)) * titleLineH}
	y := g.TitleBox.Y + g.TitleBox.H + 6
	x := margin
	g.Legend = nil
	for _, it := range []struct{ class, text string }{
		{"tcp", g.labels.TCP}, {"udp", g.labels.UDP}, {"both", g.labels.Both}, {"other", g.labels.Other},
	} {
		line := Rect{x, y + legendLineH/2, 30, 0}
		tx := x + 36
		w := math.Ceil(textWidth(it.text, legendFont))
		g.Legend = append(g.Legend, LegendItem{Class: it.class, Text: it.text, Line: line,
			Box: Rect{tx, y, w, legendLineH}})
		x = tx + w + 18
	}
	return math.Ceil(y + legendLineH + 18), x - 18
}

// hline extends a path horizontally to x, unless it is already there.
func hline(p []Seg, x float64) []Seg {
	last := p[len(p)-1].P
	if math.Abs(last.X-x) < 0.5 {
		return p
	}
	return append(p, Seg{P: Point{x, last.Y}})
}

// reversePath runs a path the other way: same points, same kind of segment
// between each pair.
func reversePath(p []Seg) []Seg {
	n := len(p)
	out := make([]Seg, n)
	for j := 0; j < n; j++ {
		out[j].P = p[n-1-j].P
		if j > 0 {
			out[j].Curve = p[n-j].Curve
		}
	}
	return out
}
