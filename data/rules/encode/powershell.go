package encode

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"go4.org/netipx"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/csvout"
	"github.com/portolan/portolan/data/rules"
)

// PowerShell writes the request as Windows Defender Firewall rules, one
// New-NetFirewallRule per rule and IP version: inbound, on the destination
// hosts (LocalAddress the destination, RemoteAddress the source), in the
// display group "Portolan change request" so they can be listed and removed
// together (Remove-NetFirewallRule -Group ...). Windows allows outbound
// traffic unless told otherwise, so no outbound rules are written. The file
// starts with a byte order mark: Windows PowerShell 5.1 reads a file without
// one in the system code page, which would garble Japanese descriptions.
func PowerShell(w io.Writer, req *rules.Request) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(csvout.BOM) // Windows PowerShell 5.1 reads a file without it in the system code page, garbling Japanese
	header(bw, "# ", req, "Windows Defender Firewall rules (run as administrator on the destination hosts)")
	bw.WriteString("#Requires -RunAsAdministrator\n")
	bw.WriteString("$ErrorActionPreference = 'Stop'\n")
	bw.WriteString("$group = 'Portolan change request'\n")
	for _, r := range req.Rules {
		bw.WriteString("\n")
		writeJustification(bw, "# ", r)
		fams, why := renderable(r, "Windows Firewall")
		if why != "" {
			fmt.Fprintf(bw, "# NOT WRITTEN: %s\n", why)
			continue
		}
		desc := make([]string, 0, len(r.Flows))
		for _, f := range r.Flows {
			desc = append(desc, refText(f))
		}
		for _, f := range fams {
			if f.v6 && f.src == nil && f.dst == nil && r.HasPorts() {
				continue // the IPv4 rule, Any to Any, already covers IPv6
			}
			args := []string{
				"New-NetFirewallRule",
				"-DisplayName", psQuote(fmt.Sprintf("Portolan rule %d (%s)", r.Number, map[bool]string{false: "IPv4", true: "IPv6"}[f.v6])),
				"-Group", "$group",
				"-Direction", "Inbound",
				"-Action", "Allow",
				"-Protocol", psProtocol(r.Protocol, f.v6),
			}
			if r.HasPorts() {
				args = append(args, "-LocalPort", psPorts(r.Ports))
			}
			args = append(args, "-RemoteAddress", psAddrs(f.src), "-LocalAddress", psAddrs(f.dst))
			args = append(args, "-Description", psQuote(truncate(strings.Join(desc, "; "), 1000)))
			bw.WriteString(strings.Join(args, " "))
			bw.WriteString(" | Out-Null\n")
		}
	}
	writeNamesAndGaps(bw, "# ", req)
	return bw.Flush()
}

// psQuote writes s as a PowerShell single-quoted string: no expansion, quotes
// doubled (PowerShell also takes the typographic single quotes as quotes).
func psQuote(s string) string {
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
	return "'" + r.Replace(oneLine(s)) + "'"
}

func psProtocol(p string, v6 bool) string {
	switch p {
	case "TCP", "UDP":
		return p
	case "ICMP", "ICMPV6":
		if v6 {
			return "ICMPv6"
		}
		return "ICMPv4"
	}
	// Other protocols by number, as New-NetFirewallRule takes them.
	if n, ok := protoNumbers[p]; ok {
		return n
	}
	return psQuote(p)
}

// protoNumbers are the IANA numbers of the port-less protocols a document may
// name besides ICMP.
var protoNumbers = map[string]string{"GRE": "47", "ESP": "50", "AH": "51", "SCTP": "132"}

// psPorts is a list of ports and ranges: 80,443,8000-8010.
func psPorts(ps []data.PortRange) string {
	return strings.ReplaceAll(data.FormatPorts(ps), " ", "")
}

// psAddrs is a list of addresses, subnets and ranges, or Any for nil.
func psAddrs(rs []netipx.IPRange) string {
	if rs == nil {
		return "Any"
	}
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = psQuote(rangeText(r))
	}
	return strings.Join(texts, ",")
}

func truncate(s string, n int) string { return data.Clip(s, n, "…") }
