package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// sourceLine is one numbered line of a document as written.
type sourceLine struct {
	N    int
	Text string
	Hl   bool
}

// handleSource serves /docs/{doc}/source: the raw document, one anchor per line
// (#L12), with the lines ?hl=12-14 names highlighted.
func (s *Server) handleSource(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.document(r, chi.URLParam(r, "doc"))
	if err != nil {
		return err
	}
	v, err := queryOf(r)
	if err != nil {
		return err
	}
	if err := checkValues(v); err != nil {
		return err
	}
	hlRaw, err := single(v, "hl")
	if err != nil {
		return err
	}
	text := strings.TrimSuffix(strings.ReplaceAll(doc.Raw, "\r\n", "\n"), "\n")
	raw := strings.Split(text, "\n")
	from, to, err := parseLineRange(hlRaw, len(raw))
	if err != nil {
		return err
	}
	lines := make([]sourceLine, len(raw))
	for i, t := range raw {
		n := i + 1
		lines[i] = sourceLine{N: n, Text: t, Hl: from > 0 && n >= from && n <= to}
	}
	return s.render(w, r, sourcePage(doc, lines, from, to))
}

// parseLineRange parses hl=12 or hl=12-14 against a document of n lines; empty
// gives 0, 0.
func parseLineRange(s string, n int) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, isRange := strings.Cut(s, "-")
	from, err1 := strconv.Atoi(a)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || len(s) > 20 {
		return 0, 0, badRequest("hl: %q is not a line or line range like 12-14", s)
	}
	if from < 1 || to < from || to > n {
		return 0, 0, badRequest("hl: lines %s are not in 1-%d", s, n)
	}
	return from, to, nil
}
