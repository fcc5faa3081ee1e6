package data

import (
	"regexp"
	"slices"
	"strings"
)

// footnoteDef matches the line that explains a footnote mark under a table:
// "** ……ポート8027は…", "*……モバイルデバイスを…".
var footnoteDef = regexp.MustCompile(`^(\*+)(?:\s*(?:……|…|:|：)|\s)\s*(.*)$`)

// footnote is one explained mark under a table, with the hosts listed in it.
type footnote struct {
	mark  string
	body  []string
	hosts []Host
}

// afterTable reads the lines after a table, up to the next table's heading: the
// footnotes that explain the table's marks, and the host names, URLs and wildcards
// listed there. It also records the hosts the table's own rows name.
func (x *extractor) afterTable(sec *Section, flows []Flow, from, to int) {
	d := x.doc
	for _, f := range flows {
		if looksLikeHost(f.Destination) {
			d.Hosts = append(d.Hosts, Host{
				Name: f.Destination, Kind: hostKind(f.Destination), Doc: d.Slug, Section: sec.Title,
				SectionID: sec.Slug, FlowID: f.ID, Protocols: f.Protocols, Ports: f.Ports,
				Purpose: f.Purpose, Line: f.Line,
			})
		}
	}

	var notes []*footnote
	var cur *footnote
	inBody := false
	group := ""
	host := func(name, grp string, line int) Host {
		return Host{Name: name, Kind: hostKind(name), Doc: d.Slug, Section: sec.Title, SectionID: sec.Slug,
			Group: grp, Protocols: []string{}, Ports: []PortRange{}, Line: line}
	}
	add := func(h Host) {
		if cur != nil {
			cur.hosts = append(cur.hosts, h)
		} else {
			d.Hosts = append(d.Hosts, h)
		}
	}
	for k := from; k < to; k++ {
		l := x.lines[k]
		s := strings.TrimSpace(l.text)
		if l.skip || s == "" {
			continue
		}
		if m := footnoteDef.FindStringSubmatch(s); m != nil {
			cur = &footnote{mark: m[1], body: []string{m[2]}}
			notes = append(notes, cur)
			inBody, group = true, ""
			continue
		}
		if isHeading(s) {
			group, inBody = s, false
			continue
		}
		if item, ok := strings.CutPrefix(s, "- "); ok {
			if hosts, label := hostsInList(item); len(hosts) > 0 {
				g := group
				if label != "" {
					g = strings.TrimPrefix(g+" / "+label, " / ")
				}
				for _, name := range hosts {
					add(host(name, g, l.n))
				}
				inBody = false
				continue
			}
		}
		for _, name := range hostsInProse(s) {
			add(host(name, group, l.n))
		}
		if inBody && cur != nil {
			cur.body = append(cur.body, s)
		}
	}

	for _, n := range notes {
		var purposes []string
		var protos []string
		var ports []PortRange
		for i := range flows {
			if !slices.Contains(x.marks[i], n.mark) {
				continue
			}
			f := &sec.Flows[len(sec.Flows)-len(flows)+i]
			f.Notes = joinNote(f.Notes, strings.Join(n.body, "\n"))
			purposes = appendUnique(purposes, strings.TrimRight(f.Purpose, "*"))
			protos = append(protos, f.Protocols...)
			for _, r := range f.Ports {
				ports = appendRange(ports, r)
			}
		}
		for _, h := range n.hosts {
			h.Protocols = sortProtocols(protos)
			if ports != nil {
				h.Ports = ports
			}
			h.Purpose = strings.Join(purposes, "; ")
			d.Hosts = append(d.Hosts, h)
		}
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}
