package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/store"
)

// corpus is what a database is built from: every version of every document,
// in the order the documents are served. The database keeps the versions
// (texts and the metadata to read them with); everything else in it (flow IDs
// carried across versions, the changes, removed flows) is replayed from them
// by build, so each ingest builds a new database whole and swaps it in.
type corpus struct {
	slugs []string
	vers  map[string][]data.Version
	// read holds texts already extracted, by slug and checksum, so that
	// build does not read them again.
	read map[string]data.Document
	mu   sync.Mutex // read's, while each reads documents at once
	// onDisk names the file holding a version's text, by slug and
	// checksum, for the versions whose Raw is left empty until each reads
	// them (see leaveOnDisk): a dataset of many files is not held in memory.
	onDisk map[string]string
	// said, if set, is where each prints what its check says.
	said io.Writer
}

// readCorpus reads the versions held by the database at path. With no
// database there, or one from before versions were kept, the corpus is
// empty; one of another schema gives every version it holds
// (store.CarryVersions), so a new binary rebuilds what was ingested instead
// of dropping it. current reports whether the database was built by this
// binary's extractor.
func readCorpus(ctx context.Context, path string) (ds *corpus, current bool, err error) {
	return readSomeCorpus(ctx, path, nil)
}

// readSomeCorpus is readCorpus, of only the documents named by only when
// it is not nil, and then without their texts and metadata: enough for
// addShipped to tell which shipped texts are new (it looks at the shipped
// documents' checksums only), without reading every text of a large
// dataset at each start of serve.
func readSomeCorpus(ctx context.Context, path string, only []string) (ds *corpus, current bool, err error) {
	ds = &corpus{vers: map[string][]data.Version{}, read: map[string]data.Document{}}
	db, err := store.Open(ctx, path)
	switch {
	case errors.Is(err, store.ErrSchemaVersion) && only == nil:
		slugs, vers, err := store.CarryVersions(ctx, path)
		if errors.Is(err, store.ErrNothingToCarry) {
			return ds, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%w (its documents are not dropped: move it away to start from the shipped documents only)", err)
		}
		ds.slugs, ds.vers = slugs, vers
		return ds, false, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, store.ErrSchemaVersion):
		return ds, false, nil
	case err != nil:
		return nil, false, err
	}
	defer db.Close()
	v, err := db.ExtractorVersion(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	if only != nil {
		for _, slug := range only {
			vs, err := db.Versions(ctx, slug)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, false, err
			}
			ds.slugs = append(ds.slugs, slug)
			ds.vers[slug] = vs
		}
		return ds, v == data.ExtractorVersion, nil
	}
	sums, err := db.Documents(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, s := range sums {
		h, err := db.History(ctx, s.Slug)
		if err != nil {
			return nil, false, err
		}
		for i, v := range h.Versions {
			if v.Meta.Slug == "" { // kept without its metadata
				h.Versions[i].Meta = data.MetaOf(s.Document)
			}
		}
		ds.slugs = append(ds.slugs, s.Slug)
		ds.vers[s.Slug] = h.Versions
	}
	return ds, v == data.ExtractorVersion, nil
}

// latest is the current version of a document known by slug.
func (ds *corpus) latest(slug string) (data.Version, bool) {
	vs := ds.vers[slug]
	if len(vs) == 0 {
		return data.Version{}, false
	}
	return vs[len(vs)-1], true
}

// byURL finds the document whose latest version was fetched from u. The page
// a document's metadata names is not enough: documents captured by hand may
// name the same page.
func (ds *corpus) byURL(u string) (string, bool) {
	if u == "" {
		return "", false
	}
	for _, slug := range ds.slugs {
		if v, _ := ds.latest(slug); v.SourceURL == u {
			return slug, true
		}
	}
	return "", false
}

// keep drops every document but those named, keeping the order.
func (ds *corpus) keep(slugs []string) {
	want := map[string]bool{}
	for _, s := range slugs {
		want[s] = true
	}
	kept := ds.slugs[:0]
	for _, s := range ds.slugs {
		if want[s] {
			kept = append(kept, s)
		} else {
			delete(ds.vers, s)
		}
	}
	ds.slugs = kept
}

// add records src as the latest text of its document. A document known by
// slug, or by the URL it was fetched from, gets a new version, unless its latest text is the same one;
// a shipped text adds nothing either when any version has it (a shipped text
// is where a document's history began, and versions fetched since are newer).
// An unknown document gets version 1. v says where and when the text was
// captured. add reports the document's slug and whether a version was added.
func (ds *corpus) add(src data.Source, v data.Version, shipped bool) (string, bool) {
	return ds.addRead(src, v, shipped, nil)
}

// addRead is add for a text already extracted as d, if d is not nil.
func (ds *corpus) addRead(src data.Source, v data.Version, shipped bool, d *data.Document) (string, bool) {
	slug := src.Meta.Slug
	if _, ok := ds.vers[slug]; !ok {
		if s, ok := ds.byURL(v.SourceURL); ok {
			slug = s
		}
	}
	src.Meta.Slug = slug
	v.Meta, v.Raw, v.Checksum, v.Doc = src.Meta, string(src.Raw), data.Checksum(src.Raw), slug
	if d != nil && d.Slug == slug {
		ds.read[slug+"\x00"+v.Checksum] = *d
	}
	vs, known := ds.vers[slug]
	if known {
		last := vs[len(vs)-1]
		if last.Checksum == v.Checksum {
			return slug, false
		}
		if shipped {
			for i, old := range vs {
				if old.Checksum == v.Checksum {
					// The shipped metadata is the one to read its text with.
					vs[i].Meta = src.Meta
					return slug, false
				}
			}
		}
	} else {
		ds.slugs = append(ds.slugs, slug)
	}
	v.Number = len(vs) + 1
	ds.vers[slug] = append(vs, v)
	return slug, true
}

// addShipped adds the documents shipped with the binary; a text shipped
// after a database was first built becomes a new version captured at now. It
// returns the slugs of the shipped documents and of those given a new
// version.
func (ds *corpus) addShipped(now time.Time) (shipped, added []string, err error) {
	srcs, err := data.EmbeddedSources()
	if err != nil {
		return nil, nil, fmt.Errorf("embedded documents: %w", err)
	}
	for _, src := range srcs {
		shipped = append(shipped, src.Meta.Slug)
		v := data.Version{}
		_, known := ds.vers[src.Meta.Slug]
		if known {
			v.Captured = now
		}
		// A shipped document new to the database is not news; a new text
		// of one is.
		if slug, ok := ds.add(src, v, true); ok && known {
			added = append(added, slug)
		}
	}
	return shipped, added, nil
}

// build reads every version of every document and carries flow IDs from each
// version to the next: the documents as they are now and their histories.
func (ds *corpus) build() ([]data.Document, map[string]versions.History, error) {
	docs := make([]data.Document, 0, len(ds.slugs))
	hist := make(map[string]versions.History, len(ds.slugs))
	err := ds.each(nil, func(d *data.Document, h *versions.History) error {
		docs = append(docs, *d)
		hist[d.Slug] = *h
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return docs, hist, nil
}

// A reading is one document as build makes it, its history, and what check
// said of its texts (see each).
type reading struct {
	d        data.Document
	h        versions.History
	said     []string
	err      error // reading the document
	refusals error // check's, returned as it is
}

// each reads the documents as build does and gives them to yield in order,
// one at a time, so that a dataset can be built without holding all its
// documents. Documents are read on every core, a few ahead of yield.
//
// check, if set, sees every text as extracted (d, or the error reading it)
// and may refuse it: each then stops with check's error as it is, after
// printing to said what check said of the documents before. Otherwise each
// stops with the first error reading a document, or yield's.
func (ds *corpus) each(check func(slug string, v data.Version, d *data.Document, err error) (said []string, refuse error),
	yield func(*data.Document, *versions.History) error) error {
	read := func(slug string) (r reading) {
		vs, err := ds.texts(slug)
		if err != nil {
			r.err = err
			return r
		}
		r.d, r.h, r.err = versions.Replay(vs, func(v data.Version) (data.Document, error) {
			d, err := ds.extract(slug, v)
			if check != nil {
				said, refuse := check(slug, v, &d, err)
				r.said = append(r.said, said...)
				if refuse != nil && r.refusals == nil {
					r.refusals = refuse
				}
				if refuse != nil {
					return d, refuse
				}
			}
			return d, err
		})
		return r
	}
	// A window of documents being read, each reading into its own channel,
	// taken in order.
	workers := max(1, runtime.GOMAXPROCS(0))
	ahead := 2 * workers
	sem := make(chan struct{}, workers)
	pending := make([]chan reading, len(ds.slugs))
	start := func(i int) {
		if i >= len(ds.slugs) {
			return
		}
		ch := make(chan reading, 1)
		pending[i] = ch
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ch <- read(ds.slugs[i])
		}()
	}
	for i := range ahead {
		start(i)
	}
	for i, slug := range ds.slugs {
		r := <-pending[i]
		pending[i] = nil
		start(i + ahead)
		for _, s := range r.said {
			if ds.said != nil {
				fmt.Fprintln(ds.said, s)
			}
		}
		if r.refusals != nil {
			return r.refusals
		}
		if r.err != nil {
			return fmt.Errorf("document %q: %w", slug, r.err)
		}
		if err := yield(&r.d, &r.h); err != nil {
			return err
		}
	}
	return nil
}

// leaveOnDisk forgets the text of version checksum of document slug,
// which file holds: each reads it again from there.
func (ds *corpus) leaveOnDisk(slug, checksum, file string) {
	for i, v := range ds.vers[slug] {
		if v.Checksum == checksum {
			if ds.onDisk == nil {
				ds.onDisk = map[string]string{}
			}
			ds.onDisk[slug+"\x00"+checksum] = file
			ds.vers[slug][i].Raw = ""
		}
	}
}

// texts returns the versions of document slug with their texts, those
// left on disk read again.
func (ds *corpus) texts(slug string) ([]data.Version, error) {
	vs := ds.vers[slug]
	cloned := false
	for i, v := range vs {
		file, ok := ds.onDisk[slug+"\x00"+v.Checksum]
		if !ok || v.Raw != "" {
			continue
		}
		if !cloned {
			vs, cloned = slices.Clone(vs), true // the corpus keeps none of the texts read
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if data.Checksum(raw) != v.Checksum {
			return nil, fmt.Errorf("%s: changed while being ingested", file)
		}
		vs[i].Raw = string(raw)
	}
	return vs, nil
}

// extract reads version v of document slug, or takes it from what was
// read already (addRead).
func (ds *corpus) extract(slug string, v data.Version) (data.Document, error) {
	ds.mu.Lock()
	d, ok := ds.read[slug+"\x00"+v.Checksum]
	delete(ds.read, slug+"\x00"+v.Checksum) // Replay changes it
	ds.mu.Unlock()
	if ok {
		return d, nil
	}
	return extract.ExtractAs(v.Meta, v.ContentType, []byte(v.Raw))
}

// isURL reports whether a command-line argument names a web page rather than
// a file.
func isURL(arg string) bool {
	return strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://")
}

// slugOfURL names a document fetched from u after the last segment of its
// path ("…/reference-connect-ports" -> "reference-connect-ports"), else its
// host.
func slugOfURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	base := path.Base(strings.TrimSuffix(p.Path, "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	if s := extract.Slugify(base); s != "" {
		return s
	}
	return extract.Slugify(p.Hostname())
}
