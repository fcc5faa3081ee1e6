package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"github.com/portolan/portolan/data"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func embedded(t *testing.T) []data.Document {
	t.Helper()
	docs, err := Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	return docs
}

func docBySlug(t *testing.T, slug string) data.Document {
	t.Helper()
	for _, d := range embedded(t) {
		if d.Slug == slug {
			return d
		}
	}
	t.Fatalf("no document %q", slug)
	return data.Document{}
}

// The counts below were made by reading each document table by table; every table
// row is a flow.
func TestEveryTableRowOfEveryDocumentIsAFlow(t *testing.T) {
	want := map[string]struct {
		sections []int // flows per section, in document order
		hosts    int
	}{
		"cayosoft":         {[]int{2, 3, 2, 7, 5, 3, 2, 2, 2, 2}, 3},
		"lithnet":          {[]int{14}, 3},
		"microsoft":        {[]int{10, 2, 3, 1, 2, 2, 1, 2}, 0},
		"endpoint-central": {[]int{14, 4, 3, 6, 2, 8}, 82},
		"citrix":           {[]int{10, 27, 18, 4, 10, 4, 9, 1, 2, 18, 15, 5, 23, 17, 3, 13, 2, 2, 3, 9, 9}, 8},
	}
	wantTotal := map[string]int{"cayosoft": 30, "lithnet": 14, "microsoft": 23, "endpoint-central": 37, "citrix": 204}
	docs := embedded(t)
	if len(docs) != len(want) {
		t.Fatalf("got %d documents, want %d", len(docs), len(want))
	}
	all := 0
	for _, d := range docs {
		w := want[d.Slug]
		var got []int
		total := 0
		for _, s := range d.Sections {
			got = append(got, len(s.Flows))
			total += len(s.Flows)
		}
		if !reflect.DeepEqual(got, w.sections) {
			t.Errorf("%s: flows per section = %v, want %v", d.Slug, got, w.sections)
		}
		if total != wantTotal[d.Slug] {
			t.Errorf("%s: %d flows, want %d", d.Slug, total, wantTotal[d.Slug])
		}
		if len(d.Hosts) != w.hosts {
			t.Errorf("%s: %d hosts, want %d", d.Slug, len(d.Hosts), w.hosts)
		}
		all += total
	}
	if all != 308 {
		t.Errorf("%d flows in all, want 308", all)
	}
}

// Every flow is traceable to its source lines: the lines it names hold its ports
// and purpose cells as written.
func TestEveryFlowIsTraceableToItsSourceLines(t *testing.T) {
	for _, d := range embedded(t) {
		lines := strings.Split(d.Raw, "\n")
		for _, s := range d.Sections {
			for _, f := range s.Flows {
				if f.Line < 1 || f.LineEnd < f.Line || f.LineEnd > len(lines) {
					t.Errorf("%s %s: lines %d-%d out of range", d.Slug, f.ID, f.Line, f.LineEnd)
					continue
				}
				src := strings.Join(strings.Fields(strings.Join(lines[f.Line-1:f.LineEnd], " ")), " ")
				for _, cell := range []string{f.PortsRaw, f.Purpose, f.ProtocolRaw, f.RequirementRaw} {
					if cell != "" && !strings.Contains(src, cell) {
						t.Errorf("%s line %d: %q not in source %q", d.Slug, f.Line, cell, src)
					}
				}
				// A direction is the row's own, or read from the heading,
				// caption or sentence above its table: between the
				// section's heading and the row.
				if f.DirectionRaw != "" && !strings.Contains(src, f.DirectionRaw) {
					above := strings.Join(strings.Fields(strings.Join(lines[max(s.Line, 1)-1:f.Line-1], " ")), " ")
					if !strings.Contains(above, f.DirectionRaw) {
						t.Errorf("%s line %d: direction %q neither in the row %q nor above it under heading line %d",
							d.Slug, f.Line, f.DirectionRaw, src, s.Line)
					}
				}
				if f.URL != data.FlowURL(f.ID) || f.Doc != d.Slug || f.Section != s.Title || f.SectionID != s.Slug {
					t.Errorf("%s line %d: identity fields wrong: %+v", d.Slug, f.Line, f)
				}
				if f.Protocols == nil || f.Ports == nil {
					t.Errorf("%s line %d: nil protocols or ports", d.Slug, f.Line)
				}
			}
		}
	}
}

func flowAt(t *testing.T, d data.Document, line int) data.Flow {
	t.Helper()
	for _, s := range d.Sections {
		for _, f := range s.Flows {
			if f.Line == line {
				return f
			}
		}
	}
	t.Fatalf("%s: no flow starts at line %d", d.Slug, line)
	return data.Flow{}
}

func TestTrickyRowsFieldByField(t *testing.T) {
	// fields lists what a user would check on the row; fields not listed are not
	// about this case.
	type fields map[string]string
	tests := []struct {
		doc  string
		line int
		name string
		want fields
	}{
		{"citrix", 9, "row without Source inherits it", fields{"source": "Admin Workstation", "destination": "Citrix SDX SVM", "protocols": "TCP", "ports": "80, 443"}},
		{"citrix", 10, "row without Source and Destination inherits both", fields{"source": "Admin Workstation", "destination": "Citrix SDX SVM", "protocols": "TCP", "ports": "22", "purpose": "SSH/SCP Access"}},
		{"citrix", 14, "dropped middle cell: ICMP with no port", fields{"source": "Citrix SDX SVM", "destination": "Citrix ADC instance", "protocols": "ICMP", "ports": "", "ports_raw": "", "purpose": "Using ICMP protocol to check instance availability"}},
		{"citrix", 16, "SNMP as the type maps to UDP", fields{"source": "Citrix ADC NSIP", "destination": "Citrix SDX SVM", "protocols": "UDP", "app_protocol": "SNMP", "ports": "161, 162"}},
		{"citrix", 43, "Syslog as the type, endpoints inherited", fields{"source": "Citrix ADC NSIP", "destination": "Citrix ADM", "protocols": "UDP", "app_protocol": "Syslog", "ports": "514"}},
		{"citrix", 55, "No reserved port gives no ports", fields{"protocols": "ICMP", "ports": "", "ports_raw": "No reserved port"}},
		{"citrix", 61, "RADIUS as the type", fields{"destination": "RADIUS external authentication server", "protocols": "UDP", "app_protocol": "RADIUS", "ports": "1812"}},
		{"citrix", 62, "TACACS as the type", fields{"protocols": "TCP", "app_protocol": "TACACS", "ports": "49"}},
		{"citrix", 103, "en dash range", fields{"protocols": "TCP", "ports": "49152-65535", "ports_raw": "49152–65535", "service": "Dynamic RPC Ports", "source": "Connector Appliance", "destination": "Active Directory domain", "direction": "outbound"}},
		{"citrix", 170, "range written with ..", fields{"protocols": "UDP", "ports": "16500-16509"}},
		{"citrix", 186, "merged cells: TCP, UDP TCP and 53, 389", fields{"destination": "DNS Service Domain Controller", "protocols": "TCP, UDP", "ports": "53, 389"}},
		{"citrix", 217, "RADIUS as the destination, TCP as the type", fields{"source": "SD-WAN Standard and Enterprise Edition", "destination": "RADIUS", "protocols": "TCP", "app_protocol": "", "ports": "1812"}},
		{"citrix", 224, "N/A port", fields{"protocols": "TCP", "ports": "", "ports_raw": "N/A"}},
		{"citrix", 233, "UDP/TCP and an IP destination", fields{"destination": "9.9.9.9", "protocols": "TCP, UDP", "ports": "53"}},
		{"citrix", 244, "80 (Bidirectional)", fields{"source": "Delivery Controller", "destination": "Virtual Delivery Agent", "protocols": "TCP", "ports": "80", "ports_raw": "80 (Bidirectional)", "direction": "bidirectional", "direction_raw": "Bidirectional"}},
		{"citrix", 310, "a sentence in the port cell", fields{"source": "StoreFront Server", "destination": "StoreFront Server", "protocols": "TCP", "ports": ""}},
		{"citrix", 122, "a row that is only a description", fields{"source": "Cloud Connectors", "destination": "Virtual Delivery Agent", "protocols": "", "ports": ""}},
		{"citrix", 85, "inbound to the section's subject", fields{"source": "", "destination": "Connector Appliance", "protocols": "TCP", "app_protocol": "HTTP", "ports": "3128", "direction": "inbound"}},
		{"cayosoft", 17, "row behind a lone pipe, wrapped over four lines", fields{"service": "Publisher Subscriber Replication", "source": "Replication partner host", "destination": "Replication partner host", "protocols": "TCP", "ports": "7800", "purpose": "WPC", "line_end": "20"}},
		{"cayosoft", 21, "space-separated port list", fields{"service": "Public API", "protocols": "TCP", "ports": "7801, 7802, 7803", "purpose": "OAuth, Graph, WinAuth", "line_end": "23"}},
		{"cayosoft", 36, "empty endpoint cell behind a lone pipe", fields{"service": "Telemetry", "destination": "", "requirement": "optional", "requirement_raw": "Optional", "protocols": "", "ports": "", "line_end": "38"}},
		{"cayosoft", 46, "a pipe written inside a cell", fields{"destination": "Refer to the Microsoft article: Required network endpoints | Microsoft.", "requirement": "required", "purpose": "Automatic upgrade and deployment of PowerShell Gallery modules."}},
		{"cayosoft", 56, "135/445", fields{"protocols": "TCP", "ports": "135, 445", "destination": "Domain Controllers"}},
		{"cayosoft", 57, "TCP/UDP type", fields{"protocols": "TCP, UDP", "ports": "88"}},
		{"cayosoft", 64, "5985/5986 and a purpose wrapped over two lines", fields{"protocols": "TCP", "ports": "5985, 5986", "line_end": "66", "purpose": "WinRM (Windows Remote Management) Learn more in Troubleshooting Cayosoft Administrator Active Directory DC Connection Issues."}},
		{"cayosoft", 78, "row that leaves out its Target", fields{"source": "Computer where Cayosoft Administrator is installed", "destination": "", "protocols": "TCP", "ports": "80", "purpose": "Initial HTTP Requests"}},
		{"lithnet", 11, "LDAP TCP 389, CLDAP UDP 389 is one flow", fields{"protocols": "TCP, UDP", "ports": "389", "app_protocol": "LDAP, CLDAP", "destination": "Active Directory Domain Controllers"}},
		{"lithnet", 13, "RPC Endpoint Mapper and the dynamic range", fields{"protocols": "TCP", "ports": "135, 49152-65535"}},
		{"lithnet", 14, "DNS UDP 53 is UDP only", fields{"protocols": "UDP", "ports": "53", "app_protocol": "DNS"}},
		{"lithnet", 16, "RPC over SMB maps to TCP", fields{"protocols": "TCP", "ports": "445", "app_protocol": "RPC over SMB"}},
		{"microsoft", 7, "53 (TCP/UDP), endpoints from the table's title", fields{"source": "Azure AD Connect server", "destination": "on-premises AD", "protocols": "TCP, UDP", "ports": "53", "app_protocol": "DNS"}},
		{"microsoft", 13, "49152- 65535 with remarks", fields{"protocols": "TCP", "ports": "49152-65535", "app_protocol": "RPC"}},
		{"microsoft", 40, "between users and the WAP servers", fields{"source": "users", "destination": "WAP servers", "protocols": "TCP", "ports": "443"}},
		{"microsoft", 53, "6b takes the endpoints named for 6a & 6b", fields{"source": "Azure AD Connect", "destination": "Azure AD", "protocols": "TCP", "ports": "443"}},
		{"microsoft", 30, "WinRM with no transport written", fields{"protocols": "TCP", "ports": "5985", "app_protocol": "WinRM"}},
		{"endpoint-central", 9, "8020* ● HTTP inbound to the server", fields{"source": "", "destination": "Endpoint Centralサーバー", "protocols": "TCP", "app_protocol": "HTTP", "ports": "8020", "ports_raw": "8020*", "requirement": "required", "requirement_raw": "●", "direction": "inbound", "direction_raw": "サーバーへのインバウンド通信", "line_end": "10"}},
		{"endpoint-central", 11, "〇, which the document never defines", fields{"requirement": "", "requirement_raw": "〇", "ports": "8383"}},
		{"endpoint-central", 13, "8027** resolved to its footnote", fields{"ports": "8027", "notes_prefix": "ポート8027は"}},
		{"endpoint-central", 15, "△ and *** footnote", fields{"requirement": "conditional", "requirement_raw": "△", "ports": "8028", "notes_prefix": "ポート8028に関して"}},
		{"endpoint-central", 16, "outbound from the server", fields{"source": "Endpoint Centralサーバー", "destination": "", "ports": "389", "protocols": "TCP", "app_protocol": "LDAP", "direction": "outbound"}},
		{"endpoint-central", 23, "135**** resolved to its footnote", fields{"ports": "135", "ports_raw": "135****", "notes_prefix": "ポート135,139,445は"}},
		{"endpoint-central", 41, "HTTPS UDP(音声通話・ビデオ通話) is TCP and UDP", fields{"protocols": "TCP, UDP", "app_protocol": "HTTPS", "ports": "8443", "line_end": "43"}},
		{"endpoint-central", 56, "agent section: inbound to the managed PC", fields{"destination": "管理対象PC", "source": "", "direction": "inbound", "ports": "135"}},
		{"endpoint-central", 81, "outbound from a party the direction names", fields{"source": "Endpoint Centralサーバー/プロキシ", "direction": "outbound", "ports": "443", "notes_prefix": "モバイルデバイスを管理する場合"}},
		{"endpoint-central", 8 + 14, "SMTP(TLS)", fields{"protocols": "TCP", "app_protocol": "SMTP(TLS)", "ports": "587"}},
	}
	docs := map[string]data.Document{}
	for _, d := range embedded(t) {
		docs[d.Slug] = d
	}
	for _, tt := range tests {
		t.Run(tt.doc+"/"+tt.name, func(t *testing.T) {
			f := flowAt(t, docs[tt.doc], tt.line)
			got := fields{
				"source": f.Source, "destination": f.Destination, "protocols": strings.Join(f.Protocols, ", "),
				"ports": data.FormatPorts(f.Ports), "ports_raw": f.PortsRaw, "app_protocol": f.AppProtocol,
				"requirement": f.Requirement, "requirement_raw": f.RequirementRaw, "direction": f.Direction,
				"direction_raw": f.DirectionRaw, "purpose": f.Purpose, "service": f.Service,
				"line_end": strconv.Itoa(f.LineEnd),
			}
			for k, w := range tt.want {
				if k == "notes_prefix" {
					if !strings.HasPrefix(f.Notes, w) {
						t.Errorf("notes = %q, want prefix %q", f.Notes, w)
					}
					continue
				}
				if got[k] != w {
					t.Errorf("%s = %q, want %q", k, got[k], w)
				}
			}
		})
	}
}

func TestHostsTheDocumentsSayToAllow(t *testing.T) {
	tests := []struct {
		doc, name, kind, section, group, ports string
	}{
		{"cayosoft", "api.telemetry.cayosoft.com", "fqdn", "product-installation-upgrade-and-services", "", ""},
		{"cayosoft", "*.delivery.mp.microsoft.com", "wildcard", "product-installation-upgrade-and-services", "", ""},
		{"lithnet", "graph.microsoft.com", "fqdn", "ports-and-traffic-flows", "", "443"},
		{"citrix", "http://*.digicert.com", "wildcard", "cloud-connector", "", "80"},
		{"citrix", "https://dl.cacerts.digicert.com/DigiCertAssuredIDRootCA.crt", "url", "cloud-connector", "", "443"},
		{"citrix", "https://*.nssvc.net", "wildcard", "rendezvous-protocol-and-hdx-enlightened-data-transport-protocol-edt", "", ""},
		{"citrix", "9.9.9.9", "ip", "citrix-sd-wan", "", "53"},
		{"endpoint-central", "clients[2...6].google.com", "wildcard", "server-mdm", "Androidデバイスの場合", "443"},
		{"endpoint-central", "china-knox.secb2b.com.cn", "fqdn", "server-mdm", "Androidデバイスの場合 / 中国", "443"},
		{"endpoint-central", "https://*.notify.windows.com", "wildcard", "server-mdm", "Windowsデバイスの場合", "443"},
		{"endpoint-central", "gcm-xmpp.googleapis.com", "fqdn", "server-mdm", "", "5228, 5229, 5230"},
		{"endpoint-central", "https://gcm-xmpp.googleapis.com", "url", "server-mdm", "", "5235, 5236"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := docBySlug(t, tt.doc)
			for _, h := range d.Hosts {
				if h.Name == tt.name && h.Group == tt.group {
					if h.Kind != tt.kind || h.SectionID != tt.section || data.FormatPorts(h.Ports) != tt.ports {
						t.Errorf("got kind %q section %q ports %q, want %q %q %q", h.Kind, h.SectionID, data.FormatPorts(h.Ports), tt.kind, tt.section, tt.ports)
					}
					return
				}
			}
			t.Errorf("%s: no host %q in group %q", tt.doc, tt.name, tt.group)
		})
	}
}

func TestChromeAndPageFurnitureAreNotContent(t *testing.T) {
	c := docBySlug(t, "citrix")
	if c.Title != "Tech Paper: Communication Ports Used by Citrix Technologies" {
		t.Errorf("citrix title = %q", c.Title)
	}
	for _, s := range c.Sections {
		if strings.ContainsAny(s.Text, "编辑绑定") || strings.Contains(s.Text, "如果你对") {
			t.Errorf("citrix section %q holds the mirror's chrome: %q", s.Title, s.Text)
		}
	}
	if l := docBySlug(t, "lithnet"); l.Sections[0].Title != "Ports and traffic flows" {
		t.Errorf("lithnet section = %q, want the page heading, not 'Last updated'", l.Sections[0].Title)
	}
}

var idFormat = regexp.MustCompile(`^[a-z0-9-]+-[0-9a-hjkmnp-tv-z]{8}(-\d+)?$`)

func TestFlowIDsAreStableUniqueAndShort(t *testing.T) {
	a, b := embedded(t), embedded(t)
	seen := map[string]bool{}
	for i := range a {
		for j := range a[i].Sections {
			for k, f := range a[i].Sections[j].Flows {
				if g := b[i].Sections[j].Flows[k].ID; g != f.ID {
					t.Errorf("ID changed between extractions: %s vs %s", f.ID, g)
				}
				if seen[f.ID] {
					t.Errorf("duplicate ID %s", f.ID)
				}
				seen[f.ID] = true
				if !idFormat.MatchString(f.ID) || !strings.HasPrefix(f.ID, f.Doc+"-") {
					t.Errorf("ID %q is not slug-xxxxxxxx", f.ID)
				}
			}
		}
	}
	// A known row keeps its ID across releases: deep links pasted into tickets must keep working.
	if f := flowAt(t, docBySlug(t, "lithnet"), 11); f.ID != "lithnet-md7c9p65" {
		t.Errorf("lithnet line 11 ID = %s, want lithnet-md7c9p65", f.ID)
	}
}

func TestGoldenExtraction(t *testing.T) {
	for _, d := range embedded(t) {
		t.Run(d.Slug, func(t *testing.T) {
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", d.Slug+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./data -update to create it, then review it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("extraction of %s differs from %s; if the change is intended, run go test ./data -update and review the diff", d.Slug, path)
			}
		})
	}
}

func TestMalformedDocumentsNameTheFileAndLine(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"reversed range", "Title\nSection\n| Type | Port |\n|---|---|\n| TCP | 9000-8000 |\n", 5, "reversed"},
		{"only a sizing table", "Title\nSection\nComponent | CPU | Memory |\n---|---|---|\nDB | 4 | 16 GB |\n", 3, "no port, protocol or host column"},
		{"no table", "Title\nJust prose.\n", 1, "no table"},
		{"header without rows", "Title\nSection\nSource | Destination | Port |\n---|---|---|\nprose after.\n", 3, "no rows"},
		{"invalid UTF-8", "Title\nSection\n\xff\xfe bad\n", 3, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "extra-vendor.txt")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.File != "extra-vendor.txt" || e.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q (file %q line %d), want file extra-vendor.txt line %d mentioning %q", err, e.File, e.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestExtraDocumentWithMetadataBesideIt(t *testing.T) {
	dir := t.TempDir()
	txt := "Acme Widget ports\nWidget server\nSource | Destination | Type | Port | Purpose |\n---|---|---|---|---|\nClients | Widget server | TCP | 8443 | Web UI |\nTCP | 9000-9010 | Agents |\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.txt"), []byte(txt), 0o644); err != nil {
		t.Fatal(err)
	}
	meta := `{"slug":"acme","vendor":"Acme","product":"Widget","language":"en","url":"https://acme.example/ports"}`
	if err := os.WriteFile(filepath.Join(dir, "acme.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadFile(filepath.Join(dir, "acme.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "acme" || d.Vendor != "Acme" || d.Title != "Acme Widget ports" || len(d.Sections) != 1 || len(d.Sections[0].Flows) != 2 {
		t.Fatalf("got %+v", d)
	}
	f := d.Sections[0].Flows[1]
	if f.Source != "Clients" || f.Destination != "Widget server" || data.FormatPorts(f.Ports) != "9000-9010" || f.Purpose != "Agents" {
		t.Errorf("continuation row = %+v", f)
	}
}

func TestEveryJapaneseRowHasAnEnglishGloss(t *testing.T) {
	d := docBySlug(t, "endpoint-central")
	for _, s := range d.Sections {
		if s.TitleEn == "" {
			t.Errorf("section %q has no title_en", s.Title)
		}
		for _, f := range s.Flows {
			if f.PurposeEn == "" || hasCJK(f.PurposeEn) {
				t.Errorf("line %d: purpose_en = %q for %q", f.Line, f.PurposeEn, f.Purpose)
			}
			if f.Direction == "" || f.DirectionEn == "" || hasCJK(f.DirectionEn) {
				t.Errorf("line %d: direction %q, direction_en %q for %q", f.Line, f.Direction, f.DirectionEn, f.DirectionRaw)
			}
			if f.Notes != "" && (f.NotesEn == "" || hasCJK(f.NotesEn)) {
				t.Errorf("line %d: notes_en = %q for %q", f.Line, f.NotesEn, f.Notes)
			}
		}
	}
	// English documents carry no glosses: the text as written is English.
	for _, f := range docBySlug(t, "citrix").Sections[0].Flows {
		if f.PurposeEn != "" {
			t.Errorf("citrix line %d has purpose_en %q", f.Line, f.PurposeEn)
		}
	}
	for _, h := range d.Hosts {
		if h.Group != "" && (h.GroupEn == "" || hasCJK(h.GroupEn)) {
			t.Errorf("host %s line %d: group_en = %q for %q", h.Name, h.Line, h.GroupEn, h.Group)
		}
	}
	if f := flowAt(t, d, 39); f.PurposeEn != "File transfer" {
		t.Errorf("line 39 purpose_en = %q, want File transfer", f.PurposeEn)
	}
}

func TestARowThatCannotBeReadIsSkippedAndReported(t *testing.T) {
	m := data.Meta{Slug: "extra", File: "extra.txt"}
	d, err := Extract(m, []byte("Title\nSection\nSource | Destination | Port |\n---|---|---|\nA | B | 443 |\nA | B | 70000 |\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Sections[0].Flows); n != 1 {
		t.Fatalf("%d flows, want the one readable row", n)
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Line != 6 || !strings.Contains(d.Skipped[0].Reason, "70000") {
		t.Errorf("skipped = %+v, want line 6 naming 70000", d.Skipped)
	}
}

func TestAColumnPortolanDoesNotKnowIsKeptAsAnExtraField(t *testing.T) {
	m := data.Meta{Slug: "extra", File: "extra.txt"}
	d, err := Extract(m, []byte("Title\nSection\nSource | Colour | Port |\n---|---|---|\nA | red | 1 |\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := d.Sections[0].Flows[0]
	if want := []data.Field{{Name: "Colour", Value: "red"}}; !reflect.DeepEqual(f.Extra, want) || f.Source != "A" || data.FormatPorts(f.Ports) != "1" {
		t.Errorf("flow = %+v, want source A, port 1, extra %v", f, want)
	}
}

// A capture a user saves from a docs site needs no line ranges to skip: the
// site's chrome is known by its wording.
func TestPageChromeNeedsNoMetadata(t *testing.T) {
	txt := "Widget ports 编辑\nWidget server\nLast updated\nPort | Description |\n---|---|\n443 | Web UI |\nFeedback\nSubmit and view feedback for\n"
	d, err := Extract(data.Meta{Slug: "widget", File: "widget.txt"}, []byte(txt))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Widget ports" || len(d.Sections) != 1 || d.Sections[0].Title != "Widget server" {
		t.Errorf("title %q, sections %+v: want the title without its edit link, and the heading, not 'Last updated'", d.Title, d.Sections)
	}
	if s := d.Sections[0].Text; strings.Contains(s, "eedback") {
		t.Errorf("section text holds the site's chrome: %q", s)
	}
}

// A sentence introducing several tables names the endpoints of those under it
// that name none, up to the next heading at its own level.
func TestASentenceIntroducingTablesGivesThemItsEndpoints(t *testing.T) {
	md := `# Widget

## Single sign-on

The following tables describe the ports required for communication between the Widget server and the identity provider.

### Password sync

| Protocol | Port | Description |
|---|---|---|
| HTTPS | 443 | Sync |

### Pass-through

| Protocol | Port | Description |
|---|---|---|
| HTTPS | 8443 | Sign-in |

## Agents

| Protocol | Port | Description |
|---|---|---|
| TCP | 9000 | Heartbeat |
`
	d, err := Extract(data.Meta{Slug: "widget", File: "widget.md"}, []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"443": {"Widget server", "identity provider"}, "8443": {"Widget server", "identity provider"}, "9000": {}}
	for _, s := range d.Sections {
		for _, f := range s.Flows {
			w, ok := want[f.PortsRaw]
			if !ok {
				t.Errorf("unexpected flow %q", f.PortsRaw)
				continue
			}
			if [2]string{f.Source, f.Destination} != w {
				t.Errorf("port %s in %q: %q -> %q, want %q -> %q", f.PortsRaw, s.Title, f.Source, f.Destination, w[0], w[1])
			}
			delete(want, f.PortsRaw)
		}
	}
	if len(want) > 0 {
		t.Errorf("flows not read: %v", want)
	}
}
