package web

import (
	"context"
	"errors"
	"slices"
	"strings"

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
	if !q.HasText() || s.idx == nil {
		return ts, nil
	}
	if ts.res, err = s.idx.Match(ctx, q); err != nil {
		return nil, err
	}
	ts.ranked = true
	ts.Fuzzy = ts.res.Fuzzy
	return ts, nil
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
	if s.idx == nil {
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
	m, err := s.idx.Highlight(ctx, q, ids)
	if err != nil {
		// Marks are a nicety; the listing stands without them.
		s.log.WarnContext(ctx, "highlight", "err", err)
		return nil
	}
	return m
}
