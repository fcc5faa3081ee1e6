package web_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/synth"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// With many documents loaded, the document facet lists the 30 with the most
// matches (and any chosen one), not thousands of links, and says how many it
// left out.
func TestDocumentFacetListsTheTopDocumentsAndCountsTheRest(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Generate(synth.Options{Flows: 400, Docs: 40, Seed: 3}, func(name string, b []byte) error {
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	var docs []data.Document
	for _, f := range files {
		d, err := data.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	ctx := context.Background()
	path := filepath.Join(dir, "portolan.db")
	if err := store.Ingest(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := web.New(slog.New(slog.DiscardHandler), db, nil)

	links := regexp.MustCompile(`data-testid="facet-link" data-value="(synth-[0-9]+)"`)
	last := docs[len(docs)-1].Slug
	for _, tc := range []struct {
		url    string
		chosen string
	}{
		{"/flows", ""},
		{"/flows?doc=" + last, last},
	} {
		r := get(t, h, tc.url)
		if r.Status != 200 {
			t.Fatalf("%s: %d", tc.url, r.Status)
		}
		shown := links.FindAllStringSubmatch(r.Body, -1)
		want := 30
		if tc.chosen != "" && !strings.Contains(r.Body, `data-value="`+tc.chosen+`" aria-pressed="true"`) {
			t.Errorf("%s: the chosen document is not listed", tc.url)
		}
		if len(shown) < want || len(shown) > want+1 {
			t.Errorf("%s: %d documents listed, want %d (+ the chosen one)", tc.url, len(shown), want)
		}
		if !strings.Contains(r.Body, `data-testid="facet-more"`) ||
			!strings.Contains(r.Body, "and "+strconv.Itoa(40-len(shown))+" more") {
			t.Errorf("%s: no note of the %d documents left out", tc.url, 40-len(shown))
		}
	}
}
