package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestFilterInTheSearchListsWhatTheURLParameterLists(t *testing.T) {
	srv := newTestServer(t)
	ids := func(query string) []string {
		t.Helper()
		var resp struct {
			Total int `json:"total"`
			Flows []struct {
				ID string `json:"id"`
			} `json:"flows"`
		}
		getJSON(t, srv, "/api/v1/flows?limit=1000&"+query, &resp)
		var out []string
		for _, f := range resp.Flows {
			out = append(out, f.ID)
		}
		if len(out) != resp.Total {
			t.Fatalf("%s: total %d, listed %d", query, resp.Total, len(out))
		}
		return out
	}
	for _, tc := range []struct{ url, q string }{
		{"proto=udp", "proto:udp"},
		{"port=443", "port:443"},
		{"port=80-90", "port:80-90"},
		{"doc=citrix", "doc:citrix"},
		{"src=AMS+server", `src:"AMS server"`},
		{"dst=ldap", "dst:ldap"},
		{"req=required", "req:required"},
		{"dir=none", "dir:none"},
		{"proto=udp&port=443", "proto:udp port:443"},
		{"proto=tcp&proto=udp", "proto:tcp proto:udp"},
		{"proto=tcp&doc=lithnet", "proto:tcp&doc=lithnet"},
		{"q=kerberos&proto=udp", "kerberos proto:udp"},
		{"q=ldap&doc=lithnet", "doc:lithnet ldap"},
	} {
		fromURL := ids(tc.url)
		q := tc.q
		rest := ""
		if i := strings.IndexByte(q, '&'); i >= 0 {
			q, rest = q[:i], q[i:]
		}
		fromText := ids("q=" + url.QueryEscape(q) + rest)
		if len(fromURL) == 0 {
			t.Errorf("%s lists nothing; the comparison needs flows", tc.url)
		}
		if !slices.Equal(fromURL, fromText) {
			t.Errorf("?%s lists %d flows, ?q=%s lists %d", tc.url, len(fromURL), tc.q, len(fromText))
		}
	}
}

func TestSearchRanksAndMarksMatchesOnTheFlowsPage(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/flows?q="+url.QueryEscape("ファイル転送"))
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	if !strings.Contains(r.Body, "<mark>ファイル転送</mark>") {
		t.Errorf("the matched words are not marked")
	}
	if !strings.Contains(r.Body, "relevance") {
		t.Errorf("the page does not say it is sorted by relevance")
	}
}

func TestMalformedSearchIsANoteOnThePageAndA400OnTheAPI(t *testing.T) {
	srv := newTestServer(t)
	for _, q := range []string{`"kerberos`, "port:", "port:99999 kerberos", "proto:ldap", "-proto:udp,ldap"} {
		page := get(t, srv, "/flows?q="+url.QueryEscape(q))
		if page.Status != 200 {
			t.Errorf("/flows?q=%s: status %d, want 200 with a note", q, page.Status)
		} else if !strings.Contains(page.Body, `data-testid="search-note"`) {
			t.Errorf("/flows?q=%s: no note on the page", q)
		}
		for _, path := range []string{"/api/v1/flows", "/flows.csv"} {
			r := get(t, srv, path+"?q="+url.QueryEscape(q))
			if r.Status != 400 {
				t.Errorf("%s?q=%s: status %d, want 400", path, q, r.Status)
			}
		}
	}
	r := get(t, srv, "/api/v1/flows?q="+url.QueryEscape("doc:nosuchdoc ldap"))
	if r.Status != 400 || !strings.Contains(r.Body, "nosuchdoc") {
		t.Errorf("unknown doc: in the search: status %d, body %s", r.Status, r.Body)
	}
	// A filter in the URL and the same filter in the search are ORed, as two
	// values of one URL parameter are.
	r = get(t, srv, "/api/v1/flows?src=AMS+server&q="+url.QueryEscape(`src:"admin workstation"`))
	both := get(t, srv, "/api/v1/flows?src=AMS+server,admin+workstation")
	one := get(t, srv, "/api/v1/flows?src=AMS+server")
	if r.Status != 200 || r.Body != both.Body || len(both.Body) <= len(one.Body) {
		t.Errorf("src in the URL and another in the search: status %d, not the flows of both sources", r.Status)
	}
}

func TestTypoIsFoundAndThePageSaysSo(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/flows?q=kerbros")
	if r.Status != 200 || !strings.Contains(r.Body, `data-testid="search-fuzzy"`) {
		t.Fatalf("status %d; no note that the typo fallback answered", r.Status)
	}
	if !strings.Contains(r.Body, "<mark>Kerberos</mark>") {
		t.Errorf("the fuzzy match is not marked")
	}
}
