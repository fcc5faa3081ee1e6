package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/versions"
)

// hybridIdentity extracts version v of the test texts of Microsoft's hybrid
// identity ports page kept by data/versions.
func hybridIdentity(t *testing.T, v string) data.Document {
	t.Helper()
	// The text's metadata is the JSON file beside it.
	d, err := extract.LoadFile(filepath.Join("..", "data", "versions", "testdata", "hybrid-identity-"+v+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestHistorySurvivesTheDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	v1, v2, v3 := hybridIdentity(t, "v1"), hybridIdentity(t, "v2"), hybridIdentity(t, "v3")
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	h := versions.Start(v1, data.Version{})
	if _, err := h.Add(v1, &v2, data.Version{Captured: day, SourceURL: "https://example.com/ports", ETag: `"2"`}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Add(v2, &v3, data.Version{Captured: day.AddDate(0, 1, 0), SourceURL: "https://example.com/ports"}); err != nil {
		t.Fatal(err)
	}
	if err := IngestHistory(ctx, path, []data.Document{v3}, map[string]versions.History{"microsoft": h}); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	got, err := db.History(ctx, "microsoft")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Versions) != 3 || got.Versions[0].Raw != v1.Raw || got.Versions[2].Checksum != v3.Checksum ||
		got.Versions[1].ETag != `"2"` || !got.Versions[1].Captured.Equal(day) || !got.Versions[0].Captured.IsZero() {
		t.Errorf("versions %+v", got.Versions)
	}
	if len(got.Diffs) != 2 || got.Diffs[1].Version != 3 || len(got.Diffs[1].Renames) != 1 || len(got.Diffs[0].Changed) != len(h.Diffs[0].Changed) {
		t.Errorf("diffs: %d, want 2 as written", len(got.Diffs))
	}
	if len(got.Gone) != 1 || got.Gone[0].Flow.ID != h.Gone[0].Flow.ID {
		t.Errorf("gone %+v", got.Gone)
	}

	// The removed flow answers with what it was and its successor, which
	// the database serves.
	g, err := db.RemovedFlow(ctx, h.Gone[0].Flow.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.RemovedIn != 3 || g.Flow.AppProtocol != "WinRM" || g.Flow.Purpose != "WinRM Listener" {
		t.Errorf("removed flow %+v", g)
	}
	if _, err := db.Flow(ctx, g.Successor); err != nil {
		t.Errorf("successor %s: %v", g.Successor, err)
	}
	if _, err := db.RemovedFlow(ctx, "microsoft-nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown ID: %v, want ErrNotFound", err)
	}

	cs, err := db.Changes(ctx, ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Version != 3 || cs[1].Version != 2 || cs[1].Added != 1 || cs[1].Changed != 12 || cs[0].Removed != 1 {
		t.Errorf("changes %+v, want version 3 then 2", cs)
	}
	cs, err = db.Changes(ctx, ChangeFilter{Since: day.AddDate(0, 0, 1)})
	if err != nil || len(cs) != 1 || cs[0].Version != 3 {
		t.Errorf("changes since: %+v, %v", cs, err)
	}
	d, err := db.Change(ctx, "microsoft", 2)
	if err != nil || len(d.Added) != 1 || d.Added[0].AppProtocol != "Global Catalog" {
		t.Errorf("change 2: %+v, %v", d.Added, err)
	}
	if _, err := db.Change(ctx, "microsoft", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("change 1: %v, want ErrNotFound", err)
	}
	vs, err := db.Versions(ctx, "microsoft")
	if err != nil || len(vs) != 3 || vs[2].Raw != "" {
		t.Errorf("versions without text: %v", err)
	}

	// Read back, the latest document carries on as the extracted one.
	back, err := db.Document(ctx, "microsoft")
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(back.Sections)
	b2, _ := json.Marshal(annotated([]data.Document{v3})[0].Sections) // with its roles and findings
	if string(b1) != string(b2) {
		t.Error("document read back differs from the one ingested")
	}
}

func TestIngestWithoutHistoryIsVersionOne(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	docs := fixture()
	if err := Ingest(ctx, path, docs); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, d := range docs {
		vs, err := db.Versions(ctx, d.Slug)
		if err != nil || len(vs) != 1 || vs[0].Number != 1 || vs[0].Checksum != d.Checksum {
			t.Errorf("%s: versions %+v, %v", d.Slug, vs, err)
		}
	}
	if cs, err := db.Changes(ctx, ChangeFilter{}); err != nil || len(cs) != 0 {
		t.Errorf("changes %v, %v; want none", cs, err)
	}
}

func TestIngestRefusesAHistoryOfAnotherText(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	v1, v2 := hybridIdentity(t, "v1"), hybridIdentity(t, "v2")
	err := IngestHistory(ctx, path, []data.Document{v2}, map[string]versions.History{"microsoft": versions.Start(v1, data.Version{})})
	if err == nil {
		t.Fatal("ingested a history ending with another text")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed ingest left %s: %v", path, err)
	}
}
