// Package fetch gets a vendor's page over HTTP(S) for `portolan ingest URL`
// and `portolan refresh`: bounded in time, size and redirects, checked to be
// text, decoded to UTF-8, and conditional on the validators (ETag,
// Last-Modified) of the version fetched before, so an unchanged page costs a
// 304 and no download.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Defaults of a Client's limits.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 8 << 20
	DefaultMaxRedirects = 5
)

// Client fetches pages. The zero value uses the defaults above and
// http.DefaultTransport.
type Client struct {
	// Transport makes the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds a whole fetch, redirects and body included.
	Timeout time.Duration
	// MaxBytes bounds the body, after decompression.
	MaxBytes int64
	// MaxRedirects bounds the redirects followed.
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
}

// Validators are what a server said about the version fetched before; sent
// back, they let it answer 304 Not Modified.
type Validators struct {
	ETag         string
	LastModified string
}

// Page is a fetched page.
type Page struct {
	URL         string     // the URL asked for
	FinalURL    string     // where redirects ended
	NotModified bool       // the server answered 304: Body is empty
	Body        []byte     // the page as UTF-8
	ContentType string     // the media type, without parameters: "text/html"
	Validators  Validators // for the next conditional request
	Fetched     time.Time
}

// Error is a fetch that failed, saying why in words an operator can act on.
type Error struct {
	URL    string
	Reason string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string { return "fetch " + e.URL + ": " + e.Reason }

func (e *Error) Unwrap() error { return e.Err }

// textTypes are the media types a document can be read from.
var textTypes = []string{"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown", "text/csv", "text/tab-separated-values"}

// Get fetches rawURL, conditionally on prev when it has validators.
func (c *Client) Get(ctx context.Context, rawURL string, prev Validators) (*Page, error) {
	fail := func(reason string, err error) (*Page, error) {
		return nil, &Error{URL: rawURL, Reason: reason, Err: err}
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("not an http or https URL", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxBytes := c.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxRedirects := c.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = DefaultMaxRedirects
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hc := &http.Client{
		Transport: c.Transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirected to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail("bad request", err)
	}
	req.Header.Set("Accept", "text/html, text/markdown, text/plain;q=0.9, text/csv;q=0.8, */*;q=0.1")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(fmt.Sprintf("no answer within %s", timeout), err)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err.Error(), err)
	}
	defer resp.Body.Close()
	page := &Page{URL: rawURL, FinalURL: resp.Request.URL.String(), Fetched: time.Now().UTC(),
		Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		page.NotModified = true
		if page.Validators == (Validators{}) {
			page.Validators = prev
		}
		return page, nil
	case resp.StatusCode != http.StatusOK:
		return fail(fmt.Sprintf("the server answered %s", resp.Status), nil)
	}
	if resp.ContentLength > maxBytes {
		return fail(fmt.Sprintf("the page is %d bytes, more than the limit of %d bytes", resp.ContentLength, maxBytes), nil)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	if err != nil {
		return fail(fmt.Sprintf("unreadable Content-Type %q", ct), err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(fmt.Sprintf("the page did not arrive within %s", timeout), err)
		}
		return fail("reading the page: "+err.Error(), err)
	}
	if int64(len(body)) > maxBytes {
		return fail(fmt.Sprintf("the page is more than the limit of %d bytes", maxBytes), nil)
	}
	if mt == "" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	if !isText(mt) {
		return fail(fmt.Sprintf("the page is %s, not a text, HTML, Markdown or CSV document", mt), nil)
	}
	page.ContentType = mt
	// Decode to UTF-8 from the charset the header, a byte order mark or an
	// HTML meta tag names (Shift_JIS, GB18030, ...).
	r, err := charset.NewReader(bytes.NewReader(body), ct)
	if err != nil {
		return fail("unknown character set in "+ct, err)
	}
	if page.Body, err = io.ReadAll(r); err != nil {
		return fail("decoding the page: "+err.Error(), err)
	}
	return page, nil
}

func isText(mt string) bool {
	for _, t := range textTypes {
		if mt == t {
			return true
		}
	}
	return strings.HasPrefix(mt, "text/") && mt != "text/javascript" && mt != "text/css"
}
