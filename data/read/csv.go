package read

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readCSV reads a spreadsheet an engineer keeps: one table, its first record
// the header. comma is ',' for CSV and '\t' for TSV.
func readCSV(raw []byte, comma rune, opt Options) (Document, error) {
	c := counter{lim: opt.Limits}
	if err := c.lines(raw); err != nil {
		return Document{}, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.Comment = '#' // a note at the top of a spreadsheet export
	var t *RawTable
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 1
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return Document{}, &Error{Line: line, Err: fmt.Errorf("CSV: %w", err)}
		}
		line, _ := cr.FieldPos(0)
		cells := make([]string, len(rec))
		empty := true
		for i, s := range rec {
			cells[i] = tidy(s)
			empty = empty && cells[i] == ""
		}
		if empty {
			continue
		}
		if t == nil {
			if err := c.header(cells, line); err != nil {
				return Document{}, err
			}
			t = &RawTable{Header: cells, Line: line}
			continue
		}
		if err := c.row(cells, line); err != nil {
			return Document{}, err
		}
		end := line + strings.Count(strings.Join(rec, ""), "\n")
		t.Rows = append(t.Rows, Row{Cells: cells, Line: line, LineEnd: end})
	}
	if t == nil || len(t.Rows) == 0 {
		return Document{}, &Error{Line: 1, Err: errors.New("CSV has no header row with rows under it")}
	}
	return Document{Blocks: []Block{{Kind: Table, Line: t.Line, LineEnd: t.Rows[len(t.Rows)-1].LineEnd, Table: t}}}, nil
}
