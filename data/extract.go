package data

import (
	"crypto/sha256"
	"encoding/hex"
)

// Extract turns a document's text into sections, flows and hosts. (stub, being written)
func Extract(m Meta, raw []byte) (Document, error) {
	sum := sha256.Sum256(raw)
	return Document{Slug: m.Slug, File: m.File, Vendor: m.Vendor, Product: m.Product, Language: m.Language,
		SourceLanguage: m.SourceLanguage, URL: m.URL, Created: m.Created, Updated: m.Updated, Subject: m.Subject,
		Raw: string(raw), Checksum: hex.EncodeToString(sum[:])}, nil
}

func slugify(s string) string { return s }
