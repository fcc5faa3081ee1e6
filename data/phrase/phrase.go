// Package phrase finds phrases in text as whole words, never as substrings: the
// matching the role vocabulary (data/roles) and the lint checks' service names
// (data/lint) share.
//
// Text is read as tokens: runs of letters and digits (case folded after NFKC,
// so full-width ＨＴＴＰ reads as http), runs of katakana with the long vowel
// mark, and single kanji and single hiragana; everything else separates
// tokens. A phrase matches where its tokens stand in a row, a text token being
// allowed a plural -s or -es on a latin word: "domain controller" matches
// "Domain Controllers" but "DC" does not match "Citrix ADC" or "DCE/RPC", and
// サーバー does not match inside メールサーバー (one katakana run). Where phrases
// overlap, the longest starting at a token wins and hides its words.
package phrase

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Set is a set of phrases, each with the values it stands for (role IDs,
// service names). A phrase with no values hides its words without matching.
// The zero Set is empty and ready to use; Add, then Find.
type Set struct {
	byFirst map[string][]*entry // longest first
}

type entry struct {
	toks   []string
	phrase string
	values []string
}

// Add adds a phrase standing for value ("" for a phrase that only hides its
// words). The same phrase added twice stands for both values.
func (s *Set) Add(phrase, value string) error {
	toks := Tokens(phrase)
	if len(toks) == 0 {
		return fmt.Errorf("%q has no word in it", phrase)
	}
	if s.byFirst == nil {
		s.byFirst = map[string][]*entry{}
	}
	es := s.byFirst[toks[0]]
	for _, e := range es {
		if slices.Equal(e.toks, toks) {
			if value != "" && !slices.Contains(e.values, value) {
				e.values = append(e.values, value)
			}
			return nil
		}
	}
	e := &entry{toks: toks, phrase: phrase}
	if value != "" {
		e.values = []string{value}
	}
	i, _ := slices.BinarySearchFunc(es, len(toks), func(e *entry, n int) int { return n - len(e.toks) })
	s.byFirst[toks[0]] = slices.Insert(es, i, e)
	return nil
}

// Match is a value found in a text, with the phrase that matched.
type Match struct {
	Value  string
	Phrase string // as added
}

// Find returns the values of the phrases found in text, each value once, in
// the order they first appear.
func (s *Set) Find(text string) []Match {
	toks := Tokens(text)
	var out []Match
	for i := 0; i < len(toks); {
		e := s.longest(toks[i:])
		if e == nil {
			i++
			continue
		}
		for _, v := range e.values {
			if !slices.ContainsFunc(out, func(m Match) bool { return m.Value == v }) {
				out = append(out, Match{Value: v, Phrase: e.phrase})
			}
		}
		i += len(e.toks)
	}
	return out
}

func (s *Set) longest(toks []string) *entry {
	var best *entry
	for _, first := range singulars(toks[0]) {
		for _, e := range s.byFirst[first] {
			if len(e.toks) > len(toks) || (best != nil && len(e.toks) <= len(best.toks)) {
				continue
			}
			if matches(e.toks, toks) {
				best = e
				break
			}
		}
	}
	return best
}

func matches(phrase, text []string) bool {
	for i, w := range phrase {
		if !slices.Contains(singulars(text[i]), w) {
			return false
		}
	}
	return true
}

// singulars is a token and what it is with a plural ending taken off.
func singulars(t string) []string {
	out := []string{t}
	if t == "" || t[0] >= 0x80 {
		return out
	}
	if s, ok := strings.CutSuffix(t, "es"); ok && s != "" {
		out = append(out, s)
	}
	if s, ok := strings.CutSuffix(t, "s"); ok && s != "" {
		out = append(out, s)
	}
	return out
}

// Fold is the form text is compared in: NFKC, trimmed, lower case.
func Fold(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}

// Tokens splits text into the units phrases match on (see the package comment).
func Tokens(text string) []string {
	s := Fold(text)
	var out []string
	start, curKind := -1, kindOther
	flush := func(end int) {
		if start >= 0 {
			out = append(out, s[start:end])
		}
		start, curKind = -1, kindOther
	}
	for i, r := range s {
		k := kind(r)
		switch k {
		case kindOther:
			flush(i)
		case kindHan, kindHiragana:
			flush(i)
			out = append(out, string(r))
		default:
			if k != curKind {
				flush(i)
				start, curKind = i, k
			}
		}
	}
	flush(len(s))
	return out
}

const (
	kindOther = iota
	kindWord
	kindKatakana
	kindHan
	kindHiragana
)

func kind(r rune) int {
	switch {
	case r == 'ー' || (unicode.Is(unicode.Katakana, r) && r != '・'):
		return kindKatakana
	case unicode.Is(unicode.Han, r):
		return kindHan
	case unicode.Is(unicode.Hiragana, r):
		return kindHiragana
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return kindWord
	}
	return kindOther
}
