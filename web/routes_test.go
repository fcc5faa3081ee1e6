package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/web"
)

func TestEveryRouteAnswers(t *testing.T) {
	srv := newTestServer(t)
	f := allFlows(t)[0]
	for _, tc := range []struct {
		path, ctype, marker string
	}{
		{"/", "text/html", `data-testid="doc-table"`},
		{"/docs/citrix", "text/html", `data-testid="section"`},
		{"/docs/zzfix-ja", "text/html", "サーバー側で使用するポート"},
		{"/docs/zzfix-ja/server", "text/html", `data-testid="section-title"`},
		{"/docs/" + f.Doc + "/" + f.SectionID, "text/html", f.ID},
		{"/docs/zzfix-en/source", "text/html", `id="L1"`},
		{"/docs/zzfix-en/source?hl=4-5", "text/html", `data-testid="hl-note"`},
		{"/flows/" + f.ID, "text/html", `data-testid="flow-fields"`},
		{"/flows", "text/html", `data-testid="facets"`},
		{"/flows?q=ldap&proto=tcp", "text/html", `data-testid="flow-table"`},
		{"/ports/443", "text/html", `data-testid="port-group"`},
		{"/ports/49152-65535", "text/html", `data-testid="port-title"`},
		{"/hosts", "text/html", `data-testid="host-table"`},
		{"/hosts?doc=zzfix-en&q=fixture", "text/html", "*.fixture.example"},
		{"/flows.csv", "text/csv", "document,section"},
		{"/flows.csv?doc=citrix", "text/csv", "citrix"},
		{"/docs/zzfix-ja.csv", "text/csv", "エージェント"},
		{"/hosts.csv", "text/csv", "document,section,group,host"},
		{"/api/v1/docs", "application/json", `"sections"`},
		{"/api/v1/flows", "application/json", `"total"`},
		{"/api/v1/flows/" + f.ID, "application/json", `"id":"` + f.ID + `"`},
		{"/api/v1/hosts", "application/json", `"hosts"`},
		{"/healthz", "text/plain", "ok"},
		{"/static/style.css", "text/css", "prefers-color-scheme"},
		{"/static/app.js", "javascript", "clipboard"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, srv, tc.path)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d, body %.300s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(r.Body, tc.marker) {
				t.Errorf("body lacks %q", tc.marker)
			}
		})
	}
}

func TestPortLookupFormRedirectsToThePortPage(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/ports?port=%EF%BC%94%EF%BC%94%EF%BC%93") // full-width ４４３
	if r.Status != http.StatusFound || r.Header.Get("Location") != "/ports/443" {
		t.Fatalf("status %d Location %q, want 302 /ports/443", r.Status, r.Header.Get("Location"))
	}
}

// TestBadInputIsRefusedWithoutServerError: every bad request gets 400 or 404 with
// a message naming what was wrong, never a 500.
func TestBadInputIsRefusedWithoutServerError(t *testing.T) {
	srv := newTestServer(t)
	long := strings.Repeat("x", 201)
	for _, tc := range []struct {
		path   string
		status int
		says   string
	}{
		{"/flows?port=abc", 400, "port"},
		{"/flows?port=70000", 400, "port"},
		{"/flows?port=-5", 400, "port"},
		{"/flows?port=90-80", 400, "reversed"},
		{"/flows?port=1-2-3", 400, "port"},
		{"/flows?proto=xyz", 400, "proto"},
		{"/flows?req=mandatory", 400, "req"},
		{"/flows?dir=up", 400, "dir"},
		{"/flows?sort=random", 400, "sort"},
		{"/flows?page=0", 400, "page"},
		{"/flows?page=abc", 400, "page"},
		{"/flows?q=" + long, 400, "q"},
		{"/flows?q=a&q=b", 400, "q"},
		{"/flows?doc=nope", 400, "doc"},
		{"/flows?doc=%3Cscript%3E", 400, "doc"},
		{"/flows?section=nope", 400, "section"},
		{"/flows?q=%ff%fe", 400, "UTF-8"},
		{"/flows?" + strings.Repeat("doc=citrix&", 40), 400, "doc"},
		{"/flows.csv?port=99999", 400, "port"},
		{"/flows.csv?proto=http", 400, "proto"},
		{"/api/v1/flows?limit=0", 400, "limit"},
		{"/api/v1/flows?limit=100000", 400, "limit"},
		{"/api/v1/flows?offset=-1", 400, "offset"},
		{"/api/v1/flows?offset=x", 400, "offset"},
		{"/api/v1/flows?port=1-", 400, "port"},
		{"/api/v1/flows?proto=tcpx", 400, "proto"},
		{"/api/v1/hosts?doc=nope", 400, "doc"},
		{"/hosts?q=" + long, 400, "q"},
		{"/hosts.csv?doc=nope", 400, "doc"},
		{"/ports/abc", 400, "port"},
		{"/ports/65536", 400, "port"},
		{"/ports/100-1", 400, "reversed"},
		{"/ports", 400, "port"},
		{"/ports?port=http", 400, "port"},
		{"/docs/zzfix-en/source?hl=abc", 400, "hl"},
		{"/docs/zzfix-en/source?hl=5-2", 400, "hl"},
		{"/docs/zzfix-en/source?hl=1-99999", 400, "hl"},
		{"/docs/nope", 404, "nope"},
		{"/docs/nope.csv", 404, "nope"},
		{"/docs/nope/source", 404, "nope"},
		{"/docs/citrix/no-such-section", 404, "no-such-section"},
		{"/docs/Citrix", 404, "Citrix"},
		{"/flows/no-such-flow", 404, "no-such-flow"},
		{"/flows/" + long, 404, "flow"},
		{"/api/v1/flows/no-such-flow", 404, "no-such-flow"},
		{"/api/v1/nothing", 404, "nothing"},
		{"/nothing/here", 404, "/nothing/here"},
		{"/static/missing.css", 404, "missing.css"},
	} {
		t.Run(tc.path[:min(len(tc.path), 60)], func(t *testing.T) {
			r := get(t, srv, tc.path)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d; body %.300s", r.Status, tc.status, r.Body)
			}
			if !strings.Contains(r.Body, tc.says) {
				t.Errorf("body does not name %q: %.300s", tc.says, r.Body)
			}
			if strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, ".go:") {
				t.Errorf("body leaks internals: %.300s", r.Body)
			}
			if strings.HasPrefix(tc.path, "/api/") {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error == "" {
					t.Errorf("API error is not {\"error\":...}: %q", r.Body)
				}
			} else if !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q, want an HTML error page", r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestOnlyGetAndHeadAreAllowed(t *testing.T) {
	srv := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPost, "/flows", strings.NewReader("x=1"))
	rec := newRecorder(srv, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /flows: %d, want 405", rec.Code)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	res, err := http.Head(ts.URL + "/flows?port=443")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == "" {
		t.Errorf("HEAD /flows: %d, ETag %q; want 200 with an ETag", res.StatusCode, res.Header.Get("ETag"))
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/", "/flows?port=443", "/api/v1/flows", "/flows.csv", "/nothing", "/flows?port=x", "/static/style.css"} {
		r := get(t, srv, path)
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "same-origin",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	srv := newTestServer(t)
	f := allFlows(t)[0]
	for _, path := range []string{"/", "/docs/citrix", "/flows", "/flows/" + f.ID, "/hosts", "/ports/443", "/docs/citrix/source", "/nothing"} {
		r := get(t, srv, path)
		body := r.Body
		// An inline SVG diagram may carry its one style sheet, allowed by hash
		// in the page's style-src; nothing else is inline.
		if strings.Contains(body, "<svg") {
			if csp := r.Header.Get("Content-Security-Policy"); !regexp.MustCompile(`style-src 'self'( 'sha256-[A-Za-z0-9+/=]+')?;`).MatchString(csp) {
				t.Errorf("%s: style-src allows more than one hashed style sheet: %s", path, csp)
			}
			body = regexp.MustCompile(`(?s)<svg.*?</svg>`).ReplaceAllString(body, "")
		}
		for _, bad := range []string{"<script>", "style=", "<style", "onclick", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
		if !strings.Contains(body, `<script src="/static/app.js?v=`) {
			t.Errorf("%s does not load app.js from /static", path)
		}
	}
}

func TestETagAnswers304WhenUnchanged(t *testing.T) {
	srv := newTestServer(t)
	f := allFlows(t)[0]
	for _, path := range []string{"/", "/flows?port=443", "/flows/" + f.ID, "/api/v1/flows?doc=citrix", "/api/v1/docs", "/flows.csv?proto=udp", "/docs/citrix.csv", "/hosts.csv", "/static/style.css"} {
		r := get(t, srv, path)
		etag := r.Header.Get("ETag")
		if etag == "" || r.Header.Get("Cache-Control") == "" {
			t.Errorf("%s: ETag %q Cache-Control %q, want both", path, etag, r.Header.Get("Cache-Control"))
			continue
		}
		if again := get(t, srv, path); again.Header.Get("ETag") != etag || again.Body != r.Body {
			t.Errorf("%s: second response differs (ETag %q vs %q)", path, again.Header.Get("ETag"), etag)
		}
		nm := get(t, srv, path, "If-None-Match", etag)
		if nm.Status != http.StatusNotModified || nm.Body != "" {
			t.Errorf("%s with If-None-Match: %d (%d bytes), want 304 and no body", path, nm.Status, len(nm.Body))
		}
		if other := get(t, srv, path, "If-None-Match", `W/"stale"`); other.Status != http.StatusOK {
			t.Errorf("%s with a stale ETag: %d, want 200", path, other.Status)
		}
	}
	a := get(t, srv, "/flows?port=443").Header.Get("ETag")
	b := get(t, srv, "/flows?port=80").Header.Get("ETag")
	if a == b {
		t.Errorf("different listings share ETag %s", a)
	}
}

func TestResponsesAreGzipped(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/", "/api/v1/flows", "/flows.csv", "/static/style.css"} {
		plain := get(t, srv, path)
		r := get(t, srv, path, "Accept-Encoding", "gzip")
		if r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", path, r.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != plain.Body {
			t.Errorf("%s: gunzipped body differs from the plain one", path)
		}
	}
}

// TestPanicGivesAGeneric500: a handler that panics (here: no database) answers
// a generic page, and the stack goes to the log only.
func TestPanicGivesAGeneric500(t *testing.T) {
	var logBuf bytes.Buffer
	srv := web.New(slog.New(slog.NewJSONHandler(&logBuf, nil)), nil, nil)
	for _, path := range []string{"/", "/api/v1/flows"} {
		r := get(t, srv, path)
		if r.Status != http.StatusInternalServerError {
			t.Errorf("%s: %d, want 500", path, r.Status)
		}
		if strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, "nil pointer") {
			t.Errorf("%s: body leaks the panic: %.300s", path, r.Body)
		}
	}
	if !strings.Contains(logBuf.String(), `"msg":"panic"`) || !strings.Contains(logBuf.String(), "request_id") {
		t.Errorf("panic not logged with a request ID: %.500s", logBuf.String())
	}
}

func TestAccessLogHasOneStructuredLinePerRequest(t *testing.T) {
	var logBuf bytes.Buffer
	srv := newTestServerLog(t, slog.New(slog.NewJSONHandler(&logBuf, nil)))
	get(t, srv, "/flows?port=443")
	get(t, srv, "/flows?port=x")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2: %s", len(lines), logBuf.String())
	}
	for i, want := range []float64{200, 400} {
		m := lines[i]
		if m["method"] != "GET" || m["path"] != "/flows" || m["status"] != want || m["request_id"] == "" || m["duration"] == nil {
			t.Errorf("log line %d = %v", i, m)
		}
	}
}

func TestDeepLinksArePathsThatRoundTrip(t *testing.T) {
	srv := newTestServer(t)
	body := get(t, srv, "/flows?proto=TCP&port=443&doc=citrix").Body
	// The facet link that toggles UDP keeps every other filter in the URL.
	want := `href="/flows?doc=citrix&amp;port=443&amp;proto=tcp&amp;proto=udp"`
	if !strings.Contains(body, want) {
		t.Errorf("no facet link %s", want)
	}
	u, _ := url.Parse("/flows?doc=citrix&port=443&proto=tcp&proto=udp")
	if r := get(t, srv, u.String()); r.Status != 200 {
		t.Errorf("facet link answers %d", r.Status)
	}
}
