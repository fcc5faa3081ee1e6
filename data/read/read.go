// Package read turns a document as published (the plain-text captures Portolan
// ships, Markdown and MDX, HTML, CSV and TSV) into raw tables with the headings,
// captions and prose around them, each with its source lines. It knows nothing of
// ports: data/extract gives the cells their meaning.
package read

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Kind is what a block of a document is.
type Kind int

// Kinds of Block.
const (
	Text    Kind = iota // a line or paragraph of prose
	Heading             // a heading; Level 1-6, or 0 for a text capture's short title-like line
	Item                // a list item; its Text starts with "- "
	Table               // a table; Block.Table holds it
)

// Block is one piece of a document in reading order.
type Block struct {
	Kind  Kind
	Level int
	// Text is the block as plain text: inline markup, links and entities
	// resolved, "- " before a list item.
	Text          string
	Line, LineEnd int // 1-based source lines
	Table         *RawTable
}

// RawTable is a table as the document writes it, before any cell has a meaning.
type RawTable struct {
	Caption string   // <caption> or a title the format attaches to the table
	Header  []string // header cells as written (plain text)
	Rows    []Row
	Line    int // line of the header row
	// Leading is true for a text capture's table whose rows start with "|".
	Leading bool
	// Loose is true when a row's cells may not sit in their columns: a text
	// capture drops empty cells, leaves out cells that repeat the row above and
	// splits a cell at a "|" written inside it. Cells are then matched to
	// columns by what they hold.
	Loose bool
}

// Row is one body row: its cells in column order and the lines it spans.
type Row struct {
	Cells         []string
	Line, LineEnd int
}

// Document is what a reader found in a document.
type Document struct {
	Format string // FormatText, FormatMarkdown, ...
	Title  string // front matter title, <title>, first h1, or a text capture's first line
	Lang   string // language the document declares (<html lang>, front matter), if any
	Blocks []Block
	// Warnings are the parts the reader could not read (a table with no rows, ...).
	Warnings []Warning
}

// Warning is a part of a document that was not read, and why.
type Warning struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Formats a reader reports.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatCSV      = "csv"
)

// Options tune a read; the zero value reads with DefaultLimits.
type Options struct {
	// Skip lists line ranges ("1", "347-349") of a text capture that are page
	// chrome, not content.
	Skip []string
	// TitleLine is the line of a text capture that holds its title.
	TitleLine int
	Limits    Limits
}

// Error is a document, or a part of one, that cannot be read: it names the
// line and says why, so the author knows where to look. The caller adds the
// file name.
type Error struct {
	Line int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// ErrUnsupported is wrapped by the error for a format Portolan does not read.
var ErrUnsupported = errors.New("format not read")

// Read reads a document of any format Portolan knows. The format comes from
// the name's extension, else the content type (as an HTTP response gives it),
// else the content itself.
func Read(name, contentType string, raw []byte, opt Options) (Document, error) {
	lim := opt.Limits.orDefault()
	if len(raw) > lim.DocumentBytes {
		return Document{}, &Error{Line: 1, Err: &LimitError{What: "document size", Limit: lim.DocumentBytes, Got: len(raw), Unit: "bytes"}}
	}
	if !utf8.Valid(raw) {
		return Document{}, &Error{Line: badUTF8Line(raw), Err: errors.New("not valid UTF-8")}
	}
	opt.Limits = lim
	format, err := Detect(name, contentType, raw)
	if err != nil {
		return Document{}, &Error{Line: 1, Err: err}
	}
	var d Document
	switch format {
	case FormatMarkdown:
		d, err = readMarkdown(raw, opt)
	case FormatHTML:
		d, err = readHTML(raw, opt)
	case FormatCSV:
		comma := ','
		if strings.EqualFold(filepath.Ext(name), ".tsv") || strings.Contains(contentType, "tab-separated") {
			comma = '\t'
		}
		d, err = readCSV(raw, comma, opt)
	default:
		d, err = readText(raw, opt)
	}
	if err != nil {
		return Document{}, err
	}
	d.Format = format
	return d, nil
}

// Detect names the format of a document: by extension, content type, then
// content. reStructuredText and AsciiDoc are refused with an error wrapping
// ErrUnsupported.
func Detect(name, contentType string, raw []byte) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".mdx", ".mdown":
		return FormatMarkdown, nil
	case ".html", ".htm", ".xhtml":
		return FormatHTML, nil
	case ".csv", ".tsv":
		return FormatCSV, nil
	case ".txt", ".text":
		return FormatText, nil
	case ".rst", ".rest":
		return "", unsupported("reStructuredText")
	case ".adoc", ".asciidoc", ".asc":
		return "", unsupported("AsciiDoc")
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		switch mt {
		case "text/html", "application/xhtml+xml":
			return FormatHTML, nil
		case "text/markdown", "text/x-markdown":
			return FormatMarkdown, nil
		case "text/csv", "text/tab-separated-values":
			return FormatCSV, nil
		case "text/x-rst":
			return "", unsupported("reStructuredText")
		case "text/asciidoc":
			return "", unsupported("AsciiDoc")
		}
	}
	head := bytes.ToLower(bytes.TrimSpace(raw[:min(len(raw), 512)]))
	if bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) {
		return FormatHTML, nil
	}
	return FormatText, nil
}

func unsupported(format string) error {
	return fmt.Errorf("%w: Portolan does not read %s; save the rendered page as HTML (or its Markdown source) and give that instead", ErrUnsupported, format)
}

func badUTF8Line(raw []byte) int {
	line := 1
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		raw = raw[size:]
	}
	return line
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex []int

func newLineIndex(raw []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range raw {
		if b == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// line returns the line holding byte offset off.
func (x lineIndex) line(off int) int {
	lo, hi := 0, len(x)
	for lo < hi {
		m := (lo + hi) / 2
		if x[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return max(lo, 1)
}

// tidy trims a cell and joins the lines it wrapped over with single spaces.
func tidy(s string) string { return strings.Join(strings.Fields(s), " ") }
