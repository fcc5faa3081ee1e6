// Package httpcache keeps complete HTTP responses in memory and answers
// repeated requests from them: a middleware with an explicit key function,
// and an explicit signal (DontStore) by which a handler says that what it
// sent must not be served again.
//
// It keeps only complete 200 responses of at most the entry limit, sent
// without Set-Cookie or Cache-Control: no-store; a larger body streams on
// and is not kept. It keeps a response only once its key has been asked
// for again: the first request of a key is remembered, not kept, so that
// one-off requests (a crawler, every search typed once) neither pay for
// keeping their pages nor push out the pages asked for again and again.
// Concurrent requests for one key wait for the first instead of all
// rendering it, and its response is then kept; the response to a key asked
// for the first time that nobody waits for by the time it starts goes
// straight through, neither held back nor copied.
package httpcache

import (
	"bytes"
	"container/list"
	"context"
	"hash/maphash"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// KeyFunc says what a request's response depends on: two requests with the
// same key get the same bytes. ok false: the request is not cached at all.
type KeyFunc func(r *http.Request) (key string, ok bool)

// Stats says what a cache holds and how it has done.
type Stats struct {
	Entries int   // responses kept
	Bytes   int64 // their size as counted against the limit
	Hits    int64 // requests answered from the cache
	Misses  int64 // cacheable requests the handler had to answer
}

// dontStoreKey keys, in a request's context, the flag DontStore sets.
type dontStoreKey struct{}

// DontStore tells the cache not to keep the response to the request whose
// context ctx is: say a CSV export failed once streaming had begun, with a
// 200 already on its way, and its truncated body must not be served again.
// Outside a cached request it does nothing.
func DontStore(ctx context.Context) {
	if f, ok := ctx.Value(dontStoreKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
}

// Handler answers a request from c when it can, and otherwise lets next
// answer it, keeping a complete 200 of at most the entry limit for the next
// request with the same key when the key was asked for before (or others
// waited for this response). A nil c returns next itself.
func (c *Cache) Handler(key KeyFunc, next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := key(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		e, f, leader := c.join(k)
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
		rec := &recorder{w: w, limit: c.maxEntry, dontStore: new(atomic.Bool)}
		if leader {
			// A key asked for the first time is not kept unless others
			// wait for it by the time its response starts: otherwise
			// the response goes straight through, not held or copied.
			rec.wanted = func() bool { return c.wanted(f) }
			// The flight lands before a byte reaches the client: once
			// the response is known to be one that is not kept (it
			// streams), or once it is complete. A client slow to take
			// it, or one whose declared body never comes (net/http
			// reads it before the first write), holds only itself.
			landed := false
			rec.land = func(e *cacheEntry) {
				if !landed {
					landed = true
					c.land(k, f, e)
				}
			}
			defer rec.land(nil) // also when the handler panics
		}
		r = r.WithContext(context.WithValue(r.Context(), dontStoreKey{}, rec.dontStore))
		next.ServeHTTP(rec, r)
		e = rec.entry(r, k)
		switch {
		case rec.land != nil:
			rec.land(e)
		case e != nil:
			c.put(e)
		}
		rec.send()
	})
}

// ETagMatches applies the weak comparison of RFC 9110 section 13.1.2 to an
// If-None-Match header and an ETag.
func ETagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// Cache keeps complete responses in memory, least recently used first out
// when the total passes its byte limit. It is safe for concurrent use; a nil
// *Cache is a cache that is off.
type Cache struct {
	maxBytes, maxEntry int64

	mu      sync.Mutex
	size    int64
	lru     list.List // of *cacheEntry, most recently used first
	entries map[string]*list.Element
	flights map[string]*flight
	// asked remembers keys asked for once: the hash of a key in slot
	// hash % len(asked), a later key of the same slot taking its place.
	asked []uint64
	seed  maphash.Seed

	hits, misses atomic.Int64
}

// New returns a cache of at most maxBytes for all responses together, as
// the memory they hold (bodies, keys, headers and Go's structures around
// them), and of bodies of at most maxEntryBytes; nil (no cache: Handler passes every request on) if
// either is zero or less.
func New(maxBytes, maxEntryBytes int64) *Cache {
	if maxBytes <= 0 || maxEntryBytes <= 0 {
		return nil
	}
	return &Cache{maxBytes: maxBytes, maxEntry: min(maxEntryBytes, maxBytes),
		entries: map[string]*list.Element{}, flights: map[string]*flight{},
		asked: make([]uint64, askedSlots), seed: maphash.MakeSeed()}
}

// askedSlots is how many keys asked for once the cache remembers, at most
// (8 bytes each): a key asked for again within about as many other keys
// is kept.
const askedSlots = 1 << 16

// flight is one request rendering a key that others wait for.
type flight struct {
	done  chan struct{}
	entry *cacheEntry // nil: the response was not cacheable
	// Under the cache's lock: whether the key was asked for before the
	// flight began, and whether another request has joined it.
	askedBefore, joined bool
}

// wanted reports whether the response of f's key is to be kept: its key
// was asked for before, or another request is waiting for it.
func (c *Cache) wanted(f *flight) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return f.askedBefore || f.joined
}

// askedBefore reports whether key was asked for since the cache last
// remembered another key in its slot, and remembers it. Under c.mu.
func (c *Cache) askedBefore(key string) bool {
	h := maphash.String(c.seed, key) | 1 // never the empty slot's 0
	i := h % uint64(len(c.asked))
	if c.asked[i] == h {
		return true
	}
	c.asked[i] = h
	return false
}

// join returns the entry for key if there is one; else the flight rendering
// it, starting one (leader true) if there is none. A leader must land it.
func (c *Cache) join(key string) (e *cacheEntry, f *flight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.hits.Add(1)
		return el.Value.(*cacheEntry), nil, false
	}
	if f, ok := c.flights[key]; ok {
		f.joined = true
		return nil, f, false
	}
	f = &flight{done: make(chan struct{}), askedBefore: c.askedBefore(key)}
	c.flights[key] = f
	return nil, f, true
}

// land ends a flight with its entry (nil if none) and keeps the entry.
func (c *Cache) land(key string, f *flight, e *cacheEntry) {
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
func (c *Cache) put(e *cacheEntry) {
	if int64(len(e.body)) > c.maxEntry || e.size > c.maxBytes {
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

// Stats reports what the cache holds and how it has done; all zero for a
// nil Cache.
func (c *Cache) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: len(c.entries), Bytes: c.size, Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// cacheEntry is one complete 200 response as the chain sent it.
type cacheEntry struct {
	key         string
	header      http.Header // of the 200
	notModified http.Header // of the 304 answering its ETag
	etag        string
	body        []byte
	size        int64 // the memory it holds, as counted against the limit (entrySize)
}

// serve writes the entry as the handler did, or the 304 the handler gives
// when If-None-Match names its ETag.
func (e *cacheEntry) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if e.etag != "" && ETagMatches(r.Header.Get("If-None-Match"), e.etag) {
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
	dontStore   *atomic.Bool
	// land, for the request leading a flight, ends it with the entry to
	// keep (nil: none); called before anything is sent.
	land func(*cacheEntry)
	// wanted, for the request leading a flight, says at WriteHeader
	// whether its response is to be kept (nil: it is).
	wanted func() bool
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
	if code != http.StatusOK || h.Get("Set-Cookie") != "" || strings.Contains(h.Get("Cache-Control"), "no-store") ||
		(rec.wanted != nil && !rec.wanted()) {
		rec.stream()
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
		rec.stream()
		if err := rec.sendHeld(); err != nil {
			return 0, err
		}
		return rec.w.Write(p)
	}
	if rec.buf.Cap() == 0 {
		// Most handlers write their body at once: hold it in as much,
		// copied into memory that is not cleared first (as Grow's is).
		rec.buf = *bytes.NewBuffer(slices.Clone(p))
		return len(p), nil
	}
	return rec.buf.Write(p)
}

// stream makes the response go straight to the client from now on, and so
// not be kept: the flight it leads, if any, lands with nothing, and those
// waiting on it render their own.
func (rec *recorder) stream() {
	rec.passthrough = true
	if rec.land != nil {
		rec.land(nil)
	}
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

// entry returns the held-back response, once the handler has returned, as
// an entry for key; nil when there is none to keep (an error, a 304, a
// streamed body, nothing written, a request cancelled). It sends nothing.
func (rec *recorder) entry(r *http.Request, key string) *cacheEntry {
	if rec.status == 0 || rec.passthrough || rec.spoilt || rec.dontStore.Load() || r.Context().Err() != nil {
		return nil
	}
	// The entry keeps the held-back bytes as they are (they are only read
	// from now on) unless the buffer grew well past them.
	body := rec.buf.Bytes()
	if cap(body)-len(body) > len(body)/8+64 {
		body = bytes.Clone(body)
	}
	// rec.header is the recorder's own copy, only read from now on.
	e := &cacheEntry{key: key, header: clipHeader(rec.header), body: body,
		etag: rec.header.Get("ETag")}
	e.notModified = notModifiedHeader(e.header)
	e.size = entrySize(e)
	return e
}

// send writes a held-back response to the client, once the handler has
// returned.
func (rec *recorder) send() {
	if rec.status != 0 && !rec.passthrough {
		_ = rec.sendHeld() // a client gone; nothing to tell it
	}
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

// The memory an entry holds, counted against the cache's limit: its bytes
// and Go's own structures around them, rounded up as the allocator does, so
// that a cache of N bytes keeps the live heap within about N bytes more (the
// test measures it). Go's maps are the part easily forgotten: two header
// maps of a dozen keys take more than a small JSON body.
const (
	// Per entry: the cacheEntry, its list.Element, and its slot in the
	// entries map (key header, pointer, control byte, room to grow).
	entryFixed = int64(unsafe.Sizeof(cacheEntry{})) + int64(unsafe.Sizeof(list.Element{})) + 64
	// A map's header and, past eight keys, its table and directory.
	mapFixed = 48
	mapTable = 64
	// A map slot of a string key and a []string value, with its control
	// byte; maps grow by doubling at 7/8 full.
	headerSlot = 16 + 24 + 1
)

// entrySize is what e holds in memory.
func entrySize(e *cacheEntry) int64 {
	n := entryFixed + allocSize(len(e.key)) + allocSize(cap(e.body))
	// The values' strings are shared between the two maps (Clone copies
	// the slices, not the strings); count them once.
	n += headerSize(e.header, true) + headerSize(e.notModified, false)
	return n
}

// headerSize is the memory of h's map and value slices, and with strings
// also of its keys and values.
func headerSize(h http.Header, strs bool) int64 {
	if h == nil {
		return 0
	}
	slots := 8
	for slots*7/8 < len(h) {
		slots *= 2
	}
	n := int64(mapFixed + slots*headerSlot)
	if slots > 8 {
		n += mapTable
	}
	for k, vals := range h {
		n += allocSize(16 * cap(vals))
		if strs {
			n += allocSize(len(k))
			for _, v := range vals {
				n += allocSize(len(v))
			}
		}
	}
	return n
}

// allocSize is what the allocator takes for an object of n bytes: small
// objects are rounded up to a size class (up to an eighth more, and to 16
// bytes at least); large ones to whole 8 KiB pages.
func allocSize(n int) int64 {
	switch {
	case n == 0:
		return 0
	case n <= 16:
		return 16
	case n <= 32<<10:
		return int64(n + n/8)
	default:
		return int64((n + 8<<10 - 1) &^ (8<<10 - 1))
	}
}
