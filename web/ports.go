package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/store"
)

// portGroup is the flows of one document that open a port.
type portGroup struct {
	Doc   store.DocSummary
	Flows []data.Flow
}

// maxPortFlows is how many flows a port page lists; the flow listing it links
// to pages through all of them.
const maxPortFlows = 500

type portPageData struct {
	Ports    string    // the ports asked for, canonical: "443", "80-90", "443/tcp, 80"
	Single   bool      // one port, not a range or a list
	Query    FlowQuery // the same flows as a listing
	Total    int
	Docs     int // documents with a matching flow
	Shown    int // flows in Groups: the first maxPortFlows of Total
	Groups   []portGroup
	Langs    map[string]string
	TitlesEn map[string]string // "doc/section" -> English gloss of the section title
}

// handlePortLookup turns the overview's port form (/ports?port=443) into the
// port's own URL.
func (s *Server) handlePortLookup(w http.ResponseWriter, r *http.Request) error {
	v, err := queryOf(r)
	if err != nil {
		return err
	}
	if err := checkValues(v); err != nil {
		return err
	}
	raw, err := single(v, "port")
	if err != nil {
		return err
	}
	if raw == "" {
		return badRequest("port: give a port number, e.g. /ports/443")
	}
	f, err := parseFilter(url.Values{"port": {raw}})
	if err != nil {
		return err
	}
	http.Redirect(w, r, withLang(r.Context(), "/ports/"+strings.Join(f.In("port"), ",")), http.StatusFound)
	return nil
}

// handlePort serves /ports/{port}: every flow whose ranges contain the port (or
// overlap the range), grouped by document. The port is any form the port
// filter takes (443, 443,80, 80-90, tcp/443, 443/udp), and the query's
// filters (proto=udp, doc=citrix) apply too.
func (s *Server) handlePort(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	if err := checkValues(v); err != nil {
		return err
	}
	raw := chi.URLParam(r, "*")
	if strings.TrimSpace(raw) == "" {
		return badRequest("port: give a port number, e.g. /ports/443")
	}
	v["port"] = append(v["port"], raw)
	f, err := parseFilter(v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	docs, err := s.storeOf(ctx).Documents(ctx)
	if err != nil {
		return err
	}
	if err := checkNames(f, docs); err != nil {
		return err
	}
	ff := store.FlowFilter{Filter: f, Sort: "doc"}
	fc, err := s.storeOf(ctx).Facets(ctx, ff)
	if err != nil {
		return err
	}
	ff.Limit = maxPortFlows
	flows, total, err := s.storeOf(ctx).Flows(ctx, ff)
	if err != nil {
		return err
	}
	ports := filter.Ports(f.In("port"))
	d := portPageData{Ports: strings.Join(f.In("port"), ", "), Query: FlowQuery{Filter: f},
		Single: len(ports) == 1 && ports[0].From == ports[0].To,
		Total:  total, Docs: len(fc.Docs), Shown: len(flows)}
	if d.Langs, d.TitlesEn, err = s.docMaps(ctx); err != nil {
		return err
	}
	bySlug := make(map[string]store.DocSummary, len(docs))
	for _, doc := range docs {
		bySlug[doc.Slug] = doc
	}
	for _, f := range flows { // in document order
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Doc.Slug != f.Doc {
			d.Groups = append(d.Groups, portGroup{Doc: bySlug[f.Doc]})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Flows = append(g.Flows, f)
	}
	return s.render(w, r, portPage(d))
}
