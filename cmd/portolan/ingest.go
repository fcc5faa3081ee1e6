package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path"
	"text/tabwriter"
	"time"

	"github.com/portolan/portolan/cmd/portolan/internal/fetch"
	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/dataset"
)

// runIngest is `portolan ingest [-db PATH] [FILE|URL ...]`: it builds a new
// dataset, a database and its search index made current together (package
// dataset), from the embedded documents and
// each FILE or URL, and prints what it read from each document and what
// changed. Each document keeps the versions the database at PATH has of it: a
// text of a document already known (same slug, or fetched from the same URL)
// becomes its next version; the same text again adds nothing.
// Nothing is written unless every document was read: a bad FILE or a URL
// that cannot be fetched leaves the existing database byte for byte as it was.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", "ingest [-db PATH] [-strict] [-vendor V] [-product P] [-url U] [-lang L] [-timeout 30s] [FILE|URL ...]", stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database `file` to (re)build")
	strict := fs.Bool("strict", false, "refuse a FILE with any warning (a table or row not read), for pipelines")
	meta := metaFlags(fs)
	timeout := fs.Duration("timeout", fetch.DefaultTimeout, "how long to wait for each URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	from, _, err := trustedPair(ctx, log, *dbPath)
	if err != nil {
		return err
	}
	c, _, err := readCorpus(ctx, from)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	keep, added, err := c.addShipped(now)
	if err != nil {
		return err
	}
	client := &fetch.Client{Timeout: *timeout, UserAgent: userAgent}
	for _, arg := range fs.Args() {
		src, v, err := readArg(ctx, c, client, arg, *meta, now)
		if err != nil {
			return err
		}
		// Read it now, so that the error names this file rather than a
		// version replayed later.
		d, err := extract.ExtractAs(src.Meta, v.ContentType, src.Raw)
		if err != nil {
			return wrapFileError(arg, err)
		}
		if err := data.CheckSlug(d.Slug); err != nil {
			return fmt.Errorf("%s: %w; set another \"slug\" in its metadata", arg, err)
		}
		if err := data.CheckHidden(d); err != nil {
			return fmt.Errorf("%s: %w", arg, err)
		}
		warnings := extract.Warnings(d)
		for _, w := range warnings {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		if *strict && len(warnings) > 0 {
			return fmt.Errorf("%s (and %d warnings in all; -strict refuses a document with any)", warnings[0], len(warnings))
		}
		slug, ok := c.addRead(src, v, false, &d)
		if ok {
			added = append(added, slug)
		}
		keep = append(keep, slug)
	}
	c.keep(keep)
	docs, hist, err := c.build()
	if err != nil {
		return err
	}
	p, err := writeDataset(ctx, stderr, *dbPath, docs, hist)
	if err != nil {
		return err
	}
	if err := printCounts(stdout, docs); err != nil {
		return err
	}
	if err := printNewVersions(stdout, added, hist); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nwrote %s (dataset %s: database and search index in %s)\n", *dbPath, data.DatasetVersion(docs), p.Dir)
	return err
}

// writeDataset builds the dataset of docs and hist at path (dataset.Build)
// and makes it current, telling stderr what leftovers it removed.
func writeDataset(ctx context.Context, stderr io.Writer, path string, docs []data.Document, hist map[string]versions.History) (dataset.Paths, error) {
	removed := func(name string, err error) {
		if err != nil {
			fmt.Fprintf(stderr, "cannot remove %s, left by an interrupted or replaced ingest: %v\n", name, err)
			return
		}
		fmt.Fprintf(stderr, "removed %s, left by an interrupted or replaced ingest\n", name)
	}
	return dataset.Build(ctx, path, docs, hist, dataset.Options{Phase: phaseHook, Removed: removed})
}

// userAgent is what Portolan calls itself when it fetches a page.
const userAgent = "portolan (+https://github.com/portolan/portolan)"

// readArg reads a command-line document: a file with its metadata beside it,
// or a page fetched from a URL. A page of a document already known by its URL
// is read with that document's metadata.
func readArg(ctx context.Context, c *corpus, client *fetch.Client, arg string, over data.Meta, now time.Time) (data.Source, data.Version, error) {
	if !isURL(arg) {
		m, raw, err := extract.ReadFile(arg, over)
		if err != nil {
			return data.Source{}, data.Version{}, wrapFileError(arg, err)
		}
		return data.Source{Meta: m, Raw: raw}, data.Version{Captured: now}, nil
	}
	page, err := client.Get(ctx, arg, fetch.Validators{})
	if err != nil {
		return data.Source{}, data.Version{}, err
	}
	m := data.Meta{Slug: slugOfURL(arg), File: path.Base(arg), URL: arg}
	if slug, ok := c.byURL(arg); ok {
		v, _ := c.latest(slug)
		m = v.Meta
	}
	m = extract.Override(m, over)
	if m.Slug == "" {
		return data.Source{}, data.Version{}, fmt.Errorf("%s: no slug: the URL has no name to take one from", arg)
	}
	return data.Source{Meta: m, Raw: page.Body}, pageVersion(page), nil
}

// pageVersion is where and when a fetched page was captured.
func pageVersion(p *fetch.Page) data.Version {
	return data.Version{Captured: p.Fetched, SourceURL: p.URL, ETag: p.Validators.ETag,
		LastModified: p.Validators.LastModified, ContentType: p.ContentType}
}

// printNewVersions says which documents got a new version and what changed,
// for ingest and refresh alike: a summary line each, the counts by impact and
// the change list, flow by flow.
func printNewVersions(w io.Writer, slugs []string, hist map[string]versions.History) error {
	seen := map[string]bool{}
	for _, slug := range slugs {
		if seen[slug] {
			continue // given several texts: the last one's changes
		}
		seen[slug] = true
		h := hist[slug]
		if len(h.Versions) < 2 {
			if _, err := fmt.Fprintf(w, "\n%s: new document, version 1\n", slug); err != nil {
				return err
			}
			continue
		}
		d := h.Diffs[len(h.Diffs)-1]
		if _, err := fmt.Fprintf(w, "\n%s: version %d: %s\n", slug, d.Version, d.Summary()); err != nil {
			return err
		}
		if err := d.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

// metaFlags are the metadata flags of ingest and check: each overrides what the
// file and the JSON beside it give.
func metaFlags(fs *flag.FlagSet) *data.Meta {
	m := &data.Meta{}
	fs.StringVar(&m.Vendor, "vendor", "", "vendor of the FILEs (default: from the JSON beside each, else none)")
	fs.StringVar(&m.Product, "product", "", "product of the FILEs")
	fs.StringVar(&m.URL, "url", "", "original page of the FILEs")
	fs.StringVar(&m.Language, "lang", "", "language of the FILEs' content, as en, ja, zh, de, fr (default: detected)")
	return m
}

// printCounts writes one aligned row per document with its sections, flows and
// hosts, then the totals.
func printCounts(w io.Writer, docs []data.Document) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "document\tsections\tflows\thosts")
	var sections, flows, hosts int
	for _, d := range docs {
		n := 0
		for _, s := range d.Sections {
			n += len(s.Flows)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", d.Slug, len(d.Sections), n, len(d.Hosts))
		sections += len(d.Sections)
		flows += n
		hosts += len(d.Hosts)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\n", sections, flows, hosts)
	return tw.Flush()
}
