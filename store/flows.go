package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
)

// FlowFilter selects flows. Fields left empty do not filter; values within one
// field are ORed and the fields are ANDed.
type FlowFilter struct {
	// Filter is what the user asked for, as every page and the search
	// syntax read it (see data/filter): documents, sections, protocols,
	// ports, sources and destinations (whole words), requirements and
	// directions, values included and excluded.
	Filter filter.Filter
	// Text is a case-insensitive substring of the purpose (as written or in
	// English), source, destination, service, notes, application protocol or
	// ports as written.
	Text string
	// IDs, when not nil, restricts the flows to these IDs; an empty, non-nil
	// slice matches nothing.
	IDs []string
	// Seqs, when not nil, restricts the flows to these (Flow seq: the flow's
	// 1-based position in the dataset, data.Seqs, as search.MatchSet gives it), each at
	// most once. With Scores beside them (the same length), the flows come
	// best score first, ties in dataset order, unless Sort is "port".
	Seqs   []int32
	Scores []float64
	// Sort is "" or "doc" for document order (documents in ingest order, then
	// each flow's ordinal) or "port" for the lowest port first, flows without
	// ports last, ties in document order.
	Sort string
	// Limit caps the number of flows returned (0: no limit), after skipping
	// Offset of them.
	Limit, Offset int
}

// FacetCount is how many of the matching flows have one value of a field.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets counts the flows matching a filter by document, section, protocol,
// requirement, direction, source and destination. Documents are in document
// order; the others by count, highest first, then value. Values no matching
// flow has are left out; flows with no requirement or direction count under
// the value "". Sources and destinations are the few with the most flows.
type Facets struct {
	Docs         []FacetCount `json:"docs"`
	Sections     []FacetCount `json:"sections"`
	Protocols    []FacetCount `json:"protocols"`
	Requirements []FacetCount `json:"requirements"`
	Directions   []FacetCount `json:"directions"`
	Sources      []FacetCount `json:"sources"`
	Destinations []FacetCount `json:"destinations"`
}

// querier is what a *sql.DB and a *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// flowColumns selects the fields of a data.Flow that flows f and sections s
// hold, and f.seq; scanFlow reads them. A flow's protocols, ports, roles and
// findings are read after, for all the rows of a query at once (children):
// correlated subqueries per row cost more than the rows themselves, the
// findings' most (their primary key's b-tree holds whole rows, long
// explanations spilling onto overflow pages that every probe through it
// reads).
const flowColumns = `f.id, f.doc, s.title, f.section_id, f.service, f.source, f.destination,
	f.ports_raw, f.protocol_raw, f.app_protocol, f.purpose, f.purpose_en, f.requirement,
	f.requirement_raw, f.direction, f.direction_raw, f.direction_en, f.notes, f.notes_en,
	f.line, f.line_end, f.ordinal, f.extra, f.source_en, f.destination_en, f.seq`

const flowSections = `JOIN sections s ON s.doc = f.doc AND s.slug = f.section_id`

// scanFlow reads a row of flowColumns: the flow, without its protocols,
// ports, roles and findings (children), and its seq.
func scanFlow(rows *sql.Rows) (data.Flow, int, error) {
	var f data.Flow
	var fields string
	var seq int
	if err := rows.Scan(&f.ID, &f.Doc, &f.Section, &f.SectionID, &f.Service, &f.Source,
		&f.Destination, &f.PortsRaw, &f.ProtocolRaw, &f.AppProtocol, &f.Purpose, &f.PurposeEn,
		&f.Requirement, &f.RequirementRaw, &f.Direction, &f.DirectionRaw, &f.DirectionEn, &f.Notes,
		&f.NotesEn, &f.Line, &f.LineEnd, &f.Ordinal, &fields, &f.SourceEn, &f.DestinationEn, &seq); err != nil {
		return data.Flow{}, 0, err
	}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &f.Extra); err != nil {
			return data.Flow{}, 0, fmt.Errorf("flow %s: extra: %w", f.ID, err)
		}
	}
	f.URL = data.FlowURL(f.ID)
	f.Protocols = []string{}
	f.Ports = []data.PortRange{}
	return f, seq, nil
}

// seqList is seqs as a JSON array, for "IN (SELECT value FROM json_each(?))".
func seqList(seqs []int) string {
	b := make([]byte, 0, 8*len(seqs)+2)
	b = append(b, '[')
	for k, seq := range seqs {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(seq), 10)
	}
	return string(append(b, ']'))
}

// children reads the protocols, ports, roles and findings of flows, whose
// seqs are seqs (parallel), with one query each for all of them. (A listing's
// page reads its flows whole from flow_rows instead: rowsAt.)
func (db *DB) children(ctx context.Context, q querier, flows []data.Flow, seqs []int) error {
	if len(flows) == 0 {
		return nil
	}
	at := make(map[int]int, len(seqs))
	for k, seq := range seqs {
		at[seq] = k
	}
	// each scans query's rows, a flow's seq and then dest, and calls add
	// with the flow of each.
	each := func(query, list string, dest []any, add func(f *data.Flow)) error {
		rows, err := q.QueryContext(ctx, query, list)
		if err != nil {
			return err
		}
		defer rows.Close()
		var seq int
		dest = append([]any{&seq}, dest...)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			k, ok := at[seq]
			if !ok {
				return fmt.Errorf("flow seq %d: not asked for", seq)
			}
			add(&flows[k])
		}
		return rows.Err()
	}
	list := seqList(seqs)
	var proto string
	if err := each(`SELECT flow, protocol FROM flow_protocols WHERE flow IN (SELECT value FROM json_each(?))
		ORDER BY flow, ordinal`, list, []any{&proto},
		func(f *data.Flow) { f.Protocols = append(f.Protocols, proto) }); err != nil {
		return fmt.Errorf("protocols: %w", err)
	}
	var pr data.PortRange
	if err := each(`SELECT flow, port_from, port_to FROM flow_ports WHERE flow IN (SELECT value FROM json_each(?))
		ORDER BY flow, ordinal`, list, []any{&pr.From, &pr.To},
		func(f *data.Flow) { f.Ports = append(f.Ports, pr) }); err != nil {
		return fmt.Errorf("ports: %w", err)
	}
	var role data.EndpointRole
	if err := each(`SELECT flow, side, role, name, guess FROM flow_roles WHERE flow IN (SELECT value FROM json_each(?))
		ORDER BY flow, ordinal`, list, []any{&role.Side, &role.Role, &role.Name, &role.Guess},
		func(f *data.Flow) { f.Roles = append(f.Roles, role) }); err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	return db.findingsOf(ctx, q, flows, seqs, nil)
}

// findingsOf reads the findings of flows, whose seqs are seqs (parallel);
// with the flow table t, only of those it says have some.
func (db *DB) findingsOf(ctx context.Context, q querier, flows []data.Flow, seqs []int, t *flowTable) error {
	// Only the flows that have findings are looked up: a probe into the
	// findings' primary key is dear (see flowColumns), and most flows have
	// none. The flow table knows which.
	var has seqSet
	if t != nil {
		has = t.Findings
	} else {
		var err error
		if has, err = db.flowsWithFindings(ctx, q); err != nil {
			return fmt.Errorf("findings: %w", err)
		}
	}
	var with []int
	for _, seq := range seqs {
		if has.has(seq) {
			with = append(with, seq)
		}
	}
	if len(with) == 0 {
		return nil
	}
	at := make(map[int]int, len(seqs))
	for k, seq := range seqs {
		at[seq] = k
	}
	rows, err := q.QueryContext(ctx, `SELECT flow, check_id, severity, detail FROM findings
		WHERE flow IN (SELECT value FROM json_each(?)) ORDER BY flow, ordinal`, seqList(with))
	if err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	defer rows.Close()
	var seq int
	var fd data.Finding
	for rows.Next() {
		if err := rows.Scan(&seq, &fd.Check, &fd.Severity, &fd.Detail); err != nil {
			return fmt.Errorf("findings: %w", err)
		}
		k, ok := at[seq]
		if !ok {
			return fmt.Errorf("findings: flow seq %d: not asked for", seq)
		}
		flows[k].Findings = append(flows[k].Findings, fd)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	return nil
}

// seqSet is a set of flow seqs, a bit each.
type seqSet []uint64

func (s seqSet) has(seq int) bool {
	return seq >= 0 && seq/64 < len(s) && s[seq/64]&(1<<(seq%64)) != 0
}

// flowsWithFindings is the set of the flows that have a finding, read on
// first use from the findings' check index, which is small.
func (db *DB) flowsWithFindings(ctx context.Context, q querier) (seqSet, error) {
	db.findingsOnce.Do(func() {
		db.findings, db.findingsErr = func() (seqSet, error) {
			rows, err := q.QueryContext(context.WithoutCancel(ctx), `SELECT flow FROM findings INDEXED BY findings_check`)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var s seqSet
			for rows.Next() {
				var seq int
				if err := rows.Scan(&seq); err != nil {
					return nil, err
				}
				if seq < 0 {
					return nil, fmt.Errorf("finding of flow seq %d", seq)
				}
				for seq/64 >= len(s) {
					s = append(s, 0)
				}
				s[seq/64] |= 1 << (seq % 64)
			}
			return s, rows.Err()
		}()
	})
	return db.findings, db.findingsErr
}

// textWhere is the SQL condition of ff.Text on flows f and its arguments: the
// substring stand-in for search, used when there is no index. User input only
// ever reaches SQL as arguments.
func (ff FlowFilter) textWhere() (string, []any) {
	cols := []string{"f.purpose", "f.purpose_en", "f.source", "f.destination", "f.service",
		"f.notes", "f.notes_en", "f.app_protocol", "f.ports_raw"}
	var ors []string
	var args []any
	pat := likePattern(ff.Text)
	for _, c := range cols {
		ors = append(ors, c+` LIKE ? ESCAPE '\'`)
		args = append(args, pat)
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// inList is "col IN (?, ...)" for short lists, which the planner can use with an
// index, and a single JSON array argument for long ones, which stays under
// SQLite's limit on the number of arguments.
func inList(col string, vals []string) (string, []any) {
	if len(vals) > 50 {
		b, _ := json.Marshal(vals) // a []string always marshals
		return col + " IN (SELECT value FROM json_each(?))", []any{string(b)}
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (?" + strings.Repeat(", ?", len(vals)-1) + ")", args
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likePattern matches s anywhere, literally. SQLite's LIKE ignores case for
// ASCII letters and compares other characters (Japanese included) exactly.
func likePattern(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// checkPage refuses what no listing can answer: an unknown Sort, a negative
// Limit or Offset, Scores not parallel to Seqs.
func (ff FlowFilter) checkPage() error {
	switch ff.Sort {
	case "", "doc", "port":
	default:
		return fmt.Errorf("sort %q: %w", ff.Sort, ErrInvalidFilter)
	}
	if ff.Limit < 0 || ff.Offset < 0 {
		return fmt.Errorf("limit %d, offset %d: %w", ff.Limit, ff.Offset, ErrInvalidFilter)
	}
	if ff.Scores != nil && len(ff.Scores) != len(ff.Seqs) {
		return fmt.Errorf("%d scores for %d seqs: %w", len(ff.Scores), len(ff.Seqs), ErrInvalidFilter)
	}
	return nil
}

// restrict returns the rows (seq-1) ff's Seqs, IDs and Text allow, in Seqs'
// order with their scores when ff has Scores, or nil when ff restricts none.
func (db *DB) restrict(ctx context.Context, ff FlowFilter) ([]int32, []float64, error) {
	var list []int32
	scores := ff.Scores
	if ff.Seqs != nil {
		list = make([]int32, len(ff.Seqs))
		for k, seq := range ff.Seqs {
			if seq < 1 || int(seq) > len(db.table.Doc) {
				return nil, nil, fmt.Errorf("seq %d of %d flows: %w", seq, len(db.table.Doc), ErrInvalidFilter)
			}
			list[k] = seq - 1
		}
	}
	keep := func(query string, args ...any) error {
		rows, err := db.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		in := map[int32]bool{}
		for rows.Next() {
			var seq int32
			if err := rows.Scan(&seq); err != nil {
				return err
			}
			in[seq-1] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if list == nil {
			list = make([]int32, 0, len(in))
			for i := range in {
				list = append(list, i)
			}
			slices.Sort(list)
			return nil
		}
		out, outScores := list[:0:0], []float64(nil)
		for k, i := range list {
			if in[i] {
				out = append(out, i)
				if scores != nil {
					outScores = append(outScores, scores[k])
				}
			}
		}
		list, scores = out, outScores
		if scores == nil && ff.Scores != nil {
			scores = []float64{}
		}
		return nil
	}
	if ff.IDs != nil && len(ff.IDs) == 0 {
		return []int32{}, []float64{}, nil
	}
	if ff.IDs != nil {
		c, args := inList("id", ff.IDs)
		if err := keep("SELECT seq FROM flows WHERE "+c, args...); err != nil {
			return nil, nil, err
		}
	}
	if ff.Text != "" {
		c, args := ff.textWhere()
		if err := keep("SELECT f.seq FROM flows f WHERE "+c, args...); err != nil {
			return nil, nil, err
		}
	}
	if ports := filter.Ranges(filter.Ports(ff.Filter.In("port"))); list == nil && len(ports) > 0 {
		// Only the rows open on the ports need a look.
		list = db.table.portIndex().rows(ports)
	}
	return list, scores, nil
}

// byPorts is c, and alt, for the rows restrict gave: when the port index
// chose them and no port= value names a protocol, they all pass c's port
// filter, which is dropped rather than checked again row by row.
func (db *DB) byPorts(ff FlowFilter, c, alt *cond) (*cond, *cond) {
	if ff.Seqs != nil || ff.IDs != nil || ff.Text != "" || len(c.ports) == 0 {
		return c, alt
	}
	for _, p := range c.ports {
		if p.hasProto {
			return c, alt
		}
	}
	w := c.withoutPorts()
	if alt == c {
		return w, w
	}
	// alt's port filter is c's (port= is no facet), and never read.
	return w, alt.withoutPorts()
}

// selectRows returns the page of rows ff lists, in order, and how many match.
func (db *DB) selectRows(ctx context.Context, ff FlowFilter) ([]int32, int, error) {
	if err := db.loadTable(ctx); err != nil {
		return nil, 0, err
	}
	if err := ff.checkPage(); err != nil {
		return nil, 0, err
	}
	c, err := db.table.compile(ff)
	if err != nil {
		return nil, 0, err
	}
	list, scores, err := db.restrict(ctx, ff)
	if err != nil {
		return nil, 0, err
	}
	c, _ = db.byPorts(ff, c, c)
	rows, total := db.table.selectRows(c, list, scores, ff.Sort, ff.Limit, ff.Offset)
	return rows, total, nil
}

// Flows returns the flows matching ff, one page of them if ff sets Limit or
// Offset, and how many match in all. With Scores, they come best first.
func (db *DB) Flows(ctx context.Context, ff FlowFilter) ([]data.Flow, int, error) {
	rows, total, err := db.selectRows(ctx, ff)
	if err != nil {
		return nil, 0, fmt.Errorf("store: flows: %w", err)
	}
	flows, err := db.readRows(ctx, rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: flows: %w", err)
	}
	return flows, total, nil
}

// Listing is what a listing page shows, worked out in one pass: the page of
// flows Flows(ff) returns, how many match, and the facet counts
// ToggleFacets(ff, base) returns.
func (db *DB) Listing(ctx context.Context, ff, base FlowFilter) ([]data.Flow, int, Facets, error) {
	if err := db.loadTable(ctx); err != nil {
		return nil, 0, Facets{}, fmt.Errorf("store: listing: %w", err)
	}
	if err := ff.checkPage(); err != nil {
		return nil, 0, Facets{}, fmt.Errorf("store: listing: %w", err)
	}
	c, alt, err := db.facetConds(ff, base)
	if err != nil {
		return nil, 0, Facets{}, fmt.Errorf("store: listing: %w", err)
	}
	list, scores, err := db.restrict(ctx, ff)
	if err != nil {
		return nil, 0, Facets{}, fmt.Errorf("store: listing: %w", err)
	}
	c, alt = db.byPorts(ff, c, alt)
	rows, total, fc := db.table.scan(c, alt, list, scores, ff.Sort, ff.Limit, ff.Offset)
	flows, err := db.readRows(ctx, rows)
	if err != nil {
		return nil, 0, Facets{}, fmt.Errorf("store: listing: %w", err)
	}
	return flows, total, fc, nil
}

// readRows reads the flows of rows, in order.
func (db *DB) readRows(ctx context.Context, rows []int32) ([]data.Flow, error) {
	flows := make([]data.Flow, 0, len(rows))
	err := db.flowsAt(ctx, rows, func(f data.Flow) error {
		flows = append(flows, f)
		return nil
	})
	return flows, err
}

// exportChunk is how many flows EachFlow reads with one query.
const exportChunk = 512

// EachFlow calls fn with each flow matching ff, in order, reading them a chunk
// at a time rather than building a slice: for exports of any size, in memory
// that does not grow with the dataset beyond the list of matching rows (four
// bytes a flow). No database connection is held while fn runs, so a stream
// to a slow client never keeps one from the pages. It stops at the first
// error fn returns and returns it.
func (db *DB) EachFlow(ctx context.Context, ff FlowFilter, fn func(data.Flow) error) error {
	var fnErr error
	call := func(f data.Flow) error {
		if err := fn(f); err != nil {
			fnErr = err
			return err
		}
		return nil
	}
	var err error
	if ff.isAll() {
		err = db.allFlows(ctx, ff.Offset, call)
	} else {
		var rows []int32
		if rows, _, err = db.selectRows(ctx, ff); err == nil {
			for len(rows) > 0 && err == nil {
				n := min(len(rows), exportChunk)
				err = db.flowsAt(ctx, rows[:n], call)
				rows = rows[n:]
			}
		}
	}
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: flows: %w", err)
	}
	return nil
}

// isAll reports whether ff lists every flow in seq order, with no limit.
func (ff FlowFilter) isAll() bool {
	return ff.Filter.IsZero() && ff.Text == "" && ff.IDs == nil && ff.Seqs == nil && ff.Limit == 0 && ff.Offset >= 0 &&
		(ff.Sort == "" || ff.Sort == "doc")
}

// allFlows calls fn with every flow in seq order from the offset-th, a chunk
// at a time (keyset pagination on seq). Each chunk is read whole and its
// connection returned to the pool before fn sees a flow of it: fn may wait
// on a slow client as long as it likes without holding a connection that
// pages need.
func (db *DB) allFlows(ctx context.Context, offset int, fn func(data.Flow) error) error {
	after := 0 // seq of the last flow given to fn
	chunk := make([]data.Flow, 0, exportChunk)
	seqs := make([]int, 0, exportChunk)
	for {
		chunk, seqs = chunk[:0], seqs[:0]
		tail, args := "WHERE f.seq > ? ORDER BY f.seq LIMIT ?", []any{after, exportChunk}
		if offset > 0 {
			tail, args = "ORDER BY f.seq LIMIT ? OFFSET ?", []any{exportChunk, offset}
			offset = 0
		}
		rows, err := db.db.QueryContext(ctx, `SELECT `+flowColumns+` FROM flows f `+flowSections+` `+tail, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			f, seq, err := scanFlow(rows)
			if err != nil {
				rows.Close()
				return err
			}
			chunk, seqs = append(chunk, f), append(seqs, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := db.children(ctx, db.db, chunk, seqs); err != nil {
			return err
		}
		for _, f := range chunk {
			if err := fn(f); err != nil {
				return err
			}
		}
		if len(chunk) < exportChunk {
			return nil
		}
		after = seqs[len(seqs)-1]
	}
}

// queryFlows calls fn with each flow of "SELECT flowColumns FROM flows f JOIN
// sections s ... " + tail, in order, once it has read them all.
func (db *DB) queryFlows(ctx context.Context, q querier, tail string, args []any, fn func(data.Flow) error) error {
	flows, seqs, err := func() ([]data.Flow, []int, error) {
		rows, err := q.QueryContext(ctx, `SELECT `+flowColumns+` FROM flows f `+flowSections+` `+tail, args...)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		var flows []data.Flow
		var seqs []int
		for rows.Next() {
			f, seq, err := scanFlow(rows)
			if err != nil {
				return nil, nil, err
			}
			flows, seqs = append(flows, f), append(seqs, seq)
		}
		return flows, seqs, rows.Err()
	}()
	if err != nil {
		return err
	}
	if err := db.children(ctx, q, flows, seqs); err != nil {
		return err
	}
	for _, f := range flows {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// flowsAt calls fn with the flows of rows (seq-1), in that order.
func (db *DB) flowsAt(ctx context.Context, rows []int32, fn func(data.Flow) error) error {
	if len(rows) == 0 {
		return nil
	}
	got, _, err := db.rowsAt(ctx, rows)
	if err != nil {
		return err
	}
	for _, f := range got {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// Flow returns the flow with the given ID, or an error wrapping ErrNotFound.
func (db *DB) Flow(ctx context.Context, id string) (data.Flow, error) {
	var flow data.Flow
	found := false
	err := db.queryFlows(ctx, db.db, "WHERE f.id = ?", []any{id}, func(f data.Flow) error {
		flow, found = f, true
		return nil
	})
	if err != nil {
		return data.Flow{}, fmt.Errorf("store: flow %q: %w", id, err)
	}
	if !found {
		return data.Flow{}, fmt.Errorf("store: flow %q: %w", id, ErrNotFound)
	}
	return flow, nil
}

// Facets counts the flows matching ff by document, protocol, requirement and
// direction. ff's Sort, Limit and Offset are ignored.
func (db *DB) Facets(ctx context.Context, ff FlowFilter) (Facets, error) {
	return db.ToggleFacets(ctx, ff, ff)
}

// ToggleFacets counts like Facets, but each facet field with its own filter
// taken from base instead of ff: what a listing's facet links need, where
// choosing one document still shows the counts of the others, which add
// them. Only base's facet fields (filter.Field.Facet) count; its others are
// ff's. One pass counts them all.
func (db *DB) ToggleFacets(ctx context.Context, ff, base FlowFilter) (Facets, error) {
	if err := db.loadTable(ctx); err != nil {
		return Facets{}, fmt.Errorf("store: facets: %w", err)
	}
	c, alt, err := db.facetConds(ff, base)
	if err != nil {
		return Facets{}, fmt.Errorf("store: facets: %w", err)
	}
	ff.Scores = nil
	list, _, err := db.restrict(ctx, ff)
	if err != nil {
		return Facets{}, fmt.Errorf("store: facets: %w", err)
	}
	c, alt = db.byPorts(ff, c, alt)
	return db.table.facets(c, alt, list), nil
}

// facetConds compiles ff, and ff with base's facet fields (the same cond
// when they agree).
func (db *DB) facetConds(ff, base FlowFilter) (c, alt *cond, err error) {
	if c, err = db.table.compile(ff); err != nil {
		return nil, nil, err
	}
	alt = c
	var facets, others []string
	for _, fd := range filter.Fields {
		if fd.Facet {
			facets = append(facets, fd.Key)
		} else {
			others = append(others, fd.Key)
		}
	}
	b := ff
	b.Filter = base.Filter.Without(others...).Merge(ff.Filter.Without(facets...))
	if b.Filter.Encode() != ff.Filter.Encode() {
		if alt, err = db.table.compile(b); err != nil {
			return nil, nil, err
		}
	}
	return c, alt, nil
}
