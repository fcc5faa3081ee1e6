package httpcache_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/web/httpcache"
)

// pages answers every URL with a body of a size drawn from 100 B to 24 KiB
// (the sizes of Portolan's pages, API answers and diagrams) and the headers
// Portolan's middleware and handlers set on a 200, with values made per
// response as the real ones are.
func pages() http.Handler {
	var n int
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		body := strings.Repeat("x", 100+rng.IntN(24<<10))
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Vary", "Accept-Encoding")
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("ETag", fmt.Sprintf(`W/"%016x"`, rng.Uint64()))
		h.Set("Cache-Control", "no-cache")
		w.Write([]byte(body))
	})
}

// What the cache counts is what its entries hold: filling it with varied
// responses grows the live heap by about the bytes it reports, never by
// much more, so its limit bounds the memory it takes.
func TestCacheCountsTheMemoryItsEntriesHold(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string // makes keys longer
	}{
		{"short keys", ""},
		{"long keys", "?" + strings.Repeat("q=kerberos&", 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 3000
			c := httpcache.New(1<<30, 1<<20)
			h := c.Handler(byURL, pages())
			reqs := make([]*http.Request, n)
			for i := range reqs {
				reqs[i] = httptest.NewRequest(http.MethodGet, "/p/"+strconv.Itoa(i)+tc.query, nil)
			}
			before := liveHeap()
			for range 2 { // a key is kept when asked for again
				for _, r := range reqs {
					h.ServeHTTP(httptest.NewRecorder(), r)
				}
			}
			grown := liveHeap() - before
			counted := c.Stats().Bytes
			runtime.KeepAlive(reqs)
			ratio := float64(counted) / float64(grown)
			t.Logf("%d entries: live heap grew %d bytes, the cache counts %d (%.2f×)", n, grown, counted, ratio)
			if ratio < 0.97 || ratio > 1.25 {
				t.Errorf("the cache counts %.2f× the memory its %d entries hold, want 0.97–1.25×", ratio, n)
			}
		})
	}
}

func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
