package search

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Match without bleve's searchers (issue 18). A search of one word asks
// bleve for a disjunction of twelve field searchers, each a term searcher
// (or, for a Japanese word, a phrase searcher over its bigrams), walked to
// the end for the facets and the total; the searchers' machinery (a heap,
// a DocumentMatch per posting and field, term vectors turned into maps for
// every candidate of a phrase) cost several times the reading of the
// postings themselves. matchPostings reads the postings of each segment
// directly, in ranges of documents on every processor, and adds up the
// same scores bleve's tf-idf scorers give (see termScore and plan), for
// the shapes of query a search box sends: words,
// quoted phrases, Japanese words of two or more characters, exclusions of
// those, and the phrase bonus of several words. Anything else (the typo
// fallback, a lone Han or kana character, only stop words, only
// exclusions) goes through bleve as before; TestPostingsMatchScoresAsBleve
// holds the two to the same matches and scores.

// leaf is one field's part of a clause: a term, or a phrase of terms at
// consecutive positions ("" for a position a stop word left empty), as
// bleve's MatchQuery and MatchPhraseQuery make them.
type leaf struct {
	field string
	boost float64
	terms []string // by phrase position; one term for a term query
	// Set by matchPostings, per phrase position (none for an empty one):
	// the term's idf and its query weight, boost × idf × query norm.
	idf, weight []float64
	// id is the leaf's number in its plan (set by matchPostings): its
	// cursor's index in a scratch.
	id int
}

// clause is a disjunction over fields: a word, a phrase, or the bonus of
// the words typed together. A document's score for it is the sum of its
// matching leaves' scores times the share of leaves that match (bleve's
// coord).
type clause []*leaf

// plan is a query in the shape bleve's BooleanQuery gives it: every must
// clause matches, the should clause adds to the score where it matches, no
// not clause matches.
type plan struct {
	must   []clause
	should clause
	not    []clause
	leaves int // how many leaves the clauses have (see leaf.id)
}

// plan mirrors Index.query for the shapes matchPostings answers; ok is
// false for the others.
func (ix *Index) plan(q Query, fields []textField) (p plan, ok bool) {
	if q.Fuzzy {
		return plan{}, false
	}
	for _, t := range q.Terms {
		if !hasWordChar(t) {
			continue
		}
		c, ok := ix.wordClause(t, fields)
		if !ok {
			return plan{}, false
		}
		if c != nil {
			p.must = append(p.must, c)
		}
	}
	if len(p.must) == 0 && len(q.Terms) > 0 {
		return plan{}, false // literalQuery: only stop words or punctuation
	}
	for _, ph := range q.Phrases {
		c, ok := ix.wordClause(ph, fields)
		if !ok {
			return plan{}, false
		}
		if c != nil {
			p.must = append(p.must, c)
		}
	}
	if len(p.must) == 0 {
		return plan{}, false // exclusions only: every flow but those
	}
	if len(q.Terms) > 1 {
		text := dotless(joinWords(q.Terms))
		a, suffix := ix.enA, ""
		if isCJK(text) {
			a, suffix = ix.cjkA, cjkSuffix
		}
		terms, ok := phraseTerms(a.Analyze([]byte(text)))
		if !ok {
			return plan{}, false
		}
		if terms != nil {
			for _, f := range fields {
				p.should = append(p.should, &leaf{field: f.name + suffix, boost: 5 * f.boost, terms: terms})
			}
		}
	}
	for _, x := range q.Excludes {
		c, ok := ix.wordClause(x, fields)
		if !ok {
			return plan{}, false
		}
		if c != nil {
			p.not = append(p.not, c)
		}
	}
	return p, true
}

// wordClause is wordQuery's clause for w, a word or a phrase alike (a
// phrase of one term matches, and scores, as the term): nil when w has
// nothing to search for, ok false when wordQuery's query is not one
// matchPostings answers.
func (ix *Index) wordClause(w string, fields []textField) (c clause, ok bool) {
	w = dotless(w)
	a, suffix := ix.enA, ""
	if isCJK(w) {
		a, suffix = ix.cjkA, cjkSuffix
		toks := a.Analyze([]byte(w))
		if len(toks) == 1 && utf8.RuneCount(toks[0].Term) == 1 && isCJK(string(toks[0].Term)) {
			return nil, false // a wildcard inside the bigrams
		}
	}
	terms, ok := phraseTerms(a.Analyze([]byte(w)))
	if !ok || terms == nil {
		return nil, ok
	}
	for _, f := range fields {
		c = append(c, &leaf{field: f.name + suffix, boost: f.boost, terms: terms})
	}
	return c, true
}

// phraseTerms is bleve's tokenStreamToPhrase: the tokens by position from
// the first, "" where no token stands. ok is false when two tokens share a
// position (bleve then matches either; no analyzer here does that).
func phraseTerms(toks analysis.TokenStream) (terms []string, ok bool) {
	if len(toks) == 0 {
		return nil, true
	}
	first, last := toks[0].Position, toks[0].Position
	for _, t := range toks {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	terms = make([]string, last-first+1)
	for _, t := range toks {
		if terms[t.Position-first] != "" {
			return nil, false
		}
		terms[t.Position-first] = string(t.Term)
	}
	return terms, true
}

func joinWords(words []string) string {
	n := 0
	for _, w := range words {
		n += len(w) + 1
	}
	b := make([]byte, 0, n)
	for i, w := range words {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}

// segmentPostings is what one segment holds of a plan's leaves: by leaf
// id, by phrase position, the postings list (nil where a position is
// empty); and how many documents the segment has.
type segmentPostings struct {
	byLeaf [][]segment.PostingsList
	docs   uint64
}

// scratch is the working memory of matchPostings, kept in the Index's pool
// between searches: arrays indexed by document (its number in the segment
// less lo) over the window of a segment being matched (see windowDocs), the
// leaves' places in their postings, and the term dictionaries it looked up
// (a dictionary is not safe for concurrent lookups; a scratch is used by
// one goroutine at a time).
type scratch struct {
	score   []float64 // the must clauses' scores so far
	hits    []uint8   // how many must clauses matched; notHit when excluded
	sum     []float64 // the current clause's leaves' scores
	n       []uint8   // how many of the current clause's leaves matched
	lo, hi  uint32    // the window of the segment's documents matched
	touched []uint32  // the documents the current clause matched, less lo
	cands   []uint32  // the documents add may count, in order, when candsOK
	candsOK bool
	need    uint8 // add counts a document only if it matched this many clauses
	exclude bool  // add excludes the document instead, if it matched at least need
	// share is the fraction of the segment's documents in the window: a
	// leaf's postings there are about its count times share.
	share   float64
	cursors []cursor // by leaf id
	locs    [][]segment.Location
	dicts   map[dictKey]segment.TermDictionary
}

// A cursor is a leaf's place in its postings in one segment, kept from one
// window to the next: the documents of a window are read from where the
// previous window stopped.
type cursor struct {
	started, done bool
	// A term: its iterator and the posting read past the last window
	// (nil when none is pending).
	it segment.PostingsIterator
	p  segment.Posting
	// A phrase: an iterator per position (nil where empty), and the
	// documents of the range holding every term.
	its   []segment.PostingsIterator
	cands roaring.IntPeekable
}

type dictKey struct {
	seg   segment.Segment
	field string
}

const notHit = math.MaxUint8

// errPostings is a postings list that does not hold a document the
// intersection of the phrase's lists said it holds: a corrupt segment.
var errPostings = errors.New("search: postings disagree")

func (s *scratch) reset(lo, hi uint32) {
	s.lo, s.hi, s.candsOK = lo, hi, false
	n := int(hi - lo)
	grow := func(b []float64) []float64 {
		if cap(b) < n {
			return make([]float64, n)
		}
		b = b[:n]
		clear(b)
		return b
	}
	growU := func(b []uint8) []uint8 {
		if cap(b) < n {
			return make([]uint8, n)
		}
		b = b[:n]
		clear(b)
		return b
	}
	s.score, s.sum = grow(s.score), grow(s.sum)
	s.hits, s.n = growU(s.hits), growU(s.n)
}

// dict returns the dictionary of field in seg.
func (s *scratch) dict(seg segment.Segment, field string) (segment.TermDictionary, error) {
	k := dictKey{seg, field}
	if d, ok := s.dicts[k]; ok {
		return d, nil
	}
	d, err := seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	if s.dicts == nil {
		s.dicts = map[dictKey]segment.TermDictionary{}
	}
	s.dicts[k] = d
	return d, nil
}

// add counts a leaf's match of document d, scoring sc, towards the current
// clause (see need and exclude).
func (s *scratch) add(d uint32, sc float64) {
	d -= s.lo
	if s.exclude {
		if s.hits[d] >= s.need {
			s.hits[d] = notHit
		}
		return
	}
	if s.hits[d] != s.need {
		return
	}
	if s.n[d] == 0 {
		s.touched = append(s.touched, d)
	}
	s.sum[d] += sc
	s.n[d]++
}

// clause evaluates clause c in a segment: the documents that matched the
// clauses before it and match c get c's score added (as a disjunction, see
// clause) and count one more clause matched. It reports whether any did.
func (s *scratch) clause(c clause, pls segmentPostings, need uint8) (bool, error) {
	s.need, s.exclude, s.touched, s.candsOK = need, false, s.touched[:0], false
	for _, l := range c {
		if err := s.eval(l, pls.byLeaf[l.id]); err != nil {
			return false, err
		}
	}
	for _, d := range s.touched {
		s.score[d] += s.sum[d] * (float64(s.n[d]) / float64(len(c)))
		s.hits[d] = need + 1
		s.sum[d], s.n[d] = 0, 0
	}
	return len(s.touched) > 0, nil
}

// matchPostings answers q as match does, from the postings; ok is false
// when q is not a query it answers (see plan).
func (ix *Index) matchPostings(ctx context.Context, r index.IndexReader, q Query) (MatchSet, bool, error) {
	snap, isScorch := r.(*scorch.IndexSnapshot)
	if !isScorch {
		return MatchSet{}, false, nil
	}
	p, ok := ix.plan(q, flowFields)
	if !ok || len(p.must) > notHit-2 {
		return MatchSet{}, false, nil
	}
	segs := snap.Segments()
	docTotal, err := snap.DocCount()
	if err != nil {
		return MatchSet{}, false, err
	}
	s := ix.scratch.Get().(*scratch)
	defer ix.scratch.Put(s)

	// Look every leaf's terms up in every segment: the postings to read,
	// and each term's document frequency for its idf.
	leaves := func(yield func(*leaf, bool) bool) {
		for _, c := range p.must {
			for _, l := range c {
				if !yield(l, true) {
					return
				}
			}
		}
		for _, l := range p.should {
			if !yield(l, true) {
				return
			}
		}
		for _, c := range p.not {
			for _, l := range c {
				if !yield(l, false) {
					return
				}
			}
		}
	}
	for l := range leaves {
		l.id = p.leaves
		p.leaves++
	}
	postings := make([]segmentPostings, len(segs))
	for i, ss := range segs {
		postings[i] = segmentPostings{byLeaf: make([][]segment.PostingsList, p.leaves), docs: ss.Segment().Count()}
		for l := range leaves {
			d, err := s.dict(ss.Segment(), l.field)
			if err != nil {
				return MatchSet{}, false, err
			}
			pls := make([]segment.PostingsList, len(l.terms))
			for k, t := range l.terms {
				if t == "" {
					continue
				}
				if pls[k], err = d.PostingsList([]byte(t), ss.Deleted(), nil); err != nil {
					return MatchSet{}, false, err
				}
			}
			postings[i].byLeaf[l.id] = pls
		}
	}
	// The idf and weight of each term as bleve's TermQueryScorer has them,
	// and the query norm over the must and should clauses' terms.
	sumSq := 0.0
	for l, scored := range leaves {
		l.idf = make([]float64, len(l.terms))
		l.weight = make([]float64, len(l.terms))
		for k, t := range l.terms {
			if t == "" {
				continue
			}
			var df uint64
			for i := range segs {
				df += postings[i].byLeaf[l.id][k].Count()
			}
			l.idf[k] = 1.0 + math.Log(float64(docTotal)/float64(df+1.0))
			w := l.boost * l.idf[k]
			if scored {
				sumSq += w * w
			}
		}
	}
	queryNorm := 1.0 / math.Sqrt(sumSq)
	for l := range leaves {
		for k := range l.terms {
			l.weight[k] = l.boost * l.idf[k] * queryNorm
		}
	}

	// At most as many matches as the first clause's leaves have postings
	// (a phrase's: its rarest term's).
	bound := uint64(0)
	for _, l := range p.must[0] {
		least := uint64(math.MaxUint64)
		for k, t := range l.terms {
			if t != "" {
				var df uint64
				for i := range segs {
					df += postings[i].byLeaf[l.id][k].Count()
				}
				least = min(least, df)
			}
		}
		bound += least
	}
	bound = min(bound, docTotal)
	// Documents are matched independently: with more than one processor,
	// a large search matches equal runs of them (a run may span segments,
	// or be part of one) at once and joins the parts in order.
	bases := make([]uint64, len(segs)+1)
	for i, ss := range segs {
		bases[i+1] = bases[i] + ss.Segment().Count()
	}
	total := bases[len(segs)]
	workers := runtime.GOMAXPROCS(0)
	if bound < parallelMatches || total < uint64(workers) {
		workers = 1
	}
	parts := make([]MatchSet, workers)
	errs := make([]error, workers)
	run := func(s *scratch, w int) {
		from, to := total*uint64(w)/uint64(workers), total*uint64(w+1)/uint64(workers)
		m := &parts[w]
		size := bound * (to - from) / max(1, total)
		m.Seqs, m.Scores = make([]int32, 0, size), make([]float64, 0, size)
		for i := range segs {
			lo, hi := max(from, bases[i]), min(to, bases[i+1])
			if lo >= hi {
				continue
			}
			if err := ctx.Err(); err != nil {
				errs[w] = err
				return
			}
			if err := ix.matchSegment(s, p, postings[i], bases[i], uint32(lo-bases[i]), uint32(hi-bases[i]), m); err != nil {
				errs[w] = err
				return
			}
		}
	}
	if workers == 1 {
		run(s, 0)
		if errs[0] != nil {
			return MatchSet{}, false, errs[0]
		}
		return parts[0], true, nil
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := ix.scratch.Get().(*scratch)
			defer ix.scratch.Put(s)
			run(s, w)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return MatchSet{}, false, err
		}
	}
	n := 0
	for _, part := range parts {
		n += len(part.Seqs)
	}
	m := MatchSet{Seqs: make([]int32, 0, n), Scores: make([]float64, 0, n)}
	for _, part := range parts {
		m.Seqs = append(m.Seqs, part.Seqs...)
		m.Scores = append(m.Scores, part.Scores...)
	}
	return m, true, nil
}

// skipRatio is how many times fewer documents than a term has postings a
// word's search may be left with and still skip to each rather than read
// the postings through. A variable for tests.
var skipRatio uint64 = 8

// parallelMatches is how many matches a search may have at most (by the
// postings of its first word) and still run on one processor: below it,
// starting goroutines costs about what they save. A variable for tests.
var parallelMatches uint64 = 20_000

// windowDocs is how many documents of a segment matchSegment matches at
// once. Its arrays for a window (18 bytes a document) stay in the
// processor's caches while every leaf's postings in the window are added
// up; over a whole segment of a million documents they took 18 MB, and
// each posting a leaf added to them was a cache and TLB miss (85 ns a
// posting at 1M flows, issue 18). A variable for tests.
var windowDocs uint32 = 8192

// matchSegment adds the matches of p among the documents lo to hi
// (excluded) of a segment whose first is numbered base in the index, and
// whose postings are pls, to m, a window of documents at a time.
func (ix *Index) matchSegment(s *scratch, p plan, pls segmentPostings, base uint64, lo, hi uint32, m *MatchSet) error {
	s.cursors = slices.Grow(s.cursors[:0], p.leaves)[:p.leaves]
	for k := range s.cursors {
		c := &s.cursors[k]
		c.started, c.done, c.p, c.cands = false, false, nil, nil
	}
	for wlo := lo; wlo < hi; {
		whi := hi
		if hi-wlo > windowDocs {
			whi = wlo + windowDocs
		}
		s.share = float64(whi-wlo) / float64(max(1, pls.docs))
		if err := ix.matchWindow(s, p, pls, base, wlo, whi, m); err != nil {
			return err
		}
		wlo = whi
	}
	return nil
}

// matchWindow is matchSegment for the documents lo to hi (excluded).
func (ix *Index) matchWindow(s *scratch, p plan, pls segmentPostings, base uint64, lo, hi uint32, m *MatchSet) error {
	s.reset(lo, hi)
	for k, c := range p.must {
		matched, err := s.clause(c, pls, uint8(k))
		if err != nil {
			return err
		}
		if !matched {
			return nil
		}
	}
	all := uint8(len(p.must))
	if len(p.should) > 0 {
		// The bonus: where it matches, its score is added and hits goes
		// one over all.
		if _, err := s.clause(p.should, pls, all); err != nil {
			return err
		}
	}
	s.need, s.exclude, s.candsOK = all, true, false
	for _, c := range p.not {
		for _, l := range c {
			if err := s.eval(l, pls.byLeaf[l.id]); err != nil {
				return err
			}
		}
	}
	// The matches: documents that matched every must clause (and the
	// bonus, or not), that no not clause excluded.
	for i, h := range s.hits {
		if h < all || h == notHit {
			continue
		}
		if g := base + uint64(lo) + uint64(i); g < uint64(len(ix.seqs)) && ix.seqs[g] > 0 {
			m.Seqs = append(m.Seqs, ix.seqs[g])
			m.Scores = append(m.Scores, score(s.score[i]))
		}
	}
	return nil
}

// termScore is bleve's tf-idf score of a term in a document's field (the
// TermQueryScorer's, with its query weight, boost × idf × query norm).
func termScore(freq uint64, norm, idf, weight float64) float64 {
	return math.Sqrt(float64(freq)) * norm * idf * weight
}

// candidates returns the documents of the window add may count, in order,
// or nil when that is any document (the first clause).
func (s *scratch) candidates() []uint32 {
	if s.need == 0 {
		return nil
	}
	if !s.candsOK {
		s.cands = s.cands[:0]
		for i, h := range s.hits {
			if s.candidate(h) {
				s.cands = append(s.cands, s.lo+uint32(i))
			}
		}
		s.candsOK = true
	}
	return s.cands
}

// candidate reports whether add may count a document that has matched h
// clauses (see need and exclude).
func (s *scratch) candidate(h uint8) bool {
	return s.need == 0 || h == s.need || s.exclude && h > s.need && h != notHit
}

// eval adds (see add) each document of the window in which leaf l
// matches, with its score there; pls are l's postings lists in the
// segment, read from where the previous window left them (l's cursor).
func (s *scratch) eval(l *leaf, pls []segment.PostingsList) error {
	c := &s.cursors[l.id]
	if c.done {
		return nil
	}
	if len(l.terms) == 1 {
		if !c.started {
			c.started = true
			if pls[0].Count() == 0 {
				c.done = true
				return nil
			}
			c.it = pls[0].Iterator(true, true, false, c.it)
		}
		idf, w := l.idf[0], l.weight[0]
		p := c.p
		var err error
		if cands := s.candidates(); cands != nil && float64(len(cands))*float64(skipRatio) < float64(pls[0].Count())*s.share {
			// Few documents left to match: skip to each (the postings'
			// chunks without one are not read).
			for _, d := range cands {
				// The posting of an earlier skip may be past d, and
				// the next candidate's: skip only from before d.
				if p == nil || p.Number() < uint64(d) {
					if p, err = c.it.Advance(uint64(d)); err != nil {
						return err
					}
					if p == nil {
						c.p, c.done = nil, true
						return nil
					}
				}
				if p.Number() == uint64(d) {
					s.add(d, termScore(p.Frequency(), p.Norm(), idf, w))
				}
			}
			c.p = p
			return nil
		}
		if p == nil || p.Number() < uint64(s.lo) {
			p, err = c.it.Advance(uint64(s.lo))
		}
		for ; err == nil && p != nil && p.Number() < uint64(s.hi); p, err = c.it.Next() {
			if d := uint32(p.Number()); s.candidate(s.hits[d-s.lo]) {
				s.add(d, termScore(p.Frequency(), p.Norm(), idf, w))
			}
		}
		c.p, c.done = p, p == nil
		return err
	}
	// A phrase: the documents holding every term, then their positions.
	if !c.started {
		c.started = true
		cands, err := s.phraseCandidates(l, pls, c)
		if err != nil || cands == nil {
			c.done = true
			return err
		}
		c.cands = cands.Iterator()
	}
	if cap(s.locs) < len(l.terms) {
		s.locs = make([][]segment.Location, len(l.terms))
	}
	locs := s.locs[:len(l.terms)]
	cit := c.cands
	cit.AdvanceIfNeeded(s.lo)
	for cit.HasNext() && cit.PeekNext() < s.hi {
		d := cit.Next()
		if !s.candidate(s.hits[d-s.lo]) {
			continue
		}
		sc := 0.0
		for k, it := range c.its {
			if it == nil {
				locs[k] = nil
				continue
			}
			p, err := it.Advance(uint64(d))
			if err != nil {
				return err
			}
			if p == nil || p.Number() != uint64(d) {
				return errPostings
			}
			locs[k] = p.Locations()
			sc += termScore(p.Frequency(), p.Norm(), l.idf[k], l.weight[k])
		}
		if phraseAt(locs, c.its) {
			s.add(d, sc)
		}
	}
	return nil
}

// phraseCandidates returns the documents of the segment range being
// matched that hold every term of the phrase l (nil when none can), and
// sets c's iterators, one per position.
func (s *scratch) phraseCandidates(l *leaf, pls []segment.PostingsList, c *cursor) (*roaring.Bitmap, error) {
	var cands *roaring.Bitmap
	if cap(c.its) < len(l.terms) {
		c.its = make([]segment.PostingsIterator, len(l.terms))
	}
	c.its = c.its[:len(l.terms)]
	for k, pl := range pls {
		if pl == nil {
			c.its[k] = nil
			continue
		}
		if pl.Count() == 0 {
			return nil, nil
		}
		c.its[k] = pl.Iterator(true, true, true, c.its[k])
		var bm *roaring.Bitmap
		if o, ok := c.its[k].(segment.OptimizablePostingsIterator); ok {
			if bm = o.ActualBitmap(); bm == nil {
				if d, ok := o.DocNum1Hit(); ok {
					bm = roaring.BitmapOf(uint32(d))
				}
			}
		}
		if bm == nil {
			bm = roaring.New()
			for it := pl.Iterator(false, false, false, nil); ; {
				p, err := it.Next()
				if err != nil {
					return nil, err
				}
				if p == nil {
					break
				}
				bm.Add(uint32(p.Number()))
			}
		}
		if cands == nil {
			cands = bm.Clone()
		} else {
			cands.And(bm)
		}
	}
	return cands, nil
}

// phraseAt reports whether the terms' locations hold the phrase: the first
// term somewhere, each next one at the next position of the same array
// element (an empty position, without an iterator, is skipped over), as
// bleve's findPhrasePaths finds it without slop.
func phraseAt(locs [][]segment.Location, its []segment.PostingsIterator) bool {
next:
	for _, first := range locs[0] {
		for k := 1; k < len(locs); k++ {
			if its[k] == nil {
				continue
			}
			found := false
			for _, l := range locs[k] {
				if l.Pos() == first.Pos()+uint64(k) && slices.Equal(l.ArrayPositions(), first.ArrayPositions()) {
					found = true
					break
				}
			}
			if !found {
				continue next
			}
		}
		return true
	}
	return false
}
