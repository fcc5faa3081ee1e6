package synth

import (
	"path/filepath"
	"testing"

	"github.com/portolan/portolan/data/extract"
)

// BenchmarkExtractSynthetic measures the extractor at scale: data.LoadFile of
// every file of a 100k-flow corpus, 500 documents of 200 flows each (the size of
// the documents of `portolan gen -flows 1000000 -docs 5000`), in flows per second.
func BenchmarkExtractSynthetic(b *testing.B) {
	o := Options{Flows: 100_000, Docs: 500, Seed: 1}
	files, err := filepath.Glob(filepath.Join(generate(b, o), "*.txt"))
	if err != nil || len(files) != o.Docs {
		b.Fatalf("%d files (%v), want %d", len(files), err, o.Docs)
	}
	flows := 0
	for b.Loop() {
		for _, name := range files {
			d, err := extract.LoadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range d.Sections {
				flows += len(s.Flows)
			}
		}
	}
	b.ReportMetric(float64(flows)/b.Elapsed().Seconds(), "flows/s")
}
