package web

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules/encode"
)

// FlowCSV writes flows as CSV for firewall change requests: RFC 4180 (CRLF line
// ends, quoted where needed), UTF-8 with a byte order mark so Excel shows Japanese
// correctly, and safe to open in a spreadsheet: a cell that would start a formula
// is neutralised. It is the one CSV writer for flows, shared by `portolan export`
// and the web exports, so a column means the same wherever the file came from.
type FlowCSV struct {
	w       *csv.Writer
	baseURL string
	row     []string
}

// utf8BOM makes Excel read the file as UTF-8 instead of the system code page.
const utf8BOM = encode.UTF8BOM

// FlowCSVHeader returns the header row written by NewFlowCSV, one name per
// column. The web exports write it in the UI language (csvHeader); these English
// names are also the columns' message keys, "csv.flow.<name>".
func FlowCSVHeader() []string {
	return []string{
		"document",
		"section",
		"source",
		"destination",
		"protocol",
		"ports",
		"app_protocol",
		"requirement",
		"direction",
		"purpose",
		"purpose_en",
		"notes",
		"link",
	}
}

// NewFlowCSV writes the byte order mark and the header row to w and returns a
// writer for the rows. baseURL ("https://portolan.example.com", no trailing slash)
// is put in front of each flow's path to make the link column a deep link; empty
// leaves the path alone.
func NewFlowCSV(w io.Writer, baseURL string) (*FlowCSV, error) {
	return newFlowCSV(w, baseURL, FlowCSVHeader())
}

// newFlowCSV is NewFlowCSV with the header row given, one name per column of
// FlowCSVHeader.
func newFlowCSV(w io.Writer, baseURL string, header []string) (*FlowCSV, error) {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	c := &FlowCSV{w: cw, baseURL: strings.TrimRight(baseURL, "/")}
	if err := c.writeRow(slices.Clone(header)); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one flow as a row. Rows are buffered: call Flush at the end (and
// whenever the caller wants bytes on the wire, e.g. between pages of a stream).
func (c *FlowCSV) Write(f data.Flow) error {
	ports := data.FormatPorts(f.Ports)
	if ports == "" {
		ports = f.PortsRaw
	}
	link := f.URL
	if link == "" && f.ID != "" {
		link = "/flows/" + f.ID
	}
	if link != "" {
		link = c.baseURL + link
	}
	c.row = append(c.row[:0],
		f.Doc,
		f.Section,
		f.Source,
		f.Destination,
		strings.Join(f.Protocols, "/"),
		ports,
		f.AppProtocol,
		f.Requirement,
		f.Direction,
		f.Purpose,
		f.PurposeEn,
		f.Notes,
		link,
	)
	return c.writeRow(c.row)
}

// Flush writes any buffered rows to the underlying writer and reports the first
// error met while writing.
func (c *FlowCSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *FlowCSV) writeRow(row []string) error {
	for i, cell := range row {
		row[i] = neutralise(cell)
	}
	return c.w.Write(row)
}

// neutralise is the formula neutralising every Portolan CSV shares.
func neutralise(cell string) string { return encode.Neutralise(cell) }

// csvHeader names columns in the UI language: each name is looked up as the
// message kind+"."+name ("csv.flow.purpose_en"); English keeps the names.
func csvHeader(ctx context.Context, kind string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = t(ctx, kind+"."+n)
	}
	return out
}
