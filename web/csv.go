package web

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules/encode"
)

// FlowCSV writes flows as CSV for firewall change requests: RFC 4180 (CRLF line
// ends, quoted where needed), UTF-8 with a byte order mark so Excel shows Japanese
// correctly, and safe to open in a spreadsheet: a cell that would start a formula
// is neutralised. It is the one CSV writer for flows, shared by `portolan export`
// and the web exports, so a column means the same wherever the file came from.
// Its header row is the same English names whatever the reader's language, so
// that one URL gives every script the same columns.
type FlowCSV struct {
	w       *csv.Writer
	baseURL string
	row     []string
	// Langs (document slug -> content language) and TitlesEn ("doc/section"
	// -> English gloss of the section title) fill the _en columns: the
	// gloss, or the text itself for an English document.
	Langs    map[string]string
	TitlesEn map[string]string
}

// utf8BOM makes Excel read the file as UTF-8 instead of the system code page.
const utf8BOM = encode.UTF8BOM

// FlowCSVHeader returns the header row written by NewFlowCSV, one name per
// column, in English whatever the UI language.
func FlowCSVHeader() []string {
	return []string{
		"id",
		"document",
		"section",
		"section_en",
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
		"notes_en",
		"line",
		"source_roles",
		"destination_roles",
		"findings",
		"link",
	}
}

// NewFlowCSV writes the byte order mark and the header row to w and returns a
// writer for the rows. baseURL ("https://portolan.example.com", no trailing slash)
// is put in front of each flow's path to make the link column a deep link; empty
// leaves the path alone.
func NewFlowCSV(w io.Writer, baseURL string) (*FlowCSV, error) {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	c := &FlowCSV{w: cw, baseURL: strings.TrimRight(baseURL, "/")}
	if err := c.writeRow(FlowCSVHeader()); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one flow as a row. Rows are buffered: call Flush at the end (and
// whenever the caller wants bytes on the wire, e.g. between pages of a stream).
func (c *FlowCSV) Write(f data.Flow) error {
	link := f.URL
	if link == "" && f.ID != "" {
		link = "/flows/" + f.ID
	}
	if link != "" {
		link = c.baseURL + link
	}
	en := c.Langs[f.Doc] == "en"
	english := func(orig, gloss string) string {
		if gloss == "" && en {
			return orig
		}
		return gloss
	}
	line := ""
	if f.Line > 0 {
		line = strconv.Itoa(f.Line)
	}
	c.row = append(c.row[:0],
		f.ID,
		f.Doc,
		f.Section,
		english(f.Section, c.TitlesEn[f.Doc+"/"+f.SectionID]),
		f.Source,
		f.Destination,
		strings.Join(f.Protocols, "/"),
		"", // ports: written below, not neutralised
		f.AppProtocol,
		f.Requirement,
		f.Direction,
		f.Purpose,
		english(f.Purpose, f.PurposeEn),
		f.Notes,
		english(f.Notes, f.NotesEn),
		line,
		csvRoles(f, data.SideSource),
		csvRoles(f, data.SideDestination),
		csvFindings(f),
		link,
	)
	for i, cell := range c.row {
		c.row[i] = neutralise(cell)
	}
	c.row[portsColumn] = csvPorts(f.Ports, f.PortsRaw)
	return c.w.Write(c.row)
}

// portsColumn is the index of "ports" in FlowCSVHeader.
const portsColumn = 7

// csvPorts is a flow's ports as a spreadsheet keeps them as text: Excel
// reads a bare 443 as a number and 1-12 as a date, while it leaves
// "80, 443" alone, so parsed ports are written ="443" (a formula whose value
// is the text, the form Microsoft documents for numbers kept as text). The
// cell holds nothing but digits, commas, spaces and hyphens inside the
// quotes, so nothing else can run. Ports the document gives without a number
// are the cell as written, neutralised like every other cell.
func csvPorts(ports []data.PortRange, raw string) string {
	if len(ports) == 0 {
		return neutralise(raw)
	}
	return `="` + data.FormatPorts(ports) + `"`
}

// csvRoles is one end's role IDs, a guess marked "(guess)": ours, beside the
// endpoint as written.
func csvRoles(f data.Flow, side string) string {
	var out []string
	for _, r := range f.Roles {
		if r.Side != side {
			continue
		}
		if r.Guess {
			out = append(out, r.Role+" (guess)")
		} else {
			out = append(out, r.Role)
		}
	}
	return strings.Join(out, ", ")
}

// csvFindings is a flow's lint findings, "check: detail" each, one per line.
func csvFindings(f data.Flow) string {
	var out []string
	for _, x := range f.Findings {
		out = append(out, x.Check+": "+x.Detail)
	}
	return strings.Join(out, "\n")
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
// message kind+"."+name ("csv.diff.change"). The flow and host CSVs do not
// use it: their header is English in every language.
func csvHeader(ctx context.Context, kind string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = t(ctx, kind+"."+n)
	}
	return out
}
