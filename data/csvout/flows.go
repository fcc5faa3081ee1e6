package csvout

import (
	"io"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// FlowHeader returns the header row NewFlows writes, one name per column, in
// English whatever the UI language, so that one URL gives every script the
// same columns. Columns are only ever added at the end: "extra" (the cells of
// columns Portolan has no field for) came after "link".
func FlowHeader() []string {
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
		"extra",
	}
}

// flowPorts is the index of "ports" in FlowHeader.
const flowPorts = 7

// Flows writes flows as CSV for firewall change requests: the one CSV
// writer for flows, shared by `portolan export` and the web exports.
type Flows struct {
	w       *Writer
	baseURL string
	row     []string
	// Langs (document slug -> content language) and TitlesEn ("doc/section"
	// -> English gloss of the section title) fill the _en columns: the
	// gloss, or the text itself for an English document.
	Langs    map[string]string
	TitlesEn map[string]string
}

// NewFlows writes the byte order mark and the header row to w and returns a
// writer for the rows. baseURL ("https://portolan.example.com") is put in
// front of each flow's path to make the link column a deep link; empty
// leaves the path alone.
func NewFlows(w io.Writer, baseURL string) (*Flows, error) {
	cw, err := NewWriter(w)
	if err != nil {
		return nil, err
	}
	c := &Flows{w: cw, baseURL: strings.TrimRight(baseURL, "/")}
	if err := cw.Write(FlowHeader()); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one flow as a row. Rows are buffered: call Flush at the end
// (and whenever the caller wants bytes on the wire, e.g. between pages of a
// stream).
func (c *Flows) Write(f data.Flow) error {
	link := f.URL
	if link == "" && f.ID != "" {
		link = data.FlowURL(f.ID)
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
		Ports(f.Ports, f.PortsRaw),
		f.AppProtocol,
		f.Requirement,
		f.Direction,
		f.Purpose,
		english(f.Purpose, f.PurposeEn),
		f.Notes,
		english(f.Notes, f.NotesEn),
		line,
		roles(f, data.SideSource),
		roles(f, data.SideDestination),
		findings(f),
		link,
		extra(f),
	)
	return c.w.WriteKeeping(c.row, flowPorts)
}

// Flush writes any buffered rows to the underlying writer and reports the
// first error met while writing.
func (c *Flows) Flush() error { return c.w.Flush() }

// roles is one end's role IDs, a guess marked "(guess)": ours, beside the
// endpoint as written.
func roles(f data.Flow, side string) string {
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

// extra is the row's cells under columns Portolan has no field for, as the
// document writes them: "Zone: dmz; Version: 8.0".
func extra(f data.Flow) string {
	out := make([]string, len(f.Extra))
	for i, e := range f.Extra {
		out[i] = e.Name + ": " + e.Value
	}
	return strings.Join(out, "; ")
}

// findings is a flow's lint findings, "check: detail" each, one per line.
func findings(f data.Flow) string {
	var out []string
	for _, x := range f.Findings {
		out = append(out, x.Check+": "+x.Detail)
	}
	return strings.Join(out, "\n")
}
