package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/web"
	"github.com/portolan/portolan/web/httpcache"
)

// newCachedServer returns the full handler over the shared test database
// with its own response cache of the given limits; 0, 0 turns it off.
func newCachedServer(t testing.TB, maxBytes, maxEntry int64) *web.Server {
	t.Helper()
	return web.New(slog.New(slog.DiscardHandler), testDB(t), sharedDB.idx, web.WithCache(maxBytes, maxEntry))
}

// do performs a request with the given method and header pairs.
func do(t testing.TB, h http.Handler, method, target string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res := newRecorder(h, req).Result()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// sameResponse fails unless got has want's status, headers and body.
func sameResponse(t *testing.T, label string, want, got response) {
	t.Helper()
	if got.Status != want.Status {
		t.Errorf("%s: status %d, uncached %d", label, got.Status, want.Status)
	}
	if !reflect.DeepEqual(got.Header, want.Header) {
		t.Errorf("%s: headers differ\n got  %v\n want %v", label, got.Header, want.Header)
	}
	if got.Body != want.Body {
		t.Errorf("%s: body differs (%d bytes, uncached %d)", label, len(got.Body), len(want.Body))
	}
}

// cacheRoutes are URLs of every cached route family: pages, CSV, SVG, API.
func cacheRoutes(t testing.TB) []string {
	f := allFlows(t)[0]
	return []string{
		"/",
		"/flows?q=ldap&proto=tcp",
		"/flows?port=443&page=2",
		"/flows/" + f.ID,
		"/docs/citrix",
		"/docs/zzfix-ja/server",
		"/docs/zzfix-en/source?hl=4-5",
		"/ports/443",
		"/hosts?doc=zzfix-en",
		"/flows.csv?doc=citrix",
		"/docs/zzfix-ja.csv",
		"/hosts.csv",
		"/docs/citrix/diagram.svg",
		"/docs/zzfix-en/gateway/diagram.svg",
		"/api/v1/docs",
		"/api/v1/flows?port=443",
		"/api/v1/flows/" + f.ID,
		"/api/v1/hosts",
	}
}

func TestCachedResponsesAreByteIdenticalToUncachedOnes(t *testing.T) {
	plain := newCachedServer(t, 0, 0)
	cached := newTestServer(t)
	variants := []struct {
		name    string
		headers []string
	}{
		{"identity", nil},
		{"gzip", []string{"Accept-Encoding", "gzip, deflate, br"}},
		{"deflate", []string{"Accept-Encoding", "deflate"}},
		{"ja", []string{"Accept-Language", "ja-JP,ja;q=0.9"}},
		{"zh cookie gzip", []string{"Cookie", "lang=zh", "Accept-Encoding", "gzip"}},
	}
	for _, path := range cacheRoutes(t) {
		for _, v := range variants {
			label := path + " " + v.name
			want := do(t, plain, http.MethodGet, path, v.headers...)
			if want.Status != http.StatusOK {
				t.Fatalf("%s: uncached status %d", label, want.Status)
			}
			sameResponse(t, label+" (first miss)", want, do(t, cached, http.MethodGet, path, v.headers...))
			sameResponse(t, label+" (second miss, kept)", want, do(t, cached, http.MethodGet, path, v.headers...))
			sameResponse(t, label+" (hit)", want, do(t, cached, http.MethodGet, path, v.headers...))
			sameResponse(t, label+" (HEAD)", do(t, plain, http.MethodHead, path, v.headers...),
				do(t, cached, http.MethodHead, path, v.headers...))

			etag := want.Header.Get("ETag")
			if etag == "" {
				t.Errorf("%s: no ETag", label)
				continue
			}
			cond := append([]string{"If-None-Match", etag}, v.headers...)
			want304 := do(t, plain, http.MethodGet, path, cond...)
			if want304.Status != http.StatusNotModified {
				t.Fatalf("%s: uncached conditional status %d", label, want304.Status)
			}
			sameResponse(t, label+" (304)", want304, do(t, cached, http.MethodGet, path, cond...))
			stale := append([]string{"If-None-Match", `W/"stale"`}, v.headers...)
			sameResponse(t, label+" (stale ETag)", want, do(t, cached, http.MethodGet, path, stale...))
		}
	}
	st := cached.CacheStats()
	if n := len(cacheRoutes(t)) * len(variants); st.Entries != n {
		t.Errorf("%d entries, want %d (one per route and variant)", st.Entries, n)
	}
	if st.Hits == 0 {
		t.Errorf("no hits: %+v", st)
	}
	if st := plain.CacheStats(); st != (httpcache.Stats{}) {
		t.Errorf("cache off, yet %+v", st)
	}
}

func TestCacheKeepsLanguagesApart(t *testing.T) {
	plain := newCachedServer(t, 0, 0)
	cached := newTestServer(t)
	path := "/flows?doc=zzfix-ja"
	// English first, so that a Japanese request served the English entry fails.
	for _, h := range [][]string{
		nil,
		{"Accept-Language", "ja"},
		{"Cookie", "lang=ja"},
		{"Accept-Language", "en-US,en;q=0.8"},
		{"Accept-Language", "zh-TW"},
	} {
		want := do(t, plain, http.MethodGet, path, h...)
		got := do(t, cached, http.MethodGet, path, h...)
		sameResponse(t, fmt.Sprint(path, h), want, got)
	}
	for _, target := range []string{path + "&lang=ja", path + "&lang=en"} {
		sameResponse(t, target, do(t, plain, http.MethodGet, target, "Accept-Language", "zh"),
			do(t, cached, http.MethodGet, target, "Accept-Language", "zh"))
	}
	en := do(t, cached, http.MethodGet, path)
	ja := do(t, cached, http.MethodGet, path, "Accept-Language", "ja")
	if !strings.Contains(en.Body, `<html lang="en"`) || !strings.Contains(ja.Body, `<html lang="ja"`) {
		t.Errorf("cached pages in the wrong language: en %q, ja %q", htmlTag(en.Body), htmlTag(ja.Body))
	}
	// A language the URL chose is carried on by links; the same language
	// from the cookie is not. They must not share an entry.
	explicit := do(t, cached, http.MethodGet, path+"&lang=ja")
	cookie := do(t, cached, http.MethodGet, path, "Cookie", "lang=ja")
	if explicit.Body == cookie.Body {
		t.Error("?lang=ja and the lang=ja cookie gave the same page")
	}
}

func htmlTag(body string) string {
	i := strings.Index(body, "<html")
	if i < 0 {
		return ""
	}
	return body[i:min(len(body), i+20)]
}

func TestCacheKeepsGzipApart(t *testing.T) {
	cached := newTestServer(t)
	for _, path := range []string{"/flows?port=443", "/api/v1/flows?doc=citrix", "/flows.csv?proto=udp", "/docs/citrix/diagram.svg"} {
		plain := do(t, cached, http.MethodGet, path)
		gz := do(t, cached, http.MethodGet, path, "Accept-Encoding", "gzip")
		again := do(t, cached, http.MethodGet, path)
		if plain.Header.Get("Content-Encoding") != "" || again.Header.Get("Content-Encoding") != "" || again.Body != plain.Body {
			t.Errorf("%s: identity request got %q", path, again.Header.Get("Content-Encoding"))
		}
		if gz.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: gzip request got Content-Encoding %q", path, gz.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(gz.Body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(b) != plain.Body {
			t.Errorf("%s: gunzipped cached body differs from the identity one", path)
		}
	}
}

func TestCacheGivesADifferentQueryItsOwnEntry(t *testing.T) {
	cached := newTestServer(t)
	var a, b response
	for range 2 { // a key asked for again is kept
		a = do(t, cached, http.MethodGet, "/flows?port=443")
		b = do(t, cached, http.MethodGet, "/flows?port=80")
	}
	if a.Body == b.Body {
		t.Error("port=443 and port=80 gave the same page")
	}
	if st := cached.CacheStats(); st.Entries != 2 || st.Misses != 4 || st.Hits != 0 {
		t.Errorf("stats %+v, want 2 entries from 4 misses", st)
	}
	if again := do(t, cached, http.MethodGet, "/flows?port=80"); again.Body != b.Body {
		t.Error("port=80 again differs")
	}
}

func TestCacheSharesOneEntryAmongSpellingsOfOneQuery(t *testing.T) {
	plain := newCachedServer(t, 0, 0)
	for _, group := range [][]string{
		{"/flows?proto=tcp&port=443&doc=citrix&doc=microsoft",
			"/flows?doc=microsoft&port=443&doc=citrix&proto=tcp",
			"/flows?q=&port=443&proto=tcp&src=&doc=citrix&doc=microsoft&dst"},
		{"/flows.csv?proto=udp&doc=citrix", "/flows.csv?doc=citrix&proto=udp&req="},
		{"/api/v1/flows?port=443&limit=5", "/api/v1/flows?limit=5&port=443&offset="},
		// Every spelling of a filter is its canonical form (Filter.Encode).
		{"/flows?doc=citrix&proto=tcp&proto=udp", "/flows?proto=tcp,udp&doc=citrix", "/flows?proto=UDP,%20TCP&doc=Citrix",
			"/flows?doc=citrix&proto=udp,tcp,udp"},
		{"/flows?-doc=citrix&port=443", "/flows?port=443,%20443&-doc=CITRIX", "/flows?port=443&port=443&-doc=citrix,citrix"},
		{"/flows.csv?doc=citrix&doc=lithnet", "/flows.csv?doc=lithnet,citrix"},
		{"/api/v1/flows?proto=tcp&proto=udp&limit=5", "/api/v1/flows?limit=5&proto=udp,tcp"},
		{"/hosts?doc=citrix&doc=lithnet", "/hosts?doc=Lithnet,Citrix"},
		{"/ports/443?proto=tcp&proto=udp", "/ports/443?proto=udp,tcp"},
	} {
		cached := newTestServer(t)
		do(t, cached, http.MethodGet, group[0]) // remembered, not kept
		first := do(t, cached, http.MethodGet, group[0])
		for _, target := range group {
			// Each spelling gets what an uncached server gives it, and
			// that is the same bytes for all of them.
			want := do(t, plain, http.MethodGet, target)
			sameResponse(t, target, want, do(t, cached, http.MethodGet, target))
			sameResponse(t, target+" vs "+group[0], first, want)
		}
		if st := cached.CacheStats(); st.Entries != 1 || st.Misses != 2 || st.Hits != int64(len(group)) {
			t.Errorf("%s: stats %+v, want 1 entry, 2 misses, %d hits", group[0], st, len(group))
		}
	}
}

// TestPageLinksBackToTheCanonicalFormOfItsFilter: the language switcher's
// way back to the page carries the filter as Filter.Encode writes it, so
// every spelling of a filter leads back to the one URL the cache keys on.
func TestPageLinksBackToTheCanonicalFormOfItsFilter(t *testing.T) {
	srv := newTestServer(t)
	want := `href="/lang?next=` + url.QueryEscape("/flows?doc=citrix&proto=tcp&proto=udp") + `&amp;set=ja"`
	for _, target := range []string{"/flows?proto=UDP,TCP&doc=Citrix", "/flows?doc=citrix&proto=tcp&proto=udp&src="} {
		if page := do(t, srv, http.MethodGet, target); !strings.Contains(page.Body, want) {
			t.Errorf("%s: no link %s", target, want)
		}
	}
}

func TestCacheStaysWithinItsByteLimit(t *testing.T) {
	const limit = 256 << 10
	plain := newCachedServer(t, 0, 0)
	cached := newCachedServer(t, limit, 64<<10)
	for port := 1; port <= 60; port++ {
		target := fmt.Sprintf("/flows?port=%d", port*1000)
		do(t, cached, http.MethodGet, target) // remembered, not kept
		got := do(t, cached, http.MethodGet, target)
		if want := do(t, plain, http.MethodGet, target); got.Body != want.Body {
			t.Fatalf("%s: body differs from uncached", target)
		}
		if st := cached.CacheStats(); st.Bytes > limit {
			t.Fatalf("after %s: %d bytes cached, limit %d", target, st.Bytes, limit)
		}
	}
	st := cached.CacheStats()
	if st.Entries == 0 || st.Entries >= 60 {
		t.Errorf("%d entries of 60 pages: want some, not all, kept", st.Entries)
	}
	// The most recently used page is still there; the first has gone.
	before := cached.CacheStats().Hits
	do(t, cached, http.MethodGet, "/flows?port=60000")
	do(t, cached, http.MethodGet, "/flows?port=1000")
	if hits := cached.CacheStats().Hits - before; hits != 1 {
		t.Errorf("%d hits for the newest and the oldest page, want 1 (the newest)", hits)
	}
}

func TestCacheStreamsResponsesOverTheEntryLimit(t *testing.T) {
	plain := newCachedServer(t, 0, 0)
	cached := newCachedServer(t, 64<<20, 4<<10)
	for _, target := range []string{"/flows.csv", "/docs/citrix.csv", "/docs/citrix", "/api/v1/flows?limit=1000"} {
		want := do(t, plain, http.MethodGet, target)
		if len(want.Body) <= 4<<10 {
			t.Fatalf("%s: %d bytes, want a response over the 4 KiB entry limit", target, len(want.Body))
		}
		for range 2 {
			sameResponse(t, target, want, do(t, cached, http.MethodGet, target))
		}
	}
	if st := cached.CacheStats(); st.Entries != 0 {
		t.Errorf("%d entries over the entry limit kept", st.Entries)
	}
	// A response within the limit is still kept (asked for again).
	for range 2 {
		do(t, cached, http.MethodGet, "/api/v1/flows/zzfix-gw-1")
	}
	if st := cached.CacheStats(); st.Entries != 1 {
		t.Errorf("%d entries after a small response, want 1", st.Entries)
	}
}

func TestCacheKeepsNoErrorsAndNoHealthCheck(t *testing.T) {
	cached := newTestServer(t)
	for _, tc := range []struct {
		target string
		status int
	}{
		{"/healthz", http.StatusOK},
		{"/static/style.css", http.StatusOK},
		{"/lang?set=ja&next=/", http.StatusSeeOther},
		{"/flows?port=x", http.StatusBadRequest},
		{"/api/v1/flows?port=99999", http.StatusBadRequest},
		{"/docs/nope", http.StatusNotFound},
		{"/flows/nope-00000000", http.StatusNotFound},
		{"/flows?" + strings.Repeat("doc=&", 40), http.StatusBadRequest},
		{"/flows?" + strings.Repeat("x", 201) + "=", http.StatusBadRequest},
	} {
		for range 2 {
			if r := do(t, cached, http.MethodGet, tc.target); r.Status != tc.status {
				t.Errorf("%s: status %d, want %d", tc.target, r.Status, tc.status)
			}
		}
	}
	if st := cached.CacheStats(); st.Entries != 0 || st.Hits != 0 {
		t.Errorf("stats %+v, want nothing kept", st)
	}
	// A refused spelling must not be answered from the entry of a valid one.
	do(t, cached, http.MethodGet, "/flows")
	if r := do(t, cached, http.MethodGet, "/flows?"+strings.Repeat("doc=&", 40)); r.Status != http.StatusBadRequest {
		t.Errorf("40 empty doc= after /flows: status %d, want 400", r.Status)
	}
}

func TestCacheKeepsNothingFromACancelledRequest(t *testing.T) {
	cached := newTestServer(t)
	want := do(t, newCachedServer(t, 0, 0), http.MethodGet, "/flows.csv?doc=citrix")
	// Asked for before, so that the cache would keep the next response.
	sameResponse(t, "first request", want, do(t, cached, http.MethodGet, "/flows.csv?doc=citrix"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/flows.csv?doc=citrix", nil)
	func() {
		// The stream, cut short, aborts the response; net/http would
		// recover this and close the connection.
		defer func() {
			if r := recover(); r != nil && r != http.ErrAbortHandler {
				panic(r)
			}
		}()
		newRecorder(cached, req)
	}()
	if st := cached.CacheStats(); st.Entries != 0 {
		t.Fatalf("a cancelled request left %d entries", st.Entries)
	}
	sameResponse(t, "after a cancelled request", want, do(t, cached, http.MethodGet, "/flows.csv?doc=citrix"))
}

func TestCacheRendersAKeyOnceForConcurrentRequests(t *testing.T) {
	cached := newTestServer(t)
	want := do(t, newCachedServer(t, 0, 0), http.MethodGet, "/flows?q=directory&proto=tcp")
	// Asked for once before, so that the first of the concurrent requests
	// keeps what it renders even if it is done before the others arrive
	// (the httpcache tests cover requests joining a key's first render).
	sameResponse(t, "first request", want, do(t, cached, http.MethodGet, "/flows?q=directory&proto=tcp"))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			got := do(t, cached, http.MethodGet, "/flows?q=directory&proto=tcp")
			if got.Status != want.Status || got.Body != want.Body {
				t.Errorf("concurrent request: status %d, %d bytes; want %d, %d bytes", got.Status, len(got.Body), want.Status, len(want.Body))
			}
		})
	}
	wg.Wait()
	if st := cached.CacheStats(); st.Misses != 2 || st.Hits != 15 {
		t.Errorf("stats %+v, want 2 misses (the first request's and one of the 16) and 15 hits", st)
	}
}

// BenchmarkCacheHit measures the whole middleware chain answering a listing
// from the cache, as a browser asks for it: the per-request cost the cache
// leaves (request ID, access log, cache key, writing the entry).
func BenchmarkCacheHit(b *testing.B) {
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), testDB(b), sharedDB.idx)
	req := httptest.NewRequest(http.MethodGet, "/flows?q=ldap&proto=tcp", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9,ja;q=0.8")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if r := newRecorder(srv, req); r.Code != http.StatusOK {
		b.Fatalf("status %d", r.Code)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			srv.ServeHTTP(w, req)
		}
	})
}

// discardWriter is a ResponseWriter that keeps nothing but the header map.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func TestRequestIDsAreNumberedLikeChis(t *testing.T) {
	var logBuf bytes.Buffer
	srv := newTestServerLog(t, slog.New(slog.NewJSONHandler(&logBuf, nil)))
	do(t, srv, http.MethodGet, "/flows?port=443")
	do(t, srv, http.MethodGet, "/flows?port=443")
	do(t, srv, http.MethodGet, "/nope", "X-Request-Id", "ticket-42")
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var m struct {
			ID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		ids = append(ids, m.ID)
	}
	format := regexp.MustCompile(`^[^/]+/[A-Za-z0-9]{10}-[0-9]{6,}$`)
	if len(ids) != 3 || !format.MatchString(ids[0]) || !format.MatchString(ids[1]) || ids[0] == ids[1] {
		t.Fatalf("request IDs %q: want host/random-NNNNNN, each new", ids)
	}
	if ids[2] != "ticket-42" {
		t.Errorf("client's X-Request-Id logged as %q", ids[2])
	}
}

// With one work slot, requests sent at once to every kind of route are all
// answered: no route takes a second slot on top of its own (the version
// middleware runs inside the slot of its request).
func TestOneWorkSlotAnswersConcurrentRequests(t *testing.T) {
	h := web.New(slog.New(slog.DiscardHandler), testDB(t), sharedDB.idx, web.WithCache(0, 0), web.WithWorkSlots(1))
	ts := httptest.NewServer(h)
	defer ts.Close()
	client := &http.Client{Timeout: time.Minute}
	urls := []string{"/", "/flows?port=443", "/flows?q=ldap", "/docs/citrix", "/docs/citrix/diagram.svg",
		"/api/v1/flows?port=88", "/flows.csv", "/hosts", "/ports/443", "/change", "/flows?q=ファイル", "/healthz"}
	var wg sync.WaitGroup
	for i := range 3 * len(urls) {
		u := urls[i%len(urls)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := client.Get(ts.URL + u)
			if err != nil {
				t.Errorf("%s: %v", u, err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", u, res.StatusCode)
			}
		}()
	}
	wg.Wait()
}
