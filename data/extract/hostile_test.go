package extract

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
)

// Hostile documents: small files that cost the old extractor minutes or
// gigabytes. Each is generated here, as an attacker would write it.

// HostileFootnotes is 4,000 rows that each carry a footnote mark, then 4,000
// explanations of the mark (about 145 KB).
func HostileFootnotes() string {
	var b strings.Builder
	b.WriteString("Title\nSection\nPort | Description |\n---|---|\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "%d* | agent %d |\n", 1000+i%60000, i)
	}
	b.WriteString("\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "* footnote number %d\n", i)
	}
	return b.String()
}

// HostileUnclosedRows is 20,000 rows whose last cell never closes.
func HostileUnclosedRows() string {
	var b strings.Builder
	b.WriteString("Title\nSection\n| Port | Description |\n|---|---|\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "| %d | never closed\n", 1+i%60000)
	}
	return b.String()
}

// HostileColumns is a table header of 6,000 columns.
func HostileColumns() string {
	var b strings.Builder
	b.WriteString("Title\nSection\n")
	b.WriteString(strings.Repeat("Port | ", 6000) + "\n")
	b.WriteString(strings.Repeat("---|", 6000) + "\n")
	b.WriteString(strings.Repeat("1 | ", 6000) + "\n")
	return b.String()
}

// HostileCell is one table cell of 50 MB.
func HostileCell() string {
	return "Title\nSection\nPort | Description |\n---|---|\n443 | " + strings.Repeat("x", 50<<20) + " |\n"
}

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
		text  func() string
		flows int    // flows read, when the document is read
		limit string // what the refusal names, when it is refused
		line  int
		// maxAlloc bounds the bytes allocated to read the document (the old
		// extractor ran out of memory or took 1.45 GB on these).
		maxAlloc uint64
	}{
		{name: "4,000 footnoted rows", text: HostileFootnotes, flows: 4000, maxAlloc: 96 << 20},
		{name: "20,000 unclosed rows", text: HostileUnclosedRows, flows: 20000, maxAlloc: 256 << 20},
		{name: "6,000 columns", text: HostileColumns, limit: "table width 6000 columns is over the limit of 64", line: 3, maxAlloc: 32 << 20},
		{name: "50 MB cell", text: HostileCell, limit: "document size 52428853 bytes is over the limit of 16777216", line: 1, maxAlloc: 128 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.text())
			m := data.Meta{Slug: "hostile", File: "hostile.txt"}
			var d data.Document
			var err error
			n := allocated(func() { d, err = Extract(m, raw) })
			if n > tt.maxAlloc {
				t.Errorf("reading %d bytes allocated %d MB, want at most %d MB", len(raw), n>>20, tt.maxAlloc>>20)
			}
			if tt.limit != "" {
				var e *Error
				var le *read.LimitError
				if !errors.As(err, &e) || !errors.As(err, &le) || e.File != "hostile.txt" || e.Line != tt.line || !strings.Contains(err.Error(), tt.limit) {
					t.Fatalf("err = %v, want hostile.txt:%d naming %q", err, tt.line, tt.limit)
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
	d, err := Extract(data.Meta{Slug: "hostile", File: "hostile.txt"}, []byte(HostileFootnotes()))
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
	for _, tt := range []struct {
		name string
		text func() string
	}{{"footnotes-4000", HostileFootnotes}, {"unclosed-20000", HostileUnclosedRows}, {"columns-6000", HostileColumns}, {"cell-50MB", HostileCell}} {
		raw := []byte(tt.text())
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				_, _ = Extract(data.Meta{Slug: "hostile", File: "hostile.txt"}, raw)
			}
		})
	}
}
