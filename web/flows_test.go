package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// asciiLower folds ASCII letters only, as SQLite's LIKE does.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func contains(field, sub string) bool { return strings.Contains(asciiLower(field), asciiLower(sub)) }

// refFilter is the documented filter meaning, written independently of the
// server: values of one parameter ORed, parameters ANDed.
func refFilter(flows []data.Flow, v url.Values) []data.Flow {
	anyOf := func(key string, ok func(string) bool) bool {
		vals := v[key]
		if len(vals) == 0 {
			return true
		}
		return slices.ContainsFunc(vals, ok)
	}
	var out []data.Flow
	for _, f := range flows {
		match := anyOf("doc", func(d string) bool { return f.Doc == d }) &&
			anyOf("section", func(s string) bool { return f.SectionID == s }) &&
			anyOf("proto", func(p string) bool {
				return slices.ContainsFunc(f.Protocols, func(fp string) bool { return strings.EqualFold(fp, p) })
			}) &&
			anyOf("port", func(p string) bool {
				a, b, ok := strings.Cut(p, "-")
				from, _ := strconv.Atoi(a)
				to := from
				if ok {
					to, _ = strconv.Atoi(b)
				}
				q := data.PortRange{From: from, To: to}
				return slices.ContainsFunc(f.Ports, q.Overlaps)
			}) &&
			anyOf("req", func(r string) bool { return f.Requirement == r || r == "none" && f.Requirement == "" }) &&
			anyOf("dir", func(d string) bool { return f.Direction == d || d == "none" && f.Direction == "" }) &&
			anyOf("src", func(s string) bool { return wordsMatch(f.Source, s) }) &&
			anyOf("dst", func(s string) bool { return wordsMatch(f.Destination, s) }) &&
			anyOf("q", func(q string) bool {
				for _, field := range []string{f.Purpose, f.PurposeEn, f.Source, f.Destination, f.Service,
					f.Notes, f.NotesEn, f.AppProtocol, f.PortsRaw} {
					if contains(field, q) {
						return true
					}
				}
				return false
			})
		if match {
			out = append(out, f)
		}
	}
	return out
}

func ids(flows []data.Flow) []string {
	out := make([]string, len(flows))
	for i, f := range flows {
		out[i] = f.ID
	}
	return out
}

type apiFlows struct {
	Total int         `json:"total"`
	Flows []data.Flow `json:"flows"`
}

// filterCases exercise every filter alone and combined, with values chosen from
// the data so they hold whatever the extractor yields.
var filterCases = []string{
	"",
	"port=50000",
	"port=443",
	"port=80-90",
	"port=135&port=445",
	"port=５００００", // full-width digits
	"proto=udp",
	"proto=TCP&proto=udp",
	"proto=icmp",
	"doc=citrix",
	"doc=lithnet&doc=microsoft",
	"doc=endpoint-central&proto=tcp&port=8000-9000",
	"section=server",
	"doc=zzfix-en&section=gateway",
	"q=ldap",
	"q=LDAP&proto=udp",
	"q=証明書",
	"q=100%25",
	"q=_",
	"src=ams",
	"dst=domain",
	"src=エージェント",
	"req=required",
	"req=required&req=recommended",
	"req=none",
	"dir=inbound",
	"dir=outbound&dir=bidirectional",
	"dir=none&doc=citrix",
	"doc=citrix&proto=tcp&port=443&src=admin",
}

func TestAPIFlowsMatchTheDocumentedFilterMeaning(t *testing.T) {
	srv := newTestServer(t)
	flows := allFlows(t)
	for _, raw := range filterCases {
		t.Run(raw, func(t *testing.T) {
			v, _ := url.ParseQuery(raw)
			if p := v["port"]; len(p) == 1 && p[0] == "５００００" {
				v["port"] = []string{"50000"}
			}
			want := refFilter(flows, v)
			var got apiFlows
			getJSON(t, srv, "/api/v1/flows?limit=1000&"+raw, &got)
			if got.Total != len(want) {
				t.Errorf("total %d, want %d", got.Total, len(want))
			}
			g, w := ids(got.Flows), ids(want)
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Errorf("ids differ:\n got %v\nwant %v", g, w)
			}
		})
	}
}

func TestPortFilterMatchesRangeContainingPort(t *testing.T) {
	srv := newTestServer(t)
	var got apiFlows
	getJSON(t, srv, "/api/v1/flows?port=50000&limit=1000", &got)
	if got.Total == 0 {
		t.Fatal("no flow contains port 50000; the fixture has one")
	}
	for _, f := range got.Flows {
		if !slices.ContainsFunc(f.Ports, func(r data.PortRange) bool { return r.Contains(50000) }) {
			t.Errorf("flow %s (%s) does not contain 50000", f.ID, data.FormatPorts(f.Ports))
		}
	}
	// A range wider than the port counts: the fixture's 49990-50010.
	if !slices.Contains(ids(got.Flows), "zzfix-gw-2") {
		t.Error("range 49990-50010 not matched by port=50000")
	}
}

func TestAPIFlowsPaginateWithLimitAndOffset(t *testing.T) {
	srv := newTestServer(t)
	var all, page apiFlows
	getJSON(t, srv, "/api/v1/flows?limit=1000", &all)
	getJSON(t, srv, "/api/v1/flows?limit=7&offset=5", &page)
	if page.Total != all.Total || len(page.Flows) != 7 {
		t.Fatalf("page: total %d, %d flows; want %d and 7", page.Total, len(page.Flows), all.Total)
	}
	if !slices.Equal(ids(page.Flows), ids(all.Flows[5:12])) {
		t.Errorf("limit=7&offset=5 is not flows 5..11")
	}
	var def apiFlows
	getJSON(t, srv, "/api/v1/flows", &def)
	if want := min(100, all.Total); len(def.Flows) != want {
		t.Errorf("default limit gives %d flows, want %d", len(def.Flows), want)
	}
	// Document order by default, port order on request.
	if !slices.Equal(ids(all.Flows), ids(allFlows(t))) {
		t.Errorf("default order is not document order")
	}
	var byPort apiFlows
	getJSON(t, srv, "/api/v1/flows?limit=1000&sort=port", &byPort)
	low := func(f data.Flow) int {
		if len(f.Ports) == 0 {
			return 1 << 20
		}
		m := f.Ports[0].From
		for _, r := range f.Ports {
			m = min(m, r.From)
		}
		return m
	}
	for i := 1; i < len(byPort.Flows); i++ {
		if low(byPort.Flows[i-1]) > low(byPort.Flows[i]) {
			t.Fatalf("sort=port: %s before %s", data.FormatPorts(byPort.Flows[i-1].Ports), data.FormatPorts(byPort.Flows[i].Ports))
		}
	}
}

func TestAPIFlowIsTheSameObjectAsInTheListing(t *testing.T) {
	srv := newTestServer(t)
	var list apiFlows
	getJSON(t, srv, "/api/v1/flows?doc=zzfix-ja", &list)
	for _, f := range list.Flows {
		var one data.Flow
		getJSON(t, srv, "/api/v1/flows/"+f.ID, &one)
		if fmt.Sprint(one) != fmt.Sprint(f) {
			t.Errorf("/api/v1/flows/%s differs from the listing:\n%+v\n%+v", f.ID, one, f)
		}
	}
	if len(list.Flows) != 2 || list.Flows[0].Purpose != "エージェントとサーバー間の通信" || list.Flows[0].URL != "/flows/zzfix-ja-1" {
		t.Errorf("fixture flows: %+v", list.Flows)
	}
}

var totalRE = regexp.MustCompile(`data-testid="total"><strong>(\d+) flows?</strong>`)

// TestListingPageShowsTheSameFlowsAsTheAPI: the HTML page, CSV and API parse the
// same parameters the same way.
func TestListingPageShowsTheSameFlowsAsTheAPI(t *testing.T) {
	srv := newTestServer(t)
	rowRE := regexp.MustCompile(`data-flow="([^"]+)"`)
	for _, raw := range filterCases {
		t.Run(raw, func(t *testing.T) {
			var api apiFlows
			getJSON(t, srv, "/api/v1/flows?limit=1000&"+raw, &api)
			page := get(t, srv, "/flows?"+raw)
			m := totalRE.FindStringSubmatch(page.Body)
			if m == nil {
				t.Fatalf("no total on the page")
			}
			if n, _ := strconv.Atoi(m[1]); n != api.Total {
				t.Errorf("page says %d flows, API %d", n, api.Total)
			}
			var rows []string
			for _, mm := range rowRE.FindAllStringSubmatch(page.Body, -1) {
				rows = append(rows, mm[1])
			}
			want := ids(api.Flows)[:min(50, len(api.Flows))]
			if !slices.Equal(rows, want) {
				t.Errorf("page rows %v, want the API's first 50 %v", rows, want)
			}
		})
	}
}

func TestListingPaginates(t *testing.T) {
	srv := newTestServer(t)
	var api apiFlows
	getJSON(t, srv, "/api/v1/flows?limit=1000", &api)
	if api.Total <= 50 {
		t.Skipf("only %d flows", api.Total)
	}
	p2 := get(t, srv, "/flows?page=2").Body
	if !strings.Contains(p2, `data-flow="`+api.Flows[50].ID+`"`) || strings.Contains(p2, `data-flow="`+api.Flows[0].ID+`"`) {
		t.Error("page 2 does not start at flow 51")
	}
	if !strings.Contains(p2, `href="/flows?page=3"`) || !strings.Contains(p2, `href="/flows"`) {
		t.Error("page 2 lacks links to pages 1 and 3")
	}
	last := (api.Total + 49) / 50
	beyond := get(t, srv, "/flows?page="+strconv.Itoa(last+1))
	if beyond.Status != 200 || !strings.Contains(beyond.Body, `data-testid="empty"`) {
		t.Errorf("page past the end: %d", beyond.Status)
	}
}

var facetRE = regexp.MustCompile(`<section class="facet" data-testid="facet-(\w+)">`)
var facetItemRE = regexp.MustCompile(`(?s)<a href="([^"]+)" class="(?:on)?" data-testid="facet-link" data-value="([^"]*)".*?<span class="count">(\d+)</span>`)

// facetCounts reads the facet counts of a listing page: key -> value -> count,
// and the toggle link of each.
func facetCounts(t *testing.T, body string) (map[string]map[string]int, map[string]map[string]string) {
	t.Helper()
	counts := map[string]map[string]int{}
	links := map[string]map[string]string{}
	locs := facetRE.FindAllStringSubmatchIndex(body, -1)
	for i, loc := range locs {
		key := body[loc[2]:loc[3]]
		end := len(body)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		counts[key], links[key] = map[string]int{}, map[string]string{}
		for _, m := range facetItemRE.FindAllStringSubmatch(body[loc[1]:end], -1) {
			n, _ := strconv.Atoi(m[3])
			counts[key][m[2]] = n
			links[key][m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return counts, links
}

func TestFacetCountsMatchTheFlows(t *testing.T) {
	srv := newTestServer(t)
	flows := allFlows(t)
	for _, raw := range []string{"", "proto=udp", "doc=citrix", "doc=citrix&doc=lithnet&req=none", "port=443&dir=inbound", "q=ldap"} {
		t.Run(raw, func(t *testing.T) {
			v, _ := url.ParseQuery(raw)
			counts, links := facetCounts(t, get(t, srv, "/flows?"+raw).Body)
			// Each facet counts the flows matching every other filter, so its
			// values can be toggled in (ORed) with their true counts.
			for key, field := range map[string]func(data.Flow) []string{
				"doc":   func(f data.Flow) []string { return []string{f.Doc} },
				"proto": func(f data.Flow) []string { return f.Protocols },
				"req":   func(f data.Flow) []string { return []string{or(f.Requirement, "none")} },
				"dir":   func(f data.Flow) []string { return []string{or(f.Direction, "none")} },
			} {
				without := url.Values{}
				for k, vals := range v {
					if k != key {
						without[k] = vals
					}
				}
				want := map[string]int{}
				for _, f := range refFilter(flows, without) {
					for _, val := range field(f) {
						want[strings.ToLower(val)]++
					}
				}
				got := map[string]int{}
				for val, n := range counts[key] {
					got[strings.ToLower(val)] = n
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("facet %s: got %v, want %v", key, got, want)
				}
			}
			// Following a facet link filters by it.
			for val, link := range links["proto"] {
				r := get(t, srv, link)
				if r.Status != 200 {
					t.Errorf("facet link %s: %d", link, r.Status)
				}
				_ = val
			}
		})
	}
}

// TestEndpointFacetLinksListAsManyFlowsAsTheyShow: a source or destination
// facet's count is what its link lists, though the filter matches whole
// words of the endpoint names (dst=dc lists the "DC" and "DCs" rows) and
// the facet is one name.
func TestEndpointFacetLinksListAsManyFlowsAsTheyShow(t *testing.T) {
	srv := newTestServer(t)
	checked := 0
	for _, raw := range []string{"", "proto=tcp", "doc=citrix", "doc=microsoft&doc=lithnet"} {
		counts, links := facetCounts(t, get(t, srv, "/flows?"+raw).Body)
		for _, key := range []string{"src", "dst"} {
			if len(counts[key]) == 0 {
				t.Fatalf("/flows?%s: no %s facet", raw, key)
			}
			for val, n := range counts[key] {
				link := links[key][val]
				u, err := url.Parse(link)
				if err != nil || u.Path != "/flows" {
					t.Fatalf("facet %s=%q links to %q", key, val, link)
				}
				var api struct{ Total int }
				if err := json.Unmarshal([]byte(get(t, srv, "/api/v1/flows?limit=1&"+u.RawQuery).Body), &api); err != nil {
					t.Fatal(err)
				}
				if api.Total != n {
					t.Errorf("/flows?%s: facet %s=%q shows %d flows, its link %s lists %d", raw, key, val, n, link, api.Total)
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d facet values checked", checked)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestFacetLinkTogglesTheFilter(t *testing.T) {
	srv := newTestServer(t)
	_, links := facetCounts(t, get(t, srv, "/flows?proto=tcp").Body)
	on := links["doc"]["citrix"]
	if on != "/flows?doc=citrix&proto=tcp" {
		t.Fatalf("citrix facet link %q", on)
	}
	_, links = facetCounts(t, get(t, srv, on).Body)
	if off := links["doc"]["citrix"]; off != "/flows?proto=tcp" {
		t.Errorf("selected citrix facet links to %q, want it removed", off)
	}
	if both := links["doc"]["lithnet"]; both != "/flows?doc=citrix&doc=lithnet&proto=tcp" {
		t.Errorf("second document link %q, want both ORed", both)
	}
}

func TestFlowPageShowsFieldsSourceLinkAndRelatedFlows(t *testing.T) {
	srv := newTestServer(t)
	flows := allFlows(t)
	for _, f := range flows {
		if f.ID != "zzfix-ja-1" && f.ID != "zzfix-gw-1" && f.ID != flows[0].ID {
			continue
		}
		body := get(t, srv, "/flows/"+f.ID).Body
		for _, s := range []string{f.Purpose, f.PortsRaw, f.ProtocolRaw, f.RequirementRaw, f.DirectionRaw, f.Notes, f.NotesEn} {
			if !strings.Contains(body, htmlEscape(s)) {
				t.Errorf("%s: page lacks %q", f.ID, s)
			}
		}
		link := fmt.Sprintf(`href="/docs/%s/source?hl=%d-%d#L%d" data-testid="flow-source-link"`, f.Doc, f.Line, max(f.Line, f.LineEnd), f.Line)
		if !strings.Contains(body, link) {
			t.Errorf("%s: page lacks the source link %s", f.ID, link)
		}
		// Related: every other flow sharing a port range and a protocol.
		var rel []string
		for _, o := range flows {
			if o.ID == f.ID {
				continue
			}
			sharesPort := slices.ContainsFunc(o.Ports, func(r data.PortRange) bool {
				return slices.ContainsFunc(f.Ports, r.Overlaps)
			})
			sharesProto := slices.ContainsFunc(o.Protocols, func(p string) bool { return slices.Contains(f.Protocols, p) })
			if sharesPort && sharesProto {
				rel = append(rel, o.ID)
			}
		}
		i := strings.Index(body, `data-testid="related"`)
		if len(rel) == 0 {
			if i >= 0 {
				t.Errorf("%s: related table with no related flows", f.ID)
			}
			continue
		}
		if i < 0 {
			t.Fatalf("%s: no related table, want %d flows", f.ID, len(rel))
		}
		var got []string
		for _, m := range regexp.MustCompile(`data-flow="([^"]+)"`).FindAllStringSubmatch(body[i:], -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, rel[:min(len(rel), 100)]) {
			t.Errorf("%s related: got %v, want %v", f.ID, got, rel)
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestSourcePageHighlightsTheFlowsLines(t *testing.T) {
	srv := newTestServer(t)
	body := get(t, srv, "/docs/zzfix-en/source?hl=4-5").Body
	for n := 1; n <= 7; n++ {
		hl := strings.Contains(body, fmt.Sprintf(`<tr id="L%d" class="hl">`, n))
		plain := strings.Contains(body, fmt.Sprintf(`<tr id="L%d" class="">`, n))
		if want := n == 4 || n == 5; hl != want || plain == want {
			t.Errorf("line %d: highlighted %v, want %v", n, hl, want)
		}
	}
	if !strings.Contains(body, "=cmd | Gateway | 443") {
		t.Error("raw text not shown as written")
	}
	// Every line of a real document gets its anchor.
	for _, d := range allDocs(t) {
		if d.Slug != "citrix" {
			continue
		}
		b := get(t, srv, "/docs/citrix/source").Body
		n := strings.Count(strings.TrimSuffix(d.Raw, "\n"), "\n") + 1
		if !strings.Contains(b, fmt.Sprintf(`id="L%d"`, n)) || strings.Contains(b, fmt.Sprintf(`id="L%d"`, n+1)) {
			t.Errorf("citrix source: want anchors L1..L%d", n)
		}
	}
}

func TestPortPageGroupsFlowsByDocument(t *testing.T) {
	srv := newTestServer(t)
	flows := allFlows(t)
	for _, port := range []string{"443", "50000", "389", "8000-8100"} {
		v := url.Values{"port": {port}}
		want := refFilter(flows, v)
		body := get(t, srv, "/ports/"+port).Body
		var docs []string
		for _, f := range want {
			if !slices.Contains(docs, f.Doc) {
				docs = append(docs, f.Doc)
			}
		}
		var got []string
		for _, m := range regexp.MustCompile(`data-testid="port-group" data-doc="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, docs) {
			t.Errorf("/ports/%s groups %v, want %v", port, got, docs)
		}
		if n := strings.Count(body, `data-testid="flow-row"`); n != len(want) {
			t.Errorf("/ports/%s: %d rows, want %d", port, n, len(want))
		}
	}
}

func TestDocumentPageListsSectionsInOrderWithTheirFlows(t *testing.T) {
	srv := newTestServer(t)
	for _, d := range allDocs(t) {
		body := get(t, srv, "/docs/"+d.Slug).Body
		pos := 0
		for _, s := range d.Sections {
			i := strings.Index(body[pos:], `<section class="component" id="`+s.Slug+`"`)
			if i < 0 {
				t.Errorf("%s: section %s missing or out of order", d.Slug, s.Slug)
				continue
			}
			pos += i
		}
		n := 0
		for _, s := range d.Sections {
			n += len(s.Flows)
		}
		if got := strings.Count(body, `data-testid="flow-row"`); got != n {
			t.Errorf("%s: %d flow rows, want %d", d.Slug, got, n)
		}
	}
}

func TestOverviewListsEveryDocumentWithCounts(t *testing.T) {
	srv := newTestServer(t)
	body := get(t, srv, "/").Body
	for _, d := range allDocs(t) {
		if !strings.Contains(body, `data-doc="`+d.Slug+`"`) || !strings.Contains(body, htmlEscape(d.Vendor)) {
			t.Errorf("overview lacks %s", d.Slug)
		}
		n := 0
		for _, s := range d.Sections {
			n += len(s.Flows)
		}
		if !strings.Contains(body, fmt.Sprintf(`href="/flows?doc=%s">%d</a>`, d.Slug, n)) {
			t.Errorf("overview: %s flow count %d missing", d.Slug, n)
		}
	}
	if !strings.Contains(body, `data-testid="common-ports"`) || !strings.Contains(body, `href="/ports/443"`) {
		t.Error("overview lacks the common ports")
	}
}

func TestHostsFilterByDocumentAndText(t *testing.T) {
	srv := newTestServer(t)
	var all struct {
		Total int         `json:"total"`
		Hosts []data.Host `json:"hosts"`
	}
	getJSON(t, srv, "/api/v1/hosts", &all)
	want := 0
	for _, d := range allDocs(t) {
		want += len(d.Hosts)
	}
	if all.Total != want || len(all.Hosts) != want {
		t.Errorf("hosts: %d, want %d", all.Total, want)
	}
	var one struct {
		Hosts []data.Host `json:"hosts"`
	}
	getJSON(t, srv, "/api/v1/hosts?doc=zzfix-en", &one)
	if len(one.Hosts) != 1 || one.Hosts[0].Name != "*.fixture.example" {
		t.Errorf("doc=zzfix-en hosts %+v", one.Hosts)
	}
	getJSON(t, srv, "/api/v1/hosts?q=FIXTURE.example", &one)
	if len(one.Hosts) != 1 {
		t.Errorf("q=FIXTURE.example: %d hosts, want 1", len(one.Hosts))
	}
	page := get(t, srv, "/hosts?doc=zzfix-en").Body
	if n := strings.Count(page, `data-testid="host-row"`); n != 1 {
		t.Errorf("/hosts?doc=zzfix-en: %d rows", n)
	}
	if all := get(t, srv, "/hosts").Body; strings.Count(all, `data-testid="host-row"`) != want {
		t.Errorf("/hosts: rows != %d", want)
	}
}

func TestAPIDocsListsSectionsWithCounts(t *testing.T) {
	srv := newTestServer(t)
	var got struct {
		Docs []struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Flows    int    `json:"flows"`
			URL      string `json:"url"`
			Sections []struct {
				ID      string `json:"id"`
				Title   string `json:"title"`
				TitleEn string `json:"title_en"`
				Flows   int    `json:"flows"`
				URL     string `json:"url"`
			} `json:"sections"`
		} `json:"docs"`
	}
	getJSON(t, srv, "/api/v1/docs", &got)
	docs := allDocs(t)
	if len(got.Docs) != len(docs) {
		t.Fatalf("%d docs, want %d", len(got.Docs), len(docs))
	}
	for i, d := range docs {
		g := got.Docs[i]
		if g.ID != d.Slug || g.Title != d.Title || g.URL != "/docs/"+d.Slug || len(g.Sections) != len(d.Sections) {
			t.Errorf("doc %d: %+v", i, g)
			continue
		}
		for j, s := range d.Sections {
			gs := g.Sections[j]
			if gs.ID != s.Slug || gs.Title != s.Title || gs.TitleEn != s.TitleEn || gs.Flows != len(s.Flows) ||
				gs.URL != "/docs/"+d.Slug+"/"+s.Slug {
				t.Errorf("%s section %d: %+v", d.Slug, j, gs)
			}
		}
	}
}

// The Japanese list headings hosts sit under show beside their English gloss, and
// a search in English finds them.
func TestHostGroupsShowTheirEnglishGloss(t *testing.T) {
	srv := newTestServer(t)
	page := get(t, srv, "/hosts?doc=endpoint-central&lang=en").Body
	for _, want := range []string{"Androidデバイスの場合", "For Android devices", "North America"} {
		if !strings.Contains(page, want) {
			t.Errorf("/hosts?doc=endpoint-central has no %q", want)
		}
	}
	var res struct {
		Hosts []data.Host `json:"hosts"`
	}
	getJSON(t, srv, "/api/v1/hosts?q=android+devices", &res)
	if len(res.Hosts) != 27 || res.Hosts[0].GroupEn != "For Android devices" {
		t.Errorf("q=android devices: %d hosts (want the 18 under Androidデバイスの場合 and the 9 of its regions), first %+v", len(res.Hosts), res.Hosts[0])
	}
}
