package extract

import (
	"cmp"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
	"github.com/portolan/portolan/data/synth"
)

// Hostile documents (data/synth): small files that cost the old extractor
// minutes or gigabytes.

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileDocumentsAreReadOrRefusedInBoundedMemory(t *testing.T) {
	tests := []struct {
		name  string
		file  string // default hostile.txt
		text  func() string
		flows int    // flows read, when the document is read
		limit string // what the refusal names, when it is refused
		line  int
		// maxAlloc bounds the bytes allocated to read the document (the old
		// extractor ran out of memory or took 1.45 GB on these).
		maxAlloc uint64
	}{
		{name: "4,000 footnoted rows", text: synth.HostileFootnotes, flows: 4000, maxAlloc: 96 << 20},
		{name: "20,000 unclosed rows", text: synth.HostileUnclosedRows, flows: 20000, maxAlloc: 256 << 20},
		{name: "20,000 headings", text: synth.HostileHeadings, flows: 20000, maxAlloc: 256 << 20},
		{name: "60 KB cell inherited by 50,000 rows", text: synth.HostileInherited, limit: "text of the table rows", line: 134, maxAlloc: 128 << 20},
		{name: "60 KB cell spanning 50,000 rows", file: "hostile.html", text: synth.HostileRowspan, limit: "text of the cells repeated by rowspan and colspan", line: 188, maxAlloc: 256 << 20},
		{name: "6,000 columns", text: synth.HostileColumns, limit: "table width 6000 columns is over the limit of 64", line: 3, maxAlloc: 32 << 20},
		{name: "50 MB cell", text: synth.HostileCell, limit: "document size 52428853 bytes is over the limit of 16777216", line: 1, maxAlloc: 128 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.text())
			m := data.Meta{Slug: "hostile", File: cmp.Or(tt.file, "hostile.txt")}
			var d data.Document
			var err error
			n := allocated(func() { d, err = Extract(m, raw) })
			if n > tt.maxAlloc {
				t.Errorf("reading %d bytes allocated %d MB, want at most %d MB", len(raw), n>>20, tt.maxAlloc>>20)
			}
			if tt.limit != "" {
				var e *Error
				var le *read.LimitError
				if !errors.As(err, &e) || !errors.As(err, &le) || e.File != m.File || e.Line != tt.line || !strings.Contains(err.Error(), tt.limit) {
					t.Fatalf("err = %v, want %s:%d naming %q", err, m.File, tt.line, tt.limit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, s := range d.Sections {
				got += len(s.Flows)
			}
			if got != tt.flows {
				t.Errorf("%d flows, want %d", got, tt.flows)
			}
		})
	}
}

// A footnote explained thousands of times gives each row a bounded note, not
// every explanation.
func TestAFootnoteExplainedThousandsOfTimesIsBounded(t *testing.T) {
	d, err := Extract(data.Meta{Slug: "hostile", File: "hostile.txt"}, []byte(synth.HostileFootnotes()))
	if err != nil {
		t.Fatal(err)
	}
	flows := d.Sections[0].Flows
	f := flows[0]
	if !strings.HasPrefix(f.Notes, "footnote number 0\nfootnote number 1\n") || len(f.Notes) > maxNoteBytes+8 {
		t.Errorf("notes of the first row: %d bytes starting %q", len(f.Notes), f.Notes[:min(len(f.Notes), 60)])
	}
	if last := flows[len(flows)-1]; last.Notes != "(see the note for * at line 4006)" {
		t.Errorf("notes of the last row = %q, want a pointer to the note", last.Notes)
	}
	total := 0
	for _, f := range flows {
		total += len(f.Notes)
	}
	if total > maxNotesBytes+maxNoteBytes+len(flows)*40 {
		t.Errorf("%d bytes of notes over %d rows", total, len(flows))
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Line != 4006 || !strings.Contains(d.Skipped[0].Reason, "footnotes repeated on too many rows") {
		t.Errorf("skipped = %+v, want the clipping reported at the note's line", d.Skipped)
	}
}

func BenchmarkExtractHostile(b *testing.B) {
	for _, tt := range synth.HostileDocuments {
		b.Run(tt.Name, func(b *testing.B) {
			raw := []byte(tt.Text())
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				_, _ = Extract(data.Meta{Slug: "hostile", File: tt.File()}, raw)
			}
		})
	}
}
