// Package versions follows a document from one text to the next: it decides
// which rows of the new text are the same flows as rows of the old one (so they
// keep their IDs and deep links keep working), and says what changed between
// the two, the way an engineer reads a vendor's change list: flows added,
// removed and changed, each change with its fields from what to what and its
// impact on a firewall (a port to open, one that may be closed, a transport
// changed, wording only). A wording replaced throughout the document (a product
// renamed) is reported once, not as a change of every row it touches.
//
// It is pure: two extracted documents in, a Diff out.
package versions

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/data"
)

// Impact is what a change means for a firewall, in the spirit of the impact
// field of Microsoft 365's endpoint change service.
type Impact string

// Impacts of a change. A change may have several.
const (
	Added              Impact = "added"               // a new flow: open it
	Removed            Impact = "removed"             // the flow is gone: may be closed
	PortAdded          Impact = "port_added"          // more ports to open
	PortRemoved        Impact = "port_removed"        // ports that may be closed
	TransportChanged   Impact = "transport_changed"   // TCP/UDP became TCP, ...
	EndpointsChanged   Impact = "endpoints_changed"   // source or destination
	RequirementChanged Impact = "requirement_changed" // required, optional, ...
	DirectionChanged   Impact = "direction_changed"   // inbound, outbound, ...
	Moved              Impact = "moved"               // to another section
	Wording            Impact = "wording"             // purpose, notes or a cell as written; nothing to open or close
)

// FieldChange is one field of a flow, from what to what.
type FieldChange struct {
	Field string `json:"field"` // the flow's JSON field name: "ports", "protocols", "purpose", ...
	From  string `json:"from"`
	To    string `json:"to"`
}

// Change is a flow present in both texts that is not the same as written.
type Change struct {
	Old     data.Flow     `json:"old"`
	New     data.Flow     `json:"new"`
	Fields  []FieldChange `json:"fields"`
	Impacts []Impact      `json:"impacts"`
	// The ports and transports the change opens or lets close.
	PortsAdded       []data.PortRange `json:"ports_added,omitempty"`
	PortsRemoved     []data.PortRange `json:"ports_removed,omitempty"`
	ProtocolsAdded   []string         `json:"protocols_added,omitempty"`
	ProtocolsRemoved []string         `json:"protocols_removed,omitempty"`
}

// Removal is a flow of the old text that the new one no longer has, with the
// flow of the new text nearest to it, if any: where a deep link to it should
// point the reader.
type Removal struct {
	Flow      data.Flow `json:"flow"`
	Successor string    `json:"successor,omitempty"` // ID of a flow of the new text, or ""
}

// Diff is what changed in one document from one text to the next.
type Diff struct {
	Doc string `json:"doc"`
	// Version is the number of the version the diff leads to (from Version-1);
	// Captured is when that version was captured. History.Add sets them.
	Version  int       `json:"version"`
	Captured time.Time `json:"captured"`

	Renames []Rename    `json:"renames,omitempty"`
	Added   []data.Flow `json:"added"`
	Removed []Removal   `json:"removed"`
	Changed []Change    `json:"changed"`
	// Renamed counts the flows whose only change is a rename.
	Renamed int `json:"renamed"`
	// Unchanged counts the flows identical in both texts.
	Unchanged int `json:"unchanged"`
}

// Empty reports whether the two texts gave the same flows, as written.
func (d Diff) Empty() bool {
	return len(d.Renames) == 0 && len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0 && d.Renamed == 0
}

// Carry gives the flows of next that continue flows of prev the IDs (and URLs)
// those had, and returns what changed from prev to next. A flow of next that
// continues none keeps the ID the extractor gave it, unless that ID is taken.
// Hosts of next that name a flow follow its new ID.
//
// How rows are matched, in passes, each over the rows no earlier pass matched:
//  1. identical rows (every field as written, section included);
//  2. in the same section (matched by heading, allowing renames and small
//     rewordings), the same endpoints, service/protocol name, ports and
//     transports: a reworded purpose;
//  3. same section, endpoints and name, ports overlapping or the same
//     transports: a port added or removed, a transport changed;
//  4. same section and endpoints, same ports and transports, another name;
//  5. same section, name, ports and transports, other endpoints;
//  6. any section, every field but the section alike: a moved row.
//
// Within a pass, candidate pairs are taken best first: most similar purpose,
// then nearest position. Texts are compared allowing the document's renames.
func Carry(prev data.Document, next *data.Document) Diff {
	renames := findRenames(prev.Raw, next.Raw)
	m := matcher{rs: newRenameSet(renames), renames: renames}
	m.sections(prev, *next)
	m.old, m.oldSec = flowsOf(prev)
	m.new, m.newSec = flowsOf(*next)
	m.oldTo = filled(len(m.old))
	m.newTo = filled(len(m.new))
	m.passes()

	diff := Diff{Doc: next.Slug, Renames: renames, Added: []data.Flow{}, Removed: []Removal{}, Changed: []Change{}}
	// IDs: the matched flows first, so an unmatched flow whose extracted ID
	// happens to be taken gets a new one.
	ids := map[string]string{} // extracted ID -> carried ID
	used := map[string]bool{}
	for _, f := range m.old { // an ID of the old text goes to its flow or to none
		used[f.ID] = true
	}
	for j, i := range m.newTo {
		f := m.new[j]
		from := f.ID
		if i >= 0 {
			f.ID = m.old[i].ID
		} else {
			id := f.ID
			for n := 2; used[id]; n++ {
				id = fmt.Sprintf("%s-v%d", f.ID, n)
			}
			f.ID = id
			used[id] = true
		}
		f.URL = data.FlowURL(f.ID)
		ids[from] = f.ID
	}
	for i := range next.Hosts {
		if id, ok := ids[next.Hosts[i].FlowID]; ok {
			next.Hosts[i].FlowID = id
		}
	}

	for j, i := range m.newTo {
		if i < 0 {
			diff.Added = append(diff.Added, *m.new[j])
			continue
		}
		c := m.compare(*m.old[i], *m.new[j], m.sameSection(i, j))
		switch {
		case c == nil:
			diff.Unchanged++
		case len(c.Fields) == 0:
			diff.Renamed++
		default:
			diff.Changed = append(diff.Changed, *c)
		}
	}
	removed := 0
	for _, j := range m.oldTo {
		if j < 0 {
			removed++
		}
	}
	for i, j := range m.oldTo {
		if j >= 0 {
			continue
		}
		r := Removal{Flow: *m.old[i]}
		// Successors are looked for among every new row: bounded like passes.
		if removed*len(m.new) <= maxSectionPairs {
			if s := m.successor(i); s >= 0 {
				r.Successor = m.new[s].ID
			}
		}
		diff.Removed = append(diff.Removed, r)
	}
	if diff.Renamed == 0 {
		diff.Renames = nil // found in prose only: no flow changed by it
	}
	return diff
}

func filled(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// flowsOf lists a document's flows in reading order with the index of their
// section in d.Sections. The pointers point into d.
func flowsOf(d data.Document) ([]*data.Flow, []int) {
	var fs []*data.Flow
	var secs []int
	for si := range d.Sections {
		for fi := range d.Sections[si].Flows {
			fs = append(fs, &d.Sections[si].Flows[fi])
			secs = append(secs, si)
		}
	}
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(fs[a].Ordinal, fs[b].Ordinal) })
	outF, outS := make([]*data.Flow, len(fs)), make([]int, len(fs))
	for k, i := range order {
		outF[k], outS[k] = fs[i], secs[i]
	}
	return outF, outS
}

// matcher holds the state of one Carry.
type matcher struct {
	rs           renameSet
	renames      []Rename
	secTo        []int // old section index -> new section index, or -1
	old, new     []*data.Flow
	oldSec       []int
	newSec       []int
	oldTo, newTo []int // matched flow on the other side, or -1
}

// sections matches the sections of the two texts: same heading (allowing
// renames), then, among the rest, headings sharing at least half their words.
func (m *matcher) sections(prev, next data.Document) {
	m.secTo = filled(len(prev.Sections))
	taken := make([]bool, len(next.Sections))
	for i, s := range prev.Sections {
		for j, t := range next.Sections {
			if !taken[j] && m.rs.same(s.Title, t.Title) {
				m.secTo[i], taken[j] = j, true
				break
			}
		}
	}
	for i, s := range prev.Sections {
		if m.secTo[i] >= 0 {
			continue
		}
		best, bestSim := -1, 0.5
		for j, t := range next.Sections {
			if sim := similarity(m.rs.apply(m.renames, s.Title), t.Title); !taken[j] && sim >= bestSim {
				if sim > bestSim || best < 0 {
					best, bestSim = j, sim
				}
			}
		}
		if best >= 0 {
			m.secTo[i], taken[best] = best, true
		}
	}
}

func (m *matcher) sameSection(i, j int) bool { return m.secTo[m.oldSec[i]] == m.newSec[j] }

// label is what a row calls the flow: its service, else its application protocol.
func label(f *data.Flow) string {
	if f.Service != "" {
		return f.Service
	}
	return f.AppProtocol
}

func (m *matcher) sameEndpoints(a, b *data.Flow) bool {
	return m.rs.same(a.Source, b.Source) && m.rs.same(a.Destination, b.Destination)
}

func samePorts(a, b *data.Flow) bool { return slices.Equal(a.Ports, b.Ports) }

func sameProtocols(a, b *data.Flow) bool {
	return slices.Equal(a.Protocols, b.Protocols)
}

func portsOverlap(a, b *data.Flow) bool {
	for _, r := range a.Ports {
		for _, s := range b.Ports {
			if r.Overlaps(s) {
				return true
			}
		}
	}
	return false
}

// fingerprint is a row as written, section included, without its place.
func fingerprint(f *data.Flow) string {
	var b strings.Builder
	for _, s := range []string{f.Section, f.Service, f.Source, f.Destination, strings.Join(f.Protocols, "/"),
		data.FormatPorts(f.Ports), f.PortsRaw, f.ProtocolRaw, f.AppProtocol, f.Purpose, f.PurposeEn,
		f.Requirement, f.RequirementRaw, f.Direction, f.DirectionRaw, f.DirectionEn, f.Notes, f.NotesEn} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	return b.String()
}

// identical reports whether two rows are the same as written, section included.
func identical(a, b *data.Flow) bool { return fingerprint(a) == fingerprint(b) }

// maxSectionPairs bounds the rows compared pairwise in one section (old rows
// times new ones): past it only identical rows are matched there, so a huge
// section costs bounded work.
const maxSectionPairs = 1_000_000

// passes runs the matching passes of Carry in order.
func (m *matcher) passes() {
	// Pass 1, identical rows, by fingerprint: in order where rows repeat.
	byPrint := map[string][]int{}
	for i, a := range m.old {
		k := fingerprint(a)
		byPrint[k] = append(byPrint[k], i)
	}
	for j, b := range m.new {
		k := fingerprint(b)
		if is := byPrint[k]; len(is) > 0 {
			m.oldTo[is[0]], m.newTo[j] = j, is[0]
			byPrint[k] = is[1:]
		}
	}

	// The other passes compare rows of matched sections pairwise.
	oldIn := map[int][]int{} // new section -> old rows of the section matched to it
	for i := range m.old {
		if s := m.secTo[m.oldSec[i]]; s >= 0 {
			oldIn[s] = append(oldIn[s], i)
		}
	}
	newIn := map[int]int{}
	for j := range m.new {
		newIn[m.newSec[j]]++
	}
	type rule func(a, b *data.Flow) bool
	rules := []rule{
		func(a, b *data.Flow) bool {
			return m.sameEndpoints(a, b) && m.rs.same(label(a), label(b)) && samePorts(a, b) && sameProtocols(a, b)
		},
		func(a, b *data.Flow) bool {
			return m.sameEndpoints(a, b) && m.rs.same(label(a), label(b)) &&
				(portsOverlap(a, b) || (len(a.Ports) == 0 && len(b.Ports) == 0) || sameProtocols(a, b))
		},
		func(a, b *data.Flow) bool { return m.sameEndpoints(a, b) && samePorts(a, b) && sameProtocols(a, b) },
		func(a, b *data.Flow) bool {
			return m.rs.same(label(a), label(b)) && samePorts(a, b) && sameProtocols(a, b)
		},
	}
	for _, r := range rules {
		m.pass(func(j int, try func(i int)) {
			s := m.newSec[j]
			if len(oldIn[s])*newIn[s] > maxSectionPairs {
				return
			}
			for _, i := range oldIn[s] {
				if r(m.old[i], m.new[j]) {
					try(i)
				}
			}
		})
	}

	// Pass 6, moved rows: anywhere, alike but for the section; candidates by
	// name, ports and transports.
	moveKey := func(f *data.Flow) string {
		return strings.ToLower(label(f)) + "\x00" + data.FormatPorts(f.Ports) + "\x00" + strings.Join(f.Protocols, "/")
	}
	byKey := map[string][]int{}
	for i, a := range m.old {
		if m.oldTo[i] < 0 {
			byKey[moveKey(a)] = append(byKey[moveKey(a)], i)
		}
	}
	m.pass(func(j int, try func(i int)) {
		b := m.new[j]
		for _, i := range byKey[moveKey(b)] {
			if a := m.old[i]; m.sameEndpoints(a, b) && m.rs.same(a.Purpose, b.Purpose) {
				try(i)
			}
		}
	})
}

// pass matches unmatched new rows to unmatched old ones among the candidates
// each new row's candidates function offers: the pairs are taken best first
// (most similar purpose, then nearest position).
func (m *matcher) pass(candidates func(j int, try func(i int))) {
	type pair struct {
		i, j int
		sim  float64
		dist int
	}
	var ps []pair
	for j, b := range m.new {
		if m.newTo[j] >= 0 {
			continue
		}
		candidates(j, func(i int) {
			if m.oldTo[i] >= 0 {
				return
			}
			a := m.old[i]
			d := a.Ordinal - b.Ordinal
			ps = append(ps, pair{i, j, similarity(a.Purpose, b.Purpose), max(d, -d)})
		})
	}
	slices.SortStableFunc(ps, func(x, y pair) int {
		if x.sim != y.sim {
			return cmp.Compare(y.sim, x.sim)
		}
		return cmp.Compare(x.dist, y.dist)
	})
	for _, p := range ps {
		if m.oldTo[p.i] < 0 && m.newTo[p.j] < 0 {
			m.oldTo[p.i], m.newTo[p.j] = p.j, p.i
		}
	}
}

// successor is the flow of the new text nearest to removed old flow i: in its
// section, the one sharing most of its name, ports, transports and endpoints;
// failing that, one anywhere with its name and overlapping ports. -1 if none.
func (m *matcher) successor(i int) int {
	a := m.old[i]
	best, bestScore := -1, 1.5
	for j, b := range m.new {
		score := 0.0
		if m.rs.same(label(a), label(b)) && label(a) != "" {
			score += 2
		}
		if portsOverlap(a, b) {
			score += 2
		}
		if !m.sameSection(i, j) {
			if score < 4 {
				continue
			}
			score -= 1.5
		}
		if sameProtocols(a, b) {
			score += 0.5
		}
		if m.sameEndpoints(a, b) {
			score += 0.5
		}
		score += similarity(a.Purpose, b.Purpose)
		if score > bestScore {
			best, bestScore = j, score
		}
	}
	return best
}

// compare says how b, the new row, differs from a, the old one: nil when
// identical, a Change with no Fields when they differ only by renames.
// sameSection says whether their sections were matched: a retitled section
// is wording, a row in another section moved.
func (m *matcher) compare(a, b data.Flow, sameSection bool) *Change {
	if identical(&a, &b) {
		return nil
	}
	c := &Change{Old: a, New: b}
	field := func(name, from, to string) {
		if !m.rs.same(from, to) {
			c.Fields = append(c.Fields, FieldChange{Field: name, From: from, To: to})
		}
	}
	impact := func(imp Impact) {
		if !slices.Contains(c.Impacts, imp) {
			c.Impacts = append(c.Impacts, imp)
		}
	}
	if !sameSection {
		field("section", a.Section, b.Section)
		impact(Moved)
	}
	for _, f := range []struct{ name, from, to string }{
		{"source", a.Source, b.Source},
		{"destination", a.Destination, b.Destination},
	} {
		if !m.rs.same(f.from, f.to) {
			field(f.name, f.from, f.to)
			impact(EndpointsChanged)
		}
	}
	if !slices.Equal(a.Protocols, b.Protocols) {
		field("protocols", strings.Join(a.Protocols, "/"), strings.Join(b.Protocols, "/"))
		c.ProtocolsAdded = minus(b.Protocols, a.Protocols)
		c.ProtocolsRemoved = minus(a.Protocols, b.Protocols)
		impact(TransportChanged)
	}
	if !slices.Equal(a.Ports, b.Ports) {
		field("ports", data.FormatPorts(a.Ports), data.FormatPorts(b.Ports))
		c.PortsAdded = portsMinus(b.Ports, a.Ports)
		c.PortsRemoved = portsMinus(a.Ports, b.Ports)
		if len(c.PortsAdded) > 0 {
			impact(PortAdded)
		}
		if len(c.PortsRemoved) > 0 {
			impact(PortRemoved)
		}
	}
	if a.Requirement != b.Requirement {
		field("requirement", a.Requirement, b.Requirement)
		impact(RequirementChanged)
	}
	if a.Direction != b.Direction {
		field("direction", a.Direction, b.Direction)
		impact(DirectionChanged)
	}
	n := len(c.Fields)
	for _, f := range []struct{ name, from, to string }{
		{"section", a.Section, b.Section},
		{"service", a.Service, b.Service},
		{"app_protocol", a.AppProtocol, b.AppProtocol},
		{"ports_raw", a.PortsRaw, b.PortsRaw},
		{"protocol_raw", a.ProtocolRaw, b.ProtocolRaw},
		{"purpose", a.Purpose, b.Purpose},
		{"purpose_en", a.PurposeEn, b.PurposeEn},
		{"requirement_raw", a.RequirementRaw, b.RequirementRaw},
		{"direction_raw", a.DirectionRaw, b.DirectionRaw},
		{"notes", a.Notes, b.Notes},
	} {
		field(f.name, f.from, f.to)
	}
	// A cell as written that changed with its value (ports_raw with ports)
	// is not wording on its own.
	if len(c.Impacts) == 0 && len(c.Fields) > n {
		impact(Wording)
	}
	return c
}

// minus returns the strings of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// portsMinus returns the ports of a not in b, as ranges.
func portsMinus(a, b []data.PortRange) []data.PortRange {
	var out []data.PortRange
	for _, r := range a {
		rest := []data.PortRange{r}
		for _, s := range b {
			var next []data.PortRange
			for _, x := range rest {
				if !x.Overlaps(s) {
					next = append(next, x)
					continue
				}
				if x.From < s.From {
					next = append(next, data.PortRange{From: x.From, To: s.From - 1})
				}
				if x.To > s.To {
					next = append(next, data.PortRange{From: s.To + 1, To: x.To})
				}
			}
			rest = next
		}
		out = append(out, rest...)
	}
	return out
}
