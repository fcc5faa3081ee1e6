package store

import (
	"context"
	"slices"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/lint"
)

func shipped(t *testing.T) *DB {
	t.Helper()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	db, _ := open(t, docs)
	return db
}

func TestRoleFiltersSelectFlowsByTheirEndpointsRoles(t *testing.T) {
	db := shipped(t)
	ctx := context.Background()
	to, total, err := db.Flows(ctx, FlowFilter{Filter: where("dst_role=domain-controller")})
	if err != nil {
		t.Fatal(err)
	}
	if total != 37 || len(to) != 37 {
		t.Fatalf("%d flows to a domain controller, want the 37 data/roles finds", total)
	}
	docs := map[string]bool{}
	for _, f := range to {
		docs[f.Doc] = true
		if !slices.ContainsFunc(f.Roles, func(r data.EndpointRole) bool {
			return r.Role == "domain-controller" && r.Side == data.SideDestination
		}) {
			t.Errorf("%s listed without a domain-controller destination: %+v", f.ID, f.Roles)
		}
	}
	if len(docs) != 5 {
		t.Errorf("flows to domain controllers from %d documents, want all 5", len(docs))
	}
	// role= is either end; src_role= none here (no document sends from a DC).
	_, either, _ := db.Flows(ctx, FlowFilter{Filter: where("role=domain-controller")})
	_, from, _ := db.Flows(ctx, FlowFilter{Filter: where("src_role=domain-controller")})
	if either != 37 || from != 0 {
		t.Errorf("role=domain-controller: %d, src_role: %d; want 37, 0", either, from)
	}
	// Roles combine with the other filters, and an unknown role matches nothing.
	_, ldap, _ := db.Flows(ctx, FlowFilter{Filter: where("dst_role=domain-controller&port=389")})
	if ldap != 9 {
		t.Errorf("LDAP 389 to domain controllers: %d flows, want 9", ldap)
	}
	// An excluded role leaves its flows out, and a role both asked for and
	// excluded matches nothing.
	if _, n, _ := db.Flows(ctx, FlowFilter{Filter: where("doc=microsoft&-dst_role=domain-controller")}); n != 13 {
		t.Errorf("Microsoft's flows not to a DC: %d, want 13 (23 less 10)", n)
	}
	if _, n, _ := db.Flows(ctx, FlowFilter{Filter: where("dst_role=domain-controller&-dst_role=domain-controller")}); n != 0 {
		t.Errorf("a role both asked for and excluded matched %d flows", n)
	}
	// Guesses count: Endpoint Central names its DCs in the purpose only.
	ec, _, _ := db.Flows(ctx, FlowFilter{Filter: where("doc=endpoint-central&dst_role=domain-controller")})
	if len(ec) != 2 || !ec[0].Roles[len(ec[0].Roles)-1].Guess {
		t.Errorf("Endpoint Central's DC flows: %+v", ec)
	}
}

func TestRoleCountsCountFlowsFromAndToEachRole(t *testing.T) {
	db := shipped(t)
	counts, err := db.RoleCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(counts, func(c RoleCount) bool { return c.Role == "domain-controller" })
	if i < 0 {
		t.Fatal("no domain-controller count")
	}
	if c := counts[i]; c.Flows != 37 || c.AsDestination != 37 || c.AsSource != 0 || c.Docs != 5 {
		t.Errorf("domain-controller: %+v", c)
	}
}

func TestFindingsAreStoredBesideTheirFlows(t *testing.T) {
	db := shipped(t)
	ctx := context.Background()
	docs, _ := extract.Embedded()
	want := map[[2]string]int{}
	for _, f := range lint.Default().Run(docs) {
		want[[2]string{f.Doc, f.Check}]++
	}
	counts, err := db.FindingCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]int{}
	for _, c := range counts {
		got[[2]string{c.Doc, c.Check}] = c.Count
	}
	if len(got) != len(want) {
		t.Errorf("finding counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d findings stored, lint found %d", k, got[k], n)
		}
	}
	flows, err := db.FlowsWithFindings(ctx, "cayosoft", lint.PortService)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows {
		ids = append(ids, f.ID)
	}
	if !slices.Equal(ids, []string{"cayosoft-xyb26yvz", "cayosoft-8b0nczdk", "cayosoft-8yzhsgj6"}) {
		t.Errorf("Cayosoft's port-service findings on %v", ids)
	}
	f, err := db.Flow(ctx, "cayosoft-8yzhsgj6")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Findings) != 1 || f.Findings[0].Check != lint.PortService || f.PortsRaw != "435" {
		t.Errorf("the 435 row reads back as %+v: the finding beside it, the port as written", f)
	}
}
