package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// facetItem is one value of a facet: how many flows have it and the link that
// toggles it.
type facetItem struct {
	Label  string
	Value  string
	Count  int
	Active bool
	URL    string
}

// facetGroup is one facet; its title is the message "facet."+Key.
type facetGroup struct {
	Key   string // the query parameter: "doc", "proto", "req", "dir"
	Items []facetItem
	More  int // values left out of Items (see maxFacetValues)
}

// maxFacetValues is how many values a facet lists: with thousands of
// documents loaded, the document facet keeps the active ones and those with
// the most matches, in document order, and says how many it left out.
const maxFacetValues = 30

// chip is an active filter with the link that removes it; its label is the
// message "chip."+Key with Value.
type chip struct {
	Key    string // the query parameter: "q", "doc", "port", ...
	Value  string // as the user gave it
	Remove string
}

type flowsPageData struct {
	Query    FlowQuery
	Flows    []data.Flow
	Total    int
	Pages    int
	Facets   []facetGroup
	Chips    []chip
	Langs    map[string]string
	TitlesEn map[string]string         // "doc/section" -> English gloss of the section title
	Search   *textSearch               // what q found; its Note and Fuzzy go on the page
	Marks    map[string]search.Matches // matched words of the listed flows, by flow ID
	Heading  string                    // what the filters select (listingHeading)
}

// parseFlowQuery parses the request's flow filters and checks that the
// documents and sections it names exist.
func (s *Server) parseFlowQuery(r *http.Request, docs []store.DocSummary) (FlowQuery, error) {
	if len(r.URL.RawQuery) > maxQueryBytes {
		return FlowQuery{}, badRequest("query string longer than %d bytes", maxQueryBytes)
	}
	v, err := queryOf(r)
	if err != nil {
		return FlowQuery{}, err
	}
	q, err := ParseFlowQuery(v)
	if err != nil {
		return q, err
	}
	for _, d := range q.Docs {
		if !slices.ContainsFunc(docs, func(s store.DocSummary) bool { return s.Slug == d }) {
			return q, badRequest("doc: there is no document %q", d)
		}
	}
	for _, sec := range q.Sections {
		found := false
		for _, d := range docs {
			if len(q.Docs) > 0 && !slices.Contains(q.Docs, d.Slug) {
				continue
			}
			if slices.ContainsFunc(d.Sections, func(x store.SectionSummary) bool { return x.Slug == sec }) {
				found = true
			}
		}
		if !found {
			return q, badRequest("section: there is no section %q", sec)
		}
	}
	return q, nil
}

// flowListing reads what /flows, /flows.csv and /api/v1/flows list for r: the
// documents, the parsed query, its text search and the store filter they make.
// strict refuses a malformed search (the API and CSV) where the page falls back
// to plain words with a note.
func (s *Server) flowListing(r *http.Request, strict bool) ([]store.DocSummary, FlowQuery, *textSearch, store.FlowFilter, error) {
	docs, err := s.db.Documents(r.Context())
	if err != nil {
		return nil, FlowQuery{}, nil, store.FlowFilter{}, err
	}
	q, err := s.parseFlowQuery(r, docs)
	if err != nil {
		return nil, FlowQuery{}, nil, store.FlowFilter{}, err
	}
	ts, err := s.searchText(r.Context(), q.Text, strict)
	if err != nil {
		return nil, FlowQuery{}, nil, store.FlowFilter{}, err
	}
	if err := checkDocs(ts, docs); err != nil {
		return nil, FlowQuery{}, nil, store.FlowFilter{}, err
	}
	f, err := s.filter(q, ts)
	return docs, q, ts, f, err
}

// handleFlows serves /flows: the filtered, faceted, paginated listing.
func (s *Server) handleFlows(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docs, q, ts, f, err := s.flowListing(r, false)
	if err != nil {
		return err
	}
	// base: the listing without the URL's facet filters, keeping those typed
	// in the search (proto:udp), which the facet links do not toggle. Each
	// facet is counted with its own filter taken from base, so that choosing
	// one document still shows the counts of the others, which toggle them in
	// (values of one filter are ORed).
	base, err := s.filter(q.Without("doc").Without("proto").Without("req").Without("dir"), ts)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = flowsPageLimit, (q.PageNumber()-1)*flowsPageLimit
	flows, total, fc, err := s.db.Listing(ctx, f, base)
	if err != nil {
		return err
	}
	langs, titlesEn, err := s.docMaps(ctx)
	if err != nil {
		return err
	}
	d := flowsPageData{Query: q, Flows: flows, Total: total, Langs: langs, TitlesEn: titlesEn,
		Pages:  (total + flowsPageLimit - 1) / flowsPageLimit,
		Search: ts, Marks: s.highlights(ctx, ts, flows)}
	d.Heading = listingHeading(ctx, q, docs)
	d.Facets = facetGroups(q, fc, docs)
	d.Chips = chips(q, docs)
	return s.render(w, r, flowsPage(d))
}

// facetGroups lays out the facet counts of q's listing: each value with its
// count and the link that toggles it.
func facetGroups(q FlowQuery, fc store.Facets, docs []store.DocSummary) []facetGroup {
	count := map[string][]store.FacetCount{"doc": fc.Docs, "proto": fc.Protocols, "req": fc.Requirements, "dir": fc.Directions}
	vendor := make(map[string]string, len(docs))
	for _, d := range docs {
		vendor[d.Slug] = d.Vendor
	}
	groups := []facetGroup{{Key: "doc"}, {Key: "proto"}, {Key: "req"}, {Key: "dir"}}
	for i := range groups {
		g := &groups[i]
		for _, c := range count[g.Key] {
			v := normalise(g.Key, c.Value)
			label := v
			if g.Key == "doc" && vendor[v] != "" {
				label = vendor[v] + " (" + v + ")"
			}
			g.Items = append(g.Items, facetItem{Label: label, Value: v, Count: c.Count, Active: q.Has(g.Key, v)})
		}
		if len(g.Items) > maxFacetValues {
			g.Items, g.More = topFacetValues(g.Items, maxFacetValues)
		}
		for k := range g.Items { // the links of the values kept only
			g.Items[k].URL = q.Toggle(g.Key, g.Items[k].Value).URL("/flows")
		}
		// A selected value no flow matches any more still needs its "off" link.
		qc := q.clone()
		for _, v := range *qc.list(g.Key) {
			if !slices.ContainsFunc(g.Items, func(it facetItem) bool { return it.Value == v }) {
				g.Items = append(g.Items, facetItem{Label: v, Value: v, Active: true, URL: q.Toggle(g.Key, v).URL("/flows")})
			}
		}
	}
	return groups
}

// topFacetValues keeps the active items and the n with the most flows (ties
// in the order given), in the order given, and says how many it dropped.
func topFacetValues(items []facetItem, n int) ([]facetItem, int) {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return items[b].Count - items[a].Count })
	keep := make([]bool, len(items))
	for k, i := range order {
		keep[i] = k < n || items[i].Active
	}
	var out []facetItem
	for i, it := range items {
		if keep[i] {
			out = append(out, it)
		}
	}
	return out, len(items) - len(out)
}

// chips lists the active filters, each with the link that removes it.
func chips(q FlowQuery, docs []store.DocSummary) []chip {
	var out []chip
	add := func(key, value string, without FlowQuery) {
		out = append(out, chip{Key: key, Value: value, Remove: without.URL("/flows")})
	}
	if q.Text != "" {
		add("q", q.Text, q.Without("q"))
	}
	for _, d := range q.Docs {
		add("doc", d, q.Toggle("doc", d))
	}
	for _, sec := range q.Sections {
		add("section", sec, q.Toggle("section", sec))
	}
	for _, p := range q.Protocols {
		add("proto", p, q.Toggle("proto", p))
	}
	if len(q.Ports) > 0 {
		add("port", data.FormatPorts(q.Ports), q.Without("port"))
	}
	if q.Source != "" {
		add("src", q.Source, q.Without("src"))
	}
	if q.Destination != "" {
		add("dst", q.Destination, q.Without("dst"))
	}
	for _, v := range q.Requirements {
		add("req", v, q.Toggle("req", v))
	}
	for _, v := range q.Directions {
		add("dir", v, q.Toggle("dir", v))
	}
	return out
}

// chipLabel names an active filter in the UI language: "protocol: TCP",
// "要件: 必須".
func chipLabel(ctx context.Context, c chip) string {
	v := c.Value
	switch c.Key {
	case "req":
		v = reqLabel(ctx, v)
	case "dir":
		v = dirLabel(ctx, v)
	}
	return t(ctx, "chip."+c.Key, v)
}

// facetLabel names a facet's value in the UI language.
func facetLabel(ctx context.Context, key string, it facetItem) string {
	switch {
	case key == "req":
		return reqLabel(ctx, it.Value)
	case key == "dir":
		return dirLabel(ctx, it.Value)
	case it.Value == "none":
		return t(ctx, "value.not_stated")
	}
	return it.Label
}

// pageLinks returns the page numbers to link to around the current one; 0
// stands for a gap.
func pageLinks(cur, pages int) []int {
	var out []int
	for p := 1; p <= pages; p++ {
		if p == 1 || p == pages || (p >= cur-2 && p <= cur+2) {
			out = append(out, p)
		} else if len(out) > 0 && out[len(out)-1] != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// portsValue is what the port field of the filter form shows.
func portsValue(q FlowQuery) string {
	s := make([]string, len(q.Ports))
	for i, r := range q.Ports {
		s[i] = r.String()
	}
	return strings.Join(s, ",")
}

// exportQuery is q without its page: exports and the API take every match.
func exportQuery(q FlowQuery) FlowQuery {
	c := q.clone()
	c.Page, c.Limit, c.Offset = 0, 0, 0
	return c
}
