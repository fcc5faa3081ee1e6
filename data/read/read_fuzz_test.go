package read

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"
)

// smallLimits make short fuzz inputs reach every limit.
var smallLimits = Limits{DocumentBytes: 4 << 10, LineBytes: 512, CellBytes: 64, Columns: 4, Rows: 16}

// addCorpus seeds f with the test corpus's documents of the given extensions
// (data/extract/testdata/corpus), whole, under both sets of limits.
func addCorpus(f *testing.F, exts ...string) {
	f.Helper()
	for _, ext := range exts {
		names, err := filepath.Glob(filepath.Join("..", "extract", "testdata", "corpus", "*"+ext))
		if err != nil {
			f.Fatal(err)
		}
		if len(names) == 0 {
			f.Fatalf("no *%s documents in the corpus to seed the fuzzer with", ext)
		}
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, false)
			f.Add(b, true)
		}
	}
}

// fuzzRead reads raw as the named file under the default or small limits and
// checks what data/extract relies on: no panic; a refusal is an *Error naming
// a line of the document; a read is in the format asked for, the same on
// every run, with every block and row on lines of the document, every table
// within the limits, and output bounded by the input (spans and entities
// included), so a small document never turns into a large one.
func fuzzRead(t *testing.T, name, format string, raw []byte, small bool) {
	opt := Options{}
	if small {
		opt.Limits = smallLimits
	}
	lim := opt.Limits.orDefault()
	nlines := bytes.Count(raw, []byte{'\n'}) + 1
	d, err := Read(name, "", raw, opt)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Read error %T %v is not an *Error", err, err)
		}
		if e.Line < 1 || e.Line > nlines {
			t.Fatalf("Read error %q names line %d of %d", err, e.Line, nlines)
		}
		if len(raw) <= lim.DocumentBytes && utf8.Valid(raw) && !errors.As(err, new(*LimitError)) {
			// Markdown and HTML read anything within the limits.
			t.Fatalf("Read refused a valid %s document within the limits: %v", format, err)
		}
		return
	}
	if d.Format != format {
		t.Fatalf("format %q, want %q", d.Format, format)
	}
	inDoc := func(n int) bool { return n >= 1 && n <= nlines }
	out, rows := len(d.Title)+len(d.Lang), 0
	for _, b := range d.Blocks {
		if !inDoc(b.Line) || b.LineEnd < b.Line || !inDoc(b.LineEnd) {
			t.Fatalf("block %v %q on lines %d-%d of %d", b.Kind, b.Text, b.Line, b.LineEnd, nlines)
		}
		out += len(b.Text)
		if b.Kind != Table {
			continue
		}
		tb := b.Table
		if tb == nil || len(tb.Header) == 0 || len(tb.Header) > lim.Columns || len(tb.Rows) == 0 || !inDoc(tb.Line) {
			t.Fatalf("table at line %d: %d columns (limit %d), %d rows", tb.Line, len(tb.Header), lim.Columns, len(tb.Rows))
		}
		out += len(tb.Caption)
		for _, c := range tb.Header {
			if len(c) > lim.CellBytes {
				t.Fatalf("header cell of %d bytes over the limit %d", len(c), lim.CellBytes)
			}
			out += len(c)
		}
		for _, r := range tb.Rows {
			rows++
			if !inDoc(r.Line) || r.LineEnd < r.Line || !inDoc(r.LineEnd) || len(r.Cells) > 4*lim.Columns {
				t.Fatalf("row on lines %d-%d of %d with %d cells", r.Line, r.LineEnd, nlines, len(r.Cells))
			}
			for _, c := range r.Cells {
				if len(c) > lim.CellBytes {
					t.Fatalf("cell of %d bytes over the limit %d", len(c), lim.CellBytes)
				}
				out += len(c)
			}
		}
	}
	if rows > lim.Rows {
		t.Fatalf("%d rows over the limit %d", rows, lim.Rows)
	}
	if bound := 16*len(raw) + 2<<20; out > bound {
		t.Fatalf("%d bytes read into %d bytes of text, over %d", len(raw), out, bound)
	}
	for _, w := range d.Warnings {
		if !inDoc(w.Line) {
			t.Fatalf("warning %q at line %d of %d", w.Reason, w.Line, nlines)
		}
	}
	again, err := Read(name, "", raw, opt)
	if err != nil || !reflect.DeepEqual(d, again) {
		t.Fatalf("a second Read gave another result (%v)", err)
	}
}

// FuzzReadMarkdown: Markdown and MDX as docs repositories write them.
func FuzzReadMarkdown(f *testing.F) {
	addCorpus(f, ".md", ".mdx")
	for _, s := range []string{
		"",
		"---\ntitle: Ports\nlang: ja\n---\n# Ports {#ports}\n\n| Port | Protocol |\n|---|---|\n| 443 | TCP |\n",
		"| a | b |\n|---|---|\n| `1` | [x](http://e) **y**<br>z |\n| 2 |\n| 3 | 4 | 5 |\n",
		"<!-- c -->\n```\n| not | a table |\n|---|---|\n```\n<Tabs>\n<TabItem>\n\n| Port |\n|---|\n| 1 |\n\n</TabItem>\n</Tabs>\n",
		"# A\n## B\n### C\nThe following tables describe the ports between A and B.\n\n| Port |\n|--|\n| 1 |\n",
		"<table><tr><th>Port</th></tr><tr><td rowspan=9>1</td></tr><tr></tr></table>\n",
		"| P |\n|---|\n" + string(bytes.Repeat([]byte("| 1 |\n"), 40)),
		"> | q |\n> |---|\n> | 1 |\n\n- | l |\n  |---|\n  | 2 |\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, small bool) {
		fuzzRead(t, "doc.md", FormatMarkdown, raw, small)
	})
}

// FuzzReadHTML: pages saved from a browser or a docs site, with spans.
func FuzzReadHTML(f *testing.F) {
	addCorpus(f, ".html")
	for _, s := range []string{
		"",
		"<!doctype html><html lang=de><head><title>T</title><style>td{}</style></head><body><nav>x</nav><h1>T</h1></body></html>",
		"<table><caption>C</caption><tr><th colspan=3>Port</th></tr><tr><td rowspan=3 colspan=2>a</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr></table>",
		"<table><tr><td>Port</td><td>Proto</td></tr><tr><td>443</td><td>TCP &amp; UDP&nbsp;&#x41;</td></tr></table>",
		"<table><tr><th>P</th></tr><tr><td rowspan=1000000 colspan=1000000>" + string(bytes.Repeat([]byte("x"), 300)) + "</td></tr>" + string(bytes.Repeat([]byte("<tr><td>1</td></tr>"), 200)) + "</table>",
		"<table><tr><th>a<table><tr><th>b</th></tr><tr><td>1</td></tr></table></th></tr><tr><td>2</td></tr></table>",
		"<h2>Ports\n</h2>\n<p>between A\nand B</p>\n<table>\n<thead><tr><th>Port</th></tr></thead>\n<tbody><tr><td>\n1\n</td></tr></tbody></table>",
		"<table><tr><th>" + string(bytes.Repeat([]byte("<th>P"), 80)) + "</tr></table>",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, small bool) {
		fuzzRead(t, "doc.html", FormatHTML, raw, small)
	})
}
