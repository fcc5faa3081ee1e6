package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/web/httpcache"
)

// Limits of the response cache.
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

// CacheStats reports the response cache's state; all zero when it is off.
func (s *Server) CacheStats() httpcache.Stats {
	return s.cache.Stats()
}

// uncachedPrefixes are paths never cached: the health check must ask the
// database every time, static files are already served from memory with
// their own validators, and /lang sets a cookie.
var uncachedPrefixes = []string{"/healthz", "/static/", "/lang"}

// filterPaths are the paths whose query is a filter (ParseFlowQuery,
// ParseHostQuery) besides /ports/{port}: their filter parameters are read
// into one filter.Filter, so any spelling of a filter (proto=tcp,udp,
// proto=udp&proto=tcp, proto=TCP,UDP) gives the same response as its
// canonical form, Filter.Encode. /change is not among them: it answers a
// query not in its canonical form with a redirect to it.
var filterPaths = map[string]bool{
	"/flows": true, "/flows.csv": true, "/api/v1/flows": true,
	"/hosts": true, "/hosts.csv": true, "/api/v1/hosts": true,
}

// filtered reports whether path's query is a filter (see filterPaths).
func filtered(path string) bool { return filterPaths[path] || strings.HasPrefix(path, "/ports/") }

// canonicalQuery returns raw in canonical form: keys sorted, empty values
// dropped, and, on a path whose query is a filter (filtered), the filter's
// parameters as Filter.Encode writes them; other values in their order. Two
// queries with the same canonical form mean the same response, so the cache
// keys on it, the language switcher links to it and ETags hash it. ok is
// false for a query that is not read as written (unparsable), is refused
// with 400 for its size (checkValues) or holds a filter refused with 400:
// such a request is not cached, lest dropping its empty values make it look
// like a valid one.
//
// lang is the first value of the lang parameter, as url.Values.Get gives it.
func canonicalQuery(path, raw string) (q, lang string, ok bool) {
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
	out := url.Values{}
	isFilter := filtered(path)
	if isFilter {
		f, err := filter.Parse(v)
		if err != nil {
			return "", "", false
		}
		out = f.Values()
	}
	for k, vals := range v {
		if isFilter && filter.IsParam(k) {
			continue
		}
		for _, s := range vals {
			if s != "" {
				out[k] = append(out[k], s)
			}
		}
	}
	return out.Encode(), lang, true
}

// canonicalQuery is canonicalQuery, remembered.
func (s *Server) canonicalQuery(path, raw string) (q, lang string, ok bool) {
	return s.queries.canonicalQuery(path, raw)
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
	q, param, ok := s.canonicalQuery(path, r.URL.RawQuery)
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

// queryMemo remembers the canonical forms of the queries seen last. It is
// safe for concurrent use.
type queryMemo struct {
	mu      sync.Mutex
	queries map[string]canonical // "f" (a filter path) or "-", then the raw query -> canonical form
}

// canonicalQuery is canonicalQuery, remembered for short queries.
func (c *queryMemo) canonicalQuery(path, raw string) (q, lang string, ok bool) {
	if raw == "" || len(raw) > maxMemoQueryLen {
		return canonicalQuery(path, raw)
	}
	key := "-" + raw // the canonical form depends on the path only through filtered
	if filtered(path) {
		key = "f" + raw
	}
	c.mu.Lock()
	cq, hit := c.queries[key]
	c.mu.Unlock()
	if hit {
		return cq.query, cq.lang, cq.ok
	}
	cq.query, cq.lang, cq.ok = canonicalQuery(path, raw)
	c.mu.Lock()
	if c.queries == nil || len(c.queries) >= maxMemoQueries {
		c.queries = map[string]canonical{}
	}
	c.queries[key] = cq
	c.mu.Unlock()
	return cq.query, cq.lang, cq.ok
}
