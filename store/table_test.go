package store

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/filter"
)

// A text search's matches come as seqs with scores: the store lists them best
// first (ties in dataset order), keeps only those the other filters allow,
// pages them, and orders them by port when asked.
func TestSeqsWithScoresAreListedBestFirstAndFiltered(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	all, _, err := db.Flows(ctx, FlowFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func(id string) int32 {
		return int32(slices.IndexFunc(all, func(f data.Flow) bool { return f.ID == id }) + 1)
	}
	// b2 and a1 tie; b1 is best; a2 worst.
	seqs := []int32{seq("a2"), seq("b2"), seq("a1"), seq("b1")}
	scores := []float64{0.1, 0.5, 0.5, 0.9}
	for _, tc := range []struct {
		name string
		ff   FlowFilter
		want []string
	}{
		{"rank order, ties by seq", FlowFilter{}, []string{"b1", "a1", "b2", "a2"}},
		{"other filters keep the rank", FlowFilter{Filter: where("proto=udp")}, []string{"b1", "a1", "b2"}},
		{"a port filter", FlowFilter{Filter: where("port=50000")}, []string{"b2", "a2"}},
		{"a page of the ranking", FlowFilter{Limit: 2, Offset: 1}, []string{"a1", "b2"}},
		{"port order wins over rank", FlowFilter{Sort: "port"}, ids(mustFlows(t, db, FlowFilter{IDs: []string{"a1", "a2", "b1", "b2"}, Sort: "port"}))},
	} {
		ff := tc.ff
		ff.Seqs, ff.Scores = seqs, scores
		flows, total, err := db.Flows(ctx, ff)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ids(flows); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if ff.Limit == 0 && total != len(tc.want) {
			t.Errorf("%s: total %d, want %d", tc.name, total, len(tc.want))
		}
	}
	// Seqs without scores restrict, in dataset order.
	flows, _, err := db.Flows(ctx, FlowFilter{Seqs: []int32{seq("b1"), seq("a2")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(flows); !slices.Equal(got, []string{"a2", "b1"}) {
		t.Errorf("seqs without scores: %v", got)
	}
	for _, bad := range []FlowFilter{
		{Seqs: []int32{0}},
		{Seqs: []int32{int32(len(all) + 1)}},
		{Seqs: []int32{1, 2}, Scores: []float64{1}},
	} {
		if _, _, err := db.Flows(ctx, bad); err == nil {
			t.Errorf("Flows(%+v) = nil error, want ErrInvalidFilter", bad)
		}
	}
}

func mustFlows(t *testing.T, db *DB, ff FlowFilter) []data.Flow {
	t.Helper()
	flows, _, err := db.Flows(context.Background(), ff)
	if err != nil {
		t.Fatal(err)
	}
	return flows
}

// ToggleFacets counts in one pass what a facet column needs: each field with
// the listing's filters except its own, which comes from base. It must agree
// with counting each field separately.
func TestToggleFacetsAgreesWithCountingEachFieldApart(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	for _, tc := range []struct{ ff, base FlowFilter }{
		{FlowFilter{Filter: where("doc=beta")}, FlowFilter{}},
		{FlowFilter{Filter: where("proto=udp&req=required")}, FlowFilter{}},
		{FlowFilter{Filter: where("doc=alpha&dir=outbound&port=1-1000")}, FlowFilter{}},
		{FlowFilter{Filter: where("proto=tcp,udp")}, FlowFilter{Filter: where("proto=udp")}},
		{FlowFilter{Filter: where("proto=sctp")}, FlowFilter{}}, // no such protocol
		{FlowFilter{Filter: where("src=エージェント&doc=alpha,beta")}, FlowFilter{}},
	} {
		got, err := db.ToggleFacets(ctx, tc.ff, tc.base)
		if err != nil {
			t.Fatal(err)
		}
		apart := func(set func(*FlowFilter)) Facets {
			ff := tc.ff
			set(&ff)
			fc, err := db.Facets(ctx, ff)
			if err != nil {
				t.Fatal(err)
			}
			return fc
		}
		want := Facets{}
		for _, fd := range filter.Fields {
			if !fd.Facet {
				continue
			}
			fc := apart(func(f *FlowFilter) {
				f.Filter = f.Filter.Without(fd.Key).Merge(tc.base.Filter.Without(others(fd.Key)...))
			})
			switch fd.Key {
			case "doc":
				want.Docs = fc.Docs
			case "section":
				want.Sections = fc.Sections
			case "proto":
				want.Protocols = fc.Protocols
			case "req":
				want.Requirements = fc.Requirements
			case "dir":
				want.Directions = fc.Directions
			case "src":
				want.Sources = fc.Sources
			case "dst":
				want.Destinations = fc.Destinations
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ToggleFacets(%+v, %+v)\n got %+v\nwant %+v", tc.ff, tc.base, got, want)
		}
	}
}

func TestCommonPortsRankByDocumentsThenFlows(t *testing.T) {
	db, _ := open(t, fixture())
	got, err := db.CommonPorts(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no common ports")
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if len(a.Docs) < len(b.Docs) || (len(a.Docs) == len(b.Docs) && a.Flows < b.Flows) {
			t.Errorf("%v before %v", a, b)
		}
	}
	// Every single port of every flow is counted once per flow.
	count := map[int]int{}
	for _, f := range mustFlows(t, db, FlowFilter{}) {
		for _, r := range f.Ports {
			if r.From == r.To {
				count[r.From]++
			}
		}
	}
	if len(count) != len(got) {
		t.Errorf("%d ports, want %d", len(got), len(count))
	}
	for _, u := range got {
		if count[u.Port] != u.Flows {
			t.Errorf("port %d: %d flows, want %d", u.Port, u.Flows, count[u.Port])
		}
	}
	if two, _ := db.CommonPorts(context.Background(), 2); len(two) != min(2, len(got)) {
		t.Errorf("CommonPorts(2) gave %d", len(two))
	}
}

// The port index lists exactly the rows a scan of every row finds.
func TestPortIndexFindsWhatAScanFinds(t *testing.T) {
	embedded, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	// synthetic: many rows on each of a few wide ranges, and short ranges.
	for _, docs := range [][]data.Document{embedded, synthetic(4000)} {
		db, _ := open(t, docs)
		if err := db.loadTable(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkPortIndex(t, db)
	}
}

func checkPortIndex(t *testing.T, db *DB) {
	t.Helper()
	ix := db.table.buildPortIndex()
	for _, want := range [][]data.PortRange{
		ports(pr(443, 443)), ports(pr(50000, 50000)), ports(pr(0, 65535)), ports(pr(80, 90)),
		ports(pr(1, 1)), ports(pr(65535, 65535)), ports(pr(135, 135), pr(49152, 49160)), ports(pr(3000, 3999)),
		ports(pr(49152, 49152), pr(443, 443)), ports(pr(1024, 30000)), ports(pr(20000, 20000), pr(20000, 20050)),
		ports(pr(22, 22), pr(88, 88), pr(60000, 60000)),
	} {
		var scan []int32
		var conds []portCond
		for _, r := range want {
			conds = append(conds, portCond{from: r.From, to: r.To})
		}
		for i := range db.table.Doc {
			if db.table.portsMatch(i, conds) {
				scan = append(scan, int32(i))
			}
		}
		if scan == nil {
			scan = []int32{}
		}
		if got := ix.rows(want); !slices.Equal(got, scan) || got == nil {
			t.Errorf("%v: index finds %d rows, a scan %d", want, len(got), len(scan))
		}
	}
}

// others are the keys of every field but key.
func others(key string) []string {
	var out []string
	for _, fd := range filter.Fields {
		if fd.Key != key {
			out = append(out, fd.Key)
		}
	}
	return out
}

// A search matching many flows pages them as one sort of them all would,
// however they come (best last, best first, shuffled), ties in seq order.
func TestManyRankedMatchesPageAsOneSort(t *testing.T) {
	db, _ := open(t, synthetic(3000))
	ctx := context.Background()
	n := 3000
	var seqs []int32
	var scores []float64
	for k := range n {
		seqs = append(seqs, int32(k+1))
		scores = append(scores, float64((k*7919)%101)) // many ties
	}
	// The whole ranking, from a plain sort of (score desc, seq asc).
	order := slices.Clone(seqs)
	slices.SortFunc(order, func(a, b int32) int {
		if d := scores[b-1] - scores[a-1]; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return int(a - b)
	})
	all := mustFlows(t, db, FlowFilter{})
	for _, arrange := range []string{"seq order", "reversed", "best first"} {
		s, sc := slices.Clone(seqs), slices.Clone(scores)
		switch arrange {
		case "reversed":
			slices.Reverse(s)
			slices.Reverse(sc)
		case "best first":
			s = slices.Clone(order)
			for k, q := range s {
				sc[k] = scores[q-1]
			}
		}
		for _, pg := range [][2]int{{50, 0}, {50, 200}, {100, 2950}, {0, 0}, {10, 2995}} {
			flows, total, err := db.Flows(ctx, FlowFilter{Seqs: s, Scores: sc, Limit: pg[0], Offset: pg[1]})
			if err != nil {
				t.Fatal(err)
			}
			end := len(order)
			if pg[0] > 0 {
				end = min(end, pg[1]+pg[0])
			}
			var want []string
			for _, q := range order[min(pg[1], end):end] {
				want = append(want, all[q-1].ID)
			}
			if got := ids(flows); total != n || !slices.Equal(got, want) {
				t.Errorf("%s, limit %d offset %d: %d flows of %d, want %d of %d", arrange, pg[0], pg[1], len(got), total, len(want), n)
			}
		}
	}
}

// A port listing, whose rows the port index gives, pages and counts as the
// same filter checked row by row does.
func TestPortListingsAsARowByRowScan(t *testing.T) {
	db, _ := open(t, synthetic(4000))
	ctx := context.Background()
	if err := db.loadTable(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"port=50000", "port=49152-49160", "port=443", "port=22&port=60000",
		"port=50000&proto=udp", "port=443/udp", "port=1-65535", "port=7"} {
		for _, pg := range [][2]int{{50, 0}, {50, 100}, {0, 0}} {
			ff := FlowFilter{Filter: where(q), Limit: pg[0], Offset: pg[1]}
			base := FlowFilter{Filter: where(q).Without("proto")}
			flows, total, fc, err := db.Listing(ctx, ff, base)
			if err != nil {
				t.Fatal(q, pg, err)
			}
			c, alt, err := db.facetConds(ff, base)
			if err != nil {
				t.Fatal(err)
			}
			rows, wantTotal, wantFc := db.table.scan(c, alt, nil, nil, "", pg[0], pg[1])
			if !slices.Equal(rowsOf(t, db, flows), rows) || total != wantTotal || !reflect.DeepEqual(fc, wantFc) {
				t.Errorf("%s %v: %d rows of %d, want %d of %d; facets equal: %v", q, pg, len(flows), total, len(rows), wantTotal, reflect.DeepEqual(fc, wantFc))
			}
		}
	}
}

// rowsOf is the rows (seq-1) of flows, by ID.
func rowsOf(t *testing.T, db *DB, flows []data.Flow) []int32 {
	t.Helper()
	all := mustFlows(t, db, FlowFilter{})
	out := []int32{}
	for _, f := range flows {
		out = append(out, int32(slices.IndexFunc(all, func(g data.Flow) bool { return g.ID == f.ID })))
	}
	return out
}

// Facets count the same from the packed rows (facetRows) as from the
// table's columns.
// Listings counted and judged from packed rows (facetRows) page, total
// and count as from the table's columns: plain listings, searches, and
// filters of facet fields beside a port or alone, with their toggles.
func TestListingsFromPackedRowsAsFromColumns(t *testing.T) {
	db, _ := open(t, synthetic(3000))
	ctx := context.Background()
	seqs := []int32{}
	scores := []float64{}
	for s := int32(1); s <= 3000; s += 3 {
		seqs, scores = append(seqs, s), append(scores, float64(s%17))
	}
	filters := []string{"", "port=50000", "proto=udp&doc=doc03", "proto=tcp&port=50000", "proto=udp&port=49152-50000",
		"port=443&-proto=udp", "req=required&port=50000", "dir=outbound&port=50000", "src=Client 3&port=443",
		"dst=Server 7,Server 9", "-dst=Server 7&proto=udp", "section=s03&port=1-65535", "doc=doc01,doc04&-section=s02",
		"proto=udp", "proto=sctp&port=443", "port=443/udp&proto=tcp", "role=dns-server&port=53"}
	type listing struct {
		Rows  []string
		Total int
		Facets
	}
	listings := func() []listing {
		var out []listing
		for _, q := range filters {
			for _, ff := range []FlowFilter{
				{Filter: where(q), Limit: 50}, {Filter: where(q), Limit: 50, Offset: 100}, {Filter: where(q)},
				{Filter: where(q), Seqs: seqs, Scores: scores, Limit: 20},
				{Filter: where(q), Sort: "port", Limit: 50}, {Filter: where(q), Seqs: seqs, Scores: scores, Sort: "port", Limit: 20},
			} {
				for _, base := range []FlowFilter{ff, {Filter: ff.Filter.Without("proto", "doc", "src"), Seqs: ff.Seqs}} {
					flows, total, fc, err := db.Listing(ctx, ff, base)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, listing{ids(flows), total, fc})
				}
				// Without facets.
				flows, total, err := db.Flows(ctx, ff)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, listing{Rows: ids(flows), Total: total})
			}
		}
		return out
	}
	packed := listings()
	if db.table.facetRows() == nil {
		t.Fatal("synthetic rows do not pack")
	}
	db.table.packed = nil
	columns := listings()
	for k := range packed {
		if !reflect.DeepEqual(packed[k], columns[k]) {
			t.Errorf("%s (listing %d): packed rows list\n%+v\ncolumns\n%+v", filters[k/18], k%18, packed[k], columns[k])
		}
	}
}

// A search matching many flows counts its facets on two processors as on
// one.
func TestFacetsOfManyMatchesCountedInPartsAsWhole(t *testing.T) {
	db, _ := open(t, synthetic(3000))
	ctx := context.Background()
	var seqs []int32
	var scores []float64
	for s := int32(3000); s >= 1; s -= 2 {
		seqs, scores = append(seqs, s), append(scores, float64(s%13))
	}
	ff := FlowFilter{Seqs: seqs, Scores: scores, Limit: 50}
	listing := func() (int, Facets) {
		_, total, fc, err := db.Listing(ctx, ff, ff)
		if err != nil {
			t.Fatal(err)
		}
		return total, fc
	}
	defer func(n int) { parallelCount = n }(parallelCount)
	parallelCount = 1 << 30
	wantTotal, want := listing()
	parallelCount = 1
	if total, got := listing(); total != wantTotal || !reflect.DeepEqual(got, want) {
		t.Errorf("counted in parts: %d flows, facets\n%+v\nwhole: %d, %+v", total, got, wantTotal, want)
	}
	if want.Sources == nil || len(want.Docs) == 0 {
		t.Errorf("nothing counted: %+v", want)
	}
}

// Matches listed by port come in the order of the whole listing by port,
// whatever order the search gave them in.
func TestMatchesByPortInTheListingsPortOrder(t *testing.T) {
	db, _ := open(t, synthetic(3000))
	ctx := context.Background()
	all, _, err := db.Flows(ctx, FlowFilter{Sort: "port"})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int32
	var scores []float64
	for s := int32(3000); s >= 1; s -= 3 {
		seqs, scores = append(seqs, s), append(scores, float64(s%7))
	}
	keep := map[int32]bool{}
	for _, s := range seqs {
		keep[s-1] = true
	}
	var want []string
	rows := rowsOf(t, db, all)
	for k, f := range all {
		if keep[rows[k]] {
			want = append(want, f.ID)
		}
	}
	got, _, err := db.Flows(ctx, FlowFilter{Seqs: seqs, Scores: scores, Sort: "port"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), want) {
		t.Errorf("matches by port: %d flows %v..., want %d %v...", len(got), ids(got)[:5], len(want), want[:5])
	}
}
