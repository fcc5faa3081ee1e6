package synth

import (
	"fmt"
	"strings"
)

// Hostile is a small document written to cost a reader unbounded time or
// memory (issue 17's reproductions), as an attacker would write it: a
// plain-text capture with a pipe table. Text makes the same bytes every time.
type Hostile struct {
	Name string // file name stem: footnotes-4000, unclosed-20000, headings-20000, columns-6000, cell-50MB
	Text func() string
}

// HostileDocuments are the hostile documents, by name.
var HostileDocuments = []Hostile{
	{"footnotes-4000", HostileFootnotes},
	{"unclosed-20000", HostileUnclosedRows},
	{"headings-20000", HostileHeadings},
	{"columns-6000", HostileColumns},
	{"cell-50MB", HostileCell},
}

// HostileFootnotes is 4,000 rows that each carry a footnote mark, then 4,000
// explanations of the mark (about 145 KB): every explanation applies to every
// row, so spreading notes naively is 4,000 × 4,000.
func HostileFootnotes() string {
	var b strings.Builder
	b.WriteString("Title\nSection\nPort | Description |\n---|---|\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "%d* | agent %d |\n", 1000+i%60000, i)
	}
	b.WriteString("\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "* footnote number %d\n", i)
	}
	return b.String()
}

// HostileUnclosedRows is 20,000 rows whose last cell never closes, so each
// could be the wrapped continuation of the one before.
func HostileUnclosedRows() string {
	var b strings.Builder
	b.WriteString("Title\nSection\n| Port | Description |\n|---|---|\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "| %d | never closed\n", 1+i%60000)
	}
	return b.String()
}

// HostileHeadings is 20,000 title-like lines, each over a table of one row:
// a heading path as long as the document, were every heading kept.
func HostileHeadings() string {
	var b strings.Builder
	b.WriteString("Title\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "Section %d\nPort | Description |\n---|---|\n%d | x |\n", i, 1+i%60000)
	}
	return b.String()
}

// HostileColumns is a table header of 6,000 columns (line 3), its delimiter
// row and one row.
func HostileColumns() string {
	var b strings.Builder
	b.WriteString("Title\nSection\n")
	b.WriteString(strings.Repeat("Port | ", 6000) + "\n")
	b.WriteString(strings.Repeat("---|", 6000) + "\n")
	b.WriteString(strings.Repeat("1 | ", 6000) + "\n")
	return b.String()
}

// HostileCell is one table cell of 50 MB.
func HostileCell() string {
	return "Title\nSection\nPort | Description |\n---|---|\n443 | " + strings.Repeat("x", 50<<20) + " |\n"
}
