package web_test

import (
	"encoding/csv"
	"mime"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data/csvout"
)

// portsAsText is a ports cell as the CSV writes it for a spreadsheet to keep
// as text: ="80, 443".
var portsAsText = regexp.MustCompile(`^="[0-9, -]+"$`)

// parseCSV checks the BOM and RFC 4180 line ends and returns the records.
func parseCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\ufeff")
	if !ok {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", body[:min(20, len(body))])
	}
	if strings.Contains(strings.ReplaceAll(rest, "\r\n", ""), "\n") && !strings.Contains(rest, "\"") {
		t.Errorf("CSV has bare LF line ends")
	}
	recs, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return recs
}

func TestFlowsCSVHasTheAPIsRowsAndSaysWhatWasFiltered(t *testing.T) {
	srv := newTestServer(t)
	for _, raw := range filterCases {
		t.Run(raw, func(t *testing.T) {
			r := get(t, srv, "/flows.csv?"+raw)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			recs := parseCSV(t, r.Body)
			if !equal(recs[0], csvout.FlowHeader()) {
				t.Errorf("header %v", recs[0])
			}
			var api apiFlows
			getJSON(t, srv, "/api/v1/flows?limit=1000&"+raw, &api)
			if len(recs)-1 != api.Total {
				t.Fatalf("%d CSV rows, API total %d", len(recs)-1, api.Total)
			}
			link := slices.Index(csvout.FlowHeader(), "link")
			for i, f := range api.Flows {
				if got, want := recs[i+1][link], "http://example.com"+f.URL; got != want {
					t.Errorf("row %d link %q, want %q", i+1, got, want)
				}
			}
			_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
			if err != nil || !strings.HasPrefix(params["filename"], "portolan-flows") || !strings.HasSuffix(params["filename"], ".csv") {
				t.Errorf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
			}
		})
	}
}

func TestFlowsCSVFileNameNamesTheFilters(t *testing.T) {
	srv := newTestServer(t)
	r := get(t, srv, "/flows.csv?doc=citrix&proto=TCP&port=443")
	if got, want := r.Header.Get("Content-Disposition"), `attachment; filename=portolan-flows-citrix-tcp-443.csv`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	r = get(t, srv, "/docs/endpoint-central.csv")
	if got := r.Header.Get("Content-Disposition"); got != `attachment; filename=portolan-endpoint-central.csv` {
		t.Errorf("doc CSV Content-Disposition %q", got)
	}
}

func TestCSVKeepsJapaneseAndNeutralisesFormulas(t *testing.T) {
	srv := newTestServer(t)
	recs := parseCSV(t, get(t, srv, "/docs/zzfix-ja.csv").Body)
	if len(recs) != 3 {
		t.Fatalf("%d records, want header + 2", len(recs))
	}
	row := strings.Join(recs[1], "|")
	for _, s := range []string{"サーバー側で使用するポート", "管理対象PC", "エージェントとサーバー間の通信", "Communication between agent and server", "*……証明書が必要です"} {
		if !strings.Contains(row, s) {
			t.Errorf("Japanese row lacks %q: %s", s, row)
		}
	}
	recs = parseCSV(t, get(t, srv, "/docs/zzfix-en.csv").Body)
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !portsAsText.MatchString(cell) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if got := recs[1][slices.Index(csvout.FlowHeader(), "source")]; got != "'=cmd|' /C calc'!A0" {
		t.Errorf("source cell %q, want it neutralised with a leading quote", got)
	}
	hosts := parseCSV(t, get(t, srv, "/hosts.csv?doc=zzfix-en").Body)
	if len(hosts) != 2 || hosts[1][3] != "*.fixture.example" || hosts[1][7] != `'=HYPERLINK("x")` {
		t.Errorf("hosts CSV %q", hosts)
	}
}

func TestDocCSVHasEveryFlowOfTheDocument(t *testing.T) {
	srv := newTestServer(t)
	for _, d := range allDocs(t) {
		n := 0
		for _, s := range d.Sections {
			n += len(s.Flows)
		}
		recs := parseCSV(t, get(t, srv, "/docs/"+d.Slug+".csv").Body)
		if len(recs)-1 != n {
			t.Errorf("%s.csv: %d rows, want %d", d.Slug, len(recs)-1, n)
		}
		for _, rec := range recs[1:] {
			if rec[1] != d.Slug {
				t.Errorf("%s.csv has a row of %s", d.Slug, rec[1])
			}
		}
	}
}

func TestHostsCSVMatchesTheAPI(t *testing.T) {
	srv := newTestServer(t)
	for _, raw := range []string{"", "doc=endpoint-central", "q=microsoft", "doc=zzfix-en&doc=citrix"} {
		var api struct{ Total int }
		getJSON(t, srv, "/api/v1/hosts?"+raw, &api)
		recs := parseCSV(t, get(t, srv, "/hosts.csv?"+raw).Body)
		if len(recs)-1 != api.Total {
			t.Errorf("hosts.csv?%s: %d rows, API %d", raw, len(recs)-1, api.Total)
		}
	}
}

func equal(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
