package read

import "fmt"

// Limits bound the work one document can cause. A document over any of them is
// refused with the line and the limit, before anything is stored.
type Limits struct {
	DocumentBytes int // whole document
	LineBytes     int // one line of a text, Markdown or CSV document
	CellBytes     int // one table cell
	Columns       int // columns of one table
	Rows          int // table rows in the whole document
}

// DefaultLimits are generous for any real port document (the largest shipped
// one is 40 KB, 204 rows, 7 columns) and small enough that a hostile one costs
// seconds and tens of megabytes.
var DefaultLimits = Limits{
	DocumentBytes: 16 << 20,
	LineBytes:     1 << 20,
	CellBytes:     64 << 10,
	Columns:       64,
	Rows:          50_000,
}

func (l Limits) orDefault() Limits {
	if l.DocumentBytes <= 0 {
		l.DocumentBytes = DefaultLimits.DocumentBytes
	}
	if l.LineBytes <= 0 {
		l.LineBytes = DefaultLimits.LineBytes
	}
	if l.CellBytes <= 0 {
		l.CellBytes = DefaultLimits.CellBytes
	}
	if l.Columns <= 0 {
		l.Columns = DefaultLimits.Columns
	}
	if l.Rows <= 0 {
		l.Rows = DefaultLimits.Rows
	}
	return l
}

// LimitError is a document over one of its Limits.
type LimitError struct {
	What  string // "document size", "line length", ...
	Limit int
	Got   int
	Unit  string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %d %s is over the limit of %d", e.What, e.Got, e.Unit, e.Limit)
}

// counter checks a document's tables against the limits as a reader builds them.
type counter struct {
	lim  Limits
	rows int
}

// table checks a table's header; line is where it starts.
func (c *counter) header(cells []string, line int) error {
	if len(cells) > c.lim.Columns {
		return &Error{Line: line, Err: &LimitError{What: "table width", Limit: c.lim.Columns, Got: len(cells), Unit: "columns"}}
	}
	return c.cells(cells, line)
}

// row checks one more row.
func (c *counter) row(cells []string, line int) error {
	c.rows++
	if c.rows > c.lim.Rows {
		return &Error{Line: line, Err: &LimitError{What: "table rows in the document", Limit: c.lim.Rows, Got: c.rows, Unit: "rows"}}
	}
	if len(cells) > 4*c.lim.Columns {
		return &Error{Line: line, Err: &LimitError{What: "row width", Limit: 4 * c.lim.Columns, Got: len(cells), Unit: "cells"}}
	}
	return c.cells(cells, line)
}

func (c *counter) cells(cells []string, line int) error {
	for _, s := range cells {
		if len(s) > c.lim.CellBytes {
			return &Error{Line: line, Err: &LimitError{What: "cell size", Limit: c.lim.CellBytes, Got: len(s), Unit: "bytes"}}
		}
	}
	return nil
}

// lines checks the length of every line of raw.
func (c *counter) lines(raw []byte) error {
	n, start := 1, 0
	for i := 0; i <= len(raw); i++ {
		if i == len(raw) || raw[i] == '\n' {
			if i-start > c.lim.LineBytes {
				return &Error{Line: n, Err: &LimitError{What: "line length", Limit: c.lim.LineBytes, Got: i - start, Unit: "bytes"}}
			}
			n, start = n+1, i+1
		}
	}
	return nil
}
