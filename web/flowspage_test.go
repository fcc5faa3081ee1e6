package web

import (
	"bytes"
	"context"
	"net/url"
	"testing"

	"github.com/a-h/templ"
	"github.com/portolan/portolan/web/i18n"
)

// TestFlowsPageMatchesReference: the hand-written listing page is the bytes
// of its templ form, flowsPageReference, for pages that take every branch
// (no flows at all, a page past the last, flows with a pager before and
// after, gaps in the pager; a heading, search notes, chips, each sort
// order, hidden filters), text that needs escaping, in every UI language,
// with and without ?lang= carried on and a version of a document shown.
func TestFlowsPageMatchesReference(t *testing.T) {
	nasty := `<b>"Tom's" & co</b>`
	query := func(raw string) FlowQuery {
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseFlowQuery(v)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return q
	}
	flows, opts := rowCases()
	facets := []facetGroup{
		{Key: "doc", Items: []facetItem{
			{Label: "Citrix", Value: "citrix", Count: 12, URL: "/flows?doc=citrix", Exclude: "/flows?-doc=citrix"},
			{Label: nasty, Value: nasty, Count: 1, Active: true, URL: "/flows?q=a&b", Exclude: "/flows?x=<y>"},
		}, More: 3},
		{Key: "proto", Items: []facetItem{{Value: "tcp", Count: 4, Excluded: true, URL: "/flows", Exclude: "/flows?-proto=tcp"}}},
	}
	chips := []chip{
		{Key: "q", Value: nasty, Remove: "/flows?doc=citrix"},
		{Key: "doc", Value: "citrix", Excluded: true, Remove: "/flows?q=" + url.QueryEscape(nasty)},
		{Key: "port", Value: "443", Remove: "/flows?a=1&b=2"},
	}
	pages := []flowsPageData{
		{},
		{Query: query("q=" + url.QueryEscape(nasty) + "&doc=citrix&-proto=udp&port=443&src=" + url.QueryEscape(nasty) + "&dst=gw&req=required&dir=inbound&page=2"),
			Flows: flows, Total: 120, Pages: 3, Facets: facets, Chips: chips, Heading: nasty,
			Langs: opts[0].Langs, TitlesEn: opts[0].TitlesEn, Marks: opts[0].Marks,
			Search: &textSearch{ranked: true, Note: nasty, Fuzzy: true}},
		{Query: query("q=ldap&sort=port&page=6&section=x&-dst=gw"), Total: 600, Pages: 12, Facets: facets,
			Heading: "LDAP", Search: &textSearch{Note: "plain words"}},
		{Query: query("proto=tcp"), Flows: flows[:2], Total: 60, Pages: 2, Chips: chips[2:], Langs: opts[1].Langs},
		{Query: query("sort=port&page=12"), Flows: flows[2:], Total: 600, Pages: 12, Search: &textSearch{ranked: true}},
	}
	eachPageContext(func(ctx context.Context, name string) {
		for i, d := range pages {
			var want, got bytes.Buffer
			if err := flowsPageReference(d).Render(ctx, &want); err != nil {
				t.Fatal(err)
			}
			if err := flowsPage(d).Render(ctx, &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%s, page %d: differs from flowsPageReference\ngot:  %s\nwant: %s",
					name, i, got.String(), want.String())
			}
		}
	})
}

// BenchmarkFlowsPage compares a listing page written by hand and by its
// templ form.
func BenchmarkFlowsPage(b *testing.B) {
	flows, opts := rowCases()
	v, _ := url.ParseQuery("q=ldap&doc=citrix&proto=tcp&page=2")
	q, err := ParseFlowQuery(v)
	if err != nil {
		b.Fatal(err)
	}
	d := flowsPageData{Query: q, Flows: flows, Total: 120, Pages: 3, Langs: opts[0].Langs,
		Chips: []chip{{Key: "doc", Value: "citrix", Remove: "/flows?q=ldap"}}, Search: &textSearch{ranked: true}}
	ctx := context.WithValue(context.Background(), localeKey{},
		&locale{lang: i18n.Default(), p: catalogue().Printer(i18n.Default()), uri: "/flows?q=ldap"})
	for _, c := range []struct {
		name string
		page func(flowsPageData) templ.Component
	}{{"hand", flowsPage}, {"templ", flowsPageReference}} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := c.page(d).Render(ctx, &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
