package data

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ExtractError is a document the extractor cannot read: it names the file and the
// line, so the author of an extra document knows where to look.
type ExtractError struct {
	File string
	Line int
	Err  error
}

func (e *ExtractError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *ExtractError) Unwrap() error { return e.Err }

// inFile names the file of an *ExtractError from a step that knows only lines.
func inFile(file string, err error) error {
	var e *ExtractError
	if errors.As(err, &e) {
		e.File = file
	}
	return err
}

// docLine is one line of a document, numbered from 1.
type docLine struct {
	n    int
	text string
	skip bool // page chrome named in the metadata
}

// table is one table found in a document, with the lines around it.
type table struct {
	header  header
	at      int // index of the header line
	rows    []rawRow
	end     int // index of the first line after the table
	heading int // index of the heading line, or -1
}

// Extract turns a document's text into sections, flows and hosts, guided by its
// metadata. It either reads the whole document or returns an *ExtractError; it
// never returns half a document.
func Extract(m Meta, raw []byte) (Document, error) {
	sum := sha256.Sum256(raw)
	d := Document{
		Slug: m.Slug, File: m.File, Vendor: m.Vendor, Product: m.Product, Language: m.Language,
		SourceLanguage: m.SourceLanguage, URL: m.URL, Created: m.Created, Updated: m.Updated,
		Subject: m.Subject, Raw: string(raw), Checksum: hex.EncodeToString(sum[:]),
		Sections: []Section{}, Hosts: []Host{},
	}
	fail := func(line int, err error) (Document, error) {
		return Document{}, &ExtractError{File: m.File, Line: line, Err: err}
	}
	lines, err := splitLines(raw, m.Skip)
	if err != nil {
		return Document{}, inFile(m.File, err)
	}
	d.Title = title(lines, m.TitleLine)

	var endpointsRe *regexp.Regexp
	if m.EndpointsPattern != "" {
		if endpointsRe, err = regexp.Compile(m.EndpointsPattern); err != nil {
			return fail(1, fmt.Errorf("metadata endpoints_pattern: %w", err))
		}
	}

	tables, err := findTables(lines)
	if err != nil {
		return Document{}, inFile(m.File, err)
	}
	if len(tables) == 0 {
		return fail(1, errors.New("no table with a recognised header (a header line followed by ---|---)"))
	}

	x := extractor{meta: m, doc: &d, lines: lines, endpointsRe: endpointsRe, slugs: map[string]int{}, ids: map[string]int{}}
	for ti := range tables {
		if err := x.table(tables, ti); err != nil {
			return fail(x.errLine, err)
		}
	}
	sort.SliceStable(d.Hosts, func(i, j int) bool { return d.Hosts[i].Line < d.Hosts[j].Line })
	addGlosses(&d, m.Glosses)
	return d, nil
}

// extractor carries the state of one document's extraction.
type extractor struct {
	meta        Meta
	doc         *Document
	lines       []docLine
	endpointsRe *regexp.Regexp
	endpoints   [2]string // latest source/destination named by the prose
	slugs       map[string]int
	ids         map[string]int
	marks       [][]string // footnote marks of the current table's flows, by row
	flowCount   int
	errLine     int
}

func splitLines(raw []byte, skip []string) ([]docLine, error) {
	text := string(raw)
	var lines []docLine
	for i, s := range strings.Split(text, "\n") {
		s = strings.TrimSuffix(s, "\r")
		if !utf8.ValidString(s) {
			return nil, &ExtractError{Line: i + 1, Err: errors.New("not valid UTF-8")}
		}
		lines = append(lines, docLine{n: i + 1, text: s})
	}
	if len(lines) > 0 && lines[len(lines)-1].text == "" {
		lines = lines[:len(lines)-1]
	}
	for _, r := range skip {
		from, to, err := lineRange(r)
		if err != nil {
			return nil, &ExtractError{Line: 1, Err: fmt.Errorf("metadata skip %q: %w", r, err)}
		}
		for n := from; n <= to && n <= len(lines); n++ {
			lines[n-1].skip = true
		}
	}
	return lines, nil
}

func lineRange(r string) (int, int, error) {
	a, b, found := strings.Cut(r, "-")
	from, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || from < 1 {
		return 0, 0, errors.New("want a line number or a range like 347-349")
	}
	to := from
	if found {
		if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || to < from {
			return 0, 0, errors.New("want a line number or a range like 347-349")
		}
	}
	return from, to, nil
}

func title(lines []docLine, at int) string {
	if at > 0 && at <= len(lines) {
		return strings.TrimSpace(lines[at-1].text)
	}
	for _, l := range lines {
		if !l.skip && strings.TrimSpace(l.text) != "" {
			return strings.TrimSpace(l.text)
		}
	}
	return ""
}

// findTables finds every table: a header line followed by a separator line, and
// the rows under it.
func findTables(lines []docLine) ([]table, error) {
	var tables []table
	prevEnd := 0
	for i := 0; i < len(lines); i++ {
		if !isHeaderAt(lines, i) {
			continue
		}
		h, err := parseHeader(lines[i].text)
		if err != nil {
			return nil, &ExtractError{Line: lines[i].n, Err: err}
		}
		rows, end := readRows(lines, i+2, h)
		if len(rows) == 0 {
			return nil, &ExtractError{Line: lines[i].n, Err: errors.New("table header has no rows under it")}
		}
		t := table{header: h, at: i, rows: rows, end: end, heading: -1}
		for k := i - 1; k >= prevEnd; k-- {
			if !lines[k].skip && isHeading(lines[k].text) {
				t.heading = k
				break
			}
		}
		tables = append(tables, t)
		prevEnd = end
		i = end - 1
	}
	return tables, nil
}

// isHeading reports whether a line outside a table reads as a heading: short, not
// a sentence, not a list item, note or footnote.
func isHeading(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || utf8.RuneCountInString(t) > 100 || strings.Contains(t, "|") {
		return false
	}
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "※") ||
		strings.HasPrefix(strings.ToLower(t), "note") || strings.Contains(t, "://") {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	if strings.ContainsRune(".:。：;!?！？,、", last) {
		return false
	}
	for _, r := range t {
		if r > 127 || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return true
		}
	}
	return false
}

// table extracts tables[ti]: its section, flows, footnotes and hosts.
func (x *extractor) table(tables []table, ti int) error {
	t := tables[ti]
	start := 0
	if ti > 0 {
		start = tables[ti-1].end
	}
	// The prose between the previous table and this header names the endpoints of
	// tables that have no Source/Destination columns.
	for k := start; k < t.at; k++ {
		x.matchEndpoints(x.lines[k])
	}
	sec := x.section(tables, ti)
	meta := x.sectionMeta(sec.Title)

	// Where the lines after this table end: the next table's heading, or its header.
	afterEnd := len(x.lines)
	if ti+1 < len(tables) {
		next := tables[ti+1]
		afterEnd = next.at
		if next.heading >= 0 {
			afterEnd = next.heading
		}
	}

	var prev []string
	firstFlow := len(sec.Flows)
	x.marks = x.marks[:0]
	for _, r := range t.rows {
		x.errLine = r.line
		f, vals, ok, err := x.flow(t.header, r, prev, sec, meta)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		prev = vals
		sec.Flows = append(sec.Flows, f)
	}
	x.afterTable(sec, sec.Flows[firstFlow:], t.end, afterEnd)
	if sec.Text == "" {
		sec.Text = x.prose(t, afterEnd)
	}
	return nil
}

// section returns the section a table belongs to, creating it when the table sits
// under a heading of its own.
func (x *extractor) section(tables []table, ti int) *Section {
	t := tables[ti]
	d := x.doc
	if t.heading < 0 && len(d.Sections) > 0 {
		return &d.Sections[len(d.Sections)-1]
	}
	heading, line := d.Title, 1
	if t.heading >= 0 {
		heading, line = strings.TrimSpace(x.lines[t.heading].text), x.lines[t.heading].n
	}
	meta := x.sectionMeta(heading)
	slug := meta.Slug
	if slug == "" {
		slug = slugify(heading)
	}
	if slug == "" {
		slug = fmt.Sprintf("section-%d", len(d.Sections)+1)
	}
	if n := x.slugs[slug]; n > 0 {
		x.slugs[slug] = n + 1
		slug = fmt.Sprintf("%s-%d", slug, n+1)
	} else {
		x.slugs[slug] = 1
	}
	subject := meta.Subject
	if subject == "" {
		subject = x.meta.Subject
	}
	d.Sections = append(d.Sections, Section{
		Slug: slug, Title: heading, TitleEn: meta.TitleEn, Ordinal: len(d.Sections) + 1,
		Line: line, Subject: subject, Flows: []Flow{},
	})
	return &d.Sections[len(d.Sections)-1]
}

func (x *extractor) sectionMeta(heading string) SectionMeta {
	for _, s := range x.meta.Sections {
		if strings.TrimSpace(s.Heading) == heading {
			return s
		}
	}
	return SectionMeta{}
}

func (x *extractor) matchEndpoints(l docLine) {
	if x.endpointsRe == nil || l.skip {
		return
	}
	m := x.endpointsRe.FindStringSubmatch(strings.TrimSpace(l.text))
	if m == nil {
		return
	}
	var ep [2]string
	for i, name := range x.endpointsRe.SubexpNames() {
		switch name {
		case "source":
			ep[0] = strings.TrimSpace(m[i])
		case "destination":
			ep[1] = strings.TrimSpace(m[i])
		}
	}
	x.endpoints = ep
}

// prose is the text of a section outside its table, as written: the lines between
// its heading and the table, and those after the table up to the next heading.
func (x *extractor) prose(t table, afterEnd int) string {
	var out []string
	if t.heading >= 0 {
		for k := t.heading + 1; k < t.at; k++ {
			if s := strings.TrimSpace(x.lines[k].text); s != "" && !x.lines[k].skip {
				out = append(out, s)
			}
		}
	}
	for k := t.end; k < afterEnd; k++ {
		s := strings.TrimSpace(x.lines[k].text)
		if x.lines[k].skip {
			continue
		}
		if isHeading(s) {
			break
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}

var trailingMarks = regexp.MustCompile(`(\*+)$`)

// flow builds one flow from a row. prev holds the previous row's values per column,
// for the cells a row leaves out at its start. ok is false for a row with no cell.
func (x *extractor) flow(h header, r rawRow, prev []string, sec *Section, meta SectionMeta) (Flow, []string, bool, error) {
	cells := r.cells
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1] // padding the extraction moved to the end
	}
	if len(cells) == 0 {
		return Flow{}, nil, false, nil
	}
	placed, first, ok := align(cells, h.roles)
	if !ok {
		return Flow{}, nil, false, fmt.Errorf("row has %d cells, more than the table's %d columns can hold", len(cells), len(h.roles))
	}
	vals := make([]string, len(h.roles))
	for j := range h.roles {
		switch {
		case placed[j] != nil:
			vals[j] = strings.Join(placed[j], " | ")
		case j < first && prev != nil && (h.roles[j] == roleSource || h.roles[j] == roleDestination):
			vals[j] = prev[j] // a row that omits its leading endpoints repeats the row above
		}
	}
	get := func(ro role) string {
		for j, r := range h.roles {
			if r == ro {
				return vals[j]
			}
		}
		return ""
	}

	f := Flow{
		Doc: x.doc.Slug, Section: sec.Title, SectionID: sec.Slug, Service: get(roleService),
		Source: get(roleSource), Destination: get(roleDestination),
		PortsRaw: get(rolePort), ProtocolRaw: get(roleProtocol), Purpose: get(rolePurpose),
		RequirementRaw: get(roleRequirement), Line: r.line, LineEnd: r.lineEnd,
		Protocols: []string{}, Ports: []PortRange{},
	}
	spec, err := ParsePorts(f.PortsRaw)
	if err != nil {
		return Flow{}, nil, false, fmt.Errorf("ports %q: %w", f.PortsRaw, err)
	}
	f.Ports = spec.Ranges
	if f.Ports == nil {
		f.Ports = []PortRange{}
	}
	stated, implied, app := ParseProtocols(f.ProtocolRaw)
	protos := append([]string{}, stated...)
	if spec.Stated {
		protos = append(protos, spec.Protocols...)
	} else {
		protos = append(append(protos, implied...), spec.Protocols...)
	}
	f.Protocols = sortProtocols(protos)
	switch {
	case app != "":
		f.AppProtocol = app
	case len(spec.Apps) > 0:
		f.AppProtocol = strings.Join(spec.Apps, ", ")
	case protocolOnly(Fold(f.Service)):
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
			f.Direction, f.DirectionRaw = directionWord(m), m
		} else if meta.Direction != "" {
			f.Direction, f.DirectionRaw = meta.Direction, meta.DirectionRaw
		}
	}

	// Endpoints: the columns, else what the prose names, else the direction and
	// the section's subject. Never a host the document does not name.
	if !h.has(roleSource) && f.Source == "" {
		f.Source = meta.Source
	}
	if !h.has(roleDestination) && f.Destination == "" {
		f.Destination = meta.Destination
	}
	if !h.has(roleSource) && !h.has(roleDestination) && f.Source == "" && f.Destination == "" {
		f.Source, f.Destination = x.endpoints[0], x.endpoints[1]
	}
	switch f.Direction {
	case Inbound:
		if !h.has(roleDestination) && f.Destination == "" {
			f.Destination = resolveParty(party, sec.Subject)
		}
	case Outbound:
		if !h.has(roleSource) && f.Source == "" {
			f.Source = resolveParty(party, sec.Subject)
		}
	}

	if m := trailingMarks.FindString(f.Purpose); m != "" {
		spec.Marks = appendUnique(spec.Marks, m)
	}
	x.marks = append(x.marks, spec.Marks)

	x.flowCount++
	f.Ordinal = x.flowCount
	f.ID = x.id(f, cells)
	f.URL = "/flows/" + f.ID
	return f, vals, true, nil
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
	case Required, Recommended, Conditional, Optional:
		return strings.ToLower(raw)
	}
	return ""
}

// requirementWord reports whether a cell reads as a requirement: a word such as
// Required or Optional, or a single mark (●, 〇, △).
func requirementWord(c string) bool {
	switch strings.ToLower(c) {
	case Required, Recommended, Conditional, Optional:
		return true
	}
	if utf8.RuneCountInString(c) != 1 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(c)
	return r > 127
}

var (
	inboundJa  = regexp.MustCompile(`^(.*?)(?:へ|に)の?インバウンド通信`)
	outboundJa = regexp.MustCompile(`^(.*?)からのアウトバウンド通信`)
	inboundEn  = regexp.MustCompile(`(?i)^inbound(?:\s+(?:to|into)\s+(.+))?$`)
	outboundEn = regexp.MustCompile(`(?i)^outbound(?:\s+from\s+(.+))?$`)
)

// parseDirection reads a direction cell ("サーバーへのインバウンド通信", inbound to
// the server) into a direction and the party it names, if any.
func parseDirection(c string) (dir, party string) {
	c = strings.TrimSpace(c)
	switch {
	case inboundJa.MatchString(c):
		return Inbound, strings.TrimSpace(inboundJa.FindStringSubmatch(c)[1])
	case outboundJa.MatchString(c):
		return Outbound, strings.TrimSpace(outboundJa.FindStringSubmatch(c)[1])
	case inboundEn.MatchString(c):
		return Inbound, strings.TrimSpace(inboundEn.FindStringSubmatch(c)[1])
	case outboundEn.MatchString(c):
		return Outbound, strings.TrimSpace(outboundEn.FindStringSubmatch(c)[1])
	case strings.Contains(c, "双方向") || strings.EqualFold(c, "bidirectional"):
		return Bidirectional, ""
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

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// id derives a flow's ID from the document slug and the row's content as written
// (section, endpoints, cells), so the same document gives the same IDs on every
// ingest and machine. Identical rows in one section get a numbered suffix.
func (x *extractor) id(f Flow, cells []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s", x.doc.Slug, f.Section, f.Source, f.Destination, strings.Join(cells, "\x1f"))
	id := x.doc.Slug + "-" + idEncoding.EncodeToString(h.Sum(nil))[:8]
	x.ids[id]++
	if n := x.ids[id]; n > 1 {
		id = fmt.Sprintf("%s-%d", id, n)
	}
	return id
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes an ASCII slug of a heading ("Citrix ADC" -> "citrix-adc"); a heading
// with no ASCII letters gives "".
func slugify(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(Fold(s)), "-"), "-")
}
