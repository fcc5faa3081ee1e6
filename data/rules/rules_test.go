package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

func flow(id, section, src, dst string, protos []string, ports ...data.PortRange) data.Flow {
	return data.Flow{ID: id, URL: "/flows/" + id, Doc: "doc", Section: strings.ToUpper(section), SectionID: section,
		Source: src, Destination: dst, Protocols: protos, Ports: ports, Line: len(id), Purpose: "purpose " + id}
}

func pr(from, to int) data.PortRange { return data.PortRange{From: from, To: to} }

var tcp, udp, icmp = []string{"TCP"}, []string{"UDP"}, []string{"ICMP"}

func mapAll(names ...string) Mapping {
	var m Mapping
	for i, n := range names {
		vs, _ := ParseValues("192.0.2." + string(rune('1'+i)))
		m.Set(n, vs)
	}
	return m
}

func TestPortsOfOnePairMergeIntoOneRuleCoalesced(t *testing.T) {
	req := Build([]data.Flow{
		flow("a", "s", "App", "DB", tcp, pr(8000, 8005)),
		flow("b", "s", "app", "db", tcp, pr(443, 443), pr(8006, 8010)),
		flow("c", "s", "App ", "DB", tcp, pr(80, 80), pr(443, 443)),
		flow("d", "s", "App", "DB", udp, pr(53, 53)),
	}, Mapping{}, Options{})
	if len(req.Rules) != 2 {
		t.Fatalf("%d rules, want 2 (TCP and UDP)", len(req.Rules))
	}
	if got := req.Rules[0].PortsText(); got != "80, 443, 8000-8010" {
		t.Errorf("TCP ports = %q, want 80, 443, 8000-8010", got)
	}
	if got := len(req.Rules[0].Flows); got != 3 {
		t.Errorf("TCP rule cites %d flows, want 3", got)
	}
	if req.Rules[1].Protocol != "UDP" || req.Rules[1].Number != 2 {
		t.Errorf("second rule = %+v", req.Rules[1])
	}
}

func TestDuplicateRowsAcrossSectionsCollapseIntoOneRuleCitingBoth(t *testing.T) {
	req := Build([]data.Flow{
		flow("x1", "citrix-adc", "Citrix ADC NSIP", "Citrix ADM", udp, pr(162, 162)),
		flow("x2", "citrix-adm", "Citrix ADC NSIP", "Citrix ADM", udp, pr(162, 162)),
	}, Mapping{}, Options{})
	if len(req.Rules) != 1 {
		t.Fatalf("%d rules, want 1", len(req.Rules))
	}
	var secs []string
	for _, f := range req.Rules[0].Flows {
		secs = append(secs, f.SectionID)
	}
	if !slices.Equal(secs, []string{"citrix-adc", "citrix-adm"}) {
		t.Errorf("justification sections = %v", secs)
	}
}

func TestShippedCitrixDuplicatesCollapse(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var flows []data.Flow
	for _, d := range docs {
		for _, pf := range d.OrderedFlows() {
			if pf.Flow.Doc == "citrix" && (pf.Flow.SectionID == "citrix-adc" || pf.Flow.SectionID == "citrix-adm") {
				flows = append(flows, *pf.Flow)
			}
		}
	}
	req := Build(flows, Mapping{}, Options{})
	cross := 0
	for _, r := range req.Rules {
		secs := map[string]bool{}
		for _, f := range r.Flows {
			secs[f.SectionID] = true
		}
		if len(secs) == 2 {
			cross++
		}
	}
	if cross == 0 {
		t.Errorf("no rule cites both the ADC and the ADM section; the sections list the same flows (%d rules from %d flows)", len(req.Rules), len(flows))
	}
	if len(req.Rules) >= len(flows) {
		t.Errorf("%d rules from %d flows: nothing merged", len(req.Rules), len(flows))
	}
}

func TestBidirectionalFlowGivesARuleEachWay(t *testing.T) {
	f := flow("bi", "s", "Delivery Controller", "Virtual Delivery Agent", tcp, pr(80, 80))
	f.Direction = data.Bidirectional
	req := Build([]data.Flow{f}, Mapping{}, Options{})
	if len(req.Rules) != 2 {
		t.Fatalf("%d rules, want 2", len(req.Rules))
	}
	a, b := req.Rules[0], req.Rules[1]
	if a.Source != b.Destination || a.Destination != b.Source {
		t.Errorf("rules are not each other's reverse: %s->%s, %s->%s", a.Source.Name, a.Destination.Name, b.Source.Name, b.Destination.Name)
	}
	if a.Flows[0].Return || !b.Flows[0].Return {
		t.Error("the second rule is not marked as the return direction")
	}
}

func TestICMPRowGivesAnICMPRuleWithoutPorts(t *testing.T) {
	req := Build([]data.Flow{flow("i", "s", "Citrix ADM", "Citrix ADC NSIP", icmp)}, Mapping{}, Options{})
	if len(req.Rules) != 1 || req.Rules[0].Protocol != "ICMP" || len(req.Rules[0].Ports) != 0 || req.Rules[0].HasPorts() {
		t.Fatalf("rules = %+v", req.Rules)
	}
	if len(req.Gaps) != 0 {
		t.Errorf("ICMP row made a gap: %+v", req.Gaps)
	}
}

func TestHostNameRowsWithoutPortsFormTheAllowList(t *testing.T) {
	req := Build([]data.Flow{
		flow("h1", "s", "", "api.telemetry.cayosoft.com", nil),
		flow("h2", "s", "", "*.delivery.mp.microsoft.com", nil),
		flow("h3", "s", "", "Refer to the Microsoft article", nil),
	}, Mapping{}, Options{})
	if len(req.Rules) != 0 {
		t.Errorf("host-name rows made rules: %+v", req.Rules)
	}
	var names []string
	for _, n := range req.Names {
		names = append(names, n.Name)
	}
	if !slices.Equal(names, []string{"api.telemetry.cayosoft.com", "*.delivery.mp.microsoft.com"}) {
		t.Errorf("allow-list = %v", names)
	}
	if len(req.Gaps) != 1 || !strings.Contains(req.Gaps[0].Reason, "no transport and no port") {
		t.Errorf("gaps = %+v, want the sentence row as a gap", req.Gaps)
	}
}

func TestPortlessTCPRowIsAGapNeverARuleOnEveryPort(t *testing.T) {
	f := flow("n", "storefront", "StoreFront Server", "StoreFront Server", tcp)
	f.PortsRaw = "Randomly selected unreserved port per service."
	req := Build([]data.Flow{f}, mapAll("StoreFront Server"), Options{})
	if len(req.Rules) != 0 {
		t.Fatalf("a TCP row with no port became a rule: %+v", req.Rules[0])
	}
	if req.Complete() || len(req.Gaps) != 1 || !strings.Contains(req.Gaps[0].Reason, "Randomly selected") {
		t.Errorf("gaps = %+v, complete = %v", req.Gaps, req.Complete())
	}
}

func TestEmptySideIsANamedPlaceholderAndTheRequestIncomplete(t *testing.T) {
	f := flow("e", "server-basic", "", "Endpoint Centralサーバー", tcp, pr(8020, 8020))
	f.Doc = "endpoint-central"
	req := Build([]data.Flow{f}, mapAll("Endpoint Centralサーバー"), Options{})
	r := req.Rules[0]
	if !r.Source.Placeholder || r.Source.Name != "(unnamed source in endpoint-central/server-basic)" {
		t.Errorf("source = %+v", r.Source)
	}
	if req.Complete() || r.Complete() || r.Source.Mapped() {
		t.Error("a request with an empty side says it is complete")
	}
	if p := req.Problems(); len(p) != 1 || !strings.Contains(p[0], "(unnamed source in endpoint-central/server-basic)") {
		t.Errorf("problems = %v", p)
	}
	// The user may map the placeholder like any endpoint; then it is complete.
	m := mapAll("Endpoint Centralサーバー")
	vs, _ := ParseValues("10.10.0.0/16")
	m.Set("(unnamed source in endpoint-central/server-basic)", vs)
	if req := Build([]data.Flow{f}, m, Options{}); !req.Complete() {
		t.Errorf("mapped placeholder: problems %v", req.Problems())
	}
}

func TestNothingBecomesAnyUnlessTyped(t *testing.T) {
	req := Build([]data.Flow{flow("a", "s", "Admin Workstation", "Citrix ADM", tcp, pr(443, 443))}, Mapping{}, Options{})
	for _, e := range req.Endpoints {
		if e.Mapped() || e.IsAny() {
			t.Errorf("%s is mapped (%v) without a mapping", e.Name, e.Values)
		}
	}
	vs, _ := ParseValues("any")
	var m Mapping
	m.Set("Admin Workstation", vs)
	req = Build([]data.Flow{flow("a", "s", "Admin Workstation", "Citrix ADM", tcp, pr(443, 443))}, m, Options{})
	if !req.Rules[0].Source.IsAny() || req.Rules[0].Destination.Mapped() {
		t.Errorf("typed any: source %v, destination %v", req.Rules[0].Source.Values, req.Rules[0].Destination.Values)
	}
}

func TestJustificationCitesDocumentSectionAndLinks(t *testing.T) {
	f := flow("f1", "citrix-adm", "Citrix ADM", "NTP Server", udp, pr(123, 123))
	f.Line, f.Requirement = 60, data.Required
	req := Build([]data.Flow{f}, Mapping{}, Options{BaseURL: "https://p.example", Docs: map[string]Doc{"doc": {Title: "Ports", URL: "https://vendor.example/ports"}}})
	ref := req.Rules[0].Flows[0]
	if ref.SourceURL != "https://p.example/docs/doc/source#L60" || ref.FlowURL != "https://p.example/flows/f1" ||
		ref.VendorURL != "https://vendor.example/ports" || ref.DocTitle != "Ports" || ref.Section != "CITRIX-ADM" || ref.Requirement != "required" {
		t.Errorf("ref = %+v", ref)
	}
}

func TestHostsOfSelectedSectionsJoinTheAllowList(t *testing.T) {
	hosts := []data.Host{
		{Name: "graph.microsoft.com", Kind: "fqdn", Doc: "doc", SectionID: "s", Line: 9},
		{Name: "other.example.com", Kind: "fqdn", Doc: "doc", SectionID: "elsewhere", Line: 10},
		{Name: "tied.example.com", Kind: "fqdn", Doc: "doc", SectionID: "s", FlowID: "unselected", Line: 11},
	}
	req := Build([]data.Flow{flow("a", "s", "A", "B", tcp, pr(1, 1))}, Mapping{}, Options{Hosts: hosts})
	if len(req.Names) != 1 || req.Names[0].Name != "graph.microsoft.com" {
		t.Errorf("names = %+v", req.Names)
	}
}

func TestCoalesce(t *testing.T) {
	got := data.FormatPorts(Coalesce([]data.PortRange{pr(443, 443), pr(80, 80), pr(81, 90), pr(85, 85), pr(49152, 65535), pr(50000, 50010)}))
	if got != "80-90, 443, 49152-65535" {
		t.Errorf("Coalesce = %q", got)
	}
}
