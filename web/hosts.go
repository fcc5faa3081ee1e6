package web

import (
	"net/http"
	"net/url"
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
	if err := checkValues(v); err != nil {
		return q, err
	}
	var err error
	if q.Text, err = single(v, "q"); err != nil {
		return q, err
	}
	if q.Filter, err = parseFilter(v); err != nil {
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
