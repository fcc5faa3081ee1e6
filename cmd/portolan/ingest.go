package main

import (
	"context"
	"errors"
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
	boundIngestMemory()
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
	// The texts given, by slug and checksum: each is read (and checked) as
	// the dataset is built, one document at a time, so a bad one stops the
	// build and PATH is left as it was.
	given := map[string]string{}
	for _, arg := range fs.Args() {
		src, v, err := readArg(ctx, c, client, arg, *meta, now)
		if err != nil {
			return err
		}
		slug, ok := c.add(src, v, false)
		if ok {
			added = append(added, slug)
		}
		keep = append(keep, slug)
		sum := data.Checksum(src.Raw)
		given[slug+"\x00"+sum] = arg
		if !isURL(arg) {
			c.leaveOnDisk(slug, sum, arg)
		}
	}
	c.keep(keep)
	check := func(slug string, v data.Version, d *data.Document, err error) ([]string, error) {
		arg, ok := given[slug+"\x00"+v.Checksum]
		if !ok {
			return nil, nil
		}
		return checkGiven(arg, d, err, *strict)
	}
	c.said = stderr
	var counts []docCounts
	var sums []data.Document
	news := map[string]versionNews{}
	wantNews := map[string]bool{}
	for _, slug := range added {
		wantNews[slug] = true
	}
	var refused error
	p, err := writeDatasetFrom(ctx, stderr, *dbPath, func(yield func(*data.Document, *versions.History) error) error {
		err := c.each(check, func(d *data.Document, h *versions.History) error {
			counts = append(counts, countsOf(d))
			sums = append(sums, data.Document{Slug: d.Slug, Checksum: d.Checksum})
			if wantNews[d.Slug] {
				news[d.Slug] = newsOf(*h)
			}
			return yield(d, h)
		})
		if err != nil && !errors.Is(err, errStopped) {
			refused = err
		}
		return err
	})
	if refused != nil {
		return refused
	}
	if err != nil {
		return err
	}
	if err := printCounts(stdout, counts); err != nil {
		return err
	}
	if err := printNewVersions(stdout, added, news); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nwrote %s (dataset %s: database and search index in %s)\n", *dbPath, data.DatasetVersion(sums), p.Dir)
	return err
}

// checkGiven checks a text given on the command line (arg), as read into d
// or failing with err: what it says (its warnings), and an error naming arg
// when it cannot be ingested.
func checkGiven(arg string, d *data.Document, err error, strict bool) ([]string, error) {
	if err != nil {
		return nil, wrapFileError(arg, err)
	}
	if err := data.CheckSlug(d.Slug); err != nil {
		return nil, fmt.Errorf("%s: %w; set another \"slug\" in its metadata", arg, err)
	}
	if err := data.CheckHidden(*d); err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	warnings := extract.Warnings(*d)
	said := make([]string, len(warnings))
	for i, w := range warnings {
		said[i] = fmt.Sprintf("warning: %s", w)
	}
	if strict && len(warnings) > 0 {
		return said, fmt.Errorf("%s (and %d warnings in all; -strict refuses a document with any)", warnings[0], len(warnings))
	}
	return said, nil
}

// errStopped is how a source knows the build it feeds stopped first.
var errStopped = errors.New("build stopped")

// writeDatasetFrom is writeDataset of the documents src gives.
func writeDatasetFrom(ctx context.Context, stderr io.Writer, path string, src dataset.Source) (dataset.Paths, error) {
	return dataset.BuildFrom(ctx, path, func(yield func(*data.Document, *versions.History) error) error {
		return src(func(d *data.Document, h *versions.History) error {
			if err := yield(d, h); err != nil {
				return fmt.Errorf("%w: %w", errStopped, err)
			}
			return nil
		})
	}, dataset.Options{Phase: phaseHook, Removed: removedTo(stderr)})
}

// removedTo tells w what a dataset build removed.
func removedTo(w io.Writer) func(name string, err error) {
	return func(name string, err error) {
		if err != nil {
			fmt.Fprintf(w, "cannot remove %s, left by an interrupted or replaced ingest: %v\n", name, err)
			return
		}
		fmt.Fprintf(w, "removed %s, left by an interrupted or replaced ingest\n", name)
	}
}

// writeDataset builds the dataset of docs and hist at path (dataset.Build)
// and makes it current, telling stderr what leftovers it removed.
func writeDataset(ctx context.Context, stderr io.Writer, path string, docs []data.Document, hist map[string]versions.History) (dataset.Paths, error) {
	return dataset.Build(ctx, path, docs, hist, dataset.Options{Phase: phaseHook, Removed: removedTo(stderr)})
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

// versionNews is what printNewVersions says of a document: how many
// versions it has, and the changes of the last.
type versionNews struct {
	versions int
	last     versions.Diff
}

func newsOf(h versions.History) versionNews {
	n := versionNews{versions: len(h.Versions)}
	if len(h.Diffs) > 0 {
		n.last = h.Diffs[len(h.Diffs)-1]
	}
	return n
}

// newsOfAll is newsOf each document of hist.
func newsOfAll(hist map[string]versions.History) map[string]versionNews {
	out := make(map[string]versionNews, len(hist))
	for slug, h := range hist {
		out[slug] = newsOf(h)
	}
	return out
}

// printNewVersions says which documents got a new version and what changed,
// for ingest and refresh alike: a summary line each, the counts by impact and
// the change list, flow by flow.
func printNewVersions(w io.Writer, slugs []string, news map[string]versionNews) error {
	seen := map[string]bool{}
	for _, slug := range slugs {
		if seen[slug] {
			continue // given several texts: the last one's changes
		}
		seen[slug] = true
		n := news[slug]
		if n.versions < 2 {
			if _, err := fmt.Fprintf(w, "\n%s: new document, version 1\n", slug); err != nil {
				return err
			}
			continue
		}
		d := n.last
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

// docCounts is what printCounts says of a document.
type docCounts struct {
	slug                   string
	sections, flows, hosts int
}

func countsOf(d *data.Document) docCounts {
	c := docCounts{slug: d.Slug, sections: len(d.Sections), hosts: len(d.Hosts)}
	for _, s := range d.Sections {
		c.flows += len(s.Flows)
	}
	return c
}

// printCounts writes one aligned row per document with its sections, flows and
// hosts, then the totals.
func printCounts(w io.Writer, docs []docCounts) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "document\tsections\tflows\thosts")
	var sections, flows, hosts int
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", d.slug, d.sections, d.flows, d.hosts)
		sections += d.sections
		flows += d.flows
		hosts += d.hosts
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\n", sections, flows, hosts)
	return tw.Flush()
}
