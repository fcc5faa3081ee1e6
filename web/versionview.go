package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// An earlier version of a document is served as a dataset of its own: the
// version's text read again (versions.Replay, so its flows have the IDs they
// had then), stored in an SQLite database and indexed in a bleve index of
// its own, built the first time a page asks for it and kept for the next
// ones. Every handler that reads flows through storeOf and indexOf then
// answers for that version exactly as it answers for the latest, filters,
// facets, text search, CSV, diagrams and the API included: nothing is
// written twice, and no answer mixes versions.
//
// The selector is the v parameter: v=N asks for version N of one document,
// named by the path (/docs/{doc}..., a flow's ID) or by exactly one doc=
// value. v is refused with 400 where no single document is named, or where
// N is not one of its versions. v naming the latest version serves the
// latest, as no v does.

// Limits of the version views a Server keeps.
const (
	maxVersionViews  = 4 // built views kept, least recently used dropped first
	versionViewBuild = 1 // views built at once
)

// versionView is one earlier version of one document, served.
type versionView struct {
	Doc      string
	Title    string       // the document's title (or product) in the version shown
	Number   int          // the version shown
	Latest   data.Version // the document's latest version (its number: how many it has)
	Captured time.Time    // when the version shown was captured
	// LatestURL is the request's URL without v: the same page of the latest.
	LatestURL string

	db    *store.DB
	idx   *search.Index
	dir   string      // the files of db and idx, removed on close
	names *facetNames // of db
}

// versionEntry is a view being built or built, and who is using it.
type versionEntry struct {
	ready chan struct{} // closed once built (or failed)
	view  *versionView  // nil on failure
	err   error
	refs  int  // requests using it
	gone  bool // dropped from the cache: closed when refs reaches 0
	used  time.Time
}

// versionViews are the views a Server has built, keyed by "doc\x00N".
type versionViews struct {
	mu      sync.Mutex
	entries map[string]*versionEntry
	build   chan struct{} // a value in it for each build running
	closed  bool
}

func newVersionViews() *versionViews {
	return &versionViews{entries: map[string]*versionEntry{}, build: make(chan struct{}, versionViewBuild)}
}

type viewKey struct{}

// viewOf returns the version the request is served at, or nil for the
// latest.
func viewOf(ctx context.Context) *versionView {
	v, _ := ctx.Value(viewKey{}).(*versionView)
	return v
}

// storeOf is the store a request reads: the version's it asked for, or the
// Server's.
func (s *Server) storeOf(ctx context.Context) *store.DB {
	if v := viewOf(ctx); v != nil {
		return v.db
	}
	return s.db
}

// indexOf is the search index of the store storeOf gives.
func (s *Server) indexOf(ctx context.Context) *search.Index {
	if v := viewOf(ctx); v != nil {
		return v.idx
	}
	return s.idx
}

// atVersion serves a request with v=N at version N of the one document it
// names (see the comment at the top of this file).
func (s *Server) atVersion(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		q, err := queryOf(r)
		if err != nil {
			return err
		}
		raw, err := single(q, "v")
		if err != nil || raw == "" {
			if err == nil {
				next.ServeHTTP(w, r)
			}
			return err
		}
		doc, known, err := s.versionedDoc(r, q)
		if err != nil {
			return err
		}
		if !known {
			next.ServeHTTP(w, r) // the handler says what is not there
			return nil
		}
		vs, err := s.db.Versions(r.Context(), doc)
		if errors.Is(err, store.ErrNotFound) {
			next.ServeHTTP(w, r)
			return nil
		}
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > len(vs) {
			return badRequest("v: %s is not a version of %s (1 to %s)", clip(raw), doc, strconv.Itoa(len(vs)))
		}
		if n == len(vs) {
			next.ServeHTTP(w, r)
			return nil
		}
		view, release, err := s.views.get(r.Context(), s, doc, n, vs)
		if err != nil {
			return err
		}
		defer release()
		v := *view
		v.LatestURL = withoutParam(r.URL, "v")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewKey{}, &v)))
		return nil
	})
}

// versionedDoc is the one document a request with v names: its path's
// {doc}, the document of its path's flow {id}, or its one doc= value. known
// is false when the path names a document or flow that does not exist.
func (s *Server) versionedDoc(r *http.Request, q url.Values) (doc string, known bool, err error) {
	if d := chi.URLParam(r, "doc"); d != "" {
		d = strings.TrimSuffix(d, ".csv")
		return d, filter.IsSlug(d), nil
	}
	if id := chi.URLParam(r, "id"); id != "" {
		f, err := s.db.Flow(r.Context(), id)
		if err == nil {
			return f.Doc, true, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", false, err
		}
		g, err := s.db.RemovedFlow(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return "", false, nil
		}
		return g.Flow.Doc, err == nil, err
	}
	f, err := parseFilter(q)
	if err != nil {
		return "", false, err
	}
	if in := f.In("doc"); len(in) == 1 {
		return in[0], true, nil
	}
	return "", false, badRequest("v: a version is one document's: give one doc= with v")
}

// withoutParam is u's path and query without the parameter key.
func withoutParam(u *url.URL, key string) string {
	q := u.Query()
	q.Del(key)
	if e := q.Encode(); e != "" {
		return u.EscapedPath() + "?" + e
	}
	return u.EscapedPath()
}

// get returns the view of version n of doc (vs: its versions), building it
// if no request has; release must be called once the request is done with
// it.
func (vv *versionViews) get(ctx context.Context, s *Server, doc string, n int, vs []data.Version) (*versionView, func(), error) {
	key := doc + "\x00" + strconv.Itoa(n)
	vv.mu.Lock()
	if vv.closed {
		vv.mu.Unlock()
		return nil, nil, errors.New("server closed")
	}
	e, ok := vv.entries[key]
	if !ok {
		e = &versionEntry{ready: make(chan struct{})}
		vv.entries[key] = e
		go vv.fill(s, e, key, doc, n, vs)
	}
	e.refs++
	e.used = time.Now()
	vv.mu.Unlock()
	release := func() { vv.release(e) }
	select {
	case <-e.ready:
	case <-ctx.Done():
		release()
		return nil, nil, ctx.Err()
	}
	if e.err != nil {
		release()
		return nil, nil, e.err
	}
	return e.view, release, nil
}

// fill builds e, one build at a time, and makes room for it.
func (vv *versionViews) fill(s *Server, e *versionEntry, key, doc string, n int, vs []data.Version) {
	vv.build <- struct{}{}
	view, err := buildView(context.Background(), s.db, doc, n, vs)
	<-vv.build
	vv.mu.Lock()
	e.view, e.err = view, err
	if err != nil || vv.closed {
		// Not kept: the next request tries again.
		delete(vv.entries, key)
		e.gone = true
	} else {
		vv.evict()
	}
	close(e.ready)
	if e.gone && e.refs == 0 && e.view != nil {
		e.view.close()
	}
	vv.mu.Unlock()
	if err != nil {
		s.log.Warn("cannot build an earlier version of a document", "doc", doc, "version", n, "err", err)
	}
}

// evict drops the least recently used built views past maxVersionViews.
// vv.mu is held.
func (vv *versionViews) evict() {
	var built []string
	for k, e := range vv.entries {
		if e.view != nil {
			built = append(built, k)
		}
	}
	slices.SortFunc(built, func(a, b string) int { return vv.entries[a].used.Compare(vv.entries[b].used) })
	for len(built) > maxVersionViews {
		e := vv.entries[built[0]]
		delete(vv.entries, built[0])
		e.gone = true
		if e.refs == 0 {
			e.view.close()
		}
		built = built[1:]
	}
}

func (vv *versionViews) release(e *versionEntry) {
	vv.mu.Lock()
	defer vv.mu.Unlock()
	e.refs--
	if e.gone && e.refs == 0 && e.view != nil {
		select {
		case <-e.ready:
			e.view.close()
		default:
		}
	}
}

// close closes every view no request is using and the others as their
// requests finish; no view is built after.
func (vv *versionViews) close() {
	vv.mu.Lock()
	defer vv.mu.Unlock()
	vv.closed = true
	for k, e := range vv.entries {
		delete(vv.entries, k)
		e.gone = true
		if e.refs == 0 && e.view != nil {
			e.view.close()
		}
	}
}

// buildView reads version n of doc again from its text and stores and
// indexes it in a directory of its own.
func buildView(ctx context.Context, db *store.DB, doc string, n int, vs []data.Version) (_ *versionView, err error) {
	h, err := db.History(ctx, doc)
	if err != nil {
		return nil, err
	}
	if n < 1 || n >= len(h.Versions) {
		return nil, fmt.Errorf("version %d of %s: not an earlier version", n, doc)
	}
	d, hist, err := versions.Replay(h.Versions[:n], func(v data.Version) (data.Document, error) {
		return extract.ExtractAs(v.Meta, v.ContentType, []byte(v.Raw))
	})
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", n, doc, err)
	}
	dir, err := os.MkdirTemp("", "portolan-version-*")
	if err != nil {
		return nil, err
	}
	v := &versionView{Doc: doc, Title: cmp.Or(docTitle(d.Title, d.Product), doc), Number: n, Latest: vs[len(vs)-1], Captured: h.Versions[n-1].Captured, dir: dir, names: &facetNames{}}
	defer func() {
		if err != nil {
			v.close()
			v = nil
		}
	}()
	path := filepath.Join(dir, "portolan.db")
	docs := []data.Document{d}
	if err := store.IngestHistory(ctx, path, docs, map[string]versions.History{doc: hist}); err != nil {
		return nil, err
	}
	if err := search.Build(ctx, filepath.Join(dir, "index.bleve"), docs); err != nil {
		return nil, err
	}
	if v.db, err = store.Open(ctx, path); err != nil {
		return nil, err
	}
	if v.idx, err = search.Open(filepath.Join(dir, "index.bleve")); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *versionView) close() {
	if v.idx != nil {
		v.idx.Close()
	}
	if v.db != nil {
		v.db.Close()
	}
	os.RemoveAll(v.dir)
}

// Close releases what the Server built beyond its dataset: the earlier
// versions of documents it served (each is removed once the requests using
// it are done). The Server answers no request for an earlier version after.
func (s *Server) Close() error {
	s.views.close()
	return nil
}

// versionedPath reports whether a link to path with query q is about
// document doc, and so keeps the version a page shows: the document's own
// pages (not its changes), its flows, and listings and exports filtered to it.
func versionedPath(path string, q url.Values, doc string) bool {
	if rest, ok := strings.CutPrefix(path, "/docs/"+doc); ok {
		return (rest == "" || rest == ".csv" || strings.HasPrefix(rest, "/")) && !strings.HasPrefix(rest, "/changes")
	}
	if strings.HasPrefix(path, "/flows/") || strings.HasPrefix(path, "/api/v1/flows/") || path == "/api/v1/docs/"+doc {
		return true
	}
	switch {
	case path == "/flows", path == "/flows.csv", path == "/hosts", path == "/hosts.csv", path == "/api/v1/flows",
		path == "/api/v1/hosts", strings.HasPrefix(path, "/ports/"), strings.HasPrefix(path, "/change"):
		return slices.Equal(q["doc"], []string{doc})
	}
	return false
}

// withVersion adds v=N to a local link about the document the page shows at
// version N (versionedPath); other links are left as they are.
func withVersion(ctx context.Context, u string) string {
	v := viewOf(ctx)
	if v == nil || !strings.HasPrefix(u, "/") {
		return u
	}
	rest, frag, hasFrag := strings.Cut(u, "#")
	path, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil || q.Has("v") || !versionedPath(path, q, v.Doc) {
		return u
	}
	out := path + "?"
	if query != "" {
		out += query + "&"
	}
	out += "v=" + strconv.Itoa(v.Number)
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// shownVersion is the number of the version of a document (of versions vs) a
// page shows.
func shownVersion(ctx context.Context, vs []data.Version) int {
	if v := viewOf(ctx); v != nil {
		return v.Number
	}
	return len(vs)
}

// versionedFileName is the name of a download, with "-vN" before its
// extension when it is of an earlier version.
func versionedFileName(ctx context.Context, name string) string {
	v := viewOf(ctx)
	if v == nil {
		return name
	}
	ext := filepath.Ext(name)
	return strings.TrimSuffix(name, ext) + "-v" + strconv.Itoa(v.Number) + ext
}
