package filter_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/portolan/portolan/data/filter"
)

func parse(t *testing.T, raw string) filter.Filter {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	f, err := filter.Parse(v)
	if err != nil {
		t.Fatalf("Parse(%q): %v", raw, err)
	}
	return f
}

func TestEverySpellingOfAFilterEncodesTheSame(t *testing.T) {
	for _, tc := range []struct {
		want      string
		spellings []string
	}{
		{"proto=tcp&proto=udp", []string{"proto=tcp&proto=udp", "proto=udp&proto=tcp", "proto=tcp,udp", "proto=UDP,%20TCP", "proto=%EF%BC%B4%EF%BC%A3%EF%BC%B0,udp"}},
		{"doc=citrix&doc=lithnet", []string{"doc=citrix,lithnet", "doc=Citrix&doc=LITHNET", "doc=lithnet,citrix,citrix"}},
		{"port=80&port=443", []string{"port=443,80", "port=443&port=80", "port=%EF%BC%94%EF%BC%94%EF%BC%93,80"}},
		{"port=443%2Ftcp", []string{"port=tcp/443", "port=443/tcp", "port=TCP/443", "port=TCP%20443"}},
		{"port=80-90", []string{"port=80-90", "port=80 - 90"}},
		{"-doc=citrix", []string{"-doc=citrix", "-doc=Citrix"}},
		{"-proto=udp&proto=tcp", []string{"proto=tcp&-proto=udp"}},
		{"dst=dc&dst=domain+controller", []string{"dst=dc,domain%20%20controller", "dst=domain controller&dst=dc"}},
		{"req=none&req=required", []string{"req=Required,none"}},
		{"", []string{"", "doc=&proto=", "other=1", "proto=,"}},
	} {
		for _, s := range tc.spellings {
			if got := parse(t, s).Encode(); got != tc.want {
				t.Errorf("%q encodes as %q, want %q", s, got, tc.want)
			}
		}
		// The canonical form parses back to itself.
		if got := parse(t, tc.want).Encode(); got != tc.want {
			t.Errorf("canonical %q re-encodes as %q", tc.want, got)
		}
	}
}

func TestSearchSyntaxAddsWhatTheURLParameterDoes(t *testing.T) {
	var f filter.Filter
	for _, term := range [][3]string{{"proto", "", "tcp,udp"}, {"document", "-", "citrix"}, {"ports", "", "tcp/443"}} {
		if err := f.Add(term[0], term[1] == "-", term[2]); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := f.Encode(), parse(t, "proto=tcp,udp&-doc=citrix&port=443/tcp").Encode(); got != want {
		t.Errorf("search terms encode as %q, want %q", got, want)
	}
}

func TestRefusedValuesNameTheParameter(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"proto=tcp,foo", `proto: unknown protocol "FOO"`},
		{"doc=ci trix", `doc: "ci trix" is not a document name`},
		{"-section=a/b", `section: "a/b" is not a section name`},
		{"port=99999", "port: 99999 is out of range 0-65535"},
		{"port=90-80", "port: range 90-80 is reversed (write 80-90)"},
		{"port=x", `port: "x" is not a port number`},
		{"port=foo/443", `port: unknown protocol "FOO"`},
		{"req=maybe", `req: unknown requirement "maybe"`},
		{"dir=up", `dir: unknown direction "up"`},
		{"port=" + ports(33), "port: more than 32 values"},
	} {
		v, _ := url.ParseQuery(tc.raw)
		_, err := filter.Parse(v)
		var fe *filter.Error
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an *Error starting %q", tc.raw, err, tc.want)
		}
	}
}

func TestToggleAndToggleOutAreTheFacetLinks(t *testing.T) {
	f := parse(t, "doc=citrix&proto=tcp")
	if got := f.Toggle("doc", "lithnet").Encode(); got != "doc=citrix&doc=lithnet&proto=tcp" {
		t.Errorf("toggle on: %q", got)
	}
	if got := f.Toggle("doc", "citrix").Encode(); got != "proto=tcp" {
		t.Errorf("toggle off: %q", got)
	}
	if got := f.ToggleOut("doc", "citrix").Encode(); got != "-doc=citrix&proto=tcp" {
		t.Errorf("exclude: %q", got)
	}
	if got := f.ToggleOut("doc", "citrix").ToggleOut("doc", "citrix").Encode(); got != "proto=tcp" {
		t.Errorf("exclude twice: %q", got)
	}
	if f.Encode() != "doc=citrix&proto=tcp" {
		t.Errorf("the original changed: %q", f.Encode())
	}
	if got := f.Without("doc").Merge(parse(t, "doc=lithnet&-proto=udp")).Encode(); got != "-proto=udp&doc=lithnet&proto=tcp" {
		t.Errorf("merge: %q", got)
	}
}

func TestMatchWordsFindsWholeWords(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		want        bool
	}{
		{"DC", "dc", true},
		{"DCs", "dc", true},
		{"Domain Controllers (DC)", "dc", true},
		{"The Active Directory Domain Controller (DC) that is running ADWS.", "DC", true},
		{"Citrix ADC", "dc", false},
		{"Broadcast/DHCPServer", "dc", false},
		{"The hostname specified in the issuer/authority field of the OIDC setup page", "dc", false},
		{"https://dl.cacerts.digicert.com/DigiCertSHA2AssuredIDCodeSigningCA.crt", "dc", false},
		{"AMS server", "AMS server", true},
		{"AMS servers", "ams server", true},
		{"server AMS", "AMS server", false},
		{"Endpoint Centralサーバー", "サーバー", true},
		{"Endpoint Centralサーバー", "central", true},
		{"社内ネットワークのファイアウォール/プロキシ", "ファイアウォール", true},
		{"https://*.digicert.com", "digicert.com", true},
		{"10.0.0.1", "10.0.0.1", true},
		{"10.0.0.10", "10.0.0.1", false},
	} {
		if got := filter.MatchWords(tc.name, tc.query); got != tc.want {
			t.Errorf("MatchWords(%q, %q) = %v, want %v", tc.name, tc.query, got, tc.want)
		}
	}
}

func TestParsePortReadsEveryForm(t *testing.T) {
	for in, want := range map[string]string{
		"443": "443", "80-90": "80-90", "tcp/443": "443/tcp", "443/udp": "443/udp",
		"UDP/49152-65535": "49152-65535/udp", " 443 ": "443",
	} {
		p, err := filter.ParsePort(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePort(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
}

// ports is n distinct ports, comma-separated.
func ports(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d,", 1000+i)
	}
	return b.String()
}

// IsCanonical says of a value what Canonical does: it comes back
// unchanged.
func TestIsCanonicalAgreesWithCanonical(t *testing.T) {
	for _, key := range []string{"doc", "section", "proto", "req", "port", "src"} {
		for _, v := range []string{"citrix", "citrix-adc", "a_b.c", "Citrix", "citrix adc", "a,b", "", " x",
			"ｃｉｔｒｉｘ", "管理", "tcp", "TCP", "required", "Required", "443", "1-1024", "server", "Server"} {
			c, err := filter.Canonical(key, v)
			if got, want := filter.IsCanonical(key, v), err == nil && c == v; got != want {
				t.Errorf("IsCanonical(%q, %q) = %v; Canonical gives %q, %v", key, v, got, c, err)
			}
		}
	}
}
