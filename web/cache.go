package web

import (
	"bytes"
	"container/list"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Default limits of the response cache: what every Server gets unless New is
// given WithCache.
const (
	DefaultCacheBytes      = 64 << 20 // all entries together
	DefaultCacheEntryBytes = 2 << 20  // one response; a larger one is not kept
)

// Option configures a Server in New.
type Option func(*Server)

// WithCache sets the response cache's limits: maxBytes for all entries
// together, maxEntryBytes for one response. Zero (or less) for either turns
// the cache off.
func WithCache(maxBytes, maxEntryBytes int64) Option {
	return func(s *Server) {
		s.cacheBytes, s.cacheEntryBytes = maxBytes, maxEntryBytes
	}
}

// CacheStats says what the response cache holds and how it has done.
type CacheStats struct {
	Entries int   // responses kept
	Bytes   int64 // their size as counted against the limit
	Hits    int64 // requests answered from the cache
	Misses  int64 // cacheable requests the handler had to answer
}

// CacheStats reports the response cache's state; all zero when it is off.
func (s *Server) CacheStats() CacheStats {
	if s.cache == nil {
		return CacheStats{}
	}
	return s.cache.stats()
}

// uncachedPrefixes are paths never cached: the health check must ask the
// database every time, static files are already served from memory with
// their own validators, and /lang sets a cookie.
var uncachedPrefixes = []string{"/healthz", "/static/", "/lang"}

// orderFree are the parameters whose values may come in any order: every
// parser of them (ParseFlowQuery, ParseHostQuery) sorts them, so sorting
// them in the key lets doc=a&doc=b and doc=b&doc=a share an entry.
var orderFree = map[string]bool{"doc": true, "section": true, "proto": true, "port": true, "req": true, "dir": true}

// canonicalQuery returns raw in the canonical form of FlowQuery.URL: keys
// sorted, empty values dropped, the values of order-free parameters sorted,
// the others in their order. Two queries with the same canonical form mean
// the same page, so the cache keys on it and the language switcher links to
// it. ok is false for a query that is not read as written (unparsable) or is
// refused with 400 for its size (checkValues): such a request is not cached,
// lest dropping its empty values make it look like a valid one.
//
// lang is the first value of the lang parameter, as url.Values.Get gives it.
func canonicalQuery(raw string) (q, lang string, ok bool) {
	if raw == "" {
		return "", "", true
	}
	if len(raw) > maxQueryBytes {
		return "", "", false
	}
	v, err := url.ParseQuery(raw)
	if err != nil || checkValues(v) != nil {
		return "", "", false
	}
	lang = v.Get("lang")
	for k, vals := range v {
		kept := vals[:0]
		for _, s := range vals {
			if s != "" {
				kept = append(kept, s)
			}
		}
		switch {
		case len(kept) == 0:
			delete(v, k)
			continue
		case orderFree[k]:
			slices.Sort(kept)
		}
		v[k] = kept
	}
	return v.Encode(), lang, true
}

// canonicalQuery is canonicalQuery, remembered by the response cache if
// there is one.
func (s *Server) canonicalQuery(raw string) (q, lang string, ok bool) {
	if s.cache == nil {
		return canonicalQuery(raw)
	}
	return s.cache.canonicalQuery(raw)
}

// requestURI is the request's path and canonical query q (ok false: the
// query as it came): what the page's links back to itself (the language
// switcher's next=) use, so that every spelling of one query gets the same
// bytes.
func requestURI(r *http.Request, q string, ok bool) string {
	if !ok {
		return r.URL.RequestURI()
	}
	if q == "" {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + q
}

// contentEncoding is the encoding middleware.Compress picks for the request:
// gzip before deflate, matched as it matches them (a substring of the
// lower-cased Accept-Encoding), else none.
func contentEncoding(r *http.Request) string {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return ""
	}
	ae = strings.ToLower(ae)
	switch {
	case strings.Contains(ae, "gzip"):
		return "gzip"
	case strings.Contains(ae, "deflate"):
		return "deflate"
	}
	return ""
}

// cacheKey is what a response depends on: the dataset, where it was asked
// for (scheme and host name the CSV exports' links), the path and canonical
// query, the UI language and whether the URL chose it (links then carry it),
// and the content encoding. ok is false for a request that is not cached.
func (s *Server) cacheKey(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	path := r.URL.Path
	for _, p := range uncachedPrefixes {
		if strings.HasPrefix(path, p) {
			return "", false
		}
	}
	q, param, ok := s.cache.canonicalQuery(r.URL.RawQuery)
	if !ok {
		return "", false
	}
	l, _ := s.chooseLang(catalogue(), r, param) // an explicit ?lang= is part of q
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var b strings.Builder
	b.Grow(len(s.version) + len(r.Host) + len(path) + len(q) + 24)
	for _, part := range []string{s.version, scheme, r.Host, r.URL.EscapedPath(), q, l.Code, contentEncoding(r)} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	return b.String(), true
}

// cacheResponses answers a request from the response cache when it can, and
// otherwise lets the rest of the chain answer it, keeping a complete 200 of
// at most the entry limit for the next request with the same key. Concurrent
// requests for one key wait for the first instead of all rendering it.
func (s *Server) cacheResponses(next http.Handler) http.Handler {
	if s.cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := s.cacheKey(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		c := s.cache
		e, f, leader := c.join(key)
		if e != nil {
			e.serve(w, r)
			return
		}
		if !leader {
			select {
			case <-f.done:
				if f.entry != nil {
					c.hits.Add(1)
					f.entry.serve(w, r)
					return
				}
			case <-r.Context().Done():
				return
			}
		}
		c.misses.Add(1)
		if leader {
			defer func() { c.land(key, f, e) }() // also when the handler panics
		}
		rec := &recorder{w: w, limit: c.maxEntry, failed: new(atomic.Bool)}
		r = r.WithContext(context.WithValue(r.Context(), responseFailedKey{}, rec.failed))
		next.ServeHTTP(rec, r)
		if e = rec.finish(r, key); e != nil && !leader {
			c.put(e)
		}
	})
}

// responseCache keeps complete responses in memory, least recently used
// first out when the total passes maxBytes. It is safe for concurrent use.
type responseCache struct {
	maxBytes, maxEntry int64

	mu      sync.Mutex
	size    int64
	lru     list.List // of *cacheEntry, most recently used first
	entries map[string]*list.Element
	flights map[string]*flight

	hits, misses atomic.Int64

	qmu     sync.Mutex
	queries map[string]canonical // raw query -> canonical form, a memo
}

// canonical is a raw query's canonicalQuery.
type canonical struct {
	query, lang string
	ok          bool
}

// Limits of the memo of canonical queries: parsing and re-encoding a query
// is a good part of what a cached response costs, and most requests repeat
// a query seen before.
const (
	maxMemoQueries  = 4096 // then it starts over
	maxMemoQueryLen = 256  // longer queries are parsed every time
)

// canonicalQuery is canonicalQuery, remembered for short queries.
func (c *responseCache) canonicalQuery(raw string) (q, lang string, ok bool) {
	if raw == "" || len(raw) > maxMemoQueryLen {
		return canonicalQuery(raw)
	}
	c.qmu.Lock()
	cq, hit := c.queries[raw]
	c.qmu.Unlock()
	if hit {
		return cq.query, cq.lang, cq.ok
	}
	cq.query, cq.lang, cq.ok = canonicalQuery(raw)
	c.qmu.Lock()
	if len(c.queries) >= maxMemoQueries {
		clear(c.queries)
	}
	c.queries[raw] = cq
	c.qmu.Unlock()
	return cq.query, cq.lang, cq.ok
}

func newResponseCache(maxBytes, maxEntry int64) *responseCache {
	return &responseCache{maxBytes: maxBytes, maxEntry: min(maxEntry, maxBytes),
		entries: map[string]*list.Element{}, flights: map[string]*flight{}, queries: map[string]canonical{}}
}

// flight is one request rendering a key that others wait for.
type flight struct {
	done  chan struct{}
	entry *cacheEntry // nil: the response was not cacheable
}

// join returns the entry for key if there is one; else the flight rendering
// it, starting one (leader true) if there is none. A leader must land it.
func (c *responseCache) join(key string) (e *cacheEntry, f *flight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.hits.Add(1)
		return el.Value.(*cacheEntry), nil, false
	}
	if f, ok := c.flights[key]; ok {
		return nil, f, false
	}
	f = &flight{done: make(chan struct{})}
	c.flights[key] = f
	return nil, f, true
}

// land ends a flight with its entry (nil if none) and keeps the entry.
func (c *responseCache) land(key string, f *flight, e *cacheEntry) {
	if e != nil {
		c.put(e)
	}
	c.mu.Lock()
	delete(c.flights, key)
	c.mu.Unlock()
	f.entry = e
	close(f.done)
}

// put keeps e, then drops the least recently used entries until the total
// fits.
func (c *responseCache) put(e *cacheEntry) {
	if e.size > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.size -= el.Value.(*cacheEntry).size
		c.lru.Remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.maxBytes {
		el := c.lru.Back()
		old := el.Value.(*cacheEntry)
		c.lru.Remove(el)
		delete(c.entries, old.key)
		c.size -= old.size
	}
}

func (c *responseCache) stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: len(c.entries), Bytes: c.size, Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// cacheEntry is one complete 200 response as the chain sent it.
type cacheEntry struct {
	key         string
	header      http.Header // of the 200
	notModified http.Header // of the 304 answering its ETag
	etag        string
	body        []byte
	size        int64 // body, key and headers, as counted against the limit
}

// entryOverhead approximates an entry's own memory beyond its bytes.
const entryOverhead = 256

// serve writes the entry as the handler did, or the 304 the handler gives
// when If-None-Match names its ETag.
func (e *cacheEntry) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if e.etag != "" && etagMatches(r.Header.Get("If-None-Match"), e.etag) {
		for k, v := range e.notModified {
			h[k] = v
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	for k, v := range e.header {
		h[k] = v
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.body)
}

// recorder passes a response through to w, holding back a 200 of at most
// limit bytes until the handler returns so that it can be kept. A larger
// body is sent on as soon as it passes the limit and streams from then on:
// a big CSV export is never held in memory whole.
type recorder struct {
	w           http.ResponseWriter
	limit       int64
	status      int
	header      http.Header // the headers at WriteHeader, while holding back
	buf         bytes.Buffer
	passthrough bool // writing straight to w
	spoilt      bool // a second status: send it as it is, do not keep it
	failed      *atomic.Bool
}

func (rec *recorder) Header() http.Header { return rec.w.Header() }

func (rec *recorder) WriteHeader(code int) {
	if rec.status != 0 {
		if rec.passthrough {
			rec.w.WriteHeader(code) // let net/http report the superfluous call
		} else {
			rec.spoilt = true // e.g. the recoverer's 500 after a 200
		}
		return
	}
	rec.status = code
	h := rec.w.Header()
	if code != http.StatusOK || h.Get("Set-Cookie") != "" || strings.Contains(h.Get("Cache-Control"), "no-store") {
		rec.passthrough = true
		rec.w.WriteHeader(code)
		return
	}
	rec.header = h.Clone()
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.passthrough {
		return rec.w.Write(p)
	}
	if int64(rec.buf.Len()+len(p)) > rec.limit {
		if err := rec.sendHeld(); err != nil {
			return 0, err
		}
		rec.passthrough = true
		return rec.w.Write(p)
	}
	return rec.buf.Write(p)
}

// Flush sends what is held back only once the response streams: until then
// the body may still be kept whole.
func (rec *recorder) Flush() {
	if !rec.passthrough {
		return
	}
	if f, ok := rec.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.w }

// sendHeld writes the held-back status, headers (as they were at
// WriteHeader) and body to w.
func (rec *recorder) sendHeld() error {
	h := rec.w.Header()
	for k := range h {
		if _, ok := rec.header[k]; !ok {
			delete(h, k)
		}
	}
	for k, v := range rec.header {
		h[k] = v
	}
	rec.w.WriteHeader(rec.status)
	_, err := rec.w.Write(rec.buf.Bytes())
	rec.buf = bytes.Buffer{}
	return err
}

// finish sends a held-back response once the handler has returned, and
// returns it as an entry for key; nil when there was none to keep (an
// error, a 304, a streamed body, nothing written).
func (rec *recorder) finish(r *http.Request, key string) *cacheEntry {
	if rec.status == 0 || rec.passthrough {
		return nil
	}
	body := bytes.Clone(rec.buf.Bytes())
	if err := rec.sendHeld(); err != nil || rec.spoilt || rec.failed.Load() || r.Context().Err() != nil {
		return nil
	}
	e := &cacheEntry{key: key, header: clipHeader(rec.header), body: body,
		etag: rec.header.Get("ETag")}
	e.notModified = notModifiedHeader(e.header)
	e.size = int64(len(body)+len(key)) + headerSize(e.header) + headerSize(e.notModified) + entryOverhead
	return e
}

// notModifiedHeader is the header of the 304 the handlers send for a 200
// with header h: the same, less what describes the body (they answer 304
// before setting it) and the Vary that compression adds to a compressed one.
func notModifiedHeader(h http.Header) http.Header {
	nm := h.Clone()
	for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Length", "Content-Encoding"} {
		delete(nm, k)
	}
	if h.Get("Content-Encoding") != "" {
		vary := nm["Vary"]
		if i := slices.Index(vary, "Accept-Encoding"); i >= 0 {
			vary = slices.Delete(slices.Clone(vary), i, i+1)
		}
		if len(vary) == 0 {
			delete(nm, "Vary")
		} else {
			nm["Vary"] = vary
		}
	}
	return clipHeader(nm)
}

// clipHeader trims every value slice to its length, so that a header map
// that shares them with an entry (serve assigns them) and then adds a value
// gets a copy instead of writing into the entry.
func clipHeader(h http.Header) http.Header {
	for k, v := range h {
		h[k] = slices.Clip(v)
	}
	return h
}

func headerSize(h http.Header) int64 {
	var n int64
	for k, vals := range h {
		for _, v := range vals {
			n += int64(len(k) + len(v) + 16)
		}
	}
	return n
}

// responseFailedKey keys the flag, in a request's context, that an error
// was logged while answering it.
type responseFailedKey struct{}

// failureMarker is the server's log handler: it passes every record on and,
// for an error logged with a request's context, flags that request so that
// its response is not kept. A CSV export that fails once streaming has
// begun can only log the error and stop, with a 200 already on its way; its
// truncated body must not be served again.
type failureMarker struct {
	slog.Handler
}

// Enabled is true for errors even when the wrapped handler drops them, so
// that they are always seen.
func (m failureMarker) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || m.Handler.Enabled(ctx, l)
}

func (m failureMarker) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		if f, ok := ctx.Value(responseFailedKey{}).(*atomic.Bool); ok {
			f.Store(true)
		}
	}
	if !m.Handler.Enabled(ctx, rec.Level) {
		return nil
	}
	return m.Handler.Handle(ctx, rec)
}

func (m failureMarker) WithAttrs(attrs []slog.Attr) slog.Handler {
	return failureMarker{m.Handler.WithAttrs(attrs)}
}

func (m failureMarker) WithGroup(name string) slog.Handler {
	return failureMarker{m.Handler.WithGroup(name)}
}
