// Package migrations holds Portolan's SQLite schema as numbered .sql files
// (0001_init.sql, 0002_....sql), embedded in the binary so a database can be
// built anywhere without files beside it. Package store applies them in order and
// records the last version applied in PRAGMA user_version.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Migration is one schema step: the SQL of file NNNN_name.sql, to run once.
type Migration struct {
	Version int    // NNNN from the file name; 1-based and without gaps
	Name    string // the file name, for error messages
	SQL     string
}

// All returns every migration in version order. The files are compiled into the
// binary, so a misnamed file is a programming error caught by this package's
// tests; All panics on one rather than making every caller handle it.
func All() []Migration {
	ms, err := load(files)
	if err != nil {
		panic(err)
	}
	return ms
}

// Latest is the version of the last migration: the schema version a database
// must have to be read by this binary.
func Latest() int {
	ms := All()
	return ms[len(ms)-1].Version
}

func load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migrations: %s: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s: expected version %d (versions start at 1 without gaps or duplicates)", m.Name, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("migrations: no .sql files")
	}
	return ms, nil
}
