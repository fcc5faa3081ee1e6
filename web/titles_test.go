package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)
	h1RE    = regexp.MustCompile(`(?s)<h1[ >].*?</h1>`)
	tagRE   = regexp.MustCompile(`<[^>]+>`)
)

func pageTitle(body string) string {
	m := titleRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestListingTitlesSayWhatIsShown: a listing's <title> and h1 name its
// filters and its count, so that tabs and history entries tell listings apart.
func TestListingTitlesSayWhatIsShown(t *testing.T) {
	srv := newTestServer(t)
	var api apiFlows
	getJSON(t, srv, "/api/v1/flows?limit=1000&doc=citrix&proto=tcp&port=443", &api)
	for _, tc := range []struct{ path, title, h1 string }{
		{"/flows?doc=citrix&proto=tcp&port=443", "TCP 443 · Citrix · " + strconv.Itoa(api.Total) + " flows · Portolan", "Flows: TCP 443 · Citrix"},
		{"/flows", "All flows · ", "All flows"},
		{"/flows?q=ldap&page=2&proto=udp", "UDP · “ldap” · ", "Flows: UDP · “ldap”"},
		{"/flows?doc=endpoint-central&req=required&lang=ja", "ManageEngine · 必須 · ", "通信フロー: ManageEngine · 必須"},
	} {
		r := get(t, srv, tc.path)
		if got := pageTitle(r.Body); !strings.HasPrefix(got, tc.title) {
			t.Errorf("%s: title %q, want it to start %q", tc.path, got, tc.title)
		}
		h1s := h1RE.FindAllString(r.Body, -1)
		if len(h1s) != 1 {
			t.Fatalf("%s: %d h1 elements", tc.path, len(h1s))
		}
		if got := strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(h1s[0], ""))); got != tc.h1 {
			t.Errorf("%s: h1 %q, want %q", tc.path, got, tc.h1)
		}
	}
}

// TestHeaderSearchKeepsTheListingsFilters: on a filtered listing the search
// box in the header searches within the filters (they ride along as hidden
// fields), not the whole dataset.
func TestHeaderSearchKeepsTheListingsFilters(t *testing.T) {
	srv := newTestServer(t)
	body := get(t, srv, "/flows?doc=citrix&proto=udp&q=snmp&page=2").Body
	i := strings.Index(body, `<form class="search"`)
	j := strings.Index(body[i:], "</form>")
	form := body[i : i+j]
	for _, want := range []string{`name="doc" value="citrix"`, `name="proto" value="udp"`, `name="q" value="snmp"`} {
		if !strings.Contains(form, want) {
			t.Errorf("header search form lacks %s: %s", want, form)
		}
	}
	for _, not := range []string{`name="page"`, `type="hidden" name="q"`} {
		if strings.Contains(form, not) {
			t.Errorf("header search form carries %s", not)
		}
	}
	home := get(t, srv, "/").Body
	if strings.Contains(home[strings.Index(home, `<form class="search"`):], `type="hidden" name="doc"`) {
		t.Error("the overview's header search carries a filter")
	}
}

// TestBadRequestPageKeepsTheFormToCorrectTheInput: a 400 shows the request's
// parameters in a form, the one at fault marked invalid and described by the
// message, so that the user corrects it on the page.
func TestBadRequestPageKeepsTheFormToCorrectTheInput(t *testing.T) {
	srv := newTestServer(t)
	for _, tc := range []struct{ path, action, bad, value string }{
		{"/flows?doc=citrix&port=44x3&q=ldap", "/flows", "port", "44x3"},
		{"/ports/99999", "/ports", "port", "99999"},
		{"/hosts?doc=Bad%20Doc", "/hosts", "doc", "Bad Doc"},
	} {
		r := get(t, srv, tc.path)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%s: status %d", tc.path, r.Status)
		}
		if !strings.Contains(r.Body, `data-testid="retry-form"`) || !strings.Contains(r.Body, `action="`+tc.action+`"`) {
			t.Errorf("%s: no form to %s on the error page", tc.path, tc.action)
			continue
		}
		invalid := regexp.MustCompile(`<input name="` + tc.bad + `" value="([^"]*)" aria-invalid="true" aria-describedby="error-message"`).FindStringSubmatch(r.Body)
		if invalid == nil || html.UnescapeString(invalid[1]) != tc.value {
			t.Errorf("%s: %s is not marked invalid with its value %q", tc.path, tc.bad, tc.value)
		}
		if !strings.Contains(r.Body, `id="error-message"`) {
			t.Errorf("%s: the message has no id for aria-describedby", tc.path)
		}
	}
	if r := get(t, srv, "/flows?doc=citrix&port=44x3&q=ldap"); !strings.Contains(r.Body, `<input name="q" value="ldap"`) || !strings.Contains(r.Body, `<input name="doc" value="citrix"`) {
		t.Error("the other parameters are not kept in the form")
	}
}
