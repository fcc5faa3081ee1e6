package diagram

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// chain is n flows joining n+1 endpoints one after the other: host0 to
// host1, host1 to host2, ...
func chain(n int) []data.Flow {
	flows := make([]data.Flow, n)
	for i := range flows {
		flows[i] = data.Flow{ID: fmt.Sprintf("f%d", i), SectionID: "s", Source: fmt.Sprintf("host%d", i),
			Destination: fmt.Sprintf("host%d", i+1), Protocols: []string{"TCP"},
			Ports: []data.PortRange{{From: 443, To: 443}}, PortsRaw: "443"}
	}
	return flows
}

// A diagram of more endpoints than it draws draws the first MaxNodes of
// them and says, under its title and to screen readers, how many it shows
// of how many and how many flows it leaves out.
func TestDiagramOfAChainOf4000EndpointsDrawsTheFirstAndSaysSo(t *testing.T) {
	g := sectionGraph("Chain", "", chain(4000))
	if len(g.Nodes) != MaxNodes {
		t.Errorf("%d boxes, want %d", len(g.Nodes), MaxNodes)
	}
	if g.AllNodes != 4001 || g.Omitted != 4000-(MaxNodes-1) {
		t.Errorf("AllNodes %d, Omitted %d; want 4001 and %d", g.AllNodes, g.Omitted, 4000-(MaxNodes-1))
	}
	var buf bytes.Buffer
	if err := g.SVG(&buf, Options{}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Showing %d of 4001 endpoints; %d flows not drawn.", MaxNodes, g.Omitted)
	if got := strings.Join(g.TitleLines, " "); !strings.Contains(got, want) {
		t.Errorf("title lines %q do not say %q", got, want)
	}
	if !strings.Contains(buf.String(), "Every flow is in the listing") {
		t.Error("the SVG does not say where the rest is")
	}
	small := sectionGraph("Chain", "", chain(10))
	if small.Omitted != 0 || strings.Contains(strings.Join(small.TitleLines, " "), "Showing") {
		t.Errorf("a small diagram says it is capped: %q", small.TitleLines)
	}
}

// BenchmarkLayoutChain lays out chains of endpoints: one the size of the
// cap, drawn whole, and one of 4,000 (32 s before the cap), drawn to it.
func BenchmarkLayoutChain(b *testing.B) {
	for _, n := range []int{MaxNodes - 1, 4000} {
		flows := chain(n)
		b.Run(fmt.Sprintf("endpoints=%d", n+1), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var buf bytes.Buffer
				if err := sectionGraph("Chain", "", flows).SVG(&buf, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sectionsOfChains is a document of secs sections, each a chain of n flows
// between endpoints of its own: secs*(n+1) endpoints in all.
func sectionsOfChains(secs, n int) data.Document {
	d := data.Document{Slug: "big", Title: "Big"}
	for s := range secs {
		sec := data.Section{Slug: fmt.Sprintf("s%d", s), Title: fmt.Sprintf("Section %d", s)}
		for i, f := range chain(n) {
			f.ID = fmt.Sprintf("s%d-f%d", s, i)
			f.SectionID = sec.Slug
			f.Source = fmt.Sprintf("s%d-%s", s, f.Source)
			f.Destination = fmt.Sprintf("s%d-%s", s, f.Destination)
			sec.Flows = append(sec.Flows, f)
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}

// The overview of a document drawn section by section obeys the caps of
// every diagram, in all its sections together: a document of 4,000
// endpoints in 40 sections draws 150 of them, says so, and links to the
// listing of the document.
func TestDocumentOverviewOfThousandsOfEndpointsIsCapped(t *testing.T) {
	doc := sectionsOfChains(40, 99) // 40 sections of 100 endpoints, 99 flows
	g := LayoutDocument(englishLabels(), doc, nil)
	if len(g.Clusters) == 0 {
		t.Fatal("the overview is not drawn section by section")
	}
	if len(g.Nodes) > MaxNodes || len(g.Edges) > MaxEdges {
		t.Errorf("%d boxes and %d arrows, want at most %d and %d", len(g.Nodes), len(g.Edges), MaxNodes, MaxEdges)
	}
	// One section of 100 endpoints whole, then 50 of the next: 148 flows.
	if len(g.Nodes) != MaxNodes || len(g.Clusters) != 2 {
		t.Errorf("%d boxes in %d sections, want %d in 2 (the first whole, the second in part)", len(g.Nodes), len(g.Clusters), MaxNodes)
	}
	if g.AllNodes != 4000 || g.Omitted != 40*99-148 {
		t.Errorf("AllNodes %d, Omitted %d; want 4000 and %d", g.AllNodes, g.Omitted, 40*99-148)
	}
	var buf bytes.Buffer
	if err := g.SVG(&buf, Options{}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Showing %d of 4000 endpoints; %d flows not drawn.", MaxNodes, g.Omitted)
	if got := strings.Join(g.TitleLines, " "); !strings.Contains(got, want) {
		t.Errorf("title lines %q do not say %q", got, want)
	}
	if !strings.Contains(buf.String(), `<a href="/flows?doc=big">`) {
		t.Error("the capped note does not link to the document's listing")
	}
	// The size of the drawing is that of a diagram at the cap, whatever
	// the document's: twice the document shows the same.
	var twice bytes.Buffer
	if err := LayoutDocument(englishLabels(), sectionsOfChains(80, 99), nil).SVG(&twice, Options{}); err != nil {
		t.Fatal(err)
	}
	if d := twice.Len() - buf.Len(); d < -64 || d > 64 {
		t.Errorf("SVG of 8,000 endpoints is %d bytes, of 4,000 %d: it grows with the document", twice.Len(), buf.Len())
	}
	if buf.Len() > 400<<10 {
		t.Errorf("SVG of a capped overview is %d KB", buf.Len()>>10)
	}
	t.Logf("capped overview: %d bytes of SVG, %d boxes, %d arrows", buf.Len(), len(g.Nodes), len(g.Edges))
}

// BenchmarkLayoutDocumentSections lays out document overviews drawn section
// by section: one just under the caps, and ones of 4,000 and 40,000
// endpoints, drawn to them.
func BenchmarkLayoutDocumentSections(b *testing.B) {
	for _, c := range []struct{ secs, n int }{{2, 70}, {40, 99}, {400, 99}} {
		doc := sectionsOfChains(c.secs, c.n)
		b.Run(fmt.Sprintf("endpoints=%d", c.secs*(c.n+1)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var buf bytes.Buffer
				if err := LayoutDocument(englishLabels(), doc, nil).SVG(&buf, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
