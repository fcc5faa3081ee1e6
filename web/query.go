package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/store"
	"golang.org/x/text/width"
)

// Limits on query parameters: anything larger is refused with 400 before it
// reaches the store.
const (
	maxQueryBytes  = 4096 // the whole raw query string
	maxValueBytes  = 200  // one value of one parameter
	maxValues      = 32   // values of one repeatable parameter
	maxPage        = 100000
	maxLimit       = 1000
	defaultLimit   = 100
	maxOffset      = 1000000
	flowsPageLimit = 50 // rows per page of /flows
)

// FlowQuery is a flow listing as the URL asks for it, validated: the filter
// (data/filter, shared with the search syntax and the store), the text to
// search, and how to page and sort. The HTML page, the CSV export and the
// JSON API all parse their parameters into it, so a filter means the same
// everywhere and a link built with URL reproduces the view.
type FlowQuery struct {
	Filter filter.Filter
	Text   string // q: words anywhere in the flow, and filters in the search syntax
	Sort   string // sort: "" (document order) or "port"
	Page   int    // page: 1-based page of the HTML listing; 0 means 1
	Limit  int    // limit: API page size; 0 means the default
	Offset int    // offset: API rows to skip
}

// ParseFlowQuery validates the query parameters of /flows, /flows.csv and
// /api/v1/flows. Its errors are bad-request errors naming the parameter at fault.
// Unknown parameters are ignored; empty values are treated as absent, as a form
// with an empty field sends them.
func ParseFlowQuery(v url.Values) (FlowQuery, error) {
	var q FlowQuery
	var err error
	if q.Text, q.Filter, err = parseListing(v); err != nil {
		return q, err
	}
	sortBy, err := single(v, "sort")
	if err != nil {
		return q, err
	}
	switch strings.ToLower(sortBy) {
	case "", "doc":
	case "port":
		q.Sort = "port"
	default:
		return q, badRequest("sort: %q is not a sort order (use doc or port)", sortBy)
	}
	if q.Page, err = intParam(v, "page", 1, maxPage); err != nil {
		return q, err
	}
	if q.Page == 1 {
		q.Page = 0
	}
	if q.Limit, err = intParam(v, "limit", 1, maxLimit); err != nil {
		return q, err
	}
	if q.Offset, err = intParam(v, "offset", 0, maxOffset); err != nil {
		return q, err
	}
	// The canonical form can be longer than the query as sent (port=80,443
	// becomes port=80&port=443, a "/" sent as is is escaped): refuse a view
	// whose own link would be refused.
	if len(q.Encode()) > maxQueryBytes {
		return q, badRequest("query string longer than %d bytes", maxQueryBytes)
	}
	return q, nil
}

// parseListing reads what every listing takes, flows and hosts alike, once
// the parameters pass checkValues: the text q and the filter.
func parseListing(v url.Values) (text string, f filter.Filter, err error) {
	if err := checkValues(v); err != nil {
		return "", f, err
	}
	if text, err = single(v, "q"); err != nil {
		return "", f, err
	}
	f, err = parseFilter(v)
	return text, f, err
}

// parseFilter is filter.Parse with its refusal a 400.
func parseFilter(v url.Values) (filter.Filter, error) {
	f, err := filter.Parse(v)
	var fe *filter.Error
	if errors.As(err, &fe) {
		return f, badRequest(fe.Format, fe.Args...)
	}
	return f, err
}

// queryOf parses the request's query string. A malformed one (a bad %
// escape such as %zz, a ';' separator) is a 400 naming what is wrong, not
// parameters silently dropped.
func queryOf(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("query string: %s", clipText(err.Error(), 80))
	}
	return v, nil
}

func clipText(s string, n int) string { return data.Clip(s, n, "…") }

// hiddenRune reports whether r is a character that must not reach a page, a
// CSV cell or a log line from a request: a C0 control other than tab, DEL,
// or a bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069),
// which reorders how the text around it shows ("Trojan Source").
func hiddenRune(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// visible replaces each hidden character (hiddenRune) of s with U+FFFD, for
// showing back a value that was refused for holding one.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if hiddenRune(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// checkValues refuses oversized, repeated-too-often or non-UTF-8 parameters,
// and those holding a hidden character (hiddenRune).
// The size counted is that of the query string k=v&k=v... unescaped, so it is
// never more than the length of the escaped query string.
func checkValues(v url.Values) error {
	n := -1 // no '&' before the first pair
	for k, vals := range v {
		if len(k) > maxValueBytes || !utf8.ValidString(k) {
			return badRequest("parameter name too long or not UTF-8")
		}
		if strings.ContainsFunc(k, hiddenRune) {
			return badRequest("a parameter name holds a control character")
		}
		if len(vals) > maxValues {
			return badRequest("%s: more than %d values", k, maxValues)
		}
		for _, s := range vals {
			n += len(k) + len(s) + 2
			if len(s) > maxValueBytes {
				return badRequest("%s: longer than %d bytes", k, maxValueBytes)
			}
			if !utf8.ValidString(s) {
				return badRequest("%s: not valid UTF-8", k)
			}
			if i := strings.IndexFunc(s, hiddenRune); i >= 0 {
				r, _ := utf8.DecodeRuneInString(s[i:])
				return badRequest("%s: holds the control character %U", k, r)
			}
		}
	}
	if n > maxQueryBytes {
		return badRequest("query string longer than %d bytes", maxQueryBytes)
	}
	return nil
}

// single returns the one value of a parameter that may be given once.
func single(v url.Values, key string) (string, error) {
	vals := values(v, key)
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return vals[0], nil
	}
	return "", badRequest("%s: given %d times, give it once", key, len(vals))
}

// values returns the non-empty, trimmed values of a parameter.
func values(v url.Values, key string) []string {
	var out []string
	for _, s := range v[key] {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func intParam(v url.Values, key string, lo, hi int) (int, error) {
	s, err := single(v, key)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(width.Fold.String(s))
	if err != nil {
		return 0, badRequest("%s: %q is not a number", key, s)
	}
	if n < lo || n > hi {
		return 0, badRequest("%s: %d is out of range %d-%d", key, n, lo, hi)
	}
	return n, nil
}

// FlowFilter is the store's filter of q, without its text searched (see
// Server.filter) and without limit or offset.
func (q FlowQuery) FlowFilter() store.FlowFilter {
	return store.FlowFilter{Filter: q.Filter, Text: q.Text, Sort: cmp.Or(q.Sort, "doc")}
}

// PageNumber returns the 1-based page of the HTML listing.
func (q FlowQuery) PageNumber() int { return max(q.Page, 1) }

// Values returns the query as URL parameters, values sorted, defaults left out:
// the canonical form of the view. Limit and offset are kept so API links
// round-trip.
func (q FlowQuery) Values() url.Values {
	v := q.Filter.Values()
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}

// Encode returns the canonical query string (without "?"): parsing it gives
// back the same FlowQuery. It is q.Values().Encode(), written without
// building the map: a listing writes a few hundred of these links.
func (q FlowQuery) Encode() string {
	var b strings.Builder
	for _, p := range queryParams() {
		var one string
		var vals []string
		switch {
		case p.field != nil && p.excluded:
			vals = q.Filter.Out(p.field.Key)
		case p.field != nil:
			vals = q.Filter.In(p.field.Key)
		case p.key == "q":
			one = q.Text
		case p.key == "sort":
			one = q.Sort
		case p.key == "page" && q.Page > 1:
			one = strconv.Itoa(q.Page)
		case p.key == "limit" && q.Limit > 0:
			one = strconv.Itoa(q.Limit)
		case p.key == "offset" && q.Offset > 0:
			one = strconv.Itoa(q.Offset)
		}
		if one != "" {
			vals = []string{one}
		}
		for _, v := range vals {
			if p.field != nil && p.field.Upper {
				v = strings.ToLower(v)
			}
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(p.escaped)
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// toggler makes the links of FlowQuery.Toggle and ToggleOut for the values
// of one filter the query has no value of, without copying the filter and
// encoding all of it for each: such a link is the query's own parameters
// with one "key=value" (or "-key=value") among them.
type toggler struct {
	path     string
	key      string
	field    *filter.Field
	around   [2][2]string // for key and -key: the parameters before and after it
	fallback FlowQuery    // the query, when it has values of key
	fast     bool
}

// toggler returns the toggler of key's values for q's links to path.
func (q FlowQuery) toggler(path, key string) toggler {
	t := toggler{path: path, key: key, fallback: q}
	fd, ok := filter.Lookup(key)
	if !ok || fd.Key != key || len(q.Filter.In(key)) > 0 || len(q.Filter.Out(key)) > 0 {
		return t
	}
	t.field, t.fast = fd, true
	q.Page, q.Offset = 0, 0
	e := q.Encode()
	for i, param := range []string{key, "-" + key} {
		t.around[i][0], t.around[i][1] = encodeAround(e, param)
	}
	return t
}

// URL is q.Toggle(key, value).URL(path) or, with out, ToggleOut's.
func (t toggler) URL(value string, out bool) string {
	if !t.fast {
		if out {
			return t.fallback.ToggleOut(t.key, value).URL(t.path)
		}
		return t.fallback.Toggle(t.key, value).URL(t.path)
	}
	i, param := 0, t.field.Key
	if out {
		i, param = 1, "-"+t.field.Key
	}
	if t.field.Upper {
		value = strings.ToLower(value)
	}
	var b strings.Builder
	before, after := t.around[i][0], t.around[i][1]
	b.Grow(len(t.path) + len(before) + len(after) + len(param) + len(value) + 8)
	b.WriteString(t.path)
	b.WriteByte('?')
	if before != "" {
		b.WriteString(before)
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(param))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(value))
	if after != "" {
		b.WriteByte('&')
		b.WriteString(after)
	}
	return b.String()
}

// encodeAround is an Encode, e, in two parts: the parameters that come
// before the parameter param and those after it (param itself left out).
func encodeAround(e, param string) (before, after string) {
	if e == "" {
		return "", ""
	}
	for _, kv := range strings.Split(e, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err == nil && k < param {
			before += "&" + kv
		} else if k != param {
			after += "&" + kv
		}
	}
	return strings.TrimPrefix(before, "&"), strings.TrimPrefix(after, "&")
}

// queryParam is a parameter Encode may write: a filter's (its field, and
// whether it excludes) or one of FlowQuery's own.
type queryParam struct {
	key, escaped string
	field        *filter.Field
	excluded     bool
}

// queryParams are the parameters Encode writes, in the order
// url.Values.Encode writes them: by key.
var queryParams = sync.OnceValue(func() []queryParam {
	var ps []queryParam
	for i := range filter.Fields {
		fd := &filter.Fields[i]
		ps = append(ps, queryParam{key: fd.Key, field: fd}, queryParam{key: "-" + fd.Key, field: fd, excluded: true})
	}
	for _, k := range []string{"q", "sort", "page", "limit", "offset"} {
		ps = append(ps, queryParam{key: k})
	}
	slices.SortFunc(ps, func(a, b queryParam) int { return strings.Compare(a.key, b.key) })
	for i := range ps {
		ps[i].escaped = url.QueryEscape(ps[i].key)
	}
	return ps
})

// URL returns path with the canonical query string appended, if any.
func (q FlowQuery) URL(path string) string {
	if e := q.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// IsZero reports whether the query filters nothing.
func (q FlowQuery) IsZero() bool { return q.Text == "" && q.Filter.IsZero() }

// Toggle returns a copy of the query with value of a filter switched on or
// off, back on the first page: the link behind a facet.
func (q FlowQuery) Toggle(key, value string) FlowQuery {
	q.Page, q.Offset = 0, 0
	q.Filter = q.Filter.Toggle(key, value)
	return q
}

// ToggleOut returns a copy of the query with value of a filter excluded, or
// no longer excluded, back on the first page: a facet's "leave out" link.
func (q FlowQuery) ToggleOut(key, value string) FlowQuery {
	q.Page, q.Offset = 0, 0
	q.Filter = q.Filter.ToggleOut(key, value)
	return q
}

// WithPage returns a copy of the query showing page n.
func (q FlowQuery) WithPage(n int) FlowQuery {
	q.Page = n
	if n <= 1 {
		q.Page = 0
	}
	return q
}

// WithSort returns a copy of the query sorted by "doc" or "port", on page 1.
func (q FlowQuery) WithSort(by string) FlowQuery {
	q.Page = 0
	q.Sort = ""
	if by == "port" {
		q.Sort = "port"
	}
	return q
}

// Without returns a copy of the query with whole filters removed ("q" or a
// filter's key), on page 1.
func (q FlowQuery) Without(keys ...string) FlowQuery {
	q.Page = 0
	for _, k := range keys {
		if k == "q" {
			q.Text = ""
		}
	}
	q.Filter = q.Filter.Without(keys...)
	return q
}

// FileName returns a CSV file name that says what was filtered:
// "portolan-flows-citrix-tcp-443.csv". Only ASCII letters, digits and dashes.
func (q FlowQuery) FileName() string {
	parts := []string{"portolan", "flows"}
	q.Filter.Each(func(key string, excluded bool, value string) {
		switch {
		case excluded:
			parts = append(parts, "not", value)
		case key == "src":
			parts = append(parts, "from", value)
		case key == "dst":
			parts = append(parts, "to", value)
		default:
			parts = append(parts, value)
		}
	})
	if q.Text != "" {
		parts = append(parts, q.Text)
	}
	return fileSlug(strings.Join(parts, "-"), 120) + ".csv"
}

// fileSlug keeps ASCII letters and digits, lower-cased, joined by single dashes,
// at most n bytes.
func fileSlug(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		} else {
			dash = true
		}
		if b.Len() >= n {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}
