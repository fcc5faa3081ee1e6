package diagram

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

// TestDocumentOverviewDrawsEachSectionInItsOwnFrame: a document of Citrix's
// size is drawn section by section, each under a heading that links to the
// section's page, and no arrow leaves its section's frame, so no arrow runs
// the height of the document.
func TestDocumentOverviewDrawsEachSectionInItsOwnFrame(t *testing.T) {
	var doc data.Document
	for _, d := range documents(t) {
		if d.Slug == "citrix" {
			doc = d
		}
	}
	g := docGraph(doc)
	var want []string
	for _, s := range doc.Sections {
		if len(s.Flows) > 0 {
			want = append(want, s.Slug)
		}
	}
	var got []string
	for _, c := range g.Clusters {
		got = append(got, c.Section)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("clusters %v, want one per section with flows %v", got, want)
	}
	frameOf := map[string]Rect{}
	for _, c := range g.Clusters {
		frameOf[c.Section] = c.Frame
		if !c.Frame.Contains(c.Head) {
			t.Errorf("heading of %s %v outside its frame %v", c.Section, c.Head, c.Frame)
		}
	}
	for i, c := range g.Clusters {
		for _, o := range g.Clusters[i+1:] {
			if c.Frame.Overlaps(o.Frame) {
				t.Errorf("frames of %s and %s overlap", c.Section, o.Section)
			}
		}
	}
	for _, e := range g.Edges {
		if len(e.Sections) != 1 {
			t.Fatalf("arrow %s → %s stands for flows of sections %v, want one", e.From.Name, e.To.Name, e.Sections)
		}
		f := frameOf[e.Sections[0]]
		for _, r := range []Rect{e.From.Box, e.To.Box, e.Label} {
			if !f.Contains(r) {
				t.Errorf("arrow %s → %s: %v lies outside the frame of %s %v", e.From.Name, e.To.Name, r, e.Sections[0], f)
			}
		}
		for _, p := range samplePath(e.Path) {
			if p.X < f.X || p.X > f.X+f.W || p.Y < f.Y || p.Y > f.Y+f.H {
				t.Fatalf("arrow %s → %s leaves the frame of %s at %v", e.From.Name, e.To.Name, e.Sections[0], p)
			}
		}
	}
	if g.Width > clusterMaxW+4*margin {
		t.Errorf("overview is %vpx wide, want at most about %v", g.Width, clusterMaxW)
	}
	svg := render(t, g, doc.Language)
	for _, s := range want {
		if !bytes.Contains(svg, []byte(`<a class="cla" href="/docs/citrix/`+s+`">`)) {
			t.Errorf("the heading of section %s does not link to its page", s)
		}
	}
}

// TestSelfLoopIsDrawnWithBothEndsOnItsBox: a flow from an endpoint to itself
// is a loop whose two ends meet the box and whose turn is in view, not under
// its label, so it never reads as an arrow coming from nowhere.
func TestSelfLoopIsDrawnWithBothEndsOnItsBox(t *testing.T) {
	g := sectionGraph("Loop", "", []data.Flow{
		{ID: "a", Doc: "d", SectionID: "s", Source: "Cluster node", Destination: "Cluster node", Protocols: []string{"UDP"}, Ports: []data.PortRange{{From: 7000, To: 7000}}},
		{ID: "b", Doc: "d", SectionID: "s", Source: "Cluster node", Destination: "NTP server", Protocols: []string{"UDP"}, Ports: []data.PortRange{{From: 123, To: 123}}},
	})
	var loop *Edge
	for _, e := range g.Edges {
		if e.Loop {
			loop = e
		}
	}
	if loop == nil {
		t.Fatal("no loop drawn")
	}
	box := loop.From.Box
	first, last := loop.Path[0].P, loop.Path[len(loop.Path)-1].P
	for _, p := range []Point{first, last} {
		if p.Y != box.Y || p.X <= box.X || p.X >= box.X+box.W {
			t.Errorf("loop end %v is not on the top of its box %v", p, box)
		}
	}
	if last.X-first.X < 16 {
		t.Errorf("loop ends %v and %v are too close to be told apart", first, last)
	}
	top := box.Y
	for _, p := range samplePath(loop.Path) {
		top = min(top, p.Y)
		if p.X > loop.Label.X && p.X < loop.Label.X+loop.Label.W && p.Y > loop.Label.Y && p.Y < loop.Label.Y+loop.Label.H {
			t.Fatalf("loop passes under its own label at %v", p)
		}
	}
	if box.Y-top < 14 {
		t.Errorf("loop rises %vpx above its box; an arrowhead is 9px, want room to see the turn", box.Y-top)
	}
}

// TestStandaloneThemesDoNotFollowTheViewer: an inline diagram follows the
// viewer's light or dark setting; the light and dark themes do not.
func TestStandaloneThemesDoNotFollowTheViewer(t *testing.T) {
	if !strings.Contains(ThemeCSS(ThemeAuto), "prefers-color-scheme:dark") {
		t.Error("the inline diagram does not follow the viewer's dark setting")
	}
	for _, th := range []Theme{ThemeLight, ThemeDark} {
		if strings.Contains(ThemeCSS(th), "prefers-color-scheme") {
			t.Errorf("theme %d follows the viewer's setting", th)
		}
	}
	if !strings.Contains(ThemeCSS(ThemeLight), "svg.pd{"+cssFont+"--bg:#fff;") || !strings.Contains(ThemeCSS(ThemeDark), "svg.pd{"+cssFont+"--bg:#15181d;") {
		t.Error("light and dark themes do not set their own background")
	}
	if ThemeStyleHash(ThemeLight) == ThemeStyleHash(ThemeDark) || ThemeStyleHash(ThemeAuto) != StyleHash() {
		t.Error("style hashes do not follow the theme")
	}
}
