package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/portolan/portolan/web/httpcache"
)

// cacheControl lets browsers and proxies reuse a page for a minute and then
// revalidate it with its ETag: the data only changes when it is re-ingested.
const cacheControl = "public, max-age=60"

// render renders c into a buffer and sends it as HTML: nothing is written if
// rendering fails, so an error still gets a clean error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c templ.Component) error {
	buf := s.buffer()
	defer s.bufs.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	return s.send(w, r, "text/html; charset=utf-8", buf.Bytes())
}

// json sends v as JSON, HTML characters left as they are.
func (s *Server) json(w http.ResponseWriter, r *http.Request, v any) error {
	buf := s.buffer()
	defer s.bufs.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return s.send(w, r, "application/json; charset=utf-8", buf.Bytes())
}

// buffer returns an empty buffer to render a response into, for s.bufs once
// it is sent (a ResponseWriter keeps none of what it is given): a page is
// rendered into memory that earlier pages grew, not into a buffer growing
// from nothing each time. A buffer grown past maxPooledBuffer is dropped.
func (s *Server) buffer() *bytes.Buffer {
	b, _ := s.bufs.Get().(*bytes.Buffer)
	if b == nil || b.Cap() > maxPooledBuffer {
		return new(bytes.Buffer)
	}
	b.Reset()
	return b
}

// maxPooledBuffer is the largest buffer buffer reuses.
const maxPooledBuffer = 1 << 20

// send writes a complete 200 response with an ETag derived from the dataset
// version, the UI language and the body, answering 304 when the client already
// has it.
func (s *Server) send(w http.ResponseWriter, r *http.Request, contentType string, body []byte) error {
	return s.sendStatus(w, r, http.StatusOK, contentType, body)
}

// sendStatus is send with another status than 200 (410 for a removed flow).
func (s *Server) sendStatus(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) error {
	version, err := s.datasetVersion(r.Context())
	if err != nil {
		return err
	}
	if notModified(w, r, bodyETag(version, uiLang(r.Context()), body)) {
		return nil
	}
	w.Header().Set("Content-Type", contentType)
	// The length lets net/http send the body as it is rather than in
	// chunks (compression drops it for a compressed body).
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// bodyETag is the ETag of a body of the dataset version in the UI language
// lang: two CRC-32 checksums of the three, Castagnoli's and IEEE's, 64 bits
// that change whenever any of them does. The processor computes both (SSE
// 4.2, PCLMULQDQ) at about a tenth of SHA-256's cost, which was 4% of an
// uncached page's; an ETag only has to tell one response to a URL from
// another, with no adversary to guard against.
func bodyETag(version, lang string, body []byte) string {
	var c, i uint32
	for _, p := range [][]byte{[]byte(version), {0}, []byte(lang), {0}, body} {
		c = crc32.Update(c, castagnoli, p)
		i = crc32.Update(i, crc32.IEEETable, p)
	}
	var sum [8]byte
	binary.BigEndian.PutUint32(sum[:4], c)
	binary.BigEndian.PutUint32(sum[4:], i)
	return `W/"` + hex.EncodeToString(sum[:]) + `"`
}

// castagnoli is the table of the Castagnoli polynomial, which crc32 computes
// with the processor's CRC32 instruction.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// streamETag is the ETag of a streamed response, which cannot hash its body
// before sending it: the dataset version and the request URL (its query in
// canonical form) decide the bytes, since every export is deterministic, and
// the UI language names the CSV header row.
func (s *Server) streamETag(r *http.Request, kind string) (string, error) {
	version, err := s.datasetVersion(r.Context())
	if err != nil {
		return "", err
	}
	query, _, ok := s.canonicalQuery(r.URL.Path, r.URL.RawQuery)
	if !ok {
		query = r.URL.RawQuery
	}
	h := sha256.New()
	for _, p := range []string{version, kind, uiLang(r.Context()), r.URL.Path, query} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return `W/"` + hex.EncodeToString(h.Sum(nil))[:24] + `"`, nil
}

// notModified sets ETag and Cache-Control and, when the request's If-None-Match
// names etag, answers 304 and reports true.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cacheControl)
	if httpcache.ETagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// classAttr is a class attribute of the class names as given: templ's own
// class={ ... } builds two maps for each element it writes, to order and
// dedupe the names.
func classAttr(names string) templ.OrderedAttributes {
	return templ.OrderedAttributes{{Key: "class", Value: names}}
}

// navClass is the class of a link of the navigation bar: "on" for the
// page's section.
func navClass(on bool) string {
	if on {
		return "on"
	}
	return ""
}
