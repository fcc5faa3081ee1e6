// Package lint checks the documents for their own mistakes: a port that
// contradicts the service the row names, a transport the service does not run
// over, documents that disagree on a well-known service, rows missing an
// endpoint or a transport, requirement marks the document never defines, and
// duplicate rows. Each check has an ID, a severity, an explanation and a fix;
// a finding is advice shown beside the row, never a change to it.
//
// Ports are judged against IANA's assignments, shipped as data in
// services.json with their source and the date they were copied.
package lint

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/phrase"
)

//go:embed services.json
var servicesJSON []byte

// Severities, most serious first.
const (
	Error   = "error"
	Warning = "warning"
	Info    = "info"
)

// Check is one kind of mistake lint looks for.
type Check struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"`
	Title       string `json:"title"`
	Explanation string `json:"explanation"`
	Fix         string `json:"fix"`
}

// The checks, in the order findings are listed.
const (
	PortService      = "port-service"
	TransportService = "transport-service"
	DocsDisagree     = "documents-disagree"
	MissingSource    = "missing-source"
	MissingDest      = "missing-destination"
	MissingTransport = "missing-transport"
	UndefinedMark    = "undefined-requirement-mark"
	DuplicateRow     = "duplicate-row"
)

// Checks lists every check with its English texts (the UI's translations are
// in web/i18n under lint.<id>.*).
var Checks = []Check{
	{PortService, Warning, "Port contradicts the service",
		"The row names a service (in its purpose or protocol) whose IANA port is not among the row's ports, and one of the row's ports is IANA's port of another service.",
		"Open the port the service uses, or correct the service name; check the vendor's other documentation for which is meant."},
	{TransportService, Warning, "Transport the service does not use",
		"The row opens a transport (TCP or UDP) that the service it names, or the service IANA assigns its port to, does not run over.",
		"Open only the transports the service uses; ask the vendor before opening the other."},
	{DocsDisagree, Info, "Documents disagree on a well-known service",
		"Other documents open this well-known port over a transport this document leaves out, for a service that runs over both.",
		"Check whether the product needs the other transport too (for LDAP 389, UDP is connectionless LDAP, used to locate domain controllers)."},
	{MissingSource, Info, "No source",
		"The document names no source for this row: a firewall rule needs one.",
		"Decide which hosts initiate this flow (the row's direction and purpose may tell) before writing the rule."},
	{MissingDest, Info, "No destination",
		"The document names no destination for this row: a firewall rule needs one.",
		"Decide which hosts this flow goes to (the row's purpose may name them) before writing the rule."},
	{MissingTransport, Warning, "No transport",
		"The row names no transport protocol (TCP, UDP, ...), so no rule can be written from it as it stands.",
		"Find the protocol and ports in the vendor's other documentation (a URL list usually means HTTPS, TCP 443)."},
	{UndefinedMark, Warning, "Requirement mark never defined",
		"The document marks this row with a symbol it never explains, so whether the port is needed is not stated.",
		"Ask the vendor what the mark means; until then, read it as undefined, neither required nor optional."},
	{DuplicateRow, Warning, "Duplicate row",
		"The row repeats an earlier row of the same document: same endpoints, protocols, ports and purpose.",
		"Count the flow once; if the rows were meant to differ, one of them holds a copy error."},
}

// CheckByID returns the check with the ID.
func CheckByID(id string) (Check, bool) {
	i := slices.IndexFunc(Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}, false
	}
	return Checks[i], true
}

// Finding is one check's verdict on one flow.
type Finding struct {
	FlowID   string `json:"flow_id"`
	Doc      string `json:"doc"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	// Detail says what is wrong with this row, in English, naming the values.
	Detail string `json:"detail"`
}

// Registry is the IANA subset and Portolan's reading of it (services.json).
type Registry struct {
	Source string `json:"source"`
	Date   string `json:"date"`
	About  string `json:"about"`

	Assignments []Assignment `json:"assignments"`
	Services    []Service    `json:"services"`

	byPort map[int][]Assignment
	byIANA map[string][]*Service
	words  phrase.Set
}

// Assignment is one row of IANA's registry.
type Assignment struct {
	Name        string   `json:"name"`
	Port        int      `json:"port"`
	Transports  []string `json:"transports"`
	Description string   `json:"description"`
}

// Service is how Portolan reads a service: the words that name it, the IANA
// names it covers and the transports its protocol runs over.
type Service struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Family   string   `json:"family"`
	IANA     []string `json:"iana"`
	Uses     []string `json:"uses"`
	Standard string   `json:"standard"`
	Tunnels  bool     `json:"tunnels,omitempty"`
	Words    []string `json:"words"`

	ports []int
}

// ParseRegistry reads a registry in the layout of services.json and checks
// that every service's IANA names are among the assignments.
func ParseRegistry(b []byte) (*Registry, error) {
	var r Registry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("lint: services: %w", err)
	}
	if r.Source == "" || r.Date == "" {
		return nil, fmt.Errorf("lint: services: the source and date of the assignments are required")
	}
	r.byPort = map[int][]Assignment{}
	ports := map[string][]int{}
	for _, a := range r.Assignments {
		if a.Port < 0 || a.Port > 65535 || a.Name == "" || len(a.Transports) == 0 {
			return nil, fmt.Errorf("lint: services: assignment %q port %d is incomplete", a.Name, a.Port)
		}
		r.byPort[a.Port] = append(r.byPort[a.Port], a)
		ports[a.Name] = append(ports[a.Name], a.Port)
	}
	r.byIANA = map[string][]*Service{}
	for i := range r.Services {
		s := &r.Services[i]
		if s.ID == "" || s.Family == "" || len(s.Uses) == 0 {
			return nil, fmt.Errorf("lint: services: service %q needs an id, a family and the transports it uses", s.ID)
		}
		for _, n := range s.IANA {
			if len(ports[n]) == 0 {
				return nil, fmt.Errorf("lint: services: service %q: no assignment named %q", s.ID, n)
			}
			s.ports = append(s.ports, ports[n]...)
			r.byIANA[n] = append(r.byIANA[n], s)
		}
		for _, w := range s.Words {
			if err := r.words.Add(w, s.ID); err != nil {
				return nil, fmt.Errorf("lint: services: service %q: %w", s.ID, err)
			}
		}
	}
	return &r, nil
}

// Default is the registry shipped in services.json; its tests check it parses.
var Default = sync.OnceValue(func() *Registry {
	r, err := ParseRegistry(servicesJSON)
	if err != nil {
		panic(err)
	}
	return r
})

func (r *Registry) service(id string) *Service {
	for i := range r.Services {
		if r.Services[i].ID == id {
			return &r.Services[i]
		}
	}
	return nil
}

// named returns the services a flow's text names: its application protocol,
// protocol and port cells as written, service and purpose.
func (r *Registry) named(f *data.Flow) []*Service {
	var out []*Service
	for _, text := range []string{f.AppProtocol, f.ProtocolRaw, f.PortsRaw, f.Service, f.Purpose} {
		for _, m := range r.words.Find(text) {
			if s := r.service(m.Value); s != nil && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// singlePorts are the flow's ranges that are one port each.
func singlePorts(f *data.Flow) []int {
	var out []int
	for _, p := range f.Ports {
		if p.From == p.To && !slices.Contains(out, p.From) {
			out = append(out, p.From)
		}
	}
	return out
}

func transports(f *data.Flow) []string {
	var out []string
	for _, p := range f.Protocols {
		p = strings.ToLower(p)
		if (p == "tcp" || p == "udp") && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Run checks every flow of docs and returns the findings in document order,
// then check order. It reads the documents and changes nothing.
func (r *Registry) Run(docs []data.Document) []Finding {
	a := r.NewAcross()
	var candidates []string // IDs, by number
	for i := range docs {
		for _, f := range a.Add(&docs[i]) {
			candidates = append(candidates, f.ID)
		}
	}
	disagree := map[string]string{}
	for n, det := range a.Details() {
		disagree[candidates[n]] = det
	}
	var out []Finding
	for i := range docs {
		out = append(out, r.document(&docs[i], disagree)...)
	}
	return out
}

// Document checks one document's flows on their own: every check but
// DocsDisagree, which compares documents (Across). The findings are in flow
// order, then check order, as Run gives them.
func (r *Registry) Document(d *data.Document) []Finding {
	return r.document(d, nil)
}

// document is Run's work on one document, disagree giving the DocsDisagree
// detail of each flow (by ID) that has one.
func (r *Registry) document(d *data.Document, disagree map[string]string) []Finding {
	var out []Finding
	seen := map[string]data.PlacedFlow{} // duplicate key -> first row
	for _, pf := range d.OrderedFlows() {
		f := pf.Flow
		add := func(check, detail string) {
			c, _ := CheckByID(check)
			out = append(out, Finding{FlowID: f.ID, Doc: d.Slug, Check: check, Severity: c.Severity, Detail: detail})
		}
		named := r.named(f)
		if det := r.portService(f, named); det != "" {
			add(PortService, det)
		}
		if det := r.transportService(f, named); det != "" {
			add(TransportService, det)
		}
		if det := disagree[f.ID]; det != "" {
			add(DocsDisagree, det)
		}
		if strings.TrimSpace(f.Source) == "" {
			add(MissingSource, "The document names no source for this row.")
		}
		if strings.TrimSpace(f.Destination) == "" {
			add(MissingDest, "The document names no destination for this row.")
		}
		if len(f.Protocols) == 0 {
			add(MissingTransport, "The row names no transport protocol.")
		}
		if raw := strings.TrimSpace(f.RequirementRaw); raw != "" && f.Requirement == "" {
			add(UndefinedMark, fmt.Sprintf("The document marks this row %s and never says what %s means.", raw, raw))
		}
		if det := duplicate(seen, pf); det != "" {
			add(DuplicateRow, det)
		}
	}
	order := map[string]int{}
	for i, c := range Checks {
		order[c.ID] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].FlowID == out[j].FlowID {
			return order[out[i].Check] < order[out[j].Check]
		}
		return false
	})
	return out
}

// Disagreement inserts the DocsDisagree finding of a flow (detail det, from
// Across.Details) among the flow's other findings (own, from Document), in
// check order: the flow's findings as Run gives them.
func Disagreement(own []data.Finding, det string) []data.Finding {
	if det == "" {
		return own
	}
	c, _ := CheckByID(DocsDisagree)
	at := 0
	for at < len(own) && (own[at].Check == PortService || own[at].Check == TransportService) {
		at++
	}
	return slices.Insert(slices.Clone(own), at, data.Finding{Check: DocsDisagree, Severity: c.Severity, Detail: det})
}

// portService: the row names services, none of them has any of the row's
// ports, and one of the row's ports is IANA's port of a service of another
// family. A service carried on others' ports (ICA over 443) is never judged.
func (r *Registry) portService(f *data.Flow, named []*Service) string {
	if len(named) == 0 || slices.ContainsFunc(named, func(s *Service) bool { return s.Tunnels }) {
		return ""
	}
	ports := singlePorts(f)
	families := map[string]bool{}
	for _, s := range named {
		families[s.Family] = true
		for _, p := range f.Ports {
			for _, sp := range s.ports {
				if p.Contains(sp) {
					return ""
				}
			}
		}
	}
	for _, p := range ports {
		for _, a := range r.byPort[p] {
			other := r.byIANA[a.Name]
			if len(other) > 0 && slices.ContainsFunc(other, func(s *Service) bool { return families[s.Family] }) {
				continue
			}
			s := named[0]
			return fmt.Sprintf("The row names %s, which IANA assigns %s; it opens %d, which IANA assigns to %s (%s).",
				s.Title, portList(r, s), p, a.Name, a.Description)
		}
	}
	return ""
}

// portList is a service's IANA ports as "443/tcp" or "389/tcp, 389/udp".
func portList(r *Registry, s *Service) string {
	var out []string
	for _, n := range s.IANA {
		for _, p := range s.ports {
			for _, a := range r.byPort[p] {
				if a.Name == n {
					out = append(out, fmt.Sprintf("port %d (%s)", p, n))
				}
			}
		}
	}
	out = slices.Compact(out)
	return strings.Join(out, " and ")
}

// transportService: the row opens TCP or UDP that the services it names (or,
// naming none, the services IANA assigns its ports to) do not run over.
func (r *Registry) transportService(f *data.Flow, named []*Service) string {
	ts := transports(f)
	if len(ts) == 0 {
		return ""
	}
	services := named
	if len(services) == 0 {
		for _, p := range singlePorts(f) {
			for _, a := range r.byPort[p] {
				if !slices.Contains(a.Transports, ts[0]) && !(len(ts) > 1 && slices.Contains(a.Transports, ts[1])) {
					continue
				}
				for _, s := range r.byIANA[a.Name] {
					if !slices.Contains(services, s) {
						services = append(services, s)
					}
				}
			}
		}
	}
	var parts []string
	for _, s := range services {
		for _, t := range ts {
			if !slices.Contains(s.Uses, t) && !explained(f.ProtocolRaw, t) {
				parts = append(parts, fmt.Sprintf("%s over %s: %s.", s.Title, strings.ToUpper(t), s.Standard))
			}
		}
	}
	return strings.Join(parts, " ")
}

// explainedTransport matches a transport written with what it is for right
// after it: "HTTPS UDP(音声通話・ビデオ通話)" opens UDP for voice and video calls,
// not for HTTPS.
var explainedTransport = regexp.MustCompile(`(?i)\b(tcp|udp)\s*[(（]`)

// explained reports whether the protocol cell as written says what transport
// t is for.
func explained(protocolRaw, t string) bool {
	for _, m := range explainedTransport.FindAllStringSubmatch(protocolRaw, -1) {
		if strings.EqualFold(m[1], t) {
			return true
		}
	}
	return false
}

// Across collects, one document at a time, what the documents-disagree
// check compares between documents: for each well-known port of a service
// that runs over both TCP and UDP, the transports each document opens it
// over. It holds a few bytes per flow on such a port (a candidate), not the
// documents.
type Across struct {
	r     *Registry
	n     int32                             // candidates so far
	byDoc map[acrossKey]map[string][]string // -> doc -> transports
	flows map[acrossKey]map[string][]int32  // -> doc -> candidates
}

type acrossKey struct {
	port int
	svc  *Service
}

// NewAcross starts comparing documents (Add each, then Details).
func (r *Registry) NewAcross() *Across {
	return &Across{r: r, byDoc: map[acrossKey]map[string][]string{}, flows: map[acrossKey]map[string][]int32{}}
}

// Add records what d opens. It returns the flows of d that the comparison
// may give a finding, the candidates, in flow order; Details numbers the
// candidates of every document added, 0, 1, ... in the order they were
// returned. The others never get one.
func (a *Across) Add(d *data.Document) (candidates []*data.Flow) {
	r := a.r
	for _, pf := range d.OrderedFlows() {
		f := pf.Flow
		ts := transports(f)
		if len(ts) == 0 {
			continue
		}
		candidate := false
		for _, p := range singlePorts(f) {
			for _, as := range r.byPort[p] {
				for _, s := range r.byIANA[as.Name] {
					if !slices.Contains(s.Uses, "tcp") || !slices.Contains(s.Uses, "udp") {
						continue
					}
					k := acrossKey{p, s}
					if a.byDoc[k] == nil {
						a.byDoc[k], a.flows[k] = map[string][]string{}, map[string][]int32{}
					}
					for _, t := range ts {
						if slices.Contains(s.Uses, t) && !slices.Contains(a.byDoc[k][d.Slug], t) {
							a.byDoc[k][d.Slug] = append(a.byDoc[k][d.Slug], t)
						}
					}
					a.flows[k][d.Slug] = append(a.flows[k][d.Slug], a.n)
					candidate = true
				}
			}
		}
		if candidate {
			candidates = append(candidates, f)
			a.n++
		}
	}
	return candidates
}

// Details compares the documents added and returns a detail for each
// candidate (by number, see Add) of a document that leaves out a transport
// others open.
func (a *Across) Details() map[int32]string {
	out := map[int32]string{}
	keys := make([]acrossKey, 0, len(a.byDoc))
	for k := range a.byDoc {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].port != keys[j].port {
			return keys[i].port < keys[j].port
		}
		return keys[i].svc.ID < keys[j].svc.ID
	})
	for _, k := range keys {
		docsOf := a.byDoc[k]
		for doc, ts := range docsOf {
			for _, t := range []string{"tcp", "udp"} {
				if slices.Contains(ts, t) {
					continue
				}
				var others []string
				for other, ots := range docsOf {
					if other != doc && slices.Contains(ots, t) {
						others = append(others, other)
					}
				}
				if len(others) == 0 {
					continue
				}
				sort.Strings(others)
				mine := strings.ToUpper(strings.Join(ts, " and "))
				det := fmt.Sprintf("%s on %d: this document opens %s only; %s also open %s (%s).",
					k.svc.Title, k.port, mine, strings.Join(others, ", "), strings.ToUpper(t), k.svc.Standard)
				for _, n := range a.flows[k][doc] {
					if out[n] == "" {
						out[n] = det
					} else if !strings.Contains(out[n], det) {
						out[n] += " " + det
					}
				}
			}
		}
	}
	return out
}

// duplicate reports a row that repeats an earlier one: in the same section, or
// in another section when the row names both its endpoints (a row naming one
// side is about its section's subject, so the same words under another heading
// are another flow).
func duplicate(seen map[string]data.PlacedFlow, pf data.PlacedFlow) string {
	f := pf.Flow
	named := strings.TrimSpace(f.Source) != "" && strings.TrimSpace(f.Destination) != ""
	key := duplicateKey(f)
	if first, ok := seen[pf.Section.Slug+"\x00"+key]; ok {
		return fmt.Sprintf("Same endpoints, protocols, ports and purpose as the row at line %d.", first.Flow.Line)
	}
	if first, ok := seen[key]; ok && named {
		return fmt.Sprintf("Same endpoints, protocols, ports and purpose as the row at line %d, under %q; here under %q.", first.Flow.Line, first.Section.Title, pf.Section.Title)
	}
	seen[pf.Section.Slug+"\x00"+key] = pf
	if _, ok := seen[key]; !ok && named {
		seen[key] = pf
	}
	return ""
}

// duplicateKey is what makes two rows of a document the same row.
func duplicateKey(f *data.Flow) string {
	var b strings.Builder
	for _, s := range []string{f.Source, f.Destination, strings.Join(f.Protocols, "/"), f.PortsRaw, f.AppProtocol, f.Service, f.Purpose, f.RequirementRaw, f.DirectionRaw, f.Notes} {
		b.WriteString(phrase.Fold(s))
		b.WriteByte(0)
	}
	for _, p := range f.Ports {
		fmt.Fprintf(&b, "%d-%d,", p.From, p.To)
	}
	return b.String()
}
