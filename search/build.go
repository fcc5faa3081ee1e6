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
func Build(ctx context.Context, path string, docs []data.Document) (err error) {
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	tmp, err := os.MkdirTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("search: build %s: %w", path, err)
	}
	defer func() {
		os.RemoveAll(tmp)
		if err != nil {
			err = fmt.Errorf("search: build %s: %w", path, err)
		}
	}()
	fresh := filepath.Join(tmp, "index")
	ids, err := build(ctx, fresh, docs)
	if err != nil {
		return err
	}
	if err := writeSeqMap(fresh, ids); err != nil {
		return err
	}
	// bleve makes the directory private; the index is as readable as the
	// database it goes with (store.Ingest makes that 0644).
	if err := os.Chmod(fresh, 0o755); err != nil {
		return err
	}
	// Swap: move the old index aside (into tmp, removed with it), then the
	// new one into place.
	old := filepath.Join(tmp, "old")
	moved := false
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, old); err != nil {
			return err
		}
		moved = true
	}
	if err := os.Rename(fresh, path); err != nil {
		if moved {
			os.Rename(old, path)
		}
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// build writes a complete index of docs at the new directory path.
func build(ctx context.Context, path string, docs []data.Document) (ids []string, err error) {
	idx, err := bleve.New(path, newMapping())
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := idx.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	b := idx.NewBatch()
	flush := func(force bool) error {
		if b.Size() < batchSize && !force {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := idx.Batch(b); err != nil {
			return err
		}
		b.Reset()
		return nil
	}
	hostSeq := 0
	for d, flows := range data.Seqs(docs) {
		hosts := map[string][]string{} // flow ID -> host names the row gives
		for _, h := range d.Hosts {
			if h.FlowID != "" {
				hosts[h.FlowID] = append(hosts[h.FlowID], h.Name)
			}
		}
		for _, p := range flows {
			f := p.Flow
			if f.ID == "" {
				return nil, fmt.Errorf("document %q line %d: flow without an id", d.Slug, f.Line)
			}
			ids = append(ids, f.ID)
			if err := b.Index(f.ID, flowDocument(*d, *p.Section, *f, hosts[f.ID], p.Seq)); err != nil {
				return nil, fmt.Errorf("flow %s: %w", f.ID, err)
			}
			if err := flush(false); err != nil {
				return nil, err
			}
		}
		for i, h := range d.Hosts {
			hostSeq++
			if err := b.Index(HostKey(d.Slug, i+1), hostDocument(*d, h, hostSeq)); err != nil {
				return nil, fmt.Errorf("host %s: %w", h.Name, err)
			}
			if err := flush(false); err != nil {
				return nil, err
			}
		}
	}
	b.SetInternal(keyMappingVersion, []byte(MappingVersion))
	b.SetInternal(keyDatasetVersion, []byte(data.DatasetVersion(docs)))
	return ids, flush(true)
}

// batchSize is how many documents go into one bleve batch while building.
// bleve analyses a batch's documents on all cores, then turns them into one
// segment on one. Measured (BenchmarkBuild20k, issue 18): larger batches
// cost more memory than they save time, and two batches in flight at once
// took more CPU and half again the memory on a loaded machine for no gain.
const batchSize = 2000

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
