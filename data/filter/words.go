package filter

import (
	"strings"
	"unicode"
)

// MatchWords reports whether name (a flow's source or destination) has the
// words of query, whole and in order: "dc" matches "DC", "DCs" and "Domain
// controllers (DC)", not "Citrix ADC", "DHCPServer" or "OIDC". A word may
// end in an s or es the query leaves out (plurals). Words are runs of
// letters and digits, compared in any case. A query word in Chinese or
// Japanese, which do not separate words, matches anywhere within a word. A
// query with no word at all matches where it occurs, in any case.
func MatchWords(name, query string) bool { return SplitWords(query).In(SplitWords(name)) }

// Words is a name or a query split into words once, to be matched many
// times (MatchWords splits both each time).
type Words struct {
	lower string // the text lower-cased, for a query with no word
	words []string
	ideo  []bool // words[i] is Chinese or Japanese
}

// SplitWords splits s into its words for MatchWords' matching.
func SplitWords(s string) Words {
	w := Words{lower: strings.ToLower(s), words: words(s)}
	w.ideo = make([]bool, len(w.words))
	for i, x := range w.words {
		w.ideo[i] = hasIdeographs(x)
	}
	return w
}

// List returns the words, lower-cased, in order.
func (q Words) List() []string { return q.words }

// Ideographic reports whether the i-th word is Chinese or Japanese: as a
// query word, it matches anywhere within a name's word.
func (q Words) Ideographic(i int) bool { return q.ideo[i] }

// In reports whether name has the words of q, as MatchWords(name, q) does.
func (q Words) In(name Words) bool {
	if len(q.words) == 0 {
		return strings.Contains(name.lower, strings.TrimSpace(q.lower))
	}
	n := name.words
	for i := 0; i+len(q.words) <= len(n); i++ {
		ok := true
		for k, w := range q.words {
			if !wordMatches(n[i+k], w, q.ideo[k]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// wordMatches reports whether the name's word w matches the query's word
// q, an ideographic one or not.
func wordMatches(w, q string, ideographic bool) bool {
	switch {
	case w == q, w == q+"s", w == q+"es":
		return true
	case ideographic:
		return strings.Contains(w, q)
	}
	return false
}

// words splits s into lower-cased runs of letters and digits, a run also
// ending where Chinese or Japanese meets another script ("Endpoint
// Centralサーバー" is endpoint, central, サーバー).
func words(s string) []string {
	var out []string
	start, ideo := -1, false
	s = strings.ToLower(s)
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		id := isIdeograph(r)
		if start >= 0 && id != ideo {
			out = append(out, s[start:i])
			start = -1
		}
		if start < 0 {
			start, ideo = i, id
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func isIdeograph(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー'
}

// hasIdeographs reports whether s has a character of a script written
// without spaces between words.
func hasIdeographs(s string) bool {
	return strings.IndexFunc(s, isIdeograph) >= 0
}
