// Package data owns Portolan's domain types and the vendor documents they come
// from: the embedded documents with their metadata, and the extractor that turns a
// document's text into sections, flows and hosts. It is pure: no SQL, no HTTP.
package data

import (
	"iter"
	"sort"
)

// Document is one vendor document as shipped, with what was extracted from it.
type Document struct {
	Slug     string `json:"slug"`     // stable short name used in URLs: "citrix"
	File     string `json:"file"`     // file name the text was read from
	Vendor   string `json:"vendor"`   // "Citrix"
	Product  string `json:"product"`  // "Citrix ADC, ADM, Cloud, ..."
	Title    string `json:"title"`    // the document's title as written
	Language string `json:"language"` // language of the content: "en", "ja"
	// SourceLanguage is the language of the page the text was captured from when it
	// differs from the content (the Citrix page is English on a zh mirror).
	SourceLanguage string `json:"source_language,omitempty"`
	URL            string `json:"url"`               // the original page
	Created        string `json:"created,omitempty"` // YYYY-MM-DD, where the document states it
	Updated        string `json:"updated,omitempty"` // YYYY-MM-DD, where the document states it
	Subject        string `json:"subject,omitempty"` // host direction-only tables are relative to
	// Format is how the document was read: "text", "markdown", "html", "csv".
	Format string `json:"format,omitempty"`
	// Skipped lists the tables and rows that were not read, and why, so a reader
	// knows what may be missing.
	Skipped  []Skip `json:"skipped,omitempty"`
	Raw      string `json:"-"`        // the text as shipped, byte for byte
	Checksum string `json:"checksum"` // hex SHA-256 of Raw

	Sections []Section `json:"sections"`
	Hosts    []Host    `json:"hosts"`
}

// Section is a component: the heading a table sits under.
type Section struct {
	Slug    string `json:"id"`                 // unique within its document, stable
	Title   string `json:"title"`              // heading as written
	TitleEn string `json:"title_en,omitempty"` // English gloss, for non-English headings
	Ordinal int    `json:"ordinal"`            // 1-based position in the document
	Line    int    `json:"line"`               // line of the heading
	Subject string `json:"subject,omitempty"`  // host the section's direction-only rows are relative to
	Text    string `json:"text,omitempty"`     // prose under the heading outside tables, as written
	Flows   []Flow `json:"flows"`
}

// FlowURL is the path of the page of the flow with ID id: Flow.URL, the
// link column of every CSV, the links of pages, feeds and change requests.
// It is a deep link people paste into tickets, so it is built here only.
func FlowURL(id string) string { return "/flows/" + id }

// Flow is one table row as the document lists it, normalised. The *Raw fields keep
// the cell as written; the others are what Portolan derived from it.
type Flow struct {
	ID             string      `json:"id"`
	URL            string      `json:"url"` // FlowURL(ID), set wherever a flow gets its ID or is read
	Doc            string      `json:"doc"`
	Section        string      `json:"section"`
	SectionID      string      `json:"section_id"`
	Service        string      `json:"service,omitempty"` // Component/Service column, where the table has one
	Source         string      `json:"source"`
	Destination    string      `json:"destination"`
	Protocols      []string    `json:"protocols"`
	Ports          []PortRange `json:"ports"`
	PortsRaw       string      `json:"ports_raw"`
	ProtocolRaw    string      `json:"protocol_raw"`
	AppProtocol    string      `json:"app_protocol"`
	Purpose        string      `json:"purpose"`
	PurposeEn      string      `json:"purpose_en"`
	Requirement    string      `json:"requirement"`
	RequirementRaw string      `json:"requirement_raw"`
	Direction      string      `json:"direction"`
	DirectionRaw   string      `json:"direction_raw"`
	DirectionEn    string      `json:"direction_en,omitempty"`
	Notes          string      `json:"notes"`
	NotesEn        string      `json:"notes_en,omitempty"`
	// Extra holds the row's cells under columns Portolan has no field for, as
	// written, with their header.
	Extra   []Field `json:"extra,omitempty"`
	Line    int     `json:"line"`
	LineEnd int     `json:"line_end"` // last line of the row (rows may wrap)
	Ordinal int     `json:"ordinal"`  // 1-based position of the row in its document

	// What Portolan adds at ingest, kept apart from the row as written: English
	// glosses of endpoint names from the role vocabulary, the endpoints' roles
	// and the lint findings. The extractor leaves them empty.
	SourceEn      string         `json:"source_en,omitempty"`
	DestinationEn string         `json:"destination_en,omitempty"`
	Roles         []EndpointRole `json:"roles,omitempty"`
	Findings      []Finding      `json:"findings,omitempty"`
}

// Field is a cell of a column Portolan has no field for: its header and value
// as written.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Skip is a part of a document that was not read: a table with no port,
// protocol or host column, a row whose ports cannot be read, ...
type Skip struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// PortRange is an inclusive range of port numbers; a single port has From == To.
type PortRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Contains reports whether port p lies in the range.
func (r PortRange) Contains(p int) bool { return r.From <= p && p <= r.To }

// Overlaps reports whether the two ranges share at least one port.
func (r PortRange) Overlaps(o PortRange) bool { return r.From <= o.To && o.From <= r.To }

// Host is a host name, URL, wildcard or address a document says to allow.
type Host struct {
	Name      string      `json:"name"`               // as written: "https://*.digicert.com"
	Kind      string      `json:"kind"`               // "fqdn", "wildcard", "url", "ip"
	Doc       string      `json:"doc"`                // document slug
	Section   string      `json:"section"`            // heading as written
	SectionID string      `json:"section_id"`         // section slug
	Group     string      `json:"group,omitempty"`    // list heading or label the host sits under
	GroupEn   string      `json:"group_en,omitempty"` // English gloss of a non-English group
	FlowID    string      `json:"flow_id,omitempty"`  // the table row that names it, if any
	Protocols []string    `json:"protocols"`
	Ports     []PortRange `json:"ports"`
	Purpose   string      `json:"purpose,omitempty"`
	Line      int         `json:"line"`
}

// Requirement values of Flow.Requirement.
const (
	Required    = "required"
	Recommended = "recommended"
	Conditional = "conditional"
	Optional    = "optional"
)

// Direction values of Flow.Direction.
const (
	Inbound       = "inbound"
	Outbound      = "outbound"
	Bidirectional = "bidirectional"
)

// PlacedFlow is a flow with the section it sits under.
type PlacedFlow struct {
	Section *Section
	Flow    *Flow
}

// OrderedFlows returns every flow of d with its section, in the order of the
// flows' Ordinal (the document's reading order), the order Seqs numbers
// them in.
func (d *Document) OrderedFlows() []PlacedFlow {
	secs := make([]*Section, len(d.Sections))
	for i := range d.Sections {
		secs[i] = &d.Sections[i]
	}
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].Ordinal < secs[j].Ordinal })
	var out []PlacedFlow
	for _, s := range secs {
		for i := range s.Flows {
			out = append(out, PlacedFlow{Section: s, Flow: &s.Flows[i]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flow.Ordinal < out[j].Flow.Ordinal })
	return out
}

// SeqFlow is a flow of a dataset with its seq.
type SeqFlow struct {
	Seq int // 1, 2, ... over the documents in order, each's flows in OrderedFlows order
	PlacedFlow
}

// Seqs yields each document of a dataset (docs, in order) with its flows
// numbered. A flow's seq is its key in the store (flows.seq) and in the
// search index, which ranks ties by it, so a match the index returns names
// a row of the store: both number flows here, and nowhere else.
func Seqs(docs []Document) iter.Seq2[*Document, []SeqFlow] {
	return func(yield func(*Document, []SeqFlow) bool) {
		seq := 0
		for i := range docs {
			d := &docs[i]
			flows := d.SeqFlows(seq)
			seq += len(flows)
			if !yield(d, flows) {
				return
			}
		}
	}
}

// SeqFlows numbers d's flows as Seqs does when the documents before d in the
// dataset have last flows in all: for a dataset read one document at a time.
func (d *Document) SeqFlows(last int) []SeqFlow {
	placed := d.OrderedFlows()
	flows := make([]SeqFlow, len(placed))
	for j, p := range placed {
		flows[j] = SeqFlow{Seq: last + j + 1, PlacedFlow: p}
	}
	return flows
}
