package synth

import (
	"fmt"
	"strings"
)

// Hostile is a small document written to cost a reader unbounded time or
// memory (issue 17's reproductions and the ones found since), as an attacker
// would write it. Text makes the same bytes every time.
type Hostile struct {
	Name string // file name stem: footnotes-4000, unclosed-20000, ...
	Ext  string // file name extension, which says its format: ".txt", ".html"
	Text func() string
}

// File is the document's file name.
func (h Hostile) File() string { return h.Name + h.Ext }

// HostileDocuments are the hostile documents, by name.
var HostileDocuments = []Hostile{
	{"footnotes-4000", ".txt", HostileFootnotes},
	{"unclosed-20000", ".txt", HostileUnclosedRows},
	{"headings-20000", ".txt", HostileHeadings},
	{"inherit-50000", ".txt", HostileInherited},
	{"rowspan-50000", ".html", HostileRowspan},
	{"columns-6000", ".txt", HostileColumns},
	{"cell-50MB", ".txt", HostileCell},
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

// HostileInherited is a 60 KB source cell that 49,998 rows after it inherit
// by leaving their first cell out, as the Citrix page's rows do: 3 GB of
// endpoints to store and index from an 850 KB document.
func HostileInherited() string {
	var b strings.Builder
	b.WriteString("Title\nSection\nSource | Destination | Port | Description |\n---|---|---|---|\n")
	b.WriteString(strings.Repeat("x", 60000) + " | B | 1 | x |\n")
	for i := 2; i < 50000; i++ {
		fmt.Fprintf(&b, "B | %d | y |\n", 1+i%60000)
	}
	return b.String()
}

// HostileRowspan is an HTML table whose 60 KB description cell spans its
// 50,000 rows: 3 GB of purposes from a 1.2 MB page.
func HostileRowspan() string {
	var b strings.Builder
	b.WriteString("<html><head><title>T</title></head><body><h1>T</h1><table>\n<tr><th>Port</th><th>Description</th></tr>\n")
	b.WriteString(`<tr><td>1</td><td rowspan="50000">` + strings.Repeat("x", 60000) + "</td></tr>\n")
	for i := 1; i < 50000; i++ {
		fmt.Fprintf(&b, "<tr><td>%d</td></tr>\n", 1+i%60000)
	}
	b.WriteString("</table></body></html>\n")
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
