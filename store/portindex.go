package store

import (
	"math/bits"
	"slices"

	"github.com/portolan/portolan/data"
)

// portIndex finds the rows whose ranges overlap a port range without looking
// at every row: rows of single-port ranges listed by port, and rows of wide
// ranges (from < to) grouped by range. A dataset has few distinct wide
// ranges (the dynamic RPC range, 1024-65535, ...), each on many rows, so a
// query looks at each distinct range once and takes its rows whole. Built
// on first use.
type portIndex struct {
	n           int      // rows in the table
	singleStart []uint32 // rows with single port p: singleRows[singleStart[p]:singleStart[p+1]]
	singleRows  []int32
	wide        []uint32 // the distinct wide ranges, packed from<<16 | to, sorted
	wideStart   []uint32 // rows with wide[k]: wideRows[wideStart[k]:wideStart[k+1]], in order
	wideRows    []int32
	keep        *tableMap // see flowTable.keep
}

func (t *flowTable) buildPortIndex() *portIndex {
	ix := &portIndex{n: len(t.Doc), singleStart: make([]uint32, 65537)}
	byRange := map[uint32][]int32{}
	for i := range t.Doc {
		for _, p := range t.Ports[t.PortStart[i]:t.PortStart[i+1]] {
			if from, to := p>>16, p&0xffff; from == to {
				ix.singleStart[from+1]++
			} else if l := byRange[p]; len(l) == 0 || l[len(l)-1] != int32(i) {
				byRange[p] = append(l, int32(i))
			}
		}
	}
	for p := 1; p <= 65536; p++ {
		ix.singleStart[p] += ix.singleStart[p-1]
	}
	ix.singleRows = make([]int32, ix.singleStart[65536])
	next := slices.Clone(ix.singleStart[:65536])
	for i := range t.Doc {
		for _, p := range t.Ports[t.PortStart[i]:t.PortStart[i+1]] {
			if from, to := p>>16, p&0xffff; from == to {
				ix.singleRows[next[from]] = int32(i)
				next[from]++
			}
		}
	}
	for p := range byRange {
		ix.wide = append(ix.wide, p)
	}
	slices.Sort(ix.wide)
	ix.wideStart = make([]uint32, 1, len(ix.wide)+1)
	for _, p := range ix.wide {
		ix.wideRows = append(ix.wideRows, byRange[p]...)
		ix.wideStart = append(ix.wideStart, uint32(len(ix.wideRows)))
	}
	return ix
}

// rows returns the rows with a range overlapping any of want, sorted, once
// each; empty, not nil, when there are none.
func (ix *portIndex) rows(want []data.PortRange) []int32 {
	var lists [][]int32
	n := 0
	sorted := true // every list is in order
	add := func(l []int32) {
		if len(l) > 0 {
			lists = append(lists, l)
			n += len(l)
		}
	}
	for _, w := range want {
		single := ix.singleRows[ix.singleStart[w.From]:ix.singleStart[w.To+1]]
		// A port's rows are in order; those of several ports are not.
		sorted = sorted && (w.From == w.To || len(single) == 0)
		add(single)
		for k, p := range ix.wide {
			if from, to := int(p>>16), int(p&0xffff); from <= w.To && to >= w.From {
				add(ix.wideRows[ix.wideStart[k]:ix.wideStart[k+1]])
			}
		}
	}
	switch {
	case len(lists) == 0:
		return []int32{}
	case len(lists) == 1 && sorted:
		// A row naming a port twice is listed twice under it.
		return slices.Compact(slices.Clone(lists[0]))
	case n < ix.n/16:
		out := make([]int32, 0, n)
		for _, l := range lists {
			out = append(out, l...)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	// Many rows: a bit per row of the table, read back in order.
	set := make([]uint64, (ix.n+63)/64)
	for _, l := range lists {
		for _, i := range l {
			set[i/64] |= 1 << (i % 64)
		}
	}
	out := make([]int32, 0, n)
	for w, word := range set {
		for word != 0 {
			out = append(out, int32(w*64+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	return out
}
