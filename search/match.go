package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// MatchSet is the flows a search found, in no particular order: each flow's
// seq (its 1-based position in the dataset, as data.Seqs numbers it, so
// store.FlowFilter takes them as they are) and score, higher better.
type MatchSet struct {
	Seqs   []int32
	Scores []float64
	// Fuzzy is true when nothing matched as typed and these are the matches of
	// the typo fallback (Query.Fuzzy).
	Fuzzy bool
}

// Match finds the flows matching q's text as Search does, but returns them
// unordered, as seqs and scores, for a caller that filters, orders and counts
// them itself (the store does, in one pass): at a million flows a search
// matching hundreds of thousands costs a walk of the postings, with no sort and
// no document lookups.
func (ix *Index) Match(ctx context.Context, q Query) (MatchSet, error) {
	m, err := ix.match(ctx, q)
	if err != nil {
		return MatchSet{}, err
	}
	if len(m.Seqs) > 0 || q.Fuzzy || !fuzzyApplies(q) {
		return m, nil
	}
	q.Fuzzy = true
	if m, err = ix.match(ctx, q); err != nil {
		return MatchSet{}, err
	}
	m.Fuzzy = len(m.Seqs) > 0
	return m, nil
}

func (ix *Index) match(ctx context.Context, q Query) (MatchSet, error) {
	return ix.matchUsing(ctx, q, true)
}

// matchUsing is match, reading the postings itself when it can and
// postings is set (see matchPostings), else with bleve's searchers.
func (ix *Index) matchUsing(ctx context.Context, q Query, postings bool) (MatchSet, error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return MatchSet{}, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return MatchSet{}, fmt.Errorf("search: %w", err)
	}
	defer r.Close()
	if postings {
		if m, ok, err := ix.matchPostings(ctx, r, q); ok || err != nil {
			return m, err
		}
	}
	s, err := ix.query(q, flowFields, typeFlow).Searcher(ctx, r, ix.idx.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		return MatchSet{}, fmt.Errorf("search: %w", err)
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{
		DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0),
		IndexReader:       r,
	}
	m := MatchSet{Seqs: []int32{}, Scores: []float64{}}
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return MatchSet{}, err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return MatchSet{}, fmt.Errorf("search: %w", err)
		}
		if dm == nil {
			break
		}
		if d := dm.IndexInternalID.Value(); d < uint64(len(ix.seqs)) && ix.seqs[d] > 0 {
			m.Seqs = append(m.Seqs, ix.seqs[d])
			m.Scores = append(m.Scores, score(dm.Score))
		}
		sctx.DocumentMatchPool.Put(dm)
	}
	return m, nil
}

// The seq map: the file seqMapFile in the index directory holds, for each of
// the index's internal document numbers, the flow's seq (0 for hosts), so a
// search yields seqs without looking up each hit's ID. Internal numbers are
// fixed once the index is built and only ever opened read-only; a sample of
// them with their IDs is kept and checked at open, so a map that does not fit
// its index is found out (and the index rebuilt) rather than trusted.
const (
	seqMapFile  = "portolan_seqs"
	seqMapMagic = "PSEQ1\n"
	seqSamples  = 64
)

var errSeqMap = errors.New("seq map does not fit the index")

// writeSeqMap opens the finished index at path and writes its seq map; ids
// are the flows' IDs in seq order.
func writeSeqMap(path string, ids []string) (err error) {
	idx, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := idx.Close(); err == nil {
			err = cerr
		}
	}()
	seqOf := make(map[string]int32, len(ids))
	for i, id := range ids {
		seqOf[id] = int32(i + 1)
	}
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return err
	}
	defer all.Close()
	var seqs []int32
	var flows []uint64 // internal numbers of flows, for samples
	for {
		iid, err := all.Next()
		if err != nil {
			return err
		}
		if iid == nil {
			break
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			return err
		}
		d := iid.Value()
		for uint64(len(seqs)) <= d {
			seqs = append(seqs, 0)
		}
		if seq, ok := seqOf[ext]; ok {
			seqs[d] = seq
			flows = append(flows, d)
		}
	}
	if len(flows) != len(ids) {
		return fmt.Errorf("%d flows in the index, %d built", len(flows), len(ids))
	}
	b := []byte(seqMapMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(seqs)))
	for _, s := range seqs {
		b = binary.LittleEndian.AppendUint32(b, uint32(s))
	}
	n := min(seqSamples, len(flows))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	for k := range n {
		d := flows[k*len(flows)/n]
		id := ids[seqs[d]-1]
		b = binary.LittleEndian.AppendUint32(b, uint32(d))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(id)))
		b = append(b, id...)
	}
	return os.WriteFile(filepath.Join(path, seqMapFile), b, 0o644)
}

// readSeqMap reads the seq map of the index at path and checks its samples
// against r; without decode it only checks it (and returns nil). The seqs
// are read from the file a piece at a time straight into their slice: at a
// million flows, a copy of the whole file first was 4 MB more of new
// memory at each start, and a server starting checks its index twice.
func readSeqMap(path string, r index.IndexReader, decode bool) ([]int32, error) {
	f, err := os.Open(filepath.Join(path, seqMapFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSeqMap, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSeqMap, err)
	}
	short := fmt.Errorf("%w: file too short", errSeqMap)
	head := make([]byte, len(seqMapMagic)+4)
	if _, err := io.ReadFull(f, head); err != nil || string(head[:len(seqMapMagic)]) != seqMapMagic {
		return nil, fmt.Errorf("%w: not a seq map", errSeqMap)
	}
	n := int(binary.LittleEndian.Uint32(head[len(seqMapMagic):]))
	if fi.Size()-int64(len(head)) < 4*int64(n)+4 {
		return nil, short
	}
	var seqs []int32
	if decode {
		seqs = make([]int32, n)
		buf := make([]byte, 64<<10)
		for i := 0; i < n; {
			k := min(len(buf)/4, n-i)
			if _, err := io.ReadFull(f, buf[:4*k]); err != nil {
				return nil, short
			}
			for j := range k {
				seqs[i+j] = int32(binary.LittleEndian.Uint32(buf[4*j:]))
			}
			i += k
		}
	} else if _, err := f.Seek(int64(len(head))+4*int64(n), io.SeekStart); err != nil {
		return nil, fmt.Errorf("%w: %v", errSeqMap, err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSeqMap, err)
	}
	if len(b) < 4 {
		return nil, short
	}
	samples := int(binary.LittleEndian.Uint32(b))
	b = b[4:]
	for range samples {
		if len(b) < 8 {
			return nil, short
		}
		d, l := binary.LittleEndian.Uint32(b), int(binary.LittleEndian.Uint32(b[4:]))
		b = b[8:]
		if len(b) < l {
			return nil, short
		}
		want := string(b[:l])
		b = b[l:]
		got, err := r.ExternalID(index.NewIndexInternalID(nil, uint64(d)))
		if err != nil || got != want {
			return nil, fmt.Errorf("%w: document %d is %q, want %q (%v)", errSeqMap, d, got, want, err)
		}
	}
	return seqs, nil
}

// seqMap reads the seq map of the index idx opened at path (see
// readSeqMap for decode).
func seqMap(path string, idx bleve.Index, decode bool) ([]int32, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readSeqMap(path, r, decode)
}
