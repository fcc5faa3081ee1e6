package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/store"
)

// document loads the document named in the URL, or a 404 naming it.
func (s *Server) document(r *http.Request, slug string) (data.Document, error) {
	if !filter.IsSlug(slug) {
		return data.Document{}, notFound("there is no document %q", slug)
	}
	doc, err := s.storeOf(r.Context()).Document(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return doc, notFound("there is no document %q", slug)
	}
	return doc, err
}

// handleDoc serves /docs/{doc}: every section of a document with its flows. The
// same route carries /docs/{doc}.csv, which chi cannot tell apart by pattern.
func (s *Server) handleDoc(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "doc")
	if base, ok := strings.CutSuffix(slug, ".csv"); ok {
		return s.handleDocCSV(w, r, base)
	}
	doc, err := s.document(r, slug)
	if err != nil {
		return err
	}
	vs, err := s.db.Versions(r.Context(), doc.Slug)
	if err != nil {
		return err
	}
	return s.render(w, r, docPage(doc, hostsBySection(doc.Hosts), vs))
}

// handleSection serves /docs/{doc}/{section}: one component's flows and hosts.
func (s *Server) handleSection(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.document(r, chi.URLParam(r, "doc"))
	if err != nil {
		return err
	}
	slug := chi.URLParam(r, "section")
	for _, sec := range doc.Sections {
		if sec.Slug == slug {
			return s.render(w, r, sectionPage(doc, sec, hostsBySection(doc.Hosts)[sec.Slug]))
		}
	}
	return notFound("document %q has no section %q", doc.Slug, slug)
}

func hostsBySection(hosts []data.Host) map[string][]data.Host {
	m := map[string][]data.Host{}
	for _, h := range hosts {
		m[h.SectionID] = append(m[h.SectionID], h)
	}
	return m
}

// docLangs is the lang map for tables showing flows of one document.
func docLangs(doc data.Document) map[string]string {
	return map[string]string{doc.Slug: doc.Language}
}

// requirementMark is a symbol a document marks requirements with (● 〇 △)
// and the requirement Portolan reads it as.
type requirementMark struct {
	Mark        string
	Requirement string
}

// requirementMarks lists the symbols a document's requirement column uses, in
// the order of the requirements (required first); words such as "Required"
// need no legend and are left out.
func requirementMarks(doc data.Document) []requirementMark {
	var out []requirementMark
	for _, sec := range doc.Sections {
		for _, f := range sec.Flows {
			raw := strings.TrimSpace(f.RequirementRaw)
			// A mark the document never defines reads as undefined (Requirement "").
			if utf8.RuneCountInString(raw) != 1 || unicode.IsLetter([]rune(raw)[0]) {
				continue
			}
			m := requirementMark{Mark: raw, Requirement: f.Requirement}
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	req, _ := filter.Lookup("req")
	rank := func(m requirementMark) int {
		if m.Requirement == "" {
			return len(req.Values)
		}
		return slices.Index(req.Values, m.Requirement)
	}
	slices.SortStableFunc(out, func(a, b requirementMark) int { return rank(a) - rank(b) })
	return out
}

// sectionPageTitle is the <title> of a section's page: its heading, in
// English when the UI is English and the heading has a gloss.
func sectionPageTitle(ctx context.Context, doc data.Document, sec data.Section) string {
	title := sec.Title
	if sec.TitleEn != "" && uiLang(ctx) == "en" {
		title = sec.TitleEn
	}
	return title + " · " + doc.Vendor
}

func flowCount(doc data.Document) int {
	n := 0
	for _, s := range doc.Sections {
		n += len(s.Flows)
	}
	return n
}
