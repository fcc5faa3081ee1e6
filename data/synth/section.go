package synth

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// section writes one section of n rows: its heading, the prose above the table,
// the table, the footnotes under it and the hosts it says to allow.
func (b *builder) section(n int) {
	t := b.table()
	var subj jaComponent // the section's subject; en is the name in an English document
	if b.ja {
		subj = pick(b.rng, b.jaComps)
	} else {
		subj = jaComponent{en: pick(b.rng, b.comps)}
	}
	heading := b.heading(t, subj)
	b.writeLine(heading)

	var pair [2]string
	switch {
	case t.style == styleMicrosoft:
		pair = b.pair(subj.en)
		b.writeLine(fmt.Sprintf("This table describes the ports and protocols that are required for communication between the %s and the %s.", pair[0], pair[1]))
		b.meta.EndpointsPattern = `communication between (?:the )?(?P<source>.+?) and (?:the )?(?P<destination>[^.]+?)\.?$`
	case b.ja && b.chance(0.6):
		if s := pick(b.rng, jaIntros); strings.Contains(s, "%s") {
			b.writeLine(fmt.Sprintf(s, subj.ja))
		} else {
			b.writeLine(s)
		}
	case !b.ja && b.chance(0.6):
		b.writeLine(fmt.Sprintf(pick(b.rng, enIntros), subj.en))
	}
	if t.style == styleEndpoints {
		b.meta.Sections = append(b.meta.Sections, data.SectionMeta{Heading: heading, Source: b.subject})
	}

	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	b.writeLine(cellLine(names, t.leading))
	sep := strings.Repeat("---|", len(t.cols))
	if t.leading {
		sep = "|" + sep
	}
	b.writeLine(sep)

	rows := b.rows(t, n, subj, pair)
	notes := b.footnotes(t, rows)
	b.writeRows(t, rows)
	for _, fn := range notes {
		for i, l := range fn.lines {
			if i == 0 {
				l = fn.mark + fn.sep + l
			}
			b.writeLine(l)
		}
	}
	listed := false
	if b.chance(0.25) || (t.style == styleEndpoints && b.chance(0.5)) {
		b.hostList()
		listed = true
	}
	if (len(notes) == 0 || listed) && b.chance(0.3) {
		b.closing()
	}
	for _, r := range rows {
		if slices.Contains(b.hostComps, r.destination) {
			b.doc.hosts++ // the extractor lists a destination that is a host name
		}
	}
	b.doc.sections = append(b.doc.sections, section{heading: heading, rows: rows})
}

// cellLine writes cells as a table line: "a | b |", or "| a | b |".
func cellLine(cells []string, leading bool) string {
	s := strings.Join(cells, " | ") + " |"
	if leading {
		s = "| " + s
	}
	return s
}

// table chooses how the next table is written.
func (b *builder) table() table {
	name := func(names ...string) string { return pick(b.rng, names) }
	st := b.primary
	switch {
	case b.ja:
		switch r := b.rng.IntN(20); {
		case r < 3:
			st = styleJaShort
		case r < 6:
			st = styleJaLead
		}
	case len(b.hostComps) > 0 && b.chance(0.08):
		st = styleEndpoints
	case b.chance(0.25):
		st = pick(b.rng, []style{styleCitrix, styleCayosoft, styleLeadSrc, styleLithnet, styleMicrosoft, styleReqDir})
	}
	t := table{style: st}
	src := column{colSource, "Source"}
	purpose := column{colPurpose, name("Details", "Description", "Purpose")}
	switch st {
	case styleCitrix:
		t.cols = []column{src, {colDestination, name("Destination", "Target")}, {colProtocol, name("Type", "Protocol")}, {colPort, name("Port", "Ports")}, purpose}
	case styleCayosoft:
		t.leading = true
		t.cols = []column{{colProtocol, "Type"}, {colPort, "Port"}, src, {colDestination, "Target"}, {colPurpose, "Purpose"}}
		if b.chance(0.4) {
			t.cols = append([]column{{colService, "Component"}}, t.cols...)
		}
	case styleLeadSrc:
		t.leading = true
		t.cols = []column{src, {colDestination, name("Destination", "Target")}, {colProtocol, name("Protocol", "Type")}, {colPort, name("Port", "Ports")}, purpose}
	case styleLithnet:
		t.cols = []column{src, {colDestination, "Destination"}, {colPort, name("Destination ports", "Ports", "Destination port")}, {colPurpose, "Description"}}
	case styleMicrosoft:
		t.cols = []column{{colProtocol, "Protocol"}, {colPort, "Ports"}, {colPurpose, "Description"}}
	case styleReqDir:
		t.leading = true
		t.cols = []column{src, {colDestination, "Destination"}, {colProtocol, "Protocol"}, {colPort, "Port"},
			{colDirection, "Direction"}, {colRequirement, name("Requirement", "Required/Optional")}, purpose}
	case styleEndpoints:
		t.leading = true
		t.cols = []column{{colRequirement, "Required/Optional"}, {colService, "Service"}, {colDestination, name("Endpoints", "Endpoint")}, {colPort, "Port"}, {colPurpose, "Notes"}}
	case styleJa:
		t.cols = []column{{colPort, "ポート番号"}, {colRequirement, "必須"}, {colPurpose, "目的"}, {colProtocol, "プロトコル"}, {colDirection, "方向"}}
	case styleJaShort:
		t.cols = []column{{colProtocol, "プロトコル"}, {colPort, "ポート番号"}, {colDirection, "方向"}, {colPurpose, "目的"}}
	case styleJaLead:
		t.leading = true
		t.cols = []column{{colPort, "ポート"}, {colProtocol, "プロトコル"}, {colPurpose, "目的"}, {colRequirement, "必須"}, {colDirection, "方向"}}
	}
	return t
}

// heading makes a section heading not used before in the document. A Japanese
// heading gets its English gloss and a slug in the metadata, as the shipped
// Japanese document's do.
func (b *builder) heading(t table, subj jaComponent) string {
	var h, en string
	for try := 0; ; try++ {
		switch {
		case b.ja:
			f := pick(b.rng, jaFeatures)
			if b.chance(0.4) {
				h, en = subj.ja+"側で使用するポート", "Ports used on the "+subj.en
			} else {
				h, en = subj.ja+"で使用するポート("+f.ja+")", "Ports used on the "+subj.en+" ("+f.en+")"
			}
		case t.style == styleEndpoints:
			h = pick(b.rng, []string{"Cloud endpoints", "Endpoints", b.product + " cloud services", "Internet access"})
		default:
			f := pick(b.rng, features)
			switch b.rng.IntN(4) {
			case 0:
				h = subj.en
			case 1:
				h = subj.en + " (" + f + ")"
			case 2:
				h = f
			default:
				h = strings.TrimPrefix(b.product, b.vendor+" ") + " " + strings.ToLower(f)
			}
		}
		if !b.headings[h] {
			break
		}
		if try >= 8 {
			// Many sections over few endpoints: number the repeats.
			k := 2
			for b.headings[numbered(h, k, b.ja)] {
				k++
			}
			h = numbered(h, k, b.ja)
			if b.ja {
				en = numbered(en, k, false)
			}
			break
		}
	}
	b.headings[h] = true
	if b.ja {
		b.meta.Sections = append(b.meta.Sections, data.SectionMeta{Heading: h, Slug: slug(en), TitleEn: en, Subject: subj.ja})
	}
	return h
}

func numbered(h string, k int, ja bool) string {
	if ja {
		return fmt.Sprintf("%s(その%d)", h, k)
	}
	return fmt.Sprintf("%s (part %d)", h, k)
}

func slug(s string) string {
	var out []byte
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && len(out) > 0 {
				out = append(out, '-')
			}
			out = append(out, byte(r))
			dash = false
		default:
			dash = true
		}
	}
	return string(out)
}

// pair chooses two endpoints of an English document, one of them the section's
// subject, neither a host name.
func (b *builder) pair(subject string) [2]string {
	other := subject
	for other == subject {
		other = pick(b.rng, b.comps)
	}
	if b.chance(0.5) {
		return [2]string{subject, other}
	}
	return [2]string{other, subject}
}

// rows makes n distinct rows for table t: runs of rows between the same two
// endpoints, as vendor tables list them.
func (b *builder) rows(t table, n int, subj jaComponent, pair [2]string) []row {
	seen := map[string]bool{}
	rows := make([]row, 0, n)
	var src, dst string
	for len(rows) < n {
		switch {
		case t.style == styleMicrosoft:
			src, dst = pair[0], pair[1]
		case t.style == styleEndpoints:
			src, dst = b.subject, pick(b.rng, b.hostComps)
		case b.ja:
		case src != "" && b.chance(0.3):
			// Same source, another destination: the row leaves out only the source.
			dst = b.destination(src)
		default:
			if b.chance(0.5) {
				src = subj.en
				dst = b.destination(src)
			} else {
				src, dst = pick(b.rng, b.comps), subj.en
				for src == dst {
					src = pick(b.rng, b.comps)
				}
			}
		}
		run := 1 + b.rng.IntN(5)
		for k := 0; k < run && len(rows) < n; k++ {
			rows = append(rows, b.row(t, src, dst, subj, seen))
		}
	}
	return rows
}

// destination picks an endpoint other than src; now and then a host name.
func (b *builder) destination(src string) string {
	if len(b.hostComps) > 0 && b.chance(0.2) {
		return pick(b.rng, b.hostComps)
	}
	dst := src
	for dst == src {
		dst = pick(b.rng, b.comps)
	}
	return dst
}

var totalWeight int

func init() {
	for _, s := range services {
		totalWeight += s.weight
	}
}

// service draws a service by weight, one the table can write.
func (b *builder) service(t table) *service {
	for {
		r := b.rng.IntN(totalWeight)
		for i := range services {
			s := &services[i]
			if r -= s.weight; r >= 0 {
				continue
			}
			// ICMP has no port: only a Protocol column can say what it is.
			if s.portSets == nil && (!t.has(colProtocol) || b.ja) {
				break
			}
			return s
		}
	}
}

// row makes one row of table t, different from every row in seen.
func (b *builder) row(t table, src, dst string, subj jaComponent, seen map[string]bool) row {
	var r row
	for try := 0; ; try++ {
		r = row{source: src, destination: dst, svc: b.service(t)}
		if t.style == styleEndpoints {
			r.svc = &services[0]
		}
		if r.svc.portSets != nil {
			r.ports = pick(b.rng, r.svc.portSets)
		}
		if try >= 30 {
			// Every likely row is taken: a port of the application's own.
			r.svc = &services[3]
			r.ports = []data.PortRange{{From: b.customPort, To: b.customPort}}
			b.customPort++
		}
		r.protocols = r.svc.transports
		switch {
		case t.style == styleEndpoints:
			r.service = pick(b.rng, endpointServices)
			r.purpose = pick(b.rng, endpointPurposes)
		case b.ja:
			ja := r.svc.ja
			if try >= 30 {
				ja = []string{"アプリケーション通信"}
			}
			r.purpose = pick(b.rng, ja)
			r.purposeEn = jaGlosses[r.purpose]
			b.glosses[r.purpose] = r.purposeEn
		default:
			r.purpose = pick(b.rng, r.svc.en)
		}
		if t.has(colService) && t.style != styleEndpoints {
			r.service = pick(b.rng, b.compNames)
		}
		if t.has(colRequirement) {
			b.requirement(&r)
		}
		if t.has(colDirection) {
			b.direction(&r, subj)
		}
		key := strings.Join([]string{r.source, r.destination, r.party, r.direction, r.service,
			strings.Join(r.protocols, "/"), data.FormatPorts(r.ports), r.purpose, r.requirement}, "\x00")
		if !seen[key] {
			seen[key] = true
			break
		}
	}
	r.cells = make([]string, len(t.cols))
	for i, c := range t.cols {
		r.cells[i] = b.cell(t, c.role, &r)
	}
	return r
}

func (b *builder) requirement(r *row) {
	if b.ja {
		switch n := b.rng.IntN(10); {
		case n < 5:
			r.requirement, r.reqRaw = data.Required, "●"
		case n < 8:
			r.requirement, r.reqRaw = data.Recommended, "〇"
		default:
			r.requirement, r.reqRaw = data.Conditional, "△"
		}
		return
	}
	r.reqRaw = pick(b.rng, []string{"Required", "Required", "Required", "Optional", "Optional", "Recommended", "Conditional"})
	r.requirement = strings.ToLower(r.reqRaw)
}

// direction fills a row's direction. In a Japanese table the direction is all
// that says where the row goes: "サーバーへのインバウンド通信" (inbound to the
// server) makes the section's subject its destination.
func (b *builder) direction(r *row, subj jaComponent) {
	if !b.ja {
		switch {
		case b.chance(0.1):
			r.dirRaw = "Bidirectional"
		case r.destination == subj.en:
			r.dirRaw = "Inbound"
		default:
			r.dirRaw = "Outbound"
		}
		r.direction = strings.ToLower(r.dirRaw)
		return
	}
	party := subj
	if b.chance(0.15) {
		party = pick(b.rng, b.jaComps)
	}
	written, en := party.ja, party.en
	if party == subj && strings.HasSuffix(subj.ja, "サーバー") && b.chance(0.5) {
		written, en = "サーバー", "server" // the short name the real document uses
	}
	endpoint := party.ja
	if strings.Contains(subj.ja, written) {
		endpoint = subj.ja
	}
	r.party = written
	if b.chance(0.65) {
		r.direction, r.dirRaw = data.Inbound, written+"へのインバウンド通信"
		r.destination = endpoint
		b.glosses[r.dirRaw] = "Inbound to the " + en
	} else {
		r.direction, r.dirRaw = data.Outbound, written+"からのアウトバウンド通信"
		r.source = endpoint
		b.glosses[r.dirRaw] = "Outbound from the " + en
	}
}

// cell writes one cell of a row and records what the extractor should make of it.
func (b *builder) cell(t table, role int, r *row) string {
	switch role {
	case colSource:
		return r.source
	case colDestination:
		return r.destination
	case colPurpose:
		return r.purpose
	case colService:
		return r.service
	case colRequirement:
		return r.reqRaw
	case colDirection:
		return r.dirRaw
	case colProtocol:
		return b.protocolCell(t, r)
	case colPort:
		return b.portCell(t, r)
	}
	panic("unknown column role " + strconv.Itoa(role))
}

func (b *builder) transportsCell(tr []string) string {
	if len(tr) == 2 {
		return pick(b.rng, []string{"TCP, UDP", "TCP/UDP", "TCP,UDP"})
	}
	return tr[0]
}

func (b *builder) protocolCell(t table, r *row) string {
	s := r.svc
	if t.style == styleMicrosoft {
		switch {
		case s.label != "" && b.chance(0.5):
			r.app = s.label
		case s.app != "":
			r.app = s.app
		default:
			return b.transportsCell(s.transports)
		}
		return r.app
	}
	if s.typeWord && b.chance(0.5) {
		r.app = s.app
		return s.app
	}
	return b.transportsCell(s.transports)
}

// portCell writes the ports of a row as documents write them: "80, 443",
// "49152-65535", "1024 – 5000", "LDAP TCP 389", "53 (TCP/UDP)", "８０８０".
func (b *builder) portCell(t table, r *row) string {
	s := r.svc
	if r.ports == nil {
		r.portsRaw = pick(b.rng, []string{"N/A", "No reserved port"})
		return r.portsRaw
	}
	list := b.portList(r.ports)
	switch t.style {
	case styleLithnet:
		prefix := strings.Join(s.transports, "/") + " "
		if s.app != "" {
			prefix = s.app + " " + prefix
			r.app = s.app
		}
		list = prefix + list
	case styleMicrosoft:
		plain := r.app == "" || (r.app == s.app && s.typeWord)
		if hasRange(r.ports) && b.chance(0.3) {
			list += " (dynamic range)"
		}
		if !plain || b.chance(0.6) {
			list += " (" + strings.Join(s.transports, "/") + ")"
		}
	case styleEndpoints:
		switch b.rng.IntN(3) {
		case 0:
			list = "TCP " + list
		case 1:
			list = "HTTPS " + list
			r.app = "HTTPS"
		default:
			list += " (TCP)"
		}
	}
	r.portsRaw = list
	return list
}

func hasRange(ports []data.PortRange) bool {
	return slices.ContainsFunc(ports, func(p data.PortRange) bool { return p.From != p.To })
}

// portList writes port ranges with the separators and dashes of the document's
// language, now and then in full-width digits in a Japanese one.
func (b *builder) portList(ports []data.PortRange) string {
	var dashes, seps []string
	if b.ja {
		dashes = []string{"-", "-", "～", "~", "－"}
		seps = []string{", ", "、", ","}
	} else {
		dashes = []string{"-", "-", "-", "–", " - ", " – ", "- ", ".."}
		seps = []string{", ", ", ", ", ", ","}
	}
	singles := !hasRange(ports)
	sep := pick(b.rng, seps)
	if singles && len(ports) > 1 && !b.ja && b.chance(0.3) {
		sep = pick(b.rng, []string{"/", " "})
	}
	parts := make([]string, len(ports))
	for i, p := range ports {
		if p.From == p.To {
			parts[i] = strconv.Itoa(p.From)
		} else {
			parts[i] = strconv.Itoa(p.From) + pick(b.rng, dashes) + strconv.Itoa(p.To)
		}
	}
	s := strings.Join(parts, sep)
	if b.ja && b.chance(0.1) {
		s = fullWidth(s)
	}
	return s
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// footnote is a note under a table explaining a mark.
type footnote struct {
	mark, sep string
	lines     []string
}

// footnotes marks some rows of a table (on a single port, "8020*", or at the end
// of the purpose) and returns the notes explaining the marks.
func (b *builder) footnotes(t table, rows []row) []footnote {
	if len(rows) < 2 || !b.chance(0.35) {
		return nil
	}
	portAt, purposeAt := -1, -1
	for i, c := range t.cols {
		switch c.role {
		case colPort:
			portAt = i
		case colPurpose:
			purposeAt = i
		}
	}
	plainPorts := t.style != styleLithnet && t.style != styleMicrosoft && t.style != styleEndpoints
	var notes []footnote
	marked := map[int]bool{}
	for m := range 1 + b.rng.IntN(3) {
		fn := footnote{mark: strings.Repeat("*", m+1)}
		var at []int
		for range 1 + b.rng.IntN(3) {
			i := b.rng.IntN(len(rows))
			if marked[i] {
				continue
			}
			marked[i] = true
			at = append(at, i)
			r := &rows[i]
			if plainPorts && len(r.ports) == 1 && r.ports[0].From == r.ports[0].To && b.chance(0.6) {
				r.cells[portAt] += fn.mark
				r.portsRaw = r.cells[portAt]
			} else {
				r.cells[purposeAt] += fn.mark
				r.purpose = r.cells[purposeAt]
			}
		}
		if len(at) == 0 {
			continue
		}
		if b.ja {
			fn.sep = pick(b.rng, []string{"……", " ……", "…"})
			n := pick(b.rng, jaNotes)
			fn.lines = []string{n.ja}
			b.glosses[n.ja] = n.en
			switch b.rng.IntN(4) {
			case 0:
				more := pick(b.rng, jaNoteMore)
				fn.lines = append(fn.lines, more.ja)
				b.glosses[more.ja] = more.en
			case 1:
				url := "https://*." + b.host + "-relay." + b.tld
				more := "プロキシで " + url + " への通信も許可してください。"
				fn.lines = append(fn.lines, more)
				b.glosses[more] = "Also allow " + url + " on the proxy."
				b.doc.hosts++
			}
		} else {
			fn.sep = pick(b.rng, []string{" ", ": "})
			fn.lines = []string{pick(b.rng, enNotes)}
			switch b.rng.IntN(4) {
			case 0:
				fn.lines = append(fn.lines, pick(b.rng, enNoteMore))
			case 1:
				fn.lines = append(fn.lines, "Allow https://*."+b.host+"-relay."+b.tld+" on the proxy as well.")
				b.doc.hosts++
			}
		}
		for _, i := range at {
			rows[i].notes = strings.Join(fn.lines, "\n")
		}
		notes = append(notes, fn)
	}
	return notes
}

// writeRows writes a table's rows. A row between the same endpoints as the row
// above may leave them out (padding the end with empty cells, as the Citrix
// document does); some rows wrap over two or three lines, at a cell boundary or
// inside their last cell.
func (b *builder) writeRows(t table, rows []row) {
	n := len(t.cols)
	for i := range rows {
		r := &rows[i]
		if i > 0 && t.continues() {
			prev := rows[i-1]
			switch {
			case r.source == prev.source && r.destination == prev.destination && b.chance(0.8):
				r.omitted = 2
			case r.source == prev.source && b.chance(0.7):
				r.omitted = 1
			}
		}
		cells := r.cells
		switch {
		case r.omitted > 0:
			s := cellLine(cells[r.omitted:], t.leading)
			if !t.leading || b.chance(0.5) {
				s += " " + strings.Repeat("|", r.omitted)
			}
			r.line = b.writeLine(s)
			r.lineEnd = r.line
		case t.style == styleJa && b.chance(0.6):
			// As the shipped Japanese document: the protocol and direction on the next line.
			r.line = b.writeLine(cellLine(cells[:3], false))
			if b.chance(0.2) {
				b.writeLine(cells[3] + " |")
				r.lineEnd = b.writeLine(cells[4] + " |")
			} else {
				r.lineEnd = b.writeLine(cellLine(cells[3:], false))
			}
		case b.chance(0.12):
			// Split at a cell boundary. A leading-pipe line of one cell would read as
			// the missing cells of a short row above it, so split after two at least.
			k := 1 + b.rng.IntN(n-1)
			if t.leading {
				k = 2 + b.rng.IntN(n-2)
			}
			r.line = b.writeLine(cellLine(cells[:k], t.leading))
			r.lineEnd = b.writeLine(cellLine(cells[k:], false))
		case !b.ja && t.cols[n-1].role == colPurpose && strings.Count(cells[n-1], " ") >= 2 && b.chance(0.1):
			// The last cell wraps onto the next line.
			words := strings.Fields(cells[n-1])
			k := 1 + b.rng.IntN(len(words)-1)
			first, rest := strings.Join(words[:k], " "), strings.Join(words[k:], " ")
			if t.leading {
				r.line = b.writeLine("| " + strings.Join(cells[:n-1], " | ") + " | " + first)
			} else {
				r.line = b.writeLine(cellLine(cells[:n-1], false))
				b.writeLine(first)
			}
			r.lineEnd = b.writeLine(rest + " |")
		default:
			r.line = b.writeLine(cellLine(cells, t.leading))
			r.lineEnd = r.line
		}
	}
}

// hostList writes a list of host names, wildcards and URLs to allow under a
// heading of its own.
func (b *builder) hostList() {
	if b.ja {
		g := pick(b.rng, jaGroups)
		b.glosses[g.ja] = g.en
		b.writeLine(g.ja)
	} else {
		b.writeLine(pick(b.rng, enGroups))
	}
	for range 2 + b.rng.IntN(5) {
		if b.chance(0.2) {
			var label string
			if b.ja {
				l := pick(b.rng, jaRegions)
				b.glosses[l.ja] = l.en
				label = l.ja
			} else {
				label = pick(b.rng, enRegions)
			}
			prefix := regionPrefix[label]
			k := 2 + b.rng.IntN(2)
			var hosts []string
			for _, sub := range b.rng.Perm(len(hostSubs))[:k] {
				hosts = append(hosts, prefix+"-"+hostSubs[sub]+"."+b.host+"."+b.tld+";")
			}
			b.writeLine("- " + label + ": " + strings.Join(hosts, " "))
			b.doc.hosts += k
			continue
		}
		b.writeLine("- " + b.hostName())
		b.doc.hosts++
	}
}

// closing writes a line of prose after a table; some name a wildcard to allow.
func (b *builder) closing() {
	url := "https://*." + b.host + "-edge." + b.tld
	switch {
	case b.ja && b.chance(0.4):
		b.writeLine(url + " への通信も許可してください。")
		b.doc.hosts++
	case b.ja:
		b.writeLine(pick(b.rng, jaClosings))
	case b.chance(0.4):
		b.writeLine("Agents must also reach " + url + ".")
		b.doc.hosts++
	default:
		b.writeLine(pick(b.rng, enClosings))
	}
}

// trailer writes the page furniture after the last table, which the metadata
// tells the extractor to skip.
func (b *builder) trailer() {
	var from, to int
	if b.ja {
		from = b.writeLine("このページは役に立ちましたか?")
		to = b.writeLine("関連記事")
	} else {
		from = b.writeLine("Feedback")
		to = b.writeLine("Was this page helpful?")
	}
	b.meta.Skip = append(b.meta.Skip, fmt.Sprintf("%d-%d", from, to))
}

func (b *builder) metadata() ([]byte, error) {
	if b.ja {
		b.meta.Glosses = b.glosses
	}
	out, err := json.MarshalIndent(b.meta, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
