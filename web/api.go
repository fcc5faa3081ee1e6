package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
)

// apiSection is a section as /api/v1/docs lists it.
type apiSection struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	TitleEn string `json:"title_en,omitempty"`
	Flows   int    `json:"flows"`
	URL     string `json:"url"`
}

// apiDoc is a document as /api/v1/docs lists it: its metadata, counts and
// sections. url is the Portolan page; source_url the vendor's.
type apiDoc struct {
	ID             string       `json:"id"`
	Vendor         string       `json:"vendor"`
	Product        string       `json:"product"`
	Title          string       `json:"title"`
	Language       string       `json:"language"`
	SourceLanguage string       `json:"source_language,omitempty"`
	SourceURL      string       `json:"source_url"`
	Created        string       `json:"created,omitempty"`
	Updated        string       `json:"updated,omitempty"`
	Checksum       string       `json:"checksum"`
	Format         string       `json:"format"`  // how Portolan read it: text, markdown, html, csv
	Skipped        []data.Skip  `json:"skipped"` // tables and rows not read, and why
	Flows          int          `json:"flows"`
	Hosts          int          `json:"hosts"`
	URL            string       `json:"url"`
	CSV            string       `json:"csv"`
	Sections       []apiSection `json:"sections"`
	// Version is the version described and Versions how many the document
	// has (/api/v1/docs/{doc} only).
	Version  int `json:"version,omitempty"`
	Versions int `json:"versions,omitempty"`
}

func (s *Server) handleAPIDocs(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.storeOf(r.Context()).Documents(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiDoc, 0, len(docs))
	for _, d := range docs {
		out = append(out, toAPIDoc(r.Context(), d))
	}
	return s.json(w, r, map[string]any{"docs": out})
}

// toAPIDoc describes d for the API; its links keep the version a request
// asked for.
func toAPIDoc(ctx context.Context, d store.DocSummary) apiDoc {
	a := apiDoc{ID: d.Slug, Vendor: d.Vendor, Product: d.Product, Title: d.Title,
		Language: d.Language, SourceLanguage: d.SourceLanguage, SourceURL: d.URL,
		Created: d.Created, Updated: d.Updated, Checksum: d.Checksum, Format: d.Format, Skipped: d.Skipped,
		Flows: d.FlowCount, Hosts: d.HostCount,
		URL: withVersion(ctx, "/docs/"+d.Slug), CSV: withVersion(ctx, "/docs/"+d.Slug+".csv"), Sections: []apiSection{}}
	if a.Skipped == nil {
		a.Skipped = []data.Skip{}
	}
	for _, sec := range d.Sections {
		a.Sections = append(a.Sections, apiSection{ID: sec.Slug, Title: sec.Title, TitleEn: sec.TitleEn,
			Flows: sec.FlowCount, URL: withVersion(ctx, "/docs/"+d.Slug+"/"+sec.Slug)})
	}
	return a
}

// handleAPIDoc serves /api/v1/docs/{doc}: one document as /api/v1/docs lists
// it, with the version described (v=N for an earlier one) and how many the
// document has.
func (s *Server) handleAPIDoc(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug := chi.URLParam(r, "doc")
	docs, err := s.storeOf(ctx).Documents(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(docs, func(d store.DocSummary) bool { return d.Slug == slug })
	if i < 0 {
		return notFound("there is no document %q", slug)
	}
	vs, err := s.db.Versions(ctx, slug)
	if err != nil {
		return err
	}
	a := toAPIDoc(ctx, docs[i])
	a.Version, a.Versions = len(vs), len(vs)
	if v := viewOf(ctx); v != nil {
		a.Version = v.Number
	}
	return s.json(w, r, a)
}

// flowsResponse is the body of /api/v1/flows.
type flowsResponse struct {
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
	Flows  []data.Flow `json:"flows"`
}

func (s *Server) handleAPIFlows(w http.ResponseWriter, r *http.Request) error {
	_, q, _, f, err := s.flowListing(r, true)
	if err != nil {
		return err
	}
	limit := q.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	// Ranked by the search's scores when q had text (f carries them).
	f.Limit, f.Offset = limit, q.Offset
	flows, total, err := s.storeOf(r.Context()).Flows(r.Context(), f)
	if err != nil {
		return err
	}
	if flows == nil {
		flows = []data.Flow{}
	}
	return s.json(w, r, flowsResponse{Total: total, Limit: limit, Offset: q.Offset, Flows: flows})
}

// goneResponse is the body of /api/v1/flows/{id} for a flow a version of its
// document removed, sent with 410 Gone.
type goneResponse struct {
	Error        string    `json:"error"`
	RemovedIn    int       `json:"removed_in"`
	Changes      string    `json:"changes"` // the diff page of the version that removed it
	Successor    string    `json:"successor,omitempty"`
	SuccessorURL string    `json:"successor_url,omitempty"`
	Flow         data.Flow `json:"flow"` // what it was
}

func (s *Server) handleAPIFlow(w http.ResponseWriter, r *http.Request) error {
	f, err := s.flow(r)
	if err != nil {
		g, ok, err := s.removedFlow(r, err)
		if !ok {
			return err
		}
		body := goneResponse{
			Error:     fmt.Sprintf("flow %s was removed in version %d of %s", g.Flow.ID, g.RemovedIn, g.Flow.Doc),
			RemovedIn: g.RemovedIn, Changes: "/docs/" + g.Flow.Doc + "/changes/" + strconv.Itoa(g.RemovedIn),
			Successor: g.Successor, Flow: g.Flow,
		}
		if g.Successor != "" {
			body.SuccessorURL = data.FlowURL(g.Successor)
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return s.sendStatus(w, r, http.StatusGone, "application/json; charset=utf-8", append(b, '\n'))
	}
	return s.json(w, r, f)
}

// hostsResponse is the body of /api/v1/hosts: one page of the hosts the
// filters select, and how many there are in all.
type hostsResponse struct {
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
	Hosts  []data.Host `json:"hosts"`
}

// handleAPIHosts serves /api/v1/hosts: the hosts /hosts lists, a page at a
// time (limit, default 100, at most 1000; offset), as /api/v1/flows pages.
func (s *Server) handleAPIHosts(w http.ResponseWriter, r *http.Request) error {
	v, err := queryOf(r)
	if err != nil {
		return err
	}
	limit, err := intParam(v, "limit", 1, maxLimit)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = defaultLimit
	}
	offset, err := intParam(v, "offset", 0, maxOffset)
	if err != nil {
		return err
	}
	_, _, hosts, err := s.hostListing(r)
	if err != nil {
		return err
	}
	page := hosts[min(offset, len(hosts)):min(offset+limit, len(hosts))]
	if page == nil {
		page = []data.Host{}
	}
	return s.json(w, r, hostsResponse{Total: len(hosts), Limit: limit, Offset: offset, Hosts: page})
}
