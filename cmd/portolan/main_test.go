package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/store"
)

// portolan runs the command line in args and returns what it wrote.
func portolan(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustPortolan runs the command line and fails the test if it fails.
func mustPortolan(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := portolan(t, args...)
	if err != nil {
		t.Fatalf("portolan %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// exported is the JSON export as a consumer reads it.
type exported struct {
	Total int              `json:"total"`
	Flows []map[string]any `json:"flows"`
}

func exportJSONFrom(t *testing.T, db string) exported {
	t.Helper()
	out := mustPortolan(t, "export", "-format", "json", "-db", db)
	var e exported
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("export -format json is not JSON: %v\n%.500s", err, out)
	}
	return e
}

func embeddedDocs(t *testing.T) []data.Document {
	t.Helper()
	docs, err := extract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func countFlows(d data.Document) int {
	n := 0
	for _, s := range d.Sections {
		n += len(s.Flows)
	}
	return n
}

func TestIngestPrintsOneLinePerDocumentAndTotal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	out := mustPortolan(t, "ingest", "-db", db)
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("ingest did not write the database: %v", err)
	}
	lines := strings.Split(out, "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "document sections flows hosts" {
		t.Errorf("header line = %q", lines[0])
	}
	var total [3]int
	docs := embeddedDocs(t)
	for _, d := range docs {
		want := []string{d.Slug, itoa(len(d.Sections)), itoa(countFlows(d)), itoa(len(d.Hosts))}
		if !containsFields(lines, want) {
			t.Errorf("no line %q in ingest output:\n%s", strings.Join(want, " "), out)
		}
		total[0] += len(d.Sections)
		total[1] += countFlows(d)
		total[2] += len(d.Hosts)
	}
	if want := []string{"total", itoa(total[0]), itoa(total[1]), itoa(total[2])}; !containsFields(lines, want) {
		t.Errorf("no total line %q in ingest output:\n%s", strings.Join(want, " "), out)
	}
	if len(docs) != 5 {
		t.Errorf("got %d embedded documents, want 5", len(docs))
	}
}

// TestIngestColumnsAreAligned checks the table lines up: every count of a column
// ends at the same offset as its header.
func TestIngestColumnsAreAligned(t *testing.T) {
	out := mustPortolan(t, "ingest", "-db", filepath.Join(t.TempDir(), "p.db"))
	lines := strings.Split(out, "\n")
	header := lines[0]
	col := strings.Index(header, "sections")
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("line %q does not start its sections column at offset %d like the header", l, col)
		}
	}
}

func TestExportJSONHasEveryFlowWithIDURLAndDoc(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	e := exportJSONFrom(t, db) // builds the database: none exists yet
	if e.Total != len(e.Flows) {
		t.Errorf("total = %d, but %d flows", e.Total, len(e.Flows))
	}
	want := 0
	for _, d := range embeddedDocs(t) {
		want += countFlows(d)
	}
	if e.Total != want {
		t.Errorf("total = %d, want %d (every flow of the embedded documents)", e.Total, want)
	}
	seen := map[string]bool{}
	for i, f := range e.Flows {
		id, _ := f["id"].(string)
		if id == "" || f["url"] != "/flows/"+id || f["doc"] == "" || f["doc"] == nil {
			t.Errorf("flow %d lacks id, url or doc: %v", i, f)
		}
		if seen[id] {
			t.Errorf("flow ID %q appears twice", id)
		}
		seen[id] = true
		for _, k := range []string{"section", "section_id", "source", "destination", "protocols", "ports",
			"ports_raw", "app_protocol", "purpose", "purpose_en", "requirement", "requirement_raw",
			"direction", "direction_raw", "notes", "line"} {
			if _, ok := f[k]; !ok {
				t.Errorf("flow %s has no field %q", id, k)
			}
		}
		if f["protocols"] == nil || f["ports"] == nil {
			t.Errorf("flow %s: protocols or ports is null, want a list", id)
		}
	}
}

func TestExportBuildsMissingDatabaseAndReusesIt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "p.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	mustPortolan(t, "export", "-db", db)
	st1, err := os.Stat(db)
	if err != nil {
		t.Fatalf("export did not build the missing database: %v", err)
	}
	mustPortolan(t, "export", "-db", db)
	st2, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("second export rebuilt an existing database")
	}
}

func TestExportCSVParsesBackWithOneRowPerFlow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	e := exportJSONFrom(t, db)
	out := mustPortolan(t, "export", "-format", "csv", "-db", db, "-base-url", "https://portolan.example.com")
	if !strings.HasPrefix(out, "\ufeff") {
		t.Fatal("CSV export does not start with a byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV export does not parse: %v", err)
	}
	if len(recs) != e.Total+1 {
		t.Fatalf("CSV has %d records, want header + %d flows", len(recs), e.Total)
	}
	link := slices.Index(recs[0], "link")
	if recs[0][0] != "id" || recs[0][1] != "document" || link < 0 {
		t.Errorf("CSV header = %q", recs[0])
	}
	for i, rec := range recs[1:] {
		id := e.Flows[i]["id"].(string)
		if want := "https://portolan.example.com/flows/" + id; rec[link] != want {
			t.Errorf("row %d link = %q, want %q (same order as JSON)", i+1, rec[link], want)
		}
	}
	if !strings.Contains(out, "ポート") && !strings.Contains(out, "サーバー") {
		t.Error("CSV export holds no Japanese text: Endpoint Central rows missing or mangled")
	}
}

func TestTwoIngestsGiveIdenticalFlowIDs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	mustPortolan(t, "ingest", "-db", a)
	mustPortolan(t, "ingest", "-db", b)
	ea, eb := exportJSONFrom(t, a), exportJSONFrom(t, b)
	if len(ea.Flows) == 0 {
		t.Fatal("no flows")
	}
	if len(ea.Flows) != len(eb.Flows) {
		t.Fatalf("%d flows, then %d", len(ea.Flows), len(eb.Flows))
	}
	for i := range ea.Flows {
		if ea.Flows[i]["id"] != eb.Flows[i]["id"] {
			t.Errorf("flow %d: ID %v, then %v", i, ea.Flows[i]["id"], eb.Flows[i]["id"])
		}
	}
	// Re-ingesting into the same file keeps the IDs too.
	mustPortolan(t, "ingest", "-db", a)
	if ec := exportJSONFrom(t, a); len(ec.Flows) != len(ea.Flows) || ec.Flows[0]["id"] != ea.Flows[0]["id"] {
		t.Error("re-ingest into the same file changed the flows")
	}
}

// badDocument is a table the extractor must refuse: port 70000 does not exist.
const badDocument = `Acme Widget ports
Widget server
Source | Destination | Port | Description |
---|---|---|---|
Widget client | Widget server | 443 | Web UI |
Widget client | Widget server | 70000 | Agent |
`

func TestIngestRejectsBadExtraFileAndLeavesDatabaseUntouched(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	mustPortolan(t, "ingest", "-db", db)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "acme-widget.txt")
	if err := os.WriteFile(bad, []byte(badDocument), 0o644); err != nil {
		t.Fatal(err)
	}

	_, _, err = portolan(t, "ingest", "-db", db, "-strict", bad)
	if err == nil {
		t.Fatal("ingest -strict of a document with port 70000 succeeded, want an error")
	}
	if errors.Is(err, errUsage) {
		t.Fatalf("got a usage error, want the extractor's: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "acme-widget.txt") || !regexp.MustCompile(`line 6\b|:6\b`).MatchString(msg) {
		t.Errorf("error %q does not name the file and line 6", msg)
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the database changed after a failed ingest")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "p.db.tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestIngestTakesExtraDocumentWithMetadataBesideIt(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	doc := filepath.Join(dir, "acme.txt")
	good := strings.Replace(badDocument, "70000", "8443", 1)
	if err := os.WriteFile(doc, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	meta := `{"slug":"acme","vendor":"Acme","product":"Widget","language":"en","url":"https://acme.example/ports"}`
	if err := os.WriteFile(filepath.Join(dir, "acme.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustPortolan(t, "ingest", "-db", db, doc)
	if !containsFields(strings.Split(out, "\n"), []string{"acme", "1", "2", "0"}) {
		t.Errorf("ingest output has no line for acme with 1 section, 2 flows, 0 hosts:\n%s", out)
	}
	e := exportJSONFrom(t, db)
	n := 0
	for _, f := range e.Flows {
		if f["doc"] == "acme" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("export has %d acme flows, want 2", n)
	}
}

func TestIngestOfAKnownSlugAddsAVersion(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	doc := filepath.Join(dir, "lithnet.txt")
	if err := os.WriteFile(doc, []byte(strings.Replace(badDocument, "70000", "8443", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustPortolan(t, "ingest", "-db", db, doc)
	if !strings.Contains(out, "lithnet: version 2: ") {
		t.Errorf("ingest of a new text of lithnet does not say it is version 2:\n%s", out)
	}
	e := exportJSONFrom(t, db)
	n := 0
	for _, f := range e.Flows {
		if f["doc"] == "lithnet" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("export has %d lithnet flows, want the 2 of its new text", n)
	}
	// The same text again, or the shipped one, adds nothing.
	for _, args := range [][]string{{doc}, nil} {
		out = mustPortolan(t, append([]string{"ingest", "-db", db}, args...)...)
		if strings.Contains(out, "version 3") {
			t.Errorf("ingest %v added a version:\n%s", args, out)
		}
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if vs, err := s.Versions(t.Context(), "lithnet"); err != nil || len(vs) != 2 || vs[1].Checksum != data.Checksum([]byte(strings.Replace(badDocument, "70000", "8443", 1))) {
		t.Errorf("lithnet versions %+v (%v), want the shipped text then the file's", vs, err)
	}
}

func TestIngestOfMissingFileNamesIt(t *testing.T) {
	_, _, err := portolan(t, "ingest", "-db", filepath.Join(t.TempDir(), "p.db"), "no-such-file.txt")
	if err == nil || !strings.Contains(err.Error(), "no-such-file.txt") {
		t.Errorf("err = %v, want one naming no-such-file.txt", err)
	}
}

func TestUsageErrorsExitWithUsage(t *testing.T) {
	tests := [][]string{
		nil,
		{"help"},
		{"frobnicate"},
		{"export", "-format", "xml"},
		{"export", "extra"},
		{"ingest", "-no-such-flag"},
		{"serve", "-log-level", "loud"},
		{"serve", "extra"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, errOut, err := portolan(t, args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("err = %v, want errUsage", err)
			}
			if !strings.Contains(errOut, "Usage") && !strings.Contains(errOut, "usage") && !strings.Contains(errOut, "-log-level") {
				t.Errorf("stderr has no usage:\n%s", errOut)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeBuildsDatabaseAnswersHealthzAndShutsDownOnCancel(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", db}, io.Discard, &logs) }()

	listening := regexp.MustCompile(`msg=listening url=(http://\S+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned before listening: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log listening within 30s:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("serve did not build the database: %v", err)
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s of cancel")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("no 'stopped' log:\n%s", logs.String())
	}
}

func TestServeRebuildsStaleDatabaseOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	// A database built from an older text of one embedded document.
	stale := embeddedDocs(t)
	stale[0].Checksum = "older text"
	if err := store.Ingest(t.Context(), db, stale); err != nil {
		t.Fatal(err)
	}

	log := discardLogger()
	if err := ensureDatabase(t.Context(), log, db, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := datasetVersion(t.Context(), db); v == data.DatasetVersion(embeddedDocs(t)) {
		t.Fatal("export's ensureDatabase rebuilt a database that exists")
	}
	if err := ensureDatabase(t.Context(), log, db, true); err != nil {
		t.Fatal(err)
	}
	want := data.DatasetVersion(embeddedDocs(t))
	if v, err := datasetVersion(t.Context(), db); err != nil || v != want {
		t.Fatalf("after rebuild: dataset %q (%v), want %q", v, err, want)
	}
	st1, _ := os.Stat(db)
	if err := ensureDatabase(t.Context(), log, db, true); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(db); !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("an up-to-date database was rebuilt")
	}
}

func containsFields(lines []string, want []string) bool {
	for _, l := range lines {
		if strings.Join(strings.Fields(l), " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
