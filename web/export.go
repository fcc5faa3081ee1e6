package web

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web/httpcache"
)

// csvFlushRows is how many rows are buffered before they go on the wire.
const csvFlushRows = 200

// handleFlowsCSV serves /flows.csv: the flows /flows would list for the same
// parameters (every page), streamed.
func (s *Server) handleFlowsCSV(w http.ResponseWriter, r *http.Request) error {
	_, q, _, f, err := s.flowListing(r, true)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = q.Limit, q.Offset
	return s.streamFlowsCSV(w, r, f, versionedFileName(r.Context(), q.FileName()))
}

// handleDocCSV serves /docs/{doc}.csv: every flow of one document.
func (s *Server) handleDocCSV(w http.ResponseWriter, r *http.Request, slug string) error {
	if _, err := s.document(r, slug); err != nil {
		return err
	}
	f, err := filter.Filter{}.With("doc", slug)
	if err != nil {
		return err
	}
	return s.streamFlowsCSV(w, r, store.FlowFilter{Filter: f, Sort: "doc"}, versionedFileName(r.Context(), "portolan-"+fileSlug(slug, 80)+".csv"))
}

// streamFlowsCSV writes the flows matching f as CSV, after every check that could
// fail has passed: once the first byte is out, an error can only be logged.
func (s *Server) streamFlowsCSV(w http.ResponseWriter, r *http.Request, f store.FlowFilter, name string) error {
	return s.streamCSV(w, r, name, func(fn func(data.Flow) error) error {
		return s.storeOf(r.Context()).EachFlow(r.Context(), f, fn)
	})
}

// streamCSV writes the flows each yields as CSV.
func (s *Server) streamCSV(w http.ResponseWriter, r *http.Request, name string, each func(func(data.Flow) error) error) error {
	etag, err := s.streamETag(r, "flows.csv")
	if err != nil {
		return err
	}
	if notModified(w, r, etag) {
		return nil
	}
	langs, titlesEn, err := s.docMaps(r.Context())
	if err != nil {
		return err
	}
	setCSVHeaders(w, name)
	c, err := csvout.NewFlows(w, baseURL(r))
	if err != nil {
		return s.streamFailed(r, err)
	}
	c.Langs, c.TitlesEn = langs, titlesEn
	n := 0
	rc := http.NewResponseController(w)
	err = each(func(fl data.Flow) error {
		if err := c.Write(fl); err != nil {
			return err
		}
		if n++; n%csvFlushRows == 0 {
			extendWriteDeadline(rc)
			return c.Flush()
		}
		return nil
	})
	if err == nil {
		err = c.Flush()
	}
	if err != nil {
		return s.streamFailed(r, err)
	}
	return nil
}

// streamIdleTimeout is how long a stream waits for a client to take the next
// rows before it gives up on it. A stream holds no database connection while
// it waits (store.DB.EachFlow), so a client reading slowly but steadily gets
// the whole export, however long it takes, and a stalled one is cut off.
const streamIdleTimeout = 30 * time.Second

// extendWriteDeadline gives the stream another streamIdleTimeout to write,
// beyond the server's write timeout, which bounds pages, not downloads.
func extendWriteDeadline(rc *http.ResponseController) {
	_ = rc.SetWriteDeadline(time.Now().Add(streamIdleTimeout)) // not every writer can; then the server's timeout stands
}

// streamFailed ends a streamed response that failed after its 200 went out:
// it logs why (a client that went away is no error) and aborts the
// response, so that the connection is cut without the end of the chunked
// body. Every HTTP client reports that as an error (curl: exit 18, transfer
// closed with outstanding read data remaining; Go: unexpected EOF; a browser:
// a failed download), never as a complete file. The response cache does not
// keep it.
func (s *Server) streamFailed(r *http.Request, err error) error {
	httpcache.DontStore(r.Context())
	level := slog.LevelError
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil || isClientGone(err) {
		level = slog.LevelInfo
	}
	s.log.Log(r.Context(), level, "stream failed", "path", r.URL.Path,
		"request_id", middleware.GetReqID(r.Context()), "err", err)
	panic(http.ErrAbortHandler)
}

// isClientGone reports whether a write failed because the client closed the
// connection or stopped reading past the deadline.
func isClientGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, http.ErrHandlerTimeout)
}

func setCSVHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
}

// baseURL is the scheme and host the request came to, for absolute deep links
// in exports.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if r.Host == "" {
		return ""
	}
	return scheme + "://" + r.Host
}

// handleHostsCSV serves /hosts.csv: the hosts /hosts would list, with the same
// BOM, line ends and formula neutralising as the flow CSV.
func (s *Server) handleHostsCSV(w http.ResponseWriter, r *http.Request) error {
	_, q, hosts, err := s.hostListing(r)
	if err != nil {
		return err
	}
	etag, err := s.streamETag(r, "hosts.csv")
	if err != nil {
		return err
	}
	if notModified(w, r, etag) {
		return nil
	}
	setCSVHeaders(w, versionedFileName(r.Context(), q.FileName()))
	base := baseURL(r)
	if err := csvout.Hosts(w, hosts, func(h data.Host) string { return base + hostSourceLink(h) }); err != nil {
		return s.streamFailed(r, err)
	}
	return nil
}
