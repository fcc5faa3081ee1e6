package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

// generate writes a corpus into a new temporary directory and returns it.
func generate(t testing.TB, o Options) string {
	t.Helper()
	dir := t.TempDir()
	err := Generate(o, func(name string, b []byte) error {
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// corpus generates o into memory: file name -> bytes.
func corpus(t *testing.T, o Options) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := Generate(o, func(name string, b []byte) error {
		if _, dup := files[name]; dup {
			t.Errorf("%s written twice", name)
		}
		files[name] = bytes.Clone(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func hasCJK(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) })
}

// TestExtractorReadsEveryGeneratedRowAsGenerated loads every generated file with
// data.LoadFile, as `portolan ingest` does, and checks each flow field by field
// against the row the generator meant to write.
func TestExtractorReadsEveryGeneratedRowAsGenerated(t *testing.T) {
	o := Options{Flows: 2000, Docs: 10, Seed: 42}
	dir := generate(t, o)

	ids := map[string]string{}
	var total, ja, jaFlows, multiRange, noted, hosts, continued, wrapped, port50000 int
	for i := range o.Docs {
		want, err := build(o, i)
		if err != nil {
			t.Fatal(err)
		}
		d, err := extract.LoadFile(filepath.Join(dir, want.slug+".txt"))
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if d.Slug != want.slug || d.Language != want.lang {
			t.Errorf("doc %d: slug %q language %q, want %q %q", i, d.Slug, d.Language, want.slug, want.lang)
		}
		if d.Language == "ja" {
			ja++
		}
		if len(d.Sections) != len(want.sections) {
			t.Fatalf("%s: %d sections, want %d", d.Slug, len(d.Sections), len(want.sections))
		}
		n := 0
		endpoints := map[string]bool{}
		for si, s := range d.Sections {
			ws := want.sections[si]
			if s.Title != ws.heading {
				t.Errorf("%s section %d: title %q, want %q", d.Slug, si+1, s.Title, ws.heading)
			}
			if d.Language == "ja" && (s.TitleEn == "" || hasCJK(s.TitleEn)) {
				t.Errorf("%s section %q: title_en %q", d.Slug, s.Title, s.TitleEn)
			}
			if len(s.Flows) != len(ws.rows) {
				t.Errorf("%s section %q: %d flows, want %d", d.Slug, s.Title, len(s.Flows), len(ws.rows))
				continue
			}
			for fi, f := range s.Flows {
				checkFlow(t, d, f, ws.rows[fi])
				n++
				if prev, ok := ids[f.ID]; ok {
					t.Errorf("flow ID %s of %s line %d already used by %s", f.ID, d.Slug, f.Line, prev)
				}
				ids[f.ID] = d.Slug
				if suffix := strings.TrimPrefix(f.ID, d.Slug+"-"); len(suffix) != 8 {
					t.Errorf("%s line %d: ID %s has a duplicate's suffix: two rows of the section are the same", d.Slug, f.Line, f.ID)
				}
				if len(f.Ports) > 1 {
					multiRange++
				}
				if f.Notes != "" {
					noted++
				}
				if ws.rows[fi].omitted > 0 {
					continued++
				}
				if f.LineEnd > f.Line {
					wrapped++
				}
				if slices.ContainsFunc(f.Ports, func(r data.PortRange) bool { return r.Contains(50000) }) {
					port50000++
				}
				if d.Language == "ja" {
					jaFlows++
				}
				for _, e := range []string{f.Source, f.Destination} {
					if e != "" {
						endpoints[e] = true
					}
				}
			}
		}
		if n != flowsIn(o, i) {
			t.Errorf("%s: %d flows, want %d", d.Slug, n, flowsIn(o, i))
		}
		if len(d.Hosts) != want.hosts {
			t.Errorf("%s: %d hosts, want %d", d.Slug, len(d.Hosts), want.hosts)
		}
		if len(endpoints) < 2 || len(endpoints) > 15 {
			t.Errorf("%s: %d endpoints, want a readable few (2-15): %v", d.Slug, len(endpoints), endpoints)
		}
		hosts += len(d.Hosts)
		total += n
	}
	if total != o.Flows {
		t.Errorf("%d flows in all, want %d", total, o.Flows)
	}
	if ja != 2 {
		t.Errorf("%d Japanese documents of 10, want 2 (one in five)", ja)
	}
	t.Logf("%d flows: %d Japanese, %d with several port ranges, %d with notes, %d continuation rows, %d wrapped, %d open 50000; %d hosts",
		total, jaFlows, multiRange, noted, continued, wrapped, port50000, hosts)
	for what, n := range map[string]int{"several port ranges": multiRange, "notes": noted, "continuation rows": continued, "wrapped rows": wrapped, "hosts": hosts} {
		if n < total/100 {
			t.Errorf("only %d flows (or hosts) with %s in %d", n, what, total)
		}
	}
	if share := float64(port50000) / float64(total); share < 0.05 || share > 0.3 {
		t.Errorf("port 50000 is open on %.1f%% of flows, want a sizeable share (5-30%%)", 100*share)
	}
}

func checkFlow(t *testing.T, d data.Document, f data.Flow, r row) {
	t.Helper()
	at := func(field string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s line %d: %s = %#v, want %#v", d.Slug, r.line, field, got, want)
		}
	}
	at("line", f.Line, r.line)
	at("line_end", f.LineEnd, r.lineEnd)
	at("source", f.Source, r.source)
	at("destination", f.Destination, r.destination)
	at("service", f.Service, r.service)
	at("protocols", f.Protocols, r.protocols)
	ports := r.ports
	if ports == nil {
		ports = []data.PortRange{}
	}
	at("ports", f.Ports, ports)
	at("ports_raw", f.PortsRaw, r.portsRaw)
	at("app_protocol", f.AppProtocol, r.app)
	at("purpose", f.Purpose, r.purpose)
	at("requirement", f.Requirement, r.requirement)
	at("direction", f.Direction, r.direction)
	at("notes", f.Notes, r.notes)
	if d.Language == "ja" {
		at("purpose_en", f.PurposeEn, r.purposeEn)
		if !hasCJK(f.Purpose) || f.PurposeEn == "" || hasCJK(f.PurposeEn) {
			t.Errorf("%s line %d: purpose %q, purpose_en %q: want Japanese with an English gloss", d.Slug, f.Line, f.Purpose, f.PurposeEn)
		}
		if f.DirectionEn == "" || (f.Notes != "" && f.NotesEn == "") {
			t.Errorf("%s line %d: direction_en %q, notes_en %q: want glosses", d.Slug, f.Line, f.DirectionEn, f.NotesEn)
		}
	}
}

// TestContinuationRowsInheritTheEndpointsTheyLeaveOut reads the raw lines of the
// rows that leave out their source (and destination): the text does not name the
// endpoint, and the extracted flow has the one of the row above.
func TestContinuationRowsInheritTheEndpointsTheyLeaveOut(t *testing.T) {
	o := Options{Flows: 600, Docs: 3, Seed: 7}
	dir := generate(t, o)
	checked := map[int]int{}
	for i := range o.Docs {
		want, _ := build(o, i)
		d, err := extract.LoadFile(filepath.Join(dir, want.slug+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(d.Raw, "\n")
		for si, s := range d.Sections {
			for fi, f := range s.Flows {
				omitted := want.sections[si].rows[fi].omitted
				if omitted == 0 {
					continue
				}
				above := s.Flows[fi-1]
				raw := lines[f.Line-1]
				first := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "|"))
				if strings.HasPrefix(first, above.Source+" |") {
					t.Errorf("%s line %d %q: the row names its source, want it left out", d.Slug, f.Line, raw)
				}
				if f.Source != above.Source {
					t.Errorf("%s line %d %q: source %q, want %q from the row above", d.Slug, f.Line, raw, f.Source, above.Source)
				}
				if omitted == 2 && f.Destination != above.Destination {
					t.Errorf("%s line %d %q: destination %q, want %q from the row above", d.Slug, f.Line, raw, f.Destination, above.Destination)
				}
				if omitted == 1 && !strings.HasPrefix(first, f.Destination+" |") {
					t.Errorf("%s line %d %q: want it to start with its destination %q", d.Slug, f.Line, raw, f.Destination)
				}
				checked[omitted]++
			}
		}
	}
	if checked[1] == 0 || checked[2] == 0 {
		t.Errorf("checked %d rows leaving out the source only and %d leaving out both, want some of each", checked[1], checked[2])
	}
}

func TestSameSeedSameBytesOtherSeedOtherBytes(t *testing.T) {
	o := Options{Flows: 500, Docs: 5, Seed: 3}
	a, b := corpus(t, o), corpus(t, o)
	if len(a) != 10 {
		t.Fatalf("%d files, want 10 (a .txt and a .json per document)", len(a))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs with seed 3", name)
		}
	}
	o.Seed = 4
	c := corpus(t, o)
	for name := range a {
		if strings.HasSuffix(name, ".txt") && bytes.Equal(a[name], c[name]) {
			t.Errorf("%s is the same with seeds 3 and 4", name)
		}
	}
}

func TestFlowsAreSpreadEvenlyOverDocuments(t *testing.T) {
	o := Options{Flows: 23, Docs: 5}
	var got []int
	for i := range o.Docs {
		got = append(got, flowsIn(o, i))
	}
	if want := []int{5, 5, 5, 4, 4}; !slices.Equal(got, want) {
		t.Errorf("flows per document = %v, want %v", got, want)
	}
	if s := Slug(0, 5); s != "synth-00001" {
		t.Errorf("Slug(0, 5) = %q", s)
	}
	if s := Slug(1234566, 2000000); s != "synth-1234567" {
		t.Errorf("Slug(1234566, 2000000) = %q", s)
	}
}

func TestOptionsOutOfRangeAreRejected(t *testing.T) {
	for _, o := range []Options{{Flows: 0, Docs: 1}, {Flows: 10, Docs: 0}, {Flows: 10, Docs: 11}, {Flows: -1, Docs: -1}} {
		if err := Generate(o, func(string, []byte) error { t.Fatal("wrote a file"); return nil }); err == nil {
			t.Errorf("Generate(%+v) succeeded, want an error", o)
		}
	}
	// One flow per document is the smallest corpus.
	files := corpus(t, Options{Flows: 3, Docs: 3, Seed: 1})
	if len(files) != 6 {
		t.Errorf("%d files, want 6", len(files))
	}
}

func TestEveryJapanesePhraseHasAGloss(t *testing.T) {
	for _, s := range services {
		for _, p := range s.ja {
			if jaGlosses[p] == "" {
				t.Errorf("no gloss for %q", p)
			}
		}
	}
}
