// Package extract is Portolan's one normaliser: it turns the raw tables a
// data/read reader found in a document into sections, flows and hosts. It
// recognises columns by meaning from a vocabulary kept as data, reads endpoints
// and direction from columns, captions, headings or the sentence above a table,
// and hands each row to the one port/protocol parser. It knows nothing of
// formats; per-document differences live in data.Meta, not in code.
package extract

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// Error is a document the extractor cannot read: it names the file and the
// line, so the author of an extra document knows where to look.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Extract reads a document's text with the reader its file name calls for and
// normalises it, guided by its metadata. It either reads the document or
// returns an *Error; it never returns half a document. Tables and rows it
// cannot read are listed in Document.Skipped.
func Extract(m data.Meta, raw []byte) (data.Document, error) {
	return ExtractAs(m, "", raw)
}

// ExtractAs is Extract for a document whose format the content type names
// (as an HTTP response gives it) when its name does not.
func ExtractAs(m data.Meta, contentType string, raw []byte) (data.Document, error) {
	rd, err := read.Read(m.File, contentType, raw, read.Options{Skip: m.Skip, TitleLine: m.TitleLine})
	if err != nil {
		var re *read.Error
		if errors.As(err, &re) {
			return data.Document{}, &Error{File: m.File, Line: re.Line, Err: re.Err}
		}
		return data.Document{}, &Error{File: m.File, Line: 1, Err: err}
	}
	return Normalise(m, raw, rd)
}

// Normalise turns what a reader found in raw into a document.
func Normalise(m data.Meta, raw []byte, rd read.Document) (data.Document, error) {
	d, _, err := normalise(m, raw, rd)
	return d, err
}

func normalise(m data.Meta, raw []byte, rd read.Document) (data.Document, []TableReport, error) {
	sum := sha256.Sum256(raw)
	d := data.Document{
		Slug: m.Slug, File: m.File, Vendor: m.Vendor, Product: m.Product, Language: m.Language,
		SourceLanguage: m.SourceLanguage, URL: m.URL, Created: m.Created, Updated: m.Updated,
		Subject: m.Subject, Raw: string(raw), Checksum: hex.EncodeToString(sum[:]),
		Format: rd.Format, Sections: []data.Section{}, Hosts: []data.Host{},
	}
	if d.Language == "" {
		d.Language = language(rd)
	}
	var x extractor
	fail := func(line int, err error) (data.Document, []TableReport, error) {
		return data.Document{}, x.report, &Error{File: m.File, Line: line, Err: err}
	}
	d.Title = rd.Title
	if m.Title != "" {
		d.Title = m.Title
	}
	for _, b := range rd.Blocks {
		if d.Title != "" {
			break
		}
		if b.Kind == read.Heading {
			d.Title = b.Text // a document with no title or h1: its first heading
		}
	}
	if d.Title == "" {
		d.Title = strings.TrimSuffix(m.File, filepath.Ext(m.File)) // a spreadsheet: its file name
	}
	for _, w := range rd.Warnings {
		d.Skipped = append(d.Skipped, data.Skip{Line: w.Line, Reason: w.Reason})
	}

	var endpointsRe *regexp.Regexp
	if m.EndpointsPattern != "" {
		var err error
		if endpointsRe, err = regexp.Compile(m.EndpointsPattern); err != nil {
			return fail(1, fmt.Errorf("metadata endpoints_pattern: %w", err))
		}
	}

	x = extractor{meta: m, doc: &d, blocks: rd.Blocks, endpointsRe: endpointsRe, slugs: map[string]int{}, ids: map[string]int{}}
	tables := x.findTables()
	if len(tables) == 0 {
		line, why := 1, "no table with a recognised header (a header line followed by ---|---)"
		if len(d.Skipped) > 0 {
			line, why = d.Skipped[0].Line, "no table could be read: "+d.Skipped[0].Reason
		}
		return fail(line, errors.New(why))
	}
	// A table makes at most one section, plus one per sub-heading row; the
	// slice never grows, so a *Section held while reading a table stays valid.
	room := 0
	for _, t := range tables {
		room += 1 + len(t.raw.Rows)
	}
	d.Sections = make([]data.Section, 0, room)
	x.budget = rowTextBudget(len(raw))
	for ti := range tables {
		x.table(tables, ti)
		if x.overLine > 0 {
			return fail(x.overLine, &read.LimitError{What: "text of the table rows (cells repeated by spans or from the row above included)",
				Limit: x.budget, Got: x.rowText, Unit: "bytes"})
		}
	}
	d.Sections = d.Sections[:len(d.Sections):len(d.Sections)]
	if x.flowCount == 0 {
		if n := len(d.Skipped); n > 0 {
			return fail(d.Skipped[n-1].Line, errors.New("no table row could be read: "+d.Skipped[n-1].Reason))
		}
		return fail(tables[0].raw.Line, errors.New("no table row could be read: every row is empty"))
	}
	sort.SliceStable(d.Hosts, func(i, j int) bool { return d.Hosts[i].Line < d.Hosts[j].Line })
	sort.SliceStable(d.Skipped, func(i, j int) bool { return d.Skipped[i].Line < d.Skipped[j].Line })
	addGlosses(&d, m.Glosses)
	return d, x.report, nil
}

// rowTextBudget bounds the text a document's table rows may hand the
// normaliser and the store, counting each cell as often as a span (HTML
// rowspan, colspan) or an omitted cell filled from the row above repeats it:
// real documents give at most about twice their size (Endpoint Central, with
// its notes spread over rows, 1.5), while one 64 KB cell spanning 50,000 rows
// would give 3 GB to store and index.
func rowTextBudget(docBytes int) int { return 8*docBytes + 1<<20 }

// extractor carries the state of one document's extraction.
type extractor struct {
	// rowText counts the bytes of the rows' cells and of the flows made from
	// them; past budget, the document is refused at overLine.
	rowText, budget, overLine int

	meta        data.Meta
	doc         *data.Document
	blocks      []read.Block
	endpointsRe *regexp.Regexp
	// intro holds the endpoints a sentence introducing several tables named;
	// level is the level of the last heading read.
	intro     intro
	level     int
	endpoints [2]string // latest source/destination named by the prose
	slugs     map[string]int
	ids       map[string]int
	marks     [][]string // footnote marks of the current table's flows, by row
	flowCount int
	report    []TableReport
	// notesBytes counts the footnote text given to flows so far; notesClipped
	// is set once it passed maxNotesBytes.
	notesBytes   int
	notesClipped bool
}

// table is one port table of a document, with where it sits among the blocks.
type table struct {
	raw     *read.RawTable
	cols    columns
	at      int // index of its block
	heading int // index of the heading block it sits under, or -1
	path    []int
}

func (x *extractor) skip(line int, format string, args ...any) {
	x.doc.Skipped = append(x.doc.Skipped, data.Skip{Line: line, Reason: fmt.Sprintf(format, args...)})
}

// findTables recognises the columns of every table and keeps those that hold
// ports, protocols or hosts; the others are reported as skipped.
func (x *extractor) findTables() []table {
	var tables []table
	prevEnd := 0
	var path []int // heading blocks by level
	for i, b := range x.blocks {
		if b.Kind == read.Heading {
			for len(path) > 0 && x.blocks[path[len(path)-1]].Level >= b.Level && b.Level > 0 {
				path = path[:len(path)-1]
			}
			if b.Level == 0 {
				path = x.dropOldTitleLines(path)
			}
			path = append(path, i)
			continue
		}
		if b.Kind != read.Table {
			continue
		}
		cols, why := recognise(b.Table.Header)
		if why != "" {
			x.skip(b.Line, "table skipped: %s (columns: %s)", why, strings.Join(b.Table.Header, " | "))
			x.report = append(x.report, TableReport{Line: b.Table.Line, Columns: describe(b.Table.Header, nil), Rows: len(b.Table.Rows), Skipped: why})
			continue
		}
		t := table{raw: b.Table, cols: cols, at: i, heading: -1, path: append([]int(nil), path...)}
		for k := i - 1; k >= prevEnd; k-- {
			if x.blocks[k].Kind == read.Heading {
				t.heading = k
				break
			}
		}
		tables = append(tables, t)
		prevEnd = i + 1
	}
	return tables
}

// maxTitleLines is how many of a text capture's title-like lines (headings of
// level 0, whose nesting the text does not say) a heading path keeps: the
// nearest ones. Without a bound, a capture of thousands of headings made every
// table's path as long as the document (20,000 headings and tables took 70 s
// and 3.4 GB).
const maxTitleLines = 4

// dropOldTitleLines makes room in path for one more level-0 heading, dropping
// the oldest of the level-0 headings that end it when they are maxTitleLines.
func (x *extractor) dropOldTitleLines(path []int) []int {
	n := 0
	for n < len(path) && x.blocks[path[len(path)-1-n]].Level == 0 {
		n++
	}
	if n < maxTitleLines {
		return path
	}
	first := len(path) - n
	return append(path[:first], path[first+1:]...)
}

// table extracts tables[ti]: its section, flows, footnotes and hosts.
func (x *extractor) table(tables []table, ti int) {
	t := tables[ti]
	start := 0
	if ti > 0 {
		start = tables[ti-1].at + 1
	}
	// The prose between the previous table and this header names the endpoints of
	// tables that have no Source/Destination columns.
	for k := start; k < t.at; k++ {
		x.matchEndpoints(x.blocks[k])
		x.scanIntro(x.blocks[k])
	}
	sec := x.section(tables, ti)
	meta := x.sectionMeta(sec.Title)
	ctx := x.context(t, start, sec, meta)
	// A table naming its own endpoints ends the group a sentence introduced;
	// one naming none takes the group's.
	if ctx.endpoints != [2]string{} {
		x.intro = intro{}
	} else {
		ctx.endpoints = x.intro.endpoints
	}

	// Where the blocks after this table end: the next table's heading, or its header.
	afterEnd := len(x.blocks)
	if ti+1 < len(tables) {
		next := tables[ti+1]
		afterEnd = next.at
		if next.heading >= 0 {
			afterEnd = next.heading
		}
	}

	var prev []string
	var made []flowRef
	first := sec
	rep := TableReport{Line: t.raw.Line, Section: sec.Title, Columns: describe(t.raw.Header, t.cols), Rows: len(t.raw.Rows)}
	skipped := len(x.doc.Skipped)
	defer func() {
		rep.Flows = len(made)
		rep.SkippedRows = append([]data.Skip(nil), x.doc.Skipped[skipped:]...)
		x.report = append(x.report, rep)
	}()
	x.marks = x.marks[:0]
	for _, r := range t.raw.Rows {
		if title, ok := subheading(r, t); ok {
			sec = x.newSection(title, r.Line, meta)
			ctx.subject = deriveSubject(title)
			prev = nil
			continue
		}
		for _, c := range r.Cells {
			x.rowText += len(c)
		}
		fs, vals, err := x.flows(t, r, prev, sec, meta, ctx)
		for _, f := range fs {
			x.rowText += flowText(f)
		}
		if x.rowText > x.budget {
			x.overLine = r.Line
			return
		}
		if err != nil {
			x.skip(r.Line, "row skipped: %v", err)
			continue
		}
		if fs == nil {
			continue
		}
		prev = vals
		for _, f := range fs {
			sec.Flows = append(sec.Flows, f)
			made = append(made, flowRef{sec: sec, i: len(sec.Flows) - 1})
		}
	}
	x.afterTable(first, made, t.at+1, afterEnd)
	if first.Text == "" {
		first.Text = x.prose(t, afterEnd)
	}
}

// flowText is the bytes of text a flow holds.
func flowText(f data.Flow) int {
	n := len(f.Service) + len(f.Source) + len(f.Destination) + len(f.PortsRaw) + len(f.ProtocolRaw) +
		len(f.AppProtocol) + len(f.Purpose) + len(f.RequirementRaw) + len(f.DirectionRaw) + len(f.Notes)
	for _, e := range f.Extra {
		n += len(e.Name) + len(e.Value)
	}
	return n
}

// flowRef points at a flow a table made (a table's sub-headings may put its
// flows in several sections).
type flowRef struct {
	sec *data.Section
	i   int
}

func (r flowRef) flow() *data.Flow { return &r.sec.Flows[r.i] }

// section returns the section a table belongs to, creating it when the table sits
// under a heading of its own.
func (x *extractor) section(tables []table, ti int) *data.Section {
	t := tables[ti]
	d := x.doc
	if t.heading < 0 && len(d.Sections) > 0 {
		return &d.Sections[len(d.Sections)-1]
	}
	heading, line := d.Title, 1
	if t.heading >= 0 {
		heading, line = strings.TrimSpace(x.blocks[t.heading].Text), x.blocks[t.heading].Line
	}
	if heading == "" && t.raw.Caption != "" {
		heading, line = t.raw.Caption, t.raw.Line
	}
	return x.newSection(heading, line, x.sectionMeta(heading))
}

func (x *extractor) newSection(heading string, line int, meta data.SectionMeta) *data.Section {
	d := x.doc
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
	if len(d.Sections) == cap(d.Sections) {
		panic("extract: more sections than tables and rows") // Normalise sizes the slice for every table and row
	}
	d.Sections = append(d.Sections, data.Section{
		Slug: slug, Title: heading, TitleEn: meta.TitleEn, Ordinal: len(d.Sections) + 1,
		Line: line, Subject: subject, Flows: []data.Flow{},
	})
	return &d.Sections[len(d.Sections)-1]
}

func (x *extractor) sectionMeta(heading string) data.SectionMeta {
	for _, s := range x.meta.Sections {
		if strings.TrimSpace(s.Heading) == heading {
			return s
		}
	}
	return data.SectionMeta{}
}

func (x *extractor) matchEndpoints(b read.Block) {
	if x.endpointsRe == nil || b.Kind == read.Table {
		return
	}
	m := x.endpointsRe.FindStringSubmatch(strings.TrimSpace(b.Text))
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

// prose is the text of a section outside its table, as written: the blocks between
// its heading and the table, and those after the table up to the next heading.
func (x *extractor) prose(t table, afterEnd int) string {
	var out []string
	if t.heading >= 0 {
		for k := t.heading + 1; k < t.at; k++ {
			if b := x.blocks[k]; b.Kind != read.Table && b.Text != "" {
				out = append(out, b.Text)
			}
		}
	}
	for k := t.at + 1; k < afterEnd; k++ {
		b := x.blocks[k]
		if b.Kind == read.Heading {
			break
		}
		if b.Kind != read.Table && b.Text != "" {
			out = append(out, b.Text)
		}
	}
	return strings.Join(out, "\n")
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// id derives a flow's ID from the document slug and the row's content as written
// (section, endpoints, cells), so the same document gives the same IDs on every
// ingest and machine. Identical rows in one section get a numbered suffix.
func (x *extractor) id(f data.Flow, cells []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s", x.doc.Slug, f.Section, f.Source, f.Destination, strings.Join(cells, "\x1f"))
	id := x.doc.Slug + "-" + idEncoding.EncodeToString(h.Sum(nil))[:8]
	x.ids[id]++
	if n := x.ids[id]; n > 1 {
		id = fmt.Sprintf("%s-%d", id, n)
	}
	return id
}

// forget undoes id for a flow that was not kept.
func (x *extractor) forget(id string) {
	base, _, _ := strings.Cut(strings.TrimPrefix(id, x.doc.Slug+"-"), "-")
	key := x.doc.Slug + "-" + base
	if x.ids[key]--; x.ids[key] <= 0 {
		delete(x.ids, key)
	}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify makes an ASCII slug of a heading or file name ("Citrix ADC" ->
// "citrix-adc"); text with no ASCII letters gives "".
func Slugify(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(data.Fold(s)), "-"), "-")
}

func slugify(s string) string { return Slugify(s) }

// language names the language of a document: the one it declares, else the
// script and common words of its text.
func language(rd read.Document) string {
	if l := strings.ToLower(rd.Lang); l != "" {
		l, _, _ = strings.Cut(strings.ReplaceAll(l, "_", "-"), "-")
		if len(l) == 2 {
			return l
		}
	}
	var kana, han, latin int
	var words strings.Builder
	n := 0
	for _, b := range rd.Blocks {
		if n > 200_000 {
			break
		}
		t := b.Text
		if b.Table != nil {
			t = strings.Join(b.Table.Header, " ")
		}
		n += len(t)
		words.WriteString(" " + strings.ToLower(t) + " ")
		for _, r := range t {
			switch {
			case r >= 0x3040 && r <= 0x30ff:
				kana++
			case r >= 0x4e00 && r <= 0x9fff:
				han++
			case r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'z'):
				latin++
			}
		}
	}
	switch {
	case kana > 0 && kana*20 >= han:
		return "ja"
	case han > 0 && han*4 >= latin/4:
		if kana > 0 {
			return "ja"
		}
		return "zh"
	}
	w := words.String()
	score := func(ws ...string) int {
		s := 0
		for _, x := range ws {
			s += strings.Count(w, " "+x+" ")
		}
		return s
	}
	en, de, fr := score("the", "and", "to", "of", "is", "for"), score("der", "die", "und", "das", "für", "ist", "mit"), score("le", "la", "les", "et", "des", "pour", "est")
	switch {
	case de > en && de >= fr:
		return "de"
	case fr > en && fr > de:
		return "fr"
	}
	return "en"
}
