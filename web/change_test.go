package web_test

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules/encode"
)

const admSection = "/change?doc=citrix&section=citrix-adm"

func count(body, testid string) int {
	return strings.Count(body, `data-testid="`+testid+`"`)
}

// citrixADMFlows are the flows of the Citrix ADM section, in document order.
func citrixADMFlows(t *testing.T) []data.Flow {
	var out []data.Flow
	for _, f := range allFlows(t) {
		if f.Doc == "citrix" && f.SectionID == "citrix-adm" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no Citrix ADM flows")
	}
	return out
}

func TestChangePageHasAnInputPerEndpointAndSaysIncomplete(t *testing.T) {
	h := newTestServer(t)
	r := get(t, h, admSection)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	endpoints := map[string]bool{}
	for _, f := range citrixADMFlows(t) {
		if len(f.Ports) > 0 || len(f.Protocols) > 0 {
			endpoints[strings.ToLower(f.Source)] = true
			endpoints[strings.ToLower(f.Destination)] = true
		}
	}
	if got := count(r.Body, "endpoint-input"); got != len(endpoints) {
		t.Errorf("%d endpoint inputs, want one per distinct endpoint (%d)", got, len(endpoints))
	}
	if count(r.Body, "incomplete") != 1 || count(r.Body, "complete") != 0 {
		t.Error("nothing mapped, but the page does not say the request is incomplete")
	}
	if got, flows := count(r.Body, "pick-flow"), len(citrixADMFlows(t)); got != flows {
		t.Errorf("%d flows to pick, want %d", got, flows)
	}
	if count(r.Body, "rule") == 0 || count(r.Body, "rule") >= len(citrixADMFlows(t)) {
		t.Errorf("%d rules from %d flows: nothing merged", count(r.Body, "rule"), len(citrixADMFlows(t)))
	}
	for _, f := range encode.Names() {
		if !strings.Contains(r.Body, `data-testid="download-`+f+`"`) {
			t.Errorf("no download of %s", f)
		}
	}
}

func TestChangeBadAddressIsAMessageBesideItsInput(t *testing.T) {
	h := newTestServer(t)
	r := get(t, h, "/change?doc=citrix&m.Citrix+ADM=192.0.2.300&m.NTP+Server=198.51.100.1&section=citrix-adm")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d, want 200 with the message on the page: %s", r.Status, r.Body)
	}
	re := regexp.MustCompile(`(?s)<input id="(ep-\d+)" name="m.Citrix ADM" value="192.0.2.300"[^>]*aria-invalid="true" aria-describedby="(ep-\d+-err)"[^>]*>\s*<p class="field-error" id="(ep-\d+-err)"[^>]*>([^<]*)</p>`)
	m := re.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no error beside the Citrix ADM input:\n%s", r.Body)
	}
	if m[2] != m[3] || !strings.Contains(m[4], "192.0.2.300") || !strings.Contains(m[4], "not an IP address") {
		t.Errorf("message %q (described by %s, id %s)", m[4], m[2], m[3])
	}
	if count(r.Body, "bad-values") != 1 {
		t.Error("no note that a value could not be read")
	}
	// The good value still counts.
	if !strings.Contains(r.Body, `<code class="addr">198.51.100.1</code>`) {
		t.Error("the NTP server's mapping is not shown in its rule")
	}
}

func TestChangeExcludedFlowLeavesItsRule(t *testing.T) {
	h := newTestServer(t)
	var smtp data.Flow
	for _, f := range citrixADMFlows(t) {
		if f.Destination == "Users" {
			smtp = f
		}
	}
	before := get(t, h, admSection)
	after := get(t, h, admSection+"&x="+smtp.ID)
	if after.Status != http.StatusOK {
		t.Fatalf("status %d: %s", after.Status, after.Body)
	}
	if count(after.Body, "rule") != count(before.Body, "rule")-1 {
		t.Errorf("rules %d -> %d, want one fewer", count(before.Body, "rule"), count(after.Body, "rule"))
	}
	if !regexp.MustCompile(`value="` + smtp.ID + `" checked`).MatchString(after.Body) {
		t.Error("the excluded flow's checkbox is not ticked")
	}
	if count(after.Body, "pick-flow") != count(before.Body, "pick-flow") {
		t.Error("the excluded flow is no longer listed to be picked again")
	}
}

func TestChangeFormSubmitAnswersWithTheCanonicalDeepLink(t *testing.T) {
	h := newTestServer(t)
	form := "/change?section=citrix-adm&doc=citrix&q=&port=&src=&dst=&m.Users=&m.Citrix+ADM=+192.0.2.10+&x=&lang="
	r := get(t, h, form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", r.Status)
	}
	want := "/change?doc=citrix&m.Citrix+ADM=192.0.2.10&section=citrix-adm"
	if loc := r.Header.Get("Location"); loc != want {
		t.Fatalf("Location %q, want %q", loc, want)
	}
	if again := get(t, h, want); again.Status != http.StatusOK {
		t.Errorf("canonical link: status %d", again.Status)
	}
}

func TestChangeDownloadsAreTheRequestOfTheDeepLink(t *testing.T) {
	h := newTestServer(t)
	q := "?doc=citrix&m.Citrix+ADC+NSIP=192.0.2.20-192.0.2.22&m.Citrix+ADM=192.0.2.10&section=citrix-adm"
	r := get(t, h, "/change.csv"+q)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, type %q", r.Status, r.Header.Get("Content-Type"))
	}
	if cd := r.Header.Get("Content-Disposition"); cd != "attachment; filename=portolan-change.csv" {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	page := get(t, h, "/change"+q)
	accepts := 0
	for _, row := range rows[1:] {
		if row[1] == "accept" {
			accepts++
		}
	}
	if want := count(page.Body, "rule"); accepts != want || want == 0 {
		t.Errorf("CSV has %d rules, the page %d", accepts, want)
	}
	var nsip []string
	for _, row := range rows[1:] {
		if row[3] == "Citrix ADC NSIP" {
			nsip = row
		}
	}
	if nsip == nil || nsip[4] != "192.0.2.20-192.0.2.22" || nsip[6] != "192.0.2.10" || nsip[8] != "162, 514, 4739" || nsip[2] != "yes" {
		t.Errorf("NSIP -> ADM row = %q", nsip)
	}
	// The same link gives the same bytes (deep links reproduce the request).
	if again := get(t, h, "/change.csv"+q); again.Body != r.Body {
		t.Error("the same link gave different CSV bytes")
	}
	for _, f := range []string{".nft", ".iptables", ".ip6tables", ".ps1", ".md", ".zip"} {
		if r := get(t, h, "/change"+f+q); r.Status != http.StatusOK || r.Body == "" {
			t.Errorf("/change%s: status %d", f, r.Status)
		}
	}
	nft := get(t, h, "/change.nft"+q).Body
	if !strings.Contains(nft, "ip saddr 192.0.2.20-192.0.2.22 ip daddr 192.0.2.10 udp dport { 162, 514, 4739 } accept") {
		t.Errorf("nftables download lacks the NSIP rule:\n%s", nft)
	}
}

func TestChangeMappingDownloadAndUploadRoundTrip(t *testing.T) {
	h := newTestServer(t)
	r := get(t, h, "/change/mapping.txt?doc=citrix&m.Citrix+ADM=192.0.2.10&section=citrix-adm")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if !strings.Contains(r.Body, "\nCitrix ADM = 192.0.2.10\n") || !strings.Contains(r.Body, "\nUsers =\n") {
		t.Errorf("mapping file:\n%s", r.Body)
	}
	// Fill one line in and upload it.
	file := strings.Replace(r.Body, "\nUsers =\n", "\nUsers = 203.0.113.0/24\n", 1)
	res := upload(t, h, "/change/mapping?doc=citrix&section=citrix-adm", file)
	if res.Code != http.StatusSeeOther {
		t.Fatalf("upload: status %d: %s", res.Code, res.Body)
	}
	loc, _ := url.Parse(res.Header().Get("Location"))
	if loc.Path != "/change" || loc.Query().Get("m.Users") != "203.0.113.0/24" || loc.Query().Get("m.Citrix ADM") != "192.0.2.10" || loc.Query().Get("doc") != "citrix" {
		t.Errorf("upload went to %s", loc)
	}
	// A bad file is refused naming its line; nothing applied.
	res = upload(t, h, "/change/mapping?doc=citrix", "Users = 203.0.113.0/24\nCitrix ADM = 192.0.2.999\n")
	if res.Code != http.StatusBadRequest || !strings.Contains(res.Body.String(), "line 2: Citrix ADM") {
		t.Errorf("bad file: status %d: %s", res.Code, res.Body)
	}
}

func upload(t *testing.T, h http.Handler, target, file string) *httptest.ResponseRecorder {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("mapping", "mapping.txt")
	fw.Write([]byte(file))
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, target, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return newRecorder(h, req)
}

func TestChangeRefusesBadParametersWith400(t *testing.T) {
	h := newTestServer(t)
	for _, c := range []struct{ target, want string }{
		{"/change?x=not%20an%20id", "x:"},
		{"/change?port=99999", "port"},
		{"/change?doc=nope", "nope"},
		{"/change?m.=10.0.0.1", "m."},
		{"/change?m.a=1.1.1.1&m.A=2.2.2.2", "same endpoint"},
		{"/change?m.a=" + strings.Repeat("1", 3000), "longer than"},
		{"/change.nft?m.a=1.1.1.1&m.a=2.2.2.2", "give it once"},
	} {
		r := get(t, h, c.target)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, c.want) {
			t.Errorf("%s: status %d, want 400 saying %q", c.target, r.Status, c.want)
		}
	}
}

func TestListingsLinkToTheirChangeRequest(t *testing.T) {
	h := newTestServer(t)
	for _, c := range []struct{ page, want string }{
		{"/flows?doc=citrix&proto=udp", `href="/change?doc=citrix&amp;proto=udp"`},
		{"/docs/citrix", `href="/change?doc=citrix"`},
		{"/docs/citrix/citrix-adm", `href="/change?doc=citrix&amp;section=citrix-adm"`},
	} {
		r := get(t, h, c.page)
		if !strings.Contains(r.Body, c.want) {
			t.Errorf("%s has no link %s", c.page, c.want)
		}
	}
}
