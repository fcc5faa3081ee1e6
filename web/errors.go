package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/portolan/portolan/store"
)

// badRequestError is an error whose message is safe to show the user: it names
// the parameter at fault and what was wrong with it.
type badRequestError struct {
	msg string
}

func (e *badRequestError) Error() string { return e.msg }

// badRequest returns an error answered with 400 and the given message.
func badRequest(format string, args ...any) error {
	return &badRequestError{msg: fmt.Sprintf(format, args...)}
}

// notFoundError is a 404 whose message says what was not found.
type notFoundError struct {
	msg string
}

func (e *notFoundError) Error() string { return e.msg }

// notFound returns an error answered with 404 and the given message.
func notFound(format string, args ...any) error {
	return &notFoundError{msg: fmt.Sprintf(format, args...)}
}

// handlerFunc is the shape of every Portolan handler: it writes a response or
// returns an error, never both.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc to http.HandlerFunc, sending any error it returns
// through s.error.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.error(w, r, err)
		}
	}
}

// error is the one place errors become responses: not found → 404, bad request →
// 400 with its message, a cancelled request → nothing, anything else → 500 with a
// generic message, logged once with the request ID. API paths answer JSON.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(r.Context().Err(), context.Canceled) {
		return
	}
	var (
		status int
		msg    string
		bad    *badRequestError
		nf     *notFoundError
	)
	switch {
	case errors.As(err, &bad):
		status, msg = http.StatusBadRequest, bad.msg
	case errors.As(err, &nf):
		status, msg = http.StatusNotFound, nf.msg
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrInvalidFilter):
		// ParseFlowQuery refuses these first; this is the backstop.
		status, msg = http.StatusBadRequest, "invalid filter"
	default:
		status, msg = http.StatusInternalServerError, "internal server error"
		s.log.ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", r.URL.Path,
			"request_id", middleware.GetReqID(r.Context()), "err", err)
	}
	writeError(w, r, status, msg)
}

// writeError answers with status and msg as JSON on API paths and as an HTML
// page elsewhere.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h := w.Header()
	h.Del("ETag")
	h.Del("Content-Disposition")
	h.Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	if isAPI(r) {
		h.Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(&buf).Encode(map[string]string{"error": msg})
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
		p := errorPageData{Status: status, Title: http.StatusText(status), Message: msg,
			RequestID: middleware.GetReqID(r.Context())}
		if err := errorPage(p).Render(r.Context(), &buf); err != nil {
			buf.Reset()
			h.Set("Content-Type", "text/plain; charset=utf-8")
			buf.WriteString(msg + "\n")
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
