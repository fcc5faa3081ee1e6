package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portolan/portolan/data"
)

// Embedded extracts every document shipped with the binary, ordered by slug.
func Embedded() ([]data.Document, error) {
	shipped := data.Shipped()
	metas, err := fs.Glob(shipped, "documents/*.json")
	if err != nil {
		return nil, err
	}
	var docs []data.Document
	for _, name := range metas {
		b, err := fs.ReadFile(shipped, name)
		if err != nil {
			return nil, err
		}
		var m data.Meta
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		raw, err := fs.ReadFile(shipped, path.Join("documents", m.File))
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
// slug is the file's base name, the title the document's own and the language
// detected. Fields set in over win over both.
func LoadFile(name string, over ...data.Meta) (data.Document, error) {
	m, raw, err := ReadFile(name, over...)
	if err != nil {
		return data.Document{}, err
	}
	return Extract(m, raw)
}

// ReadFile reads a document's bytes and its metadata, as LoadFile does, without
// extracting it.
func ReadFile(name string, over ...data.Meta) (data.Meta, []byte, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return data.Meta{}, nil, err
	}
	base := filepath.Base(name)
	m := data.Meta{Slug: SlugOf(base), File: base}
	b, err := os.ReadFile(strings.TrimSuffix(name, filepath.Ext(name)) + ".json")
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &m); err != nil {
			return data.Meta{}, nil, fmt.Errorf("%s: metadata: %w", name, err)
		}
		m.File = base
	case !errors.Is(err, fs.ErrNotExist):
		return data.Meta{}, nil, err
	}
	for _, o := range over {
		m = Override(m, o)
	}
	if m.Slug == "" {
		return data.Meta{}, nil, fmt.Errorf("%s: no slug: name the file with letters or digits, or give a slug in its metadata", name)
	}
	return m, raw, nil
}

// SlugOf is the slug a document gets from its file name: "K3s Ports.ja.md"
// gives "k3s-ports-ja".
func SlugOf(file string) string {
	base := path.Base(filepath.ToSlash(file))
	return Slugify(strings.TrimSuffix(base, path.Ext(base)))
}

// Override returns m with every field o sets.
func Override(m, o data.Meta) data.Meta {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Slug, o.Slug)
	set(&m.Vendor, o.Vendor)
	set(&m.Product, o.Product)
	set(&m.URL, o.URL)
	set(&m.Language, o.Language)
	set(&m.Title, o.Title)
	set(&m.Subject, o.Subject)
	return m
}
