package search

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
)

// Help is the query language in a few lines, for the search page and the API's
// documentation; the filters' lines come from data/filter's table. Keep it in
// step with ParseQuery and the README.
var Help = `Words: every word must appear (kerberos ldap). "Quoted words" must appear together.
-word leaves out flows that mention the word.
` + filter.Help() + `
Japanese works as typed (ファイル転送, 転送); full-width letters and digits (ＴＣＰ, ４４３) are read as half-width.
When nothing matches, words of 5 or more letters also match words one letter away.`

// Limits on a query: more is refused, as the web layer refuses long parameters.
const (
	maxQueryBytes = 1000
	maxTerms      = 32
)

// Query is a search as ParseQuery reads it: text to find, and filters that mean
// exactly what the URL parameters of the same names mean. Search uses the text;
// the caller merges Filter with the URL's filter and hands both to the store,
// so a filter gives the same flows whether it came from the URL or the query.
type Query struct {
	Terms    []string // words, each of which must match (width-folded, as typed otherwise)
	Phrases  []string // quoted words, each of which must match as a phrase
	Excludes []string // words or phrases (-word, -"two words") no matching flow may have
	// Filter is the query's filters (proto:udp, -doc:citrix), as data/filter
	// reads the URL's.
	Filter filter.Filter
	// Fuzzy lets words of 5 or more letters match index terms one edit away.
	// Search sets it in its Result when it fell back to it; pass that query to
	// Highlight to mark what was found.
	Fuzzy bool
}

// HasText reports whether the query has anything for the index to answer:
// words, phrases or exclusions. A query of filters only is answered by the
// store alone.
func (q Query) HasText() bool {
	return len(q.Terms) > 0 || len(q.Phrases) > 0 || len(q.Excludes) > 0
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
		if err := q.Filter.Add(t.key, t.neg, t.text); err != nil {
			return fallback(s), syntaxErr("%s", err.Error())
		}
	}
	if n := len(q.Terms) + len(q.Phrases) + len(q.Excludes); n > maxTerms {
		return fallback(s), syntaxErr("more than %d words", maxTerms)
	}
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
			if fd, known := filter.Lookup(k); known {
				t.key = fd.Key
				// A value may be quoted, and a comma list may mix quoted
				// and bare values: dst:dc,"domain controller",adc.
				for i < len(s) && s[i] == '"' && (v == "" || strings.HasSuffix(v, ",")) {
					end := strings.IndexByte(s[i+1:], '"')
					if end < 0 {
						return nil, syntaxErr("unbalanced quote in %q", clip(word+s[i:]))
					}
					v += strings.Join(strings.Fields(s[i+1:i+1+end]), " ")
					i += end + 2
					j := i
					for j < len(s) && s[i] == ',' {
						r, n := utf8.DecodeRuneInString(s[j:])
						if unicode.IsSpace(r) || r == '"' {
							break
						}
						j += n
					}
					v, i = v+s[i:j], j
				}
				if v == "" {
					return nil, syntaxErr("%s: needs a value, as in %s", k, fd.Example)
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

// fallback is the plain-word reading of a query that could not be read as
// written: quotes and leading '-' dropped, filter names dropped and their
// values kept as words, at most maxTerms words.
func fallback(s string) Query {
	var q Query
	s = strings.ReplaceAll(s, `"`, " ")
	for _, w := range strings.Fields(s) {
		w = strings.TrimLeft(w, "-")
		if k, v, ok := strings.Cut(w, ":"); ok {
			if _, known := filter.Lookup(k); known {
				w = v
			}
		}
		if hasWordChar(w) && len(q.Terms) < maxTerms {
			q.Terms = appendUnique(q.Terms, w)
		}
	}
	return q
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
func clip(s string) string { return data.Clip(s, 40, "…") }
