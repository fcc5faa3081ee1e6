package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/store"
)

// HostQuery is the filter of /hosts, /hosts.csv and /api/v1/hosts: the
// flow filter's doc and section (hostFilters), and text.
type HostQuery struct {
	Filter filter.Filter
	Text   string // q: words in the host name, section or purpose
}

// hostFilters are the filters a host listing applies.
var hostFilters = []string{"doc", "section"}

// ParseHostQuery validates the host listing's parameters.
func ParseHostQuery(v url.Values) (HostQuery, error) {
	var q HostQuery
	var err error
	if q.Text, q.Filter, err = parseListing(v); err != nil {
		return q, err
	}
	if other := q.Filter.FieldsNotIn(hostFilters...); len(other) > 0 {
		return q, badRequest("%s: hosts are filtered by %s only", other[0], strings.Join(hostFilters, " and "))
	}
	return q, nil
}

// Encode returns the canonical query string.
func (q HostQuery) Encode() string {
	v := q.Filter.Values()
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	return v.Encode()
}

// URL returns path with the canonical query string, if any.
func (q HostQuery) URL(path string) string {
	if e := q.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// FileName says what the CSV holds: portolan-hosts-endpoint-central.csv.
func (q HostQuery) FileName() string {
	parts := []string{"portolan", "hosts"}
	q.Filter.Each(func(_ string, excluded bool, value string) {
		if excluded {
			parts = append(parts, "not")
		}
		parts = append(parts, value)
	})
	if q.Text != "" {
		parts = append(parts, q.Text)
	}
	name := ""
	for i, p := range parts {
		if i > 0 {
			name += "-"
		}
		name += p
	}
	return fileSlug(name, 120) + ".csv"
}

// hostQuery parses and checks the request's host filters.
func (s *Server) hostQuery(r *http.Request, docs []store.DocSummary) (HostQuery, error) {
	v, err := queryOf(r)
	if err != nil {
		return HostQuery{}, err
	}
	q, err := ParseHostQuery(v)
	if err != nil {
		return q, err
	}
	return q, checkNames(q.Filter, docs)
}

func (q HostQuery) filter() store.HostFilter {
	return store.HostFilter{Filter: q.Filter, Text: q.Text}
}

// maxPageHosts is how many hosts the /hosts page lists; its CSV and JSON have
// them all.
const maxPageHosts = 1000

type hostsPageData struct {
	Query HostQuery
	Docs  []store.DocSummary
	Hosts []data.Host // the first maxPageHosts of them
	Total int
	Langs map[string]string
	// Glosses are the English glosses of the listed hosts' purposes (see
	// hostGlosses).
	Glosses map[string]string
}

// hostGlosses finds English glosses for the purposes of non-English hosts:
// a host's purpose is the purpose of a row of its document's tables, which
// the document's metadata glosses. It reads the flows of those documents
// only. The map is keyed by glossKey.
func (s *Server) hostGlosses(ctx context.Context, hosts []data.Host, langs map[string]string) (map[string]string, error) {
	var docs []string
	for _, h := range hosts {
		if h.Purpose != "" && langs[h.Doc] != "" && langs[h.Doc] != "en" && !slices.Contains(docs, h.Doc) {
			docs = append(docs, h.Doc)
		}
	}
	if len(docs) == 0 {
		return nil, nil
	}
	slices.Sort(docs)
	var f filter.Filter
	for _, d := range docs {
		var err error
		if f, err = f.With("doc", d); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	err := s.storeOf(ctx).EachFlow(ctx, store.FlowFilter{Filter: f, Sort: "doc"}, func(fl data.Flow) error {
		addGloss(out, fl)
		return nil
	})
	return out, err
}

// docGlosses are the purpose glosses of a document's rows, keyed by glossKey.
func docGlosses(doc data.Document) map[string]string {
	out := map[string]string{}
	for _, sec := range doc.Sections {
		for _, f := range sec.Flows {
			f.Doc = doc.Slug
			addGloss(out, f)
		}
	}
	return out
}

func addGloss(m map[string]string, f data.Flow) {
	if f.PurposeEn != "" && f.PurposeEn != f.Purpose {
		m[glossKey(f.Doc, f.Purpose)] = f.PurposeEn
	}
}

// glossKey keys a purpose of a document, without the footnote marks a
// table row carries and a host list does not.
func glossKey(doc, purpose string) string {
	return doc + "\x00" + strings.TrimRight(strings.TrimSpace(purpose), "*")
}

// hostListing reads the documents, the host query of r and the hosts it
// selects: what /hosts, /hosts.csv and /api/v1/hosts all list.
func (s *Server) hostListing(r *http.Request) ([]store.DocSummary, HostQuery, []data.Host, error) {
	docs, err := s.storeOf(r.Context()).Documents(r.Context())
	if err != nil {
		return nil, HostQuery{}, nil, err
	}
	q, err := s.hostQuery(r, docs)
	if err != nil {
		return nil, HostQuery{}, nil, err
	}
	hosts, err := s.storeOf(r.Context()).Hosts(r.Context(), q.filter())
	return docs, q, hosts, err
}

// handleHosts serves /hosts: host names, URLs and wildcards to allow.
func (s *Server) handleHosts(w http.ResponseWriter, r *http.Request) error {
	docs, q, hosts, err := s.hostListing(r)
	if err != nil {
		return err
	}
	langs, err := s.storeOf(r.Context()).DocLanguages(r.Context())
	if err != nil {
		return err
	}
	d := hostsPageData{Query: q, Docs: docs, Hosts: hosts, Total: len(hosts), Langs: langs}
	d.Hosts = d.Hosts[:min(len(d.Hosts), maxPageHosts)]
	if d.Glosses, err = s.hostGlosses(r.Context(), d.Hosts, langs); err != nil {
		return err
	}
	return s.render(w, r, hostsPage(d))
}
