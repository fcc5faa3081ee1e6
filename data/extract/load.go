package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
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
// extracting it. A file over the document size limit is refused after reading
// one byte past the limit, whatever its size.
func ReadFile(name string, over ...data.Meta) (data.Meta, []byte, error) {
	base := filepath.Base(name)
	raw, err := readLimited(name, base, read.DefaultLimits.DocumentBytes)
	if err != nil {
		return data.Meta{}, nil, err
	}
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

// readLimited reads the file name, refusing it, as an *Error naming file
// (its base name) and line 1, when it holds more than limit bytes.
func readLimited(name, file string, limit int) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > limit {
		got := len(raw)
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			got = int(min(st.Size(), math.MaxInt))
		}
		return nil, &Error{File: file, Line: 1, Err: &read.LimitError{What: "document size", Limit: limit, Got: got, Unit: "bytes"}}
	}
	return raw, nil
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
