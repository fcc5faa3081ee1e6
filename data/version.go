package data

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
)

// Version is one text of a document as captured: Portolan keeps every version
// it ingested, so what a vendor changed can be shown and a deep link into an
// older text keeps answering. Versions of a document are numbered from 1 in the
// order they were ingested.
type Version struct {
	Doc      string    `json:"doc"`
	Number   int       `json:"version"`
	Raw      string    `json:"-"`        // the text, byte for byte
	Checksum string    `json:"checksum"` // hex SHA-256 of Raw
	Captured time.Time `json:"captured"` // when the text was read or fetched
	// SourceURL is where the text was fetched from, empty for a file.
	SourceURL string `json:"source_url,omitempty"`
	// ETag and LastModified are the validators the server sent with the text,
	// for the next conditional request.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// ContentType is the media type the text was served or read as.
	ContentType string `json:"content_type,omitempty"`
	// Meta is the metadata the text is read with.
	Meta Meta `json:"-"`
}

// Source is a document's text with the metadata to read it with, before
// extraction.
type Source struct {
	Meta Meta
	Raw  []byte
}

// EmbeddedSources returns the texts and metadata of the documents shipped with
// the binary, ordered by slug.
func EmbeddedSources() ([]Source, error) {
	shipped := Shipped()
	metas, err := fs.Glob(shipped, "documents/*.json")
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, name := range metas {
		b, err := fs.ReadFile(shipped, name)
		if err != nil {
			return nil, err
		}
		var m Meta
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		raw, err := fs.ReadFile(shipped, path.Join("documents", m.File))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, Source{Meta: m, Raw: raw})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.Slug < out[j].Meta.Slug })
	return out, nil
}

// MetaOf is the metadata a document states about itself, for a text whose
// metadata was not kept: enough to read it again, without the hints
// (skipped lines, glosses, endpoint patterns) its metadata file may have had.
func MetaOf(d Document) Meta {
	return Meta{Slug: d.Slug, File: d.File, Vendor: d.Vendor, Product: d.Product, Language: d.Language,
		SourceLanguage: d.SourceLanguage, URL: d.URL, Created: d.Created, Updated: d.Updated, Subject: d.Subject}
}

// Checksum is the hex SHA-256 of a document's text, as Document.Checksum and
// Version.Checksum hold it.
func Checksum(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
