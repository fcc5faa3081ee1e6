package search_test

import (
	"context"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/store"
)

// HighlightFlows, which marks a page's rows from their own text, marks what
// Highlight, the second pass over the index, marks: the same spans in the
// same fields of the same flows, for words, phrases, Japanese words and
// single characters, stop words, typos and exclusions.
func TestHighlightFlowsMarksWhatTheIndexMatched(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for _, text := range []string{
		"kerberos", "kerberos authentication", "LDAP global catalog", `"global catalog" ssl`,
		"connection to global catalog", "ldap -ssl", "heartbeats", "graph.microsoft.com", "digicert",
		"ファイル転送", "転送", "送", "通信", "メール通知", "windows プッシュインストール", "Windowsエージェント",
		"PostgreSQL アクセス", "ﾌｧｲﾙ転送", "file transfer", "kerbros", "hearbeat", "LDAP/SSL", "443",
		"https", "tcp/udp", "radius _ accounting",
	} {
		q, _ := search.ParseQuery(text)
		m, err := fx.ix.Match(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		flows, _, err := fx.db.Flows(ctx, store.FlowFilter{Seqs: m.Seqs, Scores: m.Scores, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(flows) == 0 {
			t.Errorf("%q matches nothing", text)
			continue
		}
		q.Fuzzy = m.Fuzzy
		ids := make([]string, len(flows))
		for i, f := range flows {
			ids[i] = f.ID
		}
		want, err := fx.ix.Highlight(ctx, q, ids)
		if err != nil {
			t.Fatal(err)
		}
		for id, fields := range want {
			// Host names and section glosses are not on a flow.
			delete(fields, "hosts")
			delete(fields, "section_en")
			if len(fields) == 0 {
				delete(want, id)
			}
		}
		got := fx.ix.HighlightFlows(q, flows)
		if !reflect.DeepEqual(got, want) {
			for _, id := range ids {
				if !reflect.DeepEqual(got[id], want[id]) {
					t.Errorf("%q, %s: HighlightFlows marks %v, the index %v", text, fx.where(id), got[id], want[id])
				}
			}
			if !maps.EqualFunc(got, want, func(a, b search.Matches) bool { return reflect.DeepEqual(a, b) }) && !t.Failed() {
				t.Errorf("%q: HighlightFlows %v, the index %v", text, got, want)
			}
		}
	}
}

// The typo and stop-word fallbacks match Latin words unstemmed, where the
// index keeps no positions; HighlightFlows marks them all the same.
func TestHighlightFlowsMarksTheFallbacksWords(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q    string
		want string // a word marked in every flow listed, case folded
	}{
		{"certficate", "certificate"},
		{"replicaton", "replication"},
		{"the", "the"},
	} {
		q, _ := search.ParseQuery(tc.q)
		m, err := fx.ix.Match(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		flows, _, err := fx.db.Flows(ctx, store.FlowFilter{Seqs: m.Seqs, Scores: m.Scores, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(flows) == 0 {
			t.Fatalf("%q matches nothing", tc.q)
		}
		q.Fuzzy = m.Fuzzy
		marks := fx.ix.HighlightFlows(q, flows)
		for _, f := range flows {
			text := map[string]string{"purpose": f.Purpose, "purpose_en": f.PurposeEn, "source": f.Source,
				"destination": f.Destination, "service": f.Service, "app_protocol": f.AppProtocol,
				"section": f.Section, "ports_raw": f.PortsRaw, "notes": f.Notes, "notes_en": f.NotesEn}
			found := false
			for field, spans := range marks[f.ID] {
				for _, seg := range search.Mark(text[field], spans) {
					found = found || seg.Match && strings.EqualFold(seg.Text, tc.want)
				}
			}
			if !found {
				t.Errorf("%q: %s has no %q marked: %v", tc.q, fx.where(f.ID), tc.want, marks[f.ID])
			}
		}
	}
}
