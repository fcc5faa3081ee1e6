package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
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
	Port     data.PortRange
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
	pr, err := parsePortRange(strings.TrimSpace(raw))
	if err != nil {
		return err
	}
	http.Redirect(w, r, withLang(r.Context(), "/ports/"+pr.String()), http.StatusFound)
	return nil
}

// handlePort serves /ports/{port}: every flow whose ranges contain the port (or
// overlap the range), grouped by document.
func (s *Server) handlePort(w http.ResponseWriter, r *http.Request) error {
	pr, err := parsePortRange(chi.URLParam(r, "port"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	docs, err := s.db.Documents(ctx)
	if err != nil {
		return err
	}
	ff := store.FlowFilter{Ports: []data.PortRange{pr}, Sort: "doc"}
	fc, err := s.db.Facets(ctx, ff)
	if err != nil {
		return err
	}
	ff.Limit = maxPortFlows
	flows, total, err := s.db.Flows(ctx, ff)
	if err != nil {
		return err
	}
	d := portPageData{Port: pr, Total: total, Docs: len(fc.Docs), Shown: len(flows)}
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
