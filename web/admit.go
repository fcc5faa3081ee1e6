package web

import (
	"net/http"
	"sync"
)

// Work slots. A request's handler does its work (reading the store, matching,
// rendering into a buffer) in one of a few slots, as many as there are
// processors by default, and leaves its slot as soon as its response starts:
// the first WriteHeader, Write or Flush. Requests beyond the slots wait their
// turn, in order of arrival, instead of all sharing the processors at once:
// sharing stretches every request, the costly ones most (sixteen at once on
// two processors, a 20 ms search took 160 ms), while waiting adds to each
// only the work of the few ahead of it. Sending (a slow reader, a long CSV)
// happens outside the slots, so it holds no one up.
//
// A request whose client goes away while it waits is dropped without work.

// WithWorkSlots sets how many requests do their work at once (at least
// one); New's default is the number of processors (runtime.GOMAXPROCS).
func WithWorkSlots(n int) Option {
	return func(s *Server) { s.workSlots = make(chan struct{}, max(1, n)) }
}

// Waiting is how many requests wait for a work slot now.
func (s *Server) Waiting() int { return int(s.waiting.Load()) }

// admitted is the ResponseWriter a handler writes to while it holds a slot:
// the slot is given back on the response's first byte or header, or when the
// handler returns.
type admitted struct {
	http.ResponseWriter
	release func()
}

func (a *admitted) WriteHeader(code int) {
	a.release()
	a.ResponseWriter.WriteHeader(code)
}

func (a *admitted) Write(b []byte) (int, error) {
	a.release()
	return a.ResponseWriter.Write(b)
}

func (a *admitted) Flush() {
	a.release()
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (a *admitted) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// admit is the middleware giving each request a work slot: it waits for one
// (or for its client to go away, then answers nothing) and hands the next
// handler a writer that gives it back.
func (s *Server) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.waiting.Add(1)
		select {
		case s.workSlots <- struct{}{}:
			s.waiting.Add(-1)
		case <-r.Context().Done():
			s.waiting.Add(-1)
			return
		}
		release := sync.OnceFunc(func() { <-s.workSlots })
		defer release()
		next.ServeHTTP(&admitted{ResponseWriter: w, release: release}, r)
	})
}
