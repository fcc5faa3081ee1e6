package read

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// lineAttr is the attribute the reader adds to every start tag before parsing,
// so each element knows the line it starts on (x/net/html's tree has no positions).
const lineAttr = "data-portolan-line"

// readHTML reads an HTML page (saved from a browser, or a docs site's page):
// headings, paragraphs, list items and tables, with rowspan and colspan
// expanded. Navigation, header, footer, script and style are not content.
func readHTML(raw []byte, opt Options) (Document, error) {
	c := counter{lim: opt.Limits}
	return readHTMLFragment(raw, 0, &c)
}

// readHTMLFragment reads HTML whose first line is line offset+1 of the document.
func readHTMLFragment(raw []byte, offset int, c *counter) (Document, error) {
	root, err := html.Parse(bytes.NewReader(annotate(raw, offset)))
	if err != nil {
		return Document{}, &Error{Line: offset + 1, Err: err}
	}
	r := &htmlReader{c: c, spreadLimit: spreadLimit(len(raw))}
	r.walk(root)
	if r.err != nil {
		return Document{}, r.err
	}
	if r.title == "" {
		r.title = r.h1
	}
	return Document{Title: r.title, Lang: r.lang, Blocks: r.blocks, Warnings: r.warnings}, nil
}

// annotate rewrites every start tag with its line number in lineAttr.
func annotate(raw []byte, offset int) []byte {
	z := html.NewTokenizer(bytes.NewReader(raw))
	var out bytes.Buffer
	out.Grow(len(raw) + len(raw)/8)
	line := offset + 1
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.Bytes()
		}
		tok := z.Raw()
		nl := bytes.Count(tok, []byte{'\n'})
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			t := z.Token()
			t.Attr = append(t.Attr, html.Attribute{Key: lineAttr, Val: strconv.Itoa(line)})
			out.WriteString(t.String())
			// Keep the line count: newlines inside the tag itself.
			for range nl {
				out.WriteByte('\n')
			}
		} else {
			out.Write(tok)
		}
		line += nl
	}
}

type htmlReader struct {
	c        *counter
	blocks   []Block
	warnings []Warning
	title    string
	h1       string
	lang     string
	err      error
	// spread counts the bytes of the cells rowspan and colspan repeat;
	// past spreadLimit the document is refused.
	spread, spreadLimit int
}

// spreadLimit bounds the text spans may repeat in a document of n bytes: a
// real table repeats a few short cells, while one 60 KB cell spanning 50,000
// rows repeats 3 GB.
func spreadLimit(n int) int { return 8*n + 1<<20 }

func lineOf(n *html.Node) int {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == lineAttr {
					l, _ := strconv.Atoi(a.Val)
					return l
				}
			}
		}
	}
	return 1
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// notContent reports whether an element is page furniture or code, not content.
func notContent(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Head, atom.Title, atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav, atom.Header, atom.Footer,
		atom.Aside, atom.Svg, atom.Button, atom.Form, atom.Select, atom.Iframe, atom.Pre, atom.Math, atom.Object:
		return true
	}
	switch attr(n, "role") {
	case "navigation", "banner", "contentinfo", "search":
		return true
	}
	return attr(n, "hidden") != "" || strings.Contains(strings.ReplaceAll(attr(n, "style"), " ", ""), "display:none")
}

func inline(n *html.Node) bool {
	switch n.DataAtom {
	case atom.A, atom.Abbr, atom.B, atom.Bdi, atom.Bdo, atom.Br, atom.Cite, atom.Code, atom.Data, atom.Dfn,
		atom.Em, atom.I, atom.Kbd, atom.Mark, atom.Q, atom.S, atom.Samp, atom.Small, atom.Span, atom.Strong,
		atom.Sub, atom.Sup, atom.Time, atom.U, atom.Var, atom.Wbr, atom.Img, atom.Font, atom.Tt, atom.Del,
		atom.Ins, atom.Label, atom.Strike, atom.Big, atom.Nobr:
		return true
	}
	return false
}

// textContent is the text of a node and its descendants, <br> as a space.
func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if notContent(n) && n.DataAtom != atom.Pre {
				return
			}
			if n.DataAtom == atom.Br || !inline(n) {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && !inline(n) {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return tidy(b.String())
}

func (r *htmlReader) walk(root *html.Node) {
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode || n.DataAtom != atom.Html {
			continue
		}
		r.lang = attr(n, "lang")
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom != atom.Head {
				continue
			}
			for t := c.FirstChild; t != nil; t = t.NextSibling {
				if t.DataAtom == atom.Title && r.title == "" {
					r.title = tidy(titleText(t))
				}
			}
		}
	}
	r.container(root, Text)
}

func titleText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// container reads the children of n: runs of text and inline elements become
// one block (the first of kind first), block elements are read in turn.
func (r *htmlReader) container(n *html.Node, first Kind) {
	var b strings.Builder
	line := 0
	kind := first
	flush := func() {
		t := tidy(b.String())
		b.Reset()
		if t == "" {
			return
		}
		if kind == Item {
			t = "- " + t
		}
		r.blocks = append(r.blocks, Block{Kind: kind, Text: t, Line: line, LineEnd: line})
		kind, line = Text, 0
	}
	for c := n.FirstChild; c != nil && r.err == nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if line == 0 && strings.TrimSpace(c.Data) != "" {
				line = lineOf(n)
			}
			b.WriteString(c.Data)
		case html.ElementNode:
			if notContent(c) {
				continue
			}
			if inline(c) {
				if line == 0 {
					line = lineOf(c)
				}
				b.WriteString(" " + textContent(c) + " ")
				continue
			}
			flush()
			kind = Text
			r.element(c)
		}
	}
	flush()
}

func (r *htmlReader) element(n *html.Node) {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		t := stripAnchor(textContent(n))
		if t == "" {
			return
		}
		level := int(n.Data[1] - '0')
		l := lineOf(n)
		r.blocks = append(r.blocks, Block{Kind: Heading, Level: level, Text: t, Line: l, LineEnd: l})
		if level == 1 && r.h1 == "" {
			r.h1 = t
		}
	case atom.Table:
		if hasTable(n) {
			r.container(n, Text) // a layout table around the content
			return
		}
		r.table(n)
	case atom.Li, atom.Dt:
		r.container(n, Item)
	case atom.Caption:
	default:
		r.container(n, Text)
	}
}

func hasTable(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Table || hasTable(c)) {
			return true
		}
	}
	return false
}

// htmlRow is one <tr> before spans are expanded.
type htmlRow struct {
	cells  []*html.Node
	header bool // in <thead>, or every cell a <th>
	line   int
}

func (r *htmlReader) table(t *html.Node) {
	line := lineOf(t)
	var caption string
	var rows []htmlRow
	var collect func(n *html.Node, inHead bool)
	collect = func(n *html.Node, inHead bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Caption:
				caption = textContent(c)
			case atom.Thead:
				collect(c, true)
			case atom.Tbody, atom.Tfoot:
				collect(c, false)
			case atom.Tr:
				row := htmlRow{header: inHead, line: lineOf(c)}
				allTH := true
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode && (cell.DataAtom == atom.Td || cell.DataAtom == atom.Th) {
						row.cells = append(row.cells, cell)
						allTH = allTH && cell.DataAtom == atom.Th
					}
				}
				if len(row.cells) > 0 {
					row.header = row.header || allTH
					rows = append(rows, row)
				}
			}
		}
	}
	collect(t, false)
	grid := r.expand(rows)
	if r.err != nil {
		return
	}
	if len(grid) == 0 {
		return
	}
	// Header: the leading header rows (joined per column when there are
	// several), else the first row.
	nh := 0
	for nh < len(rows) && rows[nh].header {
		nh++
	}
	if nh == 0 {
		nh = 1
	}
	if nh >= len(grid) {
		r.warnings = append(r.warnings, Warning{Line: line, Reason: "table has a header and no rows"})
		return
	}
	header := grid[0]
	for _, more := range grid[1:nh] {
		for j := range header {
			if j < len(more) && more[j] != "" && more[j] != header[j] {
				header[j] = tidy(header[j] + " " + more[j])
			}
		}
	}
	if err := r.c.header(header, rows[0].line); err != nil {
		r.err = err
		return
	}
	rt := &RawTable{Caption: caption, Header: header, Line: rows[0].line}
	for i := nh; i < len(grid); i++ {
		if err := r.c.row(grid[i], rows[i].line); err != nil {
			r.err = err
			return
		}
		rt.Rows = append(rt.Rows, Row{Cells: grid[i], Line: rows[i].line, LineEnd: rows[i].line})
	}
	end := rt.Rows[len(rt.Rows)-1].LineEnd
	r.blocks = append(r.blocks, Block{Kind: Table, Line: line, LineEnd: end, Table: rt})
}

// expand lays the rows' cells out on a grid, repeating a cell over the rows and
// columns it spans.
func (r *htmlReader) expand(rows []htmlRow) [][]string {
	type carry struct {
		text string
		left int
	}
	var down []carry // per column, a cell spanning down from a row above
	grid := make([][]string, 0, len(rows))
	maxCols := r.c.lim.Columns
	for ri, row := range rows {
		var out []string
		col := 0
		take := func() {
			for col < len(down) && down[col].left > 0 {
				out = append(out, down[col].text)
				r.spread += len(down[col].text)
				down[col].left--
				col++
			}
		}
		for _, cell := range row.cells {
			take()
			text := textContent(cell)
			cs := spanOf(cell, "colspan", maxCols)
			rs := spanOf(cell, "rowspan", len(rows)-ri)
			r.spread += (cs - 1) * len(text)
			for range cs {
				out = append(out, text)
				for len(down) <= col {
					down = append(down, carry{})
				}
				down[col] = carry{text: text, left: rs - 1}
				col++
			}
			if col > 4*maxCols {
				r.err = &Error{Line: row.line, Err: &LimitError{What: "row width", Limit: 4 * maxCols, Got: col, Unit: "cells"}}
				return nil
			}
		}
		take()
		if r.spread > r.spreadLimit {
			r.err = &Error{Line: row.line, Err: &LimitError{What: "text of the cells repeated by rowspan and colspan", Limit: r.spreadLimit, Got: r.spread, Unit: "bytes"}}
			return nil
		}
		grid = append(grid, out)
	}
	return grid
}

func spanOf(n *html.Node, key string, limit int) int {
	v, err := strconv.Atoi(strings.TrimSpace(attr(n, key)))
	if err != nil || v < 1 {
		return 1
	}
	return max(min(v, limit), 1)
}
