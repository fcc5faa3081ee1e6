package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web/httpcache"
)

// userMessage is a message safe to show the user, kept as its format and
// arguments so that it can be shown in the user's language: the format is the
// message's key in the catalogue (web/i18n), and Error gives the English.
type userMessage struct {
	format string
	args   []any
}

func (m userMessage) Error() string { return fmt.Sprintf(m.format, m.args...) }

// in returns the message in the language of ctx's request.
func (m userMessage) in(ctx context.Context) string { return t(ctx, m.format, m.args...) }

// badRequestError is an error whose message is safe to show the user: it names
// the parameter at fault and what was wrong with it.
type badRequestError struct {
	userMessage
}

// badRequest returns an error answered with 400 and the given message. The
// format must be in the catalogue (the key-check test finds every call); pass
// port numbers as strings, or they are printed with digit grouping.
func badRequest(format string, args ...any) error {
	return &badRequestError{userMessage{format, args}}
}

// notFoundError is a 404 whose message says what was not found.
type notFoundError struct {
	userMessage
}

// notFound returns an error answered with 404 and the given message, under
// the same rules as badRequest.
func notFound(format string, args ...any) error {
	return &notFoundError{userMessage{format, args}}
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
// generic message, logged once with the request ID. API paths answer JSON in
// English; pages answer in the request's language.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	httpcache.DontStore(r.Context())
	if errors.Is(err, context.Canceled) || errors.Is(r.Context().Err(), context.Canceled) {
		return
	}
	var (
		status int
		msg    userMessage
		bad    *badRequestError
		nf     *notFoundError
	)
	switch {
	case errors.As(err, &bad):
		status, msg = http.StatusBadRequest, bad.userMessage
	case errors.As(err, &nf):
		status, msg = http.StatusNotFound, nf.userMessage
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, userMessage{format: "not found"}
	case errors.Is(err, store.ErrInvalidFilter):
		// ParseFlowQuery refuses these first; this is the backstop.
		status, msg = http.StatusBadRequest, userMessage{format: "invalid filter"}
	default:
		status, msg = http.StatusInternalServerError, userMessage{format: "internal server error"}
		s.log.ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", r.URL.Path,
			"request_id", middleware.GetReqID(r.Context()), "err", err)
	}
	writeError(w, r, status, msg)
}

// writeError answers with status and msg as JSON in English on API paths and
// as an HTML page in the request's language elsewhere.
func writeError(w http.ResponseWriter, r *http.Request, status int, m userMessage) {
	h := w.Header()
	h.Del("ETag")
	h.Del("Content-Disposition")
	h.Set("Cache-Control", "no-store")
	var (
		buf bytes.Buffer
		msg string
	)
	if isAPI(r) {
		h.Set("Content-Type", "application/json; charset=utf-8")
		msg = m.Error()
		_ = json.NewEncoder(&buf).Encode(map[string]string{"error": msg})
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
		msg = m.in(r.Context())
		p := errorPageData{Status: status, Message: msg,
			RequestID: middleware.GetReqID(r.Context())}
		if status == http.StatusBadRequest {
			p.Form = newRetryForm(r, m)
		}
		if err := errorPage(p).Render(r.Context(), &buf); err != nil {
			buf.Reset()
			h.Set("Content-Type", "text/plain; charset=utf-8")
			buf.WriteString(msg + "\n")
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusTitle is the heading of an error page: the status's name in the UI
// language.
func statusTitle(ctx context.Context, status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		return t(ctx, "status."+strconv.Itoa(status))
	}
	return t(ctx, "status.500")
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// retryForm is a refused request's parameters as a form, so that the input
// can be corrected where the error is shown.
type retryForm struct {
	Action string
	Fields []retryField
}

type retryField struct {
	Name, Label, Value string
	Invalid            bool // the parameter the error names
}

// fieldLabels are the message keys of the labels of known parameters.
var fieldLabels = map[string]string{
	"q": "filter.text", "port": "col.port", "src": "col.source", "dst": "col.destination",
	"doc": "col.document", "section": "col.section", "proto": "col.protocol",
	"req": "col.requirement", "dir": "col.direction", "sort": "sort.field", "hl": "col.line",
	"page": "pager.page",
}

// newRetryForm builds the form of a refused GET request: one field per
// parameter value, in name order, the parameter the message names (its text
// before ":") marked invalid. A port in the path (/ports/x) becomes the port
// field of /ports. It returns nil for a request with nothing to correct.
func newRetryForm(r *http.Request, m userMessage) *retryForm {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil
	}
	if len(r.URL.RawQuery) > maxQueryBytes {
		return nil // too long to show back; the message says so
	}
	bad, _, _ := strings.Cut(m.Error(), ":")
	f := &retryForm{Action: r.URL.Path}
	vals := r.URL.Query()
	if p, ok := strings.CutPrefix(r.URL.Path, "/ports/"); ok && !strings.Contains(p, "/") {
		f.Action = "/ports"
		vals.Set("port", p)
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		if k != "lang" && utf8.ValidString(k) && !strings.ContainsFunc(k, hiddenRune) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		label := k
		if key, ok := fieldLabels[k]; ok {
			label = t(r.Context(), key)
		}
		for _, v := range vals[k] {
			f.Fields = append(f.Fields, retryField{Name: k, Label: label, Value: visible(v), Invalid: k == bad})
		}
	}
	if len(f.Fields) == 0 {
		return nil
	}
	return f
}
