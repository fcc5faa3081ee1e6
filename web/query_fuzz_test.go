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

		// A facet link switched on and off again is the same view, on page 1.
		for _, key := range []string{"doc", "section", "proto", "req", "dir"} {
			list := q.list(key)
			for _, val := range *list {
				off := q.Toggle(key, val)
				if off.Has(key, val) {
					t.Fatalf("%q: Toggle(%s, %s) left it on", raw, key, val)
				}
				on := off.Toggle(key, val)
				want := q.clone()
				want.Page, want.Offset = 0, 0
				if !reflect.DeepEqual(normaliseEmpty(on), normaliseEmpty(want)) {
					t.Fatalf("%q: Toggle(%s, %s) twice = %+v, want %+v", raw, key, val, on, want)
				}
			}
		}
	})
}

// checkFlowQuery checks what an accepted query promises the store and the
// pages: valid, sorted, unique values within the limits.
func checkFlowQuery(t *testing.T, raw string, q FlowQuery) {
	t.Helper()
	for _, r := range q.Ports {
		if r.From < 0 || r.To > 65535 || r.From > r.To {
			t.Fatalf("ParseFlowQuery(%q) gave port range %+v", raw, r)
		}
	}
	if len(q.Ports) > maxValues {
		t.Fatalf("ParseFlowQuery(%q) gave %d port ranges", raw, len(q.Ports))
	}
	for i := 1; i < len(q.Ports); i++ {
		a, b := q.Ports[i-1], q.Ports[i]
		if a.From > b.From || a.From == b.From && a.To >= b.To {
			t.Fatalf("ParseFlowQuery(%q) ports not sorted and unique: %v", raw, q.Ports)
		}
	}
	lists := map[string][]string{"doc": q.Docs, "section": q.Sections, "proto": q.Protocols, "req": q.Requirements, "dir": q.Directions}
	for key, list := range lists {
		for i, s := range list {
			if i > 0 && list[i-1] >= s {
				t.Fatalf("ParseFlowQuery(%q) %s not sorted and unique: %q", raw, key, list)
			}
			switch key {
			case "doc", "section":
				if !isSlug(s) {
					t.Fatalf("ParseFlowQuery(%q) gave %s %q", raw, key, s)
				}
			case "proto":
				if !slices.Contains(knownProtocols, s) {
					t.Fatalf("ParseFlowQuery(%q) gave protocol %q", raw, s)
				}
			case "req":
				if !slices.Contains(requirementValues, s) {
					t.Fatalf("ParseFlowQuery(%q) gave requirement %q", raw, s)
				}
			case "dir":
				if !slices.Contains(directionValues, s) {
					t.Fatalf("ParseFlowQuery(%q) gave direction %q", raw, s)
				}
			}
		}
	}
	for _, s := range []string{q.Text, q.Source, q.Destination} {
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
	ff := q.Filter()
	if ff.Sort != "doc" && ff.Sort != "port" || ff.Limit != 0 || ff.Offset != 0 {
		t.Fatalf("ParseFlowQuery(%q).Filter() = %+v: the store would refuse it", raw, ff)
	}
}

// normaliseEmpty makes empty lists nil, as Toggle leaves an emptied list empty
// where ParseFlowQuery leaves it nil.
func normaliseEmpty(q FlowQuery) FlowQuery {
	for _, key := range []string{"doc", "section", "proto", "req", "dir"} {
		if l := q.list(key); len(*l) == 0 {
			*l = nil
		}
	}
	return q
}
