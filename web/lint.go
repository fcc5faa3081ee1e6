package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/lint"
	"github.com/portolan/portolan/store"
)

// lintDoc is one document of /lint: its counts by check and its flows with
// findings.
type lintDoc struct {
	Doc    store.DocSummary
	Counts map[string]int // by check ID
	Total  int
	Flows  []data.Flow
}

type lintPageData struct {
	Docs     []lintDoc
	Check    string // the check= filter, or ""
	Langs    map[string]string
	TitlesEn map[string]string
}

// handleLint serves /lint: the documents' own mistakes, per document, each
// flow with its findings; ?doc= and ?check= narrow it.
func (s *Server) handleLint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := r.URL.Query()
	if err := checkValues(v); err != nil {
		return err
	}
	doc, err := single(v, "doc")
	if err != nil {
		return err
	}
	check, err := single(v, "check")
	if err != nil {
		return err
	}
	if _, ok := lint.CheckByID(check); check != "" && !ok {
		return badRequest("check: there is no check %q", check)
	}
	docs, err := s.storeOf(ctx).Documents(ctx)
	if err != nil {
		return err
	}
	if doc != "" && !slices.ContainsFunc(docs, func(d store.DocSummary) bool { return d.Slug == doc }) {
		return badRequest("doc: there is no document %q", doc)
	}
	counts, err := s.storeOf(ctx).FindingCounts(ctx)
	if err != nil {
		return err
	}
	d := lintPageData{Check: check}
	for _, ds := range docs {
		if doc != "" && ds.Slug != doc {
			continue
		}
		ld := lintDoc{Doc: ds, Counts: map[string]int{}}
		for _, c := range counts {
			if c.Doc == ds.Slug {
				ld.Counts[c.Check] = c.Count
				ld.Total += c.Count
			}
		}
		if ld.Flows, err = s.storeOf(ctx).FlowsWithFindings(ctx, ds.Slug, check); err != nil {
			return err
		}
		d.Docs = append(d.Docs, ld)
	}
	if d.Langs, d.TitlesEn, err = s.docMaps(ctx); err != nil {
		return err
	}
	return s.render(w, r, lintPage(d))
}

// lintQuery is the /lint URL for a document and check ("" for all).
func lintQuery(doc, check string) string {
	q := ""
	if doc != "" {
		q += "&doc=" + doc
	}
	if check != "" {
		q += "&check=" + check
	}
	if q == "" {
		return "/lint"
	}
	return "/lint?" + q[1:]
}

// worstSeverity is the most serious severity among findings.
func worstSeverity(fs []data.Finding) string {
	worst := ""
	for _, f := range fs {
		switch {
		case f.Severity == lint.Error:
			return lint.Error
		case f.Severity == lint.Warning:
			worst = lint.Warning
		case worst == "":
			worst = f.Severity
		}
	}
	return worst
}

// shownFindings are the findings of a flow a listing shows: those of check,
// or all.
func shownFindings(fs []data.Finding, check string) []data.Finding {
	if check == "" {
		return fs
	}
	var out []data.Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// findingTitles names a flow's findings in the UI language, for a badge's
// tooltip.
func findingTitles(ctx context.Context, fs []data.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, t(ctx, "lint."+f.Check+".title"))
	}
	return strings.Join(out, "; ")
}
