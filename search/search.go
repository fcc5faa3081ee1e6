package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"
)

// fuzzyMinRunes is the shortest word the typo fallback lets match one edit
// away: shorter words ("ldap", "smb") have too many neighbours.
const fuzzyMinRunes = 5

// Hit is one flow a search found.
type Hit struct {
	ID    string  // the flow's ID (data.Flow.ID)
	Score float64 // relevance; higher is better, comparable within one search only
}

// Result is what Search found.
type Result struct {
	// Hits are the matching flows, best first; flows that score the same are in
	// dataset order (documents as ingested, then each flow's ordinal).
	Hits []Hit
	// Fuzzy is true when nothing matched as typed and Hits are the matches of
	// the typo fallback (Query.Fuzzy): the page should say so.
	Fuzzy bool
}

// IDs returns the hits' flow IDs in rank order: a store.FlowFilter's IDs.
// It is never nil, so "nothing found" filters out every flow.
func (r Result) IDs() []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids
}

// Search returns the flows matching q's text, best first, at most limit of them
// (all when limit <= 0). Filters are not applied: the caller passes them to the
// store with the hits' IDs, which is where port ranges are answered.
//
// Every word must match in some field (purpose, its English gloss, source,
// destination, service, application protocol, section title, ports as
// written, host names, notes); a quoted phrase must match as a phrase; an
// excluded word or phrase must match nowhere. Words in Japanese or Chinese are
// matched as bigram phrases on the cjk fields, so ファイル転送 matches the file
// transfer rows and not every row holding 送. A query with no words that count
// (only exclusions, or only stop words such as "the") matches every flow the
// exclusions leave. When nothing matches and q is not already fuzzy, Search
// tries again with Fuzzy set and reports that in the Result.
func (ix *Index) Search(ctx context.Context, q Query, limit int) (Result, error) {
	hits, err := ix.search(ctx, q, limit)
	if err != nil {
		return Result{}, err
	}
	if len(hits) > 0 || q.Fuzzy || !fuzzyApplies(q) {
		return Result{Hits: hits}, nil
	}
	q.Fuzzy = true
	hits, err = ix.search(ctx, q, limit)
	if err != nil {
		return Result{}, err
	}
	return Result{Hits: hits, Fuzzy: len(hits) > 0}, nil
}

func (ix *Index) search(ctx context.Context, q Query, limit int) ([]Hit, error) {
	// Every match is fetched and ranked here: bleve's own sort on the seq
	// field left ties in segment order now and then, and a top-N cut
	// could split a tie anywhere.
	n, err := ix.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	req := bleve.NewSearchRequestOptions(ix.query(q, flowFields, typeFlow), int(n), 0, false)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	type ranked struct {
		Hit
		seq int32
	}
	all := make([]ranked, 0, len(res.Hits))
	for _, h := range res.Hits {
		r := ranked{Hit: Hit{ID: h.ID, Score: score(h.Score)}}
		if d := h.IndexInternalID.Value(); d < uint64(len(ix.seqs)) {
			r.seq = ix.seqs[d]
		}
		all = append(all, r)
	}
	// Best score first, ties in dataset order (seq), as the store ranks.
	slices.SortFunc(all, func(a, b ranked) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	hits := make([]Hit, len(all))
	for i, r := range all {
		hits[i] = r.Hit
	}
	return hits, nil
}

// score is a match's score as Search and Match give it: bleve's, rounded
// to 1e-9. Two flows with the same words in the same fields score the same
// but for the last bits, which depend on the order bleve sums the fields'
// parts in; rounded, they tie, and ties rank in dataset order.
func score(s float64) float64 { return math.Round(s*1e9) / 1e9 }

// fuzzyApplies reports whether the typo fallback could find anything q did not.
func fuzzyApplies(q Query) bool {
	for _, t := range q.Terms {
		if !isCJK(t) && utf8.RuneCountInString(t) >= fuzzyMinRunes {
			return true
		}
	}
	return false
}

// query is the bleve query of q's text over fields, restricted to documents of
// type typ.
func (ix *Index) query(q Query, fields []textField, typ string) query.Query {
	var must []query.Query
	for _, t := range q.Terms {
		if !hasWordChar(t) {
			continue // punctuation ("_", "*") beside words is not searched for
		}
		if wq := ix.wordQuery(t, false, q.Fuzzy, fields); wq != nil {
			must = append(must, wq)
		}
	}
	if len(must) == 0 && len(q.Terms) > 0 {
		// Only stop words ("to", "the") or punctuation: look for them as
		// written rather than match everything.
		for _, t := range q.Terms {
			must = append(must, literalQuery(t, fields))
		}
	}
	for _, p := range q.Phrases {
		if pq := ix.wordQuery(p, true, false, fields); pq != nil {
			must = append(must, pq)
		}
	}
	if len(must) == 0 {
		// Nothing to match (exclusions only): every document of the type,
		// all scoring the same, so they come in dataset order.
		isType := bleve.NewTermQuery(typ)
		isType.SetField(typeField)
		must = append(must, isType)
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(must...)
	if len(q.Terms) > 1 {
		// Words typed together rank higher where they stand together: "LDAP
		// connection to global catalog" above a row that has the words apart.
		text := dotless(strings.Join(q.Terms, " "))
		var alts []query.Query
		for _, f := range fields {
			pq := bleve.NewMatchPhraseQuery(text)
			if isCJK(text) {
				pq.SetField(f.name + cjkSuffix)
				pq.Analyzer = cjk.AnalyzerName
			} else {
				pq.SetField(f.name)
				pq.Analyzer = en.AnalyzerName
			}
			pq.SetBoost(5 * f.boost)
			alts = append(alts, pq)
		}
		bq.AddShould(bleve.NewDisjunctionQuery(alts...))
	}
	for _, x := range q.Excludes {
		if xq := ix.wordQuery(x, true, false, fields); xq != nil {
			bq.AddMustNot(xq)
		}
	}
	return bq
}

// wordQuery matches one word (or, with phrase, a quoted phrase) in any of
// fields, or is nil when the word has nothing to search for (a stop word).
func (ix *Index) wordQuery(w string, phrase, fuzzy bool, fields []textField) query.Query {
	w = dotless(w)
	var alts []query.Query
	if isCJK(w) {
		toks := ix.cjkA.Analyze([]byte(w))
		if len(toks) == 0 {
			return nil
		}
		single := len(toks) == 1 && utf8.RuneCount(toks[0].Term) == 1 && isCJK(string(toks[0].Term))
		for _, f := range fields {
			var fq query.Query
			switch {
			case single:
				// The index holds bigrams; a lone character is found inside them.
				wq := bleve.NewWildcardQuery("*" + string(toks[0].Term) + "*")
				wq.SetField(f.name + cjkSuffix)
				wq.SetBoost(f.boost)
				fq = wq
			default:
				pq := bleve.NewMatchPhraseQuery(w)
				pq.SetField(f.name + cjkSuffix)
				pq.Analyzer = cjk.AnalyzerName
				pq.SetBoost(f.boost)
				fq = pq
			}
			alts = append(alts, fq)
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	toks := ix.enA.Analyze([]byte(w))
	if len(toks) == 0 {
		return nil
	}
	fuzzy = fuzzy && !phrase && utf8.RuneCountInString(w) >= fuzzyMinRunes
	for _, f := range fields {
		if (phrase || len(toks) > 1) && !fuzzy {
			// "global catalog", or a word that analyses to several terms
			// ("LDAP/SSL"): the terms in order.
			pq := bleve.NewMatchPhraseQuery(w)
			pq.SetField(f.name)
			pq.Analyzer = en.AnalyzerName
			pq.SetBoost(f.boost)
			alts = append(alts, pq)
			continue
		}
		mq := bleve.NewMatchQuery(w)
		mq.SetField(f.name)
		mq.Analyzer = en.AnalyzerName
		mq.SetOperator(query.MatchQueryOperatorAnd)
		mq.SetBoost(f.boost)
		if fuzzy {
			mq.SetFuzziness(1)
			// The stemmed term may be too far from the typo's stem; the cjk
			// field holds the words unstemmed.
			for _, suffix := range []string{cjkSuffix, rawSuffix} {
				raw := bleve.NewMatchQuery(w)
				raw.SetField(f.name + suffix)
				raw.Analyzer = cjk.AnalyzerName
				raw.SetOperator(query.MatchQueryOperatorAnd)
				raw.SetFuzziness(1)
				raw.SetBoost(f.boost)
				alts = append(alts, raw)
			}
		}
		alts = append(alts, mq)
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// literalQuery matches w unstemmed and with stop words kept, in the cjk
// analyzer's fields (which only lower-case Latin words).
func literalQuery(w string, fields []textField) query.Query {
	w = dotless(w)
	var alts []query.Query
	for _, f := range fields {
		for _, suffix := range []string{cjkSuffix, rawSuffix} {
			mq := bleve.NewMatchQuery(w)
			mq.SetField(f.name + suffix)
			mq.Analyzer = cjk.AnalyzerName
			mq.SetOperator(query.MatchQueryOperatorAnd)
			mq.SetBoost(f.boost)
			alts = append(alts, mq)
		}
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// isCJK reports whether s holds a Han, Hiragana, Katakana or Hangul letter:
// such words go to the cjk fields.
func isCJK(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
	}) >= 0
}

// Span is a matched part of a field's text: bytes [Start, End).
type Span struct {
	Start, End int
}

// Matches are the matched parts of one flow's fields, by field name as in
// data.Flow's JSON ("purpose", "purpose_en", "source", "destination",
// "service", "app_protocol", "section", "section_en", "ports_raw", "notes",
// "notes_en"; "hosts" for host names, which has no single text). Spans are
// sorted and do not overlap.
type Matches map[string][]Span

// Highlight returns what q matched in each of the flows ids, for marking it in
// a listing: call it with the IDs of the rows on screen. Flows q does not match
// are left out. Pass the query Search used (with Fuzzy set when its Result
// says so).
func (ix *Index) Highlight(ctx context.Context, q Query, ids []string) (map[string]Matches, error) {
	out := map[string]Matches{}
	if len(ids) == 0 || len(q.Terms)+len(q.Phrases) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(
		bleve.NewConjunctionQuery(ix.query(q, flowFields, typeFlow), bleve.NewDocIDQuery(ids)),
		len(ids), 0, false)
	req.IncludeLocations = true
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: highlight: %w", err)
	}
	for _, h := range res.Hits {
		m := Matches{}
		for field, terms := range h.Locations {
			name := strings.TrimSuffix(field, cjkSuffix)
			if name == fieldSeq || name == typeField {
				continue
			}
			for _, locs := range terms {
				for _, l := range locs {
					m[name] = append(m[name], Span{Start: int(l.Start), End: int(l.End)})
				}
			}
		}
		for k, spans := range m {
			m[k] = mergeSpans(spans)
		}
		if len(m) > 0 {
			out[h.ID] = m
		}
	}
	return out, nil
}

func mergeSpans(spans []Span) []Span {
	slices.SortFunc(spans, func(a, b Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Segment is a piece of a field's text, matched or not: a template writes each
// Text escaped, inside <mark> when Match is set.
type Segment struct {
	Text  string
	Match bool
}

// Mark splits text into segments at spans (as Highlight returns them for that
// text). Spans outside the text or not on character boundaries are ignored, so
// a stale highlight can never cut a character in two.
func Mark(text string, spans []Span) []Segment {
	var out []Segment
	at := 0
	for _, s := range spans {
		if s.Start < at || s.End <= s.Start || s.End > len(text) ||
			!boundary(text, s.Start) || !boundary(text, s.End) {
			continue
		}
		if s.Start > at {
			out = append(out, Segment{Text: text[at:s.Start]})
		}
		out = append(out, Segment{Text: text[s.Start:s.End], Match: true})
		at = s.End
	}
	if at < len(text) {
		out = append(out, Segment{Text: text[at:]})
	}
	return out
}

func boundary(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

// HostHit is one host a search found: the n-th (1-based) host of document Doc.
type HostHit struct {
	Doc   string
	N     int
	Score float64
}

// SearchHosts returns the hosts whose name, purpose, group or section match q's
// text, best first (ties in document order), at most limit (all when <= 0).
func (ix *Index) SearchHosts(ctx context.Context, q Query, limit int) ([]HostHit, error) {
	size := limit
	if size <= 0 {
		n, err := ix.idx.DocCount()
		if err != nil {
			return nil, fmt.Errorf("search: hosts: %w", err)
		}
		size = int(n)
	}
	req := bleve.NewSearchRequestOptions(ix.query(q, hostFields, typeHost), size, 0, false)
	req.SortBy([]string{"-_score", fieldSeq})
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: hosts: %w", err)
	}
	hits := make([]HostHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		rest, ok := strings.CutPrefix(h.ID, "host:")
		i := strings.LastIndexByte(rest, ':')
		if !ok || i < 0 {
			continue
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			continue
		}
		hits = append(hits, HostHit{Doc: rest[:i], N: n, Score: h.Score})
	}
	return hits, nil
}
