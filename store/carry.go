package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/portolan/portolan/data"
)

// versionsSchema is the first schema with the versions table (migration
// 0004): every text of every document, with the metadata it is read with.
const versionsSchema = 4

// ErrNothingToCarry is returned (wrapped) by CarryVersions for a database
// from before the versions table.
var ErrNothingToCarry = errors.New("database holds no versions")

// CarryVersions reads every version of every document (texts and metadata,
// documents in their ingested order) from the database at path, whatever
// schema from the versions table on built it: what Open refuses as another
// schema still holds the texts a dataset is rebuilt from, so a new binary
// rebuilds a user's ingested documents, with their history and flow IDs,
// instead of dropping them. The file is only read.
func CarryVersions(ctx context.Context, path string) ([]string, map[string][]data.Version, error) {
	dsn, err := fileDSN(path, "mode=ro")
	if err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("store: %s: %w", path, err)
	}
	defer db.Close()
	var schema int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&schema); err != nil {
		return nil, nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if schema < versionsSchema {
		return nil, nil, fmt.Errorf("store: %s: schema %d: %w", path, schema, ErrNothingToCarry)
	}
	rows, err := db.QueryContext(ctx, `SELECT slug, file, vendor, product, language, source_language, url,
		created, updated, subject FROM documents ORDER BY ordinal`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: %s: documents: %w", path, err)
	}
	var metas []data.Meta
	for rows.Next() {
		var m data.Meta
		if err := rows.Scan(&m.Slug, &m.File, &m.Vendor, &m.Product, &m.Language, &m.SourceLanguage, &m.URL,
			&m.Created, &m.Updated, &m.Subject); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("store: %s: documents: %w", path, err)
		}
		metas = append(metas, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: %s: documents: %w", path, err)
	}
	slugs := make([]string, 0, len(metas))
	vers := make(map[string][]data.Version, len(metas))
	for _, m := range metas {
		vs, err := queryVersions(ctx, db, m.Slug, true)
		if err != nil {
			return nil, nil, fmt.Errorf("store: %s: versions of %q: %w", path, m.Slug, err)
		}
		if len(vs) == 0 {
			continue
		}
		for i := range vs {
			if vs[i].Meta.Slug == "" { // kept without its metadata
				vs[i].Meta = m
			}
		}
		slugs = append(slugs, m.Slug)
		vers[m.Slug] = vs
	}
	return slugs, vers, nil
}
