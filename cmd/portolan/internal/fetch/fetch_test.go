package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

func TestGetReturnsPageWithValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
		w.Write([]byte("| Port | Protocol |\n|---|---|\n| 443 | TCP |\n"))
	}))
	defer srv.Close()
	p, err := (&Client{}).Get(context.Background(), srv.URL+"/ports.md", Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if p.NotModified || !strings.Contains(string(p.Body), "| 443 | TCP |") {
		t.Errorf("page %+v", p)
	}
	if p.ContentType != "text/markdown" || p.Validators.ETag != `"v1"` || p.Validators.LastModified != "Tue, 01 Dec 2026 10:00:00 GMT" {
		t.Errorf("content type %q, validators %+v", p.ContentType, p.Validators)
	}
}

func TestConditionalRequestGetsNotModified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Tue, 01 Dec 2026 10:00:00 GMT" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("changed"))
	}))
	defer srv.Close()
	prev := Validators{ETag: `"v1"`, LastModified: "Tue, 01 Dec 2026 10:00:00 GMT"}
	p, err := (&Client{}).Get(context.Background(), srv.URL, prev)
	if err != nil {
		t.Fatal(err)
	}
	if !p.NotModified || len(p.Body) != 0 || p.Validators != prev {
		t.Errorf("page %+v, want not modified with the same validators", p)
	}
	p, err = (&Client{}).Get(context.Background(), srv.URL, Validators{ETag: `"v0"`})
	if err != nil {
		t.Fatal(err)
	}
	if p.NotModified || string(p.Body) != "changed" {
		t.Errorf("page %+v, want the body", p)
	}
}

func TestGetDecodesShiftJIS(t *testing.T) {
	want := "ポート番号 | プロトコル\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(want)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=Shift_JIS")
		w.Write([]byte(sjis))
	}))
	defer srv.Close()
	p, err := (&Client{}).Get(context.Background(), srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Body) != want {
		t.Errorf("body %q, want %q", p.Body, want)
	}
}

func TestGetRefuses(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(strings.Repeat("x", 2000)))
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7"))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &Client{MaxBytes: 1000, MaxRedirects: 3, Timeout: 300 * time.Millisecond}
	for _, tc := range []struct{ url, reason string }{
		{srv.URL + "/big", "more than the limit of 1000 bytes"},
		{srv.URL + "/pdf", "application/pdf, not a text"},
		{srv.URL + "/missing", "404 Not Found"},
		{srv.URL + "/loop", "more than 3 redirects"},
		{srv.URL + "/ftp", "redirected to a ftp URL"},
		{srv.URL + "/slow", "no answer within 300ms"},
		{"file:///etc/passwd", "not an http or https URL"},
		{"http://127.0.0.1:1/", "connection refused"},
	} {
		_, err := c.Get(context.Background(), tc.url, Validators{})
		var fe *Error
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), tc.url) {
			t.Errorf("Get(%s): %v, want a fetch error naming the URL and saying %q", tc.url, err, tc.reason)
		}
	}
}
