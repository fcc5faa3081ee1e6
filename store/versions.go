package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/versions"
)

// timeText writes a capture time as stored: RFC 3339 in UTC, ” for none.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// writeHistory writes a document's versions, the changes between them and
// its removed flows. h ends with the document's own text.
func (w *writer) writeHistory(ctx context.Context, d data.Document, h versions.History) error {
	if len(h.Versions) == 0 || h.Latest().Checksum != d.Checksum {
		return errors.New("its history does not end with its text")
	}
	for i, v := range h.Versions {
		if v.Number != i+1 {
			return fmt.Errorf("version %d numbered %d", i+1, v.Number)
		}
		if i == len(h.Versions)-1 {
			// The document's text (Document reads it from here), the
			// same by its checksum.
			v.Raw = d.Raw
		}
		meta, err := json.Marshal(v.Meta)
		if err != nil {
			return err
		}
		if _, err := w.version.ExecContext(ctx, d.Slug, v.Number, v.Raw, v.Checksum, timeText(v.Captured),
			v.SourceURL, v.ETag, v.LastModified, v.ContentType, string(meta)); err != nil {
			return fmt.Errorf("version %d: %w", v.Number, err)
		}
	}
	for _, c := range h.Diffs {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := w.change.ExecContext(ctx, d.Slug, c.Version, timeText(c.Captured), len(c.Added), len(c.Removed),
			len(c.Changed), c.Summary(), string(b)); err != nil {
			return fmt.Errorf("changes of version %d: %w", c.Version, err)
		}
	}
	for _, g := range h.Gone {
		b, err := json.Marshal(g.Flow)
		if err != nil {
			return err
		}
		if _, err := w.removed.ExecContext(ctx, g.Flow.ID, d.Slug, g.RemovedIn, g.Successor, string(b)); err != nil {
			return fmt.Errorf("removed flow %s: %w", g.Flow.ID, err)
		}
	}
	return nil
}

// History returns everything the database keeps of a document's past, texts
// and metadata included, so that the next database built can carry it on. An unknown slug
// gives an error wrapping ErrNotFound.
func (db *DB) History(ctx context.Context, slug string) (versions.History, error) {
	var h versions.History
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		vs, err := queryVersions(ctx, tx, slug, true)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrNotFound
		}
		h.Versions = vs
		rows, err := tx.QueryContext(ctx, `SELECT diff FROM changes WHERE doc = ? ORDER BY number`, slug)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b string
			var d versions.Diff
			if err := rows.Scan(&b); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(b), &d); err != nil {
				return err
			}
			h.Diffs = append(h.Diffs, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		h.Gone, err = queryGone(ctx, tx, `WHERE doc = ? ORDER BY removed_in, id`, slug)
		return err
	})
	if err != nil {
		return versions.History{}, fmt.Errorf("store: history of %q: %w", slug, err)
	}
	return h, nil
}

// Versions returns a document's versions, oldest first, without their texts.
// An unknown slug gives an error wrapping ErrNotFound.
func (db *DB) Versions(ctx context.Context, slug string) ([]data.Version, error) {
	vs, err := queryVersions(ctx, db.db, slug, false)
	if err == nil && len(vs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: versions of %q: %w", slug, err)
	}
	return vs, nil
}

func queryVersions(ctx context.Context, q querier, slug string, withRaw bool) ([]data.Version, error) {
	raw := "'', '{}'"
	if withRaw {
		raw = "raw, meta"
	}
	rows, err := q.QueryContext(ctx, `SELECT number, `+raw+`, checksum, captured, source_url, etag, last_modified,
		content_type FROM versions WHERE doc = ? ORDER BY number`, slug)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []data.Version
	for rows.Next() {
		v := data.Version{Doc: slug}
		var captured, meta string
		if err := rows.Scan(&v.Number, &v.Raw, &meta, &v.Checksum, &captured, &v.SourceURL, &v.ETag, &v.LastModified,
			&v.ContentType); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(meta), &v.Meta); err != nil {
			return nil, fmt.Errorf("version %d: metadata: %w", v.Number, err)
		}
		v.Captured = parseTime(captured)
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// ChangeSummary is one version of a document that changed flows, for listings
// and feeds: which, when, and how much.
type ChangeSummary struct {
	Doc      string    `json:"doc"`
	Version  int       `json:"version"`
	Captured time.Time `json:"captured"`
	Added    int       `json:"added"`
	Removed  int       `json:"removed"`
	Changed  int       `json:"changed"`
	Summary  string    `json:"summary"`
}

// ChangeFilter selects changes; empty fields do not filter.
type ChangeFilter struct {
	Doc   string    // a document slug
	Since time.Time // captured at or after
	Limit int       // at most this many, newest first; 0 for all
}

// Changes lists the versions that changed a document, newest first (by
// capture time, then document and version).
func (db *DB) Changes(ctx context.Context, cf ChangeFilter) ([]ChangeSummary, error) {
	where, args := "WHERE 1", []any{}
	if cf.Doc != "" {
		where += " AND doc = ?"
		args = append(args, cf.Doc)
	}
	if !cf.Since.IsZero() {
		where += " AND captured >= ?"
		args = append(args, timeText(cf.Since))
	}
	limit := ""
	if cf.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", cf.Limit)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT doc, number, captured, added, removed, changed, summary FROM changes `+
		where+` ORDER BY captured DESC, doc, number DESC`+limit, args...)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	defer rows.Close()
	var out []ChangeSummary
	for rows.Next() {
		var c ChangeSummary
		var captured string
		if err := rows.Scan(&c.Doc, &c.Version, &captured, &c.Added, &c.Removed, &c.Changed, &c.Summary); err != nil {
			return nil, fmt.Errorf("store: changes: %w", err)
		}
		c.Captured = parseTime(captured)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	return out, nil
}

// Change returns what changed in a document from version number-1 to number.
// A document or version that does not exist, or version 1, gives an error
// wrapping ErrNotFound.
func (db *DB) Change(ctx context.Context, slug string, number int) (versions.Diff, error) {
	var b string
	err := db.db.QueryRowContext(ctx, `SELECT diff FROM changes WHERE doc = ? AND number = ?`, slug, number).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	var d versions.Diff
	if err == nil {
		err = json.Unmarshal([]byte(b), &d)
	}
	if err != nil {
		return versions.Diff{}, fmt.Errorf("store: changes of %q version %d: %w", slug, number, err)
	}
	return d, nil
}

// RemovedFlow returns a flow that a version of its document removed: what it
// was, the version that removed it and its successor in the latest version.
// An ID never given, or given to a flow the latest version has, gives an
// error wrapping ErrNotFound.
func (db *DB) RemovedFlow(ctx context.Context, id string) (versions.Gone, error) {
	gs, err := queryGone(ctx, db.db, `WHERE id = ?`, id)
	if err == nil && len(gs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return versions.Gone{}, fmt.Errorf("store: removed flow %q: %w", id, err)
	}
	return gs[0], nil
}

func queryGone(ctx context.Context, q querier, where string, args ...any) ([]versions.Gone, error) {
	rows, err := q.QueryContext(ctx, `SELECT removed_in, successor, flow FROM removed_flows `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var gs []versions.Gone
	for rows.Next() {
		var g versions.Gone
		var b string
		if err := rows.Scan(&g.RemovedIn, &g.Successor, &b); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(b), &g.Flow); err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}
