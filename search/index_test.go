package search

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
)

func embedded(t testing.TB) []data.Document {
	t.Helper()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestBuildReplacesTheIndexAndRecordsTheDataset(t *testing.T) {
	ctx := context.Background()
	docs := embedded(t)
	path := filepath.Join(t.TempDir(), "portolan.db.bleve")

	if v, err := DatasetVersionAt(path); err != nil || v != "" {
		t.Fatalf("DatasetVersionAt(missing) = %q, %v; want \"\", nil", v, err)
	}
	if _, err := Open(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open(missing) error = %v, want fs.ErrNotExist", err)
	}
	if err := Build(ctx, path, docs[:1]); err != nil {
		t.Fatal(err)
	}
	if v, _ := DatasetVersionAt(path); v != data.DatasetVersion(docs[:1]) {
		t.Fatalf("dataset version %q, want %q", v, data.DatasetVersion(docs[:1]))
	}
	// A second build swaps the directory; an index opened before keeps working.
	old, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := Build(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.DatasetVersion() != data.DatasetVersion(docs) {
		t.Errorf("after rebuild: dataset %q, want %q", ix.DatasetVersion(), data.DatasetVersion(docs))
	}
	q, _ := ParseQuery("kerberos")
	for name, x := range map[string]*Index{"old": old, "new": ix} {
		if _, err := x.Search(ctx, q, 0); err != nil {
			t.Errorf("%s index: %v", name, err)
		}
	}
	// Nothing is left beside the index.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want the index only", names)
	}
}

func TestBuildFailureLeavesTheIndexAsItWas(t *testing.T) {
	ctx := context.Background()
	docs := embedded(t)
	path := filepath.Join(t.TempDir(), "x.bleve")
	if err := Build(ctx, path, docs[:1]); err != nil {
		t.Fatal(err)
	}
	bad := []data.Document{{Slug: "bad", Sections: []data.Section{{Slug: "s", Flows: []data.Flow{{Line: 3}}}}}}
	if err := Build(ctx, path, bad); err == nil {
		t.Fatal("Build of a flow without an ID succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := Build(cancelled, path, docs); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with a cancelled context: %v", err)
	}
	if v, _ := DatasetVersionAt(path); v != data.DatasetVersion(docs[:1]) {
		t.Errorf("dataset version %q after failed builds, want the first one", v)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("failed builds left %d entries beside the index", len(entries)-1)
	}
}

func TestIndexOfAnotherMappingIsReportedForRebuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.bleve")
	idx, err := bleve.New(path, newMapping())
	if err != nil {
		t.Fatal(err)
	}
	idx.SetInternal(keyMappingVersion, []byte("0"))
	idx.Close()
	if _, err := Open(path); !errors.Is(err, ErrMappingVersion) {
		t.Fatalf("Open error = %v, want ErrMappingVersion", err)
	}
	if v, err := DatasetVersionAt(path); err != nil || v != "" {
		t.Fatalf("DatasetVersionAt = %q, %v; want \"\", nil (rebuild)", v, err)
	}
	if err := Build(context.Background(), path, embedded(t)); err != nil {
		t.Fatalf("rebuild over an index of another mapping: %v", err)
	}
	if _, err := Open(path); err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
}

func TestHighlightMarksTheMatchedWordsInTheirFields(t *testing.T) {
	ctx := context.Background()
	docs := embedded(t)
	path := filepath.Join(t.TempDir(), "x.bleve")
	if err := Build(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	flows := map[string]data.Flow{}
	for _, d := range docs {
		for _, s := range d.Sections {
			for _, f := range s.Flows {
				flows[f.ID] = f
			}
		}
	}
	marked := func(text string, spans []Span) []string {
		var out []string
		for _, s := range Mark(text, spans) {
			if s.Match {
				out = append(out, s.Text)
			}
		}
		return out
	}
	for _, tc := range []struct {
		q     string
		field string
		want  []string
		fuzzy bool
	}{
		{q: "kerberos authentication", field: "purpose", want: []string{"Kerberos", "authentication"}},
		{q: "ファイル転送", field: "purpose", want: []string{"ファイル転送"}},
		{q: "転送", field: "purpose", want: []string{"転送"}},
		{q: "送", field: "purpose", want: []string{"転送"}},
		{q: `"global catalog"`, field: "purpose", want: []string{"global", "catalog"}},
		{q: "kerbros", field: "purpose", want: []string{"Kerberos"}, fuzzy: true},
	} {
		q, err := ParseQuery(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ix.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		q.Fuzzy = res.Fuzzy
		ids := res.IDs()
		hl, err := ix.Highlight(ctx, q, ids)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, id := range ids {
			text := map[string]string{"purpose": flows[id].Purpose}[tc.field]
			got := marked(text, hl[id][tc.field])
			if len(got) > 0 && equalFold(got, tc.want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%q: no hit has %q marked in %s; highlights %v", tc.q, tc.want, tc.field, hl)
		}
	}
}

func equalFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestSearchHostsFindsHostNamesAndTheirPurposes(t *testing.T) {
	ctx := context.Background()
	docs := embedded(t)
	path := filepath.Join(t.TempDir(), "x.bleve")
	if err := Build(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	host := func(h HostHit) data.Host {
		for _, d := range docs {
			if d.Slug == h.Doc && h.N >= 1 && h.N <= len(d.Hosts) {
				return d.Hosts[h.N-1]
			}
		}
		t.Fatalf("no host %s #%d", h.Doc, h.N)
		return data.Host{}
	}
	for _, tc := range []struct{ q, want string }{
		{"graph.microsoft.com", "graph.microsoft.com"},
		{"googleapis", "android.googleapis.com"},
		{"digicert", "https://*.digicert.com"},
	} {
		q, _ := ParseQuery(tc.q)
		hits, err := ix.SearchHosts(ctx, q, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("%q found no host", tc.q)
			continue
		}
		names := []string{}
		for _, h := range hits {
			names = append(names, host(h).Name)
		}
		found := false
		for _, n := range names {
			found = found || n == tc.want
		}
		if !found {
			t.Errorf("%q found %q, not %q", tc.q, names, tc.want)
		}
	}
}

// The en fields keep the Latin words of a mixed text, stemmed as "en" does,
// and none of its Japanese, which only the cjk fields search.
func TestLatinAnalyzerKeepsOnlyTheLatinWords(t *testing.T) {
	a := newMapping().AnalyzerNamed(latinAnalyzer)
	if a == nil {
		t.Fatal("no latin analyzer")
	}
	enA := newMapping().AnalyzerNamed("en")
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Windowsエージェントのプッシュインストール via SMB", []string{"window", "via", "smb"}},
		{"ファイル転送", nil},
		{"Kerberos authentication to the AD forest.", []string{"kerbero", "authent", "ad", "forest"}},
	} {
		var got []string
		for _, tok := range a.Analyze([]byte(tc.text)) {
			got = append(got, string(tok.Term))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
		if isCJK(tc.text) {
			continue
		}
		// Without CJK, exactly what "en" gives, positions included.
		want := enA.Analyze([]byte(tc.text))
		toks := a.Analyze([]byte(tc.text))
		if len(toks) != len(want) {
			t.Fatalf("%q: %d tokens, en gives %d", tc.text, len(toks), len(want))
		}
		for i := range toks {
			if string(toks[i].Term) != string(want[i].Term) || toks[i].Position != want[i].Position {
				t.Errorf("%q: token %d is %q at %d, en gives %q at %d", tc.text, i, toks[i].Term, toks[i].Position, want[i].Term, want[i].Position)
			}
		}
	}
}
