package lint

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestShippedRegistryNamesItsSourceAndDate(t *testing.T) {
	r := Default()
	if !strings.Contains(r.Source, "iana.org") || r.Date == "" {
		t.Errorf("source %q, date %q: the IANA subset must say where and when it was taken from", r.Source, r.Date)
	}
	// Spot checks of the facts the real errors are judged by.
	for _, want := range []Assignment{
		{Name: "mobilip-mn", Port: 435}, {Name: "microsoft-ds", Port: 445},
		{Name: "http", Port: 80}, {Name: "https", Port: 443}, {Name: "ldap", Port: 389},
	} {
		if !slices.ContainsFunc(r.byPort[want.Port], func(a Assignment) bool { return a.Name == want.Name }) {
			t.Errorf("no IANA assignment %s/%d", want.Name, want.Port)
		}
	}
	for _, c := range Checks {
		if c.ID == "" || c.Title == "" || c.Explanation == "" || c.Fix == "" || !slices.Contains([]string{Error, Warning, Info}, c.Severity) {
			t.Errorf("check %+v is incomplete", c)
		}
	}
}

func TestParseRegistryRefusesAServiceWithoutAssignment(t *testing.T) {
	_, err := ParseRegistry([]byte(`{"source":"s","date":"d","assignments":[],"services":[{"id":"x","family":"x","uses":["tcp"],"iana":["nope"]}]}`))
	if err == nil || !strings.Contains(err.Error(), `no assignment named "nope"`) {
		t.Errorf("err = %v", err)
	}
	_, err = ParseRegistry([]byte(`{"assignments":[],"services":[]}`))
	if err == nil || !strings.Contains(err.Error(), "source and date") {
		t.Errorf("err = %v", err)
	}
}

// doc makes a one-section document of flows, numbering their lines.
func doc(slug string, flows ...data.Flow) data.Document {
	for i := range flows {
		flows[i].Doc = slug
		flows[i].Ordinal = i + 1
		flows[i].Line = i + 10
		if flows[i].ID == "" {
			flows[i].ID = fmt.Sprintf("%s-%d", slug, i+1)
		}
	}
	return data.Document{Slug: slug, Sections: []data.Section{{Slug: "s", Title: "S", Ordinal: 1, Flows: flows}}}
}

func tcp(ports ...int) ([]string, []data.PortRange) {
	var rs []data.PortRange
	for _, p := range ports {
		rs = append(rs, data.PortRange{From: p, To: p})
	}
	return []string{"TCP"}, rs
}

func flow(src, dst, protos, purpose string, ports ...int) data.Flow {
	_, rs := tcp(ports...)
	var ps []string
	if protos != "" {
		ps = strings.Split(protos, "/")
	}
	return data.Flow{Source: src, Destination: dst, Protocols: ps, Ports: rs, Purpose: purpose}
}

func checksOf(fs []Finding, flowID string) []string {
	var out []string
	for _, f := range fs {
		if f.FlowID == flowID {
			out = append(out, f.Check)
		}
	}
	return out
}

func TestEachCheckFiresAndStaysQuiet(t *testing.T) {
	r := Default()
	for _, tc := range []struct {
		name  string
		flows []data.Flow
		check string
		fires []bool // per flow
	}{
		{"HTTPS on 80 and HTTP on 443 (Cayosoft), not HTTP on 80 or either on a vendor port", []data.Flow{
			flow("a", "b", "TCP", "HTTPS", 80),
			flow("a", "b", "TCP", "HTTP Connections", 443),
			flow("a", "b", "TCP", "HTTP or HTTPS - GUI Administration", 80, 443),
			flow("a", "b", "TCP", "Initial HTTP Requests", 80),
			{Source: "a", Destination: "b", Protocols: []string{"TCP"}, Ports: []data.PortRange{{From: 8020, To: 8020}}, AppProtocol: "HTTP"},
		}, PortService, []bool{true, true, false, false, false}},
		{"File Sharing on 435 where SMB is 445, not on 445 or 139", []data.Flow{
			flow("a", "b", "TCP", "File Sharing and Management", 435),
			flow("a", "b", "TCP", "SMB over TCP", 445),
			flow("a", "b", "TCP", "NETBIOS Sessions", 139),
		}, PortService, []bool{true, false, false}},
		{"LDAPS and global catalog share LDAP's family; ICA over 443 is never judged", []data.Flow{
			flow("a", "b", "TCP", "LDAP SSL connection", 636),
			flow("a", "b", "TCP", "LDAP connection to Global Catalog over SSL", 3269),
			flow("a", "b", "TCP/UDP", "Access to applications and virtual desktops by ICA/HDX over TLS", 443),
		}, PortService, []bool{false, false, false}},
		{"HTTP and HTTPS over UDP; DNS, LDAP and EDT over UDP are fine", []data.Flow{
			flow("a", "StoreFront", "TCP/UDP", "Communication with StoreFront", 80, 443),
			{Source: "a", Destination: "b", Protocols: []string{"TCP", "UDP"}, Ports: []data.PortRange{{From: 8443, To: 8443}}, AppProtocol: "HTTPS"},
			flow("a", "b", "TCP/UDP", "DNS", 53),
			flow("a", "b", "TCP/UDP", "LDAP", 389),
			flow("a", "b", "UDP", "EDT UDP over 443 to Gateway Service", 443),
			{Source: "a", Destination: "b", Protocols: []string{"TCP", "UDP"}, Ports: []data.PortRange{{From: 8443, To: 8443}}, AppProtocol: "HTTPS", ProtocolRaw: "HTTPS UDP(音声通話・ビデオ通話)"},
		}, TransportService, []bool{true, true, false, false, false, false}},
		{"LDAPS and NTP over the other transport", []data.Flow{
			flow("a", "b", "TCP/UDP", "LDAP/SSL", 636),
			flow("a", "b", "TCP/UDP", "Time Synchronization", 123),
			flow("a", "b", "UDP", "NTP", 123),
		}, TransportService, []bool{true, true, false}},
		{"missing source", []data.Flow{flow("", "b", "TCP", "", 1), flow("a", "b", "TCP", "", 1)}, MissingSource, []bool{true, false}},
		{"missing destination", []data.Flow{flow("a", " ", "TCP", "", 1), flow("a", "b", "TCP", "", 1)}, MissingDest, []bool{true, false}},
		{"missing transport, not ICMP", []data.Flow{flow("a", "b", "", "Telemetry"), flow("a", "b", "ICMP", "ping")}, MissingTransport, []bool{true, false}},
		{"undefined mark 〇, not ● read as required", []data.Flow{
			{Source: "a", Destination: "b", RequirementRaw: "〇"},
			{Source: "a", Destination: "b", RequirementRaw: "●", Requirement: data.Required},
			{Source: "a", Destination: "b"},
		}, UndefinedMark, []bool{true, false, false}},
		{"duplicate rows, not rows that differ in port or purpose", []data.Flow{
			flow("a", "b", "TCP", "LDAP", 389),
			flow("a", "b", "TCP", "LDAP", 636),
			flow("a", "b", "TCP", "LDAP", 389),
			flow("a", "b", "TCP", "LDAPS", 389),
		}, DuplicateRow, []bool{false, false, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := doc("d", tc.flows...)
			fs := r.Run([]data.Document{d})
			for i, f := range d.Sections[0].Flows {
				got := slices.Contains(checksOf(fs, f.ID), tc.check)
				if got != tc.fires[i] {
					t.Errorf("flow %d (%s %v %v): %s fired = %v, want %v; findings %v", i+1, f.Purpose+f.AppProtocol, f.Protocols, f.Ports, tc.check, got, tc.fires[i], fs)
				}
			}
		})
	}
}

func TestDuplicateAcrossSectionsOnlyWhenBothEndpointsAreNamed(t *testing.T) {
	a := flow("host", "SharePoint Online", "TCP", "HTTPS", 443)
	b := flow("host", "", "TCP", "Initial HTTP Requests", 80)
	d := data.Document{Slug: "d", Sections: []data.Section{
		{Slug: "sp", Title: "SharePoint Online", Ordinal: 1, Flows: []data.Flow{a, b}},
		{Slug: "teams", Title: "Microsoft Teams", Ordinal: 2, Flows: []data.Flow{a, b}},
	}}
	for i := range d.Sections {
		for j := range d.Sections[i].Flows {
			f := &d.Sections[i].Flows[j]
			f.ID, f.Ordinal, f.Line = fmt.Sprintf("f%d%d", i, j), i*2+j+1, i*2+j+1
		}
	}
	fs := Default().Run([]data.Document{d})
	if got := checksOf(fs, "f10"); !slices.Contains(got, DuplicateRow) {
		t.Errorf("the Teams copy of the SharePoint row: %v, want a duplicate-row finding", got)
	}
	if got := checksOf(fs, "f11"); slices.Contains(got, DuplicateRow) {
		t.Errorf("a row naming only one side under another heading is another flow: %v", got)
	}
}

func TestDocumentsDisagreeOnLDAPOverUDP(t *testing.T) {
	both := flow("a", "DC", "TCP/UDP", "LDAP", 389)
	tcpOnly := flow("a", "DC", "TCP", "LDAP", 389)
	udpDNS := flow("a", "DNS", "UDP", "DNS", 53)
	fs := Default().Run([]data.Document{doc("ms", both), doc("cayo", tcpOnly, udpDNS), doc("eps", tcpOnly)})
	if got := checksOf(fs, "cayo-1"); !slices.Contains(got, DocsDisagree) {
		t.Errorf("TCP-only LDAP where another document opens UDP: %v", got)
	}
	if got := checksOf(fs, "ms-1"); slices.Contains(got, DocsDisagree) {
		t.Errorf("the document opening both is not the one leaving something out: %v", got)
	}
	if got := checksOf(fs, "cayo-2"); slices.Contains(got, DocsDisagree) {
		t.Errorf("DNS on UDP only, with no other document listing 53: %v", got)
	}
	var detail string
	for _, f := range fs {
		if f.FlowID == "eps-1" && f.Check == DocsDisagree {
			detail = f.Detail
		}
	}
	if !strings.Contains(detail, "ms also open UDP") {
		t.Errorf("detail %q should name the documents that disagree", detail)
	}
}

func TestRunChangesNothing(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprintf("%+v", docs)
	Default().Run(docs)
	if fmt.Sprintf("%+v", docs) != before {
		t.Error("Run changed the documents")
	}
}

// TestShippedDocumentFindings asserts every finding on the five shipped
// documents against testdata/findings.golden (reviewed by hand; go test
// -update rewrites it), and the real errors by ID.
func TestShippedDocumentFindings(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	fs := Default().Run(docs)
	var b strings.Builder
	count := map[string]int{}
	for _, f := range fs {
		count[f.Check]++
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", f.FlowID, f.Check, f.Severity, f.Detail)
	}
	b.WriteString("# findings per check\n")
	for _, c := range Checks {
		fmt.Fprintf(&b, "# %s\t%d\n", c.ID, count[c.ID])
	}
	golden(t, "testdata/findings.golden", b.String())

	for _, want := range []struct{ id, check string }{
		{"cayosoft-xyb26yvz", PortService},       // 443 "HTTP Connections"
		{"cayosoft-8b0nczdk", PortService},       // 80 "HTTPS"
		{"cayosoft-8yzhsgj6", PortService},       // 435 "File Sharing and Management"
		{"citrix-gwvmk54n", TransportService},    // StoreFront over TCP/UDP 80, 443
		{"microsoft-cw9sq7aj", TransportService}, // LDAP/SSL 636 TCP/UDP
		{"cayosoft-gczzn5p4", DocsDisagree},      // LDAP 389 TCP only
		{"endpoint-central-k5ctp8qp", UndefinedMark},
	} {
		if !slices.Contains(checksOf(fs, want.id), want.check) {
			t.Errorf("%s: no %s finding", want.id, want.check)
		}
	}
	if n := count[UndefinedMark]; n != 14 {
		t.Errorf("%d rows with an undefined mark; Endpoint Central marks 14 rows 〇", n)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(go test -update rewrites it; review the diff)", name, i+1, g, w)
			}
		}
	}
}
