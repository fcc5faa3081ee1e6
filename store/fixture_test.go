package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
)

// flow builds a flow of section sec with the fields tests filter on; the rest are
// filled so that a round trip checks every column.
func flow(doc string, sec data.Section, ordinal int, id string, protos []string, ports []data.PortRange,
	src, dst, purpose, req, dir string) data.Flow {
	return data.Flow{
		ID: id, URL: "/flows/" + id, Doc: doc, Section: sec.Title, SectionID: sec.Slug,
		Service: "svc " + id, Source: src, Destination: dst, Protocols: protos, Ports: ports,
		PortsRaw: data.FormatPorts(ports), ProtocolRaw: "raw " + id, AppProtocol: "app " + id,
		Purpose: purpose, PurposeEn: "en " + purpose, Requirement: req, RequirementRaw: "r" + req,
		Direction: dir, DirectionRaw: "d" + dir, DirectionEn: "den " + dir, Notes: "note " + id,
		NotesEn: "note en " + id, Line: 10 * ordinal, LineEnd: 10*ordinal + 1, Ordinal: ordinal,
	}
}

func pr(from, to int) data.PortRange { return data.PortRange{From: from, To: to} }

func ports(rs ...data.PortRange) []data.PortRange { return rs }

// fixture is two documents, one of them Japanese, with every field set. Flows
// are listed in the order Document returns them.
func fixture() []data.Document {
	dc := data.Section{Slug: "dc", Title: "Domain Controller", Ordinal: 1, Line: 3, Subject: "DC", Text: "Open these."}
	web := data.Section{Slug: "web", Title: "Web Server", TitleEn: "", Ordinal: 2, Line: 20, Text: ""}
	dc.Flows = []data.Flow{
		flow("alpha", dc, 1, "a1", []string{"TCP", "UDP"}, ports(pr(53, 53)),
			"Client", "Domain Controller", "DNS lookups (100% of them_all)", data.Required, data.Inbound),
		flow("alpha", dc, 2, "a2", []string{"TCP"}, ports(pr(49152, 65535)),
			"Admin PC", "Domain Controller", "RPC dynamic ports", data.Required, data.Bidirectional),
	}
	web.Flows = []data.Flow{
		flow("alpha", web, 3, "a3", []string{"TCP"}, ports(pr(80, 90)),
			"Browser", "Web Server", "HTTP alternates", data.Optional, data.Inbound),
		flow("alpha", web, 4, "a4", []string{"ICMP"}, []data.PortRange{},
			"Monitor", "Web Server", "Ping", "", ""),
		flow("alpha", web, 5, "a5", []string{"TCP"}, ports(pr(8443, 8443), pr(443, 443)),
			"Browser", "Web Server", "HTTPS", data.Recommended, data.Outbound),
	}
	alpha := data.Document{
		Slug: "alpha", File: "alpha.txt", Vendor: "Alpha Corp", Product: "Alpha Suite", Title: "Alpha ports",
		Language: "en", URL: "https://example.com/alpha", Created: "2024-01-02", Updated: "2024-03-04",
		Subject: "Alpha server", Raw: "Alpha ports\nline 2\n", Checksum: "abc123",
		Sections: []data.Section{dc, web},
		Hosts: []data.Host{
			{Name: "*.alpha.example", Kind: "wildcard", Doc: "alpha", Section: "Web Server", SectionID: "web",
				Group: "CDN", GroupEn: "Content delivery", FlowID: "a5", Protocols: []string{"TCP"}, Ports: ports(pr(443, 443)), Purpose: "Updates", Line: 25},
			{Name: "https://license.alpha.example/check", Kind: "url", Doc: "alpha", Protocols: []string{},
				Ports: []data.PortRange{}, Line: 30},
		},
	}
	agent := data.Section{Slug: "agent", Title: "エージェントとサーバー間の通信", TitleEn: "Agent to server", Ordinal: 1, Line: 5,
		Subject: "サーバー", Text: "以下のポートを開放してください。"}
	agent.Flows = []data.Flow{
		flow("beta", agent, 1, "b1", []string{"UDP"}, ports(pr(8027, 8027)),
			"エージェント", "サーバー", "エージェント通信 (UDP)", data.Conditional, data.Outbound),
		flow("beta", agent, 2, "b2", []string{"TCP", "UDP"}, ports(pr(50000, 50000), pr(135, 135)),
			"エージェント", "配布サーバー", "ファイル転送", data.Required, data.Inbound),
	}
	beta := data.Document{
		Slug: "beta", File: "beta.ja.txt", Vendor: "ベータ", Product: "Beta Central", Title: "ポート要件",
		Language: "ja", SourceLanguage: "zh", URL: "https://example.jp/beta", Raw: "ポート要件\n必須\n", Checksum: "def456",
		Sections: []data.Section{agent},
		Hosts: []data.Host{
			{Name: "update.beta.example", Kind: "fqdn", Doc: "beta", Section: agent.Title, SectionID: "agent",
				Protocols: []string{"TCP"}, Ports: ports(pr(443, 443)), Purpose: "更新の確認", Line: 40},
		},
	}
	return []data.Document{alpha, beta}
}

// open ingests docs into a new file and opens it.
func open(t testing.TB, docs []data.Document) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "portolan.db")
	ctx := context.Background()
	if err := Ingest(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func ids(flows []data.Flow) []string {
	s := []string{}
	for _, f := range flows {
		s = append(s, f.ID)
	}
	return s
}

// where is the filter of a URL query string (doc=alpha&proto=udp).
func where(query string) filter.Filter { return filter.MustParse(query) }
