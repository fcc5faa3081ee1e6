package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
)

// synthetic makes n flows over 10 documents of 20 sections each, with a mix of
// ports like the real documents: well-known single ports, short ranges, the
// dynamic RPC range on one flow in ten, and no port on one in twenty.
func synthetic(n int) []data.Document {
	rng := rand.New(rand.NewPCG(1, 2))
	wellKnown := []int{22, 53, 80, 88, 123, 135, 389, 443, 445, 464, 636, 3268, 3269, 5985, 8027, 8080, 8443, 9389}
	const nDocs, nSecs = 10, 20
	docs := make([]data.Document, nDocs)
	id := 0
	for d := range docs {
		slug := fmt.Sprintf("doc%02d", d)
		doc := data.Document{Slug: slug, Title: "Document " + slug, Language: "en", Checksum: slug}
		for s := range nSecs {
			sec := data.Section{Slug: fmt.Sprintf("s%02d", s), Title: fmt.Sprintf("Section %d", s), Ordinal: s + 1}
			for range n / nDocs / nSecs {
				id++
				var ports []data.PortRange
				switch r := rng.IntN(20); {
				case r == 0:
				case r <= 2:
					ports = append(ports, data.PortRange{From: 49152, To: 65535})
				case r <= 4:
					from := 1024 + rng.IntN(60000)
					ports = append(ports, data.PortRange{From: from, To: from + rng.IntN(100)})
				default:
					for range 1 + rng.IntN(2) {
						p := wellKnown[rng.IntN(len(wellKnown))]
						ports = append(ports, data.PortRange{From: p, To: p})
					}
				}
				protos := []string{"TCP"}
				if rng.IntN(4) == 0 {
					protos = append(protos, "UDP")
				}
				sec.Flows = append(sec.Flows, data.Flow{
					ID: fmt.Sprintf("f%07d", id), Ordinal: len(sec.Flows) + 1 + s*n,
					Source: "Client " + fmt.Sprint(rng.IntN(50)), Destination: "Server " + fmt.Sprint(rng.IntN(50)),
					Protocols: protos, Ports: ports, PortsRaw: data.FormatPorts(ports),
					Purpose: "Synthetic flow " + fmt.Sprint(id), Requirement: data.Required, Direction: data.Inbound,
				})
			}
			doc.Sections = append(doc.Sections, sec)
		}
		docs[d] = doc
	}
	return docs
}

func BenchmarkFlowsPortFilter100k(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	start := time.Now()
	if err := Ingest(ctx, path, synthetic(100_000)); err != nil {
		b.Fatal(err)
	}
	b.Logf("ingest of 100k flows: %v", time.Since(start))
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, bc := range []struct {
		name string
		ff   FlowFilter
	}{
		{"port=3269,limit=50", FlowFilter{Filter: where("port=3269"), Limit: 50}},
		{"port=50000,limit=50", FlowFilter{Filter: where("port=50000"), Limit: 50}},
		{"port=30000,limit=50", FlowFilter{Filter: where("port=30000"), Limit: 50}},
		{"port=30000,all", FlowFilter{Filter: where("port=30000")}},
		{"port=3269,proto=udp,doc=doc03", FlowFilter{Filter: where("port=3269&proto=UDP&doc=doc03")}},
		{"port=50000,sort=port,limit=50", FlowFilter{Filter: where("port=50000"), Sort: "port", Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total int
			for b.Loop() {
				_, t, err := db.Flows(ctx, bc.ff)
				if err != nil {
					b.Fatal(err)
				}
				total = t
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
}

// BenchmarkFacetsEndpoints100k counts the facets of 100k flows whose
// endpoints have few names (Client 0-49, Server 0-49, as synthetic gives)
// and many (every flow's own pair of names): the source and destination
// facets count each listed name as its filter selects, by words.
func BenchmarkFacetsEndpoints100k(b *testing.B) {
	ctx := context.Background()
	many := synthetic(100_000)
	n := 0
	for d := range many {
		for s := range many[d].Sections {
			for f := range many[d].Sections[s].Flows {
				n++
				fl := &many[d].Sections[s].Flows[f]
				fl.Source, fl.Destination = fmt.Sprintf("Client host %d", n), fmt.Sprintf("Server %d pool", n%20000)
			}
		}
	}
	for _, bc := range []struct {
		name string
		docs []data.Document
	}{{"few-names", synthetic(100_000)}, {"many-names", many}} {
		path := filepath.Join(b.TempDir(), "bench.db")
		if err := Ingest(ctx, path, bc.docs); err != nil {
			b.Fatal(err)
		}
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Facets(ctx, FlowFilter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		db.Close()
	}
}
