package web

import (
	"net/http"

	"github.com/portolan/portolan/store"
)

type overviewData struct {
	Docs        []store.DocSummary
	Flows       int
	Hosts       int
	CommonPorts []store.PortUse // the ports the most documents open
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.storeOf(r.Context()).Documents(r.Context())
	if err != nil {
		return err
	}
	d := overviewData{Docs: docs}
	for _, doc := range docs {
		d.Flows += doc.FlowCount
		d.Hosts += doc.HostCount
	}
	if d.CommonPorts, err = s.storeOf(r.Context()).CommonPorts(r.Context(), 15); err != nil {
		return err
	}
	return s.render(w, r, overviewPage(d))
}
