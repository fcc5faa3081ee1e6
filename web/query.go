package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/store"
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

// knownProtocols are the values proto= accepts: the transports the extractor
// maps every row to, and the other IP protocols a port table may name.
var knownProtocols = []string{"TCP", "UDP", "ICMP", "ICMPV6", "SCTP", "GRE", "ESP", "AH"}

// requirementValues and directionValues are what req= and dir= accept; "none"
// selects flows whose document states no requirement (or direction).
var (
	requirementValues = []string{data.Required, data.Recommended, data.Conditional, data.Optional, "none"}
	directionValues   = []string{data.Inbound, data.Outbound, data.Bidirectional, "none"}
)

// FlowQuery is a flow listing as the URL asks for it, validated. The HTML page,
// the CSV export and the JSON API all parse their parameters into it, so a filter
// means the same everywhere and a link built with Encode reproduces the view.
type FlowQuery struct {
	Text         string           // q: words anywhere in the flow
	Docs         []string         // doc: document slugs (ORed)
	Sections     []string         // section: section slugs (ORed)
	Protocols    []string         // proto: upper-case transport protocols (ORed)
	Ports        []data.PortRange // port: N or N-M (ORed; a flow matches when a range overlaps)
	Source       string           // src: words in the source
	Destination  string           // dst: words in the destination
	Requirements []string         // req: requirement values, "none" for unstated
	Directions   []string         // dir: direction values, "none" for unstated
	Sort         string           // sort: "" (document order) or "port"
	Page         int              // page: 1-based page of the HTML listing; 0 means 1
	Limit        int              // limit: API page size; 0 means the default
	Offset       int              // offset: API rows to skip
}

// ParseFlowQuery validates the query parameters of /flows, /flows.csv and
// /api/v1/flows. Its errors are bad-request errors naming the parameter at fault.
// Unknown parameters are ignored; empty values are treated as absent, as a form
// with an empty field sends them.
func ParseFlowQuery(v url.Values) (FlowQuery, error) {
	var q FlowQuery
	if err := checkValues(v); err != nil {
		return q, err
	}
	var err error
	if q.Text, err = single(v, "q"); err != nil {
		return q, err
	}
	if q.Source, err = single(v, "src"); err != nil {
		return q, err
	}
	if q.Destination, err = single(v, "dst"); err != nil {
		return q, err
	}
	for _, d := range values(v, "doc") {
		d = strings.ToLower(d)
		if !isSlug(d) {
			return q, badRequest("doc: %q is not a document name", d)
		}
		q.Docs = appendUnique(q.Docs, d)
	}
	for _, s := range values(v, "section") {
		s = strings.ToLower(s)
		if !isSlug(s) {
			return q, badRequest("section: %q is not a section name", s)
		}
		q.Sections = appendUnique(q.Sections, s)
	}
	for _, p := range values(v, "proto") {
		p = strings.ToUpper(width.Fold.String(p))
		if !slices.Contains(knownProtocols, p) {
			return q, badRequest("proto: unknown protocol %q (use one of %s)", p, strings.Join(knownProtocols, ", "))
		}
		q.Protocols = appendUnique(q.Protocols, p)
	}
	for _, raw := range values(v, "port") {
		for _, part := range strings.Split(width.Fold.String(raw), ",") {
			r, err := parsePortRange(part)
			if err != nil {
				return q, err
			}
			if !slices.Contains(q.Ports, r) {
				q.Ports = append(q.Ports, r)
			}
		}
	}
	if len(q.Ports) > maxValues {
		return q, badRequest("port: more than %d ports", maxValues)
	}
	for _, r := range values(v, "req") {
		r = strings.ToLower(r)
		if !slices.Contains(requirementValues, r) {
			return q, badRequest("req: unknown requirement %q (use one of %s)", r, strings.Join(requirementValues, ", "))
		}
		q.Requirements = appendUnique(q.Requirements, r)
	}
	for _, d := range values(v, "dir") {
		d = strings.ToLower(d)
		if !slices.Contains(directionValues, d) {
			return q, badRequest("dir: unknown direction %q (use one of %s)", d, strings.Join(directionValues, ", "))
		}
		q.Directions = appendUnique(q.Directions, d)
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
	slices.Sort(q.Docs)
	slices.Sort(q.Sections)
	slices.Sort(q.Protocols)
	slices.Sort(q.Requirements)
	slices.Sort(q.Directions)
	slices.SortFunc(q.Ports, func(a, b data.PortRange) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})
	// The canonical form can be longer than the query as sent (port=80,443
	// becomes port=80&port=443, a "/" sent as is is escaped): refuse a view
	// whose own link would be refused.
	if len(q.Encode()) > maxQueryBytes {
		return q, badRequest("query string longer than %d bytes", maxQueryBytes)
	}
	return q, nil
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

// clipText shortens s to at most n bytes for a message or a log line,
// cutting at a character boundary and marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

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

// parsePortRange parses "443" or "49152-65535" with data.ParsePortRange and
// words what is wrong for a 400.
func parsePortRange(s string) (data.PortRange, error) {
	r, err := data.ParsePortRange(s)
	var pe *data.PortRangeError
	if !errors.As(err, &pe) {
		return r, err
	}
	switch pe.Problem {
	case data.Reversed:
		return r, badRequest("port: range %s-%s is reversed (write %s-%s)", itoa(pe.From), itoa(pe.To), itoa(pe.To), itoa(pe.From))
	case data.OutOfRange:
		return r, badRequest("port: %s is out of range 0-65535", pe.Input)
	}
	return r, badRequest("port: %q is not a port number", pe.Input)
}

// isSlug reports whether s looks like a document or section slug.
func isSlug(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Filter converts the query to the store's filter, without limit or offset.
func (q FlowQuery) Filter() store.FlowFilter {
	f := store.FlowFilter{
		Docs:         q.Docs,
		Sections:     q.Sections,
		Protocols:    q.Protocols,
		Ports:        q.Ports,
		Source:       q.Source,
		Destination:  q.Destination,
		Text:         q.Text,
		Requirements: noneToEmpty(q.Requirements),
		Directions:   noneToEmpty(q.Directions),
		Sort:         "doc",
	}
	if q.Sort == "port" {
		f.Sort = "port"
	}
	return f
}

func noneToEmpty(vals []string) []string {
	if len(vals) == 0 {
		return nil
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if v != "none" {
			out[i] = v
		}
	}
	return out
}

// PageNumber returns the 1-based page of the HTML listing.
func (q FlowQuery) PageNumber() int { return max(q.Page, 1) }

// Values returns the query as URL parameters, values sorted, defaults left out:
// the canonical form of the view. Limit and offset are kept so API links
// round-trip.
func (q FlowQuery) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	v["doc"] = q.Docs
	v["section"] = q.Sections
	for _, p := range q.Protocols {
		v.Add("proto", strings.ToLower(p))
	}
	for _, r := range q.Ports {
		v.Add("port", r.String())
	}
	set("src", q.Source)
	set("dst", q.Destination)
	v["req"] = q.Requirements
	v["dir"] = q.Directions
	set("sort", q.Sort)
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	for k, vals := range v {
		if len(vals) == 0 {
			delete(v, k)
		}
	}
	return v
}

// Encode returns the canonical query string (without "?"): parsing it gives
// back the same FlowQuery.
func (q FlowQuery) Encode() string { return q.Values().Encode() }

// URL returns path with the canonical query string appended, if any.
func (q FlowQuery) URL(path string) string {
	if e := q.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// IsZero reports whether the query filters nothing.
func (q FlowQuery) IsZero() bool {
	return q.Text == "" && len(q.Docs) == 0 && len(q.Sections) == 0 && len(q.Protocols) == 0 &&
		len(q.Ports) == 0 && q.Source == "" && q.Destination == "" && len(q.Requirements) == 0 &&
		len(q.Directions) == 0
}

// Has reports whether the value of a repeatable filter ("doc", "section",
// "proto", "req", "dir") is selected.
func (q FlowQuery) Has(key, value string) bool {
	if list := q.list(key); list != nil {
		return slices.Contains(*list, normalise(key, value))
	}
	return false
}

// Toggle returns a copy of the query with value of a repeatable filter switched
// on or off, back on the first page: the link behind a facet.
func (q FlowQuery) Toggle(key, value string) FlowQuery {
	c := q.clone()
	c.Page, c.Offset = 0, 0
	list := c.list(key)
	if list == nil {
		return c
	}
	value = normalise(key, value)
	if i := slices.Index(*list, value); i >= 0 {
		*list = slices.Delete(*list, i, i+1)
	} else {
		*list = append(*list, value)
		slices.Sort(*list)
	}
	return c
}

// WithPage returns a copy of the query showing page n.
func (q FlowQuery) WithPage(n int) FlowQuery {
	c := q.clone()
	c.Page = n
	if n <= 1 {
		c.Page = 0
	}
	return c
}

// WithSort returns a copy of the query sorted by "doc" or "port", on page 1.
func (q FlowQuery) WithSort(by string) FlowQuery {
	c := q.clone()
	c.Page = 0
	c.Sort = ""
	if by == "port" {
		c.Sort = "port"
	}
	return c
}

// Without returns a copy of the query with one whole filter removed
// ("q", "src", "dst", "port" or a repeatable key), on page 1.
func (q FlowQuery) Without(key string) FlowQuery {
	c := q.clone()
	c.Page = 0
	switch key {
	case "q":
		c.Text = ""
	case "src":
		c.Source = ""
	case "dst":
		c.Destination = ""
	case "port":
		c.Ports = nil
	default:
		if l := c.list(key); l != nil {
			*l = nil
		}
	}
	return c
}

func (q *FlowQuery) list(key string) *[]string {
	switch key {
	case "doc":
		return &q.Docs
	case "section":
		return &q.Sections
	case "proto":
		return &q.Protocols
	case "req":
		return &q.Requirements
	case "dir":
		return &q.Directions
	}
	return nil
}

func normalise(key, value string) string {
	switch key {
	case "proto":
		return strings.ToUpper(value)
	case "req", "dir":
		if value == "" {
			return "none"
		}
	}
	return value
}

func (q FlowQuery) clone() FlowQuery {
	c := q
	c.Docs = slices.Clone(q.Docs)
	c.Sections = slices.Clone(q.Sections)
	c.Protocols = slices.Clone(q.Protocols)
	c.Ports = slices.Clone(q.Ports)
	c.Requirements = slices.Clone(q.Requirements)
	c.Directions = slices.Clone(q.Directions)
	return c
}

// FileName returns a CSV file name that says what was filtered:
// "portolan-flows-citrix-tcp-443.csv". Only ASCII letters, digits and dashes.
func (q FlowQuery) FileName() string {
	parts := []string{"portolan", "flows"}
	parts = append(parts, q.Docs...)
	parts = append(parts, q.Sections...)
	for _, p := range q.Protocols {
		parts = append(parts, strings.ToLower(p))
	}
	for _, r := range q.Ports {
		parts = append(parts, r.String())
	}
	parts = append(parts, q.Requirements...)
	parts = append(parts, q.Directions...)
	if q.Source != "" {
		parts = append(parts, "from", q.Source)
	}
	if q.Destination != "" {
		parts = append(parts, "to", q.Destination)
	}
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
