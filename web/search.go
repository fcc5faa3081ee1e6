package web

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// textSearch is what the q parameter of a flow listing asks for, searched.
type textSearch struct {
	query  search.Query
	ranked bool            // q had text: the listing comes in rank order
	res    search.MatchSet // the flows the text matches, with their scores
	// Note says, safe to show, why q was searched as plain words; "" if it was
	// read as written.
	Note  string
	Fuzzy bool // nothing matched as typed: these are the typo fallback's hits
}

// Ranked reports whether the listing is in rank order.
func (ts *textSearch) Ranked() bool { return ts.ranked }

// searchText reads q's text (search.ParseQuery) and searches the index for its
// words. With strict (the API and CSV), a query that cannot be read as written
// is a 400 naming the problem; otherwise (the page) it is searched as plain
// words and Note says why. Without an index (tests, or a server started
// without one) the text is matched as a substring, as before search existed.
func (s *Server) searchText(ctx context.Context, text string, strict bool) (*textSearch, error) {
	ts := &textSearch{}
	if text == "" {
		return ts, nil
	}
	q, err := search.ParseQuery(text)
	if err != nil {
		var se *search.SyntaxError
		if !errors.As(err, &se) {
			return nil, err
		}
		if strict {
			return nil, badRequest("q: %s", se.Msg)
		}
		ts.Note = t(ctx, "search.note_fallback", se.Msg)
	}
	ts.query = q
	if !q.HasText() || s.indexOf(ctx) == nil {
		return ts, nil
	}
	if ts.res, err = s.match(ctx, q); err != nil {
		return nil, err
	}
	ts.ranked = true
	ts.Fuzzy = ts.res.Fuzzy
	return ts, nil
}

// DefaultSearchTimeout is how long a text search may take before it is
// given up with a 400 saying so: at 100k flows a search of 32 excluded words
// costs about a second, and a server must not spend more on one request.
const DefaultSearchTimeout = 2 * time.Second

// cheapWords is how many words (terms and phrases) a search may have and
// still count as cheap; see expensive.
const cheapWords = 8

// WithSearchLimits sets how long a text search may take (timeout) and how
// many expensive ones (excluded words, or more than a few words) run at once
// (slots); others wait for a slot within their timeout. New's defaults are
// DefaultSearchTimeout and half the processors (at least one), so that
// expensive searches, however many are sent, leave processors for the rest.
func WithSearchLimits(timeout time.Duration, slots int) Option {
	return func(s *Server) {
		s.searchTimeout = timeout
		s.searchSlots = make(chan struct{}, max(1, slots))
	}
}

// expensive reports whether q's search walks much of the index: an excluded
// word is matched against every flow the rest matches (all of them when
// nothing else is asked), and each word adds a walk of its postings.
func expensive(q search.Query) bool {
	return len(q.Excludes) > 0 || len(q.Terms)+len(q.Phrases) > cheapWords
}

// errSearchTimeout is the 400 of a search that did not finish in time.
func (s *Server) errSearchTimeout() error {
	return badRequest("q: the search did not finish within %v; excluded words (-word) and long lists of words cost the most: use fewer, or the filters", s.searchTimeout)
}

// match runs q's search within the search timeout, an expensive one only in
// one of the slots for them.
func (s *Server) match(ctx context.Context, q search.Query) (search.MatchSet, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.searchTimeout)
	defer cancel()
	if expensive(q) {
		select {
		case s.searchSlots <- struct{}{}:
			defer func() { <-s.searchSlots }()
		case <-ctx.Done():
			if parent.Err() != nil {
				return search.MatchSet{}, parent.Err()
			}
			return search.MatchSet{}, s.errSearchTimeout()
		}
	}
	m, err := s.indexOf(ctx).Match(ctx, q)
	if err != nil && parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return search.MatchSet{}, s.errSearchTimeout()
	}
	return m, err
}

// filter is the store filter of q with its text searched: the URL's filter
// and the one written in q (proto:udp, -doc:citrix, ...) merged, values of
// one filter ORed as a repeated URL parameter is, and the search's matches
// with their scores. A filter in q thus lists exactly what the same URL
// parameter lists.
func (s *Server) filter(q FlowQuery, ts *textSearch) (store.FlowFilter, error) {
	f := q.FlowFilter()
	if q.Text == "" {
		return f, nil
	}
	f.Filter = f.Filter.Merge(ts.query.Filter)
	f.Text = ""
	if !ts.ranked { // no index: the store matches the words as substrings
		f.Text = textOf(ts.query)
	}
	if ts.ranked {
		f.Seqs, f.Scores = ts.res.Seqs, ts.res.Scores
	}
	return f, nil
}

// textOf is the words of a query joined, for the substring stand-in used when
// there is no index.
func textOf(q search.Query) string {
	return strings.Join(append(slices.Clone(q.Terms), q.Phrases...), " ")
}

// highlights returns what the search matched in each of flows, for marking.
func (s *Server) highlights(ctx context.Context, ts *textSearch, flows []data.Flow) map[string]search.Matches {
	if !ts.ranked || len(flows) == 0 {
		return nil
	}
	ids := make([]string, len(flows))
	for i, f := range flows {
		ids[i] = f.ID
	}
	q := ts.query
	q.Fuzzy = ts.Fuzzy
	m, err := s.indexOf(ctx).Highlight(ctx, q, ids)
	if err != nil {
		// Marks are a nicety; the listing stands without them.
		s.log.WarnContext(ctx, "highlight", "err", err)
		return nil
	}
	return m
}
