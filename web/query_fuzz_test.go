package web

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFlowQuery checks ParseFlowQuery against any query string a client
// can send: a bad parameter is a bad-request error (a 400, never a 500), and a
// query it accepts is valid for the store and has a canonical URL that parses
// back to the same query.
func FuzzParseFlowQuery(f *testing.F) {
	for _, s := range []string{
		"",
		"q=ldap",
		"q=%E8%A8%BC%E6%98%8E%E6%9B%B8%E3%81%AE%E5%A4%B1%E5%8A%B9&doc=endpoint-central",
		"q=ファイル転送&doc=endpoint-central&req=required",
		"q=+LDAP+&doc=citrix&doc=Lithnet&doc=citrix&proto=udp&proto=Tcp&port=５００００&port=80-90,443&req=Required&dir=inbound&sort=port&page=2&limit=10&offset=5&utm=ignored",
		"port=49152-65535",
		"port=50000&proto=tcp&proto=udp",
		"port=80-90,443,8080-8089",
		"port=８０２０－８０３２",
		"port=65535-65536",
		"port=90-80",
		"port=-1",
		"port=1-2-3",
		"port=99999999999999999999",
		"port=0",
		"port=,,,",
		"proto=ＴＣＰ",
		"proto=icmpv6&proto=sctp",
		"proto=ldap",
		"doc=citrix&doc=citrix&doc=citrix",
		"doc=Ci/trix",
		"doc=%E2%84%AA", // Kelvin sign: lower-cases to an ASCII k
		"section=citrix-adc&section=agent",
		"src=AMS+server&dst=DC",
		"src=a&src=b",
		"src=&dst=&q=&port=",
		"req=none&dir=none&req=optional",
		"req=must",
		"dir=outbound&dir=bidirectional",
		"sort=PORT",
		"sort=name",
		"page=1",
		"page=０２",
		"page=0",
		"page=100001",
		"limit=1000&offset=1000000",
		"limit=0",
		"offset=-1",
		"q=%ff%fe",
		"q=%zz",
		"q=" + strings.Repeat("a", 201),
		"q=" + strings.Repeat("あ", 70),
		strings.Repeat("doc=citrix&", 33),
		strings.Repeat("x"+strings.Repeat("y", 190)+"=1&", 22),
		"port=" + strings.Repeat("1,", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // as r.URL.Query(): bad pairs are dropped
		q, err := ParseFlowQuery(v)
		if err != nil {
			var bad *badRequestError
			if !errors.As(err, &bad) {
				t.Fatalf("ParseFlowQuery(%q) error %T %v is not a bad request: it would be a 500", raw, err, err)
			}
			if msg := err.Error(); msg == "" || !utf8.ValidString(msg) {
				t.Fatalf("ParseFlowQuery(%q) error message %q is empty or not UTF-8", raw, msg)
			}
			return
		}
		checkFlowQuery(t, raw, q)
		if got, want := q.Encode(), q.Values().Encode(); got != want {
			t.Fatalf("ParseFlowQuery(%q).Encode() = %q, want url.Values' %q", raw, got, want)
		}
		for _, key := range []string{"doc", "section", "proto", "req", "dir", "src", "dst"} {
			links := q.toggler("/flows", key)
			for _, v := range []string{"citrix", "agent", "UDP", "required", "none", "AMS server", "サーバー", "a&b=c"} {
				if got, want := links.URL(v, false), q.Toggle(key, v).URL("/flows"); got != want {
					t.Fatalf("ParseFlowQuery(%q): %s=%s link %q, Toggle gives %q", raw, key, v, got, want)
				}
				if got, want := links.URL(v, true), q.ToggleOut(key, v).URL("/flows"); got != want {
					t.Fatalf("ParseFlowQuery(%q): -%s=%s link %q, ToggleOut gives %q", raw, key, v, got, want)
				}
			}
		}

		// The canonical URL parses back to the same query, and is stable.
		enc := q.Encode()
		v2, err := url.ParseQuery(enc)
		if err != nil {
			t.Fatalf("%q: Encode gave %q, which is not a query string: %v", raw, enc, err)
		}
		q2, err := ParseFlowQuery(v2)
		if err != nil {
			t.Fatalf("%q: canonical form %q is refused: %v", raw, enc, err)
		}
		if len(enc) > maxQueryBytes {
			t.Fatalf("%q: canonical form is %d bytes: the handler refuses a query string over %d", raw, len(enc), maxQueryBytes)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Fatalf("%q: canonical form %q parses to\n%+v\nwant\n%+v", raw, enc, q2, q)
		}
		if enc2 := q2.Encode(); enc2 != enc {
			t.Fatalf("%q: canonical form not stable: %q then %q", raw, enc, enc2)
		}
		if u := q.URL("/flows"); u != "/flows" && u != "/flows?"+enc {
			t.Fatalf("%q: URL = %q, want /flows?%s", raw, u, enc)
		}

		// A facet link switched on and off again is the same view, on page 1;
		// so is its "leave out" link.
		want := q.WithPage(1)
		want.Offset = 0
		q.Filter.Each(func(key string, excluded bool, val string) {
			toggle := FlowQuery.Toggle
			if excluded {
				toggle = FlowQuery.ToggleOut
			}
			off := toggle(q, key, val)
			if off.Filter.Has(key, val) || off.Filter.Excludes(key, val) {
				t.Fatalf("%q: toggling %s=%s left it on", raw, key, val)
			}
			if on := toggle(off, key, val); on.Encode() != want.Encode() {
				t.Fatalf("%q: toggling %s=%s twice = %q, want %q", raw, key, val, on.Encode(), want.Encode())
			}
		})
	})
}

// checkFlowQuery checks what an accepted query promises the store and the
// pages: valid, sorted, unique values within the limits.
func checkFlowQuery(t *testing.T, raw string, q FlowQuery) {
	t.Helper()
	for _, s := range append([]string{q.Text}, slices.Concat(q.Filter.In("src"), q.Filter.In("dst"))...) {
		if len(s) > maxValueBytes || !utf8.ValidString(s) || s != strings.TrimSpace(s) {
			t.Fatalf("ParseFlowQuery(%q) kept text %q", raw, s)
		}
	}
	if q.Sort != "" && q.Sort != "port" {
		t.Fatalf("ParseFlowQuery(%q) gave sort %q", raw, q.Sort)
	}
	if q.Page == 1 || q.Page < 0 || q.Page > maxPage || q.Limit < 0 || q.Limit > maxLimit || q.Offset < 0 || q.Offset > maxOffset {
		t.Fatalf("ParseFlowQuery(%q) gave page %d, limit %d, offset %d", raw, q.Page, q.Limit, q.Offset)
	}
}
