package web

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/portolan/portolan/store"
)

// listingHeading names what a flow listing shows, most specific first, as
// an engineer would say it: "TCP 443 · Citrix · text “ldap”". It is "" for the
// unfiltered listing. Page titles add the count ("· 45 flows").
func listingHeading(ctx context.Context, q FlowQuery, docs []store.DocSummary) string {
	var parts []string
	f := q.Filter
	pp := strings.Join(f.In("proto"), "/")
	if ports := f.In("port"); len(ports) > 0 {
		pp = strings.TrimSpace(pp + " " + strings.Join(ports, ", "))
	}
	if pp != "" {
		parts = append(parts, pp)
	}
	for _, slug := range f.In("doc") {
		name := slug
		if i := slices.IndexFunc(docs, func(d store.DocSummary) bool { return d.Slug == slug }); i >= 0 && docs[i].Vendor != "" {
			name = docs[i].Vendor
			if vendorCount(docs, name) > 1 {
				name += " (" + slug + ")"
			}
		}
		parts = append(parts, name)
	}
	for _, s := range f.In("section") {
		parts = append(parts, t(ctx, "chip.section", s))
	}
	if q.Text != "" {
		parts = append(parts, "“"+q.Text+"”")
	}
	for _, v := range f.In("src") {
		parts = append(parts, t(ctx, "chip.src", v))
	}
	for _, v := range f.In("dst") {
		parts = append(parts, t(ctx, "chip.dst", v))
	}
	for _, v := range f.In("req") {
		parts = append(parts, reqLabel(ctx, v))
	}
	for _, v := range f.In("dir") {
		parts = append(parts, dirLabel(ctx, v))
	}
	f.Each(func(key string, excluded bool, value string) {
		if excluded {
			parts = append(parts, chipLabel(ctx, chip{Key: key, Value: value, Excluded: true}))
		}
	})
	return strings.Join(parts, " · ")
}

func vendorCount(docs []store.DocSummary, vendor string) int {
	n := 0
	for _, d := range docs {
		if d.Vendor == vendor {
			n++
		}
	}
	return n
}

// listingTitle is the <title> of a flow listing: what it shows, how many
// flows, and the page when it is not the first.
func listingTitle(ctx context.Context, heading string, total, page int) string {
	if heading == "" {
		heading = t(ctx, "flows.all")
	}
	s := heading + " · " + t(ctx, "count.flows", total)
	if page > 1 {
		s += " · " + t(ctx, "flows.page", itoa(page))
	}
	return s
}

// keepFilters are the hidden fields that make the header search box search
// within q: every parameter of q's URL but the text and the page.
func keepFilters(q FlowQuery) []formField {
	vals, err := url.ParseQuery(q.Without("q").Encode())
	if err != nil {
		return nil
	}
	var out []formField
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "lang" {
			continue
		}
		for _, v := range vals[k] {
			out = append(out, formField{Name: k, Value: v})
		}
	}
	return out
}
