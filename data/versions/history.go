package versions

import (
	"fmt"

	"github.com/portolan/portolan/data"
)

// History is what Portolan keeps of a document beyond its latest text: every
// version, what changed from each to the next, and every flow ID once given
// that the latest version no longer has.
type History struct {
	Versions []data.Version // oldest first; the last is the document's current text
	Diffs    []Diff         // Diffs[i] leads from Versions[i] to Versions[i+1]
	Gone     []Gone         // removed flows, in the order they were removed
}

// Gone is a flow a version removed: what it was, the version that removed it,
// and the flow of the latest version nearest to it, if any, where its deep
// link should send the reader.
type Gone struct {
	Flow      data.Flow `json:"flow"`
	RemovedIn int       `json:"removed_in"`
	Successor string    `json:"successor,omitempty"`
}

// Start begins the history of a document with its first version.
func Start(d data.Document, v data.Version) History {
	v.Doc, v.Number, v.Raw, v.Checksum = d.Slug, 1, d.Raw, d.Checksum
	if v.Meta.Slug == "" {
		v.Meta = data.MetaOf(d)
	}
	return History{Versions: []data.Version{v}}
}

// Latest is the current version.
func (h *History) Latest() data.Version { return h.Versions[len(h.Versions)-1] }

// Has reports whether one of the versions has this checksum.
func (h *History) Has(checksum string) bool {
	for _, v := range h.Versions {
		if v.Checksum == checksum {
			return true
		}
	}
	return false
}

// Add makes next, a new text of the document whose current version is prev,
// its latest version: next's flows take the IDs of the flows of prev they
// continue (see Carry), the flows prev had and next has not are added to Gone,
// and a flow of Gone whose ID next gives again is no longer gone. It returns
// what changed.
func (h *History) Add(prev data.Document, next *data.Document, v data.Version) (Diff, error) {
	if prev.Slug != next.Slug {
		return Diff{}, fmt.Errorf("versions: a text of %q is not a version of %q", next.Slug, prev.Slug)
	}
	d := Carry(prev, next)
	v.Doc, v.Number, v.Raw, v.Checksum = next.Slug, len(h.Versions)+1, next.Raw, next.Checksum
	d.Version, d.Captured = v.Number, v.Captured
	h.Versions = append(h.Versions, v)
	h.Diffs = append(h.Diffs, d)

	live := map[string]bool{}
	for _, p := range next.OrderedFlows() {
		live[p.Flow.ID] = true
	}
	for _, r := range d.Removed {
		h.Gone = append(h.Gone, Gone{Flow: r.Flow, RemovedIn: v.Number, Successor: r.Successor})
	}
	// Successors point at live flows: one removed now points on to its own
	// successor, or nowhere.
	succ := map[string]string{}
	for _, r := range d.Removed {
		succ[r.Flow.ID] = r.Successor
	}
	kept := h.Gone[:0]
	for _, g := range h.Gone {
		if live[g.Flow.ID] {
			continue // given again
		}
		for range len(succ) + 1 {
			if g.Successor == "" || live[g.Successor] {
				break
			}
			g.Successor = succ[g.Successor]
		}
		if !live[g.Successor] {
			g.Successor = ""
		}
		kept = append(kept, g)
	}
	h.Gone = kept
	return d, nil
}

// Replay reads every version of a document, oldest first, with extract and
// carries flow IDs from each to the next: the latest version as a document,
// with the IDs its flows have had since they first appeared, and its history.
// The same texts give the same IDs and diffs on every machine, so a database
// can be rebuilt from its versions alone.
func Replay(vs []data.Version, extract func(data.Version) (data.Document, error)) (data.Document, History, error) {
	if len(vs) == 0 {
		return data.Document{}, History{}, fmt.Errorf("versions: no version to replay")
	}
	prev, err := extract(vs[0])
	if err != nil {
		return data.Document{}, History{}, fmt.Errorf("version 1: %w", err)
	}
	h := Start(prev, vs[0])
	for i, v := range vs[1:] {
		next, err := extract(v)
		if err != nil {
			return data.Document{}, History{}, fmt.Errorf("version %d: %w", i+2, err)
		}
		if _, err := h.Add(prev, &next, v); err != nil {
			return data.Document{}, History{}, err
		}
		prev = next
	}
	return prev, h, nil
}
