package encode

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"go4.org/netipx"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules"
)

// Nftables writes the request as an nftables ruleset for the hosts themselves
// (`nft -f FILE`): its own table, inet portolan, replaced as a whole when the
// file is loaded again, whose input chain drops what the request does not
// allow (established traffic and loopback excepted). nftables runs every
// table's base chain, and an accept in one table does not overrule a drop in
// another, so the table is a complete input policy: a host's other needs
// (its own management access) go into it too before it is loaded. Rules
// match source and destination, so the same file serves every host of the
// request.
func Nftables(w io.Writer, req *rules.Request) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("#!/usr/sbin/nft -f\n")
	header(bw, "# ", req, "nftables ruleset for the hosts (nft -f FILE)")
	bw.WriteString("# The input chain's policy is drop: it allows exactly these flows, plus\n")
	bw.WriteString("# established traffic and loopback. Add the host's own management access\n")
	bw.WriteString("# (SSH, monitoring) before loading it. Remove with: nft delete table inet portolan\n\n")
	// Declaring then deleting the table makes loading the file again replace it.
	bw.WriteString("table inet portolan\ndelete table inet portolan\n\n")
	bw.WriteString("table inet portolan {\n")
	bw.WriteString("\tchain input {\n")
	bw.WriteString("\t\ttype filter hook input priority filter; policy drop;\n")
	bw.WriteString("\t\tct state established,related accept\n")
	bw.WriteString("\t\tct state invalid drop\n")
	bw.WriteString("\t\tiif \"lo\" accept\n")
	for _, r := range req.Rules {
		bw.WriteString("\n")
		writeJustification(bw, "\t\t# ", r)
		fams, why := renderable(r, "nftables")
		if why != "" {
			fmt.Fprintf(bw, "\t\t# NOT WRITTEN: %s\n", why)
			continue
		}
		for _, f := range fams {
			fmt.Fprintf(bw, "\t\t%s accept comment \"portolan rule %d\"\n", nftMatch(f, r), r.Number)
		}
	}
	bw.WriteString("\t}\n}\n")
	writeNamesAndGaps(bw, "# ", req)
	return bw.Flush()
}

// nftMatch is the match part of one rule in one family.
func nftMatch(f family, r rules.Rule) string {
	var parts []string
	ipk := "ip"
	if f.v6 {
		ipk = "ip6"
	}
	if f.src == nil && f.dst == nil {
		parts = append(parts, "meta nfproto "+map[bool]string{false: "ipv4", true: "ipv6"}[f.v6])
	}
	if f.src != nil {
		parts = append(parts, ipk+" saddr "+nftSet(f.src))
	}
	if f.dst != nil {
		parts = append(parts, ipk+" daddr "+nftSet(f.dst))
	}
	switch {
	case r.HasPorts():
		parts = append(parts, strings.ToLower(r.Protocol)+" dport "+nftPorts(r.Ports))
	case r.Protocol == "ICMP" && f.v6:
		parts = append(parts, "meta l4proto ipv6-icmp")
	default:
		parts = append(parts, "meta l4proto "+protoName(r.Protocol, f.v6))
	}
	return strings.Join(parts, " ")
}

// protoName is a port-less protocol's name as /etc/protocols (and so nft,
// iptables and Capirca) spells it.
func protoName(p string, v6 bool) string {
	switch p {
	case "ICMP":
		if v6 {
			return "ipv6-icmp"
		}
		return "icmp"
	case "ICMPV6":
		return "ipv6-icmp"
	}
	return strings.ToLower(p)
}

func nftSet(rs []netipx.IPRange) string {
	if len(rs) == 1 {
		return rangeText(rs[0])
	}
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = rangeText(r)
	}
	return "{ " + strings.Join(texts, ", ") + " }"
}

func nftPorts(ps []data.PortRange) string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return "{ " + data.FormatPorts(ps) + " }"
}

// writeJustification writes a rule's title, endpoints and flows as comment
// lines after prefix.
func writeJustification(w *bufio.Writer, prefix string, r rules.Rule) {
	fmt.Fprintf(w, "%s%s\n", prefix, ruleTitle(r))
	fmt.Fprintf(w, "%s  from %s\n", prefix, endpointText(r.Source))
	fmt.Fprintf(w, "%s  to   %s\n", prefix, endpointText(r.Destination))
	for _, f := range r.Flows {
		fmt.Fprintf(w, "%s  why: %s <%s>\n", prefix, refText(f), f.SourceURL)
	}
}

// writeNamesAndGaps writes the allow-list and the flows that gave no rule as
// comment lines after prefix.
func writeNamesAndGaps(w *bufio.Writer, prefix string, req *rules.Request) {
	if len(req.Names) > 0 {
		fmt.Fprintf(w, "\n%sHost names to allow (a proxy or DNS-aware firewall's list; not rules here):\n", prefix)
		for _, n := range req.Names {
			fmt.Fprintf(w, "%s  %s%s\n", prefix, oneLine(n.Name), nameService(n))
		}
	}
	if len(req.Gaps) > 0 {
		fmt.Fprintf(w, "\n%sFlows that gave no rule:\n", prefix)
		for _, g := range req.Gaps {
			fmt.Fprintf(w, "%s  %s -> %s: %s (%s)\n", prefix, quoteName(g.Source), quoteName(g.Destination), oneLine(g.Reason), refText(g.Flow))
		}
	}
}

// nameService is a host name's protocols and ports, " (TCP 443)", if stated.
func nameService(n rules.Name) string {
	var s string
	if len(n.Protocols) > 0 {
		s = strings.Join(n.Protocols, "/")
	}
	if len(n.Ports) > 0 {
		s = strings.TrimSpace(s + " " + data.FormatPorts(n.Ports))
	}
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
