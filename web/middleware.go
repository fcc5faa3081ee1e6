package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/portolan/portolan/web/httpcache"
)

// requestIDs numbers a server's requests as chi's middleware.RequestID does
// ("host/RaNdOm1234-000042"), stored under its context key so that
// middleware.GetReqID finds them, without formatting with fmt on every
// request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	host, err := os.Hostname()
	if host == "" || err != nil {
		host = "localhost"
	}
	var b64 string
	for len(b64) < 10 {
		var buf [12]byte
		_, _ = rand.Read(buf[:])
		b64 = strings.NewReplacer("+", "", "/", "").Replace(base64.StdEncoding.EncodeToString(buf[:]))
	}
	return &requestIDs{prefix: host + "/" + b64[:10] + "-"}
}

// next returns a new ID: the prefix and a counter of at least six digits.
func (ids *requestIDs) next() string {
	var buf [64]byte
	b := append(buf[:0], ids.prefix...)
	n := ids.n.Add(1)
	for d := uint64(100000); d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendUint(b, n, 10))
}

// requestID gives every request an ID for its log lines and error page: the
// client's X-Request-Id if it sent one, else a new one.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := cleanRequestID(r.Header.Get(middleware.RequestIDHeader))
		if id == "" {
			id = s.ids.next()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

// maxRequestID is the longest client X-Request-Id kept; the rest is cut.
const maxRequestID = 64

// cleanRequestID makes a client's X-Request-Id safe to log and show: at
// most maxRequestID bytes of printable ASCII, anything else dropped, so a
// client cannot write long lines, control characters or forged log fields.
func cleanRequestID(id string) string {
	id = id[:min(len(id), maxRequestID)]
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return -1
		}
		return r
	}, id)
}

// maxLoggedBytes is the longest path or query string the access log writes
// as it is; a longer one is clipped, with its length.
const maxLoggedBytes = 512

// loggable clips s for the access log (see maxLoggedBytes).
func loggable(s string) string {
	if len(s) <= maxLoggedBytes {
		return s
	}
	return clipText(s, maxLoggedBytes) + "(" + strconv.Itoa(len(s)) + " bytes)"
}

// acceptedEncodings drops from Accept-Encoding the codings the client
// refuses (q=0): middleware.Compress and the cache key look for a coding's
// name anywhere in the header, and would send gzip to "gzip;q=0".
func acceptedEncodings(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ae := r.Header.Values("Accept-Encoding"); len(ae) > 0 {
			keep := acceptable(strings.Join(ae, ","))
			r = r.Clone(r.Context())
			if keep == "" {
				r.Header.Del("Accept-Encoding")
			} else {
				r.Header.Set("Accept-Encoding", keep)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// acceptable is the codings of an Accept-Encoding header whose weight is
// not zero, lower-cased, without their parameters.
func acceptable(header string) string {
	var keep []string
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || zeroWeight(params) {
			continue
		}
		keep = append(keep, name)
	}
	return strings.Join(keep, ", ")
}

// zeroWeight reports whether a coding's parameters give it q=0 (RFC 9110
// section 12.4.2: "q=0", "q=0.0", ... up to three decimals).
func zeroWeight(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q == 0
	}
	return false
}

// contentSecurityPolicy allows nothing but this origin's own files: no inline
// script or style, no framing, forms post only back here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// accessLog writes one structured line per request once it is answered. It
// hands the record to the log's handler itself: slog.Logger would also look
// up the caller's program counter, which an access log line, always from
// here, has no use for, and which costs a cached response a tenth of its time.
func (s *Server) accessLog(next http.Handler) http.Handler {
	h := s.log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			ctx := r.Context()
			if !h.Enabled(ctx, slog.LevelInfo) {
				return
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			end := time.Now()
			rec := slog.NewRecord(end, slog.LevelInfo, "http", 0)
			rec.AddAttrs(
				slog.String("method", r.Method),
				slog.String("path", loggable(r.URL.Path)),
				slog.String("query", loggable(r.URL.RawQuery)),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", end.Sub(start)),
				slog.String("request_id", middleware.GetReqID(ctx)),
			)
			_ = h.Handle(ctx, rec)
		}()
		next.ServeHTTP(ww, r)
	})
}

// recoverer turns a panicking handler into a generic 500: the stack goes to the
// log with the request ID, never to the client.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			httpcache.DontStore(r.Context())
			s.log.ErrorContext(r.Context(), "panic",
				"method", r.Method, "path", r.URL.Path,
				"request_id", middleware.GetReqID(r.Context()),
				"panic", rec, "stack", string(debug.Stack()))
			writeError(w, r, http.StatusInternalServerError, userMessage{format: "internal server error"})
		}()
		next.ServeHTTP(w, r)
	})
}
