package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// flowIDsOf lists the flows a response selects, in order: the API's JSON,
// the CSV export's deep links, the listing page's and the port page's rows.
func flowIDsOf(t *testing.T, srv http.Handler, target string) []string {
	t.Helper()
	target = strings.NewReplacer(" ", "+", `"`, "%22").Replace(target) // as a browser sends them
	r := get(t, srv, target)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: status %d: %.300s", target, r.Status, r.Body)
	}
	var out []string
	switch {
	case strings.HasPrefix(target, "/api/v1/flows"):
		var api apiFlows
		getJSON(t, srv, target, &api)
		out = ids(api.Flows)
	case strings.HasPrefix(target, "/flows.csv"):
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		link := slices.Index(rows[0], "link")
		for _, row := range rows[1:] {
			_, id, ok := strings.Cut(row[link], "/flows/")
			if !ok {
				t.Fatalf("%s: row %q has no deep link", target, row)
			}
			out = append(out, id)
		}
	default: // /flows and /ports/{port}
		for _, m := range flowRowRE.FindAllStringSubmatch(r.Body, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

var flowRowRE = regexp.MustCompile(`data-flow="([^"]+)"`)

// wordsMatch is the documented meaning of src= and dst=, written apart from
// the server: the query's words appear whole, in order, in the name, the
// last of them perhaps with an s or es added.
func wordsMatch(name, query string) bool {
	words := strings.Fields(regexp.MustCompile(`[^\pL\pN]+`).ReplaceAllString(query, " "))
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w) + "(?:e?s)?"
	}
	re := regexp.MustCompile(`(?i)(?:^|[^\pL\pN])` + strings.Join(words, `[^\pL\pN]+`) + `(?:$|[^\pL\pN])`)
	return re.MatchString(name)
}

// TestEveryFilterSelectsTheSameFlowsInEveryForm runs each filter in every
// form a user can write it (repeated URL parameter, comma list, the search
// syntax, excluded) against every page that lists flows, and checks they all
// select the flows the filter's documented meaning selects.
func TestEveryFilterSelectsTheSameFlowsInEveryForm(t *testing.T) {
	srv := newTestServer(t)
	all := allFlows(t)
	type filterCase struct {
		name  string
		match func(f data.Flow) bool // the documented meaning of the included values
		forms []string               // query strings that include them
		out   []string               // query strings that exclude them
		port  []string               // /ports/{port} paths with their query, where the filter is a port
	}
	hasProto := func(f data.Flow, p string) bool {
		return slices.ContainsFunc(f.Protocols, func(fp string) bool { return strings.EqualFold(fp, p) })
	}
	onPort := func(f data.Flow, from, to int) bool {
		return slices.ContainsFunc(f.Ports, data.PortRange{From: from, To: to}.Overlaps)
	}
	cases := []filterCase{
		{name: "proto", match: func(f data.Flow) bool { return hasProto(f, "tcp") || hasProto(f, "udp") },
			forms: []string{"proto=tcp&proto=udp", "proto=tcp,udp", "proto=UDP,%20TCP", "q=proto:tcp,udp", "q=proto:tcp+proto:udp", "proto=tcp&q=protocol:udp"},
			out:   []string{"-proto=tcp&-proto=udp", "-proto=tcp,udp", "q=-proto:tcp,udp"}},
		{name: "doc", match: func(f data.Flow) bool { return f.Doc == "citrix" || f.Doc == "lithnet" },
			forms: []string{"doc=citrix&doc=lithnet", "doc=citrix,lithnet", "doc=Citrix,LITHNET", "q=doc:citrix,lithnet", "q=document:citrix+doc:lithnet"},
			out:   []string{"-doc=citrix&-doc=lithnet", "-doc=Citrix,lithnet", "q=-doc:citrix+-doc:lithnet"}},
		{name: "section", match: func(f data.Flow) bool { return f.SectionID == "server" || f.SectionID == "gateway" },
			forms: []string{"section=server&section=gateway", "section=server,gateway", "q=section:server,gateway"},
			out:   []string{"-section=server,gateway", "q=-section:server+-section:gateway"}},
		{name: "port", match: func(f data.Flow) bool { return onPort(f, 443, 443) || onPort(f, 80, 90) },
			forms: []string{"port=443&port=80-90", "port=443,80-90", "port=%EF%BC%94%EF%BC%94%EF%BC%93,80-90", "q=port:443,80-90"},
			out:   []string{"-port=443,80-90", "q=-port:443+-port:80-90"},
			port:  []string{"/ports/443,80-90", "/ports/80-90,443", "/ports/443?port=80-90"}},
		{name: "port over a protocol", match: func(f data.Flow) bool { return onPort(f, 443, 443) && hasProto(f, "tcp") },
			forms: []string{"port=443/tcp", "port=tcp/443", "port=TCP%20443", "port=443&proto=tcp", "q=port:tcp/443", "q=port:443+proto:tcp"},
			out:   []string{"-port=443/tcp", "q=-port:tcp/443"},
			port:  []string{"/ports/tcp/443", "/ports/443/tcp", "/ports/443?proto=tcp"}},
		{name: "req", match: func(f data.Flow) bool { return f.Requirement == data.Required || f.Requirement == "" },
			forms: []string{"req=required&req=none", "req=required,none", "q=req:required,none", "q=requirement:none+req:required"},
			out:   []string{"-req=required,none", "q=-req:required,none"}},
		{name: "dir", match: func(f data.Flow) bool { return f.Direction == data.Inbound || f.Direction == data.Outbound },
			forms: []string{"dir=inbound&dir=outbound", "dir=inbound,outbound", "q=dir:inbound,outbound"},
			out:   []string{"-dir=inbound,outbound", "q=-direction:inbound,outbound"}},
		{name: "src", match: func(f data.Flow) bool {
			return wordsMatch(f.Source, "AMS server") || wordsMatch(f.Source, "admin workstation")
		},
			forms: []string{"src=AMS+server&src=admin+workstation", "src=ams+server,admin+workstation", `q=src:"AMS server"+src:"Admin Workstation"`, `q=source:"ams server,admin workstation"`},
			out:   []string{"-src=AMS+server,admin+workstation", `q=-src:"AMS server"+-src:"admin workstation"`}},
		{name: "dst", match: func(f data.Flow) bool {
			return wordsMatch(f.Destination, "dc") || wordsMatch(f.Destination, "domain controller")
		},
			forms: []string{"dst=dc&dst=domain+controller", "dst=DC,domain+controller", "q=dst:dc,%22domain+controller%22", `q=destination:dc+dst:"Domain Controller"`},
			out:   []string{"-dst=dc,domain+controller", "q=-dst:dc+-dst:%22domain+controller%22"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want, rest []string
			for _, f := range all {
				if tc.match(f) {
					want = append(want, f.ID)
				} else {
					rest = append(rest, f.ID)
				}
			}
			if len(want) == 0 || len(rest) == 0 {
				t.Fatalf("the filter selects %d of %d flows: pick values that split the data", len(want), len(all))
			}
			check := func(target string, want []string) {
				t.Helper()
				got := flowIDsOf(t, srv, target)
				if strings.HasPrefix(target, "/flows?") { // the page lists its first 50
					want = want[:min(50, len(want))]
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: %d flows, want %d (first differences: %v)", target, len(got), len(want), firstDiff(got, want))
				}
			}
			for _, q := range tc.forms {
				check("/api/v1/flows?limit=1000&"+q, want)
				check("/flows.csv?"+q, want)
				check("/flows?"+q, want)
			}
			for _, q := range tc.out {
				check("/api/v1/flows?limit=1000&"+q, rest)
				check("/flows.csv?"+q, rest)
				check("/flows?"+q, rest)
			}
			for _, p := range tc.port {
				check(p, want)
			}
		})
	}
}

// firstDiff names a few flows in one list and not the other.
func firstDiff(got, want []string) []string {
	var out []string
	for _, id := range got {
		if !slices.Contains(want, id) && len(out) < 3 {
			out = append(out, "+"+id)
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) && len(out) < 6 {
			out = append(out, "-"+id)
		}
	}
	return out
}

// TestHostsTakeTheDocumentFilterInEveryForm: /hosts and its API and CSV
// read doc= and section= as the flow listings do.
func TestHostsTakeTheDocumentFilterInEveryForm(t *testing.T) {
	srv := newTestServer(t)
	hostsOf := func(target string) []string {
		t.Helper()
		var res struct {
			Hosts []data.Host `json:"hosts"`
		}
		getJSON(t, srv, target, &res)
		var out []string
		for _, h := range res.Hosts {
			out = append(out, h.Doc+" "+h.Name)
		}
		return out
	}
	var citrix, others []string
	for _, d := range allDocs(t) {
		for _, h := range d.Hosts {
			if d.Slug == "citrix" {
				citrix = append(citrix, d.Slug+" "+h.Name)
			} else {
				others = append(others, d.Slug+" "+h.Name)
			}
		}
	}
	if len(citrix) == 0 || len(others) == 0 {
		t.Fatalf("citrix has %d hosts, the others %d: the test needs both", len(citrix), len(others))
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"doc=citrix", citrix}, {"doc=Citrix", citrix}, {"doc=citrix,citrix", citrix},
		{"-doc=citrix", others}, {"-doc=Citrix", others},
	} {
		got := hostsOf("/api/v1/hosts?" + tc.query)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("/api/v1/hosts?%s: %d hosts, want %d", tc.query, len(got), len(want))
		}
		for _, page := range []string{"/hosts?", "/hosts.csv?"} {
			if r := get(t, srv, page+tc.query); r.Status != http.StatusOK || !strings.Contains(r.Body, strings.Fields(tc.want[0])[1]) {
				t.Errorf("%s%s: status %d, or it lacks %s", page, tc.query, r.Status, tc.want[0])
			}
		}
	}
	if r := get(t, srv, "/hosts?proto=tcp"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "proto") {
		t.Errorf("/hosts?proto=tcp: status %d, want a 400 naming proto", r.Status)
	}
}

// TestDestinationDCFindsDomainControllersNotCitrixADC is the README's own
// example: dst:dc matches the word DC, not the letters inside ADC, DHCP or
// OIDC.
func TestDestinationDCFindsDomainControllersNotCitrixADC(t *testing.T) {
	srv := newTestServer(t)
	for _, target := range []string{"/api/v1/flows?limit=1000&dst=dc", "/api/v1/flows?limit=1000&q=" + url.QueryEscape("dst:dc")} {
		var api apiFlows
		getJSON(t, srv, target, &api)
		if len(api.Flows) == 0 {
			t.Fatalf("%s: no flow", target)
		}
		for _, f := range api.Flows {
			if !regexp.MustCompile(`\bDCs?\b`).MatchString(f.Destination) {
				t.Errorf("%s: %s to %q, which names no DC", target, f.ID, f.Destination)
			}
		}
	}
	// The data has the look-alikes a substring would find.
	for _, near := range []string{"Citrix ADC", "DHCPServer", "OIDC"} {
		if !slices.ContainsFunc(allFlows(t), func(f data.Flow) bool { return strings.Contains(f.Destination, near) }) {
			t.Errorf("no destination has %q: the test no longer tells words from substrings", near)
		}
	}
}
