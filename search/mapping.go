package search

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever newMapping, the documents built from a flow or
// the field names change, so an index built by another binary is rebuilt rather
// than searched with queries it was not made for.
const MappingVersion = "3"

// Document types, kept in the typeField of every bleve document.
const (
	typeField = "type"
	typeFlow  = "flow"
	typeHost  = "host"
)

// textField is one text property of a flow or host document. Each is indexed
// twice: under its name with the "en" analyzer (stemming, stop words: "Kerberos
// authentication" is found by "authenticate") and under name+cjkSuffix with the
// "cjk" analyzer (bigrams and width folding: "ファイル転送" is ファイ…転送 bigrams, so
// 転送 finds it and 送 alone does not match every row). Measured on the shipped
// documents: choosing one analyzer by the document's language loses the Latin
// product names inside Japanese rows to the cjk analyzer's missing stemming
// ("Windowsエージェント" is not found by "windows agent"), and the en analyzer alone
// splits Japanese into single characters, so a Japanese word matches any row
// holding its characters anywhere.
type textField struct {
	name  string
	boost float64 // how much a match here counts; see flowFields
}

// The cjk analyzer's fields: name+cjkSuffix holds a text with Han, kana or
// Hangul in it, with term vectors (a Japanese word is searched as a phrase of
// its bigrams, and marked); name+rawSuffix holds a text without, where the
// cjk analyzer only lower-cases and folds its words, without term vectors:
// those words are looked up there only when a search falls back to its
// unstemmed words (typos, stop words), never as a phrase. Most text is
// Latin, and term vectors are a fifth of an index (issue 18), so the index
// keeps positions of its words once, under the en analyzer, instead of twice.
const (
	cjkSuffix = "_cjk"
	rawSuffix = "_raw"
)

// flowFields are the text fields of a flow document with their query boosts:
// a flow whose purpose or endpoints name a term ranks above one whose section
// title names it, and far above one where it appears only in a note.
var flowFields = []textField{
	{"purpose", 4},
	{"purpose_en", 4},
	{"source", 3},
	{"destination", 3},
	{"service", 3},
	{"app_protocol", 2},
	{"hosts", 1.5},
	{"section", 1},
	{"section_en", 1},
	{"ports_raw", 1},
	{"notes", 0.3},
	{"notes_en", 0.3},
}

// hostFields are the text fields of a host document.
var hostFields = []textField{
	{"host_name", 4},
	{"host_purpose", 2},
	{"host_group", 1},
	{"host_section", 1},
}

// Keyword fields of a flow document, for exact filters, and the numeric field
// holding the flow's position in the dataset, the tie-breaker of the ranking.
const (
	fieldDoc         = "doc"
	fieldSectionID   = "section_id"
	fieldProtocol    = "protocol"
	fieldRequirement = "requirement"
	fieldDirection   = "direction"
	fieldApp         = "app"
	fieldSeq         = "seq"
)

// newMapping is the index mapping, in one place. Nothing is dynamic and nothing
// goes into bleve's _all field: every query names its fields, because a
// field-less query is analysed with the default analyzer and misses stemmed
// terms such as "kerberos" (indexed by en as "kerbero"). No field is stored:
// the index answers with IDs (or seqs, see Match), and the rows come from
// SQLite.
func newMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.TypeField = typeField
	im.DefaultAnalyzer = en.AnalyzerName
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()

	text := func(dm *mapping.DocumentMapping, name string) {
		enf := bleve.NewTextFieldMapping()
		enf.Name = name
		enf.Analyzer = latinAnalyzer
		enf.Store = false
		enf.IncludeInAll = false
		enf.IncludeTermVectors = true // positions for phrases, locations for highlighting
		dm.AddFieldMappingsAt(name, enf)
		for _, suffix := range []string{cjkSuffix, rawSuffix} {
			f := bleve.NewTextFieldMapping()
			f.Name = name + suffix
			f.Analyzer = cjk.AnalyzerName
			f.Store = false
			f.IncludeInAll = false
			f.IncludeTermVectors = suffix == cjkSuffix
			dm.AddFieldMappingsAt(name+suffix, f)
		}
	}
	kw := func(dm *mapping.DocumentMapping, name string) {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		dm.AddFieldMappingsAt(name, f)
	}

	// No _all field: bleve composes one for every document unless it is
	// disabled by name, even when no field is included in it.
	noAll := func(dm *mapping.DocumentMapping) {
		dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	}

	flow := bleve.NewDocumentStaticMapping()
	noAll(flow)
	for _, f := range flowFields {
		text(flow, f.name)
	}
	for _, k := range []string{typeField, fieldDoc, fieldSectionID, fieldProtocol, fieldRequirement, fieldDirection, fieldApp} {
		kw(flow, k)
	}
	seq := bleve.NewNumericFieldMapping()
	seq.Store = false
	seq.IncludeInAll = false
	seq.DocValues = true // sorted on
	flow.AddFieldMappingsAt(fieldSeq, seq)
	im.AddDocumentMapping(typeFlow, flow)

	host := bleve.NewDocumentStaticMapping()
	noAll(host)
	for _, f := range hostFields {
		text(host, f.name)
	}
	for _, k := range []string{typeField, fieldDoc, fieldSectionID, fieldProtocol} {
		kw(host, k)
	}
	host.AddFieldMappingsAt(fieldSeq, seq)
	im.AddDocumentMapping(typeHost, host)
	return im
}
