package extract

import (
	"encoding/json"
	"errors"
	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/read"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"testing"
)

// fuzzMetas are the metadata Extract runs with under FuzzExtract: each shipped
// document's, then a bare one, as `portolan ingest FILE` uses for a file with
// no metadata beside it.
func fuzzMetas(f *testing.F) (metas []data.Meta, texts []string) {
	f.Helper()
	names, err := fs.Glob(data.Shipped(), "documents/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(data.Shipped(), name)
		if err != nil {
			f.Fatal(err)
		}
		var m data.Meta
		if err := json.Unmarshal(b, &m); err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		raw, err := fs.ReadFile(data.Shipped(), path.Join("documents", m.File))
		if err != nil {
			f.Fatal(err)
		}
		metas, texts = append(metas, m), append(texts, string(raw))
	}
	metas = append(metas, data.Meta{Slug: "extra", File: "extra.txt", Language: "en"})
	return metas, texts
}

// FuzzExtract checks that no text makes the extractor panic, and that it either
// refuses a document with an error naming the file and a line of it, or reads
// every row into a flow that points at a line of the document, with valid port
// ranges and a unique ID, the same on every run.
func FuzzExtract(f *testing.F) {
	metas, texts := fuzzMetas(f)
	bare := uint8(len(metas) - 1)
	// The shipped documents a table at a time, from a few lines above its
	// header (its heading and prose) to the next (a whole document is too slow
	// for the fuzzer to get far in a CI run), each with its metadata.
	for i, text := range texts {
		lines := strings.SplitAfter(text, "\n")
		from := 0
		for k := 1; k < len(lines); k++ {
			if read.IsSeparator(lines[k]) && k-1 > from+4 {
				f.Add(uint8(i), strings.Join(lines[from:k-4], ""))
				from = k - 4
			}
		}
		f.Add(uint8(i), strings.Join(lines[from:], ""))
	}
	for _, s := range []string{
		"",
		"\n\n\n",
		"Title\n\nSource | Destination | Port | Description |\n---|---|---|---|\nA | B | 443 | HTTPS |\n",
		"| Source | Destination | Protocol | Port | Purpose |\n|---|---|---|---|---|\n| A | B | TCP | 49152-65535 | RPC |\n| | C | UDP | 53 | DNS |\n",
		"Heading\nPort | Description |\n---|---|\n80, 443 | web |\n8020* | agent |\n",
		"Port | Description |\n---|---|\n",
		"Port | Colour |\n---|---|\n1 | red |\n",
		"Purpose | Service |\n---|---|\nx | y |\n",
		"Port | Description |\n---|---|\n65535-65536 | too big |\n",
		"Port | Description |\n---|---|\n90-80 | reversed |\n",
		"Port | Description |\n---|---|\n1-2-3 | odd |\n99999999999999999999 | huge |\n",
		"Port | Description |\n---|---|\n80 | wrapped\ncell continues |\nnext | row |\n",
		"Port | Description |\n---|---|\n|\n|\n|\n",
		"ポート番号 | プロトコル | 必須 | 目的 | 方向 |\n---|---|---|---|---|\n８３８３ | TCP | ● | エージェント通信 | サーバーへのインバウンド通信 |\n",
		"Source | Destination | Port | Description |\r\n---|---|---|---|\r\nA | B | 443 | HTTPS* |\r\n\r\n* footnote\r\n",
		"Port | Description |\n---|---|\n443 | x |\n\xff\xfe\n",
		"Port | Description |\n---|---|\n443 | x |\n443 | x |\n443 | x |\n",
		"Destination | Port |\n---|---|\nhttps://*.digicert.com | 443 |\n*.example.com | 80 |\n",
	} {
		f.Add(bare, s)
	}
	f.Fuzz(func(t *testing.T, which uint8, text string) {
		m := metas[int(which)%len(metas)]
		d, err := Extract(m, []byte(text))
		nlines := len(strings.Split(text, "\n"))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Extract error %T %v is not an *Error", err, err)
			}
			if e.File != m.File || e.Line < 1 || e.Line > nlines {
				t.Fatalf("Extract error %q names %s line %d; want %s, a line in 1..%d", err, e.File, e.Line, m.File, nlines)
			}
			return
		}
		checkDocument(t, d, text, nlines)
		again, err := Extract(m, []byte(text))
		if err != nil {
			t.Fatalf("second Extract failed: %v", err)
		}
		if !reflect.DeepEqual(d, again) {
			t.Fatal("Extract gave a different document the second time")
		}
	})
}

// checkDocument checks what store and web rely on in an extracted document.
func checkDocument(t *testing.T, d data.Document, text string, nlines int) {
	t.Helper()
	if d.Raw != text {
		t.Fatal("Raw is not the text as given")
	}
	inDoc := func(n int) bool { return n >= 1 && n <= nlines }
	slugs := map[string]bool{}
	ids := map[string]bool{}
	for _, s := range d.Sections {
		if s.Slug == "" || slugs[s.Slug] {
			t.Fatalf("section slug %q empty or repeated", s.Slug)
		}
		slugs[s.Slug] = true
		if !inDoc(s.Line) {
			t.Fatalf("section %q at line %d of %d", s.Slug, s.Line, nlines)
		}
		for _, fl := range s.Flows {
			if fl.ID == "" || ids[fl.ID] {
				t.Fatalf("flow ID %q empty or repeated", fl.ID)
			}
			ids[fl.ID] = true
			if fl.URL != "/flows/"+fl.ID || fl.Doc != d.Slug || fl.SectionID != s.Slug {
				t.Fatalf("flow %s: identity fields wrong: %+v", fl.ID, fl)
			}
			if !inDoc(fl.Line) || fl.LineEnd < fl.Line || !inDoc(fl.LineEnd) {
				t.Fatalf("flow %s: lines %d-%d, document has %d", fl.ID, fl.Line, fl.LineEnd, nlines)
			}
			if fl.Ports == nil || fl.Protocols == nil {
				t.Fatalf("flow %s: nil ports or protocols", fl.ID)
			}
			for _, r := range fl.Ports {
				if r.From < 0 || r.To > 65535 || r.From > r.To {
					t.Fatalf("flow %s: port range %+v from %q", fl.ID, r, fl.PortsRaw)
				}
			}
			for _, p := range fl.Protocols {
				if p == "" || p != strings.ToUpper(p) {
					t.Fatalf("flow %s: protocol %q", fl.ID, p)
				}
			}
		}
	}
	for _, h := range d.Hosts {
		if h.Name == "" || !inDoc(h.Line) {
			t.Fatalf("host %q at line %d of %d", h.Name, h.Line, nlines)
		}
		if h.FlowID != "" && !ids[h.FlowID] {
			t.Fatalf("host %q names flow %s, which is not in the document", h.Name, h.FlowID)
		}
		for _, r := range h.Ports {
			if r.From < 0 || r.To > 65535 || r.From > r.To {
				t.Fatalf("host %q: port range %+v", h.Name, r)
			}
		}
	}
}
