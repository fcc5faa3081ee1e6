// Package encode writes a change request (rules.Request) in the formats a
// change board and a firewall take: a CSV for the change board, a Markdown
// summary for the ticket, a Capirca policy archive (rendered by Capirca's
// aclgen for Juniper, Cisco, Palo Alto, iptables and more), and, for the hosts
// themselves, an nftables ruleset, iptables-restore and ip6tables-restore
// files and Windows Defender Firewall PowerShell. Every encoder keeps the
// request's promise: a rule whose endpoint is not mapped to addresses is
// written as a comment saying why, never as a rule open to any address.
package encode

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"go4.org/netipx"

	"github.com/portolan/portolan/data/rules"
)

// Format is one output format.
type Format struct {
	Name        string // the -format value and the download's name: "nft"
	Title       string // what it is, in English (the page's links say it in the UI language: change.format.<Name>)
	Ext         string // file name extension: ".nft"
	ContentType string
	Write       func(w io.Writer, req *rules.Request) error
}

// Formats lists every output, in the order the page offers them.
var Formats = []Format{
	{"csv", "Change request (CSV)", ".csv", "text/csv; charset=utf-8", CSV},
	{"md", "Summary (Markdown)", ".md", "text/markdown; charset=utf-8", Markdown},
	{"capirca", "Capirca policy (.zip)", ".zip", "application/zip", Capirca},
	{"nft", "nftables ruleset", ".nft", "text/plain; charset=utf-8", Nftables},
	{"iptables", "iptables-restore (IPv4)", ".iptables", "text/plain; charset=utf-8", IPTables},
	{"ip6tables", "ip6tables-restore (IPv6)", ".ip6tables", "text/plain; charset=utf-8", IP6Tables},
	{"ps1", "Windows Firewall (PowerShell)", ".ps1", "text/plain; charset=utf-8", PowerShell},
}

// Lookup returns the format with the given name.
func Lookup(name string) (Format, bool) {
	i := slices.IndexFunc(Formats, func(f Format) bool { return f.Name == name })
	if i < 0 {
		return Format{}, false
	}
	return Formats[i], true
}

// Names returns the formats' names, for usage and error messages.
func Names() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = f.Name
	}
	return out
}

// side is one endpoint of a rule as an address-based format sees it.
type side struct {
	any    bool
	v4, v6 []netipx.IPRange // merged, sorted
}

// addresses reads an endpoint for a format that takes addresses only. It
// fails (with the reason, for the comment that replaces the rule) when the
// endpoint is not mapped or is mapped to something other than addresses.
func addresses(e *rules.Endpoint, format string) (side, error) {
	if !e.Mapped() {
		return side{}, fmt.Errorf("%s is not mapped to addresses", quoteName(e.Name))
	}
	if e.IsAny() {
		return side{any: true}, nil
	}
	var b4, b6 netipx.IPSetBuilder
	for _, v := range e.Values {
		switch v.Kind {
		case rules.Host:
			return side{}, fmt.Errorf("%s is mapped to the host name %s, which %s cannot match: map it to addresses", quoteName(e.Name), v.Text, format)
		case rules.Object:
			return side{}, fmt.Errorf("%s is mapped to the firewall object %s, which %s does not know: map it to addresses", quoteName(e.Name), v.Text, format)
		}
		for _, p := range v.Prefixes() {
			if p.Addr().Is4() {
				b4.AddPrefix(p)
			} else {
				b6.AddPrefix(p)
			}
		}
	}
	s4, _ := b4.IPSet()
	s6, _ := b6.IPSet()
	return side{v4: s4.Ranges(), v6: s6.Ranges()}, nil
}

// family is the addresses of one rule in one IP version.
type family struct {
	v6       bool
	src, dst []netipx.IPRange // nil: any
}

// families returns the address families a rule can be written in: a side
// mapped to any matches both; otherwise a family needs addresses on both
// sides. An empty result means the sides share no family (IPv4 to IPv6).
func families(src, dst side) []family {
	var out []family
	for _, v6 := range []bool{false, true} {
		s, d := src.v4, dst.v4
		if v6 {
			s, d = src.v6, dst.v6
		}
		if (src.any || len(s) > 0) && (dst.any || len(d) > 0) {
			out = append(out, family{v6: v6, src: pick(src.any, s), dst: pick(dst.any, d)})
		}
	}
	return out
}

func pick(any bool, rs []netipx.IPRange) []netipx.IPRange {
	if any {
		return nil
	}
	return rs
}

// renderable reads both endpoints of a rule for an address-based format: the
// reason it cannot be written, or its families.
func renderable(r rules.Rule, format string) ([]family, string) {
	src, err := addresses(r.Source, format)
	if err != nil {
		return nil, "source " + err.Error()
	}
	dst, err := addresses(r.Destination, format)
	if err != nil {
		return nil, "destination " + err.Error()
	}
	fams := families(src, dst)
	if len(fams) == 0 {
		return nil, "the source and the destination have no IP version in common (one is IPv4 only, the other IPv6 only)"
	}
	return fams, ""
}

// rangeText writes a range as a prefix when it is one, else "first-last".
func rangeText(r netipx.IPRange) string {
	if p, ok := r.Prefix(); ok {
		if p.IsSingleIP() {
			return p.Addr().String()
		}
		return p.String()
	}
	return r.From().String() + "-" + r.To().String()
}

// prefixesOf returns the CIDR blocks covering the ranges exactly.
func prefixesOf(rs []netipx.IPRange) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		out = append(out, r.Prefixes()...)
	}
	return out
}

// quoteName writes an endpoint name for a comment or message: in quotes, on
// one line.
func quoteName(s string) string { return `"` + oneLine(s) + `"` }

// oneLine folds line breaks (and other control characters) to spaces, so a
// text from a document cannot end a comment line and start a rule.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// endpointText writes an endpoint and its values for a comment: `"Citrix ADM"
// (10.0.0.5)`, `"NTP Server" (any)`, `"LOM" (NOT MAPPED)`.
func endpointText(e *rules.Endpoint) string {
	if !e.Mapped() {
		return quoteName(e.Name) + " (NOT MAPPED)"
	}
	return quoteName(e.Name) + " (" + rules.FormatValues(e.Values) + ")"
}

// ruleTitle is a rule in one line: `rule 3: "Citrix ADM" -> "NTP Server" UDP 123`.
func ruleTitle(r rules.Rule) string {
	s := fmt.Sprintf("rule %d: %s -> %s %s", r.Number, quoteName(r.Source.Name), quoteName(r.Destination.Name), r.Protocol)
	if r.HasPorts() {
		s += " " + r.PortsText()
	}
	return s
}

// refText is one flow of a justification in one line.
func refText(f rules.Ref) string {
	purpose := oneLine(f.Purpose)
	if f.PurposeEn != "" {
		purpose += " [EN: " + oneLine(f.PurposeEn) + "]"
	}
	s := fmt.Sprintf("%s / %s, line %d", f.Doc, oneLine(f.Section), f.Line)
	if f.Return {
		s += " (return direction of a bidirectional flow)"
	}
	if purpose != "" {
		s += ": " + purpose
	}
	if f.Requirement != "" {
		s += " (" + f.Requirement + ")"
	}
	return s
}

// header writes the lines every text output starts with, each after prefix
// ("# ", "-- "): what the file is, and whether the request is complete.
func header(w io.Writer, prefix string, req *rules.Request, what string) {
	fmt.Fprintf(w, "%sPortolan change request: %s\n", prefix, what)
	fmt.Fprintf(w, "%s%d %s from %d %s.\n", prefix, len(req.Rules), plural(len(req.Rules), "rule", "rules"), req.Flows, plural(req.Flows, "flow", "flows"))
	if req.Complete() {
		fmt.Fprintf(w, "%sComplete: every endpoint is mapped and every flow gave a rule.\n", prefix)
		return
	}
	fmt.Fprintf(w, "%sINCOMPLETE: rules with an unmapped endpoint are left out as comments, never widened:\n", prefix)
	for _, p := range req.Problems() {
		fmt.Fprintf(w, "%s  - %s\n", prefix, oneLine(p))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
