package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/store"
)

// maxChanges caps the versions a change listing or feed shows.
const maxChanges = 200

type changesPageData struct {
	Doc      *store.DocSummary // nil on /changes
	Versions []data.Version    // the document's, newest first; nil on /changes
	Changes  []store.ChangeSummary
	Titles   map[string]store.DocSummary // by slug
}

// docSummaries returns every document by slug.
func (s *Server) docSummaries(r *http.Request) (map[string]store.DocSummary, error) {
	docs, err := s.db.Documents(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]store.DocSummary, len(docs))
	for _, d := range docs {
		m[d.Slug] = d
	}
	return m, nil
}

// docSummary returns the document named in the URL, or a 404 naming it.
func docSummary(docs map[string]store.DocSummary, slug string) (store.DocSummary, error) {
	d, ok := docs[slug]
	if !ok || !filter.IsSlug(slug) {
		return store.DocSummary{}, notFound("there is no document %q", slug)
	}
	return d, nil
}

// changeListing loads what /changes and /docs/{doc}/changes list, and
// their feeds: the document named in the URL (none on /changes), its
// changes or every document's, newest first, at most limit (0: all), and
// the documents' titles.
func (s *Server) changeListing(r *http.Request, limit int) (changesPageData, error) {
	docs, err := s.docSummaries(r)
	if err != nil {
		return changesPageData{}, err
	}
	p := changesPageData{Titles: docs}
	f := store.ChangeFilter{Limit: limit}
	if slug := chi.URLParam(r, "doc"); slug != "" {
		d, err := docSummary(docs, slug)
		if err != nil {
			return changesPageData{}, err
		}
		p.Doc, f.Doc = &d, d.Slug
	}
	p.Changes, err = s.db.Changes(r.Context(), f)
	return p, err
}

// handleChanges serves /changes, every version that changed a document's
// flows, newest first, and /docs/{doc}/changes, a document's versions and
// what each changed.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) error {
	limit := maxChanges
	if chi.URLParam(r, "doc") != "" {
		limit = 0 // a document's page lists every version
	}
	p, err := s.changeListing(r, limit)
	if err != nil {
		return err
	}
	if p.Doc != nil {
		vs, err := s.db.Versions(r.Context(), p.Doc.Slug)
		if err != nil {
			return err
		}
		slices.Reverse(vs)
		p.Versions = vs
	}
	return s.render(w, r, changesPage(p))
}

// handleChangesAtom serves the feeds of the same: /changes.atom and
// /docs/{doc}/changes.atom.
func (s *Server) handleChangesAtom(w http.ResponseWriter, r *http.Request) error {
	p, err := s.changeListing(r, maxChanges)
	if err != nil {
		return err
	}
	title, link := "Portolan: what changed in the vendor documents", "/changes"
	if d := p.Doc; d != nil {
		title, link = feedTitle(*d), "/docs/"+d.Slug+"/changes"
	}
	return s.atom(w, r, title, link, p.Changes, p.Titles)
}

// feedTitle names one document's feed by its vendor, where the document
// names one, and its title.
func feedTitle(d store.DocSummary) string {
	name := docTitle(d.Title, d.Product)
	if d.Vendor != "" {
		name = d.Vendor + " · " + name
	}
	return "Portolan: what changed in " + name
}

type diffPageData struct {
	Doc     store.DocSummary
	Diff    versions.Diff
	Version data.Version // the version the diff leads to
}

// diff loads the change named in the URL: /docs/{doc}/changes/{version}.
func (s *Server) diff(r *http.Request, version string) (diffPageData, error) {
	docs, err := s.docSummaries(r)
	if err != nil {
		return diffPageData{}, err
	}
	d, err := docSummary(docs, chi.URLParam(r, "doc"))
	if err != nil {
		return diffPageData{}, err
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 || len(version) > 9 {
		return diffPageData{}, notFound("%s has no version %q", d.Slug, version)
	}
	diff, err := s.db.Change(r.Context(), d.Slug, n)
	if errors.Is(err, store.ErrNotFound) {
		return diffPageData{}, notFound("%s has no version %q", d.Slug, version)
	}
	if err != nil {
		return diffPageData{}, err
	}
	vs, err := s.db.Versions(r.Context(), d.Slug)
	if err != nil {
		return diffPageData{}, err
	}
	return diffPageData{Doc: d, Diff: diff, Version: vs[n-1]}, nil
}

// handleDiff serves /docs/{doc}/changes/{version}: what changed from the
// version before, and /docs/{doc}/changes/{version}.csv, the same as a CSV of
// what to open and what may be closed.
func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) error {
	v := chi.URLParam(r, "version")
	if base, ok := strings.CutSuffix(v, ".csv"); ok {
		return s.handleDiffCSV(w, r, base)
	}
	d, err := s.diff(r, v)
	if err != nil {
		return err
	}
	return s.render(w, r, diffPage(d))
}

// diffCSVHeader is the header row of a diff's CSV, one name per column; the
// names are also the columns' message keys, "csv.diff.<name>".
var diffCSVHeader = []string{"action", "document", "section", "source", "destination", "protocol", "ports",
	"change", "purpose", "link"}

// handleDiffCSV writes a diff as rows a firewall change request can use: each
// flow or part of a flow to open (added flows, ports and transports added,
// new endpoints) and each that may be closed (removed ones, old endpoints).
func (s *Server) handleDiffCSV(w http.ResponseWriter, r *http.Request, version string) error {
	d, err := s.diff(r, version)
	if err != nil {
		return err
	}
	var buf strings.Builder
	cw, err := csvout.NewWriter(&buf)
	if err != nil {
		return err
	}
	base := baseURL(r)
	write := func(action string, f data.Flow, protos []string, ports []data.PortRange, change string) {
		p := data.FormatPorts(ports)
		if p == "" {
			p = f.PortsRaw
		}
		cw.Write([]string{t(r.Context(), "csv.action."+action), f.Doc, f.Section, f.Source, f.Destination,
			strings.Join(protos, "/"), p, change, f.Purpose, base + data.FlowURL(f.ID)})
	}
	cw.Write(csvHeader(r.Context(), "csv.diff", diffCSVHeader))
	for _, f := range d.Diff.Added {
		write("open", f, f.Protocols, f.Ports, string(versions.Added))
	}
	for _, c := range d.Diff.Changed {
		if len(c.PortsAdded) > 0 {
			write("open", c.New, c.New.Protocols, c.PortsAdded, string(versions.PortAdded))
		}
		if len(c.ProtocolsAdded) > 0 {
			write("open", c.New, c.ProtocolsAdded, c.New.Ports, string(versions.TransportChanged))
		}
		if has(c.Impacts, versions.EndpointsChanged) {
			write("open", c.New, c.New.Protocols, c.New.Ports, string(versions.EndpointsChanged))
			old := c.Old
			old.ID = c.New.ID
			write("close", old, c.Old.Protocols, c.Old.Ports, string(versions.EndpointsChanged))
		}
		if len(c.PortsRemoved) > 0 {
			write("close", c.New, c.Old.Protocols, c.PortsRemoved, string(versions.PortRemoved))
		}
		if len(c.ProtocolsRemoved) > 0 {
			write("close", c.New, c.ProtocolsRemoved, c.Old.Ports, string(versions.TransportChanged))
		}
	}
	for _, g := range d.Diff.Removed {
		write("close", g.Flow, g.Flow.Protocols, g.Flow.Ports, string(versions.Removed))
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	setCSVHeaders(w, "portolan-"+fileSlug(d.Doc.Slug, 80)+"-v"+strconv.Itoa(d.Diff.Version)+"-changes.csv")
	return s.send(w, r, "text/csv; charset=utf-8; header=present", []byte(buf.String()))
}

// csvHeader names columns in the UI language: each name is looked up as the
// message kind+"."+name ("csv.diff.change"). The flow and host CSVs do not
// use it: their header is English in every language.
func csvHeader(ctx context.Context, kind string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = t(ctx, kind+"."+n)
	}
	return out
}

func has(imps []versions.Impact, imp versions.Impact) bool {
	for _, i := range imps {
		if i == imp {
			return true
		}
	}
	return false
}

// changeEntry is one change as /api/v1/changes lists it.
type changeEntry struct {
	store.ChangeSummary
	URL  string        `json:"url"`
	CSV  string        `json:"csv"`
	Diff versions.Diff `json:"diff"`
}

// handleAPIChanges serves /api/v1/changes?since=&doc=: the changes captured at
// or after since (RFC 3339, or a date), newest first, each with its diff.
func (s *Server) handleAPIChanges(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var cf store.ChangeFilter
	if v := q.Get("since"); v != "" {
		t, err := parseSince(v)
		if err != nil {
			return badRequest("since: %s is not a date (2026-12-01) or time (2026-12-01T09:00:00Z)", clip(v))
		}
		cf.Since = t
	}
	if v := q.Get("doc"); v != "" {
		docs, err := s.docSummaries(r)
		if err != nil {
			return err
		}
		if _, err := docSummary(docs, v); err != nil {
			return badRequest("doc: there is no document %q", clip(v))
		}
		cf.Doc = v
	}
	cf.Limit = maxChanges
	cs, err := s.db.Changes(r.Context(), cf)
	if err != nil {
		return err
	}
	out := make([]changeEntry, 0, len(cs))
	for _, c := range cs {
		d, err := s.db.Change(r.Context(), c.Doc, c.Version)
		if err != nil {
			return err
		}
		u := "/docs/" + c.Doc + "/changes/" + strconv.Itoa(c.Version)
		out = append(out, changeEntry{ChangeSummary: c, URL: u, CSV: u + ".csv", Diff: d})
	}
	return s.json(w, r, map[string]any{"changes": out})
}

func parseSince(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

// clip shortens a value quoted back in a message.
func clip(v string) string {
	r := []rune(v)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return v
}
