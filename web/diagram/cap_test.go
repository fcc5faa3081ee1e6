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
