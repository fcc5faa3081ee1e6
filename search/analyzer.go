package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// latinAnalyzer is the analyzer of the en fields: bleve's "en" (Unicode
// words, possessives, lower case, English stop words, Porter stems) less the
// words in Han, kana or Hangul. The Unicode tokenizer makes every Han
// character and kana run of a Japanese text a word of its own; a search
// never looks for those in the en fields (a word with CJK in it goes to the
// cjk fields, see Index.wordQuery), so indexing them there, with positions,
// only made a Japanese row cost twice (issue 18). For text without CJK it
// gives exactly what "en" gives, so queries are analysed with "en".
const latinAnalyzer = "portolan_latin"

func init() {
	err := registry.RegisterAnalyzer(latinAnalyzer, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(unicodetok.Name)
		if err != nil {
			return nil, err
		}
		var filters []analysis.TokenFilter
		for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name} {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				return nil, err
			}
			filters = append(filters, f)
		}
		return &analysis.DefaultAnalyzer{
			Tokenizer:    tok,
			TokenFilters: append([]analysis.TokenFilter{dropCJK{}}, filters...),
		}, nil
	})
	if err != nil {
		panic(err)
	}
}

// dropCJK removes the tokens with a Han, kana or Hangul character in them.
// Positions are the tokenizer's, so phrases of the words kept still match
// as written.
type dropCJK struct{}

func (dropCJK) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, t := range in {
		if !hasCJK(t.Term) {
			out = append(out, t)
		}
	}
	return out
}

// hasCJK is isCJK for a token's bytes, without making a string of them.
func hasCJK(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
		b = b[n:]
	}
	return false
}
