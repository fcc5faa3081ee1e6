package data

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
)

//go:embed documents/*.txt documents/*.json
var documents embed.FS

// annotationData is what roles and lint findings are derived from at ingest
// (the role vocabulary, the IANA subset): it is part of the dataset version, so
// a database built before a colleague added a role's name is rebuilt.
//
//go:embed roles/roles.json lint/services.json
var annotationData embed.FS

// Shipped is the file system of the documents shipped with the binary: each
// document's text and, beside it, its metadata (documents/NAME.json).
func Shipped() fs.FS { return documents }

// ExtractorVersion changes whenever the extractor's output for the same document
// changes, so a database built by an older binary is rebuilt.
const ExtractorVersion = "4"

// DatasetVersion identifies a set of extracted documents: it changes when any
// document's text, the extractor, the role vocabulary or the lint checks'
// IANA data changes.
func DatasetVersion(docs []Document) string {
	h := sha256.New()
	fmt.Fprintf(h, "extractor %s\n", ExtractorVersion)
	for _, name := range []string{"roles/roles.json", "lint/services.json"} {
		b, _ := annotationData.ReadFile(name) // embedded: cannot fail
		fmt.Fprintf(h, "%s %x\n", name, sha256.Sum256(b))
	}
	for _, d := range docs {
		fmt.Fprintf(h, "%s %s\n", d.Slug, d.Checksum)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
