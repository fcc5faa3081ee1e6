// Package csvout writes the CSV files Portolan hands out (flows, hosts,
// version diffs, change requests) so that every one opens the same way in a
// spreadsheet: RFC 4180 with CRLF line ends, UTF-8 with a byte order mark so
// Excel shows Japanese correctly, and no cell that a spreadsheet would run as
// a formula. It knows nothing of HTTP: `portolan export` and the web exports
// both write through it, so a column means the same wherever the file came
// from.
package csvout

import (
	"encoding/csv"
	"io"

	"github.com/portolan/portolan/data"
)

// BOM is the UTF-8 byte order mark every file starts with: it makes Excel
// read the file as UTF-8 instead of the system code page.
const BOM = "\ufeff"

// Writer writes rows with every cell neutralised (see Neutralise).
type Writer struct {
	w *csv.Writer
}

// NewWriter writes the byte order mark to w and returns a writer for the rows.
func NewWriter(w io.Writer) (*Writer, error) {
	if _, err := io.WriteString(w, BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}, nil
}

// Write writes one row, each cell neutralised in place. Rows are buffered:
// call Flush at the end.
func (w *Writer) Write(row []string) error {
	for i, c := range row {
		row[i] = Neutralise(c)
	}
	return w.w.Write(row)
}

// WriteKeeping is Write but for cell keep, written as it is: the caller
// made it safe (Ports does).
func (w *Writer) WriteKeeping(row []string, keep int) error {
	k := row[keep]
	for i, c := range row {
		row[i] = Neutralise(c)
	}
	row[keep] = k
	return w.w.Write(row)
}

// Flush writes any buffered rows to the underlying writer and reports the
// first error met while writing.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralise stops a spreadsheet from reading a cell as a formula (OWASP "CSV
// injection"): a cell starting with = + - @ tab or carriage return gets a
// leading single quote, which Excel and LibreOffice show as text.
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// Ports is a ports cell as a spreadsheet keeps it as text: Excel reads a bare
// 443 as a number and 1-12 as a date, while it leaves "80, 443" alone, so
// parsed ports are written ="443" (a formula whose value is the text, the
// form Microsoft documents for numbers kept as text). The cell holds nothing
// but digits, commas, spaces and hyphens inside the quotes, so nothing else
// can run: write it with WriteKeeping. Ports the document gives without a
// number are the cell as written, neutralised.
func Ports(ports []data.PortRange, raw string) string {
	if len(ports) == 0 {
		return Neutralise(raw)
	}
	return `="` + data.FormatPorts(ports) + `"`
}
