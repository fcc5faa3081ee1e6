package csvout

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// col is the index of the named column of the flow CSV.
func col(name string) int { return slices.Index(FlowHeader(), name) }

// testLangs and testTitlesEn are the content languages and section glosses the
// CSV tests' flows come from.
var (
	testLangs    = map[string]string{"microsoft": "en", "citrix": "en", "lithnet": "en", "endpoint-central": "ja"}
	testTitlesEn = map[string]string{"endpoint-central/server-os": "Ports used on the server (OS deployment)"}
)

func writeFlowCSV(t *testing.T, baseURL string, flows ...data.Flow) []byte {
	t.Helper()
	var buf bytes.Buffer
	c, err := NewFlows(&buf, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	c.Langs, c.TitlesEn = testLangs, testTitlesEn
	for _, f := range flows {
		if err := c.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parseFlowCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV does not start with a UTF-8 byte order mark: %q", b[:min(len(b), 8)])
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v\n%s", err, b)
	}
	return recs
}

func TestFlowCSVStartsWithBOMAndExactHeader(t *testing.T) {
	recs := parseFlowCSV(t, writeFlowCSV(t, ""))
	want := []string{"id", "document", "section", "section_en", "source", "destination", "protocol", "ports",
		"app_protocol", "requirement", "direction", "purpose", "purpose_en", "notes", "notes_en", "line",
		"source_roles", "destination_roles", "findings", "link", "extra"}
	if len(recs) != 1 {
		t.Fatalf("got %d records for no flows, want the header only", len(recs))
	}
	if !reflect.DeepEqual(recs[0], want) {
		t.Errorf("header = %q, want %q", recs[0], want)
	}
}

func TestFlowCSVRowHoldsEveryColumn(t *testing.T) {
	f := data.Flow{
		ID: "ab12cd", URL: "/flows/ab12cd", Doc: "microsoft", Section: "Table 3 - Azure AD Connect and Microsoft Entra ID",
		Source: "Azure AD Connect server", Destination: "Microsoft Entra ID",
		Protocols: []string{"TCP", "UDP"}, Ports: []data.PortRange{{From: 389, To: 389}, {From: 49152, To: 65535}},
		PortsRaw: "389, 49152-65535", AppProtocol: "LDAP", Requirement: data.Required, Direction: data.Outbound,
		Purpose: "Used for LDAP, \"quoted\"\nand wrapped", Notes: "see note", Line: 42, SectionID: "table-3",
		Roles: []data.EndpointRole{{Side: data.SideDestination, Role: "identity-provider"},
			{Side: data.SideDestination, Role: "cloud-service", Guess: true}},
		Findings: []data.Finding{{Check: "port-service", Detail: "one"}, {Check: "transport-service", Detail: "two"}},
		Extra:    []data.Field{{Name: "Zone", Value: "dmz"}, {Name: "ゾーン", Value: "=内部"}},
	}
	recs := parseFlowCSV(t, writeFlowCSV(t, "https://portolan.example.com/", f))
	if len(recs) != 2 {
		t.Fatalf("got %d records, want header + 1", len(recs))
	}
	want := []string{"ab12cd", "microsoft", "Table 3 - Azure AD Connect and Microsoft Entra ID", "Table 3 - Azure AD Connect and Microsoft Entra ID",
		"Azure AD Connect server", "Microsoft Entra ID", "TCP/UDP", `="389, 49152-65535"`, "LDAP", "required", "outbound",
		"Used for LDAP, \"quoted\"\nand wrapped", "Used for LDAP, \"quoted\"\nand wrapped", "see note", "see note", "42", "", "identity-provider, cloud-service (guess)",
		"port-service: one\ntransport-service: two",
		"https://portolan.example.com/flows/ab12cd",
		"Zone: dmz; ゾーン: =内部"}
	if !reflect.DeepEqual(recs[1], want) {
		t.Errorf("row =\n%q\nwant\n%q", recs[1], want)
	}
}

func TestFlowCSVUsesCRLFLineEnds(t *testing.T) {
	b := writeFlowCSV(t, "", data.Flow{Doc: "lithnet", PortsRaw: "N/A"})
	if got := bytes.Count(b, []byte("\r\n")); got != 2 {
		t.Errorf("got %d CRLF line ends, want 2 (header and one row):\n%q", got, b)
	}
	if bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("bare LF in CSV: %q", b)
	}
}

func TestFlowCSVPortsFallBackToCellAsWrittenWhenNoNumber(t *testing.T) {
	recs := parseFlowCSV(t, writeFlowCSV(t, "",
		data.Flow{Doc: "citrix", PortsRaw: "No reserved port"},
		data.Flow{Doc: "citrix", PortsRaw: "49152– 65535", Ports: []data.PortRange{{From: 49152, To: 65535}}},
	))
	if got := recs[1][col("ports")]; got != "No reserved port" {
		t.Errorf("ports without ranges = %q, want the cell as written", got)
	}
	if got := recs[2][col("ports")]; got != `="49152-65535"` {
		t.Errorf("ports with ranges = %q, want normalised 49152-65535 as text", got)
	}
}

func TestFlowCSVKeepsJapaneseIntact(t *testing.T) {
	f := data.Flow{
		Doc: "endpoint-central", Section: "サーバー側で使用するポート(OS配布機能)", SectionID: "server-os",
		Source: "管理対象PC", Destination: "Endpoint Centralサーバー", Protocols: []string{"TCP"},
		Ports: []data.PortRange{{From: 8020, To: 8020}}, PortsRaw: "8020*",
		Requirement: data.Required, RequirementRaw: "●", Direction: data.Inbound, DirectionRaw: "サーバーへのインバウンド通信",
		Purpose: "エージェントとサーバー間の通信", PurposeEn: "Communication between agent and server",
		Notes: "*デフォルトのポート番号です。", NotesEn: "*The default port number.", URL: "/flows/x1",
	}
	b := writeFlowCSV(t, "", f)
	recs := parseFlowCSV(t, b)
	for name, want := range map[string]string{"section": f.Section, "section_en": "Ports used on the server (OS deployment)",
		"source": f.Source, "destination": f.Destination, "purpose": f.Purpose, "purpose_en": f.PurposeEn,
		"notes": f.Notes, "notes_en": f.NotesEn} {
		if got := recs[1][col(name)]; got != want {
			t.Errorf("column %s = %q, want %q", name, got, want)
		}
	}
	if !bytes.Contains(b, []byte("エージェントとサーバー間の通信")) {
		t.Error("Japanese purpose not written as UTF-8 bytes")
	}
}

func TestFlowCSVNeutralisesFormulaInjection(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"443", "443"},
		{"a=b", "a=b"},
		{"", ""},
		{"ｱ", "ｱ"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f := data.Flow{ID: tt.in, Doc: tt.in, Section: tt.in, Source: tt.in, Destination: tt.in, PortsRaw: tt.in,
				AppProtocol: tt.in, Purpose: tt.in, PurposeEn: tt.in, Notes: tt.in, NotesEn: tt.in}
			recs := parseFlowCSV(t, writeFlowCSV(t, "", f))
			for _, name := range []string{"id", "document", "section", "source", "destination", "ports", "app_protocol", "purpose", "purpose_en", "notes", "notes_en"} {
				col := col(name)
				got := recs[1][col]
				if tt.in == "\rcmd" {
					// encoding/csv reads a quoted CR back as written; compare without it.
					got = strings.ReplaceAll(got, "\r", "")
					if want := strings.ReplaceAll(tt.want, "\r", ""); got != want {
						t.Errorf("column %s = %q, want %q", recs[0][col], got, want)
					}
					continue
				}
				if got != tt.want {
					t.Errorf("column %s = %q, want %q", recs[0][col], got, tt.want)
				}
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestFlowCSVReportsWriteErrors(t *testing.T) {
	if _, err := NewFlows(&failWriter{}, ""); err == nil {
		t.Error("NewFlowCSV on a failing writer: no error")
	}
	c, err := NewFlows(&failWriter{n: 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Write(data.Flow{Doc: "x"})
	if err := c.Flush(); err == nil {
		t.Error("Flush on a failing writer: no error")
	}
}

// TestFlowCSVPortsStayTextInASpreadsheet: a single port or a short range
// would become a number or a date in Excel; every parsed ports cell is
// written in the form Excel keeps as text, whatever it holds.
func TestFlowCSVPortsStayTextInASpreadsheet(t *testing.T) {
	recs := parseFlowCSV(t, writeFlowCSV(t, "",
		data.Flow{Doc: "citrix", Ports: []data.PortRange{{From: 443, To: 443}}},
		data.Flow{Doc: "citrix", Ports: []data.PortRange{{From: 1, To: 12}}},
		data.Flow{Doc: "citrix", Ports: []data.PortRange{{From: 80, To: 80}, {From: 443, To: 443}}},
	))
	for i, want := range []string{`="443"`, `="1-12"`, `="80, 443"`} {
		if got := recs[i+1][col("ports")]; got != want {
			t.Errorf("row %d ports = %q, want %q", i+1, got, want)
		}
	}
}
