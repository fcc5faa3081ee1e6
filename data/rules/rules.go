// Package rules turns a selection of flows into a firewall change request: the
// endpoints the flows name, mapped to the user's addresses (Mapping), merged
// into one rule per source, destination and transport with its ports
// coalesced, each rule justified by the flows it came from. It never widens a
// rule: an endpoint nobody mapped, or a side the document leaves empty, stays
// a named placeholder and the request says it is incomplete; nothing becomes
// "any" unless the user typed any. The outputs (CSV, Markdown, Capirca,
// nftables, iptables, PowerShell) are encoders in rules/encode. Pure: no SQL,
// no HTTP.
package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// Request is a change request: the rules to open, the host names to allow,
// and the flows that could not become a rule, with every endpoint involved.
type Request struct {
	Rules     []Rule
	Names     []Name      // host names and URLs to allow (rows with no port), beside the rules
	Gaps      []Gap       // flows that give no rule, and why
	Endpoints []*Endpoint // every endpoint of Rules, in the order rules first name them
	Flows     int         // flows in the selection
}

// Complete reports whether every rule's endpoints are mapped and every flow
// gave a rule: only then does the request say everything the selection asks.
func (r *Request) Complete() bool {
	return len(r.Gaps) == 0 && len(r.Unmapped()) == 0
}

// Unmapped returns the endpoints of the rules that no value is mapped to.
func (r *Request) Unmapped() []*Endpoint {
	var out []*Endpoint
	for _, e := range r.Endpoints {
		if !e.Mapped() {
			out = append(out, e)
		}
	}
	return out
}

// Problems says in sentences why the request is incomplete; none when it is
// complete. The page's banner, the CSV's header comment and the command line
// all show these.
func (r *Request) Problems() []string {
	var out []string
	if u := r.Unmapped(); len(u) > 0 {
		names := make([]string, len(u))
		for i, e := range u {
			names[i] = e.Name
		}
		out = append(out, fmt.Sprintf("%d %s not mapped to addresses, kept as placeholders: %s",
			len(u), plural(len(u), "endpoint is", "endpoints are"), strings.Join(names, "; ")))
	}
	for _, g := range r.Gaps {
		out = append(out, fmt.Sprintf("%s, line %d (%s → %s): %s", g.Flow.Doc, g.Flow.Line, g.Source, g.Destination, g.Reason))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Endpoint is one party of the rules as the documents name it, with what the
// mapping says it is.
type Endpoint struct {
	Key  string // Key(Name): how flows and the mapping find it
	Name string // as the first flow naming it writes it, or a placeholder's name
	// Placeholder is true when the document leaves this side of a row empty:
	// the name is Portolan's, "(unnamed source in doc/section)".
	Placeholder bool
	Values      []Value // what the mapping gives; none: not mapped
	// Role is the role (data/roles) whose mapping line gave the values, when
	// the endpoint's own name is not mapped: "role:domain-controller = ..."
	// maps every endpoint of that role once.
	Role string
}

// Mapped reports whether the endpoint has values.
func (e *Endpoint) Mapped() bool { return len(e.Values) > 0 }

// IsAny reports whether the user mapped the endpoint to any.
func (e *Endpoint) IsAny() bool { return len(e.Values) == 1 && e.Values[0].Kind == Any }

// Rule is one line of the change request: traffic from Source to Destination
// over Protocol on Ports, and the flows that ask for it.
type Rule struct {
	Number      int // 1-based, in the order the selection first asks for the rule
	Action      string
	Source      *Endpoint
	Destination *Endpoint
	Protocol    string           // "TCP", "UDP", "ICMP", ...
	Ports       []data.PortRange // sorted, overlapping and adjacent ranges joined; none for ICMP and the like
	Flows       []Ref            // the flows merged into the rule, in selection order
}

// Complete reports whether both of the rule's endpoints are mapped.
func (r Rule) Complete() bool { return r.Source.Mapped() && r.Destination.Mapped() }

// HasPorts reports whether the rule's protocol takes ports (TCP, UDP, SCTP).
func (r Rule) HasPorts() bool { return portProtocols[r.Protocol] }

// PortsText is the rule's ports as a change request writes them: "80, 443, 8000-8010".
func (r Rule) PortsText() string { return data.FormatPorts(r.Ports) }

// Requirements returns the distinct requirements of the rule's flows ("required",
// "conditional"), in the order met.
func (r Rule) Requirements() []string {
	var out []string
	for _, f := range r.Flows {
		if f.Requirement != "" && !slices.Contains(out, f.Requirement) {
			out = append(out, f.Requirement)
		}
	}
	return out
}

// Ref is one flow as a rule's justification cites it.
type Ref struct {
	ID          string
	Doc         string // document slug
	DocTitle    string
	Section     string // heading as written
	SectionID   string
	Line        int
	Source      string // as written
	Destination string // as written
	Protocols   []string
	PortsRaw    string
	Purpose     string // as written
	PurposeEn   string // English gloss of a non-English purpose
	Requirement string
	Direction   string
	Return      bool   // this rule is the return direction of a bidirectional flow
	VendorURL   string // the vendor's page
	FlowURL     string // Portolan's page of the flow
	SourceURL   string // Portolan's view of the document at the row's line
}

// Name is a host name, URL or wildcard to allow, with the flows or list
// entries that name it.
type Name struct {
	Name      string // as written: "*.delivery.mp.microsoft.com"
	Kind      string // "fqdn", "wildcard", "url", "ip"
	Protocols []string
	Ports     []data.PortRange
	Refs      []Ref
}

// Gap is a flow of the selection that gives no rule.
type Gap struct {
	Flow                Ref
	Source, Destination string // endpoint names, placeholders for empty sides
	Reason              string
}

// Doc is what the justification cites about a document.
type Doc struct {
	Title string
	URL   string // the vendor's page
}

// Options are what Build needs besides the flows and the mapping.
type Options struct {
	// BaseURL ("https://portolan.example.com", no trailing slash) is put in
	// front of Portolan's links; empty leaves them as paths.
	BaseURL string
	// Docs gives each document slug's title and vendor page.
	Docs map[string]Doc
	// Hosts are the host names the documents list to allow (data.Host); those
	// of a selected flow, or listed in a section with a selected flow and tied
	// to no row, join the allow-list.
	Hosts []data.Host
}

// portProtocols are the transports whose rules take ports.
var portProtocols = map[string]bool{"TCP": true, "UDP": true, "SCTP": true}

// Build merges the selected flows (in the order given) into a change request
// with endpoints mapped by m:
//   - one rule per (source, destination, transport); the ports of every flow
//     asking for it are joined and coalesced; a flow listed twice (in two
//     sections, or two documents) adds its reference, not a rule;
//   - a bidirectional flow gives a rule each way;
//   - ICMP (and other port-less IP protocols) give a rule without ports;
//   - a row naming a host name or URL and no port joins the allow-list;
//   - a row with a transport but no port number, or no transport at all, is a
//     gap: never a rule open on every port;
//   - an empty side is a placeholder endpoint named after the section, which
//     the mapping may map like any other.
func Build(flows []data.Flow, m Mapping, opt Options) *Request {
	b := builder{req: &Request{Flows: len(flows)}, m: m, opt: opt, eps: map[string]*Endpoint{}, rules: map[string]int{}, names: map[string]int{}}
	for _, f := range flows {
		b.add(f)
	}
	b.addHosts(flows)
	for i := range b.req.Rules {
		b.req.Rules[i].Ports = Coalesce(b.req.Rules[i].Ports)
		b.req.Rules[i].Number = i + 1
	}
	for i := range b.req.Names {
		b.req.Names[i].Ports = Coalesce(b.req.Names[i].Ports)
	}
	return b.req
}

type builder struct {
	req   *Request
	m     Mapping
	opt   Options
	eps   map[string]*Endpoint
	rules map[string]int // rule key -> index in req.Rules
	names map[string]int // lower-case name -> index in req.Names
}

func (b *builder) ref(f data.Flow) Ref {
	d := b.opt.Docs[f.Doc]
	flowURL := ""
	if f.ID != "" {
		flowURL = data.FlowURL(f.ID)
	}
	return Ref{
		ID: f.ID, Doc: f.Doc, DocTitle: d.Title, Section: f.Section, SectionID: f.SectionID, Line: f.Line,
		Source: f.Source, Destination: f.Destination, Protocols: f.Protocols, PortsRaw: f.PortsRaw,
		Purpose: f.Purpose, PurposeEn: f.PurposeEn, Requirement: f.Requirement, Direction: f.Direction,
		VendorURL: d.URL,
		FlowURL:   b.opt.BaseURL + flowURL,
		SourceURL: b.opt.BaseURL + "/docs/" + f.Doc + "/source#L" + strconv.Itoa(f.Line),
	}
}

// endpoint returns the endpoint a side of f names, or the placeholder for an
// empty side.
func (b *builder) endpoint(f data.Flow, name, side string) *Endpoint {
	name = strings.Join(strings.Fields(name), " ")
	placeholder := name == ""
	if placeholder {
		name = fmt.Sprintf("(unnamed %s in %s/%s)", side, f.Doc, f.SectionID)
	}
	k := Key(name)
	vs, _ := b.m.Lookup(name)
	role := ""
	if len(vs) == 0 {
		// The endpoint's own name is not mapped: a mapped role of this side
		// stands for it (the first, in the order the name and purpose give).
		for _, r := range f.Roles {
			if r.Side != side {
				continue
			}
			if rv, ok := b.m.Lookup(RoleKey + r.Role); ok {
				vs, role = rv, r.Role
				break
			}
		}
	}
	if placeholder && role != "" {
		// Unnamed sides of one section may be different roles (Endpoint
		// Central's mail server and domain controllers): one endpoint each.
		name = fmt.Sprintf("(unnamed %s in %s/%s: %s)", side, f.Doc, f.SectionID, role)
		k = Key(name)
	}
	if e, ok := b.eps[k]; ok {
		return e
	}
	e := &Endpoint{Key: k, Name: name, Placeholder: placeholder, Values: vs, Role: role}
	b.eps[k] = e
	return e
}

// RoleKey starts a mapping line that maps a role rather than one name:
// "role:domain-controller = 10.0.0.10, 10.0.0.11" gives every endpoint whose
// role (see data/roles) is domain-controller those addresses, unless its own
// name is mapped.
const RoleKey = "role:"

func (b *builder) add(f data.Flow) {
	ref := b.ref(f)
	src := b.endpoint(f, f.Source, "source")
	dst := b.endpoint(f, f.Destination, "destination")
	gap := func(reason string) {
		b.req.Gaps = append(b.req.Gaps, Gap{Flow: ref, Source: src.Name, Destination: dst.Name, Reason: reason})
	}
	if len(f.Ports) == 0 && len(f.Protocols) == 0 {
		if kind := extract.HostKind(f.Destination); kind != "" {
			b.addName(f.Destination, kind, nil, nil, ref)
			return
		}
		gap("the document states no transport and no port")
		return
	}
	if len(f.Protocols) == 0 {
		gap(fmt.Sprintf("the document states ports (%s) but no transport (TCP or UDP)", data.FormatPorts(f.Ports)))
		return
	}
	for _, p := range f.Protocols {
		if portProtocols[p] && len(f.Ports) == 0 {
			what := strings.TrimSpace(f.PortsRaw)
			if what == "" {
				what = "an empty cell"
			}
			gap(fmt.Sprintf("%s with no port number (the ports cell says %q)", p, what))
			continue
		}
		b.addRule(src, dst, p, f.Ports, ref)
		if f.Direction == data.Bidirectional {
			back := ref
			back.Return = true
			b.addRule(dst, src, p, f.Ports, back)
		}
	}
}

func (b *builder) addRule(src, dst *Endpoint, proto string, ports []data.PortRange, ref Ref) {
	if !portProtocols[proto] {
		ports = nil
	}
	k := src.Key + "\x00" + dst.Key + "\x00" + proto
	i, ok := b.rules[k]
	if !ok {
		i = len(b.req.Rules)
		b.rules[k] = i
		b.req.Rules = append(b.req.Rules, Rule{Action: "accept", Source: src, Destination: dst, Protocol: proto})
		for _, e := range []*Endpoint{src, dst} {
			if !slices.Contains(b.req.Endpoints, e) {
				b.req.Endpoints = append(b.req.Endpoints, e)
			}
		}
	}
	r := &b.req.Rules[i]
	r.Ports = append(r.Ports, ports...)
	if !slices.ContainsFunc(r.Flows, func(o Ref) bool { return o.ID == ref.ID && o.Return == ref.Return }) {
		r.Flows = append(r.Flows, ref)
	}
}

func (b *builder) addName(name, kind string, protos []string, ports []data.PortRange, ref Ref) {
	name = strings.TrimSpace(name)
	k := strings.ToLower(name)
	i, ok := b.names[k]
	if !ok {
		i = len(b.req.Names)
		b.names[k] = i
		b.req.Names = append(b.req.Names, Name{Name: name, Kind: kind})
	}
	n := &b.req.Names[i]
	for _, p := range protos {
		if !slices.Contains(n.Protocols, p) {
			n.Protocols = append(n.Protocols, p)
		}
	}
	n.Ports = append(n.Ports, ports...)
	if !slices.ContainsFunc(n.Refs, func(o Ref) bool { return o.ID == ref.ID && o.Line == ref.Line && o.Doc == ref.Doc }) {
		n.Refs = append(n.Refs, ref)
	}
}

// addHosts adds the documents' listed host names that belong to the
// selection: those tied to a selected flow, and those of a selected flow's
// section tied to no row.
func (b *builder) addHosts(flows []data.Flow) {
	ids := map[string]bool{}
	sections := map[string]bool{}
	for _, f := range flows {
		ids[f.ID] = true
		sections[f.Doc+"/"+f.SectionID] = true
	}
	for _, h := range b.opt.Hosts {
		if h.Kind == "" {
			continue
		}
		if h.FlowID != "" && !ids[h.FlowID] || h.FlowID == "" && !sections[h.Doc+"/"+h.SectionID] {
			continue
		}
		d := b.opt.Docs[h.Doc]
		purpose := h.Purpose
		if purpose == "" {
			purpose = h.Group
		}
		ref := Ref{ID: h.FlowID, Doc: h.Doc, DocTitle: d.Title, Section: h.Section, SectionID: h.SectionID, Line: h.Line,
			Purpose: purpose, PurposeEn: h.GroupEn, VendorURL: d.URL,
			SourceURL: b.opt.BaseURL + "/docs/" + h.Doc + "/source#L" + strconv.Itoa(h.Line)}
		if h.FlowID != "" {
			ref.FlowURL = b.opt.BaseURL + data.FlowURL(h.FlowID)
		}
		b.addName(h.Name, h.Kind, h.Protocols, h.Ports, ref)
	}
}

// Coalesce sorts port ranges and joins those that overlap or touch: 80, 443,
// 8000-8005 and 8006-8010 give 80, 443, 8000-8010.
func Coalesce(ports []data.PortRange) []data.PortRange {
	if len(ports) == 0 {
		return nil
	}
	s := slices.Clone(ports)
	slices.SortFunc(s, func(a, b data.PortRange) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if r.From <= last.To+1 {
			last.To = max(last.To, r.To)
			continue
		}
		out = append(out, r)
	}
	return out
}
