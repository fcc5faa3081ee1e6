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

type portPageData struct {
	Port     data.PortRange
	Total    int
	Groups   []portGroup
	Langs    map[string]string
	TitlesEn map[string]string // "doc/section" -> English gloss of the section title
}

// handlePortLookup turns the overview's port form (/ports?port=443) into the
// port's own URL.
func (s *Server) handlePortLookup(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
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
	flows, total, err := s.db.Flows(ctx, store.FlowFilter{Ports: []data.PortRange{pr}, Sort: "doc"})
	if err != nil {
		return err
	}
	d := portPageData{Port: pr, Total: total, Langs: langs(docs), TitlesEn: sectionGlosses(docs)}
	for _, doc := range docs {
		g := portGroup{Doc: doc}
		for _, f := range flows {
			if f.Doc == doc.Slug {
				g.Flows = append(g.Flows, f)
			}
		}
		if len(g.Flows) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	return s.render(w, r, portPage(d))
}
