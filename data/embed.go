package data

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed documents/*.txt documents/*.json
var documents embed.FS

// annotationData is what roles and lint findings are derived from at ingest
// (the role vocabulary, the IANA subset): it is part of the dataset version, so
// a database built before a colleague added a role's name is rebuilt.
//
//go:embed roles/roles.json lint/services.json
var annotationData embed.FS

// ExtractorVersion changes whenever the extractor's output for the same document
// changes, so a database built by an older binary is rebuilt.
const ExtractorVersion = "4"

// Embedded extracts every document shipped with the binary, ordered by slug.
func Embedded() ([]Document, error) {
	metas, err := fs.Glob(documents, "documents/*.json")
	if err != nil {
		return nil, err
	}
	var docs []Document
	for _, name := range metas {
		b, err := documents.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m Meta
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		raw, err := documents.ReadFile(path.Join("documents", m.File))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d, err := Extract(m, raw)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Slug < docs[j].Slug })
	return docs, nil
}

// LoadFile reads a document from disk. Its metadata is read from a JSON file beside
// it with the same base name (doc.txt -> doc.json), if there is one; otherwise the
// slug is the file's base name and the rest is left empty.
func LoadFile(name string) (Document, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return Document{}, err
	}
	base := filepath.Base(name)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	m := Meta{Slug: slugify(stem), File: base, Language: "en"}
	b, err := os.ReadFile(strings.TrimSuffix(name, filepath.Ext(name)) + ".json")
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &m); err != nil {
			return Document{}, fmt.Errorf("%s: metadata: %w", name, err)
		}
		m.File = base
	case !errors.Is(err, fs.ErrNotExist):
		return Document{}, err
	}
	if m.Slug == "" {
		return Document{}, fmt.Errorf("%s: no slug: name the file with letters or digits, or give a slug in its metadata", name)
	}
	return Extract(m, raw)
}

// DatasetVersion identifies a set of extracted documents: it changes when any
// document's text or the extractor changes.
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
