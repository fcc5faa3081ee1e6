package web

import (
	"github.com/portolan/portolan/data/rules/encode"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// routes builds the router: every URL of DESIGN.md's HTTP surface, behind the
// middleware every response shares. The request ID, the access log and the
// response cache come first, before the router: a response the cache has is
// answered without the rest of the chain, and what it keeps is the response
// as the rest of the chain made it, headers and compression included.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.localize)
	r.Use(s.recoverer)
	r.Use(securityHeaders)
	r.Use(middleware.GetHead)
	r.Use(middleware.Compress(5, "text/html", "text/css", "text/csv", "text/plain",
		"application/json", "application/javascript", "image/svg+xml"))
	r.Use(s.admit)

	r.Get("/healthz", s.handle(s.handleHealth))
	r.Get("/static/{file}", s.handle(s.handleStatic))

	r.Get("/lang", s.handle(s.handleLang))

	r.Get("/", s.handle(s.handleOverview))
	r.With(allowDiagramStyle, s.atVersion).Get("/docs/{doc}", s.handle(s.handleDoc)) // also /docs/{doc}.csv
	r.With(s.atVersion).Get("/docs/{doc}/source", s.handle(s.handleSource))
	r.Get("/docs/{doc}/changes", s.handle(s.handleChanges)) // before {section}
	r.Get("/docs/{doc}/changes.atom", s.handle(s.handleChangesAtom))
	r.Get("/docs/{doc}/changes/{version}", s.handle(s.handleDiff)) // also {version}.csv
	r.Get("/changes", s.handle(s.handleChanges))
	r.Get("/changes.atom", s.handle(s.handleChangesAtom))
	r.With(s.atVersion).Get("/docs/{doc}/diagram.svg", s.handle(s.handleDocDiagram)) // before {section}
	r.With(allowDiagramStyle, s.atVersion).Get("/docs/{doc}/{section}", s.handle(s.handleSection))
	r.With(s.atVersion).Get("/docs/{doc}/{section}/diagram.svg", s.handle(s.handleSectionDiagram))
	r.With(s.atVersion).Get("/flows", s.handle(s.handleFlows))
	r.With(s.atVersion).Get("/flows.csv", s.handle(s.handleFlowsCSV))
	r.With(s.atVersion).Get("/flows/{id}", s.handle(s.handleFlow))
	r.Get("/ports", s.handle(s.handlePortLookup))
	r.With(s.atVersion).Get("/ports/*", s.handle(s.handlePort)) // 443, 443,80, tcp/443, 443/udp
	r.With(s.atVersion).Get("/hosts", s.handle(s.handleHosts))
	r.With(s.atVersion).Get("/hosts.csv", s.handle(s.handleHostsCSV))
	r.Get("/roles", s.handle(s.handleRoles))
	r.Get("/roles/{role}", s.handle(s.handleRole))
	r.Get("/lint", s.handle(s.handleLint))
	r.With(s.atVersion).Get("/change", s.handle(s.handleChange))
	for _, f := range encode.Formats {
		r.With(s.atVersion).Get("/change"+f.Ext, s.handle(s.handleChangeDownload(f)))
	}
	r.With(s.atVersion).Get("/change/mapping.txt", s.handle(s.handleChangeMapping))
	r.Post("/change/mapping", s.handle(s.handleChangeUpload))

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/docs", s.handle(s.handleAPIDocs))
		r.With(s.atVersion).Get("/flows", s.handle(s.handleAPIFlows))
		r.With(s.atVersion).Get("/flows/{id}", s.handle(s.handleAPIFlow))
		r.With(s.atVersion).Get("/hosts", s.handle(s.handleAPIHosts))
		r.With(s.atVersion).Get("/docs/{doc}", s.handle(s.handleAPIDoc))
		r.Get("/changes", s.handle(s.handleAPIChanges))
	})

	r.NotFound(s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("there is no page at %s", r.URL.Path)
	}))
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		// POST /change/mapping (a mapping file's upload) is the one other method.
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, userMessage{format: "only GET and HEAD are allowed"})
	})
	return s.requestID(s.accessLog(acceptedEncodings(s.cache.Handler(s.cacheKey, r))))
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.db.DatasetVersion(r.Context()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte("ok\n"))
	return err
}
