package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/portolan/portolan/cmd/portolan/internal/fetch"
	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// errRefreshFailed is returned by refresh when some documents could not be
// fetched or read; those kept their version and the others were refreshed.
var errRefreshFailed = errors.New("some documents could not be refreshed")

// runRefresh is `portolan refresh [-db PATH] [-timeout 30s]`: it fetches again
// every document that was fetched from a URL, asking the server for the page
// only if it changed since (If-None-Match, If-Modified-Since), and adds a
// version to each document whose text changed, printing what changed. A page
// that cannot be fetched or read keeps its document's version and says why;
// the other documents are refreshed all the same, and the command then fails.
// As ingest does, it builds a new database and index and swaps them in whole.
func runRefresh(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("refresh", "refresh [-db PATH] [-timeout 30s]", stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database `file` to refresh")
	timeout := fs.Duration("timeout", fetch.DefaultTimeout, "how long to wait for each page")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portolan refresh: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	c, _, err := readCorpus(ctx, *dbPath)
	if err != nil {
		return err
	}
	if len(c.slugs) == 0 {
		return fmt.Errorf("%s: no database to refresh; portolan ingest URL builds one", *dbPath)
	}
	client := &fetch.Client{Timeout: *timeout, UserAgent: userAgent}
	var added []string
	failed, fetched := 0, 0
	for _, slug := range append([]string(nil), c.slugs...) {
		last, _ := c.latest(slug)
		if last.SourceURL == "" {
			continue
		}
		fetched++
		page, err := client.Get(ctx, last.SourceURL, fetch.Validators{ETag: last.ETag, LastModified: last.LastModified})
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: kept version %d: %v\n", slug, last.Number, err)
			continue
		}
		if page.NotModified {
			fmt.Fprintf(stdout, "%s: not modified since version %d\n", slug, last.Number)
			continue
		}
		src := data.Source{Meta: last.Meta, Raw: page.Body}
		d, err := extract.ExtractAs(src.Meta, page.ContentType, src.Raw)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: kept version %d: the page fetched cannot be read: %v\n", slug, last.Number, err)
			continue
		}
		if _, ok := c.addRead(src, pageVersion(page), false, &d); !ok {
			fmt.Fprintf(stdout, "%s: unchanged since version %d\n", slug, last.Number)
			continue
		}
		added = append(added, slug)
	}
	if fetched == 0 {
		fmt.Fprintln(stdout, "no document was fetched from a URL: nothing to refresh (portolan ingest URL adds one)")
		return nil
	}
	if len(added) > 0 {
		docs, hist, err := c.build()
		if err != nil {
			return err
		}
		p, err := writeDataset(ctx, stderr, *dbPath, docs, hist)
		if err != nil {
			return err
		}
		if err := printNewVersions(stdout, added, newsOfAll(hist)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s (dataset %s: database and search index in %s)\n", *dbPath, data.DatasetVersion(docs), p.Dir)
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d (see above); they keep their current version", errRefreshFailed, failed, fetched)
	}
	return nil
}
