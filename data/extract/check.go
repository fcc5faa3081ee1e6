package extract

import (
	"errors"
	"fmt"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// Report is what Portolan understood of a document, before anything is
// stored: what `portolan check` prints.
type Report struct {
	File     string        `json:"file"`
	Slug     string        `json:"slug"`
	Format   string        `json:"format"`
	Language string        `json:"language"`
	Title    string        `json:"title"`
	Sections int           `json:"sections"`
	Flows    int           `json:"flows"`
	Hosts    []string      `json:"hosts"`
	Tables   []TableReport `json:"tables"`
	// Warnings are the tables and rows not read, as file:line: reason.
	Warnings []string `json:"warnings"`
	// Error is why the document cannot be ingested at all, "" when it can.
	Error string `json:"error,omitempty"`
}

// TableReport is one table of a document: its columns and their meaning, and
// what became of its rows.
type TableReport struct {
	Line        int            `json:"line"`
	Section     string         `json:"section,omitempty"`
	Columns     []ColumnReport `json:"columns"`
	Rows        int            `json:"rows"`
	Flows       int            `json:"flows"`
	SkippedRows []data.Skip    `json:"skipped_rows,omitempty"`
	Skipped     string         `json:"skipped,omitempty"` // why the whole table was not read
}

// ColumnReport is a header cell as written and the meaning Portolan gave it.
type ColumnReport struct {
	Header  string `json:"header"`
	Meaning string `json:"meaning"`
}

var meaningNames = map[role]string{
	roleSource: "source", roleDestination: "destination", roleProtocol: "protocol", rolePort: "port",
	rolePortEnd: "port (end)", rolePurpose: "purpose", roleService: "service", roleRequirement: "requirement",
	roleDirection: "direction", roleExtra: "extra field",
}

func describe(header []string, cols columns) []ColumnReport {
	out := make([]ColumnReport, len(header))
	for i, h := range header {
		c := column{role: meaningOf(h).role, transport: meaningOf(h).transport}
		if i < len(cols) {
			c = cols[i]
		}
		name := meaningNames[c.role]
		if c.transport != "" {
			name = c.transport + " port"
		}
		out[i] = ColumnReport{Header: h, Meaning: name}
	}
	return out
}

// Check reads a document as ingest would and reports what it understood. A
// document ingest would refuse gives a report with Error set and the error.
func Check(m data.Meta, contentType string, raw []byte) (Report, error) {
	r := Report{File: m.File, Slug: m.Slug, Hosts: []string{}, Tables: []TableReport{}, Warnings: []string{}}
	rd, err := read.Read(m.File, contentType, raw, read.Options{Skip: m.Skip, TitleLine: m.TitleLine})
	if err != nil {
		var re *read.Error
		if errors.As(err, &re) {
			err = &Error{File: m.File, Line: re.Line, Err: re.Err}
		}
		r.Error = err.Error()
		return r, err
	}
	r.Format = rd.Format
	d, tables, err := normalise(m, raw, rd)
	if tables != nil {
		r.Tables = tables
	}
	if err != nil {
		r.Error = err.Error()
		return r, err
	}
	r.Language, r.Title, r.Sections = d.Language, d.Title, len(d.Sections)
	for _, s := range d.Sections {
		r.Flows += len(s.Flows)
	}
	for _, h := range d.Hosts {
		r.Hosts = append(r.Hosts, h.Name)
	}
	r.Warnings = Warnings(d)
	return r, nil
}

// Warnings lists what a document left unread, as file:line: reason.
func Warnings(d data.Document) []string {
	out := []string{}
	for _, s := range d.Skipped {
		out = append(out, fmt.Sprintf("%s:%d: %s", d.File, s.Line, s.Reason))
	}
	return out
}
