package web

import (
	"context"
	"errors"
	"regexp"
	"slices"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/rules"
	"github.com/portolan/portolan/store"
)

// MaxChangeFlows is the most flows a change request is built from: a
// request is read by people, and its work per request stays bounded. A
// larger selection is refused with a message asking to narrow it.
const MaxChangeFlows = 2000

// errTooManyFlows is returned by ChangeRequest for a selection above MaxChangeFlows.
var errTooManyFlows = badRequest("the selection has more than %d flows: narrow it with a filter", MaxChangeFlows)

// ChangeRequest builds the change request of a selection: the flows matching
// ff, less those whose IDs are in exclude, merged with rules.Build and mapped
// by m, citing each document's title and page and listing the host names of
// the selected sections. baseURL goes in front of Portolan's links. The page
// and `portolan rules` both build it here, so they agree.
func ChangeRequest(ctx context.Context, db *store.DB, ff store.FlowFilter, exclude []string, m rules.Mapping, baseURL string) (*rules.Request, error) {
	flows, opt, err := changeFlows(ctx, db, ff, baseURL)
	if err != nil {
		return nil, err
	}
	return rules.Build(without(flows, exclude), m, opt), nil
}

// without returns the flows whose IDs are not in exclude.
func without(flows []data.Flow, exclude []string) []data.Flow {
	if len(exclude) == 0 {
		return flows
	}
	out := make([]data.Flow, 0, len(flows))
	for _, f := range flows {
		if !slices.Contains(exclude, f.ID) {
			out = append(out, f)
		}
	}
	return out
}

// changeFlows reads every flow matching ff (at most MaxChangeFlows) and what
// rules.Build cites about them: the documents and the hosts they list.
func changeFlows(ctx context.Context, db *store.DB, ff store.FlowFilter, baseURL string) ([]data.Flow, rules.Options, error) {
	opt := rules.Options{BaseURL: baseURL, Docs: map[string]rules.Doc{}}
	docs, err := db.Documents(ctx)
	if err != nil {
		return nil, opt, err
	}
	for _, d := range docs {
		opt.Docs[d.Slug] = rules.Doc{Title: d.Title, URL: vendorPage(d.URL)}
	}
	ff.Limit, ff.Offset = 0, 0
	var flows []data.Flow
	errFull := errors.New("full")
	err = db.EachFlow(ctx, ff, func(f data.Flow) error {
		if len(flows) == MaxChangeFlows {
			return errFull
		}
		flows = append(flows, f)
		return nil
	})
	if errors.Is(err, errFull) {
		return nil, opt, errTooManyFlows
	}
	if err != nil {
		return nil, opt, err
	}
	var slugs []string
	for _, f := range flows {
		if !slices.Contains(slugs, f.Doc) {
			slugs = append(slugs, f.Doc)
		}
	}
	if len(slugs) > 0 {
		docs, err := filter.Filter{}.With("doc", slugs...)
		if err != nil {
			return nil, opt, err
		}
		if opt.Hosts, err = db.Hosts(ctx, store.HostFilter{Filter: docs}); err != nil {
			return nil, opt, err
		}
	}
	return flows, opt, nil
}

var urlToken = regexp.MustCompile(`https?://[^\s()<>]+`)

// vendorPage is the vendor's own page from a document's URL field, which may
// name a mirror and the original ("https://mirror/ (mirror of https://docs...)"):
// the last URL it holds, the original; the field as written if it holds none.
func vendorPage(field string) string {
	us := urlToken.FindAllString(field, -1)
	if len(us) == 0 {
		return field
	}
	return us[len(us)-1]
}
