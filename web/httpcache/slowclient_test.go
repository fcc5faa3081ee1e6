package httpcache_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portolan/portolan/web/httpcache"
)

// A request that leads the render of a page and then cannot take it (it
// declared a body it never sends, which net/http waits for before the first
// write) does not hold the other requests for the page: they get the
// rendered page from the cache at once.
func TestSlowClientDoesNotHoldOthersForTheSamePage(t *testing.T) {
	page := strings.Repeat("<p>a page larger than the write buffer</p>\n", 2000) // 90 KB
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var renders atomic.Int64
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if renders.Add(1) == 1 {
			entered <- struct{}{}
			<-release // the second request joins the flight meanwhile
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, page)
	})
	c := httpcache.New(1<<20, 1<<20)
	srv := httptest.NewServer(c.Handler(byURL, next))
	defer srv.Close()

	slow, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET /page HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request never reached the handler")
	}

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(srv.URL + "/page")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	time.Sleep(200 * time.Millisecond) // for it to wait on the slow request's render
	close(release)

	select {
	case r := <-got:
		if r.err != nil || r.status != http.StatusOK || r.body != page {
			t.Fatalf("second request: %d, %d bytes, %v", r.status, len(r.body), r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second request waited on the slow client")
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("%d renders, want 1: the second request was not served the first's", n)
	}
}
