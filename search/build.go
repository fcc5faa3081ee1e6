package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"github.com/portolan/portolan/data"
)

// Keys of the index's internal metadata.
var (
	keyMappingVersion = []byte("portolan_mapping_version")
	keyDatasetVersion = []byte("portolan_dataset_version")
)

// Build indexes docs into a new index and puts it at path (a directory),
// replacing any index there. Call it after store.Ingest with the same documents,
// so the index and the database hold the same dataset; Open reports which
// dataset an index holds (DatasetVersion), so a caller can tell when the two
// disagree and rebuild.
//
// The index is built in a temporary directory beside path and renamed into
// place, so a reader opening path sees a complete index, old or new. (A
// directory cannot be renamed over another one: for a moment between the two
// renames there is no index at path; a server holding the old one open keeps
// reading it.) On failure Build removes its temporary directory and leaves
// path as it was.
//
// Flows that score the same rank in the order given: documents in order,
// flows in Ordinal order within their document, their seq (data.Seqs), the
// key store.Ingest gives them too.
func Build(ctx context.Context, path string, docs []data.Document) error {
	b, err := NewBuilder(path)
	if err != nil {
		return err
	}
	defer b.Close()
	for d, flows := range data.Seqs(docs) {
		if err := b.Add(ctx, d, flows); err != nil {
			return err
		}
	}
	return b.Commit(ctx)
}

// Builder indexes a dataset one document at a time, holding no more of it
// than one batch (batchSize flows and hosts): what Build does for a dataset
// too large to hold in memory. The index appears at its path only when Commit succeeds; Close
// without Commit removes what was written.
type Builder struct {
	path, dir, tmp, fresh string
	off                   bleve.Builder   // bleve's offline builder: segments merged once, at the end
	ids                   []string        // flow IDs in seq order
	sums                  []data.Document // slug and checksum of each document, for DatasetVersion
	hostSeq               int
	done                  bool
}

// NewBuilder starts an index to be put at path (see Build).
func NewBuilder(path string) (*Builder, error) {
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	tmp, err := os.MkdirTemp(dir, base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("search: build %s: %w", path, err)
	}
	b := &Builder{path: path, dir: dir, tmp: tmp, fresh: filepath.Join(tmp, "index")}
	b.off, err = bleve.NewBuilder(b.fresh, newMapping(), map[string]any{
		"buildPathPrefix": tmp, // its segments, beside the index (one file system)
		"batchSize":       batchSize,
		"mergeMax":        mergeMax,
	})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("search: build %s: %w", path, err)
	}
	return b, nil
}

// Add indexes document d, the next of the dataset, with its flows numbered
// (d.SeqFlows, following the flows of the documents added before).
func (b *Builder) Add(ctx context.Context, d *data.Document, flows []data.SeqFlow) error {
	if err := b.add(ctx, d, flows); err != nil {
		return fmt.Errorf("search: build %s: %w", b.path, err)
	}
	return nil
}

func (b *Builder) add(ctx context.Context, d *data.Document, flows []data.SeqFlow) error {
	if b.done || b.off == nil {
		return errors.New("builder closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(flows) > 0 && flows[0].Seq != len(b.ids)+1 {
		return fmt.Errorf("flow seq %d after %d: flows out of order", flows[0].Seq, len(b.ids))
	}
	b.sums = append(b.sums, data.Document{Slug: d.Slug, Checksum: d.Checksum})
	hosts := map[string][]string{} // flow ID -> host names the row gives
	for _, h := range d.Hosts {
		if h.FlowID != "" {
			hosts[h.FlowID] = append(hosts[h.FlowID], h.Name)
		}
	}
	for _, p := range flows {
		f := p.Flow
		if f.ID == "" {
			return fmt.Errorf("document %q line %d: flow without an id", d.Slug, f.Line)
		}
		b.ids = append(b.ids, f.ID)
		if err := b.off.Index(f.ID, flowDocument(*d, *p.Section, *f, hosts[f.ID], p.Seq)); err != nil {
			return fmt.Errorf("flow %s: %w", f.ID, err)
		}
	}
	for i, h := range d.Hosts {
		b.hostSeq++
		if err := b.off.Index(HostKey(d.Slug, i+1), hostDocument(*d, h, b.hostSeq)); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return nil
}

// Commit finishes the index and puts it at its path.
func (b *Builder) Commit(ctx context.Context) error {
	if err := b.commit(ctx); err != nil {
		b.Close()
		return fmt.Errorf("search: build %s: %w", b.path, err)
	}
	return nil
}

func (b *Builder) commit(ctx context.Context) error {
	if b.done || b.off == nil {
		return errors.New("builder closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Close writes the last segment and merges them all into one.
	err := b.off.Close()
	b.off = nil
	if err != nil {
		return err
	}
	// What the builder cannot write: the index's own metadata.
	idx, err := bleve.Open(b.fresh)
	if err != nil {
		return err
	}
	err = idx.SetInternal(keyMappingVersion, []byte(MappingVersion))
	if err == nil {
		err = idx.SetInternal(keyDatasetVersion, []byte(data.DatasetVersion(b.sums)))
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := writeSeqMap(b.fresh, b.ids); err != nil {
		return err
	}
	b.ids = nil
	// bleve makes the directory private; the index is as readable as the
	// database it goes with (store.Ingest makes that 0644).
	if err := os.Chmod(b.fresh, 0o755); err != nil {
		return err
	}
	// Swap: move the old index aside (into tmp, removed with it), then the
	// new one into place.
	old := filepath.Join(b.tmp, "old")
	moved := false
	if _, err := os.Stat(b.path); err == nil {
		if err := os.Rename(b.path, old); err != nil {
			return err
		}
		moved = true
	}
	if err := os.Rename(b.fresh, b.path); err != nil {
		if moved {
			os.Rename(old, b.path)
		}
		return err
	}
	if d, err := os.Open(b.dir); err == nil {
		d.Sync()
		d.Close()
	}
	b.Close()
	return nil
}

// Close ends a build, removing its temporary directory: after Commit, what
// the index replaced; before, the index and its segments.
func (b *Builder) Close() {
	if b.done {
		return
	}
	b.done = true
	os.RemoveAll(b.tmp)
}

// batchSize is how many documents go into one segment while building, and
// mergeMax how many segments are merged into one at a time when the
// builder closes. The offline builder (bleve.NewBuilder) analyses and
// writes each batch on the goroutine that adds its last document, and
// merges once at the end: measured (BenchmarkBuild20k, issue 18), a third
// less wall time than batches given to an open index, whose merger rewrites
// each document several times as segments pile up, and a smaller index (one
// segment).
const (
	batchSize = 2000
	mergeMax  = 100
)

// HostKey is the index's key of the n-th (1-based) host of document doc, as
// SearchHosts returns it.
func HostKey(doc string, n int) string { return "host:" + doc + ":" + strconv.Itoa(n) }

// flowDocument is what the index holds of one flow. Text is indexed as written
// but for dots (see dotless), so Highlight's byte offsets point into the flow's
// fields as the store returns them; the query side folds width and case.
func flowDocument(d data.Document, s data.Section, f data.Flow, hosts []string, seq int) map[string]any {
	return withoutEmpty(map[string]any{
		typeField:        typeFlow,
		"purpose":        dotless(f.Purpose),
		"purpose_en":     dotless(f.PurposeEn),
		"source":         dotless(f.Source),
		"destination":    dotless(f.Destination),
		"service":        dotless(f.Service),
		"app_protocol":   dotless(f.AppProtocol),
		"hosts":          dotlessAll(hosts),
		"section":        dotless(s.Title),
		"section_en":     dotless(s.TitleEn),
		"ports_raw":      dotless(f.PortsRaw),
		"notes":          dotless(f.Notes),
		"notes_en":       dotless(f.NotesEn),
		fieldDoc:         d.Slug,
		fieldSectionID:   s.Slug,
		fieldProtocol:    upperAll(f.Protocols),
		fieldRequirement: orNone(f.Requirement),
		fieldDirection:   orNone(f.Direction),
		fieldApp:         f.AppProtocol,
		fieldSeq:         float64(seq),
	})
}

func hostDocument(d data.Document, h data.Host, seq int) map[string]any {
	return withoutEmpty(map[string]any{
		typeField:      typeHost,
		"host_name":    dotless(h.Name),
		"host_purpose": dotless(h.Purpose),
		"host_group":   dotless(h.Group),
		"host_section": dotless(h.Section),
		fieldDoc:       d.Slug,
		fieldSectionID: h.SectionID,
		fieldProtocol:  upperAll(h.Protocols),
		fieldSeq:       float64(seq),
	})
}

// withoutEmpty drops the empty strings and lists from a document: bleve
// makes and analyses a field for an empty value too, and most flows leave
// half their text fields empty (notes, glosses, service). An empty field
// matches nothing and weighs nothing in the ranking, so the index answers
// the same without it.
//
// It also gives each text field's value to the cjk analyzer's field it
// belongs in (see cjkSuffix): name+cjkSuffix when it has Han, kana or
// Hangul in it, name+rawSuffix when not.
func withoutEmpty(doc map[string]any) map[string]any {
	text := map[string]bool{}
	for _, f := range flowFields {
		text[f.name] = true
	}
	for _, f := range hostFields {
		text[f.name] = true
	}
	for k, v := range doc {
		switch v := v.(type) {
		case string:
			if v == "" {
				delete(doc, k)
			} else if text[k] {
				doc[k+cjkOrRaw(v)] = v
			}
		case []string:
			if len(v) == 0 {
				delete(doc, k)
				continue
			}
			if !text[k] {
				continue
			}
			for _, s := range v {
				doc[k+cjkOrRaw(s)] = append(asList(doc[k+cjkOrRaw(s)]), s)
			}
		}
	}
	return doc
}

func cjkOrRaw(s string) string {
	if isCJK(s) {
		return cjkSuffix
	}
	return rawSuffix
}

func asList(v any) []string {
	l, _ := v.([]string)
	return l
}

// dotless replaces dots with spaces, byte for byte, so the parts of a host
// name are words: "digicert" finds "https://*.digicert.com" and "microsoft"
// finds graph.microsoft.com (Unicode word breaking keeps "a.b.c" whole). Query
// words get the same treatment, so "graph.microsoft.com" is still found, as a
// phrase. Offsets do not move.
func dotless(s string) string { return strings.ReplaceAll(s, ".", " ") }

func dotlessAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = dotless(s)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// errNotIndex is returned when path holds something that is not an index.
var errNotIndex = errors.New("not a Portolan search index")
