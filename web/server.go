// Package web serves Portolan over HTTP: the chi routes, one handler and templ
// component per page or export, the JSON API and the embedded static assets.
// Handlers return errors; one function in errors.go turns them into responses.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web/httpcache"
)

// Server is Portolan's HTTP handler. Its dependencies are fields, set once by New;
// everything request-scoped comes from the request.
type Server struct {
	log    *slog.Logger
	db     *store.DB
	idx    *search.Index // nil: q is matched as a substring by the store
	router http.Handler

	// version is the database's dataset version, read once by New: the
	// database is read-only while it is served (a re-ingest is served by a
	// new Server), so ETags and the response cache key on it without asking
	// the database on every request. Empty if it could not be read; then
	// responses are not cached and ETags ask the database.
	version string

	cacheBytes, cacheEntryBytes int64
	cache                       *httpcache.Cache // nil: off
	queries                     queryMemo

	acceptLangs acceptLangs // Accept-Language values negotiated so far
	ids         *requestIDs

	views *versionViews // earlier versions of documents, served (versionview.go)
	names *facetNames   // of db (a view has its own)
	bufs  sync.Pool     // of *bytes.Buffer: see buffer

	searchTimeout time.Duration // see WithSearchLimits
	searchSlots   chan struct{} // a value in it for each expensive search running
	workSlots     chan struct{} // a value in it for each request working (admit.go)
	waiting       atomic.Int64  // requests waiting for a work slot
}

// New returns the handler serving every page, export and API route of Portolan
// from db, searching the q parameter of flow listings in idx (built from the
// same documents; nil falls back to substring matching). log receives one
// access-log line per request and every server error. Successful responses
// are kept in an in-memory cache of DefaultCacheBytes.
func New(log *slog.Logger, db *store.DB, idx *search.Index, opts ...Option) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, db: db, idx: idx,
		cacheBytes: DefaultCacheBytes, cacheEntryBytes: DefaultCacheEntryBytes, ids: newRequestIDs(),
		views: newVersionViews(), names: &facetNames{}}
	WithSearchLimits(DefaultSearchTimeout, runtime.GOMAXPROCS(0)/2)(s)
	WithWorkSlots(runtime.GOMAXPROCS(0))(s)
	for _, o := range opts {
		o(s)
	}
	if db != nil {
		v, err := db.DatasetVersion(context.Background())
		if err != nil {
			log.Warn("dataset version unreadable: responses are not cached", "err", err)
		}
		s.version = v
	}
	if s.version != "" {
		s.cache = httpcache.New(s.cacheBytes, s.cacheEntryBytes)
	}
	s.router = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// datasetVersion is the version ETags derive from.
func (s *Server) datasetVersion(ctx context.Context) (string, error) {
	if s.version != "" {
		return s.version, nil
	}
	return s.db.DatasetVersion(ctx)
}
