package versions

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

var update = flag.Bool("update", false, "rewrite the golden change lists in testdata/")

// The three texts in testdata are successive versions of Microsoft's page
// "Hybrid Identity Required Ports and Protocols"
// (learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-ports),
// written by us in the plain-text capture format of the shipped documents:
// v2 is the shipped capture; v1 is the page as its history in MicrosoftDocs
// shows it earlier (MS-RPC, RPC, HTTP and HTTPS rows TCP/UDP, no Global
// Catalog row, "SSL" where v2 says "TLS"); v3 is after the rename to
// Microsoft Entra (Azure AD Connect -> Microsoft Entra Connect, Azure AD ->
// Microsoft Entra ID), with LDAP/SSL TCP only, the Global Catalog row moved up,
// the WinRM row of Table 3 dropped and the Service Bus row given a range.
func load(t *testing.T, v string) data.Document {
	t.Helper()
	// The text's metadata is the JSON file beside it.
	d, err := extract.LoadFile(filepath.Join("testdata", "hybrid-identity-"+v+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it; review the diff):\n%s", name, got)
	}
}

// chain carries IDs through the three versions as ingest does.
func chain(t *testing.T) (v1, v2, v3 data.Document, d12, d23 Diff) {
	v1, v2, v3 = load(t, "v1"), load(t, "v2"), load(t, "v3")
	d12 = Carry(v1, &v2)
	d23 = Carry(v2, &v3)
	return
}

func text(t *testing.T, d Diff) []byte {
	var b bytes.Buffer
	if err := d.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestChangeListsOfThreeVersionsMatchGolden(t *testing.T) {
	_, _, _, d12, d23 := chain(t)
	golden(t, "v1-v2.changes.txt", text(t, d12))
	golden(t, "v2-v3.changes.txt", text(t, d23))
}

func TestIdenticalTextGivesEmptyDiffAndSameIDs(t *testing.T) {
	a, b := load(t, "v2"), load(t, "v2")
	d := Carry(a, &b)
	if !d.Empty() {
		t.Errorf("diff of a text with itself: %s", d.Summary())
	}
	for i, s := range a.Sections {
		for k, f := range s.Flows {
			if got := b.Sections[i].Flows[k].ID; got != f.ID {
				t.Errorf("flow %d of %q: ID %s, want %s", k, s.Title, got, f.ID)
			}
		}
	}
}

func TestIDsSurviveAcrossVersions(t *testing.T) {
	v1, v2, v3, d12, d23 := chain(t)
	ids1 := map[string]bool{}
	for _, p := range v1.OrderedFlows() {
		ids1[p.Flow.ID] = true
	}
	added := map[string]bool{}
	for _, f := range d12.Added {
		added[f.ID] = true
	}
	for _, p := range v2.OrderedFlows() {
		if !added[p.Flow.ID] && !ids1[p.Flow.ID] {
			t.Errorf("v2 flow at line %d has ID %s, which is neither v1's nor reported added", p.Flow.Line, p.Flow.ID)
		}
	}
	if len(d12.Added) != 1 || d12.Added[0].AppProtocol != "Global Catalog" {
		t.Fatalf("v1->v2 added %v, want the Global Catalog row", d12.Added)
	}
	gc := d12.Added[0].ID
	// In v3 the Global Catalog row moved up and its section was renamed:
	// it keeps the ID it was given in v2, and v3's flows all come from v2.
	ids2 := map[string]bool{}
	for _, p := range v2.OrderedFlows() {
		ids2[p.Flow.ID] = true
	}
	found := false
	for _, p := range v3.OrderedFlows() {
		if !ids2[p.Flow.ID] {
			t.Errorf("v3 flow at line %d (%s) has new ID %s", p.Flow.Line, Describe(*p.Flow), p.Flow.ID)
		}
		if p.Flow.AppProtocol == "Global Catalog" {
			found = true
			if p.Flow.ID != gc {
				t.Errorf("Global Catalog row in v3: ID %s, want %s as in v2", p.Flow.ID, gc)
			}
			if p.Flow.URL != "/flows/"+gc {
				t.Errorf("Global Catalog row in v3: URL %s", p.Flow.URL)
			}
		}
	}
	if !found {
		t.Fatal("no Global Catalog row in v3")
	}
	if len(d23.Added) != 0 {
		t.Errorf("v2->v3 added %d flows, want 0", len(d23.Added))
	}
}

func TestTransportChangesReportedPerRow(t *testing.T) {
	_, _, _, d12, _ := chain(t)
	n := 0
	for _, c := range d12.Changed {
		if !slices.Contains(c.Impacts, TransportChanged) {
			continue
		}
		n++
		if !slices.Equal(c.ProtocolsRemoved, []string{"UDP"}) || len(c.ProtocolsAdded) != 0 {
			t.Errorf("%s: protocols removed %v, added %v; want UDP removed", Describe(c.New), c.ProtocolsRemoved, c.ProtocolsAdded)
		}
		if len(c.PortsAdded) != 0 || len(c.PortsRemoved) != 0 {
			t.Errorf("%s: ports changed too: +%v -%v", Describe(c.New), c.PortsAdded, c.PortsRemoved)
		}
	}
	if n != 11 {
		t.Errorf("%d rows changed transport from v1 to v2, want 11", n)
	}
	if len(d12.Removed) != 0 || len(d12.Renames) != 0 {
		t.Errorf("v1->v2: removed %d, renames %v; want none", len(d12.Removed), d12.Renames)
	}
}

func TestDocumentWideRenameReportedOnce(t *testing.T) {
	_, _, _, _, d23 := chain(t)
	if len(d23.Renames) != 1 {
		t.Fatalf("renames %+v, want one", d23.Renames)
	}
	r := d23.Renames[0]
	if r.From != "Azure AD" || !slices.Contains(r.To, "Microsoft Entra") || !slices.Contains(r.To, "Microsoft Entra ID") {
		t.Errorf("rename %+v, want Azure AD -> Microsoft Entra / Microsoft Entra ID", r)
	}
	if d23.Renamed != 16 {
		t.Errorf("%d flows changed by the rename only, want 16", d23.Renamed)
	}
	for _, c := range d23.Changed {
		for _, f := range c.Fields {
			if f.Field == "source" || f.Field == "destination" {
				t.Errorf("%s: %s reported changed (%q -> %q), but only the rename changed it", Describe(c.New), f.Field, f.From, f.To)
			}
		}
	}
}

func TestRemovedFlowNamesItsNearestSuccessor(t *testing.T) {
	_, _, v3, _, d23 := chain(t)
	if len(d23.Removed) != 1 {
		t.Fatalf("removed %d flows, want the WinRM row of Table 3", len(d23.Removed))
	}
	r := d23.Removed[0]
	if r.Flow.AppProtocol != "WinRM" || !strings.HasPrefix(r.Flow.Section, "Table 3") {
		t.Errorf("removed %s", Describe(r.Flow))
	}
	var succ *data.Flow
	for _, p := range v3.OrderedFlows() {
		if p.Flow.ID == r.Successor {
			succ = p.Flow
		}
	}
	if succ == nil || succ.AppProtocol != "WinRM" || data.FormatPorts(succ.Ports) != "5985" {
		t.Errorf("successor %q is %v, want the WinRM 5985 row of Table 1", r.Successor, succ)
	}
}

// doc builds a one-section document from rows, as the extractor would give them.
func doc(raw string, flows ...data.Flow) data.Document {
	for i := range flows {
		f := &flows[i]
		f.Doc, f.Section, f.SectionID, f.Ordinal = "acme", "Ports", "ports", i+1
		if f.ID == "" {
			f.ID = fmt.Sprintf("acme-%d", i+1)
		}
		f.URL = "/flows/" + f.ID
	}
	return data.Document{Slug: "acme", Raw: raw, Sections: []data.Section{{Slug: "ports", Title: "Ports", Ordinal: 1, Flows: flows}}}
}

func row(src, dst, app, protos string, from, to int, purpose string) data.Flow {
	return data.Flow{Source: src, Destination: dst, AppProtocol: app, Protocols: strings.Split(protos, "/"),
		Ports: []data.PortRange{{From: from, To: to}}, PortsRaw: fmt.Sprintf("%d-%d", from, to), Purpose: purpose}
}

func TestChangeImpactsClassified(t *testing.T) {
	req := func(f data.Flow, r string) data.Flow { f.Requirement = r; return f }
	dir := func(f data.Flow, d string) data.Flow { f.Direction = d; return f }
	old := doc("",
		row("Agent", "Server", "HTTPS", "TCP", 443, 443, "Uploads inventory."),
		req(row("Agent", "Server", "Remote control", "TCP", 8443, 8444, "Remote sessions."), data.Required),
		dir(row("Agent", "Server", "Syslog", "UDP", 514, 514, "Logs."), data.Outbound),
		row("Console", "Server", "SSH", "TCP", 22, 22, "Administration."),
		row("Agent", "Relay", "Updates", "TCP", 8020, 8020, "Downloads updates."),
	)
	next := doc("",
		row("Agent", "Server", "HTTPS", "TCP", 443, 443, "Uploads the inventory of the machine."),
		req(row("Agent", "Server", "Remote control", "TCP", 8443, 8443, "Remote sessions."), data.Optional),
		dir(row("Agent", "Server", "Syslog", "TCP/UDP", 514, 514, "Logs."), data.Bidirectional),
		row("Jump host", "Server", "SSH", "TCP", 22, 22, "Administration."),
		row("Agent", "Server", "Metrics", "TCP", 9100, 9100, "Exports metrics."),
	)
	wantIDs := []string{old.Sections[0].Flows[0].ID, old.Sections[0].Flows[1].ID, old.Sections[0].Flows[2].ID, old.Sections[0].Flows[3].ID}
	d := Carry(old, &next)
	for i, want := range wantIDs {
		if got := next.Sections[0].Flows[i].ID; got != want {
			t.Errorf("row %d: ID %s, want %s carried", i+1, got, want)
		}
	}
	want := map[string][]Impact{
		"HTTPS":          {Wording},
		"Remote control": {PortRemoved, RequirementChanged},
		"Syslog":         {TransportChanged, DirectionChanged},
		"SSH":            {EndpointsChanged},
	}
	if len(d.Changed) != len(want) {
		t.Fatalf("%d changes, want %d:\n%s", len(d.Changed), len(want), text(t, d))
	}
	for _, c := range d.Changed {
		if w := want[c.New.AppProtocol]; !slices.Equal(c.Impacts, w) {
			t.Errorf("%s: impacts %v, want %v", c.New.AppProtocol, c.Impacts, w)
		}
	}
	if len(d.Removed) != 1 || d.Removed[0].Flow.AppProtocol != "Updates" || d.Removed[0].Successor != "" {
		t.Errorf("removed %+v, want Updates with no successor", d.Removed)
	}
	if len(d.Added) != 1 || d.Added[0].AppProtocol != "Metrics" {
		t.Errorf("added %+v, want Metrics", d.Added)
	}
	for _, c := range d.Changed {
		if c.New.AppProtocol == "Remote control" && !slices.Equal(c.PortsRemoved, []data.PortRange{{From: 8444, To: 8444}}) {
			t.Errorf("Remote control: ports removed %v, want 8444", c.PortsRemoved)
		}
	}
}

func TestRepeatedProtocolChangeIsNotARename(t *testing.T) {
	oldRaw := "A | 53 (UDP) | x\nB | 123 (UDP) | y\nC | 161 (UDP) | z\nD | 514 (UDP) | w\n"
	newRaw := strings.ReplaceAll(oldRaw, "UDP", "TCP")
	if rs := findRenames(oldRaw, newRaw); len(rs) != 0 {
		t.Errorf("renames %+v: a transport changed on every row is a change of each row", rs)
	}
	oldRaw = "Talks to Contoso Hub.\nContoso Hub listens.\nSee Contoso Hub docs.\nThe Contoso Hub agent\n"
	newRaw = strings.ReplaceAll(oldRaw, "Contoso Hub", "Fabrikam Relay")
	rs := findRenames(oldRaw, newRaw)
	if len(rs) != 1 || rs[0].From != "Contoso Hub" || !slices.Equal(rs[0].To, []string{"Fabrikam Relay"}) {
		t.Errorf("renames %+v, want Contoso Hub -> Fabrikam Relay", rs)
	}
}

func TestPortsMinus(t *testing.T) {
	for _, c := range []struct {
		a, b, want []data.PortRange
	}{
		{[]data.PortRange{{From: 1, To: 10}}, []data.PortRange{{From: 3, To: 4}}, []data.PortRange{{From: 1, To: 2}, {From: 5, To: 10}}},
		{[]data.PortRange{{From: 80, To: 80}}, []data.PortRange{{From: 80, To: 80}}, nil},
		{[]data.PortRange{{From: 5671, To: 5672}}, []data.PortRange{{From: 5671, To: 5671}}, []data.PortRange{{From: 5672, To: 5672}}},
	} {
		if got := portsMinus(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("%v - %v = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestHistoryKeepsRemovedFlowsWithALiveSuccessor(t *testing.T) {
	v1, v2, v3 := load(t, "v1"), load(t, "v2"), load(t, "v3")
	h := Start(v1, data.Version{})
	if _, err := h.Add(v1, &v2, data.Version{}); err != nil {
		t.Fatal(err)
	}
	d, err := h.Add(v2, &v3, data.Version{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 3 || h.Latest().Number != 3 || h.Latest().Checksum != v3.Checksum || d.Version != 3 {
		t.Fatalf("versions %+v", h.Versions)
	}
	if !h.Has(v1.Checksum) || h.Has("0") {
		t.Error("Has")
	}
	if len(h.Gone) != 1 || h.Gone[0].RemovedIn != 3 || h.Gone[0].Flow.AppProtocol != "WinRM" || h.Gone[0].Successor == "" {
		t.Errorf("gone %+v", h.Gone)
	}
	// Version 4 drops the successor too: the flow gone in 3 now points where
	// the one removed in 4 points (the AD DS Web Services row beside it, same
	// endpoints and purpose), a flow version 4 has.
	v4 := v3
	v4.Sections = slices.Clone(v3.Sections)
	for i, s := range v4.Sections {
		s.Flows = slices.DeleteFunc(slices.Clone(s.Flows), func(f data.Flow) bool { return f.ID == h.Gone[0].Successor })
		v4.Sections[i] = s
	}
	v4.Raw, v4.Checksum = v3.Raw+"\n", "v4"
	if _, err := h.Add(v3, &v4, data.Version{}); err != nil {
		t.Fatal(err)
	}
	if len(h.Gone) != 2 || h.Gone[1].RemovedIn != 4 || h.Gone[0].Successor != h.Gone[1].Successor {
		t.Fatalf("gone after v4 %+v", h.Gone)
	}
	live := false
	for _, p := range v4.OrderedFlows() {
		if p.Flow.ID == h.Gone[1].Successor {
			live = p.Flow.AppProtocol == "AD DS Web Services"
		}
	}
	if !live {
		t.Errorf("successor %s is not the AD DS Web Services row of version 4", h.Gone[1].Successor)
	}
}

func TestReplayGivesTheSameIDsAsCarryingByHand(t *testing.T) {
	_, _, v3, _, d23 := chain(t)
	var vs []data.Version
	for _, n := range []string{"v1", "v2", "v3"} {
		d := load(t, n)
		b, _ := os.ReadFile(filepath.Join("testdata", "hybrid-identity-"+n+".json"))
		var m data.Meta
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, data.Version{Raw: d.Raw, Meta: m})
	}
	got, h, err := Replay(vs, func(v data.Version) (data.Document, error) { return extract.Extract(v.Meta, []byte(v.Raw)) })
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 3 || len(h.Diffs) != 2 || h.Versions[2].Number != 3 {
		t.Fatalf("history %d versions, %d diffs", len(h.Versions), len(h.Diffs))
	}
	g, w := got.OrderedFlows(), v3.OrderedFlows()
	for i := range w {
		if g[i].Flow.ID != w[i].Flow.ID {
			t.Errorf("flow %d: %s, want %s", i, g[i].Flow.ID, w[i].Flow.ID)
		}
	}
	if !bytes.Equal(text(t, h.Diffs[1]), text(t, d23)) {
		t.Error("replayed diff of v2->v3 differs")
	}
}
