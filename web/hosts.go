package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
)

// HostQuery is the filter of /hosts, /hosts.csv and /api/v1/hosts.
type HostQuery struct {
	Docs []string // doc: document slugs (ORed)
	Text string   // q: words in the host name, section or purpose
}

// ParseHostQuery validates the host listing's parameters.
func ParseHostQuery(v url.Values) (HostQuery, error) {
	var q HostQuery
	if err := checkValues(v); err != nil {
		return q, err
	}
	var err error
	if q.Text, err = single(v, "q"); err != nil {
		return q, err
	}
	for _, d := range values(v, "doc") {
		if !isSlug(d) {
			return q, badRequest("doc: %q is not a document name", d)
		}
		q.Docs = appendUnique(q.Docs, d)
	}
	slices.Sort(q.Docs)
	return q, nil
}

// Encode returns the canonical query string.
func (q HostQuery) Encode() string {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	if len(q.Docs) > 0 {
		v["doc"] = q.Docs
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
	parts := append([]string{"portolan", "hosts"}, q.Docs...)
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
	for _, d := range q.Docs {
		if !slices.ContainsFunc(docs, func(s store.DocSummary) bool { return s.Slug == d }) {
			return q, badRequest("doc: there is no document %q", d)
		}
	}
	return q, nil
}

func (q HostQuery) filter() store.HostFilter {
	return store.HostFilter{Docs: q.Docs, Text: q.Text}
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
}

// hostListing reads the documents, the host query of r and the hosts it
// selects: what /hosts, /hosts.csv and /api/v1/hosts all list.
func (s *Server) hostListing(r *http.Request) ([]store.DocSummary, HostQuery, []data.Host, error) {
	docs, err := s.db.Documents(r.Context())
	if err != nil {
		return nil, HostQuery{}, nil, err
	}
	q, err := s.hostQuery(r, docs)
	if err != nil {
		return nil, HostQuery{}, nil, err
	}
	hosts, err := s.db.Hosts(r.Context(), q.filter())
	return docs, q, hosts, err
}

// handleHosts serves /hosts: host names, URLs and wildcards to allow.
func (s *Server) handleHosts(w http.ResponseWriter, r *http.Request) error {
	docs, q, hosts, err := s.hostListing(r)
	if err != nil {
		return err
	}
	langs, err := s.db.DocLanguages(r.Context())
	if err != nil {
		return err
	}
	d := hostsPageData{Query: q, Docs: docs, Hosts: hosts, Total: len(hosts), Langs: langs}
	d.Hosts = d.Hosts[:min(len(d.Hosts), maxPageHosts)]
	return s.render(w, r, hostsPage(d))
}
