package rules

import (
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
)

func TestARoleMappedOnceMapsEveryNameItCovers(t *testing.T) {
	dc := func(id, dst string, guess bool) data.Flow {
		return data.Flow{ID: id, Doc: "d", SectionID: "s", Source: "App server", Destination: dst,
			Protocols: []string{"TCP"}, Ports: []data.PortRange{{From: 389, To: 389}},
			Roles: []data.EndpointRole{{Side: data.SideDestination, Role: "domain-controller", Guess: guess}}}
	}
	flows := []data.Flow{
		dc("a", "on-premises AD", false),
		dc("b", "Domain Controllers", false),
		dc("c", "", true), // Endpoint Central: the DC named in the purpose only
		dc("d", "Active Directory domain", false),
	}
	m, err := ParseMapping(strings.NewReader("role:domain-controller = 10.0.0.10, 10.0.0.11\nActive Directory domain = 10.9.9.9\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := Build(flows, m, Options{})
	got := map[string]string{}
	for _, e := range req.Endpoints {
		var vs []string
		for _, v := range e.Values {
			vs = append(vs, v.Text)
		}
		got[e.Name] = strings.Join(vs, ",") + " " + e.Role
	}
	for name, want := range map[string]string{
		"on-premises AD":     "10.0.0.10,10.0.0.11 domain-controller",
		"Domain Controllers": "10.0.0.10,10.0.0.11 domain-controller",
		"(unnamed destination in d/s: domain-controller)": "10.0.0.10,10.0.0.11 domain-controller",
		"Active Directory domain":                         "10.9.9.9 ", // its own line wins
		"App server":                                      " ",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
}
