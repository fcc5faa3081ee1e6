package web_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/extract"
	"github.com/portolan/portolan/data/synth"
	"github.com/portolan/portolan/store"
	"github.com/portolan/portolan/web"
)

// synthFlows is the size of the synthetic dataset of the tests below: more
// documents than a facet lists, more flows than a port page lists.
const synthFlows, synthDocs = 5000, 40

var synthDB struct {
	once sync.Once
	db   *store.DB
	docs []data.Document
	err  error
}

// synthServer serves a synthetic dataset (portolan gen's documents, through
// the extractor and the store), shared by the tests of this file.
func synthServer(t *testing.T) (*web.Server, []data.Document) {
	t.Helper()
	synthDB.once.Do(func() {
		dir, err := os.MkdirTemp("", "portolan-synth-")
		if err != nil {
			synthDB.err = err
			return
		}
		if err := synth.Generate(synth.Options{Flows: synthFlows, Docs: synthDocs, Seed: 3}, func(name string, b []byte) error {
			return os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}); err != nil {
			synthDB.err = err
			return
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, f := range files {
			d, err := extract.LoadFile(f)
			if err != nil {
				synthDB.err = err
				return
			}
			synthDB.docs = append(synthDB.docs, d)
		}
		ctx := context.Background()
		path := filepath.Join(dir, "portolan.db")
		if synthDB.err = store.Ingest(ctx, path, synthDB.docs); synthDB.err != nil {
			return
		}
		synthDB.db, synthDB.err = store.Open(ctx, path)
		os.RemoveAll(dir) // the open DB keeps its file
	})
	if synthDB.err != nil {
		t.Fatal(synthDB.err)
	}
	return web.New(slog.New(slog.DiscardHandler), synthDB.db, nil), synthDB.docs
}

// With many documents loaded, the document facet lists the 30 with the most
// matches (and any chosen one), not thousands of links, and says how many it
// left out.
func TestDocumentFacetListsTheTopDocumentsAndCountsTheRest(t *testing.T) {
	h, docs := synthServer(t)
	links := regexp.MustCompile(`data-testid="facet-link" data-value="(synth-[0-9]+)"`)
	last := docs[len(docs)-1].Slug
	for _, tc := range []struct {
		url    string
		chosen string
	}{
		{"/flows", ""},
		{"/flows?doc=" + last, last},
	} {
		r := get(t, h, tc.url)
		if r.Status != 200 {
			t.Fatalf("%s: %d", tc.url, r.Status)
		}
		shown := links.FindAllStringSubmatch(r.Body, -1)
		want := 30
		if tc.chosen != "" && !strings.Contains(r.Body, `class="on" data-testid="facet-link" data-value="`+tc.chosen+`"`) {
			t.Errorf("%s: the chosen document is not listed", tc.url)
		}
		if len(shown) < want || len(shown) > want+1 {
			t.Errorf("%s: %d documents listed, want %d (+ the chosen one)", tc.url, len(shown), want)
		}
		if !strings.Contains(r.Body, `data-testid="facet-more"`) ||
			!strings.Contains(r.Body, "and "+strconv.Itoa(synthDocs-len(shown))+" more") {
			t.Errorf("%s: no note of the %d documents left out", tc.url, synthDocs-len(shown))
		}
	}
}

// A port page lists the first 500 flows of a port many open, counts them all
// and their documents, and links to the listing that pages through them.
func TestPortPageListsTheFirstFlowsAndLinksToAll(t *testing.T) {
	h, _ := synthServer(t)
	r := get(t, h, "/ports/0-65535")
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	var api struct{ Total int }
	getJSON(t, h, "/api/v1/flows?port=0-65535&limit=1", &api)
	if api.Total <= 500 {
		t.Fatalf("only %d flows with ports: the dataset is too small for this test", api.Total)
	}
	total := message.NewPrinter(language.English).Sprintf("%d", api.Total) // 1,192
	rows := strings.Count(r.Body, `data-testid="flow-row"`)
	if rows != 500 {
		t.Errorf("%d flow rows, want 500", rows)
	}
	for _, want := range []string{
		`data-testid="port-truncated"`,
		"The first 500 are listed here.",
		"All " + total + " in the flow listing",
		total + " flows in " + strconv.Itoa(synthDocs) + " vendor documents",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("port page lacks %q", want)
		}
	}
	// A port few open: every flow, no note.
	for _, port := range []string{"22", "25", "53", "88", "123", "389", "3389", "8443"} {
		getJSON(t, h, "/api/v1/flows?limit=1&port="+port, &api)
		if api.Total == 0 || api.Total > 500 {
			continue
		}
		r = get(t, h, "/ports/"+port)
		if strings.Contains(r.Body, `data-testid="port-truncated"`) {
			t.Errorf("port %s: %d flows, and the page says it is cut", port, api.Total)
		}
		if rows := strings.Count(r.Body, `data-testid="flow-row"`); rows != api.Total {
			t.Errorf("port %s: %d rows, want %d", port, rows, api.Total)
		}
		return
	}
	t.Error("no port with 1 to 500 flows to check")
}

// The hosts page lists its first 1000 and counts them all.
func TestHostsPageListsTheFirstThousand(t *testing.T) {
	h, docs := synthServer(t)
	n := 0
	for _, d := range docs {
		n += len(d.Hosts)
	}
	if n <= 1000 {
		t.Fatalf("only %d hosts: the dataset is too small for this test", n)
	}
	r := get(t, h, "/hosts")
	if rows := strings.Count(r.Body, `data-testid="host-row"`); rows != 1000 {
		t.Errorf("%d host rows, want 1000", rows)
	}
	if want := message.NewPrinter(language.English).Sprintf("%d hosts", n); !strings.Contains(r.Body, want) {
		t.Errorf("hosts page lacks %q", want)
	}
	if !strings.Contains(r.Body, `data-testid="hosts-truncated"`) {
		t.Error("hosts page does not say it is cut")
	}
}
