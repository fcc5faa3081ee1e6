package web_test

import (
	encodingcsv "encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// dcFlows are the flows to a domain controller across the five shipped
// documents (asserted one by one in data/roles).
const dcFlows = 37

func TestRolePageAnswersTheDomainControllerQuestionInEveryLanguage(t *testing.T) {
	srv := newTestServer(t)
	for _, tc := range []struct{ lang, title, names string }{
		{"en", "Domain controller", "on-premises AD"},
		{"ja", "ドメインコントローラー", "ドメインコントローラー"},
		{"zh", "域控制器", "域控制器"},
	} {
		r := get(t, srv, "/roles/domain-controller?lang="+tc.lang)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d", tc.lang, r.Status)
		}
		if !strings.Contains(r.Body, `data-testid="role-title">`+tc.title+`<`) {
			t.Errorf("%s: title %q missing", tc.lang, tc.title)
		}
		if !strings.Contains(r.Body, tc.names) {
			t.Errorf("%s: names lack %q", tc.lang, tc.names)
		}
		to := regexp.MustCompile(`(?s)data-testid="role-to".*?</section>`).FindString(r.Body)
		rows := regexp.MustCompile(`data-testid="flow-row" data-flow="([^"]+)"`).FindAllStringSubmatch(to, -1)
		if len(rows) != dcFlows {
			t.Errorf("%s: %d flows to domain controllers on the page, want %d", tc.lang, len(rows), dcFlows)
		}
		docs := map[string]bool{}
		for _, m := range rows {
			docs[m[1][:strings.LastIndex(m[1], "-")]] = true
		}
		if len(docs) != 5 {
			t.Errorf("%s: flows from %d documents, want all five: %v", tc.lang, len(docs), docs)
		}
		// Endpoint Central's rows are there, their role marked as a guess.
		if !strings.Contains(to, `data-flow="endpoint-central-t8hs9yvq"`) || !strings.Contains(to, `data-role="domain-controller" data-guess="true"`) {
			t.Errorf("%s: Endpoint Central's guessed DC row missing or not marked a guess", tc.lang)
		}
	}
	if r := get(t, srv, "/roles/no-such-role"); r.Status != http.StatusNotFound {
		t.Errorf("unknown role: status %d, want 404", r.Status)
	}
}

func TestRolesPageCountsEveryRole(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/roles")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	row := regexp.MustCompile(`(?s)data-role="domain-controller".*?</tr>`).FindString(r.Body)
	if !strings.Contains(row, ">37</a>") || !strings.Contains(row, "dst_role=domain-controller") {
		t.Errorf("domain-controller row lacks its 37 flows linking to the listing: %s", row)
	}
	if n := strings.Count(r.Body, `data-testid="role-row"`); n < 20 {
		t.Errorf("%d roles listed", n)
	}
}

func TestRoleFiltersWorkWhereverFlowsAreListed(t *testing.T) {
	srv := newTestServer(t)
	var api struct {
		Total int         `json:"total"`
		Flows []data.Flow `json:"flows"`
	}
	getJSON(t, srv, "/api/v1/flows?dst_role=domain-controller&limit=1000", &api)
	if api.Total != dcFlows || len(api.Flows) != dcFlows {
		t.Fatalf("API dst_role: %d flows, want %d", api.Total, dcFlows)
	}
	for _, f := range api.Flows {
		if !slices.ContainsFunc(f.Roles, func(r data.EndpointRole) bool {
			return r.Role == "domain-controller" && r.Side == data.SideDestination
		}) {
			t.Errorf("%s: no domain-controller destination in its JSON roles %+v", f.ID, f.Roles)
		}
	}
	// The page, the CSV and the API agree; role combines with the other filters.
	page := get(t, srv, "/flows?role=domain-controller&doc=microsoft")
	if !strings.Contains(page.Body, "10 flows") || !strings.Contains(page.Body, `name="role" value="domain-controller"`) {
		t.Errorf("/flows?role=domain-controller&doc=microsoft: want 10 flows and the role kept in the form")
	}
	csv := get(t, srv, "/flows.csv?src_role=admin-workstation")
	all, err := encodingcsv.NewReader(strings.NewReader(strings.TrimPrefix(csv.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs := len(all) - 1
	getJSON(t, srv, "/api/v1/flows?src_role=admin-workstation&limit=1000", &api)
	if recs != api.Total || api.Total == 0 {
		t.Errorf("CSV has %d rows, the API %d flows from admin workstations", recs, api.Total)
	}
	if !strings.Contains(csv.Body, "admin-workstation") {
		t.Error("CSV lacks the source_roles column's values")
	}
	for _, bad := range []string{"role=nope", "src_role=DC%20server", "dst_role=x"} {
		r := get(t, srv, "/api/v1/flows?"+bad)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "role") {
			t.Errorf("%s: status %d %s, want 400 naming the parameter", bad, r.Status, r.Body)
		}
	}
}

func TestLintPageListsTheRealErrors(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/lint")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	cayo := regexp.MustCompile(`(?s)data-testid="lint-doc" data-doc="cayosoft".*?</section>`).FindString(r.Body)
	for _, id := range []string{"cayosoft-xyb26yvz", "cayosoft-8b0nczdk", "cayosoft-8yzhsgj6"} {
		row := regexp.MustCompile(`(?s)data-flow="` + id + `".*?</tr>`).FindString(cayo)
		if !strings.Contains(row, `data-check="port-service"`) {
			t.Errorf("/lint: %s lacks its port-service finding", id)
		}
	}
	if !strings.Contains(cayo, "mobilip-mn") {
		t.Error("/lint: the 435 finding does not name IANA's assignment")
	}
	ec := get(t, srv, "/lint?doc=endpoint-central&check=undefined-requirement-mark&lang=ja")
	if n := strings.Count(ec.Body, `data-testid="lint-flow"`); n != 14 {
		t.Errorf("Endpoint Central's undefined 〇: %d rows, want 14", n)
	}
	if !strings.Contains(ec.Body, "定義されていない要否記号") {
		t.Error("/lint in Japanese lacks the check's Japanese title")
	}
	if r := get(t, srv, "/lint?check=nope"); r.Status != http.StatusBadRequest {
		t.Errorf("/lint?check=nope: status %d, want 400", r.Status)
	}
}

func TestFlowPageShowsRolesGlossesAndFindings(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/flows/cayosoft-8yzhsgj6")
	lintSec := regexp.MustCompile(`(?s)id="lint".*?</section>`).FindString(r.Body)
	if !strings.Contains(lintSec, `data-check="port-service"`) || !strings.Contains(lintSec, "445") {
		t.Errorf("flow page of the 435 row lacks its finding: %s", lintSec)
	}
	if !strings.Contains(r.Body, `data-role="file-server"`) {
		t.Error("flow page lacks the destination's file-server role")
	}
	// A Japanese endpoint with its English gloss from the vocabulary.
	r = get(t, srv, "/flows/endpoint-central-wx2p6061")
	if !strings.Contains(r.Body, "managed PC") || !strings.Contains(r.Body, `data-role="managed-device"`) {
		t.Error("管理対象PC lacks its gloss or role on the flow page")
	}
	// The listing's badge links to the findings.
	r = get(t, srv, "/flows?doc=cayosoft&port=435")
	if !strings.Contains(r.Body, `href="/flows/cayosoft-8yzhsgj6#lint" data-testid="lint-badge"`) {
		t.Error("the listing lacks the lint badge of the 435 row")
	}
}

func TestDiagramDrawsOneBoxPerRoleWhenAsked(t *testing.T) {
	srv := newTestServer(t)
	plain := get(t, srv, "/docs/citrix/diagram.svg")
	merged := get(t, srv, "/docs/citrix/diagram.svg?boxes=role")
	if merged.Status != http.StatusOK {
		t.Fatalf("status %d", merged.Status)
	}
	boxes := func(svg string) int { return strings.Count(svg, `<rect class="box"`) }
	if boxes(merged.Body) >= boxes(plain.Body) {
		t.Errorf("%d boxes merged, %d plain: merging by role should draw fewer", boxes(merged.Body), boxes(plain.Body))
	}
	// Citrix's four RADIUS boxes are one, all four names in its title, linking
	// to the role's flows in the document.
	title := regexp.MustCompile(`<title>RADIUS server \(4\): [^<]*</title>`).FindString(merged.Body)
	for _, name := range []string{"RADIUS Server", "RADIUS external authentication server", "RADIUS Server (Load Balancing)", "RADIUS"} {
		if !strings.Contains(title, name) {
			t.Errorf("merged RADIUS box title %q lacks %q", title, name)
		}
	}
	if !strings.Contains(merged.Body, `href="/flows?doc=citrix&amp;role=radius-server"`) {
		t.Error("the merged box does not link to the role's flows")
	}
	if strings.Count(plain.Body, "RADIUS external authentication server</title>") != 1 {
		t.Error("the default diagram should keep one box per name")
	}
	if r := get(t, srv, "/docs/citrix/diagram.svg?boxes=nope"); r.Status != http.StatusBadRequest {
		t.Errorf("boxes=nope: status %d", r.Status)
	}
}
