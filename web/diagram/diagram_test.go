package diagram

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

var (
	update = flag.Bool("update", false, "rewrite the golden SVG files in testdata/")
	dump   = flag.String("dump", "", "write every diagram as an SVG file into this directory, to look at")
)

func documents(t testing.TB) []data.Document {
	t.Helper()
	docs, err := data.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// diagramCase is one diagram the tests check: a section's or a document's.
type diagramCase struct {
	name  string
	lang  string
	graph func() *Graph
	flows []data.Flow
	// subjectOf is the subject an unnamed side of a flow is drawn against.
	subjectOf func(data.Flow) string
}

func cases(t testing.TB) []diagramCase {
	var cs []diagramCase
	for _, d := range documents(t) {
		subjects := map[string]string{}
		var all []data.Flow
		for _, s := range d.Sections {
			subjects[s.Slug] = s.Subject
			all = append(all, s.Flows...)
			if len(s.Flows) == 0 {
				continue
			}
			s := s
			cs = append(cs, diagramCase{
				name:      d.Slug + "/" + s.Slug,
				lang:      d.Language,
				graph:     func() *Graph { return Layout(s.Title, s.Subject, s.Flows) },
				flows:     s.Flows,
				subjectOf: func(data.Flow) string { return s.Subject },
			})
		}
		d := d
		cs = append(cs, diagramCase{
			name:      d.Slug,
			lang:      d.Language,
			graph:     func() *Graph { return LayoutDocument(d) },
			flows:     all,
			subjectOf: func(f data.Flow) string { return subjects[f.SectionID] },
		})
	}
	return cs
}

func render(t testing.TB, g *Graph, lang string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := g.SVG(&b, Options{Lang: lang}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDump(t *testing.T) {
	if *dump == "" {
		t.Skip("no -dump directory")
	}
	for _, c := range cases(t) {
		name := filepath.Join(*dump, strings.ReplaceAll(c.name, "/", "__")+".svg")
		if err := os.WriteFile(name, render(t, c.graph(), c.lang), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var _ = xml.NewDecoder
var _ = io.EOF
