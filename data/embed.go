package data

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
)

//go:embed documents/*.txt documents/*.json
var documents embed.FS

// ExtractorVersion changes whenever the extractor's output for the same document
// changes, so a database built by an older binary is rebuilt.
const ExtractorVersion = "3"

// Embedded extracts every document shipped with the binary, ordered by slug.
func Embedded() ([]Document, error) {
	srcs, err := EmbeddedSources()
	if err != nil {
		return nil, err
	}
	docs := make([]Document, 0, len(srcs))
	for _, src := range srcs {
		d, err := src.Extract()
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// LoadFile reads a document from disk. Its metadata is read from a JSON file beside
// it with the same base name (doc.txt -> doc.json), if there is one; otherwise the
// slug is the file's base name and the rest is left empty.
func LoadFile(name string) (Document, error) {
	src, err := ReadSource(name)
	if err != nil {
		return Document{}, err
	}
	return src.Extract()
}

// DatasetVersion identifies a set of extracted documents: it changes when any
// document's text or the extractor changes.
func DatasetVersion(docs []Document) string {
	h := sha256.New()
	fmt.Fprintf(h, "extractor %s\n", ExtractorVersion)
	for _, d := range docs {
		fmt.Fprintf(h, "%s %s\n", d.Slug, d.Checksum)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
