package encode

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go4.org/netipx"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/rules"
)

// IPTables writes the request's IPv4 rules as an iptables-restore file: a
// chain PORTOLAN in the filter table holding one ACCEPT per rule (split where
// multiport's 15-port limit needs it). Loaded with --noflush it replaces that
// chain only; the host's INPUT chain jumps to it (`iptables -I INPUT -j
// PORTOLAN`), and what it does not accept carries on through INPUT.
func IPTables(w io.Writer, req *rules.Request) error { return xtables(w, req, false) }

// IP6Tables is IPTables for the IPv6 rules, for ip6tables-restore.
func IP6Tables(w io.Writer, req *rules.Request) error { return xtables(w, req, true) }

func xtables(w io.Writer, req *rules.Request, v6 bool) error {
	tool, fam := "iptables", "IPv4"
	if v6 {
		tool, fam = "ip6tables", "IPv6"
	}
	bw := bufio.NewWriter(w)
	header(bw, "# ", req, fmt.Sprintf("%s-restore file, %s rules", tool, fam))
	fmt.Fprintf(bw, "# Load: %s-restore --noflush < FILE; then, once: %s -I INPUT -j PORTOLAN\n", tool, tool)
	bw.WriteString("*filter\n:PORTOLAN - [0:0]\n")
	for _, r := range req.Rules {
		writeJustification(bw, "# ", r)
		fams, why := renderable(r, tool)
		if why != "" {
			fmt.Fprintf(bw, "# NOT WRITTEN: %s\n", why)
			continue
		}
		n := 0
		for _, f := range fams {
			if f.v6 != v6 {
				continue
			}
			for _, line := range xtablesRules(f, r) {
				bw.WriteString(line)
				bw.WriteString("\n")
				n++
			}
		}
		if n == 0 {
			fmt.Fprintf(bw, "# no %s addresses on both sides: see the %s file\n", fam, map[bool]string{false: "ip6tables", true: "iptables"}[v6])
		}
	}
	bw.WriteString("COMMIT\n")
	writeNamesAndGaps(bw, "# ", req)
	return bw.Flush()
}

// maxMultiport is how many ports multiport takes in one rule (a range counts two).
const maxMultiport = 15

func xtablesRules(f family, r rules.Rule) []string {
	var addr []string
	if f.src != nil {
		addr = append(addr, "-s", joinPrefixes(f.src))
	}
	if f.dst != nil {
		addr = append(addr, "-d", joinPrefixes(f.dst))
	}
	comment := []string{"-m", "comment", "--comment", strconv.Quote("portolan rule " + strconv.Itoa(r.Number)), "-j", "ACCEPT"}
	if !r.HasPorts() {
		line := append([]string{"-A", "PORTOLAN"}, addr...)
		line = append(line, "-p", protoName(r.Protocol, f.v6))
		return []string{strings.Join(append(line, comment...), " ")}
	}
	var out []string
	for _, chunk := range portChunks(r.Ports) {
		line := append([]string{"-A", "PORTOLAN"}, addr...)
		proto := strings.ToLower(r.Protocol)
		line = append(line, "-p", proto)
		if len(chunk) == 1 {
			line = append(line, "--dport", xtPort(chunk[0]))
		} else {
			ps := make([]string, len(chunk))
			for i, p := range chunk {
				ps[i] = xtPort(p)
			}
			line = append(line, "-m", "multiport", "--dports", strings.Join(ps, ","))
		}
		out = append(out, strings.Join(append(line, comment...), " "))
	}
	return out
}

// joinPrefixes writes ranges as the comma-separated CIDRs -s and -d take.
func joinPrefixes(rs []netipx.IPRange) string {
	ps := prefixesOf(rs)
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = p.String()
	}
	return strings.Join(texts, ",")
}

func xtPort(p data.PortRange) string {
	if p.From == p.To {
		return strconv.Itoa(p.From)
	}
	return strconv.Itoa(p.From) + ":" + strconv.Itoa(p.To)
}

// portChunks splits ports into groups multiport takes (a range counts two).
func portChunks(ps []data.PortRange) [][]data.PortRange {
	var out [][]data.PortRange
	var cur []data.PortRange
	n := 0
	for _, p := range ps {
		w := 1
		if p.From != p.To {
			w = 2
		}
		if n+w > maxMultiport {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, p)
		n += w
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
