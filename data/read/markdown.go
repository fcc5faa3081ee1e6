package read

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// readMarkdown reads Markdown and MDX with goldmark and its GitHub table
// extension. Front matter gives the title; code, HTML comments and MDX/JSX
// components are not content; an HTML table written inside the Markdown is
// read as HTML.
func readMarkdown(raw []byte, opt Options) (Document, error) {
	c := counter{lim: opt.Limits}
	if err := c.lines(raw); err != nil {
		return Document{}, err
	}
	src := bytes.Clone(raw)
	d := Document{}
	fm := frontMatter(src)
	d.Title, d.Lang = fm["title"], fm["lang"]
	if d.Lang == "" {
		d.Lang = fm["language"]
	}
	blankMDX(src)
	// HTML tables inside Markdown are cut out and read as HTML, since a blank
	// line inside one splits it into several Markdown blocks.
	var htmlBlocks []Block
	for _, r := range htmlTableRegions(src) {
		frag, err := readHTMLFragment(src[r[0]:r[1]], bytes.Count(src[:r[0]], []byte("\n")), &c)
		if err != nil {
			return Document{}, err
		}
		htmlBlocks = append(htmlBlocks, frag.Blocks...)
		d.Warnings = append(d.Warnings, frag.Warnings...)
		blank(src[r[0]:r[1]])
	}

	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	root := md.Parser().Parse(text.NewReader(src))
	idx := newLineIndex(src)
	var blocks []Block
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			t := stripAnchor(inlineText(n, src))
			if t != "" {
				line, end := blockLines(n, idx)
				blocks = append(blocks, Block{Kind: Heading, Level: n.Level, Text: t, Line: line, LineEnd: end})
				if d.Title == "" && n.Level == 1 {
					d.Title = t
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.Paragraph, *ast.TextBlock:
			t := tidy(inlineText(n, src))
			if t == "" {
				return ast.WalkSkipChildren, nil
			}
			line, end := blockLines(n, idx)
			kind := Text
			if _, ok := n.Parent().(*ast.ListItem); ok && n.PreviousSibling() == nil {
				kind, t = Item, "- "+t
			}
			blocks = append(blocks, Block{Kind: kind, Text: t, Line: line, LineEnd: end})
			return ast.WalkSkipChildren, nil
		case *east.Table:
			b, err := markdownTable(n, src, idx, &c)
			if err != nil {
				return ast.WalkStop, err
			}
			if len(b.Table.Rows) == 0 {
				d.Warnings = append(d.Warnings, Warning{Line: b.Line, Reason: "table has a header and no rows"})
				return ast.WalkSkipChildren, nil
			}
			blocks = append(blocks, b)
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock, *ast.ThematicBreak:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return Document{}, err
	}
	if len(htmlBlocks) > 0 {
		blocks = append(blocks, htmlBlocks...)
		sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].Line < blocks[j].Line })
	}
	d.Blocks = blocks
	return d, nil
}

func markdownTable(t *east.Table, src []byte, idx lineIndex, c *counter) (Block, error) {
	rt := &RawTable{}
	b := Block{Kind: Table, Table: rt}
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
			cells = append(cells, tidy(inlineText(cell, src)))
		}
		line := idx.line(row.Pos())
		if row.Pos() < 0 && row.FirstChild() != nil {
			line = idx.line(row.FirstChild().Pos())
		}
		if _, ok := row.(*east.TableHeader); ok {
			if err := c.header(cells, line); err != nil {
				return Block{}, err
			}
			rt.Header, rt.Line, b.Line = cells, line, line
			continue
		}
		if err := c.row(cells, line); err != nil {
			return Block{}, err
		}
		rt.Rows = append(rt.Rows, Row{Cells: cells, Line: line, LineEnd: line})
		b.LineEnd = line
	}
	if b.LineEnd == 0 {
		b.LineEnd = b.Line
	}
	return b, nil
}

// inlineText is the plain text of a node's inline content: code spans, links
// and emphasis as their text, <br> as a space, other raw HTML dropped.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				v := c.Segment.Value(src)
				if !c.IsRaw() {
					v = util.UnescapePunctuations(v)
				}
				b.Write(util.ResolveNumericReferences(util.ResolveEntityNames(v)))
				if c.SoftLineBreak() || c.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.RawHTML:
				var raw []byte
				for i := 0; i < c.Segments.Len(); i++ {
					seg := c.Segments.At(i)
					raw = append(raw, seg.Value(src)...)
				}
				if brTag.Match(raw) {
					b.WriteByte(' ')
				}
			case *ast.AutoLink:
				b.Write(c.URL(src))
			case *ast.Image:
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

var (
	brTag      = regexp.MustCompile(`(?i)^<br\s*/?>$`)
	headingID  = regexp.MustCompile(`\s*\{#[^}]*\}\s*$`)
	anchorTags = regexp.MustCompile(`(?i)<a\s+name=[^>]*>\s*</a>`)
)

// stripAnchor removes a heading's {#id} anchor and <a name> tags.
func stripAnchor(s string) string {
	return tidy(anchorTags.ReplaceAllString(headingID.ReplaceAllString(s, ""), ""))
}

func blockLines(n ast.Node, idx lineIndex) (int, int) {
	lines := n.Lines()
	if lines == nil || lines.Len() == 0 {
		l := idx.line(max(n.Pos(), 0))
		return l, l
	}
	return idx.line(lines.At(0).Start), idx.line(max(lines.At(lines.Len()-1).Stop-1, lines.At(lines.Len()-1).Start))
}

// frontMatter reads the scalar fields of a YAML front matter block at the start
// of src ("title: ...") and blanks the block out, keeping its lines.
func frontMatter(src []byte) map[string]string {
	out := map[string]string{}
	lines := bytes.SplitAfterN(src, []byte("\n"), 202)
	if len(lines) < 2 || strings.TrimSpace(string(lines[0])) != "---" {
		return out
	}
	off := len(lines[0])
	for i := 1; i < len(lines)-1; i++ {
		l := strings.TrimSpace(string(lines[i]))
		if l == "---" || l == "..." {
			for _, kv := range lines[1:i] {
				k, v, ok := strings.Cut(string(kv), ":")
				if !ok || strings.HasPrefix(k, " ") || strings.HasPrefix(k, "-") {
					continue
				}
				out[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"'`)
			}
			blank(src[:off+len(lines[i])])
			return out
		}
		off += len(lines[i])
	}
	return out
}

var mdxLine = regexp.MustCompile(`(?m)^(?:import|export)\s.*$|\{/\*[\s\S]*?\*/\}`)

// blankMDX blanks MDX import/export lines and {/* comments */}.
func blankMDX(src []byte) {
	for _, r := range mdxLine.FindAllIndex(src, -1) {
		blank(src[r[0]:r[1]])
	}
}

// blank replaces every byte but line ends with a space, so line numbers stay.
func blank(b []byte) {
	for i, c := range b {
		if c != '\n' && c != '\r' {
			b[i] = ' '
		}
	}
}

var tableTag = regexp.MustCompile(`(?i)<(/?)table\b[^>]*>`)

// htmlTableRegions finds the outermost <table>...</table> spans of src.
func htmlTableRegions(src []byte) [][2]int {
	var out [][2]int
	depth, start := 0, 0
	for _, m := range tableTag.FindAllSubmatchIndex(src, -1) {
		closing := m[3] > m[2]
		switch {
		case !closing:
			if depth == 0 {
				start = m[0]
			}
			depth++
		case depth > 0:
			depth--
			if depth == 0 {
				out = append(out, [2]int{start, m[1]})
			}
		}
	}
	return out
}
