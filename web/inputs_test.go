package web_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/portolan/portolan/web"
)

// A malformed query string is refused with a 400 that says so, on every
// page that reads one, rather than read with the bad pair silently dropped.
func TestMalformedQueryStringIsA400(t *testing.T) {
	h := newTestServer(t)
	for _, target := range []string{
		"/flows?q=%zz", "/flows?port=443&q=%zz", "/flows.csv?doc=%zz", "/api/v1/flows?q=%zz",
		"/hosts?q=%zz", "/api/v1/hosts?q=%zz", "/ports?port=%zz", "/docs/citrix/source?hl=%zz",
	} {
		r := get(t, h, target)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "query string") {
			t.Errorf("GET %s = %d, want 400 naming the query string: %.300s", target, r.Status, r.Body)
		}
	}
}

// Parameters holding a character that would not show as itself (NUL, a
// right-to-left override) are refused naming the parameter, so they never
// reach a page, a CSV cell or a log line.
func TestHiddenCharactersInParametersAreRefused(t *testing.T) {
	h := newTestServer(t)
	for _, target := range []string{
		"/flows?q=ldap%00", "/flows?q=%E2%80%AEtxt.exe", "/flows.csv?src=a%E2%81%A6b", "/api/v1/hosts?q=%00",
		"/flows?q%00x=1",
	} {
		r := get(t, h, target)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "control character") {
			t.Errorf("GET %s = %d, want 400 naming the control character: %.300s", target, r.Status, r.Body)
		}
		if strings.ContainsRune(r.Body, 0) || strings.ContainsRune(r.Body, 0x202e) {
			t.Errorf("GET %s: the character is in the response", target)
		}
	}
}

// The flow-not-found message clips a long ID at a character boundary.
func TestLongFlowIDIsClippedOnACharacter(t *testing.T) {
	h := newTestServer(t)
	id := strings.Repeat("あ", 100) // 300 bytes; byte 40 is inside a character
	r := get(t, h, "/api/v1/flows/"+id)
	if r.Status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", r.Status)
	}
	if !utf8.ValidString(r.Body) || !strings.Contains(r.Body, strings.Repeat("あ", 13)+"…") {
		t.Errorf("message not clipped on a character: %q", r.Body)
	}
}

// A client's X-Request-Id and a long query string are clipped in the access
// log: one line per request, of bounded length, with no field the client
// wrote.
func TestAccessLogClipsRequestIDAndQuery(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	h := newTestServerLog(t, slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	long := strings.Repeat("x", 60<<10) + "\nlevel=ERROR msg=forged"
	r := get(t, h, "/flows?q=ldap&pad="+strings.Repeat("y", 190)+"&"+strings.Repeat("z=1&", 500), "X-Request-Id", long)
	if r.Status != http.StatusBadRequest && r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%.2000s", len(lines), buf.String())
	}
	if len(lines[0]) > 1500 {
		t.Errorf("log line of %d bytes", len(lines[0]))
	}
	if !regexp.MustCompile(`request_id=x{64}( |$)`).MatchString(lines[0]) || strings.Contains(lines[0], "forged") {
		t.Errorf("request ID not clipped to 64 bytes: %.1500s", lines[0])
	}
	if !strings.Contains(lines[0], "bytes)") {
		t.Errorf("clipped query does not give its length: %.1500s", lines[0])
	}
}

// Accept-Encoding weights are honoured: a coding the client refuses (q=0)
// is not used, whatever else the header says.
func TestRefusedContentCodingIsNotUsed(t *testing.T) {
	for _, h := range []http.Handler{newTestServer(t), newCachedServer(t, 0, 0)} {
		for _, tc := range []struct{ accept, want string }{
			{"gzip", "gzip"},
			{"gzip;q=0", ""},
			{"gzip; q=0.000, deflate", "deflate"},
			{"GZIP;Q=0, identity", ""},
			{"deflate;q=0, gzip;q=0.5", "gzip"},
		} {
			r := get(t, h, "/flows?proto=udp", "Accept-Encoding", tc.accept)
			if got := r.Header.Get("Content-Encoding"); r.Status != http.StatusOK || got != tc.want {
				t.Errorf("Accept-Encoding %q: status %d, Content-Encoding %q, want %q", tc.accept, r.Status, got, tc.want)
			}
		}
	}
}

// /api/v1/hosts answers a page at a time with the total, as /api/v1/flows.
func TestAPIHostsIsPaged(t *testing.T) {
	h := newTestServer(t)
	var all, page struct {
		Total, Limit, Offset int
		Hosts                []struct{ Name string }
	}
	getJSON(t, h, "/api/v1/hosts?limit=1000", &all)
	if all.Total < 10 || len(all.Hosts) != all.Total {
		t.Fatalf("limit=1000: %d of %d hosts; the test data should have at least 10", len(all.Hosts), all.Total)
	}
	getJSON(t, h, "/api/v1/hosts?limit=3&offset=5", &page)
	if page.Total != all.Total || page.Limit != 3 || page.Offset != 5 || len(page.Hosts) != 3 || page.Hosts[0].Name != all.Hosts[5].Name {
		t.Errorf("limit=3&offset=5: %+v, want hosts 5-7 of %d", page, all.Total)
	}
	var def struct{ Limit int }
	getJSON(t, h, "/api/v1/hosts", &def)
	if def.Limit != 100 {
		t.Errorf("default limit %d, want 100", def.Limit)
	}
	for _, target := range []string{"/api/v1/hosts?limit=0", "/api/v1/hosts?limit=1001", "/api/v1/hosts?offset=-1"} {
		r := get(t, h, target)
		var e struct{ Error string }
		json.Unmarshal([]byte(r.Body), &e)
		if r.Status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", target, r.Status)
		}
	}
}

var _ = web.DefaultSearchTimeout
