package rules

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseValueReadsWhatEngineersType(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind Kind
		text string
	}{
		{"10.0.0.5", Prefix, "10.0.0.5"},
		{" 10.0.0.0/24 ", Prefix, "10.0.0.0/24"},
		{"2001:DB8::5", Prefix, "2001:db8::5"},
		{"2001:db8::/64", Prefix, "2001:db8::/64"},
		{"::ffff:10.0.0.5", Prefix, "10.0.0.5"},
		{"10.0.0.5-10.0.0.9", Range, "10.0.0.5-10.0.0.9"},
		{"10.0.0.5 - 10.0.0.5", Prefix, "10.0.0.5"},
		{"2001:db8::1-2001:db8::ff", Range, "2001:db8::1-2001:db8::ff"},
		{"ADM.Example.com.", Host, "adm.example.com"},
		{"ADM_SERVERS", Object, "ADM_SERVERS"},
		{"grp-citrix-adm", Object, "grp-citrix-adm"},
		{"ANY", Any, "any"},
		{"１０.０.０.５", Prefix, "10.0.0.5"}, // full-width digits, as a Japanese keyboard types them
	} {
		v, err := ParseValue(c.in)
		if err != nil {
			t.Errorf("ParseValue(%q): %v", c.in, err)
			continue
		}
		if v.Kind != c.kind || v.Text != c.text {
			t.Errorf("ParseValue(%q) = kind %d %q, want kind %d %q", c.in, v.Kind, v.Text, c.kind, c.text)
		}
	}
}

func TestParseValueRefusesBadAddressesWithAReason(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"10.0.0.300", "not an IP address"},
		{"10.0.0", "not an IPv4 address"},
		{"10.0.0.5/24", "did you mean 10.0.0.0/24"},
		{"10.0.0.0/33", "not a CIDR prefix"},
		{"10.0.0.9-10.0.0.5", "ends before it starts"},
		{"10.0.0.1-2001:db8::1", "IPv4 or both IPv6"},
		{"fe80::1%eth0", "zone"},
		{"bad_host.example.com", "not a DNS label"},
		{"Citrix ADM!", "not an address"},
		{"", "empty"},
	} {
		_, err := ParseValue(c.in)
		if err == nil {
			t.Errorf("ParseValue(%q) accepted it", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseValue(%q) error %q does not say %q", c.in, err, c.want)
		}
	}
}

func TestParseValuesRefusesAnyBesideAddresses(t *testing.T) {
	if _, err := ParseValues("10.0.0.5, any"); err == nil || !strings.Contains(err.Error(), "any cannot be combined") {
		t.Errorf("any with an address: err = %v", err)
	}
	vs, err := ParseValues("10.0.0.5, 10.0.0.5; 10.0.0.6  10.0.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatValues(vs); got != "10.0.0.5, 10.0.0.6, 10.0.1.0/24" {
		t.Errorf("values = %q", got)
	}
	if vs, err := ParseValues("  "); err != nil || len(vs) != 0 {
		t.Errorf("blank list = %v, %v; want no values, no error", vs, err)
	}
}

func TestMappingFileRoundTrips(t *testing.T) {
	in := "\ufeff# my mapping\n\nCitrix ADM = 192.0.2.10, 2001:db8::10\nNTP  server = any\nLOM =\nEndpoint Centralサーバー = 192.0.2.50\n"
	m, err := ParseMapping(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if vs, ok := m.Lookup("citrix adm"); !ok || FormatValues(vs) != "192.0.2.10, 2001:db8::10" {
		t.Errorf("Citrix ADM = %v, %v", vs, ok)
	}
	if vs, ok := m.Lookup("NTP Server"); !ok || vs[0].Kind != Any {
		t.Errorf("NTP Server = %v, %v (names compare ignoring case and spacing)", vs, ok)
	}
	if _, ok := m.Lookup("LOM"); ok {
		t.Error("an endpoint listed with no value counts as mapped")
	}
	if m.Len() != 4 {
		t.Errorf("Len = %d, want 4 (unmapped lines kept)", m.Len())
	}
	var b bytes.Buffer
	if err := WriteMapping(&b, m); err != nil {
		t.Fatal(err)
	}
	again, err := ParseMapping(&b)
	if err != nil {
		t.Fatalf("written mapping does not read back: %v\n%s", err, b.String())
	}
	for _, e := range m.Entries() {
		vs, _ := again.Lookup(e.Name)
		if FormatValues(vs) != FormatValues(e.Values) {
			t.Errorf("%s: %q after a round trip, want %q", e.Name, FormatValues(vs), FormatValues(e.Values))
		}
	}
}

func TestMappingFileErrorsNameEveryBadLine(t *testing.T) {
	in := "A = 10.0.0.1\nno equals sign\nB = 10.0.0.300\na = 10.0.0.2\n = 10.0.0.3\n"
	_, err := ParseMapping(strings.NewReader(in))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"line 2:", "line 3: B:", "10.0.0.300", "line 4: a: already mapped on line 1", "line 5: no endpoint name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	var le *LineError
	if !errors.As(err, &le) {
		t.Errorf("error is not a *LineError: %T", err)
	}
}

func TestMappingFileTooLargeIsRefused(t *testing.T) {
	big := strings.Repeat("# padding padding padding padding padding padding\n", MaxMappingBytes/40)
	if _, err := ParseMapping(strings.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v, want a size refusal", err)
	}
}

// FuzzParseMapping: any input is read or refused, never a panic, and what is
// read writes back to the same mapping.
func FuzzParseMapping(f *testing.F) {
	f.Add("Citrix ADM = 192.0.2.10, 2001:db8::10\nNTP = any\nLOM =\n")
	f.Add("a = 10.0.0.0/24; 10.0.1.1 - 10.0.1.9\n# x\nb=adm.example.com ADM_SERVERS")
	f.Add("= =\n==\nx = 10.0.0.5/24")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseMapping(strings.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteMapping(&b, m); err != nil {
			t.Fatal(err)
		}
		again, err := ParseMapping(&b)
		if err != nil {
			t.Fatalf("written mapping does not read back: %v\n%q", err, b.String())
		}
		if again.Len() != m.Len() {
			t.Fatalf("%d entries after a round trip, want %d", again.Len(), m.Len())
		}
		for _, e := range m.Entries() {
			vs, _ := again.Lookup(e.Name)
			if FormatValues(vs) != FormatValues(e.Values) {
				t.Fatalf("%q: %q after a round trip, want %q", e.Name, FormatValues(vs), FormatValues(e.Values))
			}
		}
	})
}
