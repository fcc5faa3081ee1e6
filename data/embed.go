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

// Shipped is the file system of the documents shipped with the binary: each
// document's text and, beside it, its metadata (documents/NAME.json).
func Shipped() fs.FS { return documents }

// ExtractorVersion changes whenever the extractor's output for the same document
// changes, so a database built by an older binary is rebuilt.
const ExtractorVersion = "4"

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
