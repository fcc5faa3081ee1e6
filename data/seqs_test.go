package data

import "testing"

// TestSeqsNumberFlowsAcrossDocumentsInReadingOrder: seq 1 is the first flow
// of the first document in reading order (by Ordinal, whatever the section
// order in the slice), and numbering goes on across documents without a gap.
func TestSeqsNumberFlowsAcrossDocumentsInReadingOrder(t *testing.T) {
	docs := []Document{
		{Slug: "a", Sections: []Section{
			{Slug: "late", Ordinal: 2, Flows: []Flow{{ID: "a3", Ordinal: 3}}},
			{Slug: "early", Ordinal: 1, Flows: []Flow{{ID: "a1", Ordinal: 1}, {ID: "a2", Ordinal: 2}}},
		}},
		{Slug: "empty"},
		{Slug: "b", Sections: []Section{{Slug: "only", Ordinal: 1, Flows: []Flow{{ID: "b1", Ordinal: 1}}}}},
	}
	var got []string
	want := []string{"a/early/a1=1", "a/early/a2=2", "a/late/a3=3", "b/only/b1=4"}
	var slugs []string
	for d, flows := range Seqs(docs) {
		slugs = append(slugs, d.Slug)
		for _, f := range flows {
			got = append(got, d.Slug+"/"+f.Section.Slug+"/"+f.Flow.ID+"="+string(rune('0'+f.Seq)))
		}
	}
	if len(slugs) != 3 || slugs[1] != "empty" {
		t.Errorf("documents yielded %q, want every document, the empty one included", slugs)
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("flow %d: %s, want %s", i, got[i], want[i])
		}
	}
}
