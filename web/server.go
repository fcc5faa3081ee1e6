// Package web serves Portolan over HTTP: the chi routes, one handler and templ
// component per page or export, the JSON API and the embedded static assets.
// Handlers return errors; one function in errors.go turns them into responses.
package web

import (
	"log/slog"
	"net/http"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// Server is Portolan's HTTP handler. Its dependencies are fields, set once by New;
// everything request-scoped comes from the request.
type Server struct {
	log    *slog.Logger
	db     *store.DB
	idx    *search.Index // nil: q is matched as a substring by the store
	router http.Handler
}

// New returns the handler serving every page, export and API route of Portolan
// from db, searching the q parameter of flow listings in idx (built from the
// same documents; nil falls back to substring matching). log receives one
// access-log line per request and every server error.
func New(log *slog.Logger, db *store.DB, idx *search.Index) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, db: db, idx: idx}
	s.router = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}
