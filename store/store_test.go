package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/lint"
	"github.com/portolan/portolan/data/roles"
)

func TestIngestThenOpenRoundTripsEveryField(t *testing.T) {
	want := fixture()
	db, _ := open(t, want)
	// What a flow reads back with: what the documents say and what Portolan
	// adds beside it at ingest (glosses, roles, findings).
	want = annotated(want)
	ctx := context.Background()
	for _, w := range want {
		got, err := db.Document(ctx, w.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			g, _ := json.MarshalIndent(got, "", " ")
			e, _ := json.MarshalIndent(w, "", " ")
			t.Errorf("Document(%q):\n got %s\nwant %s", w.Slug, g, e)
		}
		if got.Raw != w.Raw {
			t.Errorf("Raw = %q, want %q", got.Raw, w.Raw)
		}
		for _, s := range w.Sections {
			for _, f := range s.Flows {
				got, err := db.Flow(ctx, f.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, f) {
					t.Errorf("Flow(%q) = %+v\nwant %+v", f.ID, got, f)
				}
			}
		}
	}
	v, err := db.DatasetVersion(ctx)
	if err != nil || v != data.DatasetVersion(want) {
		t.Errorf("DatasetVersion() = %q, %v; want %q", v, err, data.DatasetVersion(want))
	}
	ev, err := db.ExtractorVersion(ctx)
	if err != nil || ev != data.ExtractorVersion {
		t.Errorf("ExtractorVersion() = %q, %v; want %q", ev, err, data.ExtractorVersion)
	}
}

func TestIngestOrdersSectionsAndFlowsByOrdinalAndDocumentsAsGiven(t *testing.T) {
	docs := fixture()
	docs[0], docs[1] = docs[1], docs[0] // beta first
	alpha := &docs[1]
	alpha.Sections[0], alpha.Sections[1] = alpha.Sections[1], alpha.Sections[0]
	web := &alpha.Sections[0]
	web.Flows[0], web.Flows[2] = web.Flows[2], web.Flows[0]
	db, _ := open(t, docs)
	ctx := context.Background()

	sums, err := db.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sums[0].Slug != "beta" || sums[1].Slug != "alpha" {
		t.Errorf("documents in order %s, %s; want beta, alpha", sums[0].Slug, sums[1].Slug)
	}
	d, err := db.Document(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if d.Sections[0].Slug != "dc" || d.Sections[1].Slug != "web" {
		t.Errorf("sections %s, %s; want dc, web", d.Sections[0].Slug, d.Sections[1].Slug)
	}
	if got := ids(d.Sections[1].Flows); !slices.Equal(got, []string{"a3", "a4", "a5"}) {
		t.Errorf("web flows %v, want a3 a4 a5", got)
	}
	flows, _, err := db.Flows(ctx, FlowFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(flows), []string{"b1", "b2", "a1", "a2", "a3", "a4", "a5"}; !slices.Equal(got, want) {
		t.Errorf("Flows() order %v, want %v", got, want)
	}
}

func TestDocumentsSummarisesWithCountsAndNoRawProseOrFlows(t *testing.T) {
	db, _ := open(t, fixture())
	sums, err := db.Documents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 {
		t.Fatalf("%d documents, want 2", len(sums))
	}
	a := sums[0]
	if a.Slug != "alpha" || a.Title != "Alpha ports" || a.Raw != "" || a.FlowCount != 5 || a.HostCount != 2 {
		t.Errorf("alpha summary = %+v", a)
	}
	if len(a.Sections) != 2 || a.Sections[0].FlowCount != 2 || a.Sections[1].FlowCount != 3 ||
		a.Sections[0].Text != "" || len(a.Sections[0].Flows) != 0 {
		t.Errorf("alpha sections = %+v", a.Sections)
	}
	// The prose is the document's page's, read with the document.
	full, err := db.Document(context.Background(), "alpha")
	if err != nil || full.Sections[0].Text != "Open these." {
		t.Errorf("alpha's first section's text %q (%v), want %q", full.Sections[0].Text, err, "Open these.")
	}
	b := sums[1]
	if b.FlowCount != 2 || b.HostCount != 1 || b.Sections[0].Title != "エージェントとサーバー間の通信" || b.Sections[0].FlowCount != 2 {
		t.Errorf("beta summary = %+v", b)
	}
	j, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"flow_count":5`, `"host_count":2`, `"sections":[{`, `"flows":[]`, `"hosts":[]`} {
		if !strings.Contains(string(j), s) {
			t.Errorf("JSON lacks %s: %s", s, j)
		}
	}
	if strings.Contains(string(j), "null") {
		t.Errorf("JSON has null: %s", j)
	}
}

func TestFlowFilters(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		ff   FlowFilter
		want []string
	}{
		{"no filter", FlowFilter{}, []string{"a1", "a2", "a3", "a4", "a5", "b1", "b2"}},
		{"port in dynamic range", FlowFilter{Filter: where("port=50000")}, []string{"a2", "b2"}},
		{"port at range start", FlowFilter{Filter: where("port=49152")}, []string{"a2"}},
		{"port below range start", FlowFilter{Filter: where("port=49151")}, []string{}},
		{"port at range end", FlowFilter{Filter: where("port=65535")}, []string{"a2"}},
		{"port inside 80-90", FlowFilter{Filter: where("port=85")}, []string{"a3"}},
		{"port at 90", FlowFilter{Filter: where("port=90")}, []string{"a3"}},
		{"port at 91", FlowFilter{Filter: where("port=91")}, []string{}},
		{"port at 79", FlowFilter{Filter: where("port=79")}, []string{}},
		{"range overlapping start", FlowFilter{Filter: where("port=70-80")}, []string{"a3"}},
		{"range containing single ports", FlowFilter{Filter: where("port=1-100")}, []string{"a1", "a3"}},
		{"range inside range", FlowFilter{Filter: where("port=60000-60010")}, []string{"a2"}},
		{"range touching nothing", FlowFilter{Filter: where("port=91-134")}, []string{}},
		{"second range of a flow", FlowFilter{Filter: where("port=443")}, []string{"a5"}},
		{"ports ORed", FlowFilter{Filter: where("port=53,8027")}, []string{"a1", "b1"}},
		{"protocol", FlowFilter{Filter: where("proto=UDP")}, []string{"a1", "b1", "b2"}},
		{"protocol lower case", FlowFilter{Filter: where("proto=icmp")}, []string{"a4"}},
		{"protocols ORed", FlowFilter{Filter: where("proto=ICMP,udp")}, []string{"a1", "a4", "b1", "b2"}},
		{"doc", FlowFilter{Filter: where("doc=beta")}, []string{"b1", "b2"}},
		{"docs ORed", FlowFilter{Filter: where("doc=beta,alpha")}, []string{"a1", "a2", "a3", "a4", "a5", "b1", "b2"}},
		{"unknown doc", FlowFilter{Filter: where("doc=gamma")}, []string{}},
		{"section", FlowFilter{Filter: where("section=web")}, []string{"a3", "a4", "a5"}},
		{"sections ORed", FlowFilter{Filter: where("section=agent,dc")}, []string{"a1", "a2", "b1", "b2"}},
		{"requirement", FlowFilter{Filter: where("req=required")}, []string{"a1", "a2", "b2"}},
		{"requirements ORed", FlowFilter{Filter: where("req=optional,conditional")}, []string{"a3", "b1"}},
		{"empty requirement", FlowFilter{Filter: where("req=none")}, []string{"a4"}},
		{"direction", FlowFilter{Filter: where("dir=inbound")}, []string{"a1", "a3", "b2"}},
		{"directions ORed", FlowFilter{Filter: where("dir=outbound,bidirectional")}, []string{"a2", "a5", "b1"}},
		{"source substring any case", FlowFilter{Filter: where("src=bROWSER")}, []string{"a3", "a5"}},
		{"destination substring", FlowFilter{Filter: where("dst=controller")}, []string{"a1", "a2"}},
		{"destination Japanese", FlowFilter{Filter: where("dst=配布")}, []string{"b2"}},
		{"text any case", FlowFilter{Text: "dns"}, []string{"a1"}},
		{"text in English gloss", FlowFilter{Text: "EN PING"}, []string{"a4"}},
		{"text in service", FlowFilter{Text: "svc a2"}, []string{"a2"}},
		{"text in notes", FlowFilter{Text: "note b1"}, []string{"b1"}},
		{"text in app protocol", FlowFilter{Text: "APP A3"}, []string{"a3"}},
		{"text in ports as written", FlowFilter{Text: "49152-65535"}, []string{"a2"}},
		{"text Japanese", FlowFilter{Text: "通信"}, []string{"b1"}},
		{"text percent is literal", FlowFilter{Text: "100%"}, []string{"a1"}},
		{"text percent alone is literal", FlowFilter{Text: "%"}, []string{"a1"}},
		{"text underscore is literal", FlowFilter{Text: "m_a"}, []string{"a1"}},
		{"text underscore does not match any char", FlowFilter{Text: "RPC_dynamic"}, []string{}},
		{"text backslash is literal", FlowFilter{Text: `\`}, []string{}},
		{"doc excluded", FlowFilter{Filter: where("-doc=alpha")}, []string{"b1", "b2"}},
		{"protocol excluded", FlowFilter{Filter: where("-proto=tcp")}, []string{"a4", "b1"}},
		{"port excluded", FlowFilter{Filter: where("-port=50000")}, []string{"a1", "a3", "a4", "a5", "b1"}},
		{"included and excluded", FlowFilter{Filter: where("proto=udp&-doc=beta")}, []string{"a1"}},
		{"port with its protocol", FlowFilter{Filter: where("port=50000/udp")}, []string{"b2"}},
		{"port with a protocol it is not open on", FlowFilter{Filter: where("port=443/udp")}, []string{}},
		{"sources ORed", FlowFilter{Filter: where("src=browser,monitor")}, []string{"a3", "a4", "a5"}},
		{"source whole word only", FlowFilter{Filter: where("src=brow")}, []string{}},
		{"destination excluded", FlowFilter{Filter: where("-dst=server")}, []string{"a1", "a2", "b1", "b2"}},
		{"IDs", FlowFilter{IDs: []string{"b2", "a1", "zzz"}}, []string{"a1", "b2"}},
		{"empty IDs match nothing", FlowFilter{IDs: []string{}}, []string{}},
		{"AND across fields", FlowFilter{Filter: where("proto=TCP&dir=inbound&doc=alpha")}, []string{"a1", "a3"}},
		{"AND across ports and protocol", FlowFilter{Filter: where("port=50000&proto=UDP")}, []string{"b2"}},
		{"AND with no overlap", FlowFilter{Filter: where("doc=beta&section=web")}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flows, total, err := db.Flows(ctx, tc.ff)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(flows); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if total != len(tc.want) {
				t.Errorf("total %d, want %d", total, len(tc.want))
			}
		})
	}
}

func TestPortFilterMatchesRangeContainingPort(t *testing.T) {
	db, _ := open(t, fixture())
	flows, _, err := db.Flows(context.Background(), FlowFilter{Filter: where("port=50000&doc=alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 || !reflect.DeepEqual(flows[0].Ports, ports(pr(49152, 65535))) {
		t.Errorf("port 50000 gave %+v, want the 49152-65535 flow", flows)
	}
}

func TestFlowFilterRejectsBadInput(t *testing.T) {
	db, _ := open(t, fixture())
	for _, ff := range []FlowFilter{
		{Sort: "name"},
		{Limit: -1},
		{Offset: -1},
	} {
		if _, _, err := db.Flows(context.Background(), ff); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("Flows(%+v) error = %v, want ErrInvalidFilter", ff, err)
		}
		if err := db.EachFlow(context.Background(), ff, func(data.Flow) error { return nil }); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("EachFlow(%+v) error = %v, want ErrInvalidFilter", ff, err)
		}
	}
}

func TestSortPortPutsLowestPortFirstAndPortlessLast(t *testing.T) {
	db, _ := open(t, fixture())
	flows, _, err := db.Flows(context.Background(), FlowFilter{Sort: "port"})
	if err != nil {
		t.Fatal(err)
	}
	// b2 (135, 50000) before a5 (8443, 443 -> 443) before b1 (8027).
	if got, want := ids(flows), []string{"a1", "a3", "b2", "a5", "b1", "a2", "a4"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLimitOffsetReturnPageAndTotal(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	for _, tc := range []struct {
		limit, offset int
		want          []string
	}{
		{2, 0, []string{"a1", "a2"}},
		{2, 2, []string{"a3", "a4"}},
		{2, 6, []string{"b2"}},
		{2, 7, []string{}},
		{0, 5, []string{"b1", "b2"}},
	} {
		flows, total, err := db.Flows(ctx, FlowFilter{Limit: tc.limit, Offset: tc.offset})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(flows); !slices.Equal(got, tc.want) || total != 7 {
			t.Errorf("limit %d offset %d: %v total %d, want %v total 7", tc.limit, tc.offset, got, total, tc.want)
		}
	}
	flows, total, err := db.Flows(ctx, FlowFilter{Filter: where("proto=TCP"), Limit: 1, Offset: 1, Sort: "port"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(flows); !slices.Equal(got, []string{"a3"}) || total != 5 {
		t.Errorf("TCP by port, second: %v total %d; want [a3] total 5", got, total)
	}
}

func TestFlowsReturnNonNilSlices(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	flows, _, err := db.Flows(ctx, FlowFilter{Filter: where("doc=nope")})
	if err != nil || flows == nil {
		t.Errorf("no matches: %v, %v; want empty non-nil slice", flows, err)
	}
	f, err := db.Flow(ctx, "a4")
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(f)
	if !strings.Contains(string(j), `"ports":[]`) {
		t.Errorf("portless flow JSON: %s", j)
	}
}

// TestEndpointFacetCountsWhatItsLinkSelects: a source or destination
// facet's count is the number of flows its value selects as a filter, which
// matches whole words of the endpoint name, not the rows with exactly that
// name.
func TestEndpointFacetCountsWhatItsLinkSelects(t *testing.T) {
	ctx := context.Background()
	docs := fixture()
	sec := &docs[0].Sections[0]
	for i, dst := range []string{"DC", "DC", "DC", "DCs", "Primary DC", "Citrix ADC", "Citrix ADC"} {
		sec.Flows = append(sec.Flows, data.Flow{ID: fmt.Sprintf("dc%d", i), Ordinal: 100 + i, Source: "Member server",
			Destination: dst, Protocols: []string{"TCP"}, Ports: ports(pr(389, 389)), PortsRaw: "389"})
	}
	db, _ := open(t, docs)
	for _, base := range []string{"", "proto=tcp", "doc=alpha", "-dst=primary%20dc"} {
		fc, err := db.Facets(ctx, FlowFilter{Filter: where(base)})
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range []struct {
			key    string
			counts []FacetCount
		}{{"src", fc.Sources}, {"dst", fc.Destinations}} {
			if len(side.counts) == 0 {
				t.Fatalf("%s: no %s facet", base, side.key)
			}
			for _, c := range side.counts {
				v, err := filter.Canonical(side.key, c.Value)
				if err != nil {
					t.Fatal(err)
				}
				// The facet link: the value added to the filter, any
				// exclusion of it dropped (Filter.Toggle).
				f := where(base).Toggle(side.key, v)
				_, total, err := db.Flows(ctx, FlowFilter{Filter: f, Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				if total != c.Count {
					t.Errorf("%s: facet %s=%q shows %d flows, its link %s lists %d", base, side.key, c.Value, c.Count, f.Encode(), total)
				}
			}
		}
		if base == "" {
			dc := slices.IndexFunc(fc.Destinations, func(c FacetCount) bool { return c.Value == "DC" })
			if dc < 0 || fc.Destinations[dc].Count != 5 {
				t.Errorf("destinations %v: want DC with 5 flows (DC, DCs, Primary DC; not Citrix ADC)", fc.Destinations)
			}
		}
	}
}

func TestFacetsCountMatchingFlows(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	got, err := db.Facets(ctx, FlowFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := Facets{
		Docs:         []FacetCount{{"alpha", 5}, {"beta", 2}},
		Protocols:    []FacetCount{{"TCP", 5}, {"UDP", 3}, {"ICMP", 1}},
		Requirements: []FacetCount{{"required", 3}, {"", 1}, {"conditional", 1}, {"optional", 1}, {"recommended", 1}},
		Directions:   []FacetCount{{"inbound", 3}, {"outbound", 2}, {"", 1}, {"bidirectional", 1}},
		Sections:     []FacetCount{{"web", 3}, {"agent", 2}, {"dc", 2}},
		Sources:      []FacetCount{{"Browser", 2}, {"エージェント", 2}, {"Admin PC", 1}, {"Client", 1}, {"Monitor", 1}},
		// dst=サーバー selects the サーバー and the 配布サーバー rows (a
		// Japanese word matches within a word), so it counts both.
		Destinations: []FacetCount{{"Web Server", 3}, {"Domain Controller", 2}, {"サーバー", 2}, {"配布サーバー", 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Facets() =\n%+v\nwant\n%+v", got, want)
	}
	got, err = db.Facets(ctx, FlowFilter{Filter: where("proto=udp")})
	if err != nil {
		t.Fatal(err)
	}
	want = Facets{
		Docs:         []FacetCount{{"alpha", 1}, {"beta", 2}},
		Protocols:    []FacetCount{{"UDP", 3}, {"TCP", 2}},
		Requirements: []FacetCount{{"required", 2}, {"conditional", 1}},
		Directions:   []FacetCount{{"inbound", 2}, {"outbound", 1}},
		Sections:     []FacetCount{{"agent", 2}, {"dc", 1}},
		Sources:      []FacetCount{{"エージェント", 2}, {"Client", 1}},
		Destinations: []FacetCount{{"サーバー", 2}, {"Domain Controller", 1}, {"配布サーバー", 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Facets(udp) =\n%+v\nwant\n%+v", got, want)
	}
	got, err = db.Facets(ctx, FlowFilter{Filter: where("doc=nope")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Docs == nil || got.Protocols == nil || len(got.Docs) != 0 {
		t.Errorf("Facets(no match) = %#v, want empty non-nil slices", got)
	}
}

func TestEachFlowStreamsInOrderAndStopsOnError(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	var got []string
	if err := db.EachFlow(ctx, FlowFilter{Filter: where("doc=alpha"), Limit: 4, Offset: 1}, func(f data.Flow) error {
		got = append(got, f.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a2", "a3", "a4", "a5"}) {
		t.Errorf("got %v", got)
	}
	stop := errors.New("stop")
	n := 0
	err := db.EachFlow(ctx, FlowFilter{}, func(data.Flow) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("EachFlow returned %v after %d calls, want stop after 1", err, n)
	}
}

func TestHostsFilterByDocAndText(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	names := func(hf HostFilter) []string {
		hs, err := db.Hosts(ctx, hf)
		if err != nil {
			t.Fatal(err)
		}
		s := []string{}
		for _, h := range hs {
			s = append(s, h.Name)
		}
		return s
	}
	for _, tc := range []struct {
		hf   HostFilter
		want []string
	}{
		{HostFilter{}, []string{"*.alpha.example", "https://license.alpha.example/check", "update.beta.example"}},
		{HostFilter{Filter: where("doc=beta")}, []string{"update.beta.example"}},
		{HostFilter{Text: "LICENSE"}, []string{"https://license.alpha.example/check"}},
		{HostFilter{Text: "cdn"}, []string{"*.alpha.example"}},
		{HostFilter{Text: "更新"}, []string{"update.beta.example"}},
		{HostFilter{Text: "example", Filter: where("doc=alpha")}, []string{"*.alpha.example", "https://license.alpha.example/check"}},
		{HostFilter{Text: "*"}, []string{"*.alpha.example"}},
		{HostFilter{Text: "nothing"}, []string{}},
		{HostFilter{Filter: where("-doc=alpha")}, []string{"update.beta.example"}},
	} {
		if got := names(tc.hf); !slices.Equal(got, tc.want) {
			t.Errorf("Hosts(%+v) = %v, want %v", tc.hf, got, tc.want)
		}
	}
}

func TestHostSectionTitleComesFromItsSectionWhenOnlySlugGiven(t *testing.T) {
	docs := fixture()
	docs[1].Hosts[0].Section = ""
	db, _ := open(t, docs)
	hs, err := db.Hosts(context.Background(), HostFilter{Filter: where("doc=beta")})
	if err != nil {
		t.Fatal(err)
	}
	if hs[0].Section != "エージェントとサーバー間の通信" {
		t.Errorf("Section = %q", hs[0].Section)
	}
}

func TestUnknownDocumentAndFlowAreErrNotFound(t *testing.T) {
	db, _ := open(t, fixture())
	ctx := context.Background()
	if _, err := db.Document(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Document(nope) error = %v, want ErrNotFound", err)
	}
	if _, err := db.Flow(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Flow(nope) error = %v, want ErrNotFound", err)
	}
}

func TestOpenMissingFileIsNotExist(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing.db"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want fs.ErrNotExist", err)
	}
}

func TestOpenRejectsOtherSchemaVersion(t *testing.T) {
	_, path := open(t, fixture())
	rw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	if _, err := Open(context.Background(), path); !errors.Is(err, ErrSchemaVersion) {
		t.Errorf("error = %v, want ErrSchemaVersion", err)
	}
}

func TestOpenIsReadOnly(t *testing.T) {
	db, _ := open(t, fixture())
	if _, err := db.db.Exec("DELETE FROM flows"); err == nil {
		t.Error("DELETE succeeded on a served database")
	}
}

func TestReingestSwapsDatabaseUnderOpenHandle(t *testing.T) {
	ctx := context.Background()
	old, path := open(t, fixture())
	if _, err := old.Flow(ctx, "a1"); err != nil { // a connection open on the old file
		t.Fatal(err)
	}
	next := fixture()[1:] // beta only
	next[0].Checksum = "changed"
	if err := Ingest(ctx, path, next); err != nil {
		t.Fatal(err)
	}
	// The old handle keeps reading the old file, on every connection of its
	// pool at once: its flow table and its rows are one dataset.
	var wg sync.WaitGroup
	for range 3 * max(4, 2*runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			flows, total, err := old.Flows(ctx, FlowFilter{})
			if err != nil {
				t.Errorf("old handle after re-ingest: %v", err)
			}
			if total != len(flows) || total != 7 {
				t.Errorf("old handle sees %d flows (total %d), want the old 7", len(flows), total)
			}
			if _, err := old.Flow(ctx, "a1"); err != nil {
				t.Errorf("old handle lost a1 after re-ingest: %v", err)
			}
		})
	}
	wg.Wait()
	// A connection it would open now could only reach the new file: refused.
	old.db.SetMaxIdleConns(0)
	old.db.SetMaxIdleConns(1)
	if _, _, err := old.Flows(ctx, FlowFilter{Filter: where("doc=alpha")}); !errors.Is(err, ErrReplaced) {
		t.Errorf("new connection after the swap: %v, want ErrReplaced", err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Document(ctx, "alpha"); !errors.Is(err, ErrNotFound) {
		t.Errorf("new handle still has alpha: %v", err)
	}
	v, _ := db.DatasetVersion(ctx)
	if v != data.DatasetVersion(next) {
		t.Errorf("new dataset version %q, want %q", v, data.DatasetVersion(next))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %v, want only the database", entries)
	}
}

// midIngest is a context that runs fn, synchronously, each every-th time
// the code holding it asks for Done: given to Ingest, it runs readers in the
// middle of building the new database, at points fixed by the build's own
// steps rather than by timing.
type midIngest struct {
	context.Context
	every, calls, ran int
	fn                func()
}

func (c *midIngest) Done() <-chan struct{} {
	if c.calls++; c.calls%c.every == 0 {
		c.ran++
		c.fn()
	}
	return c.Context.Done()
}

// TestReadersDuringReingestSeeOneWholeDataset: while an ingest is building
// the next dataset, a handle opened before it, and one opened in the
// middle of it, both read the current dataset whole (every flow, listing
// and stream alike); once it is done, a handle opened then reads the new
// one whole, and the handle opened before still reads the old one.
func TestReadersDuringReingestSeeOneWholeDataset(t *testing.T) {
	ctx := context.Background()
	large, small := fixture(), fixture()[1:]
	db, path := open(t, large)
	idsOf := func(docs []data.Document) []string {
		var out []string
		for _, d := range docs {
			for _, p := range d.OrderedFlows() {
				out = append(out, p.Flow.ID)
			}
		}
		return out
	}
	// whole checks that h reads exactly the flows of docs, in order, by
	// the listing (the flow table) and by the stream (SQL).
	whole := func(when string, h *DB, docs []data.Document) {
		t.Helper()
		want := idsOf(docs)
		flows, total, err := h.Flows(ctx, FlowFilter{})
		if err != nil {
			t.Fatalf("%s: Flows: %v", when, err)
		}
		if got := ids(flows); total != len(want) || !slices.Equal(got, want) {
			t.Fatalf("%s: listing has %v (total %d), want %v: not one whole dataset", when, got, total, want)
		}
		var streamed []string
		if err := h.EachFlow(ctx, FlowFilter{}, func(f data.Flow) error {
			streamed = append(streamed, f.ID)
			return nil
		}); err != nil {
			t.Fatalf("%s: EachFlow: %v", when, err)
		}
		if !slices.Equal(streamed, want) {
			t.Fatalf("%s: stream has %v, want %v: not one whole dataset", when, streamed, want)
		}
	}
	cur := large
	for i := range 6 {
		next := small
		if i%2 == 1 {
			next = large
		}
		mid := &midIngest{Context: ctx, every: 10}
		mid.fn = func() {
			whole(fmt.Sprintf("ingest %d, step %d, handle from the start", i, mid.calls), db, large)
			h, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("ingest %d, step %d: open: %v", i, mid.calls, err)
			}
			defer h.Close()
			whole(fmt.Sprintf("ingest %d, step %d, handle opened mid-ingest", i, mid.calls), h, cur)
		}
		if err := Ingest(mid, path, next); err != nil {
			t.Fatal(err)
		}
		if mid.ran < 3 {
			t.Fatalf("ingest %d: readers ran %d times in its middle (of %d context checks), want several", i, mid.ran, mid.calls)
		}
		cur = next
		h, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		whole(fmt.Sprintf("after ingest %d, new handle", i), h, cur)
		h.Close()
		whole(fmt.Sprintf("after ingest %d, handle from the start", i), db, large)
	}
}

func TestFailedIngestLeavesDatabaseUntouchedAndNoTempFile(t *testing.T) {
	ctx := context.Background()
	_, path := open(t, fixture())
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func([]data.Document){
		"duplicate flow ID":  func(d []data.Document) { d[1].Sections[0].Flows[1].ID = "a1" },
		"duplicate section":  func(d []data.Document) { d[0].Sections[1].Slug = "dc" },
		"duplicate document": func(d []data.Document) { d[1].Slug = "alpha" },
		"bad port range":     func(d []data.Document) { d[0].Sections[0].Flows[0].Ports = ports(pr(10, 5)) },
		"empty flow ID":      func(d []data.Document) { d[0].Sections[0].Flows[0].ID = "" },
	} {
		t.Run(name, func(t *testing.T) {
			docs := fixture()
			mutate(docs)
			if err := Ingest(ctx, path, docs); err == nil {
				t.Fatal("Ingest succeeded")
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("database changed")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("directory holds %v, want only the database", entries)
			}
		})
	}
}

func TestIngestHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := Ingest(ctx, filepath.Join(dir, "x.db"), fixture()); err == nil {
		t.Error("Ingest succeeded with a cancelled context")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("directory holds %v", entries)
	}
}

func TestIngestAndOpenPathWithURISyntax(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a dir?x=1#y%20", "p#1?.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Ingest(ctx, path, fixture()); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, total, err := db.Flows(ctx, FlowFilter{}); err != nil || total != 7 {
		t.Errorf("Flows() total %d, %v", total, err)
	}
}

func TestEmbeddedDocumentsIngestWithAllTheirRows(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	db, _ := open(t, docs)
	ctx := context.Background()
	sums, err := db.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(docs) {
		t.Fatalf("%d documents, want %d", len(sums), len(docs))
	}
	allFlows := 0
	for i, d := range docs {
		flows := 0
		for _, s := range d.Sections {
			flows += len(s.Flows)
		}
		allFlows += flows
		s := sums[i]
		if s.Slug != d.Slug || len(s.Sections) != len(d.Sections) || s.FlowCount != flows || s.HostCount != len(d.Hosts) {
			t.Errorf("%s: %d sections, %d flows, %d hosts; want %d, %d, %d", d.Slug,
				len(s.Sections), s.FlowCount, s.HostCount, len(d.Sections), flows, len(d.Hosts))
		}
		got, err := db.Document(ctx, d.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.Raw != d.Raw || got.Checksum != d.Checksum {
			t.Errorf("%s: raw text differs", d.Slug)
		}
	}
	t.Logf("%d documents, %d flows", len(docs), allFlows)
	_, total, err := db.Flows(ctx, FlowFilter{})
	if err != nil || total != allFlows {
		t.Errorf("Flows() total %d, %v; want %d", total, err, allFlows)
	}
	hosts, err := db.Hosts(ctx, HostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		n += len(d.Hosts)
	}
	if len(hosts) != n {
		t.Errorf("%d hosts, want %d", len(hosts), n)
	}
}

// annotated is a copy of docs with what Ingest adds to each flow, computed by
// data/roles and data/lint as Ingest computes it.
func annotated(docs []data.Document) []data.Document {
	byFlow := map[string][]data.Finding{}
	for _, f := range lint.Default().Run(docs) {
		byFlow[f.FlowID] = append(byFlow[f.FlowID], data.Finding{Check: f.Check, Severity: f.Severity, Detail: f.Detail})
	}
	v := roles.Default()
	out := make([]data.Document, len(docs))
	for i, d := range docs {
		d.Sections = slices.Clone(d.Sections)
		for j := range d.Sections {
			d.Sections[j].Flows = slices.Clone(d.Sections[j].Flows)
			for k := range d.Sections[j].Flows {
				f := &d.Sections[j].Flows[k]
				f.SourceEn, f.DestinationEn = v.Gloss(f.Source), v.Gloss(f.Destination)
				f.Roles, f.Findings = v.Flow(*f), byFlow[f.ID]
			}
		}
		out[i] = d
	}
	return out
}

// A warmed DB holds its tables before any listing asks, and lists what an
// unwarmed one lists; warming a closed DB is an error, not a panic.
func TestWarmReadsTheTablesAheadAndListsTheSame(t *testing.T) {
	ctx := context.Background()
	cold, _ := open(t, fixture())
	warm, _ := open(t, fixture())
	if err := warm.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	if warm.table == nil || warm.table.portIx == nil || warm.docs == nil || cold.table != nil {
		t.Fatalf("after Warm: table %v, port index %v, documents %d; unwarmed table %v",
			warm.table != nil, warm.table != nil && warm.table.portIx != nil, len(warm.docs), cold.table != nil)
	}
	for _, q := range []string{"port=50000", "proto=udp", "doc=alpha&port=443"} {
		ff := FlowFilter{Filter: where(q), Sort: "port"}
		want, wn, err := cold.Flows(ctx, ff)
		if err != nil {
			t.Fatal(err)
		}
		got, gn, err := warm.Flows(ctx, ff)
		if err != nil {
			t.Fatal(err)
		}
		if gn != wn || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: warmed lists %d (%d rows), unwarmed %d (%d rows)", q, gn, len(got), wn, len(want))
		}
	}
	closed, _ := open(t, fixture())
	closed.Close()
	if err := closed.Warm(ctx); err == nil {
		t.Error("Warm of a closed DB: no error")
	}
}
