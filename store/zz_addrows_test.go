package store

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/portolan/portolan/data"
)

// Not committed: adds flow_rows to a copy of a schema-6 database.
func TestZZAddFlowRows(t *testing.T) {
	path := os.Getenv("ZZ_ADD_ROWS")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	rd, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	wr, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=MEMORY&_synchronous=OFF")
	if err != nil {
		t.Fatal(err)
	}
	wr.SetMaxOpenConns(1)
	db := &DB{db: rd}
	seq := 0
	var blobs [][]byte
	err = db.allFlows(ctx, 0, func(f data.Flow) error {
		blobs = append(blobs, appendRow(nil, f.Doc, f.SectionID, f.Section, &f))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rd.Close()
	if _, err := wr.Exec(`CREATE TABLE flow_rows (seq INTEGER PRIMARY KEY REFERENCES flows (seq), data BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	tx, err := wr.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare(`INSERT INTO flow_rows (seq, data) VALUES (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		seq++
		if _, err := st.Exec(seq, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows", seq)
}
