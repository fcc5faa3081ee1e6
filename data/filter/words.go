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
func MatchWords(name, query string) bool {
	q := words(query)
	if len(q) == 0 {
		return strings.Contains(strings.ToLower(name), strings.ToLower(strings.TrimSpace(query)))
	}
	n := words(name)
	for i := 0; i+len(q) <= len(n); i++ {
		ok := true
		for k, w := range q {
			if !wordMatches(n[i+k], w) {
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

// wordMatches reports whether the name's word w matches the query's word q.
func wordMatches(w, q string) bool {
	switch {
	case w == q, w == q+"s", w == q+"es":
		return true
	case hasIdeographs(q):
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
