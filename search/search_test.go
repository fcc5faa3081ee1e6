package search_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// fixture is the shipped dataset as serve builds it: the database and the index
// from the same documents, in a test's temporary directory.
type fixture struct {
	docs []data.Document
	db   *store.DB
	ix   *search.Index
	byAt map[string]data.Flow // "doc:line" -> flow
	byID map[string]data.Flow
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "portolan.db")
	if err := store.Ingest(ctx, dbPath, docs); err != nil {
		t.Fatal(err)
	}
	if err := search.Build(ctx, dbPath+".bleve", docs); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ix, err := search.Open(dbPath + ".bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	fx := &fixture{docs: docs, db: db, ix: ix, byAt: map[string]data.Flow{}, byID: map[string]data.Flow{}}
	for _, d := range docs {
		for _, s := range d.Sections {
			for _, f := range s.Flows {
				at := fmt.Sprintf("%s:%d", d.Slug, f.Line)
				if _, dup := fx.byAt[at]; dup {
					t.Fatalf("two flows start at %s", at)
				}
				fx.byAt[at] = f
				fx.byID[f.ID] = f
			}
		}
	}
	return fx
}

// at returns the flow starting at "doc:line", failing the test if there is none.
func (fx *fixture) at(t testing.TB, at string) data.Flow {
	t.Helper()
	f, ok := fx.byAt[at]
	if !ok {
		t.Fatalf("no flow starts at %s", at)
	}
	return f
}

// where names a flow by its document and line, for failure messages.
func (fx *fixture) where(id string) string {
	f := fx.byID[id]
	return fmt.Sprintf("%s:%d %q", f.Doc, f.Line, f.Purpose)
}

// outcome is a query answered the way the web layer answers it.
type outcome struct {
	q      search.Query
	err    error // from ParseQuery
	ids    []string
	fuzzy  bool
	facets store.Facets
}

// run answers a query as /flows does: parse, search the text, merge the query's
// filters into the store's filter, let the store apply them to the hits and
// count facets, and list the rows in rank order.
func (fx *fixture) run(t testing.TB, text string) outcome {
	t.Helper()
	ctx := context.Background()
	q, perr := search.ParseQuery(text)
	ff := store.FlowFilter{Filter: q.Filter}
	var res search.Result
	if q.HasText() {
		var err error
		if res, err = fx.ix.Search(ctx, q, 0); err != nil {
			t.Fatalf("search %q: %v", text, err)
		}
		ff.IDs = res.IDs()
	}
	flows, _, err := fx.db.Flows(ctx, ff)
	if err != nil {
		t.Fatalf("flows %q: %v", text, err)
	}
	facets, err := fx.db.Facets(ctx, ff)
	if err != nil {
		t.Fatalf("facets %q: %v", text, err)
	}
	out := outcome{q: q, err: perr, fuzzy: res.Fuzzy, facets: facets}
	if !q.HasText() {
		for _, f := range flows {
			out.ids = append(out.ids, f.ID)
		}
		return out
	}
	keep := map[string]bool{}
	for _, f := range flows {
		keep[f.ID] = true
	}
	for _, h := range res.Hits {
		if keep[h.ID] {
			out.ids = append(out.ids, h.ID)
		}
	}
	return out
}

func TestQueriesFindTheFlowAnEngineerExpectsFirst(t *testing.T) {
	fx := newFixture(t)
	cases := []struct {
		name  string
		q     string
		first string   // "doc:line" of the flow that must come first
		then  []string // flows that must follow, in this order, right after first
		also  []string // flows that must be among the results
		not   []string // flows that must not be
		count int      // exact number of results, when not 0
		fuzzy bool     // found by the typo fallback
		bad   bool     // ParseQuery reports a syntax error (and falls back)
	}{
		// English.
		{name: "service named kerberos", q: "kerberos", first: "citrix:94",
			also: []string{"microsoft:8", "cayosoft:57", "citrix:308"}},
		{name: "words of a name", q: "global catalog", first: "lithnet:12",
			also: []string{"microsoft:16", "cayosoft:53", "citrix:35", "citrix:102"}},
		{name: "ldap", q: "ldap", first: "citrix:99", also: []string{"lithnet:17", "citrix:34"}},
		{name: "rpc", q: "rpc", first: "cayosoft:56", also: []string{"microsoft:13", "lithnet:13"}},
		{name: "words together beat words apart", q: "connection to global catalog", first: "citrix:35",
			then: []string{"citrix:160"}},
		{name: "two words", q: "radius accounting", first: "citrix:38", then: []string{"citrix:163"}, count: 2},
		{name: "stemming", q: "heartbeats", first: "citrix:21", then: []string{"citrix:22"}},
		{name: "endpoint names the term", q: "sql database", first: "lithnet:15"},
		{name: "source names the term", q: "AMS server", first: "lithnet:7"},
		{name: "dns", q: "dns", first: "lithnet:14", also: []string{"microsoft:7", "citrix:29"}},
		{name: "case does not matter", q: "OpenID CONNECT", first: "lithnet:20", also: []string{"lithnet:10"}},
		{name: "part of a host name", q: "digicert", first: "citrix:109"},
		{name: "whole host name", q: "graph.microsoft.com", first: "lithnet:8", count: 1},
		// Japanese.
		{name: "ファイル転送 finds the file transfer rows only", q: "ファイル転送", first: "endpoint-central:39",
			then: []string{"endpoint-central:40"}, count: 2},
		{name: "two-character word 転送", q: "転送", first: "endpoint-central:39",
			then: []string{"endpoint-central:40"}, count: 2},
		{name: "two-character word 通信", q: "通信", first: "endpoint-central:13",
			also: []string{"endpoint-central:20", "endpoint-central:75", "endpoint-central:16"}},
		{name: "one character is found inside words", q: "送", first: "endpoint-central:39", count: 2},
		{name: "プッシュインストール", q: "プッシュインストール", first: "endpoint-central:23",
			then: []string{"endpoint-central:24", "endpoint-central:25"}, also: []string{"endpoint-central:59"}},
		{name: "メール通知, ties in document order", q: "メール通知", first: "endpoint-central:20",
			then: []string{"endpoint-central:21", "endpoint-central:22"}, count: 3},
		{name: "purpose beats a note", q: "通知", first: "endpoint-central:20",
			then: []string{"endpoint-central:21", "endpoint-central:22", "endpoint-central:13"}, count: 4},
		// Mixed scripts and languages.
		{name: "Latin word glued to Japanese", q: "Windowsエージェント", first: "endpoint-central:23",
			also: []string{"endpoint-central:56"}, not: []string{"endpoint-central:59"}},
		{name: "English and Japanese words", q: "windows プッシュインストール", first: "endpoint-central:23",
			not: []string{"endpoint-central:59"}},
		{name: "product name and Japanese", q: "PostgreSQL アクセス", first: "endpoint-central:15", count: 1},
		{name: "Japanese and protocol", q: "メール smtp", first: "endpoint-central:20", count: 3},
		{name: "English finds a Japanese row through its gloss", q: "file transfer", first: "endpoint-central:39",
			then: []string{"endpoint-central:40"}},
		// Quoted phrases.
		{name: "phrase", q: `"hello packets"`, first: "citrix:22", count: 1},
		{name: "phrase and word", q: `"global catalog" ssl`, first: "citrix:36", then: []string{"citrix:161"}, count: 2},
		{name: "phrase in Japanese", q: `"メール通知"`, first: "endpoint-central:20", count: 3},
		// Field syntax: the store applies the filters to the hits.
		{name: "proto and port filters only", q: "proto:udp port:443", first: "citrix:135"},
		{name: "doc filter and word", q: "doc:lithnet ldap", first: "lithnet:17", also: []string{"lithnet:11"},
			not: []string{"citrix:99"}},
		{name: "doc filter citrix", q: "doc:citrix kerberos", first: "citrix:94", not: []string{"microsoft:8"}},
		{name: "quoted src filter", q: `src:"AMS server" dns`, first: "lithnet:14", count: 1},
		{name: "dst filter", q: `dst:"LDAP Server" ssl`, first: "citrix:34"},
		{name: "port contained in a range", q: "port:50000 rpc", first: "microsoft:13", also: []string{"lithnet:13"},
			not: []string{"cayosoft:56"}},
		{name: "port range overlap", q: "port:80-90 kerberos", first: "citrix:94",
			also: []string{"microsoft:8", "cayosoft:57"}, not: []string{"citrix:101"}},
		{name: "req and dir filters", q: "req:required dir:outbound メール", first: "endpoint-central:20", count: 3},
		// Exclusions.
		{name: "exclude words", q: "ldap -ssl -tls", first: "citrix:99",
			not: []string{"citrix:34", "citrix:36", "citrix:37"}},
		{name: "exclude a word in a service", q: "kerberos -kpasswd", first: "citrix:94", not: []string{"citrix:101"}},
		{name: "exclude a phrase", q: `ldap -"global catalog"`, first: "citrix:99", not: []string{"citrix:35", "lithnet:12"}},
		{name: "exclusion only", q: "-citrix doc:citrix", also: []string{"citrix:94"}, not: []string{"citrix:8"}},
		{name: "punctuation alone matches nothing", q: "_", count: -1},
		{name: "punctuation beside a word is ignored", q: "radius _ accounting", first: "citrix:38", count: 2},
		// Full-width input.
		{name: "full-width letters", q: "ｋｅｒｂｅｒｏｓ", first: "citrix:94"},
		{name: "full-width filters", q: "proto:ＵＤＰ port:４４３", first: "citrix:135"},
		{name: "full-width space and digits", q: "ｄｏｃ：ｌｉｔｈｎｅｔ　ｌｄａｐ", first: "lithnet:17"},
		{name: "half-width katakana", q: "ﾌｧｲﾙ転送", first: "endpoint-central:39", count: 2},
		// Typos: nothing matches as typed, so words of 5+ letters match one edit away.
		{name: "typo kerbros", q: "kerbros", first: "citrix:94", fuzzy: true},
		{name: "typo hearbeat", q: "hearbeat", first: "citrix:21", fuzzy: true},
		{name: "typo certficate", q: "certficate", first: "citrix:266", fuzzy: true},
		{name: "typo replicaton", q: "replicaton", first: "cayosoft:17", fuzzy: true},
		// Malformed queries fall back to the plain words.
		{name: "unbalanced quote", q: `"kerberos`, first: "citrix:94", bad: true},
		{name: "dangling port:", q: "port: heartbeat", first: "citrix:21", bad: true},
		{name: "bad port", q: "port:99999 heartbeat", count: -1, bad: true},
		{name: "application word as protocol", q: "proto:ldap", first: "citrix:99", bad: true},
		{name: "port with a space", q: "port: 8031", first: "endpoint-central:39", count: 1, bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fx.run(t, tc.q)
			var se *search.SyntaxError
			if tc.bad != errors.As(got.err, &se) || (got.err != nil && se == nil) {
				t.Fatalf("ParseQuery(%q) error = %v, want a syntax error: %v", tc.q, got.err, tc.bad)
			}
			if got.fuzzy != tc.fuzzy {
				t.Errorf("fuzzy = %v, want %v", got.fuzzy, tc.fuzzy)
			}
			list := func() string {
				var b strings.Builder
				for i, id := range got.ids {
					if i == 8 {
						fmt.Fprintf(&b, "\n  ... %d more", len(got.ids)-i)
						break
					}
					fmt.Fprintf(&b, "\n  %s", fx.where(id))
				}
				return b.String()
			}
			switch {
			case tc.count < 0:
				if len(got.ids) != 0 {
					t.Fatalf("%q found %d flows, want none:%s", tc.q, len(got.ids), list())
				}
				return
			case tc.count > 0 && len(got.ids) != tc.count:
				t.Errorf("%q found %d flows, want %d:%s", tc.q, len(got.ids), tc.count, list())
			}
			want := tc.then
			if tc.first != "" {
				want = append([]string{tc.first}, tc.then...)
			}
			for i, at := range want {
				if i >= len(got.ids) || got.ids[i] != fx.at(t, at).ID {
					t.Fatalf("%q: result %d is not %s; got:%s", tc.q, i+1, at, list())
				}
			}
			for _, at := range tc.also {
				if !slices.Contains(got.ids, fx.at(t, at).ID) {
					t.Errorf("%q does not find %s; got:%s", tc.q, at, list())
				}
			}
			for _, at := range tc.not {
				if slices.Contains(got.ids, fx.at(t, at).ID) {
					t.Errorf("%q finds %s, which it must not; got:%s", tc.q, at, list())
				}
			}
			// Facets count exactly the flows listed.
			n := 0
			for _, c := range got.facets.Docs {
				n += c.Count
			}
			if n != len(got.ids) {
				t.Errorf("%q: document facets count %d flows, the listing has %d", tc.q, n, len(got.ids))
			}
		})
	}
}
