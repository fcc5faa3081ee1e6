package search

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/portolan/portolan/data/extract"
)

// HighlightFlows analyses only the texts that hold a word's needles: every
// word the en fields' analyzer stems, in the shipped documents and in a
// list of English words Porter's steps change the most, begins with its
// stem less the last two letters.
func TestStemsBeginTheirWords(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	a, err := registry.NewCache().AnalyzerNamed(latinAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{`generalizations sensibility relational conditional valency hesitancy
		digitizer conformabli radically differently analogousli vietnamization predication
		operator feudalism decisiveness hopefulness callousness formality sensitivity triplicate
		formative formalize electricity electrical hopeful goodness revival allowance inference
		airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
		adoption homologou communism activate angularity homologous effective bowdlerize
		probate rate cease controll roll agreed plastered bled motoring sing conflated troubled
		sized hopping tanned falling hissing fizzed failing filing happy sky ponies caresses
		cats feed agreed disabled matting mating meeting milling messing meetings abilities
		abundancies redundancy agency agencies certificates replication monitoring`}
	for _, d := range docs {
		for _, s := range d.Sections {
			texts = append(texts, s.Title, s.TitleEn)
			for _, f := range s.Flows {
				texts = append(texts, f.Purpose, f.PurposeEn, f.Source, f.Destination, f.Service,
					f.AppProtocol, f.PortsRaw, f.Notes, f.NotesEn)
			}
		}
	}
	n := 0
	for _, text := range texts {
		text = dotless(text)
		for _, tok := range a.Analyze([]byte(text)) {
			n++
			word := strings.ToLower(text[tok.Start:tok.End])
			if needle := stemNeedle(string(tok.Term)); !strings.Contains(word, needle) {
				t.Errorf("%q stems to %q: its needle %q is not in it", word, tok.Term, needle)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d words checked", n)
	}
	var _ analysis.Analyzer = a
}
