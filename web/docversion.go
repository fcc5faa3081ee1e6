package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/store"
)

// docVersion reads the v parameter of a page or export of document slug:
// the version asked for, and that version as a document, read again from its
// text with the flow IDs it had then. ok is false when v is absent or names
// the latest version, which the store serves as it is.
func (s *Server) docVersion(r *http.Request, slug string) (d data.Document, ok bool, err error) {
	raw, err := single(r.URL.Query(), "v")
	if err != nil || raw == "" {
		return data.Document{}, false, err
	}
	h, err := s.db.History(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return data.Document{}, false, notFound("there is no document %q", slug)
	}
	if err != nil {
		return data.Document{}, false, err
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > len(h.Versions) {
		return data.Document{}, false, badRequest("v: %s is not a version of %s (1 to %s)", clip(raw), slug, strconv.Itoa(len(h.Versions)))
	}
	if n == len(h.Versions) {
		return data.Document{}, false, nil
	}
	d, _, err = versions.Replay(h.Versions[:n], func(v data.Version) (data.Document, error) {
		return extract.ExtractAs(v.Meta, v.ContentType, []byte(v.Raw))
	})
	return d, err == nil, err
}
