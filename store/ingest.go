package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/lint"
	"github.com/portolan/portolan/data/roles"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/migrations"
)

// Ingest builds a database of docs and puts it at path, replacing any file there.
//
// The new database is written to a temporary file in path's directory, in one
// transaction, synced, and renamed over path: a reader sees the old dataset or
// the new one, never half of one. When Ingest fails, it removes its temporary
// file and leaves path as it was.
//
// Order is preserved: documents in the order given, sections by Ordinal, flows
// by Ordinal within their document, hosts in the order given. Each flow's Doc,
// SectionID and Section are taken from the document and section holding it.
func Ingest(ctx context.Context, path string, docs []data.Document) error {
	return IngestHistory(ctx, path, docs, nil)
}

// IngestHistory is Ingest with each document's past: hist[d.Slug] is the
// history of document d, whose last version is d's text (versions.History.Add
// gave d's flows their IDs). A document without one is version 1 of itself,
// captured at no stated time, as the documents shipped with the binary are.
func IngestHistory(ctx context.Context, path string, docs []data.Document, hist map[string]versions.History) error {
	b, err := NewBuilder(ctx, path)
	if err != nil {
		return err
	}
	defer b.Close()
	for d, flows := range data.Seqs(docs) {
		var h *versions.History
		if x, ok := hist[d.Slug]; ok {
			h = &x
		}
		if err := b.Add(ctx, d, flows, h); err != nil {
			return err
		}
	}
	return b.Commit(ctx)
}

// Builder writes a database one document at a time, holding no document
// after Add returns: what IngestHistory does for a dataset too large to hold
// in memory. The database appears at its path only when Commit succeeds;
// Close without Commit removes what was written.
type Builder struct {
	path, tmp string
	tableFile string // see TableFile
	sdb       *sql.DB
	tx        *sql.Tx
	w         *writer
	ordinal   int
	last      int             // seq of the last flow added
	sums      []data.Document // slug and checksum of each document, for DatasetVersion
	lint      *lint.Registry
	across    *lint.Across
	// later are the flows whose findings wait for the documents after
	// them: the flows lint.Across may give a finding comparing documents.
	later []laterFindings
	done  bool
}

// laterFindings are a candidate's (lint.Across.Add), numbered as lint
// numbers them: b.later[n] is candidate n.
type laterFindings struct {
	seq int32
	own []data.Finding
}

// NewBuilder starts a database to be put at path (see IngestHistory); with
// TableFile, Commit writes its flow table to that file too.
func NewBuilder(ctx context.Context, path string, opts ...Option) (_ *Builder, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("store: ingest %s: %w", path, err)
	}
	b := &Builder{path: path, tmp: f.Name(), lint: lint.Default(), tableFile: optionsOf(opts).tableFile}
	f.Close()
	b.across = b.lint.NewAcross()
	defer func() {
		if err != nil {
			b.Close()
			err = fmt.Errorf("store: ingest %s: %w", path, err)
		}
	}()
	dsn, err := fileDSN(b.tmp, "_journal_mode=MEMORY&_synchronous=OFF&_foreign_keys=on&_cache_size=-16384")
	if err != nil {
		return nil, err
	}
	if b.sdb, err = sql.Open("sqlite3", dsn); err != nil {
		return nil, err
	}
	b.sdb.SetMaxOpenConns(1)
	if b.tx, err = b.sdb.BeginTx(ctx, nil); err != nil {
		return nil, err
	}
	for _, m := range migrations.All() {
		if _, err := b.tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		// user_version is part of the file header and so part of the transaction.
		if _, err := b.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	if b.w, err = newWriter(ctx, b.tx); err != nil {
		return nil, err
	}
	b.w.roles = roles.Default()
	return b, nil
}

// Add writes document d, the next of the dataset, with its flows numbered
// (d.SeqFlows, following the flows of the documents added before) and its
// history h (nil: version 1 of itself, see IngestHistory).
func (b *Builder) Add(ctx context.Context, d *data.Document, flows []data.SeqFlow, h *versions.History) error {
	if err := b.add(ctx, d, flows, h); err != nil {
		return fmt.Errorf("store: ingest %s: document %q: %w", b.path, d.Slug, err)
	}
	return nil
}

func (b *Builder) add(ctx context.Context, d *data.Document, flows []data.SeqFlow, h *versions.History) error {
	if b.done || b.w == nil {
		return errors.New("builder closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Checked here, once a document: a statement run with a context that
	// can be cancelled runs on a goroutine of its own (go-sqlite3), a
	// handover per row that cost more than the row.
	ctx = context.WithoutCancel(ctx)
	if len(flows) > 0 && flows[0].Seq != b.last+1 {
		return fmt.Errorf("flow seq %d after %d: flows out of order", flows[0].Seq, b.last)
	}
	b.last += len(flows)
	b.sums = append(b.sums, data.Document{Slug: d.Slug, Checksum: d.Checksum})
	later := map[*data.Flow]bool{}
	for _, f := range b.across.Add(d) {
		later[f] = true
	}
	own := map[string][]data.Finding{}
	for _, f := range b.lint.Document(d) {
		own[f.FlowID] = append(own[f.FlowID], data.Finding{Check: f.Check, Severity: f.Severity, Detail: f.Detail})
	}
	// The candidates come in flow order, as lint numbers them.
	findings := func(seq int, f *data.Flow) []data.Finding {
		if later[f] {
			b.later = append(b.later, laterFindings{seq: int32(seq), own: own[f.ID]})
			return nil
		}
		return own[f.ID]
	}
	b.ordinal++
	if err := b.w.document(ctx, b.ordinal, *d, flows, findings); err != nil {
		return err
	}
	hist := versions.Start(*d, data.Version{})
	if h != nil {
		hist = *h
	}
	return b.w.writeHistory(ctx, *d, hist)
}

// Commit finishes the database and puts it at its path: synced, then
// renamed over what was there.
func (b *Builder) Commit(ctx context.Context) error {
	if err := b.commit(ctx); err != nil {
		b.Close()
		return fmt.Errorf("store: ingest %s: %w", b.path, err)
	}
	return nil
}

func (b *Builder) commit(ctx context.Context) (err error) {
	if b.done || b.w == nil {
		return errors.New("builder closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx) // as in add
	disagree := b.across.Details()
	for n, l := range b.later {
		for i, x := range lint.Disagreement(l.own, disagree[int32(n)]) {
			b.w.table.finding(int(l.seq))
			if _, err := b.w.finding.ExecContext(ctx, l.seq, i+1, x.Check, x.Severity, x.Detail); err != nil {
				return fmt.Errorf("flow %d: finding %q: %w", l.seq, x.Check, err)
			}
		}
	}
	b.later = nil
	table := b.w.table.finish()
	blob, err := table.encode()
	if err != nil {
		return err
	}
	if _, err := b.tx.ExecContext(ctx, "INSERT INTO flow_table (format, data) VALUES (?, ?)", flowTableFormat, blob); err != nil {
		return err
	}
	dataset := data.DatasetVersion(b.sums)
	if b.tableFile != "" {
		// Before the database is in place: a dataset whose file could
		// not be written is not built.
		docs, err := docSummaries(ctx, b.tx)
		if err != nil {
			return err
		}
		summarise(docs, table)
		if err := writeTableFile(b.tableFile, tableKey(flowTableFormat, len(blob), dataset, data.ExtractorVersion), table, docs); err != nil {
			return fmt.Errorf("flow table file: %w", err)
		}
	}
	for _, kv := range [][2]string{
		{"dataset_version", dataset},
		{"extractor_version", data.ExtractorVersion},
	} {
		if _, err := b.tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", kv[0], kv[1]); err != nil {
			return err
		}
	}
	b.w.close()
	b.w = nil
	if err := b.tx.Commit(); err != nil {
		return err
	}
	// Statistics for the query planner, taken on the finished data.
	if _, err := b.sdb.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	err = b.sdb.Close()
	b.sdb = nil
	if err != nil {
		return err
	}
	if err := syncFile(b.tmp); err != nil {
		return err
	}
	// CreateTemp makes the file private; a database is as readable as any
	// file the process creates.
	if err := os.Chmod(b.tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(b.tmp, b.path); err != nil {
		return err
	}
	b.done = true
	// Make the rename itself durable. Not every platform can sync a directory,
	// and the swap has happened by now, so a failure here is not reported.
	dir, _ := filepath.Split(b.path)
	if dir == "" {
		dir = "."
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Close ends a build: after Commit it does nothing; before, it throws away
// what was written.
func (b *Builder) Close() {
	if b.done {
		return
	}
	b.done = true
	if b.w != nil {
		b.w.close()
	}
	if b.tx != nil {
		b.tx.Rollback()
	}
	if b.sdb != nil {
		b.sdb.Close()
	}
	os.Remove(b.tmp)
	os.Remove(b.tmp + "-journal")
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writer holds the prepared insert statements of one build.
type writer struct {
	doc, section, flow, proto, port, host *sql.Stmt
	version, change, removed              *sql.Stmt
	role, finding, row                    *sql.Stmt

	table *tableBuilder
	blob  []byte // a flow's row blob, reused
	// roles is the role vocabulary, what the build adds beside each flow
	// with the lint findings.
	roles *roles.Vocabulary
}

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{table: newTableBuilder()}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.doc, `INSERT INTO documents (slug, ordinal, file, vendor, product, title, language,
			source_language, url, created, updated, subject, checksum, format, skipped)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.section, `INSERT INTO sections (doc, slug, title, title_en, ordinal, line, subject, text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.flow, `INSERT INTO flows (seq, id, doc, section_id, ordinal, service, source, destination,
			ports_raw, protocol_raw, app_protocol, purpose, purpose_en, requirement, requirement_raw,
			direction, direction_raw, direction_en, notes, notes_en, line, line_end, port_key,
			source_en, destination_en, extra)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.row, `INSERT INTO flow_rows (seq, data) VALUES (?, ?)`},
		{&w.role, `INSERT INTO flow_roles (flow, ordinal, side, role, name, guess) VALUES (?, ?, ?, ?, ?, ?)`},
		{&w.finding, `INSERT INTO findings (flow, ordinal, check_id, severity, detail) VALUES (?, ?, ?, ?, ?)`},
		{&w.proto, `INSERT INTO flow_protocols (flow, ordinal, protocol) VALUES (?, ?, ?)`},
		{&w.port, `INSERT INTO flow_ports (flow, ordinal, port_from, port_to) VALUES (?, ?, ?, ?)`},
		{&w.host, `INSERT INTO hosts (doc, ordinal, section_id, section, name, kind, grp, grp_en, flow_id,
			purpose, line, protocols, ports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.version, `INSERT INTO versions (doc, number, raw, checksum, captured, source_url, etag, last_modified,
			content_type, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.change, `INSERT INTO changes (doc, number, captured, added, removed, changed, summary, diff)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.removed, `INSERT INTO removed_flows (id, doc, removed_in, successor, flow) VALUES (?, ?, ?, ?, ?)`},
	} {
		s, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			w.close()
			return nil, err
		}
		*p.stmt = s
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.doc, w.section, w.flow, w.proto, w.port, w.host, w.version, w.change, w.removed, w.role, w.finding, w.row} {
		if s != nil {
			s.Close()
		}
	}
}

// document writes d and its flows; findings gives the lint findings of
// each flow, with its seq.
func (w *writer) document(ctx context.Context, ordinal int, d data.Document, flows []data.SeqFlow, findings func(seq int, f *data.Flow) []data.Finding) error {
	if err := data.CheckSlug(d.Slug); err != nil {
		return err
	}
	skipped, err := json.Marshal(orEmpty(d.Skipped))
	if err != nil {
		return err
	}
	if _, err := w.doc.ExecContext(ctx, d.Slug, ordinal, d.File, d.Vendor, d.Product, d.Title, d.Language,
		d.SourceLanguage, d.URL, d.Created, d.Updated, d.Subject, d.Checksum, d.Format, string(skipped)); err != nil {
		return err
	}

	for _, s := range d.Sections {
		if _, err := w.section.ExecContext(ctx, d.Slug, s.Slug, s.Title, s.TitleEn, s.Ordinal, s.Line,
			s.Subject, s.Text); err != nil {
			return fmt.Errorf("section %q: %w", s.Slug, err)
		}
	}
	w.table.doc(d.Slug)
	for _, p := range flows {
		// A copy: the caller's documents are not changed.
		f := w.annotate(*p.Flow, findings(p.Seq, p.Flow))
		if err := w.table.add(p.Seq, p.Section.Slug, &f); err != nil {
			return fmt.Errorf("flow %q (line %d): %w", p.Flow.ID, p.Flow.Line, err)
		}
		if err := w.writeFlow(ctx, p.Seq, d.Slug, p.Section.Slug, p.Section.Title, f); err != nil {
			return fmt.Errorf("flow %q (line %d): %w", p.Flow.ID, p.Flow.Line, err)
		}
	}

	for i, h := range d.Hosts {
		protos, err := json.Marshal(nonNil(h.Protocols))
		if err != nil {
			return err
		}
		ports, err := json.Marshal(nonNil(h.Ports))
		if err != nil {
			return err
		}
		if _, err := w.host.ExecContext(ctx, d.Slug, i+1, h.SectionID, h.Section, h.Name, h.Kind, h.Group, h.GroupEn,
			h.FlowID, h.Purpose, h.Line, string(protos), string(ports)); err != nil {
			return fmt.Errorf("host %q (line %d): %w", h.Name, h.Line, err)
		}
	}
	return nil
}

// annotate returns f with what Portolan adds beside it (data.Flow's SourceEn,
// DestinationEn, Roles, and findings as its Findings), computed afresh:
// whatever f carried there is replaced.
func (w *writer) annotate(f data.Flow, findings []data.Finding) data.Flow {
	f.SourceEn = w.roles.Gloss(f.Source)
	f.DestinationEn = w.roles.Gloss(f.Destination)
	f.Roles = w.roles.Flow(f)
	f.Findings = findings
	return f
}

// writeFlow writes flow f with its seq (data.Seqs), the flow's key, of
// section (slug) and title (its title) of document doc.
func (w *writer) writeFlow(ctx context.Context, seq int, doc, section, title string, f data.Flow) error {
	if f.ID == "" {
		return errors.New("empty id")
	}
	portKey := 65536
	for _, r := range f.Ports {
		portKey = min(portKey, r.From)
	}
	if _, err := w.flow.ExecContext(ctx, seq, f.ID, doc, section, f.Ordinal, f.Service, f.Source,
		f.Destination, f.PortsRaw, f.ProtocolRaw, f.AppProtocol, f.Purpose, f.PurposeEn, f.Requirement,
		f.RequirementRaw, f.Direction, f.DirectionRaw, f.DirectionEn, f.Notes, f.NotesEn, f.Line,
		f.LineEnd, portKey, f.SourceEn, f.DestinationEn, extraJSON(f.Extra)); err != nil {
		return err
	}
	w.blob = appendRow(w.blob[:0], doc, section, title, &f)
	if _, err := w.row.ExecContext(ctx, seq, w.blob); err != nil {
		return err
	}
	for i, r := range f.Roles {
		if _, err := w.role.ExecContext(ctx, seq, i+1, r.Side, r.Role, r.Name, r.Guess); err != nil {
			return fmt.Errorf("role %q: %w", r.Role, err)
		}
	}
	for i, x := range f.Findings {
		if _, err := w.finding.ExecContext(ctx, seq, i+1, x.Check, x.Severity, x.Detail); err != nil {
			return fmt.Errorf("finding %q: %w", x.Check, err)
		}
	}
	for i, p := range f.Protocols {
		if _, err := w.proto.ExecContext(ctx, seq, i+1, p); err != nil {
			return fmt.Errorf("protocol %q: %w", p, err)
		}
	}
	if len(f.Ports) > 65535 {
		return fmt.Errorf("%d port ranges, more than 65535", len(f.Ports))
	}
	for i, r := range f.Ports {
		if r.From < 0 || r.From > r.To || r.To > 65535 {
			return fmt.Errorf("bad port range %d-%d", r.From, r.To)
		}
		if _, err := w.port.ExecContext(ctx, seq, i+1, r.From, r.To); err != nil {
			return fmt.Errorf("ports %s: %w", r, err)
		}
	}
	return nil
}

// nonNil turns a nil slice into an empty one, so JSON has [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orEmpty(s []data.Skip) []data.Skip {
	if s == nil {
		return []data.Skip{}
	}
	return s
}

// extraJSON is a flow's extra fields as stored: "" for none, else JSON.
func extraJSON(fs []data.Field) string {
	if len(fs) == 0 {
		return ""
	}
	b, _ := json.Marshal(fs) // a slice of string pairs always marshals
	return string(b)
}
