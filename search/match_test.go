package search_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// Match, with the store ordering its matches by score, must list exactly what
// Search lists, in the same order: /flows uses the first, and Search is the
// reference ranking (bleve's own collector).
func TestMatchListsWhatSearchListsInTheSameOrder(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for _, text := range []string{
		"ldap", "LDAP global catalog", "\"global catalog\"", "kerberos -udp", "https", "port", "443",
		"ファイル転送", "windows プッシュインストール", "送", "メール smtp", "directory sync",
		"certificat", "kerberoes", "citrix", "-tcp", "the", "graph.microsoft.com", "digicert",
		"license server", "vda", "NetScaler gateway",
	} {
		q, _ := search.ParseQuery(text)
		res, err := fx.ix.Search(ctx, q, 0)
		if err != nil {
			t.Fatal(err)
		}
		m, err := fx.ix.Match(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if m.Fuzzy != res.Fuzzy || len(m.Seqs) != len(res.Hits) || len(m.Scores) != len(m.Seqs) {
			t.Errorf("%q: Match found %d (fuzzy %v), Search %d (fuzzy %v)", text, len(m.Seqs), m.Fuzzy, len(res.Hits), res.Fuzzy)
			continue
		}
		flows, total, err := fx.db.Flows(ctx, store.FlowFilter{Seqs: m.Seqs, Scores: m.Scores})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range flows {
			got = append(got, f.ID)
		}
		if want := res.IDs(); total != len(want) || !slices.Equal(got, want) {
			t.Errorf("%q: Match + store list\n%v\nSearch lists\n%v", text, got, want)
		}
	}
}

// An index whose seq map is missing or does not fit is not used: Open fails
// and DatasetVersionAt reports no usable index, so callers rebuild it.
func TestIndexWithoutAFittingSeqMapIsRebuilt(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ix.bleve")
	if err := search.Build(context.Background(), path, fx.docs); err != nil {
		t.Fatal(err)
	}
	if v, err := search.DatasetVersionAt(path); err != nil || v == "" {
		t.Fatalf("fresh index: version %q, %v", v, err)
	}
	seqs := filepath.Join(path, "portolan_seqs")
	b, err := os.ReadFile(seqs)
	if err != nil {
		t.Fatal(err)
	}
	// A sample naming another flow: the map is of another index.
	i := bytes.LastIndexByte(b, '-') // in the last sample's flow ID
	b[i+1] ^= 1
	if err := os.WriteFile(seqs, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err := search.DatasetVersionAt(path); err != nil || v != "" {
		t.Errorf("index with a wrong seq map: version %q, %v; want none", v, err)
	}
	if err := os.Remove(seqs); err != nil {
		t.Fatal(err)
	}
	if _, err := search.Open(path); err == nil {
		t.Error("index without a seq map opened")
	}
}
