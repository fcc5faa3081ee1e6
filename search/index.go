// Package search is Portolan's full-text index of flows and hosts, kept with
// bleve. Build indexes the same documents store.Ingest writes, Open serves the
// index read-only, and Match turns a query (ParseQuery) into the matching
// flows' seqs and scores (Search into IDs, best first). SQLite stays the
// source of truth: the index answers "which flows match, how well"; the store
// applies the structured filters, ranks, counts the facets of exactly those
// flows and returns the rows. No bleve type leaks out of this package.
package search

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// ErrMappingVersion is returned (wrapped) by Open when the index was built by a
// binary with another mapping (MappingVersion). The index is derived data: the
// caller rebuilds it with Build.
var ErrMappingVersion = errors.New("search index mapping version does not match this binary")

// Index is a read-only handle on an index built by Build. It is safe for
// concurrent use.
type Index struct {
	idx     bleve.Index
	dataset string
	enA     analysis.Analyzer
	cjkA    analysis.Analyzer
	latinA  analysis.Analyzer // the en fields' (latinAnalyzer)
	seqs    []int32           // by internal document number: the flow's seq, 0 for a host
	scratch sync.Pool         // of *scratch, for matchPostings
}

// Open opens the index at path for searching. It fails with an error wrapping
// fs.ErrNotExist when there is none, and with one wrapping ErrMappingVersion
// when it was built with another mapping.
func Open(path string) (*Index, error) { return open(path, true) }

// open is Open; without seqs, the index's seq map is checked but not read
// (the Index can tell its dataset, not match).
func open(path string, seqs bool) (*Index, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	idx, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return nil, fmt.Errorf("search: open %s: %w (%v)", path, fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	ix, err := newIndex(idx)
	if err == nil {
		ix.seqs, err = seqMap(path, idx, seqs)
	}
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	return ix, nil
}

func newIndex(idx bleve.Index) (*Index, error) {
	mv, err := idx.GetInternal(keyMappingVersion)
	if err != nil {
		return nil, err
	}
	if len(mv) == 0 {
		return nil, errNotIndex
	}
	if string(mv) != MappingVersion {
		return nil, fmt.Errorf("mapping version %s, want %s: %w", mv, MappingVersion, ErrMappingVersion)
	}
	dv, err := idx.GetInternal(keyDatasetVersion)
	if err != nil {
		return nil, err
	}
	m := idx.Mapping()
	ix := &Index{idx: idx, dataset: string(dv)}
	ix.scratch.New = func() any { return new(scratch) }
	if ix.enA = m.AnalyzerNamed(en.AnalyzerName); ix.enA == nil {
		return nil, errors.New("no en analyzer")
	}
	if ix.cjkA = m.AnalyzerNamed(cjk.AnalyzerName); ix.cjkA == nil {
		return nil, errors.New("no cjk analyzer")
	}
	if ix.latinA = m.AnalyzerNamed(latinAnalyzer); ix.latinA == nil {
		return nil, errors.New("no latin analyzer")
	}
	return ix, nil
}

// Close releases the index's files.
func (ix *Index) Close() error {
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

// DatasetVersion returns the data.DatasetVersion of the documents the index was
// built from: callers compare it with the database's (store.DB.DatasetVersion)
// and rebuild the index when they differ.
func (ix *Index) DatasetVersion() string { return ix.dataset }

// DatasetVersionAt returns the dataset version of the index at path, or "" when
// there is no usable index there: none, one built with another mapping, a
// directory that is not an index, or one whose seq map is missing or does not
// fit it. An index is derived data, so all of those
// mean "rebuild". Other errors (permissions, a corrupt index) are returned.
func DatasetVersionAt(path string) (string, error) {
	ix, err := open(path, false)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, ErrMappingVersion), errors.Is(err, errNotIndex),
		errors.Is(err, errSeqMap):
		return "", nil
	case err != nil:
		return "", err
	}
	defer ix.Close()
	return ix.DatasetVersion(), nil
}
