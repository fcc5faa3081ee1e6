package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// corpusDir holds documents written by the Portolan team, each modelled on a
// real public port document (named at its top), in the formats and languages
// engineers meet: Markdown, MDX, HTML, CSV; English, Japanese, Chinese, German.
// NAME.flows beside each is what Portolan reads from it, one flow a line,
// reviewed by hand row by row against the table (go test -update rewrites it;
// review the diff).
const corpusDir = "testdata/corpus"

// summary is a document as an engineer checks it against the page: format,
// language, title, then per flow its section, endpoints, transport, ports,
// direction and purpose, then what was skipped.
func summary(d data.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format=%s language=%s title=%q\n", d.Format, d.Language, d.Title)
	for _, s := range d.Sections {
		for _, f := range s.Flows {
			fmt.Fprintf(&b, "L%d [%s] %s -> %s | %s %s | dir=%s | %s", f.Line, s.Title, f.Source, f.Destination,
				strings.Join(f.Protocols, "/"), data.FormatPorts(f.Ports), f.Direction, f.Purpose)
			if f.Service != "" {
				fmt.Fprintf(&b, " | service=%s", f.Service)
			}
			for _, x := range f.Extra {
				fmt.Fprintf(&b, " | %s=%s", x.Name, x.Value)
			}
			b.WriteByte('\n')
		}
	}
	for _, h := range d.Hosts {
		fmt.Fprintf(&b, "host L%d %s (%s)\n", h.Line, h.Name, h.Kind)
	}
	for _, s := range d.Skipped {
		fmt.Fprintf(&b, "skipped L%d %s\n", s.Line, s.Reason)
	}
	return b.String()
}

func TestCorpusDocumentsReadAsReviewed(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(corpusDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	formats, languages := map[string]bool{}, map[string]bool{}
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, ".flows") {
			continue
		}
		n++
		t.Run(filepath.Base(name), func(t *testing.T) {
			d, err := LoadFile(name)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			formats[d.Format], languages[d.Language] = true, true
			got := summary(d)
			golden := name + ".flows"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./data/extract -update, then review it row by row)", err)
			}
			if got != string(want) {
				t.Errorf("%s reads differently from %s:\ngot:\n%s\nwant:\n%s", name, golden, got, want)
			}
		})
	}
	if n < 12 || len(formats) < 3 || len(languages) < 3 {
		t.Errorf("corpus: %d documents, formats %v, languages %v; want at least 12 in 3 formats and 3 languages", n, formats, languages)
	}
}
