package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
	index "github.com/blevesearch/bleve_index_api"

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
// than a few batches (batchSize flows and hosts): what Build does for a
// dataset too large to hold in memory. The index appears at its path only
// when Commit succeeds; Close without Commit removes what was written.
//
// It is bleve's offline builder (scorch.Builder: segments written as
// batches fill and merged once, at the end) with the documents mapped and
// analysed on every core beforehand: the builder itself analyses a batch
// on the goroutine that fills it, while the segment of the batch before
// waits.
type Builder struct {
	path, dir, tmp, fresh string
	sb                    *scorch.Builder
	mapping               mapping.IndexMapping
	internal              map[string][]byte // the index's metadata, written by sb.Close
	ids                   []string          // flow IDs in seq order
	sums                  []data.Document   // slug and checksum of each document, for DatasetVersion
	hostSeq               int

	// Each Add's documents are analysed on a goroutine of its own (at most
	// analysts at once) into a chunk, and the writer gives the chunks to
	// sb in the order they were added.
	analysts chan struct{}
	chunks   chan chan chunk
	written  chan error // the writer's outcome
	stop     atomic.Bool
	closed   bool // chunks
	done     bool
}

// A chunk is the documents of one Add, mapped and analysed.
type chunk struct {
	docs []index.Document
	err  error
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
	b, err := newBuilder(path, dir, tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("search: build %s: %w", path, err)
	}
	return b, nil
}

func newBuilder(path, dir, tmp string) (*Builder, error) {
	workers := max(1, runtime.GOMAXPROCS(0))
	b := &Builder{path: path, dir: dir, tmp: tmp, fresh: filepath.Join(tmp, "index"), mapping: newMapping(),
		analysts: make(chan struct{}, workers), chunks: make(chan chan chunk, 2*workers), written: make(chan error, 1)}
	if err := b.mapping.Validate(); err != nil {
		return nil, err
	}
	mappingJSON, err := util.MarshalJSON(b.mapping)
	if err != nil {
		return nil, err
	}
	b.internal = map[string][]byte{
		string(util.MappingInternalKey): mappingJSON, // what bleve.Open reads the mapping from
		string(keyMappingVersion):       []byte(MappingVersion),
	}
	// What bleve.New writes for a scorch index; bleve.NewBuilder writes the
	// same.
	if err := os.MkdirAll(b.fresh, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(b.fresh, "index_meta.json"), []byte(`{"storage":"scorch","index_type":"scorch"}`), 0o644); err != nil {
		return nil, err
	}
	b.sb, err = scorch.NewBuilder(map[string]any{
		"path":            filepath.Join(b.fresh, "store"),
		"buildPathPrefix": tmp, // its segments, beside the index (one file system)
		"batchSize":       batchSize,
		"mergeMax":        mergeMax,
		"internal":        b.internal, // read when it closes
	})
	if err != nil {
		return nil, err
	}
	go b.write()
	return b, nil
}

// write gives sb the chunks in order, until the first error.
func (b *Builder) write() {
	var err error
	for ch := range b.chunks {
		c := <-ch
		if err != nil || b.stop.Load() {
			continue // drained, so no analyst waits
		}
		if err = c.err; err != nil {
			continue
		}
		for _, d := range c.docs {
			if err = b.sb.Index(d); err != nil {
				break
			}
		}
	}
	b.written <- err
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
	if b.done || b.closed {
		return errors.New("builder closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(flows) > 0 && flows[0].Seq != len(b.ids)+1 {
		return fmt.Errorf("flow seq %d after %d: flows out of order", flows[0].Seq, len(b.ids))
	}
	b.sums = append(b.sums, data.Document{Slug: d.Slug, Checksum: d.Checksum})
	srcs := make([]source, 0, len(flows)+len(d.Hosts))
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
		srcs = append(srcs, source{f.ID, flowDocument(*d, *p.Section, *f, hosts[f.ID], p.Seq)})
	}
	for i, h := range d.Hosts {
		b.hostSeq++
		srcs = append(srcs, source{HostKey(d.Slug, i+1), hostDocument(*d, h, b.hostSeq)})
	}
	for len(srcs) > 0 {
		n := min(len(srcs), chunkSize)
		if err := b.analyseLater(ctx, srcs[:n]); err != nil {
			return err
		}
		srcs = srcs[n:]
	}
	return nil
}

// chunkSize is how many of a document's flows and hosts are analysed
// together, at most: the chunks waiting for the writer are what the builder
// holds beside its batch.
const chunkSize = 200

// analyseLater analyses the documents of srcs (id, source) on a goroutine
// of its own, for the writer to take in turn.
func (b *Builder) analyseLater(ctx context.Context, srcs []source) error {
	ch := make(chan chunk, 1)
	select {
	case b.chunks <- ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.analysts <- struct{}{}
	go func() {
		defer func() { <-b.analysts }()
		c := chunk{docs: make([]index.Document, 0, len(srcs))}
		for _, s := range srcs {
			doc, err := b.analyse(s.id, s.doc)
			if err != nil {
				c.err = err
				break
			}
			c.docs = append(c.docs, doc)
		}
		ch <- c
	}()
	return nil
}

// A source is a document to index: its ID and what the mapping maps.
type source struct {
	id  string
	doc map[string]any
}

// analyse maps a document as bleve's Index does and analyses its fields as
// the builder would, leaving it only the _id field to analyse.
func (b *Builder) analyse(id string, src map[string]any) (index.Document, error) {
	doc := document.NewDocument(id)
	if err := b.mapping.MapDocument(doc, src); err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	if doc.HasComposite() {
		return doc, nil // composite fields are built as the others are analysed: the builder's work
	}
	doc.VisitFields(func(f index.Field) {
		if f.Options().IsIndexed() {
			f.Analyze()
		}
	})
	return analysed{doc}, nil
}

// analysed is a document whose fields are analysed already: the builder,
// which analyses every field of a document it is given (scorch's analyze),
// then only analyses those that are not, the _id field it adds.
type analysed struct{ *document.Document }

func (d analysed) VisitFields(visit index.FieldVisitor) {
	d.Document.VisitFields(func(f index.Field) { visit(analysedField{f}) })
}

type analysedField struct{ index.Field }

func (f analysedField) Analyze() {
	if f.AnalyzedTokenFrequencies() == nil {
		f.Field.Analyze()
	}
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
	if b.done || b.closed {
		return errors.New("builder closed")
	}
	b.closed = true
	close(b.chunks)
	if err := <-b.written; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.internal[string(keyDatasetVersion)] = []byte(data.DatasetVersion(b.sums))
	// The merge maps every segment into memory: first give back what the
	// analysis took (a collector otherwise keeps the heap's high-water
	// mark resident).
	debug.FreeOSMemory()
	// Close writes the last segment and merges them all into one.
	if err := b.sb.Close(); err != nil {
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
	if !b.closed {
		b.closed = true
		b.stop.Store(true)
		close(b.chunks)
		<-b.written
	}
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
