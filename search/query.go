package search

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
)

// Help is the query language in a few lines, for the search page and the API's
// documentation. Keep it in step with ParseQuery and the README.
const Help = `Words: every word must appear (kerberos ldap). "Quoted words" must appear together.
-word leaves out flows that mention the word.
Filters, the same as the filters beside the listing: proto:udp  port:443  port:80-90
doc:citrix  section:citrix-adc  src:"AMS server"  dst:dc  req:required  dir:inbound.
A filter given twice (proto:tcp proto:udp) matches either value; different filters all apply.
Japanese works as typed (ファイル転送, 転送); full-width letters and digits (ＴＣＰ, ４４３) are read as half-width.
When nothing matches, words of 5 or more letters also match words one letter away.`

// Limits on a query: more is refused, as the web layer refuses long parameters.
const (
	maxQueryBytes = 1000
	maxTerms      = 32
)

// Query is a search as ParseQuery reads it: text to find, and filters that mean
// exactly what the URL parameters of the same names mean. Search uses the text;
// the caller merges Filters with the URL's filters and hands both to the store,
// so a filter gives the same flows whether it came from the URL or the query.
type Query struct {
	Terms    []string // words, each of which must match (width-folded, as typed otherwise)
	Phrases  []string // quoted words, each of which must match as a phrase
	Excludes []string // words or phrases (-word, -"two words") no matching flow may have
	Filters  Filters
	// Fuzzy lets words of 5 or more letters match index terms one edit away.
	// Search sets it in its Result when it fell back to it; pass that query to
	// Highlight to mark what was found.
	Fuzzy bool
}

// Filters are the structured filters of a query, in the URL's terms: values of
// one filter are ORed (as a repeated URL parameter), different filters ANDed.
type Filters struct {
	Docs      []string         // doc: document slugs, lower case
	Sections  []string         // section: section slugs, lower case
	Protocols []string         // proto: transport protocols, upper case
	Ports     []data.PortRange // port: N or N-M; a flow matches when one of its ranges overlaps
	Src       string           // src: words in the source (substring, any case)
	Dst       string           // dst: words in the destination
	Req       []string         // req: requirement values, "none" for unstated
	Dir       []string         // dir: direction values, "none" for unstated
}

// IsZero reports whether no filter is set.
func (f Filters) IsZero() bool {
	return len(f.Docs) == 0 && len(f.Sections) == 0 && len(f.Protocols) == 0 && len(f.Ports) == 0 &&
		f.Src == "" && f.Dst == "" && len(f.Req) == 0 && len(f.Dir) == 0
}

// HasText reports whether the query has anything for the index to answer:
// words, phrases or exclusions. A query of filters only is answered by the
// store alone.
func (q Query) HasText() bool {
	return len(q.Terms) > 0 || len(q.Phrases) > 0 || len(q.Excludes) > 0
}

// Protocols are the values proto: accepts, as the URL's proto= does.
var Protocols = []string{"TCP", "UDP", "ICMP", "ICMPV6", "SCTP", "GRE", "ESP", "AH"}

// Requirements and Directions are the values req: and dir: accept; "none"
// selects flows whose document states none.
var (
	Requirements = []string{data.Required, data.Recommended, data.Conditional, data.Optional, "none"}
	Directions   = []string{data.Inbound, data.Outbound, data.Bidirectional, "none"}
)

// filterKeys maps the filter names a query may use (and a few spelled-out
// aliases) to the URL parameter they mirror.
var filterKeys = map[string]string{
	"proto": "proto", "protocol": "proto",
	"port": "port", "ports": "port",
	"doc": "doc", "document": "doc",
	"section": "section",
	"src":     "src", "source": "src",
	"dst": "dst", "destination": "dst",
	"req": "req", "requirement": "req",
	"dir": "dir", "direction": "dir",
}

// SyntaxError says why a query could not be read as written. ParseQuery returns
// it together with a usable fallback query (the plain words), so a page can
// search anyway and show Msg as a note, and an API can answer 400 with it.
type SyntaxError struct {
	Msg string // safe to show: names the problem and the offending text
}

func (e *SyntaxError) Error() string { return "search: " + e.Msg }

func syntaxErr(format string, args ...any) *SyntaxError {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// token is one element of a query as written.
type token struct {
	neg    bool   // written with a leading '-'
	key    string // filter name as written, lower case, without ':'; "" for text
	text   string // the word, phrase or filter value
	quoted bool
}

// ParseQuery reads a query as a user types it (see Help). Input is folded with
// data.Fold first, so full-width letters, digits, spaces and quotes read as
// their ASCII forms. A query that cannot be read as written (an unbalanced
// quote, a filter with no value or a bad one, an excluded filter) gives a
// *SyntaxError and, with it, a fallback query of the plain words in the text;
// the error is never anything else.
func ParseQuery(s string) (Query, error) {
	s = data.Fold(s)
	// UTF-8 first: the fallback of an oversized query must not carry
	// invalid bytes into its words.
	if !utf8.ValidString(s) {
		return Query{}, syntaxErr("the query is not valid UTF-8")
	}
	if len(s) > maxQueryBytes {
		return fallback(s), syntaxErr("the query is longer than %d bytes", maxQueryBytes)
	}
	toks, err := lex(s)
	if err != nil {
		return fallback(s), err
	}
	var q Query
	for _, t := range toks {
		if t.key == "" {
			switch {
			case t.neg:
				q.Excludes = appendUnique(q.Excludes, t.text)
			case t.quoted:
				q.Phrases = appendUnique(q.Phrases, t.text)
			default:
				q.Terms = appendUnique(q.Terms, t.text)
			}
			continue
		}
		if t.neg {
			return fallback(s), syntaxErr("-%s: a filter cannot be excluded; choose the values to keep", t.key)
		}
		if err := q.Filters.add(t.key, t.text); err != nil {
			return fallback(s), err
		}
	}
	if n := len(q.Terms) + len(q.Phrases) + len(q.Excludes); n > maxTerms {
		return fallback(s), syntaxErr("more than %d words", maxTerms)
	}
	q.Filters.sort()
	return q, nil
}

// lex splits a folded query into words, quoted phrases and key:value filters.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		var t token
		if s[i] == '-' && i+1 < len(s) {
			if r2, _ := utf8.DecodeRuneInString(s[i+1:]); !unicode.IsSpace(r2) {
				t.neg = true
				i++
			}
		}
		if s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, syntaxErr("unbalanced quote in %q", clip(s[i:]))
			}
			t.text, t.quoted = strings.Join(strings.Fields(s[i+1:i+1+end]), " "), true
			i += end + 2
			if t.text != "" {
				toks = append(toks, t)
			}
			continue
		}
		// A bare word runs to the next space or quote.
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) || r == '"' {
				break
			}
			j += n
		}
		word := s[i:j]
		i = j
		if k, v, ok := strings.Cut(word, ":"); ok {
			if key, known := filterKeys[strings.ToLower(k)]; known {
				t.key = key
				if v == "" && i < len(s) && s[i] == '"' {
					end := strings.IndexByte(s[i+1:], '"')
					if end < 0 {
						return nil, syntaxErr("unbalanced quote in %q", clip(word+s[i:]))
					}
					v = strings.Join(strings.Fields(s[i+1:i+1+end]), " ")
					i += end + 2
				}
				if v == "" {
					return nil, syntaxErr("%s: needs a value, as in %s", k, example(key))
				}
				t.text = v
				toks = append(toks, t)
				continue
			}
		}
		if word == "-" {
			continue // a lone '-' excludes nothing
		}
		t.text = word
		toks = append(toks, t)
	}
	return toks, nil
}

// add adds one filter value, validated as the URL parameter of the same name.
func (f *Filters) add(key, v string) error {
	switch key {
	case "doc", "section":
		for _, x := range strings.Split(strings.ToLower(v), ",") {
			if !isSlug(x) {
				return syntaxErr("%s: %q is not a %s name", key, x, map[string]string{"doc": "document", "section": "section"}[key])
			}
			if key == "doc" {
				f.Docs = appendUnique(f.Docs, x)
			} else {
				f.Sections = appendUnique(f.Sections, x)
			}
		}
	case "proto":
		for _, x := range strings.Split(strings.ToUpper(v), ",") {
			if !slices.Contains(Protocols, x) {
				return syntaxErr("proto: unknown protocol %q (use one of %s)", x, strings.Join(Protocols, ", "))
			}
			f.Protocols = appendUnique(f.Protocols, x)
		}
	case "port":
		for _, x := range strings.Split(v, ",") {
			r, err := parsePortRange(x)
			if err != nil {
				return err
			}
			if !slices.Contains(f.Ports, r) {
				f.Ports = append(f.Ports, r)
			}
		}
	case "src", "dst":
		p := &f.Src
		if key == "dst" {
			p = &f.Dst
		}
		if *p != "" && *p != v {
			return syntaxErr("%s: given twice (%q and %q); give it once", key, *p, v)
		}
		*p = v
	case "req", "dir":
		allowed, list := Requirements, &f.Req
		if key == "dir" {
			allowed, list = Directions, &f.Dir
		}
		for _, x := range strings.Split(strings.ToLower(v), ",") {
			if !slices.Contains(allowed, x) {
				return syntaxErr("%s: unknown value %q (use one of %s)", key, x, strings.Join(allowed, ", "))
			}
			*list = appendUnique(*list, x)
		}
	}
	return nil
}

func (f *Filters) sort() {
	slices.Sort(f.Docs)
	slices.Sort(f.Sections)
	slices.Sort(f.Protocols)
	slices.Sort(f.Req)
	slices.Sort(f.Dir)
	slices.SortFunc(f.Ports, func(a, b data.PortRange) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})
}

// fallback is the plain-word reading of a query that could not be read as
// written: quotes and leading '-' dropped, filter names dropped and their
// values kept as words, at most maxTerms words.
func fallback(s string) Query {
	var q Query
	s = strings.ReplaceAll(s, `"`, " ")
	for _, w := range strings.Fields(s) {
		w = strings.TrimLeft(w, "-")
		if k, v, ok := strings.Cut(w, ":"); ok {
			if _, known := filterKeys[strings.ToLower(k)]; known {
				w = v
			}
		}
		if hasWordChar(w) && len(q.Terms) < maxTerms {
			q.Terms = appendUnique(q.Terms, w)
		}
	}
	return q
}

func example(key string) string {
	switch key {
	case "proto":
		return "proto:udp"
	case "port":
		return "port:443 or port:49152-65535"
	case "doc":
		return "doc:citrix"
	case "section":
		return "section:citrix-adc"
	case "src":
		return `src:"AMS server"`
	case "dst":
		return "dst:dc"
	case "req":
		return "req:required"
	case "dir":
		return "dir:inbound"
	}
	return key + ":value"
}

// parsePortRange parses "443" or "49152-65535" with data.ParsePortRange, as
// the URL's port= does, and words what is wrong.
func parsePortRange(s string) (data.PortRange, error) {
	r, err := data.ParsePortRange(s)
	var pe *data.PortRangeError
	if !errors.As(err, &pe) {
		return r, err
	}
	switch pe.Problem {
	case data.Reversed:
		return r, syntaxErr("port: range %d-%d is reversed (write %d-%d)", pe.From, pe.To, pe.To, pe.From)
	case data.OutOfRange:
		return r, syntaxErr("port: %s is out of range 0-65535", pe.Input)
	}
	return r, syntaxErr("port: %q is not a port number", pe.Input)
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

func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func upperAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
