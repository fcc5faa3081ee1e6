package extract

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

var trailingMarks = regexp.MustCompile(`(\*+)$`)

// flows builds the flows of one row: one, or one per transport for a table
// with TCP and UDP port columns. prev holds the previous row's values per
// column, for the cells a row leaves out at its start. No flows and no error
// is a row with no cell.
func (x *extractor) flows(t table, r read.Row, prev []string, sec *data.Section, meta data.SectionMeta, ctx tableCtx) ([]data.Flow, []string, error) {
	cols := t.cols
	cells := r.Cells
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1] // padding the extraction moved to the end
	}
	if len(cells) == 0 {
		return nil, nil, nil
	}
	vals := make([]string, len(cols))
	if t.raw.Loose {
		placed, first, ok := align(cells, cols)
		if !ok {
			return nil, nil, fmt.Errorf("row has %d cells, more than the table's %d columns can hold", len(cells), len(cols))
		}
		for j := range cols {
			switch {
			case placed[j] != nil:
				vals[j] = strings.Join(placed[j], " | ")
			case j < first && prev != nil && (cols[j].role == roleSource || cols[j].role == roleDestination):
				vals[j] = prev[j] // a row that omits its leading endpoints repeats the row above
			}
		}
	} else {
		leading := true
		for j := range cols {
			if j < len(cells) {
				vals[j] = cells[j]
			}
			if vals[j] != "" {
				leading = false
				continue
			}
			if leading && prev != nil && (cols[j].role == roleSource || cols[j].role == roleDestination || cols[j].role == roleService) {
				vals[j] = prev[j] // an empty leading cell repeats the row above
			}
		}
	}
	get := func(ro role) string {
		for j, c := range cols {
			if c.role == ro && c.transport == "" {
				return vals[j]
			}
		}
		return ""
	}

	base := data.Flow{
		Doc: x.doc.Slug, Section: sec.Title, SectionID: sec.Slug, Service: get(roleService),
		Source: get(roleSource), Destination: get(roleDestination),
		PortsRaw: get(rolePort), ProtocolRaw: get(roleProtocol), Purpose: get(rolePurpose),
		RequirementRaw: get(roleRequirement), Line: r.Line, LineEnd: r.LineEnd,
		Protocols: []string{}, Ports: []data.PortRange{},
	}
	if end := get(rolePortEnd); end != "" && base.PortsRaw != "" && end != base.PortsRaw {
		base.PortsRaw = base.PortsRaw + "-" + end
	}
	for j, c := range cols {
		if c.role == roleExtra && vals[j] != "" {
			base.Extra = append(base.Extra, data.Field{Name: c.name, Value: vals[j]})
		}
	}

	// A table with TCP and UDP columns: a flow per transport column that has ports.
	type variant struct{ ports, transport string }
	variants := []variant{{ports: base.PortsRaw}}
	if !cols.has(rolePort) || get(rolePort) == "" {
		var byTransport []variant
		for j, c := range cols {
			if c.transport != "" && vals[j] != "" && !dash(vals[j]) {
				byTransport = append(byTransport, variant{vals[j], c.transport})
			}
		}
		if len(byTransport) > 0 {
			variants = byTransport
		}
	}
	var out []data.Flow
	marks, count := len(x.marks), x.flowCount
	for vi, v := range variants {
		f := base
		f.PortsRaw = v.ports
		if err := x.fill(&f, cols, get, sec, meta, ctx, v.transport); err != nil {
			x.marks, x.flowCount = x.marks[:marks], count // the row makes no flow at all
			for _, g := range out {
				x.forget(g.ID)
			}
			return nil, nil, err
		}
		x.flowCount++
		f.Ordinal = x.flowCount
		idCells := cells
		if vi > 0 {
			idCells = append(append([]string{}, cells...), v.transport)
		}
		f.ID = x.id(f, idCells)
		f.URL = data.FlowURL(f.ID)
		out = append(out, f)
	}
	return out, vals, nil
}

// dash reports whether a cell says "nothing here": "-", "—", "N/A".
func dash(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "-", "–", "—", "n/a", "na", "none", "x", "×", "":
		return true
	}
	return false
}

// fill derives a flow's ports, protocols, requirement, direction and endpoints
// from its cells and the table's context.
func (x *extractor) fill(f *data.Flow, cols columns, get func(role) string, sec *data.Section, meta data.SectionMeta, ctx tableCtx, transport string) error {
	spec, err := data.ParsePorts(f.PortsRaw)
	if err != nil {
		return fmt.Errorf("ports %q: %w", f.PortsRaw, err)
	}
	f.Ports = spec.Ranges
	if f.Ports == nil {
		f.Ports = []data.PortRange{}
	}
	stated, implied, app := data.ParseProtocols(f.ProtocolRaw)
	protos := append([]string{}, stated...)
	if spec.Stated {
		protos = append(protos, spec.Protocols...)
	} else {
		protos = append(append(protos, implied...), spec.Protocols...)
	}
	if transport != "" && len(f.Ports) > 0 {
		protos = append(protos, transport)
	}
	f.Protocols = data.SortProtocols(protos)
	switch {
	case app != "":
		f.AppProtocol = app
	case len(spec.Apps) > 0:
		f.AppProtocol = strings.Join(spec.Apps, ", ")
	case protocolOnly(data.Fold(f.Service)):
		f.AppProtocol = f.Service
	}
	f.Requirement = x.requirement(f.RequirementRaw)

	// Direction: the row's own words first, then the section's.
	var party string
	switch {
	case get(roleDirection) != "":
		f.DirectionRaw = get(roleDirection)
		f.Direction, party = parseDirection(f.DirectionRaw)
	case spec.Direction != "":
		f.Direction, f.DirectionRaw = spec.Direction, spec.DirectionRaw
	default:
		if m := directionInText.FindString(f.Purpose); m != "" {
			f.Direction, f.DirectionRaw = data.DirectionWord(m), m
		} else if meta.Direction != "" {
			f.Direction, f.DirectionRaw = meta.Direction, meta.DirectionRaw
		} else if ctx.direction != "" {
			f.Direction, f.DirectionRaw = ctx.direction, ctx.directionRaw
		}
	}

	// Endpoints: the columns, else what the prose names, else the direction and
	// the section's subject. Never a host the document does not name.
	hasSrc, hasDst := cols.has(roleSource), cols.has(roleDestination)
	if !hasSrc && f.Source == "" {
		f.Source = meta.Source
	}
	if !hasDst && f.Destination == "" {
		f.Destination = meta.Destination
	}
	if !hasSrc && !hasDst && f.Source == "" && f.Destination == "" {
		f.Source, f.Destination = x.endpoints[0], x.endpoints[1]
		if x.endpointsRe == nil {
			f.Source, f.Destination = ctx.endpoints[0], ctx.endpoints[1]
		}
	}
	subject := sec.Subject
	if subject == "" {
		subject = ctx.subject
	}
	switch f.Direction {
	case data.Inbound:
		if !hasDst && f.Destination == "" {
			f.Destination = resolveParty(party, subject)
		}
	case data.Outbound:
		if !hasSrc && f.Source == "" {
			f.Source = resolveParty(party, subject)
		}
	}

	if m := trailingMarks.FindString(f.Purpose); m != "" {
		spec.Marks = appendUnique(spec.Marks, m)
	}
	x.marks = append(x.marks, spec.Marks)
	return nil
}

var directionInText = regexp.MustCompile(`(?i)\b(inbound|outbound|bidirectional)\b`)

func (x *extractor) requirement(raw string) string {
	if raw == "" {
		return ""
	}
	if v, ok := x.meta.RequirementMarks[raw]; ok {
		return v
	}
	switch strings.ToLower(raw) {
	case data.Required, data.Recommended, data.Conditional, data.Optional:
		return strings.ToLower(raw)
	}
	switch strings.ToLower(strings.TrimRight(raw, ".*")) {
	case "yes", "y", "mandatory", "must", "required (default)", "✓", "✔", "必須", "必需", "是", "ja", "oui", "erforderlich", "obligatoire":
		return data.Required
	case "no", "n", "optional (default off)", "任意", "可选", "否", "nein", "non", "optionnel", "facultatif":
		return data.Optional
	}
	return ""
}

var (
	inboundJa  = regexp.MustCompile(`^(.*?)(?:へ|に)の?インバウンド通信`)
	outboundJa = regexp.MustCompile(`^(.*?)からのアウトバウンド通信`)
	inboundEn  = regexp.MustCompile(`(?i)^inbound(?:\s+(?:to|into)\s+(.+))?$`)
	outboundEn = regexp.MustCompile(`(?i)^outbound(?:\s+from\s+(.+))?$`)
)

// directionWords maps the words a direction cell may hold, folded and lower
// case, to a direction.
var directionWords = map[string]string{
	"inbound": data.Inbound, "incoming": data.Inbound, "ingress": data.Inbound, "in": data.Inbound, "input": data.Inbound,
	"インバウンド": data.Inbound, "受信": data.Inbound, "入站": data.Inbound, "入方向": data.Inbound, "入": data.Inbound, "入向": data.Inbound,
	"eingehend": data.Inbound, "entrant": data.Inbound, "entrante": data.Inbound,
	"outbound": data.Outbound, "outgoing": data.Outbound, "egress": data.Outbound, "out": data.Outbound, "output": data.Outbound,
	"アウトバウンド": data.Outbound, "送信": data.Outbound, "出站": data.Outbound, "出方向": data.Outbound, "出": data.Outbound, "出向": data.Outbound,
	"ausgehend": data.Outbound, "sortant": data.Outbound, "sortante": data.Outbound,
	"bidirectional": data.Bidirectional, "bi-directional": data.Bidirectional, "both": data.Bidirectional,
	"inbound/outbound": data.Bidirectional, "in/out": data.Bidirectional, "双方向": data.Bidirectional, "双向": data.Bidirectional,
	"bidirektional": data.Bidirectional, "bidirectionnel": data.Bidirectional, "↔": data.Bidirectional, "⇔": data.Bidirectional,
}

// parseDirection reads a direction cell ("サーバーへのインバウンド通信", inbound to
// the server) into a direction and the party it names, if any.
func parseDirection(c string) (dir, party string) {
	c = strings.TrimSpace(c)
	switch {
	case inboundJa.MatchString(c):
		return data.Inbound, strings.TrimSpace(inboundJa.FindStringSubmatch(c)[1])
	case outboundJa.MatchString(c):
		return data.Outbound, strings.TrimSpace(outboundJa.FindStringSubmatch(c)[1])
	case inboundEn.MatchString(c):
		return data.Inbound, strings.TrimSpace(inboundEn.FindStringSubmatch(c)[1])
	case outboundEn.MatchString(c):
		return data.Outbound, strings.TrimSpace(outboundEn.FindStringSubmatch(c)[1])
	case strings.Contains(c, "双方向") || strings.EqualFold(c, "bidirectional"):
		return data.Bidirectional, ""
	}
	if d, ok := directionWords[strings.ToLower(strings.Trim(data.Fold(c), " .*"))]; ok {
		return d, ""
	}
	return "", ""
}

// resolveParty names the endpoint a direction refers to: the section's subject when
// the direction names it by a shorter name ("サーバー" for "Endpoint Centralサーバー")
// or names nothing, else the party as written.
func resolveParty(party, subject string) string {
	switch {
	case party == "":
		return subject
	case subject != "" && strings.Contains(subject, party):
		return subject
	}
	return party
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	if s == "" {
		return ss
	}
	return append(ss, s)
}

func appendRange(rs []data.PortRange, r data.PortRange) []data.PortRange {
	for _, x := range rs {
		if x == r {
			return rs
		}
	}
	return append(rs, r)
}

// subheading reports whether a row of a table whose cells sit in their columns
// is a heading inside the table ("Control plane" across every column): one
// text, no port.
func subheading(r read.Row, t table) (string, bool) {
	if t.raw.Loose || len(t.cols) < 2 {
		return "", false
	}
	text := ""
	for _, c := range r.Cells {
		switch {
		case c == "":
		case text == "":
			text = c
		case c != text:
			return "", false
		}
	}
	if text == "" || strings.ContainsAny(text, "0123456789") || protocolOnly(data.Fold(text)) {
		return "", false
	}
	return text, true
}
