package search

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"github.com/portolan/portolan/data"
)

// HighlightFlows returns what q matched in each of flows, as Highlight does,
// but from the flows' own text, already read for the page, instead of a
// second pass over the index: each shown field is analysed as the index
// analysed it and q's words are found in it the way its query finds them
// (terms, phrases of terms, one edit away for the typo fallback, a lone
// Japanese or Chinese character inside the bigrams). Host names and the
// section title's gloss are not marked (a flow does not carry them). Pass the query Search or Match used, with
// Fuzzy set when the result says so. Fields with the same text share their
// spans: read them, do not change them.
func (ix *Index) HighlightFlows(q Query, flows []data.Flow) map[string]Matches {
	out := map[string]Matches{}
	words := ix.markWords(q)
	if len(words) == 0 {
		return out
	}
	// A page's rows often share texts (a section title, an endpoint, a
	// purpose written once for many rows): each is marked once.
	marked := map[string][]Span{}
	for _, f := range flows {
		m := Matches{}
		for _, p := range [...]struct {
			name, text string
		}{
			{"purpose", f.Purpose}, {"purpose_en", f.PurposeEn}, {"source", f.Source},
			{"destination", f.Destination}, {"service", f.Service}, {"app_protocol", f.AppProtocol},
			{"section", f.Section}, {"ports_raw", f.PortsRaw},
			{"notes", f.Notes}, {"notes_en", f.NotesEn},
		} {
			if p.text == "" {
				continue
			}
			if spans, ok := marked[p.text]; ok {
				if len(spans) > 0 {
					m[p.name] = spans
				}
				continue
			}
			// Analysing a text costs more than the rest of marking it:
			// only the texts one of the words may match are analysed.
			lower, folds := strings.ToLower(p.text), hasWidthForms(p.text)
			var fa *fieldAnalysis
			var spans []Span
			for _, w := range words {
				if !w.mayMatch(lower, folds) {
					continue
				}
				if fa == nil {
					fa = &fieldAnalysis{text: dotless(p.text), ix: ix}
				}
				spans = append(spans, w.find(fa)...)
			}
			if len(spans) > 0 {
				spans = mergeSpans(spans)
				m[p.name] = spans
			}
			marked[p.text] = spans
		}
		if len(m) > 0 {
			out[f.ID] = m
		}
	}
	return out
}

// markWord is one word or phrase of a query as its bleve query looks for it.
type markWord struct {
	// needles are strings a text holds, lower-cased, wherever the word
	// matches it; with any set, the word may match any text.
	needles []string
	any     bool

	cjk    bool     // in the cjk analyzer's field (else the en one)
	terms  []string // analysed terms, by position offset from the first ("" for a gap)
	phrase bool     // the terms in order at their offsets (else each on its own)
	fuzzy  bool     // each term also one edit away
	single string   // a lone CJK character, found inside any term
	raw    []string // the typo fallback's unstemmed terms, one edit away, in the cjk field
	all    bool     // a match only if every term is in the field (MatchQuery with AND)
}

// markWords is what Highlight's query (Index.query) looks for, word by word.
func (ix *Index) markWords(q Query) []markWord {
	var out []markWord
	must := 0
	for _, t := range q.Terms {
		if !hasWordChar(t) {
			continue
		}
		if w, ok := ix.markWordOf(t, false, q.Fuzzy); ok {
			out = append(out, w)
			must++
		}
	}
	if must == 0 && len(q.Terms) > 0 {
		// literalQuery: unstemmed, stop words kept, in the cjk field.
		for _, t := range q.Terms {
			if terms := termsOf(ix.cjkA.Analyze([]byte(dotless(t)))); len(terms) > 0 {
				out = append(out, markWord{cjk: true, terms: compact(terms), all: true, any: true})
			}
		}
	}
	for _, p := range q.Phrases {
		if w, ok := ix.markWordOf(p, true, false); ok {
			out = append(out, w)
		}
	}
	return out
}

// markWordOf mirrors Index.wordQuery; its needles are set by withNeedles.
func (ix *Index) markWordOf(w string, phrase, fuzzy bool) (markWord, bool) {
	mw, ok := ix.markWordAs(w, phrase, fuzzy)
	return mw.withNeedles(), ok
}

// withNeedles sets w's needles: the Han, kana or Hangul terms of a Japanese
// or Chinese word (its bigrams, or its lone character), which the cjk
// analyzer takes from a text as they stand in it but for the width forms
// it folds (see hasWidthForms); and for a word of Latin text, its stems
// less their last two letters, which a word stemming to them begins with
// (Porter's steps only ever change the last two letters of what they leave,
// TestStemsBeginTheirWords). The typo and stop-word fallbacks have none.
func (w markWord) withNeedles() markWord {
	switch {
	case w.fuzzy || len(w.raw) > 0 || !w.phrase && !w.all && w.single == "":
		w.any = true
	case w.single != "":
		w.needles = []string{w.single}
	case w.cjk:
		for _, t := range w.terms {
			if hasCJK([]byte(t)) {
				w.needles = append(w.needles, t)
			}
		}
	default:
		for _, t := range w.terms {
			if n := stemNeedle(t); n != "" {
				w.needles = append(w.needles, n)
			}
		}
	}
	return w
}

// stemNeedle is what the lower-cased text of a word stemming to t holds:
// t less its last two letters, for an ASCII t of three letters or more.
func stemNeedle(t string) string {
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			return ""
		}
	}
	if len(t) < 3 {
		return ""
	}
	return t[:len(t)-2]
}

// mayMatch reports whether w may match a text, given the text lower-cased
// and whether it has width forms the cjk analyzer folds: false only when
// it cannot.
func (w markWord) mayMatch(lower string, widthForms bool) bool {
	if w.any || w.cjk && widthForms {
		return true
	}
	for _, n := range w.needles {
		if !strings.Contains(lower, n) {
			return false
		}
	}
	return true
}

// hasWidthForms reports whether s has a character of the Halfwidth and
// Fullwidth Forms block (ＡＢＣ, ﾌｧｲﾙ), which the cjk analyzer folds.
func hasWidthForms(s string) bool {
	for _, r := range s {
		if r >= 0xFF00 && r <= 0xFFEF {
			return true
		}
	}
	return false
}

// markWordAs is markWordOf without the needles.
func (ix *Index) markWordAs(w string, phrase, fuzzy bool) (markWord, bool) {
	w = dotless(w)
	if isCJK(w) {
		toks := ix.cjkA.Analyze([]byte(w))
		if len(toks) == 0 {
			return markWord{}, false
		}
		if len(toks) == 1 && utf8.RuneCount(toks[0].Term) == 1 && isCJK(string(toks[0].Term)) {
			return markWord{cjk: true, single: string(toks[0].Term)}, true
		}
		return markWord{cjk: true, terms: termsOf(toks), phrase: true}, true
	}
	toks := ix.enA.Analyze([]byte(w))
	if len(toks) == 0 {
		return markWord{}, false
	}
	fuzzy = fuzzy && !phrase && utf8.RuneCountInString(w) >= fuzzyMinRunes
	if (phrase || len(toks) > 1) && !fuzzy {
		return markWord{terms: termsOf(toks), phrase: true}, true
	}
	mw := markWord{terms: compact(termsOf(toks)), fuzzy: fuzzy, all: true}
	if fuzzy {
		mw.raw = compact(termsOf(ix.cjkA.Analyze([]byte(w))))
	}
	return mw, true
}

// termsOf lists a token stream's terms by position offset from the first,
// "" where the analyzer dropped a word (a stop word): a phrase query keeps
// those gaps.
func termsOf(toks analysis.TokenStream) []string {
	if len(toks) == 0 {
		return nil
	}
	first := toks[0].Position
	var out []string
	for _, t := range toks {
		for len(out) < t.Position-first {
			out = append(out, "")
		}
		out = append(out, string(t.Term))
	}
	return out
}

func compact(terms []string) []string {
	out := terms[:0:0]
	for _, t := range terms {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// fieldAnalysis is one field's text, analysed by each analyzer when first
// asked.
type fieldAnalysis struct {
	text         string
	ix           *Index
	en, cjk      analysis.TokenStream
	enOK, cjkOK  bool
	hasCJK, seen bool
}

// tokens is the text analysed by the cjk analyzer (cjk) or the en fields'
// one. A Japanese word can only match a text with CJK in it (only those
// are in the cjk field with term vectors, cjkSuffix), so any is false for
// it; the typo and stop-word fallbacks look at every text (any), where the
// index, which keeps no positions of Latin text in the cjk analyzer's
// field, could not mark them.
func (fa *fieldAnalysis) tokens(cjk, any bool) analysis.TokenStream {
	if cjk {
		if !fa.seen {
			fa.hasCJK, fa.seen = isCJK(fa.text), true
		}
		if !fa.hasCJK && !any {
			return nil
		}
		if !fa.cjkOK {
			fa.cjk, fa.cjkOK = fa.ix.cjkA.Analyze([]byte(fa.text)), true
		}
		return fa.cjk
	}
	if !fa.enOK {
		fa.en, fa.enOK = fa.ix.latinA.Analyze([]byte(fa.text)), true
	}
	return fa.en
}

// find returns the spans of fa's text where w matches.
func (w markWord) find(fa *fieldAnalysis) []Span {
	var spans []Span
	span := func(t *analysis.Token) Span { return Span{Start: t.Start, End: t.End} }
	switch {
	case w.single != "":
		for _, t := range fa.tokens(true, false) {
			if strings.Contains(string(t.Term), w.single) {
				spans = append(spans, span(t))
			}
		}
	case w.phrase:
		toks := fa.tokens(w.cjk, false)
		at := map[int]*analysis.Token{}
		for _, t := range toks {
			at[t.Position] = t
		}
		for _, t := range toks {
			if string(t.Term) != w.terms[0] {
				continue
			}
			found := []Span{span(t)}
			for k := 1; k < len(w.terms) && found != nil; k++ {
				if w.terms[k] == "" {
					continue
				}
				if u := at[t.Position+k]; u != nil && string(u.Term) == w.terms[k] {
					found = append(found, span(u))
				} else {
					found = nil
				}
			}
			spans = append(spans, found...)
		}
	default:
		spans = matchTerms(fa.tokens(w.cjk, w.cjk), w.terms, w.fuzzy, w.all)
		if len(w.raw) > 0 {
			spans = append(spans, matchTerms(fa.tokens(true, true), w.raw, true, true)...)
		}
	}
	return spans
}

// matchTerms returns the spans of the tokens equal to one of terms (or one
// edit away, with fuzzy); with all, none unless every term is found.
func matchTerms(toks analysis.TokenStream, terms []string, fuzzy, all bool) []Span {
	var spans []Span
	found := make([]bool, len(terms))
	for _, t := range toks {
		for i, want := range terms {
			if string(t.Term) == want || fuzzy && oneEdit(string(t.Term), want) {
				spans = append(spans, Span{Start: t.Start, End: t.End})
				found[i] = true
			}
		}
	}
	if all {
		for _, f := range found {
			if !f {
				return nil
			}
		}
	}
	return spans
}

// oneEdit reports whether a and b are at most one insertion, deletion or
// substitution of a character apart (Levenshtein distance 1, as bleve's
// fuzziness 1).
func oneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(ra)-len(rb) > 1 {
		return false
	}
	i := 0
	for i < len(rb) && ra[i] == rb[i] {
		i++
	}
	if len(ra) == len(rb) {
		return string(ra[i+min(1, len(ra)-i):]) == string(rb[i+min(1, len(rb)-i):])
	}
	return string(ra[i+1:]) == string(rb[i:])
}
