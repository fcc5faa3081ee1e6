package versions

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portolan/portolan/data"
)

// Summary says a diff in a few words: "2 added, 1 removed, 11 changed, 1 rename".
func (d Diff) Summary() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(len(d.Added), "added")
	add(len(d.Removed), "removed")
	add(len(d.Changed), "changed")
	switch len(d.Renames) {
	case 0:
	case 1:
		parts = append(parts, fmt.Sprintf("renamed %q to %q", d.Renames[0].From, d.Renames[0].To[0]))
	default:
		add(len(d.Renames), "renames")
	}
	if len(parts) == 0 {
		return "no flow changed"
	}
	return strings.Join(parts, ", ")
}

// Describe names a flow in one line the way a change list shows it:
// section, name, transports and ports, endpoints.
func Describe(f data.Flow) string {
	ports := data.FormatPorts(f.Ports)
	if ports == "" {
		ports = f.PortsRaw
	}
	s := fmt.Sprintf("%s | %s | %s %s", f.Section, label(&f), strings.Join(f.Protocols, "/"), ports)
	if f.Source != "" || f.Destination != "" {
		s += fmt.Sprintf(" | %s -> %s", f.Source, f.Destination)
	}
	return s
}

// WriteText writes the diff as a change list, one line per rename, added,
// removed and changed flow (and one per changed field), in the order of the
// document. It is what `portolan refresh` prints and what the tests compare.
func (d Diff) WriteText(w io.Writer) error {
	var b strings.Builder
	if counts := d.ImpactCounts(); len(counts) > 0 {
		parts := make([]string, len(counts))
		for i, c := range counts {
			parts[i] = fmt.Sprintf("%d %s", c.Count, c.Impact)
		}
		fmt.Fprintf(&b, "by impact: %s\n", strings.Join(parts, ", "))
	}
	for _, r := range d.Renames {
		fmt.Fprintf(&b, "renamed throughout: %q -> %s (%d lines)\n", r.From, quoteAll(r.To), r.Lines)
	}
	if d.Renamed > 0 {
		fmt.Fprintf(&b, "flows changed by renames only: %d\n", d.Renamed)
	}
	for _, f := range d.Added {
		fmt.Fprintf(&b, "added   %s  %s\n", f.ID, Describe(f))
	}
	for _, r := range d.Removed {
		fmt.Fprintf(&b, "removed %s  %s", r.Flow.ID, Describe(r.Flow))
		if r.Successor != "" {
			fmt.Fprintf(&b, "  (nearest now: %s)", r.Successor)
		}
		b.WriteByte('\n')
	}
	for _, c := range d.Changed {
		imps := make([]string, len(c.Impacts))
		for i, imp := range c.Impacts {
			imps[i] = string(imp)
		}
		fmt.Fprintf(&b, "changed %s  %s  [%s]\n", c.New.ID, Describe(c.New), strings.Join(imps, " "))
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "        %s: %q -> %q\n", f.Field, f.From, f.To)
		}
	}
	fmt.Fprintf(&b, "unchanged: %d\n", d.Unchanged)
	_, err := io.WriteString(w, b.String())
	return err
}

// ImpactCount is how many flows of a diff have one impact.
type ImpactCount struct {
	Impact Impact `json:"impact"`
	Count  int    `json:"count"`
}

// impactOrder lists the impacts from what opens a port to what changes
// nothing on a firewall: the order ImpactCounts gives them in.
var impactOrder = []Impact{Added, PortAdded, TransportChanged, EndpointsChanged, DirectionChanged,
	RequirementChanged, Moved, PortRemoved, Removed, Wording}

// ImpactCounts counts the flows of d by impact: every added and removed
// flow, and each changed flow under each of its impacts (one change may
// count under several). Impacts no flow has are left out; flows changed by
// a rename only count under none (the rename is reported once).
func (d Diff) ImpactCounts() []ImpactCount {
	n := map[Impact]int{Added: len(d.Added), Removed: len(d.Removed)}
	for _, c := range d.Changed {
		for _, imp := range c.Impacts {
			n[imp]++
		}
	}
	var out []ImpactCount
	for _, imp := range impactOrder {
		if n[imp] > 0 {
			out = append(out, ImpactCount{Impact: imp, Count: n[imp]})
		}
	}
	return out
}

// quoteAll quotes each string and joins them with " / ".
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " / ")
}
