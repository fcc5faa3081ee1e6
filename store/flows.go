package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// FlowFilter selects flows. Fields left empty do not filter; values within one
// field are ORed and the fields are ANDed.
type FlowFilter struct {
	Docs      []string // document slugs
	Sections  []string // section slugs (Flow.SectionID)
	Protocols []string // "TCP", "udp", ...: a flow matches if its protocols include any, in any case
	// Ports match a flow when any of its ranges overlaps any of these, so 50000
	// matches a flow open on 49152-65535 and 80-90 matches one open on 85.
	Ports       []data.PortRange
	Source      string // case-insensitive substring of Flow.Source
	Destination string // case-insensitive substring of Flow.Destination
	// Text is a case-insensitive substring of the purpose (as written or in
	// English), source, destination, service, notes, application protocol or
	// ports as written.
	Text         string
	Requirements []string // Flow.Requirement values
	Directions   []string // Flow.Direction values
	// IDs, when not nil, restricts the flows to these IDs (search results); an
	// empty, non-nil slice matches nothing.
	IDs []string
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

// Facets counts the flows matching a filter by document, protocol, requirement
// and direction. Documents are in document order; the others by count,
// highest first, then value. Values no matching flow has are left out; flows
// with no requirement or direction count under the value "".
type Facets struct {
	Docs         []FacetCount `json:"docs"`
	Protocols    []FacetCount `json:"protocols"`
	Requirements []FacetCount `json:"requirements"`
	Directions   []FacetCount `json:"directions"`
}

// querier is what a *sql.DB and a *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// flowColumns selects everything a data.Flow holds from flows f and sections s;
// scanFlow reads it. Protocols and ports come back in stored order, joined:
// protocols by U+001F, ranges as "from-to" by commas.
const flowColumns = `f.id, f.doc, s.title, f.section_id, f.service, f.source, f.destination,
	f.ports_raw, f.protocol_raw, f.app_protocol, f.purpose, f.purpose_en, f.requirement,
	f.requirement_raw, f.direction, f.direction_raw, f.direction_en, f.notes, f.notes_en,
	f.line, f.line_end, f.ordinal,
	(SELECT group_concat(p.protocol, char(31) ORDER BY p.ordinal) FROM flow_protocols p WHERE p.flow = f.seq),
	(SELECT group_concat(q.port_from || '-' || q.port_to, ',' ORDER BY q.ordinal) FROM flow_ports q WHERE q.flow = f.seq)`

const flowSections = `JOIN sections s ON s.doc = f.doc AND s.slug = f.section_id`

// scanFlow reads a row of flowColumns, and then any extra columns into extra.
func scanFlow(rows *sql.Rows, extra ...any) (data.Flow, error) {
	var f data.Flow
	var protos, ports sql.NullString
	if err := rows.Scan(append([]any{&f.ID, &f.Doc, &f.Section, &f.SectionID, &f.Service, &f.Source,
		&f.Destination, &f.PortsRaw, &f.ProtocolRaw, &f.AppProtocol, &f.Purpose, &f.PurposeEn,
		&f.Requirement, &f.RequirementRaw, &f.Direction, &f.DirectionRaw, &f.DirectionEn, &f.Notes,
		&f.NotesEn, &f.Line, &f.LineEnd, &f.Ordinal, &protos, &ports}, extra...)...); err != nil {
		return data.Flow{}, err
	}
	f.URL = "/flows/" + f.ID
	f.Protocols = []string{}
	if protos.Valid {
		f.Protocols = strings.Split(protos.String, "\x1f")
	}
	f.Ports = []data.PortRange{}
	if ports.Valid {
		for _, s := range strings.Split(ports.String, ",") {
			from, to, _ := strings.Cut(s, "-")
			a, err1 := strconv.Atoi(from)
			b, err2 := strconv.Atoi(to)
			if err := errors.Join(err1, err2); err != nil {
				return data.Flow{}, fmt.Errorf("flow %s: ports %q: %w", f.ID, s, err)
			}
			f.Ports = append(f.Ports, data.PortRange{From: a, To: b})
		}
	}
	return f, nil
}

// where turns the filter into an SQL condition on flows f and its arguments.
// User input only ever reaches SQL as arguments.
func (ff FlowFilter) where() (string, []any, error) {
	var conds []string
	var args []any
	in := func(col string, vals []string) {
		c, a := inList(col, vals)
		conds = append(conds, c)
		args = append(args, a...)
	}
	if len(ff.Docs) > 0 {
		in("f.doc", ff.Docs)
	}
	if len(ff.Sections) > 0 {
		in("f.section_id", ff.Sections)
	}
	if len(ff.Protocols) > 0 {
		c, a := inList("p.protocol", ff.Protocols)
		// A check per candidate flow rather than a list of matches: protocols
		// select little (most flows are TCP), so other filters should drive.
		conds = append(conds, "EXISTS (SELECT 1 FROM flow_protocols p WHERE p.flow = f.seq AND "+c+")")
		args = append(args, a...)
	}
	if len(ff.Ports) > 0 {
		// One R*Tree search per range: a range [from, to] overlaps a stored
		// [port_from, port_to] when port_from <= to and port_to >= from.
		var subs []string
		for _, r := range ff.Ports {
			if r.From < 0 || r.From > r.To || r.To > 65535 {
				return "", nil, fmt.Errorf("port range %d-%d: %w", r.From, r.To, ErrInvalidFilter)
			}
			subs = append(subs, `SELECT r.id >> 16 FROM flow_ports_rtree r WHERE r.port_from <= ? AND r.port_to >= ?`)
			args = append(args, r.To, r.From)
		}
		conds = append(conds, "f.seq IN ("+strings.Join(subs, " UNION ALL ")+")")
	}
	if ff.Source != "" {
		conds = append(conds, `f.source LIKE ? ESCAPE '\'`)
		args = append(args, likePattern(ff.Source))
	}
	if ff.Destination != "" {
		conds = append(conds, `f.destination LIKE ? ESCAPE '\'`)
		args = append(args, likePattern(ff.Destination))
	}
	if ff.Text != "" {
		cols := []string{"f.purpose", "f.purpose_en", "f.source", "f.destination", "f.service",
			"f.notes", "f.notes_en", "f.app_protocol", "f.ports_raw"}
		var ors []string
		pat := likePattern(ff.Text)
		for _, c := range cols {
			ors = append(ors, c+` LIKE ? ESCAPE '\'`)
			args = append(args, pat)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if len(ff.Requirements) > 0 {
		in("f.requirement", ff.Requirements)
	}
	if len(ff.Directions) > 0 {
		in("f.direction", ff.Directions)
	}
	if ff.IDs != nil {
		if len(ff.IDs) == 0 {
			conds = append(conds, "0")
		} else {
			in("f.id", ff.IDs)
		}
	}
	if len(conds) == 0 {
		return "1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
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

// order is the ORDER BY clause of ff.Sort. Both orders follow an index
// (seq is the rowid; port_key's index ends in it).
func (ff FlowFilter) order() (string, error) {
	switch ff.Sort {
	case "", "doc":
		return " ORDER BY f.seq", nil
	case "port":
		return " ORDER BY f.port_key, f.seq", nil
	}
	return "", fmt.Errorf("sort %q: %w", ff.Sort, ErrInvalidFilter)
}

// Flows returns the flows matching ff, one page of them if ff sets Limit or
// Offset, and how many match in all.
func (db *DB) Flows(ctx context.Context, ff FlowFilter) ([]data.Flow, int, error) {
	flows := []data.Flow{}
	total := -1
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		err := eachFlow(ctx, tx, ff, &total, func(f data.Flow) error {
			flows = append(flows, f)
			return nil
		})
		if err != nil || total >= 0 {
			return err
		}
		// No limit, or a page past the end: count separately.
		where, args, err := ff.where()
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM flows f WHERE "+where, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: flows: %w", err)
	}
	return flows, total, nil
}

// EachFlow calls fn with each flow matching ff, in order, reading them one at a
// time rather than building a slice: for exports of any size. It stops at the
// first error fn returns and returns it.
func (db *DB) EachFlow(ctx context.Context, ff FlowFilter, fn func(data.Flow) error) error {
	var fnErr error
	err := eachFlow(ctx, db.db, ff, nil, func(f data.Flow) error {
		if err := fn(f); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: flows: %w", err)
	}
	return nil
}

// eachFlow calls fn with each flow matching ff. If total is not nil and ff has a
// Limit, the same query counts all the matches and sets *total, unless the page
// is empty.
func eachFlow(ctx context.Context, q querier, ff FlowFilter, total *int, fn func(data.Flow) error) error {
	where, args, err := ff.where()
	if err != nil {
		return err
	}
	order, err := ff.order()
	if err != nil {
		return err
	}
	if ff.Limit < 0 || ff.Offset < 0 {
		return fmt.Errorf("limit %d, offset %d: %w", ff.Limit, ff.Offset, ErrInvalidFilter)
	}
	var query string
	var extra []any
	if ff.Limit > 0 {
		// Pick the page's rows first, then read the page: the columns (and the
		// protocol and port subqueries) are computed for Limit rows, not for
		// every match the sort has to see. The window function counts the
		// matches on the way, saving a second search.
		count := "NULL"
		if total != nil {
			count = "count(*) OVER ()"
			extra = []any{total}
		}
		query = `WITH m AS MATERIALIZED (SELECT f.seq, ` + count + ` AS total FROM flows f WHERE ` + where + order + ` LIMIT ? OFFSET ?)
			SELECT ` + flowColumns + `, m.total FROM m JOIN flows f ON f.seq = m.seq ` + flowSections + order
		args = append(args, ff.Limit, ff.Offset)
	} else {
		query = `SELECT ` + flowColumns + ` FROM flows f ` + flowSections + ` WHERE ` + where + order + ` LIMIT -1 OFFSET ?`
		args = append(args, ff.Offset)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var skip sql.RawBytes
		if ff.Limit > 0 && total == nil {
			extra = []any{&skip}
		}
		f, err := scanFlow(rows, extra...)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Flow returns the flow with the given ID, or an error wrapping ErrNotFound.
func (db *DB) Flow(ctx context.Context, id string) (data.Flow, error) {
	var flow data.Flow
	found := false
	err := eachFlow(ctx, db.db, FlowFilter{IDs: []string{id}}, nil, func(f data.Flow) error {
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
	where, args, err := ff.where()
	if err != nil {
		return Facets{}, fmt.Errorf("store: facets: %w", err)
	}
	fc := Facets{}
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			dst *[]FacetCount
			sql string
		}{
			{&fc.Docs, `SELECT f.doc, count(*) FROM flows f JOIN documents d ON d.slug = f.doc
				WHERE ` + where + ` GROUP BY f.doc ORDER BY min(d.ordinal)`},
			{&fc.Protocols, `SELECT p.protocol, count(DISTINCT f.seq) FROM flows f
				JOIN flow_protocols p ON p.flow = f.seq
				WHERE ` + where + ` GROUP BY p.protocol ORDER BY 2 DESC, 1 COLLATE BINARY`},
			{&fc.Requirements, `SELECT f.requirement, count(*) FROM flows f
				WHERE ` + where + ` GROUP BY 1 ORDER BY 2 DESC, 1`},
			{&fc.Directions, `SELECT f.direction, count(*) FROM flows f
				WHERE ` + where + ` GROUP BY 1 ORDER BY 2 DESC, 1`},
		} {
			counts, err := facetCounts(ctx, tx, q.sql, args)
			if err != nil {
				return err
			}
			*q.dst = counts
		}
		return nil
	})
	if err != nil {
		return Facets{}, fmt.Errorf("store: facets: %w", err)
	}
	return fc, nil
}

func facetCounts(ctx context.Context, tx *sql.Tx, query string, args []any) ([]FacetCount, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := []FacetCount{}
	for rows.Next() {
		var c FacetCount
		if err := rows.Scan(&c.Value, &c.Count); err != nil {
			return nil, err
		}
		counts = append(counts, c)
	}
	return counts, rows.Err()
}
