package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/store"
)

// maxRelated caps the related flows listed under one flow.
const maxRelated = 100

type flowPageData struct {
	Flow     data.Flow
	Doc      store.DocSummary
	Related  []data.Flow
	RelTotal int
	Langs    map[string]string
	TitlesEn map[string]string // "doc/section" -> English gloss of the section title
}

// flow loads the flow named in the URL, or a 404.
func (s *Server) flow(r *http.Request) (data.Flow, error) {
	id := chi.URLParam(r, "id")
	if len(id) > maxValueBytes {
		return data.Flow{}, notFound("there is no flow %q", clipText(id, 40))
	}
	f, err := s.storeOf(r.Context()).Flow(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		if v := viewOf(r.Context()); v != nil {
			if n := s.firstVersion(r.Context(), v, id); n > 0 {
				return f, notFound("flow %s is not in version %s of %s: it first appears in version %s", id, itoa(v.Number), v.Doc, itoa(n))
			}
		}
		return f, notFound("there is no flow %q", id)
	}
	return f, err
}

// firstVersion is the version of v's document after the one v shows that
// added the flow id, or 0.
func (s *Server) firstVersion(ctx context.Context, v *versionView, id string) int {
	for n := v.Number + 1; n <= v.Latest.Number; n++ {
		d, err := s.db.Change(ctx, v.Doc, n)
		if err != nil {
			return 0
		}
		for _, f := range d.Added {
			if f.ID == id {
				return n
			}
		}
	}
	return 0
}

// removedFlow finds a flow that a version of its document removed, when err
// says the flow named in the URL is not in the current versions.
func (s *Server) removedFlow(r *http.Request, err error) (versions.Gone, bool, error) {
	var nf *notFoundError
	if !errors.As(err, &nf) {
		return versions.Gone{}, false, err
	}
	g, gerr := s.storeOf(r.Context()).RemovedFlow(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(gerr, store.ErrNotFound) {
		return versions.Gone{}, false, err
	}
	if gerr != nil {
		return versions.Gone{}, false, gerr
	}
	return g, true, nil
}

type gonePageData struct {
	Gone      versions.Gone
	Doc       store.DocSummary
	Successor *data.Flow
	Version   data.Version // the version that removed it
}

// handleFlow serves /flows/{id}: every field as written and as normalised, the
// source line, and the flows of any document that open the same port and
// protocol. A flow a later version removed answers 410 Gone with what it was,
// the version that removed it and the flow nearest to it now.
func (s *Server) handleFlow(w http.ResponseWriter, r *http.Request) error {
	f, err := s.flow(r)
	if err != nil {
		g, ok, err := s.removedFlow(r, err)
		if !ok {
			return err
		}
		return s.handleGoneFlow(w, r, g)
	}
	docs, err := s.storeOf(r.Context()).Documents(r.Context())
	if err != nil {
		return err
	}
	d := flowPageData{Flow: f}
	if d.Langs, d.TitlesEn, err = s.docMaps(r.Context()); err != nil {
		return err
	}
	for _, doc := range docs {
		if doc.Slug == f.Doc {
			d.Doc = doc
		}
	}
	if related, ok := relatedFilter(f); ok {
		// One more than shown: the flow itself is among them.
		rel, total, err := s.storeOf(r.Context()).Flows(r.Context(), store.FlowFilter{Filter: related, Sort: "doc", Limit: maxRelated + 1})
		if err != nil {
			return err
		}
		d.RelTotal = total - 1 // the flow matches its own ports and protocols
		for _, o := range rel {
			if o.ID != f.ID && len(d.Related) < maxRelated {
				d.Related = append(d.Related, o)
			}
		}
	}
	return s.render(w, r, flowPage(d))
}

// docMaps returns the documents' languages by slug and their sections'
// English titles by "doc/section", for flow tables.
func (s *Server) docMaps(ctx context.Context) (langs, titlesEn map[string]string, err error) {
	if langs, err = s.storeOf(ctx).DocLanguages(ctx); err != nil {
		return nil, nil, err
	}
	titlesEn, err = s.storeOf(ctx).SectionTitlesEn(ctx)
	return langs, titlesEn, err
}

// relatedFilter selects the flows related to f: open on one of its ports
// over one of its protocols. ok is false when there are none to look for (f
// names no port or protocol, or one no filter can name).
func relatedFilter(f data.Flow) (filter.Filter, bool) {
	if len(f.Ports) == 0 || len(f.Protocols) == 0 {
		return filter.Filter{}, false
	}
	ports := make([]string, len(f.Ports))
	for i, r := range f.Ports {
		ports[i] = r.String()
	}
	rel, err := filter.Filter{}.With("port", ports...)
	if err == nil {
		rel, err = rel.With("proto", f.Protocols...)
	}
	return rel, err == nil
}

// relatedQuery is the /flows listing of the flows related to f.
func relatedQuery(f data.Flow) FlowQuery {
	rel, _ := relatedFilter(f)
	return FlowQuery{Filter: rel}
}

// handleGoneFlow answers for a removed flow: a page saying what it was, which
// version removed it and where to look now, with status 410.
func (s *Server) handleGoneFlow(w http.ResponseWriter, r *http.Request, g versions.Gone) error {
	d := gonePageData{Gone: g}
	docs, err := s.docSummaries(r)
	if err != nil {
		return err
	}
	d.Doc = docs[g.Flow.Doc]
	if vs, err := s.storeOf(r.Context()).Versions(r.Context(), g.Flow.Doc); err == nil && g.RemovedIn <= len(vs) {
		d.Version = vs[g.RemovedIn-1]
	}
	if g.Successor != "" {
		if f, err := s.storeOf(r.Context()).Flow(r.Context(), g.Successor); err == nil {
			d.Successor = &f
		}
	}
	var buf bytes.Buffer
	if err := gonePage(d).Render(r.Context(), &buf); err != nil {
		return err
	}
	return s.sendStatus(w, r, http.StatusGone, "text/html; charset=utf-8", buf.Bytes())
}
