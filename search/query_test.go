package search

import (
	"errors"
	"reflect"
	"testing"

	"github.com/portolan/portolan/data/filter"
)

func TestParseQuerySplitsWordsPhrasesExclusionsAndFilters(t *testing.T) {
	cases := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"  kerberos  LDAP ", Query{Terms: []string{"kerberos", "LDAP"}}},
		{`"global catalog" ssl`, Query{Terms: []string{"ssl"}, Phrases: []string{"global catalog"}}},
		{`"  two   spaces "`, Query{Phrases: []string{"two spaces"}}},
		{`ldap -ssl -"global catalog"`, Query{Terms: []string{"ldap"}, Excludes: []string{"ssl", "global catalog"}}},
		{"a - b", Query{Terms: []string{"a", "b"}}},
		{"proto:udp port:443", Query{Filter: where("proto=udp&port=443")}},
		{"port:80-90,443 port:22", Query{Filter: where("port=22,80-90,443")}},
		{"proto:tcp proto:UDP", Query{Filter: where("proto=tcp,udp")}},
		{"doc:Citrix doc:lithnet,microsoft", Query{Filter: where("doc=citrix,lithnet,microsoft")}},
		{`src:"AMS server" dst:dc`, Query{Filter: where("src=AMS server&dst=dc")}},
		{`source:x destination:y`, Query{Filter: where("src=x&dst=y")}},
		{"req:required,none dir:Inbound section:citrix-adc",
			Query{Filter: where("req=none,required&dir=inbound&section=citrix-adc")}},
		{"https://graph.microsoft.com", Query{Terms: []string{"https://graph.microsoft.com"}}},
		{"ＴＣＰ ４４３ proto：ｕｄｐ", Query{Terms: []string{"TCP", "443"}, Filter: where("proto=udp")}},
		{"proto:tcp,udp -doc:citrix port:tcp/443", Query{Filter: where("proto=tcp,udp&-doc=citrix&port=443/tcp")}},
		{"src:a src:b", Query{Filter: where("src=a,b")}},
		{`dst:dc,"domain controller",adc ldap`, Query{Terms: []string{"ldap"}, Filter: where("dst=dc,domain controller,adc")}},
		{`dst:"domain controller",dc`, Query{Filter: where("dst=dc,domain controller")}},
		{"-proto:udp dns", Query{Terms: []string{"dns"}, Filter: where("-proto=udp")}},
		{"ﾌｧｲﾙ転送　通信", Query{Terms: []string{"ファイル転送", "通信"}}},
		{"kerberos kerberos", Query{Terms: []string{"kerberos"}}},
		{"_", Query{Terms: []string{"_"}}},
	}
	for _, tc := range cases {
		got, err := ParseQuery(tc.in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseQuery(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseQueryFallsBackToPlainWordsOnBadSyntax(t *testing.T) {
	cases := []struct {
		in       string
		fallback []string
		msg      string
	}{
		{`"kerberos`, []string{"kerberos"}, `unbalanced quote in "\"kerberos"`},
		{`ldap "global catalog`, []string{"ldap", "global", "catalog"}, `unbalanced quote in "\"global catalog"`},
		{`src:"AMS server`, []string{"AMS", "server"}, `unbalanced quote in "src:\"AMS server"`},
		{"port: 443", []string{"443"}, "port: needs a value, as in port:443"},
		{"port:", nil, "port: needs a value, as in port:443"},
		{"port:99999 x", []string{"99999", "x"}, "port: 99999 is out of range 0-65535"},
		{"port:90-80", []string{"90-80"}, "port: range 90-80 is reversed (write 80-90)"},
		{"port:http", []string{"http"}, `port: "http" is not a port number`},
		{"proto:ldap", []string{"ldap"}, `proto: unknown protocol "LDAP" (use one of TCP, UDP, ICMP, ICMPV6, SCTP, GRE, ESP, AH)`},
		{"doc:Ci/trix", []string{"Ci/trix"}, `doc: "ci/trix" is not a document name`},
		{"req:must", []string{"must"}, `req: unknown requirement "must" (use one of required, recommended, conditional, optional, none)`},
		{"/ldap(/", []string{"/ldap(/"}, ""}, // no regular expressions: punctuation is text
	}
	for _, tc := range cases {
		got, err := ParseQuery(tc.in)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("ParseQuery(%q): %v", tc.in, err)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseQuery(%q) error = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if se.Msg != tc.msg {
			t.Errorf("ParseQuery(%q) message\n got %s\nwant %s", tc.in, se.Msg, tc.msg)
		}
		if !reflect.DeepEqual(got.Terms, tc.fallback) || got.Phrases != nil || got.Excludes != nil || !got.Filter.IsZero() {
			t.Errorf("ParseQuery(%q) fallback = %+v, want terms %q only", tc.in, got, tc.fallback)
		}
	}
}

func TestParseQueryRefusesOversizedQueries(t *testing.T) {
	long := make([]byte, maxQueryBytes+1)
	for i := range long {
		long[i] = 'a'
	}
	if _, err := ParseQuery(string(long)); err == nil {
		t.Error("a query over the size limit was accepted")
	}
	words := ""
	for i := range maxTerms + 1 {
		words += string(rune('a'+i%26)) + string(rune('a'+i/26)) + " "
	}
	q, err := ParseQuery(words)
	if err == nil {
		t.Error("a query of too many words was accepted")
	}
	if len(q.Terms) > maxTerms {
		t.Errorf("fallback has %d words, more than %d", len(q.Terms), maxTerms)
	}
}

func TestMarkSplitsTextAtSpansAndIgnoresBadOnes(t *testing.T) {
	text := "ファイル転送 <b>"
	got := Mark(text, []Span{{0, 12}, {3, 5}, {13, 16}, {19, 22}, {100, 200}})
	want := []Segment{{"ファイル", true}, {"転送 ", false}, {"<b>", true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mark = %+v, want %+v", got, want)
	}
	if got := Mark("abc", nil); !reflect.DeepEqual(got, []Segment{{"abc", false}}) {
		t.Errorf("Mark without spans = %+v", got)
	}
}

// where is the filter of a URL query string (doc=alpha&proto=udp).
func where(query string) filter.Filter { return filter.MustParse(query) }
