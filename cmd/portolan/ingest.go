package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// runIngest is `portolan ingest [-db PATH] [FILE ...]`: it (re)builds the database
// and its search index (PATH.bleve) from the embedded documents plus each FILE
// and prints what it read from each.
// Nothing is written unless every document was read: a bad FILE leaves the
// existing database byte for byte as it was.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", "ingest [-db PATH] [-strict] [-vendor V] [-product P] [-url U] [-lang L] [FILE ...]", stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database `file` to (re)build")
	strict := fs.Bool("strict", false, "refuse a FILE with any warning (a table or row not read), for pipelines")
	meta := metaFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	docs, err := loadDocuments(fs.Args(), loadOptions{meta: *meta, strict: *strict, warnings: stderr})
	if err != nil {
		return err
	}
	removeStaleTemps(stderr, *dbPath, time.Now())
	if err := store.Ingest(ctx, *dbPath, docs); err != nil {
		return err
	}
	if err := search.Build(ctx, indexPath(*dbPath), docs); err != nil {
		return err
	}
	if err := printCounts(stdout, docs); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nwrote %s and its search index %s (dataset %s)\n", *dbPath, indexPath(*dbPath), data.DatasetVersion(docs))
	return err
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
