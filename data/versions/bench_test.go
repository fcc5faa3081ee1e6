package versions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/synth"
)

// citrixPair is the shipped Citrix text (204 flows) and a later text of it
// with "Citrix ADC" renamed throughout and five rows given another port:
// what Carry does for a real-sized document. (The rename is not reported:
// "Citrix" stays in the text, in other products' names, and findRenames
// wants the old wording gone.)
func citrixPair(b *testing.B) (data.Meta, []byte, []byte) {
	b.Helper()
	srcs, err := data.EmbeddedSources()
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range srcs {
		if s.Meta.Slug == "citrix" {
			next := strings.ReplaceAll(string(s.Raw), "Citrix ADC", "NetScaler ADC")
			next = strings.Replace(next, "| 443 |", "| 443, 8443 |", 5)
			return s.Meta, s.Raw, []byte(next)
		}
	}
	b.Fatal("no citrix document")
	return data.Meta{}, nil, nil
}

// BenchmarkExtractCitrix is the peer of BenchmarkCarryCitrix: reading the
// text Carry then compares, which every ingest does anyway.
func BenchmarkExtractCitrix(b *testing.B) {
	m, _, next := citrixPair(b)
	for b.Loop() {
		if _, err := extract.Extract(m, next); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCarryCitrix measures matching the flows of two texts of the
// Citrix page and listing the changes, renames included.
func BenchmarkCarryCitrix(b *testing.B) {
	m, old, next := citrixPair(b)
	prev, err := extract.Extract(m, old)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		n, err := extract.Extract(m, next)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		Carry(prev, &n)
	}
}

// BenchmarkCarrySynthetic5000 carries a synthetic document of 5,000 flows
// into a text of it where every "TCP" became "UDP": most rows change
// transport, so most are matched by the fuzzy passes, which compare rows
// pairwise within sections.
func BenchmarkCarrySynthetic5000(b *testing.B) {
	var m data.Meta
	var raw []byte
	err := synth.Generate(synth.Options{Flows: 5000, Docs: 1, Seed: 1}, func(name string, bs []byte) error {
		if strings.HasSuffix(name, ".json") {
			return json.Unmarshal(bs, &m)
		}
		raw = bs
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	prev, err := extract.Extract(m, raw)
	if err != nil {
		b.Fatal(err)
	}
	next := []byte(strings.ReplaceAll(string(raw), "TCP", "UDP"))
	for b.Loop() {
		b.StopTimer()
		n, err := extract.Extract(m, next)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		Carry(prev, &n)
	}
}
