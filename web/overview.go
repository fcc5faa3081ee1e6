package web

import (
	"net/http"
	"slices"
	"sort"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
)

// commonPort is a port several documents ask to open.
type commonPort struct {
	Port      int
	Flows     int
	Docs      []string
	Protocols []string
}

type overviewData struct {
	Docs        []store.DocSummary
	Flows       int
	Hosts       int
	CommonPorts []commonPort
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) error {
	docs, err := s.db.Documents(r.Context())
	if err != nil {
		return err
	}
	d := overviewData{Docs: docs}
	for _, doc := range docs {
		d.Flows += doc.FlowCount
		d.Hosts += doc.HostCount
	}
	if d.CommonPorts, err = s.commonPorts(r, 15); err != nil {
		return err
	}
	return s.render(w, r, overviewPage(d))
}

// commonPorts counts, for every single port a flow opens, the documents and
// flows that open it, and returns the n most shared: most documents first, then
// most flows, then the lower port.
func (s *Server) commonPorts(r *http.Request, n int) ([]commonPort, error) {
	byPort := map[int]*commonPort{}
	err := s.db.EachFlow(r.Context(), store.FlowFilter{}, func(f data.Flow) error {
		for _, pr := range f.Ports {
			if pr.From != pr.To {
				continue
			}
			c := byPort[pr.From]
			if c == nil {
				c = &commonPort{Port: pr.From}
				byPort[pr.From] = c
			}
			c.Flows++
			if !slices.Contains(c.Docs, f.Doc) {
				c.Docs = append(c.Docs, f.Doc)
			}
			for _, p := range f.Protocols {
				if !slices.Contains(c.Protocols, p) {
					c.Protocols = append(c.Protocols, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]commonPort, 0, len(byPort))
	for _, c := range byPort {
		slices.Sort(c.Docs)
		slices.Sort(c.Protocols)
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.Docs) != len(b.Docs) {
			return len(a.Docs) > len(b.Docs)
		}
		if a.Flows != b.Flows {
			return a.Flows > b.Flows
		}
		return a.Port < b.Port
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
