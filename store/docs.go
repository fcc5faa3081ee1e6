package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
)

// DocSummary is a document for an overview: its fields without Raw, its sections
// without flows, and counts. The embedded Document's Sections and Hosts are
// empty; Sections here shadows the former (also in JSON).
type DocSummary struct {
	data.Document
	Sections  []SectionSummary `json:"sections"`
	FlowCount int              `json:"flow_count"`
	HostCount int              `json:"host_count"`
}

// SectionSummary is a section without its flows (Flows is empty) and its
// prose (Text and Subject are empty: Document has them), and how many flows
// it has.
type SectionSummary struct {
	data.Section
	FlowCount int `json:"flow_count"`
}

// HostFilter selects hosts; empty fields do not filter.
type HostFilter struct {
	// Filter's documents and sections select hosts (its other fields do
	// not: a host has no requirement or direction).
	Filter filter.Filter
	// Text is a case-insensitive substring of the host's name, purpose, group or
	// section title.
	Text string
}

const docColumns = `d.slug, d.file, d.vendor, d.product, d.title, d.language, d.source_language,
	d.url, d.created, d.updated, d.subject, d.checksum, d.format, d.skipped`

func scanDoc(sc interface{ Scan(...any) error }, extra ...any) (data.Document, error) {
	var d data.Document
	var skipped string
	err := sc.Scan(append([]any{&d.Slug, &d.File, &d.Vendor, &d.Product, &d.Title, &d.Language,
		&d.SourceLanguage, &d.URL, &d.Created, &d.Updated, &d.Subject, &d.Checksum, &d.Format, &skipped}, extra...)...)
	if err == nil && skipped != "" && skipped != "[]" {
		err = json.Unmarshal([]byte(skipped), &d.Skipped)
	}
	d.Sections = []data.Section{}
	d.Hosts = []data.Host{}
	return d, err
}

const sectionColumns = `s.slug, s.title, s.title_en, s.ordinal, s.line, s.subject, s.text`

func scanSection(sc interface{ Scan(...any) error }, extra ...any) (data.Section, error) {
	var s data.Section
	err := sc.Scan(append([]any{&s.Slug, &s.Title, &s.TitleEn, &s.Ordinal, &s.Line, &s.Subject, &s.Text}, extra...)...)
	s.Flows = []data.Flow{}
	return s, err
}

// Documents returns every document in order, without raw text or flows, with
// its sections and counts of flows and hosts. They are read once per DB (the
// dataset does not change while it is open) and shared: callers must not
// modify them.
func (db *DB) Documents(ctx context.Context) ([]DocSummary, error) {
	db.docsOnce.Do(func() {
		db.docs, db.docsErr = db.documents(context.WithoutCancel(ctx))
		db.langs = make(map[string]string, len(db.docs))
		db.titlesEn = map[string]string{}
		for _, d := range db.docs {
			db.langs[d.Slug] = d.Language
			for _, s := range d.Sections {
				if s.TitleEn != "" {
					db.titlesEn[d.Slug+"/"+s.Slug] = s.TitleEn
				}
			}
		}
	})
	return db.docs, db.docsErr
}

// DocLanguages maps each document's slug to the language of its content. The
// map is shared: callers must not modify it.
func (db *DB) DocLanguages(ctx context.Context) (map[string]string, error) {
	_, err := db.Documents(ctx)
	return db.langs, err
}

// SectionTitlesEn maps "doc/section" to the English gloss of the section's
// title, for sections that have one. The map is shared: callers must not
// modify it.
func (db *DB) SectionTitlesEn(ctx context.Context) (map[string]string, error) {
	_, err := db.Documents(ctx)
	return db.titlesEn, err
}

func (db *DB) documents(ctx context.Context) ([]DocSummary, error) {
	if db.tableFile != "" {
		// The table file holds them (loadTable).
		if err := db.loadTable(ctx); err != nil {
			return nil, fmt.Errorf("store: documents: %w", err)
		}
		if db.fileDocs != nil {
			return db.fileDocs, nil
		}
	}
	// The flow table (the counts) is read while SQLite reads the
	// documents and sections: on two cores a first listing waits for the
	// longer of the two, not both.
	loaded := make(chan error, 1)
	go func() { loaded <- db.loadTable(ctx) }()
	var docs []DocSummary
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		docs, err = docSummaries(ctx, tx)
		return err
	})
	if terr := <-loaded; err == nil && terr != nil {
		err = terr
	}
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	summarise(docs, db.table)
	return docs, nil
}

// docSummaries reads the documents, in order, each with its sections
// (unordered), without counts of flows (see summarise).
func docSummaries(ctx context.Context, q querier) ([]DocSummary, error) {
	docs := []DocSummary{}
	rows, err := q.QueryContext(ctx, `SELECT `+docColumns+`,
		(SELECT count(*) FROM hosts h WHERE h.doc = d.slug)
		FROM documents d ORDER BY d.ordinal`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	index := map[string]int{}
	for rows.Next() {
		var ds DocSummary
		ds.Document, err = scanDoc(rows, &ds.HostCount)
		if err != nil {
			return nil, err
		}
		ds.Sections = []SectionSummary{}
		index[ds.Slug] = len(docs)
		docs = append(docs, ds)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// In the table's own order (by document and slug), each document's
	// sections sorted by summarise: SQLite's sort of every section was
	// most of the query at a million flows.
	rows, err = q.QueryContext(ctx, `SELECT s.slug, s.title, s.title_en, s.ordinal, s.line, s.doc FROM sections s`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		var ss SectionSummary
		if err := rows.Scan(&ss.Slug, &ss.Title, &ss.TitleEn, &ss.Ordinal, &ss.Line, &doc); err != nil {
			return nil, err
		}
		ss.Flows = []data.Flow{}
		d := &docs[index[doc]]
		d.Sections = append(d.Sections, ss)
	}
	return docs, rows.Err()
}

// summarise counts the flows of docs and their sections in t, and orders
// each document's sections.
func summarise(docs []DocSummary, t *flowTable) {
	// Flow counts come from the flow table, in one pass, rather than a
	// count per document and per section.
	docIdx := make(map[string]uint32, len(t.Docs))
	for i, d := range t.Docs {
		docIdx[d] = uint32(i)
	}
	secIdx := make(map[string]uint32, len(t.Sections))
	for i, sec := range t.Sections {
		secIdx[sec] = uint32(i)
	}
	// A document's rows are contiguous: its sections are counted in a
	// slice, and only the pairs seen go into the map.
	perSection := map[[2]uint32]int{}
	count := make([]int, len(t.Sections))
	var seen []uint32
	for d := range t.Docs {
		for _, sec := range t.Section[t.DocStart[d]:t.DocStart[d+1]] {
			if count[sec] == 0 {
				seen = append(seen, sec)
			}
			count[sec]++
		}
		for _, sec := range seen {
			perSection[[2]uint32{uint32(d), sec}] = count[sec]
			count[sec] = 0
		}
		seen = seen[:0]
	}
	for i := range docs {
		d, ok := docIdx[docs[i].Slug]
		if ok {
			docs[i].FlowCount = int(t.DocStart[d+1] - t.DocStart[d])
		}
		for k := range docs[i].Sections {
			ss := &docs[i].Sections[k]
			if si, found := secIdx[ss.Slug]; found {
				ss.FlowCount = perSection[[2]uint32{d, si}]
			}
		}
	}
	for _, d := range docs {
		slices.SortFunc(d.Sections, func(a, b SectionSummary) int {
			if a.Ordinal != b.Ordinal {
				return a.Ordinal - b.Ordinal
			}
			return strings.Compare(a.Slug, b.Slug)
		})
	}
}

// Document returns the document with the given slug in full: raw text, sections
// in order each with its flows, and hosts. An unknown slug gives an error
// wrapping ErrNotFound.
func (db *DB) Document(ctx context.Context, slug string) (data.Document, error) {
	var d data.Document
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var raw string
		var err error
		d, err = scanDoc(tx.QueryRowContext(ctx, `SELECT `+docColumns+`,
			coalesce((SELECT v.raw FROM versions v WHERE v.doc = d.slug ORDER BY v.number DESC LIMIT 1), '')
			FROM documents d WHERE d.slug = ?`, slug), &raw)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		d.Raw = raw
		rows, err := tx.QueryContext(ctx, `SELECT `+sectionColumns+` FROM sections s WHERE s.doc = ? ORDER BY s.ordinal, s.slug`, slug)
		if err != nil {
			return err
		}
		defer rows.Close()
		index := map[string]int{}
		for rows.Next() {
			s, err := scanSection(rows)
			if err != nil {
				return err
			}
			index[s.Slug] = len(d.Sections)
			d.Sections = append(d.Sections, s)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		err = db.queryFlows(ctx, tx, "WHERE f.doc = ? ORDER BY f.seq", []any{slug}, func(f data.Flow) error {
			s := &d.Sections[index[f.SectionID]]
			s.Flows = append(s.Flows, f)
			return nil
		})
		if err != nil {
			return err
		}
		of, err := filter.Filter{}.With("doc", slug)
		if err != nil {
			return err
		}
		d.Hosts, err = hosts(ctx, tx, HostFilter{Filter: of})
		return err
	})
	if err != nil {
		return data.Document{}, fmt.Errorf("store: document %q: %w", slug, err)
	}
	return d, nil
}

// Hosts returns the hosts matching hf, in document order.
func (db *DB) Hosts(ctx context.Context, hf HostFilter) ([]data.Host, error) {
	hs, err := hosts(ctx, db.db, hf)
	if err != nil {
		return nil, fmt.Errorf("store: hosts: %w", err)
	}
	return hs, nil
}

func hosts(ctx context.Context, q querier, hf HostFilter) ([]data.Host, error) {
	where, args := "1", []any(nil)
	for _, c := range []struct{ key, col string }{{"doc", "h.doc"}, {"section", "h.section_id"}} {
		if in := hf.Filter.In(c.key); len(in) > 0 {
			cond, a := inList(c.col, in)
			where, args = where+" AND "+cond, append(args, a...)
		}
		if out := hf.Filter.Out(c.key); len(out) > 0 {
			cond, a := inList(c.col, out)
			where, args = where+" AND NOT "+cond, append(args, a...)
		}
	}
	if hf.Text != "" {
		pat := likePattern(hf.Text)
		where += ` AND (h.name LIKE ? ESCAPE '\' OR h.purpose LIKE ? ESCAPE '\' OR h.grp LIKE ? ESCAPE '\'
			OR h.grp_en LIKE ? ESCAPE '\' OR h.section LIKE ? ESCAPE '\' OR s.title LIKE ? ESCAPE '\')`
		args = append(args, pat, pat, pat, pat, pat, pat)
	}
	// A host's section title is as ingested, or its section's title when the
	// host gave only the section's slug.
	rows, err := q.QueryContext(ctx, `SELECT h.doc, coalesce(nullif(h.section, ''), s.title, ''), h.section_id,
		h.name, h.kind, h.grp, h.grp_en, h.flow_id, h.purpose, h.line, h.protocols, h.ports
		FROM hosts h JOIN documents d ON d.slug = h.doc
		LEFT JOIN sections s ON s.doc = h.doc AND s.slug = h.section_id
		WHERE `+where+` ORDER BY d.ordinal, h.ordinal`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hs := []data.Host{}
	for rows.Next() {
		var h data.Host
		var protos, ports string
		if err := rows.Scan(&h.Doc, &h.Section, &h.SectionID, &h.Name, &h.Kind, &h.Group, &h.GroupEn, &h.FlowID,
			&h.Purpose, &h.Line, &protos, &ports); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(protos), &h.Protocols); err != nil {
			return nil, fmt.Errorf("host %q protocols: %w", h.Name, err)
		}
		if err := json.Unmarshal([]byte(ports), &h.Ports); err != nil {
			return nil, fmt.Errorf("host %q ports: %w", h.Name, err)
		}
		h.Protocols, h.Ports = nonNil(h.Protocols), nonNil(h.Ports)
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// PortUse is one port and what opens it: how many flows, in which documents,
// over which protocols.
type PortUse struct {
	Port      int
	Flows     int
	Docs      []string // slugs, sorted
	Protocols []string // sorted
}

// CommonPorts returns the n single ports (a flow's range of one port) the
// most documents open, then the most flows, then the lower port. The ranking
// is worked out once per DB: the dataset does not change while it is open.
func (db *DB) CommonPorts(ctx context.Context, n int) ([]PortUse, error) {
	if err := db.loadTable(ctx); err != nil {
		return nil, fmt.Errorf("store: common ports: %w", err)
	}
	db.portsOnce.Do(func() { db.ports = db.table.portUses() })
	out := make([]PortUse, 0, min(max(n, 0), len(db.ports)))
	for _, u := range db.ports[:min(max(n, 0), len(db.ports))] {
		pu := PortUse{Port: u.port, Flows: u.flows}
		for _, d := range u.docs {
			pu.Docs = append(pu.Docs, db.table.Docs[d])
		}
		for b := u.protos; b != 0; b &= b - 1 {
			pu.Protocols = append(pu.Protocols, db.table.Protocols[bitIndex(b)])
		}
		slices.Sort(pu.Docs)
		slices.Sort(pu.Protocols)
		out = append(out, pu)
	}
	return out, nil
}

// portUse is a PortUse with the table's indexes of its documents and bits
// of its protocols.
type portUse struct {
	port, flows int
	docs        []uint32
	protos      uint64
}

// portUses counts every single port of every flow, most shared first: a
// document at a time (its rows are contiguous), so a port's documents are
// listed once each without a set per port.
func (t *flowTable) portUses() []portUse {
	flows := make([]int32, 65536)
	protos := make([]uint64, 65536)
	docs := make([][]uint32, 65536)
	for d := range t.Docs {
		for i := t.DocStart[d]; i < t.DocStart[d+1]; i++ {
			for _, p := range t.Ports[t.PortStart[i]:t.PortStart[i+1]] {
				port := p >> 16
				if port != p&0xffff {
					continue
				}
				flows[port]++
				protos[port] |= t.Protos[i]
				if l := docs[port]; len(l) == 0 || l[len(l)-1] != uint32(d) {
					docs[port] = append(l, uint32(d))
				}
			}
		}
	}
	var out []portUse
	for port, n := range flows {
		if n > 0 {
			out = append(out, portUse{port: port, flows: int(n), docs: docs[port], protos: protos[port]})
		}
	}
	slices.SortFunc(out, func(a, b portUse) int {
		if len(a.docs) != len(b.docs) {
			return len(b.docs) - len(a.docs)
		}
		if a.flows != b.flows {
			return b.flows - a.flows
		}
		return a.port - b.port
	})
	return out
}
