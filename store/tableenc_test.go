package store

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
)

// The flow table reads back from its encoding exactly as it was built.
func TestFlowTableEncodingRoundTrips(t *testing.T) {
	db := shipped(t)
	if err := db.loadTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	blob, err := db.table.encode()
	if err != nil {
		t.Fatal(err)
	}
	var got flowTable
	if err := got.decode(blob); err != nil {
		t.Fatal(err)
	}
	want := db.table.tableColumns()
	for i, c := range got.tableColumns() {
		if !reflect.DeepEqual(c, want[i]) {
			t.Errorf("column %d: got %v, want %v", i, c, want[i])
		}
	}
	if len(got.Doc) == 0 || len(got.Findings) == 0 {
		t.Errorf("%d rows, %d words of findings: the shipped documents have both", len(got.Doc), len(got.Findings))
	}
	// A blob cut short, or with bytes after the last column, is refused
	// rather than read as a smaller table.
	for _, n := range []int{0, 7, 8, len(blob) / 3, len(blob) / 2, len(blob) - 1} {
		var tt flowTable
		if err := tt.decode(blob[:n]); err == nil {
			t.Errorf("a blob cut to %d of %d bytes decoded", n, len(blob))
		}
	}
	var tt flowTable
	if err := tt.decode(append(blob, 0)); err == nil {
		t.Error("a blob with a byte after its last column decoded")
	}
}

// A listing reads each flow's findings as the flow's own page does: the flow
// table's set of flows with findings (which spares the listing a lookup for
// the others) has every flow that has one, across documents too.
func TestListedFlowsCarryTheirFindings(t *testing.T) {
	db := shipped(t)
	ctx := context.Background()
	flows, _, err := db.Flows(ctx, FlowFilter{})
	if err != nil {
		t.Fatal(err)
	}
	with := 0
	for _, f := range flows {
		one, err := db.Flow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Findings, one.Findings) {
			t.Errorf("%s listed with findings %v, its page has %v", f.ID, f.Findings, one.Findings)
		}
		if len(f.Findings) > 0 {
			with++
		}
	}
	if with == 0 {
		t.Error("no listed flow has findings: the shipped documents have some")
	}
}

// A database whose flow table has another encoding is refused as one of
// another schema, so that it is rebuilt.
func TestOpenRejectsOtherFlowTableFormat(t *testing.T) {
	_, path := open(t, fixture())
	rw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec("UPDATE flow_table SET format = ?", flowTableFormat-1); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	if _, err := Open(context.Background(), path); !errors.Is(err, ErrSchemaVersion) {
		t.Errorf("error = %v, want ErrSchemaVersion", err)
	}
}
