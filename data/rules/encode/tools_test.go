package encode_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/rules"
	"github.com/portolan/portolan/data/rules/encode"
)

// The outputs are checked by the tools that consume them: Capirca's aclgen,
// nft -c and iptables-restore --test. A missing tool fails the test (CI
// installs them: python3-capirca, nftables, iptables); it never skips.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed to check the outputs (Debian: python3-capirca, nftables, iptables): %v", name, err)
	}
	return p
}

// shipped returns the embedded documents' flows, hosts and citations.
func shipped(t *testing.T) ([]data.Flow, rules.Options) {
	t.Helper()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var flows []data.Flow
	opt := rules.Options{BaseURL: "https://portolan.example.com", Docs: map[string]rules.Doc{}}
	for _, d := range docs {
		opt.Docs[d.Slug] = rules.Doc{Title: d.Title, URL: d.URL}
		opt.Hosts = append(opt.Hosts, d.Hosts...)
		for _, pf := range d.OrderedFlows() {
			flows = append(flows, *pf.Flow)
		}
	}
	return flows, opt
}

type selection struct {
	name string
	keep func(data.Flow) bool
}

func hasPort(f data.Flow, p int) bool {
	return slices.ContainsFunc(f.Ports, func(r data.PortRange) bool { return r.Contains(p) })
}

var selections = []selection{
	{"citrix-adm-section", func(f data.Flow) bool { return f.Doc == "citrix" && f.SectionID == "citrix-adm" }},
	{"endpoint-central-document", func(f data.Flow) bool { return f.Doc == "endpoint-central" }},
	{"port-443-across-documents", func(f data.Flow) bool { return hasPort(f, 443) }},
	{"icmp-citrix-sdx", func(f data.Flow) bool { return f.Doc == "citrix" && f.SectionID == "citrix-sdx" }},
	{"udp-ranges-provisioning", func(f data.Flow) bool { return f.Doc == "citrix" && f.SectionID == "provisioning-services" }},
}

func pick(flows []data.Flow, keep func(data.Flow) bool) []data.Flow {
	var out []data.Flow
	for _, f := range flows {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// mapping gives every endpoint of req test addresses (documentation ranges):
// IPv4 addresses, some IPv6 too, some CIDRs and ranges. With skip, every
// third endpoint is left unmapped; with anyAt >= 0, that endpoint is any.
func mapping(t *testing.T, req *rules.Request, skip bool, anyAt int) rules.Mapping {
	t.Helper()
	var m rules.Mapping
	for i, e := range req.Endpoints {
		if skip && i%3 == 1 {
			continue
		}
		text := fmt.Sprintf("10.%d.%d.10", 20+i/250, i%250)
		switch {
		case i == anyAt:
			text = "any"
		case i%4 == 0:
			text += fmt.Sprintf(", 2001:db8:%x::10", i+1)
		case i%4 == 1:
			text = fmt.Sprintf("10.%d.%d.0/24", 120+i/250, i%250)
		case i%4 == 2:
			text = fmt.Sprintf("10.%d.%d.5-10.%d.%d.20, fd00:%x::/64", 20+i/250, i%250, 20+i/250, i%250, i+1)
		}
		vs, err := rules.ParseValues(text)
		if err != nil {
			t.Fatalf("mapping %q: %v", text, err)
		}
		m.Set(e.Name, vs)
	}
	return m
}

func render(t *testing.T, dir string, req *rules.Request) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range encode.Formats {
		var b bytes.Buffer
		if err := f.Write(&b, req); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b.Bytes()
		if err := os.WriteFile(filepath.Join(dir, "portolan"+f.Ext), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func run(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	return string(b)
}

// unzip writes the Capirca archive under dir and returns its root.
func unzip(t *testing.T, b []byte, dir string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "portolan-capirca")
}

// aclgen renders the archive's policy and returns each platform's output.
func aclgen(t *testing.T, root string) map[string]string {
	t.Helper()
	out := filepath.Join(root, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// --policy_file makes aclgen fail on an error; without it, it logs and
	// renders nothing.
	run(t, nil, "aclgen", "--base_directory="+filepath.Join(root, "policies"), "--definitions_directory="+filepath.Join(root, "def"),
		"--policy_file="+filepath.Join(root, "policies", "pol", "portolan.pol"), "--output_directory="+out)
	got := map[string]string{}
	for _, ext := range []string{".jcl", ".acl", ".xml", ".ipt"} {
		b, err := os.ReadFile(filepath.Join(out, "portolan"+ext))
		if err != nil {
			t.Fatalf("aclgen rendered no %s: %v", ext, err)
		}
		got[ext] = string(b)
	}
	return got
}

var ruleComment = regexp.MustCompile(`portolan rule (\d+)"`)

// TestOutputsAcceptedByTheRealTools renders every output for several
// selections of the shipped documents, mapped completely and partly, and has
// aclgen (Juniper, Cisco, Palo Alto, iptables), nft -c and iptables-restore
// --test read them. Every rule with both endpoints mapped must be in each
// output; no rule with an unmapped endpoint may be.
func TestOutputsAcceptedByTheRealTools(t *testing.T) {
	flows, opt := shipped(t)
	for _, sel := range selections {
		for _, partial := range []bool{false, true} {
			name := sel.name + map[bool]string{false: "/mapped", true: "/partly-mapped"}[partial]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				picked := pick(flows, sel.keep)
				if len(picked) == 0 {
					t.Fatal("selection is empty")
				}
				req := rules.Build(picked, rules.Mapping{}, opt)
				anyAt := -1
				if !partial {
					anyAt = len(req.Endpoints) - 1
				}
				req = rules.Build(picked, mapping(t, req, partial, anyAt), opt)
				if len(req.Rules) == 0 {
					t.Fatal("no rules")
				}
				if partial && req.Complete() {
					t.Fatal("a partly mapped request says it is complete")
				}
				dir := t.TempDir()
				outs := render(t, dir, req)

				run(t, nil, "nft", "-c", "-f", filepath.Join(dir, "portolan.nft"))
				run(t, outs["iptables"], "iptables-restore", "--test")
				run(t, outs["ip6tables"], "ip6tables-restore", "--test")
				rendered := aclgen(t, unzip(t, outs["capirca"], dir))

				written := map[string]bool{}
				for _, m := range ruleComment.FindAllStringSubmatch(string(outs["nft"]), -1) {
					written[m[1]] = true
				}
				for _, r := range req.Rules {
					n := fmt.Sprint(r.Number)
					juniper := strings.Contains(rendered[".jcl"], "term rule-"+n+" {") || strings.Contains(rendered[".jcl"], "term rule-"+n+"-v6 {")
					if !r.Complete() {
						if written[n] || juniper || strings.Contains(string(outs["iptables"])+string(outs["ip6tables"]), `"portolan rule `+n+`"`) {
							t.Errorf("rule %d has an unmapped endpoint but was written", r.Number)
						}
						continue
					}
					if !written[n] {
						t.Errorf("rule %d (%s -> %s) is mapped but not in the nftables ruleset", r.Number, r.Source.Name, r.Destination.Name)
					}
					if !juniper {
						t.Errorf("rule %d is mapped but aclgen's Juniper filter has no term for it", r.Number)
					}
				}
				// The other platforms render the first IPv4 rule written.
				for _, r := range req.Rules {
					if !strings.Contains(string(outs["iptables"]), fmt.Sprintf(`"portolan rule %d"`, r.Number)) {
						continue
					}
					for _, ext := range []string{".acl", ".xml", ".ipt"} {
						if !strings.Contains(rendered[ext], fmt.Sprintf("rule-%d", r.Number)) {
							t.Errorf("aclgen's %s output lacks rule %d:\n%s", ext, r.Number, rendered[ext])
						}
					}
					break
				}
			})
		}
	}
}

// TestUnmappedEndpointIsNeverAny maps nothing, then one side only, and checks
// that no output, nor anything aclgen renders from the policy, opens a rule
// to any address: no 0.0.0.0/0, no ::/0, no "any" in a rule.
func TestUnmappedEndpointIsNeverAny(t *testing.T) {
	flows, opt := shipped(t)
	picked := pick(flows, func(f data.Flow) bool { return f.Doc == "citrix" && f.SectionID == "citrix-adm" })
	req := rules.Build(picked, rules.Mapping{}, opt)
	// Map only "Citrix ADM": its rules keep their other endpoint unmapped.
	var m rules.Mapping
	vs, _ := rules.ParseValues("192.0.2.10")
	m.Set("Citrix ADM", vs)
	for _, c := range []struct {
		name string
		req  *rules.Request
	}{{"nothing-mapped", req}, {"one-side-mapped", rules.Build(picked, m, opt)}} {
		t.Run(c.name, func(t *testing.T) {
			if c.req.Complete() {
				t.Fatal("request with unmapped endpoints says it is complete")
			}
			dir := t.TempDir()
			outs := render(t, dir, c.req)
			rendered := aclgen(t, unzip(t, outs["capirca"], dir))
			run(t, nil, "nft", "-c", "-f", filepath.Join(dir, "portolan.nft"))
			run(t, outs["iptables"], "iptables-restore", "--test")
			all := map[string]string{}
			for k, v := range outs {
				all[k] = string(v)
			}
			for k, v := range rendered {
				all["aclgen"+k] = v
			}
			for name, text := range all {
				for _, bad := range []string{"0.0.0.0/0", "::/0", "0.0.0.0 255.255.255.255"} {
					if strings.Contains(text, bad) {
						t.Errorf("%s contains %s", name, bad)
					}
				}
				for _, line := range strings.Split(text, "\n") {
					l := strings.TrimSpace(line)
					if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "remark") || strings.HasPrefix(l, "!") || strings.HasPrefix(l, "deny") {
						continue
					}
					if regexp.MustCompile(`(?i)(^|[\s,>])any($|[\s,<])`).MatchString(l) && !strings.Contains(l, "<member>any</member>") && !strings.Contains(l, "application") {
						t.Errorf("%s has a rule line with any: %s", name, l)
					}
				}
			}
			// Juniper writes any as a term without an address list: every
			// term must have both.
			for _, term := range strings.Split(all["aclgen.jcl"], "term ")[1:] {
				if strings.Contains(term, "discard") {
					continue // the deny term of a policy with nothing mapped
				}
				if !strings.Contains(term, "source-address") || !strings.Contains(term, "destination-address") {
					t.Errorf("Juniper term open to any address:\nterm %s", term)
				}
			}
			if got := strings.Count(all["csv"], "NOT MAPPED"); got == 0 {
				t.Error("the CSV does not say NOT MAPPED")
			}
			// Nothing mapped: no rule may be written at all.
			if c.name == "nothing-mapped" && ruleComment.MatchString(all["nft"]+all["iptables"]) {
				t.Error("a rule was written with nothing mapped")
			}
		})
	}
}

// TestCapircaObjectNameIsATokenTheUserDefines maps an endpoint to a firewall
// object name: the policy nests it in a token, which aclgen renders once the
// user's own definitions define the object.
func TestCapircaObjectNameIsATokenTheUserDefines(t *testing.T) {
	flows, opt := shipped(t)
	picked := pick(flows, func(f data.Flow) bool {
		return f.Doc == "citrix" && f.SectionID == "citrix-adm" && f.Source == "Citrix ADM" && f.Destination == "NTP Server"
	})
	var m rules.Mapping
	adm, _ := rules.ParseValues("192.0.2.10")
	ntp, _ := rules.ParseValues("CORP_NTP")
	m.Set("Citrix ADM", adm)
	m.Set("NTP Server", ntp)
	req := rules.Build(picked, m, opt)
	if !req.Complete() || len(req.Rules) != 1 {
		t.Fatalf("want one complete rule, got %d rules, problems %v", len(req.Rules), req.Problems())
	}
	dir := t.TempDir()
	outs := render(t, dir, req)
	root := unzip(t, outs["capirca"], dir)
	f, err := os.OpenFile(filepath.Join(root, "def", "NETWORK.net"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "\nCORP_NTP = 198.51.100.123/32")
	f.Close()
	got := aclgen(t, root)
	if !strings.Contains(got[".jcl"], "198.51.100.123/32") || !strings.Contains(got[".jcl"], "192.0.2.10/32") {
		t.Errorf("Juniper filter lacks the object's or the source's address:\n%s", got[".jcl"])
	}
	if !strings.Contains(got[".jcl"], "destination-port 123") {
		t.Errorf("Juniper filter lacks NTP's port:\n%s", got[".jcl"])
	}
	// nftables cannot know the object: the rule is a comment saying so.
	if !strings.Contains(string(outs["nft"]), "NOT WRITTEN: destination \"NTP Server\" is mapped to the firewall object CORP_NTP") {
		t.Errorf("nftables ruleset does not say why the rule is missing:\n%s", outs["nft"])
	}
}

// TestNftablesRuleMatchesMappedAddresses checks the text of one rule against
// what was mapped, ranges and CIDRs included, and its ports coalesced.
func TestNftablesRuleMatchesMappedAddresses(t *testing.T) {
	mk := func(src, dst string, ports ...data.PortRange) data.Flow {
		return data.Flow{ID: src + dst + fmt.Sprint(ports), Doc: "d", Section: "S", SectionID: "s", Source: src, Destination: dst, Protocols: []string{"TCP"}, Ports: ports, Line: 3}
	}
	flows := []data.Flow{
		mk("App", "DB", data.PortRange{From: 8000, To: 8005}),
		mk("App", "DB", data.PortRange{From: 443, To: 443}, data.PortRange{From: 8006, To: 8010}),
		mk("App", "DB", data.PortRange{From: 80, To: 80}),
	}
	var m rules.Mapping
	a, _ := rules.ParseValues("10.0.0.5, 10.0.1.0/24, 10.0.2.1-10.0.2.9, 2001:db8::1")
	d, _ := rules.ParseValues("10.9.0.1")
	m.Set("app", a)
	m.Set("DB", d)
	req := rules.Build(flows, m, rules.Options{})
	var b bytes.Buffer
	if err := encode.Nftables(&b, req); err != nil {
		t.Fatal(err)
	}
	want := `ip saddr { 10.0.0.5, 10.0.1.0/24, 10.0.2.1-10.0.2.9 } ip daddr 10.9.0.1 tcp dport { 80, 443, 8000-8010 } accept comment "portolan rule 1"`
	if !strings.Contains(b.String(), want) {
		t.Errorf("nftables ruleset lacks\n%s\ngot:\n%s", want, b.String())
	}
	if strings.Contains(b.String(), "ip6 saddr") {
		t.Errorf("an IPv6 rule was written though the destination is IPv4 only:\n%s", b.String())
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.nft"), b.Bytes(), 0o644)
	run(t, nil, "nft", "-c", "-f", filepath.Join(dir, "x.nft"))
}
