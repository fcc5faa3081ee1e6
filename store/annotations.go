package store

import (
	"context"
	"fmt"

	"github.com/portolan/portolan/data"
)

// RoleCount says how many flows have an endpoint of one role (data/roles),
// guesses included.
type RoleCount struct {
	Role          string `json:"role"`
	Flows         int    `json:"flows"`          // either end
	AsSource      int    `json:"as_source"`      // flows from the role
	AsDestination int    `json:"as_destination"` // flows to the role
	Docs          int    `json:"docs"`           // documents naming it
}

// RoleCounts counts, for every role some endpoint of the dataset has, the flows
// from and to it and the documents naming it, in the order the roles first
// appear in the dataset.
func (db *DB) RoleCounts(ctx context.Context) ([]RoleCount, error) {
	if err := db.loadTable(ctx); err != nil {
		return nil, err
	}
	t := db.table
	out := make([]RoleCount, len(t.Roles))
	docs := make([]map[uint32]bool, len(t.Roles))
	for i := range out {
		out[i].Role = t.Roles[i]
		docs[i] = map[uint32]bool{}
	}
	for row := range t.Doc {
		both := t.SrcRoles[row] | t.DstRoles[row]
		for b := both; b != 0; b &= b - 1 {
			i := bitIndex(b)
			out[i].Flows++
			docs[i][t.Doc[row]] = true
			if t.SrcRoles[row]&(1<<i) != 0 {
				out[i].AsSource++
			}
			if t.DstRoles[row]&(1<<i) != 0 {
				out[i].AsDestination++
			}
		}
	}
	for i := range out {
		out[i].Docs = len(docs[i])
	}
	return out, nil
}

// FindingCount is how many findings of one check a document has.
type FindingCount struct {
	Doc   string `json:"doc"`
	Check string `json:"check"`
	Count int    `json:"count"`
}

// FindingCounts counts the lint findings by document (in ingest order) and
// check.
func (db *DB) FindingCounts(ctx context.Context) ([]FindingCount, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT f.doc, x.check_id, count(*)
		FROM findings x JOIN flows f ON f.seq = x.flow JOIN documents d ON d.slug = f.doc
		GROUP BY f.doc, x.check_id ORDER BY min(d.ordinal), x.check_id`)
	if err != nil {
		return nil, fmt.Errorf("store: finding counts: %w", err)
	}
	defer rows.Close()
	var out []FindingCount
	for rows.Next() {
		var c FindingCount
		if err := rows.Scan(&c.Doc, &c.Check, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FlowsWithFindings returns the flows of a document that have lint findings,
// in document order, with their findings; check, when not "", keeps only the
// flows with a finding of that check.
func (db *DB) FlowsWithFindings(ctx context.Context, doc, check string) ([]data.Flow, error) {
	var out []data.Flow
	err := db.queryFlows(ctx, db.db, `WHERE f.doc = ? AND f.seq IN
		(SELECT flow FROM findings WHERE ? = '' OR check_id = ?) ORDER BY f.seq`,
		[]any{doc, check, check}, func(f data.Flow) error {
			out = append(out, f)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: findings of %q: %w", doc, err)
	}
	return out, nil
}
