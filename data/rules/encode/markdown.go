package encode

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/portolan/portolan/data/rules"
)

// Markdown writes a summary to paste into a ticket: whether the request is
// complete (and if not, why), the rules as a table, each rule's flows with
// their links, the host names to allow, the flows that gave no rule, and the
// endpoint mapping used. It reads as plain text where Markdown is not rendered.
func Markdown(w io.Writer, req *rules.Request) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Firewall change request\n\n")
	fmt.Fprintf(bw, "%d %s from %d %s.\n\n", len(req.Rules), plural(len(req.Rules), "rule", "rules"), req.Flows, plural(req.Flows, "flow", "flows"))
	if req.Complete() {
		bw.WriteString("**Complete**: every endpoint is mapped and every flow gave a rule.\n\n")
	} else {
		bw.WriteString("**INCOMPLETE**: rules with an unmapped endpoint keep a placeholder; nothing was widened to any.\n\n")
		for _, p := range req.Problems() {
			fmt.Fprintf(bw, "- %s\n", mdText(p))
		}
		bw.WriteString("\n")
	}
	if len(req.Rules) > 0 {
		bw.WriteString("| # | Source | Destination | Protocol | Ports | Flows |\n")
		bw.WriteString("|---|---|---|---|---|---|\n")
		for _, r := range req.Rules {
			ports := r.PortsText()
			if !r.HasPorts() {
				ports = "—"
			}
			fmt.Fprintf(bw, "| %d | %s | %s | %s | %s | %d |\n", r.Number, mdEndpoint(r.Source), mdEndpoint(r.Destination), r.Protocol, ports, len(r.Flows))
		}
		bw.WriteString("\n## Justification\n\n")
		for _, r := range req.Rules {
			fmt.Fprintf(bw, "**Rule %d** %s → %s %s\n\n", r.Number, mdText(r.Source.Name), mdText(r.Destination.Name), strings.TrimSpace(r.Protocol+" "+r.PortsText()))
			for _, f := range r.Flows {
				fmt.Fprintf(bw, "- %s ([source line](%s)", mdText(refText(f)), f.SourceURL)
				if f.VendorURL != "" {
					fmt.Fprintf(bw, ", [vendor page](%s)", f.VendorURL)
				}
				bw.WriteString(")\n")
			}
			bw.WriteString("\n")
		}
	}
	if len(req.Names) > 0 {
		bw.WriteString("## Host names to allow\n\n")
		for _, n := range req.Names {
			fmt.Fprintf(bw, "- `%s`%s — %s\n", strings.ReplaceAll(oneLine(n.Name), "`", "'"), nameService(n), mdText(refText(n.Refs[0])))
		}
		bw.WriteString("\n")
	}
	if len(req.Gaps) > 0 {
		bw.WriteString("## Flows that gave no rule\n\n")
		for _, g := range req.Gaps {
			fmt.Fprintf(bw, "- %s → %s: %s (%s, [source line](%s))\n", mdText(g.Source), mdText(g.Destination), mdText(g.Reason), mdText(refText(g.Flow)), g.Flow.SourceURL)
		}
		bw.WriteString("\n")
	}
	if len(req.Endpoints) > 0 {
		bw.WriteString("## Endpoint mapping\n\n")
		for _, e := range req.Endpoints {
			v := "NOT MAPPED"
			if e.Mapped() {
				v = rules.FormatValues(e.Values)
			}
			fmt.Fprintf(bw, "- %s = %s\n", mdText(e.Name), mdText(v))
		}
	}
	return bw.Flush()
}

// mdEndpoint is an endpoint for a table cell: its name and values.
func mdEndpoint(e *rules.Endpoint) string {
	if !e.Mapped() {
		return mdText(e.Name) + " (**NOT MAPPED**)"
	}
	return mdText(e.Name) + " (" + mdText(rules.FormatValues(e.Values)) + ")"
}

// mdText keeps a document's text from being read as Markdown: on one line,
// with the characters that start markup escaped.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`)

func mdText(s string) string { return mdEscaper.Replace(oneLine(s)) }
