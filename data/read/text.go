package read

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// textLine is one line of a text capture, numbered from 1.
type textLine struct {
	n    int
	text string
	skip bool // page chrome named in the options
}

// readText reads a plain-text capture: pipe-separated tables (a header line, a
// ---|--- line, rows that may wrap over lines) between lines of prose, where a
// short line that is not a sentence is a heading.
func readText(raw []byte, opt Options) (Document, error) {
	c := counter{lim: opt.Limits}
	if err := c.lines(raw); err != nil {
		return Document{}, err
	}
	lines, err := splitLines(string(raw), opt.Skip)
	if err != nil {
		return Document{}, err
	}
	d := Document{Title: textTitle(lines, opt.TitleLine)}
	ends := newCellEnds(lines)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l.skip {
			continue
		}
		if isHeaderAt(lines, i) {
			header := splitHeader(l.text)
			if err := c.header(header, l.n); err != nil {
				return Document{}, err
			}
			t := &RawTable{Header: header, Line: l.n, Loose: true, Leading: strings.HasPrefix(strings.TrimSpace(l.text), "|")}
			rows, end := readRows(lines, ends, i+2, t)
			for _, r := range rows {
				if err := c.row(r.Cells, r.Line); err != nil {
					return Document{}, err
				}
			}
			if len(rows) == 0 {
				d.Warnings = append(d.Warnings, Warning{Line: l.n, Reason: "table header has no rows under it"})
			} else {
				t.Rows = rows
				d.Blocks = append(d.Blocks, Block{Kind: Table, Line: l.n, LineEnd: lines[end-1].n, Table: t})
			}
			i = end - 1
			continue
		}
		s := trimChrome(strings.TrimSpace(l.text))
		switch {
		case s == "" || isChrome(s):
		case isHeading(s):
			d.Blocks = append(d.Blocks, Block{Kind: Heading, Text: s, Line: l.n, LineEnd: l.n})
		case strings.HasPrefix(s, "- "):
			d.Blocks = append(d.Blocks, Block{Kind: Item, Text: s, Line: l.n, LineEnd: l.n})
		default:
			d.Blocks = append(d.Blocks, Block{Kind: Text, Text: s, Line: l.n, LineEnd: l.n})
		}
	}
	return d, nil
}

func splitLines(text string, skip []string) ([]textLine, error) {
	var lines []textLine
	for i, s := range strings.Split(text, "\n") {
		lines = append(lines, textLine{n: i + 1, text: strings.TrimSuffix(s, "\r")})
	}
	if len(lines) > 0 && lines[len(lines)-1].text == "" {
		lines = lines[:len(lines)-1]
	}
	for _, r := range skip {
		from, to, err := lineRange(r)
		if err != nil {
			return nil, &Error{Line: 1, Err: fmt.Errorf("metadata skip %q: %w", r, err)}
		}
		for n := from; n <= to && n <= len(lines); n++ {
			lines[n-1].skip = true
		}
	}
	return lines, nil
}

func lineRange(r string) (int, int, error) {
	a, b, found := strings.Cut(r, "-")
	from, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || from < 1 {
		return 0, 0, errors.New("want a line number or a range like 347-349")
	}
	to := from
	if found {
		if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || to < from {
			return 0, 0, errors.New("want a line number or a range like 347-349")
		}
	}
	return from, to, nil
}

func textTitle(lines []textLine, at int) string {
	if at > 0 && at <= len(lines) {
		return strings.TrimSpace(lines[at-1].text)
	}
	for _, l := range lines {
		if s := trimChrome(strings.TrimSpace(l.text)); !l.skip && s != "" && !isChrome(s) {
			return s
		}
	}
	return ""
}

// isHeading reports whether a line outside a table reads as a heading: short, not
// a sentence, not a list item, note or footnote.
func isHeading(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || utf8.RuneCountInString(t) > 100 || strings.Contains(t, "|") {
		return false
	}
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "※") ||
		strings.HasPrefix(strings.ToLower(t), "note") || strings.Contains(t, "://") {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	if strings.ContainsRune(".:。：;!?！？,、", last) {
		return false
	}
	for _, r := range t {
		if r > 127 || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return true
		}
	}
	return false
}

var separatorRe = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$`)

// IsSeparator reports whether a line is a table's header separator (---|---|).
func IsSeparator(s string) bool { return separatorRe.MatchString(strings.TrimSpace(s)) }

// splitHeader splits a header line into its cells.
func splitHeader(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "|")
	s = strings.TrimSuffix(s, "|")
	var cells []string
	for _, c := range strings.Split(s, "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

func isHeaderAt(lines []textLine, i int) bool {
	return i+1 < len(lines) && !lines[i].skip && strings.Contains(lines[i].text, "|") &&
		!IsSeparator(lines[i].text) && IsSeparator(lines[i+1].text)
}

// cellEnds says, for each line, whether it stops a row's continuation (chrome,
// a new header or a separator), computed once per document so that reading a
// row never rescans the document.
type cellEnds struct {
	stop []bool
}

func newCellEnds(lines []textLine) cellEnds {
	e := cellEnds{stop: make([]bool, len(lines))}
	for j := range lines {
		e.stop[j] = lines[j].skip || isHeaderAt(lines, j) || IsSeparator(lines[j].text)
	}
	return e
}

// readRows reads the body of a table starting at lines[i] and returns its rows and
// the index of the first line after the table. A row may wrap over several lines
// (a cell continues on the next line, or a lone "|" closes an empty cell); a row
// is complete once it has as many cells as the header has columns. A shorter row
// takes the following lines only while they fit in its missing cells, so a short
// row followed by a full one stays two rows.
//
// It is linear in the lines it reads: a continuation stops as soon as it holds
// more cells than the row has room for, so a run of rows that never close is not
// rescanned row after row.
func readRows(lines []textLine, ends cellEnds, i int, t *RawTable) ([]Row, int) {
	n := len(t.Header)
	var rows []Row
	for i < len(lines) {
		l := lines[i]
		if l.skip || !isRowStart(l.text, t.Leading) || isHeaderAt(lines, i) {
			break
		}
		text := strings.TrimSpace(l.text)
		if t.Leading {
			text = strings.TrimPrefix(text, "|")
		}
		cells, open := splitCells(text)
		row := Row{Cells: cells, Line: l.n, LineEnd: l.n}
		i++
		for len(row.Cells) < n {
			more, openAfter, next, ok := continuation(lines, ends, i, open, n-len(row.Cells))
			if !ok {
				break
			}
			row.Cells = append(row.Cells, more...)
			open = openAfter
			row.LineEnd = lines[next-1].n
			i = next
		}
		rows = append(rows, row)
	}
	return rows, i
}

// continuation looks at the lines from lines[i] up to the first that ends a cell
// ("|" at the end of the line) and returns the cells they complete, if they
// continue the row: they are not a new header or chrome, and they fit in room.
func continuation(lines []textLine, ends cellEnds, i int, open string, room int) (cells []string, openAfter string, next int, ok bool) {
	var parts []string
	pipes := 0
	j := i
	for ; j < len(lines); j++ {
		if ends.stop[j] {
			return nil, "", 0, false
		}
		t := strings.TrimSpace(lines[j].text)
		if pipes += strings.Count(t, "|"); pipes > room {
			return nil, "", 0, false
		}
		parts = append(parts, t)
		if strings.HasSuffix(t, "|") {
			break
		}
	}
	if j == len(lines) {
		return nil, "", 0, false
	}
	more, openAfter := splitCells(strings.Join(parts, "\n"))
	if len(more) == 0 {
		return nil, "", 0, false
	}
	more[0] = joinText(open, more[0])
	return more, openAfter, j + 1, true
}

// splitCells splits text at "|": every part but the last is a finished cell, the
// last is the start of a cell still open (usually empty).
func splitCells(text string) (cells []string, open string) {
	parts := strings.Split(text, "|")
	for _, p := range parts[:len(parts)-1] {
		cells = append(cells, tidy(p))
	}
	return cells, tidy(parts[len(parts)-1])
}

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func isRowStart(s string, leading bool) bool {
	t := strings.TrimSpace(s)
	if leading {
		return strings.HasPrefix(t, "|")
	}
	return strings.HasSuffix(t, "|")
}
