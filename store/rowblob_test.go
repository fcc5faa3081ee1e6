package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// A listing reads each flow from its row blob: every field, protocols,
// ports, roles and findings are what the flow's own page reads from the
// flows' tables, for every flow of the shipped documents (Japanese text,
// extra columns, guessed roles and lint findings among them) and of the
// fixture.
func TestListedFlowsAreTheFlowsAsStored(t *testing.T) {
	embedded, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	withExtra := fixture()
	withExtra[0].Sections[0].Flows[0].Extra = []data.Field{{Name: "備考", Value: "要確認"}, {Name: "Zone", Value: ""}}
	var extra, roles, findings int
	for _, docs := range [][]data.Document{embedded, withExtra} {
		db, _ := open(t, docs)
		listed, total, err := db.Flows(ctx, FlowFilter{Sort: "port"}) // not every flow in order: rows by blob
		if err != nil {
			t.Fatal(err)
		}
		if total == 0 || len(listed) != total {
			t.Fatalf("%d flows listed of %d", len(listed), total)
		}
		for _, f := range listed {
			one, err := db.Flow(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f, one) {
				t.Errorf("flow %s listed as\n%+v\nstored as\n%+v", f.ID, f, one)
			}
			extra += len(f.Extra)
			roles += len(f.Roles)
			findings += len(f.Findings)
		}
	}
	if extra == 0 || roles == 0 || findings == 0 {
		t.Errorf("%d extra fields, %d roles, %d findings: the test checks none of some", extra, roles, findings)
	}
}

// A row blob that is cut short or has bytes to spare is refused, not read
// as some other flow.
func TestBadRowBlobIsRefused(t *testing.T) {
	f := data.Flow{ID: "x", Protocols: []string{"TCP"}, Extra: []data.Field{{Name: "n", Value: "v"}},
		Roles: []data.EndpointRole{{Side: "source", Role: "dns", Name: "DNS", Guess: true}}, Line: 3, LineEnd: 4, Ordinal: 1}
	b := string(appendRow(nil, "doc", "sec", "Section", &f))
	got, err := decodeRow(b)
	if err != nil || got.ID != "x" || got.Doc != "doc" || got.Section != "Section" || got.SectionID != "sec" ||
		!reflect.DeepEqual(got.Roles, f.Roles) || !reflect.DeepEqual(got.Extra, f.Extra) || got.LineEnd != 4 {
		t.Fatalf("decodeRow = %+v, %v", got, err)
	}
	for _, bad := range []string{"", b[:len(b)-1], b + "x", "\x02" + b[1:]} {
		if _, err := decodeRow(bad); err == nil {
			t.Errorf("decodeRow(%q) = nil error", bad)
		}
	}
}
