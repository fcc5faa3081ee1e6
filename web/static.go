package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/portolan/portolan/web/httpcache"
)

//go:embed static
var staticFiles embed.FS

// staticVersions maps each static file to a short hash of its content, computed
// once; links carry it (?v=...) so the files can be cached for a year.
var staticVersions = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	entries, _ := staticFiles.ReadDir("static")
	for _, e := range entries {
		b, _ := staticFiles.ReadFile("static/" + e.Name())
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:])[:12]
	}
	return m
})

// assetURL is the link to a static file, versioned by its content.
func assetURL(name string) string {
	return "/static/" + name + "?v=" + staticVersions()[name]
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "file")
	version, ok := staticVersions()[name]
	if !ok {
		return notFound("no static file %s", name)
	}
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		return err
	}
	etag := `"` + version + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if httpcache.ETagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	_, err = w.Write(b)
	return err
}
