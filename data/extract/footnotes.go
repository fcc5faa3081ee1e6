package extract

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// footnoteDef matches the line that explains a footnote mark under a table:
// "** ……ポート8027は…", "*……モバイルデバイスを…".
var footnoteDef = regexp.MustCompile(`^(\*+)(?:\s*(?:……|…|:|：)|\s)\s*(.*)$`)

// maxNoteBytes bounds the footnote text one mark gives a flow, so a document
// that explains one mark thousands of times cannot multiply its size by its rows.
const maxNoteBytes = 4 << 10

// maxNotesBytes bounds the footnote text a whole document spreads over its
// flows (the shipped documents use 10 KB): past it, a row says where its note
// is instead of repeating it, so a note repeated on thousands of rows cannot
// make storing and indexing them cost minutes.
const maxNotesBytes = 256 << 10

// footnote is one explained mark under a table, with the hosts listed in it.
type footnote struct {
	line  int
	mark  string
	body  []string
	hosts []data.Host
}

// afterTable reads the blocks after a table, up to the next table's heading: the
// footnotes that explain the table's marks, and the host names, URLs and wildcards
// listed there. It also records the hosts the table's own rows name. It is
// linear in the blocks and flows: each mark's notes are joined once, and each
// flow looks up its own marks.
func (x *extractor) afterTable(sec *data.Section, made []flowRef, from, to int) {
	d := x.doc
	for _, r := range made {
		f := r.flow()
		if looksLikeHost(f.Destination) {
			d.Hosts = append(d.Hosts, data.Host{
				Name: f.Destination, Kind: hostKind(f.Destination), Doc: d.Slug, Section: r.sec.Title,
				SectionID: r.sec.Slug, FlowID: f.ID, Protocols: f.Protocols, Ports: f.Ports,
				Purpose: f.Purpose, Line: f.Line,
			})
		}
	}

	var notes []*footnote
	var cur *footnote
	inBody := false
	group := ""
	host := func(name, grp string, line int) data.Host {
		return data.Host{Name: name, Kind: hostKind(name), Doc: d.Slug, Section: sec.Title, SectionID: sec.Slug,
			Group: grp, Protocols: []string{}, Ports: []data.PortRange{}, Line: line}
	}
	add := func(h data.Host) {
		if cur != nil {
			cur.hosts = append(cur.hosts, h)
		} else {
			d.Hosts = append(d.Hosts, h)
		}
	}
	for k := from; k < to; k++ {
		b := x.blocks[k]
		s := b.Text
		if b.Kind == read.Table || s == "" {
			continue
		}
		if m := footnoteDef.FindStringSubmatch(s); m != nil {
			cur = &footnote{line: b.Line, mark: m[1], body: []string{m[2]}}
			notes = append(notes, cur)
			inBody, group = true, ""
			continue
		}
		if b.Kind == read.Heading {
			group, inBody = s, false
			continue
		}
		if item, ok := strings.CutPrefix(s, "- "); ok && b.Kind == read.Item {
			if hosts, label := hostsInList(item); len(hosts) > 0 {
				g := group
				if label != "" {
					g = strings.TrimPrefix(g+" / "+label, " / ")
				}
				for _, name := range hosts {
					add(host(name, g, b.Line))
				}
				inBody = false
				continue
			}
		}
		for _, name := range hostsInProse(s) {
			add(host(name, group, b.Line))
		}
		if inBody && cur != nil {
			cur.body = append(cur.body, s)
		}
	}
	if len(notes) == 0 {
		return
	}

	// The flows of this table by mark, in row order.
	byMark := map[string][]int{}
	for i := range made {
		for _, m := range x.marks[i] {
			byMark[m] = append(byMark[m], i)
		}
	}
	// Each mark's text: its notes joined once, bounded.
	text := map[string]string{}
	where := map[string]int{}
	var order []string
	for _, n := range notes {
		if where[n.mark] == 0 {
			where[n.mark] = n.line
		}
		if _, seen := text[n.mark]; !seen {
			order = append(order, n.mark)
		}
		if len(text[n.mark]) < maxNoteBytes {
			text[n.mark] = clip(joinNote(text[n.mark], strings.Join(n.body, "\n")), maxNoteBytes)
		}
	}
	// A flow takes its marks' notes in the order the notes are written.
	noted := map[int]bool{}
	for _, m := range order {
		note := text[m]
		for _, i := range byMark[m] {
			if x.notesBytes += len(note); x.notesBytes > maxNotesBytes {
				if !x.notesClipped {
					x.notesClipped = true
					x.skip(where[m], "footnotes repeated on too many rows: past %d KB of notes, rows point to the note's line instead of repeating it", maxNotesBytes>>10)
				}
				note = fmt.Sprintf("(see the note for %s at line %d)", m, where[m])
			}
			f := made[i].flow()
			if noted[i] {
				f.Notes = joinNote(f.Notes, note)
			} else {
				f.Notes, noted[i] = note, true
			}
		}
	}
	for _, n := range notes {
		if len(n.hosts) == 0 {
			continue
		}
		var purposes []string
		var protos []string
		var ports []data.PortRange
		for _, i := range byMark[n.mark] {
			f := made[i].flow()
			purposes = appendUnique(purposes, strings.TrimRight(f.Purpose, "*"))
			protos = append(protos, f.Protocols...)
			for _, r := range f.Ports {
				ports = appendRange(ports, r)
			}
		}
		for _, h := range n.hosts {
			h.Protocols = data.SortProtocols(protos)
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

func clip(s string, n int) string { return data.Clip(s, n, " …") }
