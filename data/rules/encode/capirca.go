package encode

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/data/rules"
)

// CapircaTargets are the platforms the policy's header asks aclgen to render:
// Juniper (mixed IPv4/IPv6 filter), Cisco (mixed access list), Palo Alto
// (security rules between two zones, renamed to fit) and iptables (Capirca's
// speedway generator, IPv4). Users add or change targets in the header; the
// terms do not depend on them.
var CapircaTargets = []string{
	"juniper portolan mixed",
	"cisco portolan mixed",
	"paloalto from-zone internal to-zone external",
	"speedway INPUT DROP",
}

// CapircaPolicy is a change request as Capirca's three files: the policy
// (portolan.pol) and its network and service definitions.
type CapircaPolicy struct {
	Pol, Networks, Services string
}

// CapircaFiles writes the request as a Capirca policy: one term per rule
// (ICMP rules a term per IP version, as Capirca spells ICMP for IPv6
// icmpv6), each endpoint a network token holding its addresses, each rule's
// ports a service token. An endpoint mapped to any is left out of its terms
// (Capirca's any); one mapped to a firewall object name becomes a token
// nesting that name, which the user's own NETWORK.net must define. A rule
// with an endpoint not mapped, or mapped to a host name (Capirca has no DNS),
// is a comment saying why, never a term.
func CapircaFiles(req *rules.Request) CapircaPolicy {
	tokens := capircaTokens(req)
	var pol, nets, svcs bytes.Buffer
	pw := bufio.NewWriter(&pol)
	header(pw, "# ", req, "Capirca policy (aclgen --policy_file portolan.pol)")
	pw.WriteString("header {\n")
	fmt.Fprintf(pw, "  comment:: %s\n", capircaString(fmt.Sprintf("Portolan change request: %d rules from %d flows", len(req.Rules), req.Flows)))
	for _, t := range CapircaTargets {
		fmt.Fprintf(pw, "  target:: %s\n", t)
	}
	pw.WriteString("}\n")

	nw := bufio.NewWriter(&nets)
	header(nw, "# ", req, "Capirca network definitions (NETWORK.net)")
	sw := bufio.NewWriter(&svcs)
	header(sw, "# ", req, "Capirca service definitions (SERVICES.svc)")

	for _, e := range req.Endpoints {
		tok, ok := tokens[e]
		if !ok {
			continue
		}
		fmt.Fprintf(nw, "\n# %s\n", oneLine(e.Name))
		for i, v := range e.Values {
			lead := strings.Repeat(" ", len(tok)+3)
			if i == 0 {
				lead = tok + " = "
			}
			switch v.Kind {
			case rules.Object:
				fmt.Fprintf(nw, "%s%s  # a firewall object: define %s in your own NETWORK.net\n", lead, v.Text, v.Text)
			default:
				for j, p := range v.Prefixes() {
					if i > 0 || j > 0 {
						lead = strings.Repeat(" ", len(tok)+3)
					}
					note := ""
					if j == 0 && v.Kind == rules.Range {
						note = "  # " + v.Text
					}
					fmt.Fprintf(nw, "%s%s%s\n", lead, p, note)
				}
			}
		}
	}

	terms := 0
	for _, r := range req.Rules {
		pw.WriteString("\n")
		writeJustification(pw, "# ", r)
		if why := capircaProblem(r); why != "" {
			fmt.Fprintf(pw, "# NOT WRITTEN: %s\n", why)
			continue
		}
		svc := ""
		if r.HasPorts() {
			svc = "RULE_" + strconv.Itoa(r.Number)
			proto := strings.ToLower(r.Protocol)
			fmt.Fprintf(sw, "\n# %s\n", ruleTitle(r))
			for i, p := range r.Ports {
				lead := strings.Repeat(" ", len(svc)+3)
				if i == 0 {
					lead = svc + " = "
				}
				fmt.Fprintf(sw, "%s%s/%s\n", lead, p, proto)
			}
		}
		protos := []string{strings.ToLower(r.Protocol)}
		if r.Protocol == "ICMP" {
			protos = nil
			if capircaHasFamily(r, false) {
				protos = append(protos, "icmp")
			}
			if capircaHasFamily(r, true) {
				protos = append(protos, "icmpv6")
			}
		}
		for _, proto := range protos {
			name := "rule-" + strconv.Itoa(r.Number)
			if proto == "icmpv6" {
				name += "-v6"
			}
			terms++
			fmt.Fprintf(pw, "term %s {\n", name)
			fmt.Fprintf(pw, "  comment:: %s\n", capircaString(capircaComment(r)))
			if tok, ok := tokens[r.Source]; ok {
				fmt.Fprintf(pw, "  source-address:: %s\n", tok)
			}
			if tok, ok := tokens[r.Destination]; ok {
				fmt.Fprintf(pw, "  destination-address:: %s\n", tok)
			}
			fmt.Fprintf(pw, "  protocol:: %s\n", proto)
			if svc != "" {
				fmt.Fprintf(pw, "  destination-port:: %s\n", svc)
			}
			pw.WriteString("  action:: accept\n}\n")
		}
	}
	if terms == 0 {
		// Capirca refuses a filter without terms; one that denies says what
		// the filter's end would: nothing is allowed yet.
		pw.WriteString("\nterm no-rule-mapped-yet {\n  comment:: \"No rule has both endpoints mapped yet: nothing is allowed.\"\n  action:: deny\n}\n")
	}
	writeNamesAndGaps(pw, "# ", req)
	pw.Flush()
	nw.Flush()
	sw.Flush()
	return CapircaPolicy{Pol: pol.String(), Networks: nets.String(), Services: svcs.String()}
}

// capircaProblem says why a rule cannot be a term, or "".
func capircaProblem(r rules.Rule) string {
	for _, s := range []struct {
		side string
		e    *rules.Endpoint
	}{{"source", r.Source}, {"destination", r.Destination}} {
		if !s.e.Mapped() {
			return s.side + " " + quoteName(s.e.Name) + " is not mapped to addresses"
		}
		for _, v := range s.e.Values {
			if v.Kind == rules.Host {
				return s.side + " " + quoteName(s.e.Name) + " is mapped to the host name " + v.Text + ", which Capirca cannot resolve: map it to addresses"
			}
		}
	}
	if !capircaHasFamily(r, false) && !capircaHasFamily(r, true) && !hasObject(r.Source) && !hasObject(r.Destination) {
		return "the source and the destination have no IP version in common (one is IPv4 only, the other IPv6 only)"
	}
	return ""
}

func hasObject(e *rules.Endpoint) bool {
	for _, v := range e.Values {
		if v.Kind == rules.Object {
			return true
		}
	}
	return false
}

// capircaHasFamily reports whether both sides of r can match IPv6 (or IPv4)
// traffic: they are any, or hold addresses of that version, or name an
// object (whose addresses Portolan does not know).
func capircaHasFamily(r rules.Rule, v6 bool) bool {
	has := func(e *rules.Endpoint) bool {
		if e.IsAny() {
			return true
		}
		for _, v := range e.Values {
			if v.Kind == rules.Object || (v.Kind == rules.Prefix || v.Kind == rules.Range) && v.Is6() == v6 {
				return true
			}
		}
		return false
	}
	return has(r.Source) && has(r.Destination)
}

// capircaTokens names a network token for every mapped endpoint that is not
// any: its name in capitals with _ between words (letters other than A-Z
// dropped), unique, never the name of an object a mapping refers to.
func capircaTokens(req *rules.Request) map[*rules.Endpoint]string {
	taken := map[string]bool{}
	for _, e := range req.Endpoints {
		for _, v := range e.Values {
			if v.Kind == rules.Object {
				taken[strings.ToUpper(v.Text)] = true
			}
		}
	}
	out := map[*rules.Endpoint]string{}
	for i, e := range req.Endpoints {
		if !e.Mapped() || e.IsAny() {
			continue
		}
		var b strings.Builder
		under := false
		for _, r := range strings.ToUpper(e.Name) {
			switch {
			case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
				if under && b.Len() > 0 {
					b.WriteByte('_')
				}
				b.WriteRune(r)
				under = false
			default:
				under = true
			}
		}
		tok := b.String()
		if len(tok) > 40 {
			tok = strings.TrimRight(tok[:40], "_")
		}
		if tok == "" || tok[0] >= '0' && tok[0] <= '9' {
			tok = "ENDPOINT_" + tok
		}
		tok = strings.TrimRight(tok, "_")
		if taken[tok] {
			tok += "_" + strconv.Itoa(i+1)
		}
		taken[tok] = true
		out[e] = tok
	}
	return out
}

// capircaString quotes s for a policy file: Capirca's strings cannot hold a
// double quote, so it becomes a single one; braces and comment marks, which
// the Juniper generator reads as structure even inside comments, become
// parentheses and spaced stars.
func capircaString(s string) string {
	return `"` + capircaText.Replace(s) + `"`
}

var capircaText = strings.NewReplacer(`"`, "'", "{", "(", "}", ")", "/*", "/ *", "*/", "* /")

func capircaComment(r rules.Rule) string {
	lines := []string{ruleTitle(r)}
	for _, f := range r.Flows {
		lines = append(lines, "why: "+refText(f)+" <"+f.SourceURL+">")
	}
	return strings.Join(lines, "\n")
}

// Capirca writes the policy as a zip archive laid out the way aclgen reads
// it, with a README saying how to render it:
//
//	portolan-capirca/README.txt
//	portolan-capirca/policies/pol/portolan.pol
//	portolan-capirca/def/NETWORK.net
//	portolan-capirca/def/SERVICES.svc
//
// The archive's entries carry a fixed time, so the same request gives the
// same bytes.
func Capirca(w io.Writer, req *rules.Request) error {
	p := CapircaFiles(req)
	zw := zip.NewWriter(w)
	files := []struct{ name, body string }{
		{"README.txt", capircaReadme},
		{"policies/pol/portolan.pol", p.Pol},
		{"def/NETWORK.net", p.Networks},
		{"def/SERVICES.svc", p.Services},
	}
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: "portolan-capirca/" + f.name, Method: zip.Deflate, Modified: capircaTime})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, f.body); err != nil {
			return err
		}
	}
	return zw.Close()
}

var capircaTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const capircaReadme = `Portolan change request as a Capirca policy.

Render it with Capirca's aclgen (Debian/Ubuntu: apt install python3-capirca):

  cd portolan-capirca
  aclgen --base_directory=policies --definitions_directory=def \
         --policy_file=policies/pol/portolan.pol --output_directory=out

out/ then holds portolan.jcl (Juniper), portolan.acl (Cisco), portolan.xml
(Palo Alto) and portolan.ipt (iptables). Change the target:: lines of the
header in portolan.pol for other platforms. Rules whose endpoints are not
mapped to addresses are comments in portolan.pol, never terms.
`
