package data

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePortsReadsEveryWayVendorsWritePorts(t *testing.T) {
	tests := []struct {
		cell, ports, protos, apps, dir, marks string
	}{
		{"443", "443", "", "", "", ""},
		{"80, 443", "80, 443", "", "", "", ""},
		{"139,445", "139, 445", "", "", "", ""},
		{"5985/5986", "5985, 5986", "", "", "", ""},
		{"7801 7802 7803", "7801, 7802, 7803", "", "", "", ""},
		{"49152-65535", "49152-65535", "", "", "", ""},
		{"49152- 65535", "49152-65535", "", "", "", ""},
		{"49152–65535", "49152-65535", "", "", "", ""},
		{"16500..16509", "16500-16509", "", "", "", ""},
		{"80 (Bidirectional)", "80", "", "", "bidirectional", ""},
		{"53 (TCP/UDP)", "53", "TCP, UDP", "", "", ""},
		{"49152- 65535 (Random high RPC Port) (TCP)", "49152-65535", "TCP", "", "", ""},
		{"8020*", "8020", "", "", "", "*"},
		{"135****", "135", "", "", "", "****"},
		{"LDAP TCP 389, CLDAP UDP 389", "389", "TCP, UDP", "LDAP, CLDAP", "", ""},
		{"RPC Endpoint Mapper TCP 135, RPC dynamic port range 49152-65535", "135, 49152-65535", "TCP", "RPC Endpoint Mapper, RPC dynamic port range", "", ""},
		{"DNS UDP 53", "53", "UDP", "DNS", "", ""},
		{"RPC over SMB 445", "445", "TCP", "RPC over SMB", "", ""},
		{"HTTP TCP 80, HTTPS TCP 443", "80, 443", "TCP", "HTTP, HTTPS", "", ""},
		{"TCP 443", "443", "TCP", "", "", ""},
		{"N/A", "", "", "", "", ""},
		{"No reserved port", "", "", "", "", ""},
		{"Randomly selected unreserved port per service. Scroll down to the end of this table.", "", "", "", "", ""},
		{"", "", "", "", "", ""},
		{"８０２０", "8020", "", "", "", ""},
		{"443, 443", "443", "", "", "", ""},
		{"0", "0", "", "", "", ""},
		{"65535", "65535", "", "", "", ""},
		{"KB929851", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParsePorts(tt.cell)
			if err != nil {
				t.Fatalf("ParsePorts(%q): %v", tt.cell, err)
			}
			if p := FormatPorts(got.Ranges); p != tt.ports {
				t.Errorf("ports = %q, want %q", p, tt.ports)
			}
			if p := strings.Join(got.Protocols, ", "); p != tt.protos {
				t.Errorf("protocols = %q, want %q", p, tt.protos)
			}
			if a := strings.Join(got.Apps, ", "); a != tt.apps {
				t.Errorf("apps = %q, want %q", a, tt.apps)
			}
			if got.Direction != tt.dir {
				t.Errorf("direction = %q, want %q", got.Direction, tt.dir)
			}
			if m := strings.Join(got.Marks, ","); m != tt.marks {
				t.Errorf("marks = %q, want %q", m, tt.marks)
			}
		})
	}
}

func TestParsePortsRejectsImpossiblePorts(t *testing.T) {
	for _, cell := range []string{"65536", "70000", "9000-8000", "1-99999", "123456789012345678901234567890"} {
		if _, err := ParsePorts(cell); err == nil {
			t.Errorf("ParsePorts(%q) gave no error", cell)
		}
	}
}

func TestParseProtocolsMapsApplicationWordsToTransports(t *testing.T) {
	tests := []struct{ cell, protos, app string }{
		{"TCP", "TCP", ""},
		{"TCP, UDP", "TCP, UDP", ""},
		{"TCP/UDP", "TCP, UDP", ""},
		{"UDP/TCP", "TCP, UDP", ""},
		{"TCP, UDP TCP", "TCP, UDP", ""},
		{"ICMP", "ICMP", ""},
		{"HTTPS", "TCP", "HTTPS"},
		{"HTTP", "TCP", "HTTP"},
		{"SSH", "TCP", "SSH"},
		{"SNMP", "UDP", "SNMP"},
		{"RADIUS", "UDP", "RADIUS"},
		{"TACACS", "TCP", "TACACS"},
		{"LDAP", "TCP", "LDAP"},
		{"LDAP SSL", "TCP", "LDAP SSL"},
		{"SMTP(TLS)", "TCP", "SMTP(TLS)"},
		{"HTTPS UDP(音声通話・ビデオ通話)", "TCP, UDP", "HTTPS"},
		{"ｔｃｐ", "TCP", ""},
		{"Azure Service Bus", "", "Azure Service Bus"},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			stated, implied, app := ParseProtocols(tt.cell)
			got := strings.Join(sortProtocols(append(stated, implied...)), ", ")
			if got != tt.protos || app != tt.app {
				t.Errorf("ParseProtocols(%q) = %q app %q, want %q app %q", tt.cell, got, app, tt.protos, tt.app)
			}
		})
	}
}

// FuzzParsePorts checks that no cell makes the port parser panic, and that what it
// returns is well formed: every range within 0..65535 with from <= to.
func FuzzParsePorts(f *testing.F) {
	for _, s := range []string{"80, 443", "49152–65535", "16500..16509", "8020*", "53 (TCP/UDP)",
		"LDAP TCP 389, CLDAP UDP 389", "N/A", "80 (Bidirectional)", "７８０１", "1-2-3", "((80)", "9..", "-", "65535-65536"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		spec, err := ParsePorts(cell)
		if err != nil {
			return
		}
		for _, r := range spec.Ranges {
			if r.From < 0 || r.To > 65535 || r.From > r.To {
				t.Fatalf("ParsePorts(%q) gave range %+v", cell, r)
			}
		}
		for _, p := range spec.Protocols {
			if p != strings.ToUpper(p) || p == "" {
				t.Fatalf("ParsePorts(%q) gave protocol %q", cell, p)
			}
		}
	})
}

func TestParsePortRangeReadsAFilterAsTyped(t *testing.T) {
	tests := []struct {
		in, want, problem string
	}{
		{"443", "443", ""},
		{" 49152-65535 ", "49152-65535", ""},
		{"８０２０－８０３２", "8020-8032", ""},
		{"99999", "", OutOfRange},
		{"90-80", "", Reversed},
		{"http", "", NotAPort},
		{"", "", NotAPort},
	}
	for _, tt := range tests {
		r, err := ParsePortRange(tt.in)
		var pe *PortRangeError
		switch {
		case tt.problem == "" && (err != nil || r.String() != tt.want):
			t.Errorf("ParsePortRange(%q) = %v, %v; want %s", tt.in, r, err, tt.want)
		case tt.problem != "" && (!errors.As(err, &pe) || pe.Problem != tt.problem):
			t.Errorf("ParsePortRange(%q) error = %v; want %s", tt.in, err, tt.problem)
		}
	}
}
