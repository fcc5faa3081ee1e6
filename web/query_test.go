package web_test

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/portolan/portolan/web"
)

func TestParseFlowQueryNormalisesValues(t *testing.T) {
	v, _ := url.ParseQuery("q=+LDAP+&doc=citrix&doc=Lithnet&doc=citrix&proto=udp&proto=Tcp" +
		"&port=５００００&port=80-90,443&req=Required&dir=inbound&sort=port&page=2&limit=10&offset=5&utm=ignored")
	q, err := web.ParseFlowQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "dir=inbound&doc=citrix&doc=lithnet&limit=10&offset=5&page=2&port=80-90&port=443&port=50000" +
		"&proto=tcp&proto=udp&q=LDAP&req=required&sort=port"
	if got := q.Encode(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFlowQueryEncodeRoundTrips(t *testing.T) {
	for _, raw := range []string{
		"",
		"q=ldap",
		"doc=citrix&doc=lithnet&port=443&proto=tcp",
		"dir=none&port=49152-65535&req=required&section=agent&sort=port&src=AMS&dst=DC&page=3",
		"-doc=citrix&proto=tcp,udp&port=tcp/443,80&-src=AMS%20server",
		"q=%E8%A8%BC%E6%98%8E%E6%9B%B8&limit=20&offset=40",
	} {
		v, _ := url.ParseQuery(raw)
		q, err := web.ParseFlowQuery(v)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		v2, _ := url.ParseQuery(q.Encode())
		q2, err := web.ParseFlowQuery(v2)
		if err != nil {
			t.Fatalf("%q: re-parse %q: %v", raw, q.Encode(), err)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Errorf("%q: encode %q parses to %+v, want %+v", raw, q.Encode(), q2, q)
		}
		if q.Encode() != q2.Encode() {
			t.Errorf("%q: canonical form not stable: %q vs %q", raw, q.Encode(), q2.Encode())
		}
	}
}

func TestFlowQueryToggleAddsAndRemovesAValue(t *testing.T) {
	v, _ := url.ParseQuery("doc=citrix&page=3")
	q, err := web.ParseFlowQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	on := q.Toggle("doc", "lithnet")
	if got := on.Encode(); got != "doc=citrix&doc=lithnet" {
		t.Errorf("toggle on: %q", got)
	}
	off := on.Toggle("doc", "citrix")
	if got := off.Encode(); got != "doc=lithnet" {
		t.Errorf("toggle off: %q", got)
	}
	if got := q.Encode(); got != "doc=citrix&page=3" {
		t.Errorf("toggle changed the original: %q", got)
	}
	if got := q.Toggle("proto", "udp").URL("/flows"); got != "/flows?doc=citrix&proto=udp" {
		t.Errorf("proto toggle: %q", got)
	}
}

func TestFlowQueryFileNameSaysWhatWasFiltered(t *testing.T) {
	v, _ := url.ParseQuery("doc=citrix&proto=tcp&port=443")
	q, err := web.ParseFlowQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.FileName(), "portolan-flows-citrix-tcp-443.csv"; got != want {
		t.Errorf("FileName = %q, want %q", got, want)
	}
	if got := (web.FlowQuery{}).FileName(); got != "portolan-flows.csv" {
		t.Errorf("empty FileName = %q", got)
	}
}

func TestParseFlowQueryRejectsBadInput(t *testing.T) {
	for _, raw := range []string{
		"port=abc", "port=70000", "port=-1", "port=90-80", "port=1-2-3", "port=", // "port=" is absent, not bad
		"proto=xyz", "req=must", "dir=sideways", "sort=random", "page=0", "page=x",
		"limit=0", "limit=5000", "offset=-1", "q=a&q=b", "doc=Bad%20Doc",
	} {
		v, _ := url.ParseQuery(raw)
		_, err := web.ParseFlowQuery(v)
		if raw == "port=" {
			if err != nil {
				t.Errorf("%q: %v, want no error", raw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: no error", raw)
			continue
		}
		var unwrapped interface{ Unwrap() error }
		if errors.As(err, &unwrapped) {
			t.Errorf("%q: error %v wraps another; want a plain bad-request error", raw, err)
		}
	}
}

// TestEveryProtocolInTheDataIsAccepted guards the proto whitelist: a protocol
// the extractor emits must be filterable.
func TestEveryProtocolInTheDataIsAccepted(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range allFlows(t) {
		for _, p := range f.Protocols {
			if !seen[p] {
				seen[p] = true
				if _, err := web.ParseFlowQuery(url.Values{"proto": {p}}); err != nil {
					t.Errorf("proto=%s: %v", p, err)
				}
			}
		}
	}
}
