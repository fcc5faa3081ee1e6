package web_test

import (
	"slices"
	"strings"
	"testing"
)

// A reader of a document's page learns how Portolan read it and what it left
// out; the API says the same.
func TestDocumentPageAndAPIShowFormatAndSkippedParts(t *testing.T) {
	h := newTestServer(t)
	page := get(t, h, "/docs/zzfix-en")
	for _, want := range []string{
		`data-testid="doc-format">Markdown<`,
		`data-testid="doc-skipped"`,
		`1 part of the document was not read`,
		`href="/docs/zzfix-en/source#L3">line 3</a>: table skipped: no port, protocol or host column (columns: Spec | RAM)`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("/docs/zzfix-en lacks %q", want)
		}
	}
	if p := get(t, h, "/docs/cayosoft"); strings.Contains(p.Body, `data-testid="doc-skipped"`) || !strings.Contains(p.Body, `data-testid="doc-format">Text capture (pipe tables)<`) {
		t.Error("/docs/cayosoft: want its format and no skipped parts")
	}

	if p := get(t, h, "/docs/cayosoft?lang=ja"); !strings.Contains(p.Body, `data-testid="doc-format">テキスト（パイプ区切りの表）<`) {
		t.Error("/docs/cayosoft?lang=ja does not name the format in Japanese")
	}

	var docs struct {
		Docs []struct {
			ID, Format string
			Skipped    []struct {
				Line   int
				Reason string
			}
		}
	}
	getJSON(t, h, "/api/v1/docs", &docs)
	found := false
	for _, d := range docs.Docs {
		if d.ID == "zzfix-en" {
			found = true
			if d.Format != "markdown" || len(d.Skipped) != 1 || d.Skipped[0].Line != 3 {
				t.Errorf("api doc zzfix-en = %+v", d)
			}
		}
	}
	if !found {
		t.Error("no zzfix-en in /api/v1/docs")
	}
}

// A column Portolan has no field for is shown on the flow page and carried in
// the JSON and the CSV, as written.
func TestFlowPageAndAPIShowExtraColumns(t *testing.T) {
	h := newTestServer(t)
	page := get(t, h, "/flows/zzfix-gw-3")
	if !strings.Contains(page.Body, `data-testid="field-extra"`) || !strings.Contains(page.Body, ">Zone</th>") || !strings.Contains(page.Body, ">dmz <span") {
		t.Errorf("flow page lacks the Zone = dmz extra field")
	}
	var f struct {
		Extra []struct{ Name, Value string }
	}
	getJSON(t, h, "/api/v1/flows/zzfix-gw-3", &f)
	if len(f.Extra) != 1 || f.Extra[0].Name != "Zone" || f.Extra[0].Value != "dmz" {
		t.Errorf("api flow extra = %+v", f.Extra)
	}
	var list struct {
		Flows []struct {
			ID    string
			Extra []struct{ Name, Value string }
		}
	}
	getJSON(t, h, "/api/v1/flows?doc=zzfix-en&limit=10", &list)
	for _, fl := range list.Flows {
		if (fl.ID == "zzfix-gw-3") != (len(fl.Extra) == 1) {
			t.Errorf("api listing: flow %s extra = %+v", fl.ID, fl.Extra)
		}
	}
	recs := parseCSV(t, get(t, h, "/flows.csv?doc=zzfix-en").Body)
	col := slices.Index(recs[0], "extra")
	if col != len(recs[0])-1 {
		t.Fatalf("CSV header %q: want extra as the last column", recs[0])
	}
	for _, rec := range recs[1:] {
		want := ""
		if rec[0] == "zzfix-gw-3" {
			want = "Zone: dmz"
		}
		if rec[col] != want {
			t.Errorf("CSV row %s extra = %q, want %q", rec[0], rec[col], want)
		}
	}
}
