package encode

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/data/rules"
)

// CSVHeader is the change-request CSV's header row: English whatever the UI
// language, and stable, so a change board's import keeps working.
var CSVHeader = []string{
	"rule", "action", "complete",
	"source", "source_addresses", "destination", "destination_addresses",
	"protocol", "ports",
	"justification", "requirement", "vendor_reference", "portolan_link",
}

// CSV writes the request for a change board: one row per rule and transport
// (rule number, action accept, complete yes or no, each endpoint's name and
// the addresses it is mapped to, or NOT MAPPED, the protocol, the ports), with
// the flows behind it one per line in the justification, requirement, vendor
// page and Portolan link cells. Host names to allow follow as rows with action
// "allow name", and flows that gave no rule as rows with action "none".
// RFC 4180 with CRLF, UTF-8 with a byte order mark (Excel then reads Japanese
// correctly), and a cell that would start a formula gets a leading quote.
func CSV(w io.Writer, req *rules.Request) error {
	cw, err := csvout.NewWriter(w)
	if err != nil {
		return err
	}
	write := cw.Write
	if err := write(slices.Clone(CSVHeader)); err != nil {
		return err
	}
	for _, r := range req.Rules {
		complete := "yes"
		if !r.Complete() {
			complete = "no"
		}
		why, reqs, vendors, links := refCells(r.Flows)
		row := []string{
			strconv.Itoa(r.Number), "accept", complete,
			r.Source.Name, csvAddresses(r.Source), r.Destination.Name, csvAddresses(r.Destination),
			r.Protocol, r.PortsText(),
			why, reqs, vendors, links,
		}
		if err := write(row); err != nil {
			return err
		}
	}
	for i, n := range req.Names {
		why, reqs, vendors, links := refCells(n.Refs)
		row := []string{
			"name " + strconv.Itoa(i+1), "allow name", "yes",
			"", "", n.Name, n.Name,
			strings.Join(n.Protocols, "/"), data.FormatPorts(n.Ports),
			why, reqs, vendors, links,
		}
		if err := write(row); err != nil {
			return err
		}
	}
	for i, g := range req.Gaps {
		why, reqs, vendors, links := refCells([]rules.Ref{g.Flow})
		row := []string{
			"gap " + strconv.Itoa(i+1), "none", "no",
			g.Source, "", g.Destination, "",
			strings.Join(g.Flow.Protocols, "/"), g.Flow.PortsRaw,
			g.Reason + "\n" + why, reqs, vendors, links,
		}
		if err := write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// csvAddresses is an endpoint's values, or NOT MAPPED.
func csvAddresses(e *rules.Endpoint) string {
	if !e.Mapped() {
		return "NOT MAPPED"
	}
	return rules.FormatValues(e.Values)
}

// refCells writes flows one per line: their justification, requirements,
// vendor pages (each once) and Portolan links to the source line.
func refCells(refs []rules.Ref) (why, reqs, vendors, links string) {
	var w, q, v, l []string
	for _, f := range refs {
		w = append(w, refText(f))
		if f.Requirement != "" && !slices.Contains(q, f.Requirement) {
			q = append(q, f.Requirement)
		}
		if f.VendorURL != "" && !slices.Contains(v, f.VendorURL) {
			v = append(v, f.VendorURL)
		}
		l = append(l, f.SourceURL)
	}
	return strings.Join(w, "\n"), strings.Join(q, "\n"), strings.Join(v, "\n"), strings.Join(l, "\n")
}
