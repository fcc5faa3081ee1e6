package httpcache_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/portolan/portolan/web/httpcache"
)

// counting is a handler that answers "n=<calls>" and counts its calls;
// a request with ?fail=1 sends its 200 and then says DontStore.
type counting struct{ calls atomic.Int64 }

func (h *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.calls.Add(1)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("ETag", `W/"v1"`)
	fmt.Fprintf(w, "n=%d", n)
	if r.URL.Query().Get("fail") == "1" {
		httpcache.DontStore(r.Context())
	}
}

// byURL keys on the whole request URI.
func byURL(r *http.Request) (string, bool) { return r.URL.RequestURI(), true }

func get(t *testing.T, h http.Handler, target string, headers ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestHandlerAnswersARepeatedKeyFromTheCache(t *testing.T) {
	next := &counting{}
	c := httpcache.New(1<<20, 1<<10)
	h := c.Handler(byURL, next)
	// The first request of a key is only remembered; the second is kept
	// and answers every later one.
	if code, body := get(t, h, "/a"); code != http.StatusOK || body != "n=1" {
		t.Fatalf("/a: %d %q, want 200 n=1", code, body)
	}
	for range 3 {
		if code, body := get(t, h, "/a"); code != http.StatusOK || body != "n=2" {
			t.Fatalf("/a again: %d %q, want 200 n=2 (rendered once more, then kept)", code, body)
		}
	}
	if _, body := get(t, h, "/b"); body != "n=3" {
		t.Errorf("/b: %q, want its own rendering n=3", body)
	}
	if code, _ := get(t, h, "/a", "If-None-Match", `"v1"`); code != http.StatusNotModified {
		t.Errorf("conditional /a: %d, want 304", code)
	}
	if st := c.Stats(); st.Entries != 1 || st.Misses != 3 || st.Hits != 3 {
		t.Errorf("stats %+v, want 1 entry (/b was asked for once), 3 misses, 3 hits", st)
	}
}

// Requests each for a key of their own, as a crawler sends, leave nothing
// in the cache; a key asked for again after many others is kept too.
func TestCacheKeepsOnlyKeysAskedForAgain(t *testing.T) {
	next := &counting{}
	c := httpcache.New(1<<30, 1<<10)
	h := c.Handler(byURL, next)
	get(t, h, "/again")
	for i := range 1000 {
		get(t, h, "/once/"+strconv.Itoa(i))
	}
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 || st.Misses != 1001 {
		t.Errorf("stats %+v after 1001 keys asked for once, want nothing kept", st)
	}
	// A key asked for once is remembered in one of askedSlots slots, by
	// its hash: one of the 1,000 keys since may have taken its slot (about
	// one time in 65), and then its second request is only remembered and
	// its third kept. Either way its fourth is answered from the cache,
	// with the body of the request that was kept.
	var bodies [3]string
	for i := range bodies {
		_, bodies[i] = get(t, h, "/again")
	}
	if bodies[0] != "n=1002" || bodies[2] != bodies[1] {
		t.Errorf("/again asked for a second, third and fourth time: %q, want n=1002 and then that or n=1003 kept", bodies)
	}
	if st := c.Stats(); st.Entries != 1 || st.Hits == 0 {
		t.Errorf("stats %+v, want /again kept and answered from the cache", st)
	}
}

func TestKeyFuncDecidesWhatIsCached(t *testing.T) {
	next := &counting{}
	c := httpcache.New(1<<20, 1<<10)
	// One key for every spelling of the path; nothing under /live cached.
	key := func(r *http.Request) (string, bool) {
		if strings.HasPrefix(r.URL.Path, "/live") {
			return "", false
		}
		return strings.ToLower(r.URL.Path), true
	}
	h := c.Handler(key, next)
	get(t, h, "/Page")
	get(t, h, "/page") // the key asked for again: kept
	if _, body := get(t, h, "/PAGE"); body != "n=2" {
		t.Errorf("/PAGE: %q, want the entry of /page", body)
	}
	get(t, h, "/live")
	if _, body := get(t, h, "/live"); body != "n=4" {
		t.Errorf("/live: %q, want a fresh n=4", body)
	}
}

func TestDontStoreKeepsAResponseOutOfTheCache(t *testing.T) {
	next := &counting{}
	c := httpcache.New(1<<20, 1<<10)
	h := c.Handler(byURL, next)
	for i := 1; i <= 2; i++ { // asked for again, and yet not kept
		if code, body := get(t, h, "/x?fail=1"); code != http.StatusOK || body != "n="+strconv.Itoa(i) {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if _, body := get(t, h, "/x?fail=1"); body != "n=3" {
		t.Errorf("third: %q, want n=3: a response marked DontStore was served again", body)
	}
	if st := c.Stats(); st.Entries != 0 {
		t.Errorf("%d entries kept, want 0", st.Entries)
	}
}

func TestNilCacheIsOff(t *testing.T) {
	if c := httpcache.New(0, 1<<10); c != nil {
		t.Fatal("New(0, ...) returned a cache")
	}
	var c *httpcache.Cache
	next := &counting{}
	h := c.Handler(byURL, next)
	get(t, h, "/a")
	if _, body := get(t, h, "/a"); body != "n=2" {
		t.Errorf("nil cache answered %q, want the handler's n=2", body)
	}
	if st := c.Stats(); st != (httpcache.Stats{}) {
		t.Errorf("nil cache stats %+v", st)
	}
}

func TestETagMatchesWeakly(t *testing.T) {
	for _, tc := range []struct {
		header, etag string
		want         bool
	}{
		{`W/"a"`, `W/"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", W/"a"`, `W/"a"`, true},
		{`*`, `W/"a"`, true},
		{`"b"`, `W/"a"`, false},
		{``, `W/"a"`, false},
	} {
		if got := httpcache.ETagMatches(tc.header, tc.etag); got != tc.want {
			t.Errorf("ETagMatches(%q, %q) = %v, want %v", tc.header, tc.etag, got, tc.want)
		}
	}
}
