package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// facetItem is one value of a facet: how many flows have it, the link that
// toggles it and the link that leaves it out.
type facetItem struct {
	Label    string
	Value    string
	Count    int
	Active   bool // selected
	Excluded bool // left out
	URL      string
	Exclude  string // the link that leaves it out, or back in when Excluded
}

// facetGroup is one facet; its title is the message "facet."+Key.
type facetGroup struct {
	Key   string // the filter's key (data/filter): "doc", "section", "proto", ...
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
	Key      string // the query parameter: "q", "doc", "port", ...
	Value    string // as the user gave it
	Excluded bool   // a value left out (-doc=citrix)
	Remove   string
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
	return q, checkNames(q.Filter, docs)
}

// checkNames answers 400 for a filter naming a document or section that does
// not exist (a section among the documents the filter selects, if it names
// some).
func checkNames(f filter.Filter, docs []store.DocSummary) error {
	for _, d := range slices.Concat(f.In("doc"), f.Out("doc")) {
		if !slices.ContainsFunc(docs, func(s store.DocSummary) bool { return s.Slug == d }) {
			return badRequest("doc: there is no document %q", d)
		}
	}
	for _, sec := range slices.Concat(f.In("section"), f.Out("section")) {
		found := false
		for _, d := range docs {
			if in := f.In("doc"); len(in) > 0 && !slices.Contains(in, d.Slug) {
				continue
			}
			if slices.ContainsFunc(d.Sections, func(x store.SectionSummary) bool { return x.Slug == sec }) {
				found = true
			}
		}
		if !found {
			return badRequest("section: there is no section %q", sec)
		}
	}
	return nil
}

// flowListing reads what /flows, /flows.csv and /api/v1/flows list for r: the
// documents, the parsed query, its text search and the store filter they make.
// strict refuses a malformed search (the API and CSV) where the page falls back
// to plain words with a note.
func (s *Server) flowListing(r *http.Request, strict bool) ([]store.DocSummary, FlowQuery, *textSearch, store.FlowFilter, error) {
	docs, err := s.storeOf(r.Context()).Documents(r.Context())
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
	if err := checkNames(ts.query.Filter, docs); err != nil {
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
	base, err := s.filter(q.Without(facetKeys()...), ts)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = flowsPageLimit, (q.PageNumber()-1)*flowsPageLimit
	flows, total, fc, err := s.storeOf(ctx).Listing(ctx, f, base)
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
	d.Facets = facetGroups(q, fc, s.namesOf(ctx, docs))
	d.Chips = chips(q)
	return s.render(w, r, flowsPage(d))
}

// facetKeys are the keys of the filters the listing shows facets of.
func facetKeys() []string {
	var keys []string
	for _, fd := range filter.Fields {
		if fd.Facet {
			keys = append(keys, fd.Key)
		}
	}
	return keys
}

// facetNames is what the facet links need of a dataset's documents and
// sections, worked out once per dataset (namesOf) rather than per listing.
type facetNames struct {
	once  sync.Once
	label map[string]map[string]string // "doc" and "section": value -> label
	// plain says of "doc" and "section" that every value the dataset has is
	// already canonical and fits a link: its facet values need no checks.
	plain map[string]bool
}

// namesOf returns the facetNames of the dataset storeOf(ctx) serves.
func (s *Server) namesOf(ctx context.Context, docs []store.DocSummary) *facetNames {
	n := s.names
	if v := viewOf(ctx); v != nil {
		n = v.names
	}
	n.once.Do(func() {
		n.label = map[string]map[string]string{"doc": {}, "section": {}}
		n.plain = map[string]bool{"doc": true, "section": true}
		check := func(key, v string) {
			if !filter.IsCanonical(key, v) || len(v) > maxValueBytes {
				n.plain[key] = false
			}
		}
		for _, d := range docs {
			if d.Vendor != "" {
				n.label["doc"][d.Slug] = d.Vendor + " (" + d.Slug + ")"
			}
			check("doc", d.Slug)
			for _, sec := range d.Sections {
				if _, ok := n.label["section"][sec.Slug]; !ok && sec.Title != "" {
					n.label["section"][sec.Slug] = sec.Title
				}
				check("section", sec.Slug)
			}
		}
	})
	return n
}

// facetGroups lays out the facet counts of q's listing: each value with its
// count, the link that toggles it and the one that leaves it out. Only the
// values shown (see maxFacetValues) get labels and links.
func facetGroups(q FlowQuery, fc store.Facets, names *facetNames) []facetGroup {
	count := map[string][]store.FacetCount{"doc": fc.Docs, "section": fc.Sections, "proto": fc.Protocols,
		"req": fc.Requirements, "dir": fc.Directions, "src": fc.Sources, "dst": fc.Destinations}
	var groups []facetGroup
	for _, key := range facetKeys() {
		g := facetGroup{Key: key}
		label := names.label[key]
		item := func(v string, n int) facetItem {
			return facetItem{Label: cmp.Or(label[v], v), Value: v, Count: n,
				Active: q.Filter.Has(key, v), Excluded: q.Filter.Excludes(key, v)}
		}
		if cs := count[key]; names.plain[key] {
			// Every value is its own link: keep the ones shown first.
			var active func(v string) bool // nil: none is
			if len(q.Filter.In(key))+len(q.Filter.Out(key)) > 0 {
				active = func(v string) bool { return q.Filter.Has(key, v) || q.Filter.Excludes(key, v) }
			}
			keep, more := topFacetCounts(cs, maxFacetValues, active)
			for _, c := range keep {
				g.Items = append(g.Items, item(c.Value, c.Count))
			}
			g.More = more
		} else {
			for _, c := range cs {
				v := c.Value
				if v == "" && (key == "req" || key == "dir") {
					v = filter.None
				}
				v, err := filter.Canonical(key, v)
				if err != nil || len(v) > maxValueBytes {
					continue // a value no link can carry
				}
				g.Items = append(g.Items, item(v, c.Count))
			}
			if len(g.Items) > maxFacetValues {
				g.Items, g.More = topFacetValues(g.Items, maxFacetValues)
			}
		}
		// A selected or left-out value no flow matches any more still
		// needs its link back.
		for _, v := range slices.Concat(q.Filter.In(key), q.Filter.Out(key)) {
			if !slices.ContainsFunc(g.Items, func(it facetItem) bool { return it.Value == v }) {
				g.Items = append(g.Items, item(v, 0))
			}
		}
		links := q.toggler("/flows", key)
		for k := range g.Items { // the links of the values kept only
			it := &g.Items[k]
			it.URL = links.URL(it.Value, false)
			it.Exclude = links.URL(it.Value, true)
		}
		groups = append(groups, g)
	}
	return groups
}

// facetClass is the class of a facet value's link: "on" when selected,
// "out" when left out.
func facetClass(it facetItem) string {
	switch {
	case it.Active && it.Excluded:
		return "on out"
	case it.Active:
		return "on"
	case it.Excluded:
		return "out"
	}
	return ""
}

// topFacetCounts is topFacetValues on counts: the n with the most flows
// (ties in the order given) and those active says to keep, in the order
// given, and how many it dropped. A nil active keeps none for it.
func topFacetCounts(cs []store.FacetCount, n int, active func(v string) bool) ([]store.FacetCount, int) {
	if len(cs) <= n {
		return cs, 0
	}
	// By count, ties in the order given.
	byCount := func(a, b int) int { return cmp.Or(cs[b].Count-cs[a].Count, a-b) }
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	if !slices.IsSortedFunc(order, byCount) {
		slices.SortFunc(order, byCount)
	}
	keep := make([]bool, len(cs))
	for _, i := range order[:n] {
		keep[i] = true
	}
	if active != nil {
		for i, c := range cs {
			keep[i] = keep[i] || active(c.Value)
		}
	}
	var out []store.FacetCount
	for i, c := range cs {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out, len(cs) - len(out)
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
		keep[i] = k < n || items[i].Active || items[i].Excluded
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
func chips(q FlowQuery) []chip {
	var out []chip
	if q.Text != "" {
		out = append(out, chip{Key: "q", Value: q.Text, Remove: q.Without("q").URL("/flows")})
	}
	q.Filter.Each(func(key string, excluded bool, value string) {
		without := q.Toggle(key, value)
		if excluded {
			without = q.ToggleOut(key, value)
		}
		out = append(out, chip{Key: key, Value: value, Excluded: excluded, Remove: without.URL("/flows")})
	})
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
	case "role", "src_role", "dst_role":
		v = roleTitle(ctx, v)
	}
	if c.Excluded {
		v = t(ctx, "chip.not", v)
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

// fieldValue is what the filter form's text field for key shows: the
// values it includes, comma-separated.
func fieldValue(q FlowQuery, key string) string {
	return strings.Join(q.Filter.In(key), ", ")
}

// hiddenFilter is the filter form's hidden fields: every value of q's filter
// but those its text fields (textFields) show.
func hiddenFilter(q FlowQuery) [][2]string {
	var out [][2]string
	v := q.Filter.Values()
	for _, fd := range filter.Fields {
		for _, k := range []string{fd.Key, "-" + fd.Key} {
			if slices.Contains(textFields, k) {
				continue
			}
			for _, s := range v[k] {
				out = append(out, [2]string{k, s})
			}
		}
	}
	return out
}

// textFields are the filters the filter form has a text field for.
var textFields = []string{"port", "src", "dst"}

// exportQuery is q without its page: exports and the API take every match.
func exportQuery(q FlowQuery) FlowQuery {
	q.Page, q.Limit, q.Offset = 0, 0, 0
	return q
}
