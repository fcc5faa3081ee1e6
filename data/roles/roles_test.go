package roles

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestShippedVocabularyHasEveryRoleInThreeLanguages(t *testing.T) {
	v := Default()
	if len(v.Roles()) < 20 {
		t.Fatalf("%d roles; the vocabulary should cover the roles vendor documents name", len(v.Roles()))
	}
	for _, r := range v.Roles() {
		for _, l := range Languages {
			if len(r.Names[l]) == 0 {
				t.Errorf("role %s has no %s names", r.ID, l)
			}
		}
		if got, ok := v.Role(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Role(%q) = %v, %v", r.ID, got.ID, ok)
		}
	}
	if _, ok := v.Role("no-such-role"); ok {
		t.Error("Role found an ID the vocabulary does not have")
	}
}

func TestParseRefusesABrokenVocabulary(t *testing.T) {
	good := `{"id":"dns-server","title":{"en":"DNS","ja":"DNS","zh":"DNS"},"names":{"en":["DNS"]}}`
	for _, tc := range []struct{ name, json, want string }{
		{"bad id", `{"roles":[{"id":"DNS Server","title":{"en":"a","ja":"a","zh":"a"},"names":{"en":["x"]}}]}`, "not a slug"},
		{"twice", `{"roles":[` + good + `,` + good + `]}`, "listed twice"},
		{"no zh title", `{"roles":[{"id":"a","title":{"en":"a","ja":"a"},"names":{"en":["x"]}}]}`, "no zh title"},
		{"no names", `{"roles":[{"id":"a","title":{"en":"a","ja":"a","zh":"a"}}]}`, "no names"},
		{"no word", `{"roles":[{"id":"a","title":{"en":"a","ja":"a","zh":"a"},"names":{"en":["--"]}}]}`, "no word"},
		{"language", `{"roles":[{"id":"a","title":{"en":"a","ja":"a","zh":"a"},"names":{"fr":["x"]}}]}`, "unknown language"},
		{"typo", `{"roles":[{"id":"a","titel":{}}]}`, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func roleIDs(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Role)
	}
	return out
}

func TestEndpointRolesMatchWholeWordsNeverSubstrings(t *testing.T) {
	v := Default()
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"Domain Controllers", []string{"domain-controller"}},
		{"The Active Directory Domain Controller (DC) that is running ADWS.", []string{"domain-controller"}},
		{"on-premises AD", []string{"domain-controller"}},
		{"Citrix ADC", nil},       // ADC is not DC
		{"DCE/RPC Locator", nil},  // nor is DCE
		{"Azure AD Connect", nil}, // not Azure AD, and not AD
		{"Azure AD", []string{"identity-provider", "cloud-service"}},
		{"Active Directoryのドメインコントローラー", []string{"domain-controller"}},
		{"メールサーバー", []string{"mail-server"}},
		{"メールサーバーズ", nil}, // one katakana word, not メールサーバー
		{"配信サーバー", []string{"distribution-server"}},
		{"ＤＮＳ　Ｓｅｒｖｅｒ", []string{"dns-server"}}, // full width
		{"域控制器", []string{"domain-controller"}},
		{"Application Firewall signature URL", nil},
		{"社内ネットワークのファイアウォール/プロキシ", []string{"firewall", "proxy"}},
		{"graph.microsoft.com", []string{"cloud-service"}},
		{"https://*.digicert.com", []string{"certificate-authority", "cloud-service"}},
		{"HdxVideo.js", nil},
		{"10.0.0.53", nil}, // a private address is not the Internet
		{"", nil},
	} {
		got := roleIDs(v.Endpoint(tc.name))
		if !slices.Equal(got, tc.want) {
			t.Errorf("Endpoint(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFlowGuessesAnEmptySideFromThePurposeOnly(t *testing.T) {
	v := Default()
	// The Endpoint Central row to its domain controllers names them only in
	// the purpose; the named side keeps its own roles, unguessed.
	f := data.Flow{Source: "Endpoint Centralサーバー/プロキシ", Purpose: "Active Directoryのドメインコントローラーとの通信"}
	got := v.Flow(f)
	want := []data.EndpointRole{
		{Side: data.SideSource, Role: "proxy", Name: "プロキシ"},
		{Side: data.SideDestination, Role: "domain-controller", Name: "ドメインコントローラー", Guess: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Flow = %+v, want %+v", got, want)
	}
	// Both sides named: the purpose is not read.
	f = data.Flow{Source: "AMS server", Destination: "SQL Database", Purpose: "domain controller lookups"}
	if got := v.Flow(f); !slices.Equal(got, []data.EndpointRole{{Side: data.SideDestination, Role: "database", Name: "SQL database"}}) {
		t.Errorf("Flow with both sides named = %+v", got)
	}
	// A purpose naming the named side's own role guesses nothing for the other.
	f = data.Flow{Destination: "配信サーバー", Purpose: "エージェントと配信サーバー間の通信"}
	got = v.Flow(f)
	want = []data.EndpointRole{
		{Side: data.SideDestination, Role: "distribution-server", Name: "配信サーバー"},
		{Side: data.SideSource, Role: "managed-device", Name: "エージェント", Guess: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Flow = %+v, want %+v", got, want)
	}
}

func TestGlossesOfJapaneseEndpointNames(t *testing.T) {
	v := Default()
	for name, want := range map[string]string{
		"管理対象PC":     "managed PC",
		"配信サーバー":     "distribution server",
		"管理対象ＰＣ":     "managed PC", // full-width PC
		"AMS server": "",
	} {
		if got := v.Gloss(name); got != want {
			t.Errorf("Gloss(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestShippedDocumentRoles asserts the roles of every endpoint of the five
// shipped documents, and every guess, against testdata/roles.golden: each line
// was reviewed by hand (go test -update rewrites it; review the diff).
func TestShippedDocumentRoles(t *testing.T) {
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	v := Default()
	var b strings.Builder
	seen := map[string]bool{}
	for _, d := range docs {
		fmt.Fprintf(&b, "# %s\n", d.Slug)
		for _, pf := range d.OrderedFlows() {
			f := pf.Flow
			for _, e := range []string{f.Source, f.Destination} {
				if e == "" || seen[d.Slug+"\x00"+e] {
					continue
				}
				seen[d.Slug+"\x00"+e] = true
				line := e + " =>"
				for _, m := range v.Endpoint(e) {
					line += fmt.Sprintf(" %s (%s)", m.Role, m.Name)
				}
				if g := v.Gloss(e); g != "" {
					line += " · en: " + g
				}
				fmt.Fprintln(&b, line)
			}
			for _, a := range v.Flow(*f) {
				if a.Guess {
					fmt.Fprintf(&b, "  guess %s %s: %s (%s)\n", f.ID, a.Side, a.Role, a.Name)
				}
			}
		}
	}
	golden(t, "testdata/roles.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(go test -update rewrites it; review the diff)", name, i+1, g, w)
			}
		}
	}
}

// TestEverythingThatMustReachADomainController answers the question the roles
// are for across the five documents, flow by flow: every flow whose
// destination is a domain controller, however the document names it.
func TestEverythingThatMustReachADomainController(t *testing.T) {
	want := []string{
		// Cayosoft: "Domain Controllers", the KDC and ADWS sentences.
		"cayosoft-gczzn5p4", "cayosoft-ypcw66r2", "cayosoft-h135jj5t", "cayosoft-d92nmcnb", "cayosoft-kp9eqjf0",
		// Citrix: "Active Directory domain" (Connector Appliance), "DNS
		// Service Domain Controller" (Hypervisor), "Domain Controller"
		// (Provisioning, StoreFront).
		"citrix-h2zb9dab", "citrix-e3exrx3c", "citrix-cmyg63dv", "citrix-0q4g4ehd", "citrix-nx12hr26",
		"citrix-eyr33et7", "citrix-xwa3v04w", "citrix-s3h97vgg", "citrix-9x6n1jrd", "citrix-b9tv7hfd",
		"citrix-zfxna2zd", "citrix-xs2neghs", "citrix-xsa2hcb9",
		"citrix-1c4fydpe", "citrix-44gat8j4", "citrix-nhkpq46n",
		// Endpoint Central: named only in the Japanese purpose (guesses).
		"endpoint-central-t8hs9yvq", "endpoint-central-h4tfr5st",
		// Lithnet: "Active Directory Domain Controllers" and its GC servers.
		"lithnet-md7c9p65", "lithnet-yvam8s4r", "lithnet-xrkjnze9", "lithnet-e9fnqjan",
		// Microsoft: "on-premises AD".
		"microsoft-ps7mwpga", "microsoft-7fs06v6x", "microsoft-p26ezz2s", "microsoft-g44c43e6",
		"microsoft-zmhqzqd0", "microsoft-cw9sq7aj", "microsoft-7w0y3ks9", "microsoft-emprcpck",
		"microsoft-jxxx212k", "microsoft-12jbnhgv",
	}
	guesses := map[string]bool{"endpoint-central-t8hs9yvq": true, "endpoint-central-h4tfr5st": true}
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	v := Default()
	var got []string
	for _, d := range docs {
		for _, pf := range d.OrderedFlows() {
			for _, a := range v.Flow(*pf.Flow) {
				if a.Role != "domain-controller" {
					continue
				}
				if a.Side != data.SideDestination {
					t.Errorf("%s: a domain controller as the %s", pf.Flow.ID, a.Side)
				}
				if a.Guess != guesses[pf.Flow.ID] {
					t.Errorf("%s: guess = %v", pf.Flow.ID, a.Guess)
				}
				got = append(got, pf.Flow.ID)
			}
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%s must reach a domain controller, and is not found", id)
		}
	}
	for _, id := range got {
		if !slices.Contains(want, id) {
			t.Errorf("%s is found as reaching a domain controller, and should not be", id)
		}
	}
}
