package search_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// benchQueries are what engineers type: English and Japanese words, phrases,
// filters, an exclusion and a typo (which runs the search twice).
var benchQueries = []string{
	"kerberos",
	"ldap server",
	`"global catalog"`,
	"ファイル転送",
	"通信",
	"proto:udp port:443 dns",
	"port:50000 rpc",
	"server -citrix",
	"kerbros",
}

// synthetic makes about n flows from the words of the shipped documents: ten
// documents, two of them Japanese, 20 sections each; purposes of 3 to 10 words
// drawn with a skewed (Zipf) distribution, so common words match many flows and
// rare ones few, endpoints and ports as the real documents have them.
func synthetic(real []data.Document, n int) []data.Document {
	rng := rand.New(rand.NewPCG(7, 11))
	var en, ja, endpoints []string
	seen := map[string]bool{}
	for _, d := range real {
		for _, s := range d.Sections {
			for _, f := range s.Flows {
				for _, w := range strings.Fields(f.Purpose + " " + f.Notes) {
					if !seen[w] {
						seen[w] = true
						if d.Language == "ja" {
							ja = append(ja, w)
						} else {
							en = append(en, w)
						}
					}
				}
				for _, e := range []string{f.Source, f.Destination} {
					if e != "" && !seen["\x00"+e] {
						seen["\x00"+e] = true
						endpoints = append(endpoints, e)
					}
				}
			}
		}
	}
	zen := rand.NewZipf(rng, 1.2, 4, uint64(len(en)-1))
	zja := rand.NewZipf(rng, 1.2, 4, uint64(len(ja)-1))
	sentence := func(words []string, z *rand.Zipf, sep string) string {
		k := 3 + rng.IntN(8)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = words[z.Uint64()]
		}
		return strings.Join(parts, sep)
	}
	wellKnown := []int{22, 53, 80, 88, 123, 135, 389, 443, 445, 464, 636, 3268, 3269, 5985, 8027, 8080, 8443, 9389}
	const nDocs, nSecs = 10, 20
	perSec := max(n/nDocs/nSecs, 1)
	docs := make([]data.Document, nDocs)
	for d := range docs {
		slug := fmt.Sprintf("doc%02d", d)
		lang := "en"
		if d%5 == 4 {
			lang = "ja"
		}
		doc := data.Document{Slug: slug, Title: "Document " + slug, Language: lang, Checksum: slug}
		ord := 0
		for s := range nSecs {
			sec := data.Section{Slug: fmt.Sprintf("s%02d", s), Title: fmt.Sprintf("Section %d", s), Ordinal: s + 1}
			for range perSec {
				ord++
				var ports []data.PortRange
				switch r := rng.IntN(20); {
				case r == 0:
				case r <= 2:
					ports = append(ports, data.PortRange{From: 49152, To: 65535})
				default:
					p := wellKnown[rng.IntN(len(wellKnown))]
					ports = append(ports, data.PortRange{From: p, To: p})
				}
				protos := []string{"TCP"}
				if rng.IntN(4) == 0 {
					protos = append(protos, "UDP")
				}
				purpose := sentence(en, zen, " ")
				if lang == "ja" {
					purpose = sentence(ja, zja, "")
				}
				sec.Flows = append(sec.Flows, data.Flow{
					ID: fmt.Sprintf("%s-%06d", slug, ord), Ordinal: ord, Line: ord,
					Source: endpoints[rng.IntN(len(endpoints))], Destination: endpoints[rng.IntN(len(endpoints))],
					Protocols: protos, Ports: ports, PortsRaw: data.FormatPorts(ports),
					Purpose: purpose, Requirement: []string{data.Required, data.Optional, ""}[rng.IntN(3)],
					Direction: []string{data.Inbound, data.Outbound, ""}[rng.IntN(3)],
				})
			}
			doc.Sections = append(doc.Sections, sec)
		}
		docs[d] = doc
	}
	return docs
}

// benchSearch measures what /flows does for a query: parse, search, then the
// first page of rows and the facet counts from the store for the hits.
func benchSearch(b *testing.B, docs []data.Document) {
	ctx := context.Background()
	dir := b.TempDir()
	dbPath := filepath.Join(dir, "portolan.db")
	start := time.Now()
	if err := store.Ingest(ctx, dbPath, docs); err != nil {
		b.Fatal(err)
	}
	ingest := time.Since(start)
	start = time.Now()
	if err := search.Build(ctx, dbPath+".bleve", docs); err != nil {
		b.Fatal(err)
	}
	b.Logf("database built in %v, index in %v", ingest.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ix, err := search.Open(dbPath + ".bleve")
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()

	for _, text := range benchQueries {
		b.Run(text, func(b *testing.B) {
			var durations []time.Duration
			hits := 0
			for b.Loop() {
				t0 := time.Now()
				q, _ := search.ParseQuery(text)
				ff := store.FlowFilter{Filter: q.Filter}
				if q.HasText() {
					res, err := ix.Search(ctx, q, 0)
					if err != nil {
						b.Fatal(err)
					}
					ff.IDs = res.IDs()
					hits = len(res.Hits)
				}
				page := ff
				page.Limit = 50
				if _, _, err := db.Flows(ctx, page); err != nil {
					b.Fatal(err)
				}
				if _, err := db.Facets(ctx, ff); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(t0))
			}
			slices.Sort(durations)
			pct := func(p float64) float64 {
				return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(hits), "hits")
		})
	}
}

func BenchmarkSearchWithFacetsShipped(b *testing.B) {
	docs, err := extract.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	benchSearch(b, docs)
}

func BenchmarkSearchWithFacets100k(b *testing.B) {
	real, err := extract.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	benchSearch(b, synthetic(real, 100_000))
}

// BenchmarkBuild20k measures building the index of about 20,000 synthetic
// flows (the index alone; the database is store.Ingest's), with its size on
// disk. Profile it with -cpuprofile to see where a build spends its time.
func BenchmarkBuild20k(b *testing.B) {
	real, err := extract.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	docs := synthetic(real, 20_000)
	n := 0
	for _, d := range docs {
		for _, s := range d.Sections {
			n += len(s.Flows)
		}
	}
	dir := b.TempDir()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(dir, fmt.Sprintf("ix%d.bleve", i))
		if err := search.Build(ctx, path, docs); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(dirSize(b, path))/1e6, "MB")
		os.RemoveAll(path)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

func dirSize(b *testing.B, path string) int64 {
	var n int64
	err := filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
