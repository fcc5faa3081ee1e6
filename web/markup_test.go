package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/web/i18n"
)

// TestFlowRowsMatchReference: the hand-written rows of a flow table are the
// bytes of their templ form, flowRowsReference, for rows that use every
// branch (glosses, marks, roles, findings, missing cells), text that needs
// escaping in every field, in every UI language, with and without ?lang=
// carried on in links.
func TestFlowRowsMatchReference(t *testing.T) {
	flows, opts := rowCases()
	for _, l := range i18n.Languages() {
		for _, explicit := range []bool{false, true} {
			ctx := context.WithValue(context.Background(), localeKey{},
				&locale{lang: l, explicit: explicit, p: catalogue().Printer(l)})
			for i, o := range opts {
				var want, got bytes.Buffer
				if err := flowRowsReference(flows, o).Render(ctx, &want); err != nil {
					t.Fatal(err)
				}
				if err := flowRows(flows, o).Render(ctx, &got); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("%s (explicit %v), options %d: rows differ from flowRowsReference\ngot:  %s\nwant: %s",
						l.Code, explicit, i, got.String(), want.String())
				}
			}
		}
	}
}

// rowCases are flows that take every branch of a row, and table options.
func rowCases() ([]data.Flow, []tableOpts) {
	pr := func(a, b int) data.PortRange { return data.PortRange{From: a, To: b} }
	nasty := `<b>"Tom's" & co</b>`
	flows := []data.Flow{
		{ID: "doc-1", Doc: "doc", URL: "/flows/doc-1", Section: "Gateway", SectionID: "gateway",
			Source: "Admin <PC>", Destination: "Gateway & Proxy", Protocols: []string{"TCP", "UDP"},
			Ports: []data.PortRange{pr(443, 443), pr(49152, 65535)}, PortsRaw: "443, 49152-65535",
			AppProtocol: "HTTPS", Purpose: "Admin UI \"console\"", Requirement: data.Required, RequirementRaw: "●",
			Direction: data.Inbound, Line: 12, LineEnd: 14,
			Roles: []data.EndpointRole{{Side: "source", Role: "domain-controller", Name: "on-premises AD"},
				{Side: "destination", Role: "no-such-role", Name: nasty, Guess: true},
				{Side: "destination", Role: "dns-server", Name: "DNS"}},
			Findings: []data.Finding{{Check: "port-service", Severity: "info"}, {Check: "missing-source", Severity: "warning"}}},
		{ID: "ja-1", Doc: "ja", URL: "/flows/ja-1", Section: "サーバー側で使用するポート", SectionID: "server",
			Source: "管理対象PC", SourceEn: "Managed PC", Destination: "サーバー", DestinationEn: nasty,
			Protocols: []string{"TCP"}, Ports: []data.PortRange{pr(8443, 8443)}, PortsRaw: "8443*",
			Purpose: "エージェントとサーバー間の通信", PurposeEn: "Agent & server <traffic>",
			Requirement: "", RequirementRaw: "△", Direction: data.Outbound, Line: 4,
			Findings: []data.Finding{{Check: "port-service", Severity: "error"}}},
		{ID: "doc-2", Doc: "doc", URL: "/flows/doc-2", Section: nasty, SectionID: "x",
			Service: "Kerberos <krb5>", PortsRaw: "dynamic & more", Line: 0},
		{ID: "doc-3", Doc: "doc", URL: "/flows/doc-3", Section: "S", SectionID: "s", Protocols: []string{"ICMP"}},
		{ID: `q"'<&>`, Doc: "ja", URL: "/flows/q", Section: "S", SectionID: "s", Purpose: "同じ", PurposeEn: "同じ",
			Requirement: "conditional", RequirementRaw: nasty, Direction: "bidirectional"},
	}
	marks := map[string]search.Matches{
		"doc-1": {"source": {{Start: 0, End: 5}}, "destination": {{Start: 10, End: 15}}, "purpose": {{Start: 9, End: 18}}},
		"ja-1": {"purpose": {{Start: 0, End: 15}}, "purpose_en": {{Start: 0, End: 5}, {Start: 14, End: 17}},
			"source": {{Start: 1, End: 2}}}, // not on a character boundary: ignored
		"doc-2": {"service": {{Start: 0, End: 8}}},
	}
	opts := []tableOpts{
		{ShowDoc: true, ShowSection: true, Langs: map[string]string{"doc": "en", "ja": "ja"}, Marks: marks,
			TitlesEn: map[string]string{"ja/server": "Ports used on the server", "doc/x": "X"}},
		{ShowSection: true, Langs: map[string]string{"ja": "ja"}, TitlesEn: map[string]string{"ja/server": nasty}},
		{},
	}
	return flows, opts
}

// BenchmarkFlowRows compares a listing's 50 rows written by hand and by
// their templ form.
func BenchmarkFlowRows(b *testing.B) {
	cases, opts := rowCases()
	var flows []data.Flow
	for len(flows) < 50 {
		flows = append(flows, cases...)
	}
	flows = flows[:50]
	ctx := context.WithValue(context.Background(), localeKey{},
		&locale{lang: i18n.Default(), p: catalogue().Printer(i18n.Default())})
	for _, c := range []struct {
		name string
		rows func([]data.Flow, tableOpts) templ.Component
	}{{"hand", flowRows}, {"templ", flowRowsReference}} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := c.rows(flows, opts[0]).Render(ctx, &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFacetSectionsMatchReference: the hand-written facets are the bytes
// of their templ form, facetSectionsReference, for values selected, left
// out, both and neither, labels and values that need escaping, a facet
// with more values than shown and one with none, in every UI language.
func TestFacetSectionsMatchReference(t *testing.T) {
	nasty := `<b>"Tom's" & co</b>`
	groups := []facetGroup{
		{Key: "doc", Items: []facetItem{
			{Label: "Citrix", Value: "citrix", Count: 12, URL: "/flows?doc=citrix", Exclude: "/flows?doc=-citrix"},
			{Label: nasty, Value: nasty, Count: 1, Active: true, URL: "/flows?q=a&b", Exclude: "/flows?x=<y>"},
		}, More: 3},
		{Key: "section"},
		{Key: "req", Items: []facetItem{
			{Value: "required", Count: 4, Excluded: true, URL: "/flows?req=required", Exclude: "/flows"},
			{Value: "none", Count: 0, Active: true, Excluded: true, URL: "/flows", Exclude: "/flows?req=-none"},
		}},
		{Key: "dir", Items: []facetItem{{Value: "inbound", Count: 1000000, URL: "/flows?dir=inbound", Exclude: "/flows?dir=-inbound"}}},
		{Key: "src", Items: []facetItem{{Label: "サーバー", Value: "サーバー", Count: 2, URL: "/flows?src=%E3%82%B5", Exclude: "/"},
			{Label: "", Value: "none", Count: 3, URL: "/flows?src=none", Exclude: "/"}}},
	}
	for _, l := range i18n.Languages() {
		for _, explicit := range []bool{false, true} {
			ctx := context.WithValue(context.Background(), localeKey{},
				&locale{lang: l, explicit: explicit, p: catalogue().Printer(l)})
			var want, got bytes.Buffer
			if err := facetSectionsReference(groups).Render(ctx, &want); err != nil {
				t.Fatal(err)
			}
			if err := facetSections(groups).Render(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s (explicit %v): facets differ from facetSectionsReference\ngot:  %s\nwant: %s",
					l.Code, explicit, got.String(), want.String())
			}
		}
	}
}

// TestLayoutMatchesReference: the hand-written page frame is the bytes of
// its templ form, layoutReference, with and without a feed, kept filters
// and a version of a document shown, in every UI language.
func TestLayoutMatchesReference(t *testing.T) {
	nasty := `<b>"Tom's" & co</b>`
	pages := []pageInfo{
		{Title: "Flows", Nav: "flows"},
		{Title: nasty, Nav: "docs", Query: nasty, Skip: "results", Feed: "/changes.atom?a=1&b=2",
			Keep: []formField{{Name: "doc", Value: "citrix"}, {Name: "proto", Value: nasty}}},
		{Nav: "lint", Keep: []formField{{Name: "port", Value: "443"}}},
	}
	child := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<p>the page</p>")
		return err
	})
	eachPageContext(func(ctx context.Context, name string) {
		for i, p := range pages {
			// Rendering clears the children it was given.
			var want, got bytes.Buffer
			if err := layoutReference(p).Render(templ.WithChildren(ctx, child), &want); err != nil {
				t.Fatal(err)
			}
			if err := layout(p).Render(templ.WithChildren(ctx, child), &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s, page %d: layout differs from layoutReference\ngot:  %s\nwant: %s",
					name, i, got.String(), want.String())
			}
		}
	})
}

// eachPageContext calls fn with the context of a page request in every UI
// language, with the language chosen by ?lang= or not, and with a version
// of a document shown (its title in need of escaping) or not; name says
// which, for messages.
func eachPageContext(fn func(ctx context.Context, name string)) {
	view := &versionView{Doc: "citrix", Title: `<b>"Tom's" & co</b>`, Number: 1, LatestURL: "/docs/citrix?x=1&y=2",
		Latest:   data.Version{Number: 3, Captured: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Captured: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, l := range i18n.Languages() {
		for _, explicit := range []bool{false, true} {
			for _, vv := range []*versionView{nil, view} {
				ctx := context.WithValue(context.Background(), localeKey{},
					&locale{lang: l, explicit: explicit, p: catalogue().Printer(l), uri: "/flows?q=a&doc=citrix"})
				if vv != nil {
					ctx = context.WithValue(ctx, viewKey{}, vv)
				}
				fn(ctx, fmt.Sprintf("%s (explicit %v, view %v)", l.Code, explicit, vv != nil))
			}
		}
	}
}

// TestEscapeHTMLAsTempl: appendHTML escapes as html.EscapeString, which
// templ uses for text and attribute values.
func TestEscapeHTMLAsTempl(t *testing.T) {
	for _, s := range []string{"", "plain", `<a href="x">Tom's & Jerry's</a>`, "&&", "日本語 <テスト>", `"'`} {
		var want bytes.Buffer
		if err := plain(s).Render(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		if got := string(appendHTML([]byte("x"), s)); got != "x"+want.String() {
			t.Errorf("appendHTML(%q) = %q, want %q", s, got, "x"+want.String())
		}
		if got := html.EscapeString(s); got != want.String() {
			t.Errorf("html.EscapeString(%q) = %q, want %q", s, got, want.String())
		}
	}
}
