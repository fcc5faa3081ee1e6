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
	"github.com/portolan/portolan/data/extract"
)

var (
	update = flag.Bool("update", false, "rewrite the golden SVG files in testdata/")
	dump   = flag.String("dump", "", "write every diagram as an SVG file into this directory, to look at")
)

func documents(t testing.TB) []data.Document {
	t.Helper()
	docs, err := extract.Embedded()
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
				graph:     func() *Graph { return sectionGraph(s.Title, s.Subject, s.Flows) },
				flows:     s.Flows,
				subjectOf: func(data.Flow) string { return s.Subject },
			})
		}
		d := d
		cs = append(cs, diagramCase{
			name:      d.Slug,
			lang:      d.Language,
			graph:     func() *Graph { return docGraph(d) },
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

// svgInfo is what the tests read back from a rendered SVG.
type svgInfo struct {
	root       xml.StartElement
	title      string
	desc       string
	nodeTitles []string // <title> of every box link
}

// parseSVG checks that b is well-formed XML and collects the titles of boxes.
func parseSVG(t *testing.T, b []byte) svgInfo {
	t.Helper()
	var info svgInfo
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []xml.StartElement
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			tok = tok.Copy()
			if len(stack) == 0 {
				info.root = tok
			}
			stack = append(stack, tok)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) < 2 || stack[len(stack)-1].Name.Local != "title" && stack[len(stack)-1].Name.Local != "desc" {
				continue
			}
			parent, el := stack[len(stack)-2], stack[len(stack)-1]
			switch {
			case len(stack) == 2 && el.Name.Local == "title":
				info.title += string(tok)
			case len(stack) == 2 && el.Name.Local == "desc":
				info.desc += string(tok)
			case parent.Name.Local == "a" && strings.Contains(" "+attrOf(parent, "class")+" ", " n "):
				info.nodeTitles = append(info.nodeTitles, string(tok))
			}
		}
	}
	return info
}

func attrOf(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func TestEveryDiagramIsWellFormedAndDrawsEveryEndpoint(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			g := c.graph()
			info := parseSVG(t, render(t, g, c.lang))
			if info.root.Name.Local != "svg" || attrOf(info.root, "role") != "img" || attrOf(info.root, "aria-labelledby") == "" {
				t.Errorf("root element %v: want <svg role=img aria-labelledby=...>", info.root)
			}
			if strings.TrimSpace(info.title) == "" || strings.TrimSpace(info.desc) == "" {
				t.Errorf("title %q, desc %q: want both", info.title, info.desc)
			}
			drawn := map[string]bool{}
			for _, s := range info.nodeTitles {
				drawn[norm(s)] = true
			}
			for _, f := range c.flows {
				subject := c.subjectOf(f)
				for _, side := range []struct{ name, placeholder string }{
					{f.Source, UnspecifiedSource}, {f.Destination, UnspecifiedDestination},
				} {
					switch {
					case strings.TrimSpace(side.name) != "":
						if !drawn[norm(side.name)] {
							t.Errorf("flow line %d: endpoint %q has no box", f.Line, side.name)
						}
					case !drawn[norm(subject)] && !drawn[norm(side.placeholder)]:
						t.Errorf("flow line %d: unnamed side drawn neither as the subject %q nor as %q", f.Line, subject, side.placeholder)
					}
				}
			}
			if len(info.nodeTitles) != len(g.Nodes) {
				t.Errorf("%d box titles in the SVG, %d boxes in the layout", len(info.nodeTitles), len(g.Nodes))
			}
		})
	}
}

func TestNoTextOverlapsOtherTextOrBoxes(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			g := c.graph()
			frame := Rect{0, 0, g.Width, g.Height}
			boxes := g.textBoxes()
			for i, a := range boxes {
				if !frame.Contains(a.Rect) {
					t.Errorf("%s %d text %v lies outside the diagram %v", a.Kind, a.Owner, a.Rect, frame)
				}
				for _, b := range boxes[i+1:] {
					if a.Rect.Overlaps(b.Rect) {
						t.Errorf("text of %s %d %v overlaps text of %s %d %v", a.Kind, a.Owner, a.Rect, b.Kind, b.Owner, b.Rect)
					}
				}
				for j, n := range g.Nodes {
					if a.Kind == "node" && a.Owner == j {
						if !n.Box.Contains(a.Rect) {
							t.Errorf("name of %q %v spills out of its box %v", n.Name, a.Rect, n.Box)
						}
						continue
					}
					if a.Rect.Overlaps(n.Box) {
						t.Errorf("text of %s %d %v overlaps the box of %q %v", a.Kind, a.Owner, a.Rect, n.Name, n.Box)
					}
				}
				for j, e := range g.Edges {
					if a.Kind == "label" && a.Owner == j {
						if !e.Label.Contains(a.Rect) {
							t.Errorf("label text %v spills out of its pill %v", a.Rect, e.Label)
						}
						continue
					}
					if a.Rect.Overlaps(e.Label) {
						t.Errorf("text of %s %d %v overlaps the label of arrow %d %v", a.Kind, a.Owner, a.Rect, j, e.Label)
					}
				}
			}
			for i, n := range g.Nodes {
				for _, m := range g.Nodes[i+1:] {
					if n.Box.Overlaps(m.Box) {
						t.Errorf("boxes %q %v and %q %v overlap", n.Name, n.Box, m.Name, m.Box)
					}
				}
			}
		})
	}
}

// TestArrowsStayClearOfOtherBoxesAndLabels follows every arrow's path and checks
// that it never enters a box other than its two ends, nor another arrow's label.
func TestArrowsStayClearOfOtherBoxesAndLabels(t *testing.T) {
	inside := func(r Rect, p Point) bool { // strictly inside, with a pixel to spare
		return p.X > r.X+1 && p.X < r.X+r.W-1 && p.Y > r.Y+1 && p.Y < r.Y+r.H-1
	}
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			g := c.graph()
			for i, e := range g.Edges {
				for _, p := range samplePath(e.Path) {
					for _, n := range g.Nodes {
						if n != e.From && n != e.To && inside(n.Box, p) {
							t.Fatalf("arrow %s → %s passes through box %q at %v", e.From.Name, e.To.Name, n.Name, p)
						}
					}
					for j, o := range g.Edges {
						if j != i && inside(o.Label, p) {
							t.Fatalf("arrow %s → %s passes through the label of %s → %s at %v", e.From.Name, e.To.Name, o.From.Name, o.To.Name, p)
						}
					}
				}
			}
		})
	}
}

// samplePath returns points along a path, curves sampled as the SVG draws them.
func samplePath(p []Seg) []Point {
	var out []Point
	for i := 1; i < len(p); i++ {
		a, b := p[i-1].P, p[i].P
		for k := 0; k <= 20; k++ {
			t := float64(k) / 20
			if !p[i].Curve {
				out = append(out, Point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t})
				continue
			}
			dx := (b.X - a.X) / 2
			if dx > -12 && dx < 12 {
				if dx < 0 {
					dx = -12
				} else {
					dx = 12
				}
			}
			c1, c2 := Point{a.X + dx, a.Y}, Point{b.X - dx, b.Y}
			u := 1 - t
			out = append(out, Point{
				u*u*u*a.X + 3*u*u*t*c1.X + 3*u*t*t*c2.X + t*t*t*b.X,
				u*u*u*a.Y + 3*u*u*t*c1.Y + 3*u*t*t*c2.Y + t*t*t*b.Y,
			})
		}
	}
	return out
}

func TestSameDataGivesSameBytes(t *testing.T) {
	for _, c := range cases(t) {
		a, b := render(t, c.graph(), c.lang), render(t, c.graph(), c.lang)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ", c.name)
		}
	}
}

func TestGoldenSVG(t *testing.T) {
	for _, name := range []string{"lithnet/ports-and-traffic-flows", "citrix/citrix-adc"} {
		t.Run(name, func(t *testing.T) {
			var got []byte
			for _, c := range cases(t) {
				if c.name == name {
					got = render(t, c.graph(), c.lang)
				}
			}
			if got == nil {
				t.Fatalf("no section %s", name)
			}
			file := filepath.Join("testdata", strings.ReplaceAll(name, "/", "__")+".golden.svg")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; if the change is intended, run go test ./web/diagram -update and look at the result", file)
			}
		})
	}
}

func TestLabelListsPortsPerProtocol(t *testing.T) {
	flow := func(protos []string, ports ...data.PortRange) data.Flow {
		return data.Flow{Protocols: protos, Ports: ports}
	}
	p := func(a, b int) data.PortRange { return data.PortRange{From: a, To: b} }
	tcp, udp, both := []string{"TCP"}, []string{"UDP"}, []string{"TCP", "UDP"}
	for _, tc := range []struct {
		name  string
		flows []data.Flow
		want  string
		class string
	}{
		{"tcp and udp", []data.Flow{flow(tcp, p(443, 443)), flow(tcp, p(80, 80)), flow(udp, p(53, 53))}, "TCP 80, 443 · UDP 53", "both"},
		{"range with en dash", []data.Flow{flow(tcp, p(135, 135), p(49152, 65535))}, "TCP 135, 49152–65535", "tcp"},
		{"same ports on both", []data.Flow{flow(both, p(88, 88))}, "TCP/UDP 88", "both"},
		{"duplicates merged", []data.Flow{flow(tcp, p(443, 443)), flow(tcp, p(443, 443))}, "TCP 443", "tcp"},
		{"icmp has no port", []data.Flow{flow([]string{"ICMP"})}, "ICMP", "other"},
		{"nothing stated", []data.Flow{flow(nil)}, "port not stated", "other"},
		{"udp only", []data.Flow{flow(udp, p(16500, 16509))}, "UDP 16500–16509", "udp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs, class := portGroups(tc.flows, "port not stated")
			var parts []string
			for _, g := range gs {
				parts = append(parts, g.Text)
			}
			if got := strings.Join(parts, labelSep); got != tc.want || class != tc.class {
				t.Errorf("got %q (%s), want %q (%s)", got, class, tc.want, tc.class)
			}
		})
	}
}

func TestUnnamedSideIsTheSubjectNeverAnInventedHost(t *testing.T) {
	for _, tc := range []struct {
		src, dst, subject, dir string
		wantSrc, wantDst       string
	}{
		{"", "api.telemetry.cayosoft.com", "Admin host", "", "Admin host", "api.telemetry.cayosoft.com"},
		{"Connector Appliance", "", "Connector Appliance", "", "Connector Appliance", UnspecifiedDestination},
		{"", "Endpoint Centralサーバー", "Endpoint Centralサーバー", "", UnspecifiedSource, "Endpoint Centralサーバー"},
		{"", "StoreFront", "", "", UnspecifiedSource, "StoreFront"},
		{"", "", "Admin host", "", "Admin host", UnspecifiedDestination},
		{"", "", "Admin host", "inbound", UnspecifiedSource, "Admin host"},
		{"A", "B", "C", "", "A", "B"},
		// The row's direction put the named party on its side: the other is unnamed.
		{"Endpoint Centralサーバー/プロキシ", "", "Endpoint Centralサーバー", "outbound", "Endpoint Centralサーバー/プロキシ", UnspecifiedDestination},
		{"", "Connector Appliance", "Connector Appliance", "inbound", UnspecifiedSource, "Connector Appliance"},
	} {
		s, d := endpoints(data.Flow{Source: tc.src, Destination: tc.dst, Direction: tc.dir}, tc.subject)
		if s != tc.wantSrc || d != tc.wantDst {
			t.Errorf("endpoints(%q, %q, subject %q) = %q, %q; want %q, %q", tc.src, tc.dst, tc.subject, s, d, tc.wantSrc, tc.wantDst)
		}
	}
}

func TestWideRunesCountDouble(t *testing.T) {
	if a, b := textWidth("サーバー", 10), textWidth("serv", 10); a < 1.5*b {
		t.Errorf("width of サーバー %v, of serv %v: want the Japanese at least 1.5 times wider", a, b)
	}
	lines, cut := wrap(strings.Repeat("The Active Directory Domain Controller ", 8), 180, 13, 3)
	if len(lines) != 3 || !cut || !strings.HasSuffix(lines[2], "…") {
		t.Errorf("wrap of a long name = %q, %v; want 3 lines ending in …", lines, cut)
	}
	for _, l := range lines {
		if w := textWidth(l, 13); w > 180 {
			t.Errorf("line %q is %v px, wider than 180", l, w)
		}
	}
}

func BenchmarkLargestSection(b *testing.B) {
	var sec data.Section
	for _, d := range documents(b) {
		for _, s := range d.Sections {
			if len(s.Flows) > len(sec.Flows) {
				sec = s
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := sectionGraph(sec.Title, sec.Subject, sec.Flows).SVG(io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLargestDocument(b *testing.B) {
	var doc data.Document
	n := -1
	for _, d := range documents(b) {
		c := 0
		for _, s := range d.Sections {
			c += len(s.Flows)
		}
		if c > n {
			doc, n = d, c
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := docGraph(doc).SVG(io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
