package web

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
	"github.com/portolan/portolan/data/rules/encode"
	"github.com/portolan/portolan/data/versions"
	"github.com/portolan/portolan/search"
	"github.com/portolan/portolan/web/i18n"
)

// messageCalls finds the message keys the sources use as literals: t(ctx,
// "key", ...), badRequest("format", ...), notFound("format", ...) and
// userMessage{format: "..."}.
var messageCalls = regexp.MustCompile(`(?:\bt\(ctx, |\bbadRequest\(|\bnotFound\(|userMessage\{format: )"((?:[^"\\]|\\.)*)"\s*[,)}]`)

// TestEveryMessageKeyIsInTheCatalogue fails when the code uses a UI string
// the English catalogue lacks (and so, by TestEveryLanguageHasEveryKey in
// web/i18n, any catalogue): it reads the .templ and hand-written .go sources.
func TestEveryMessageKeyIsInTheCatalogue(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	templs, _ := filepath.Glob("*.templ")
	keys := map[string]string{}
	for _, f := range append(files, templs...) {
		if strings.HasSuffix(f, "_templ.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messageCalls.FindAllStringSubmatch(string(b), -1) {
			k, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatalf("%s: %s: %v", f, m[0], err)
			}
			keys[k] = f
		}
	}
	if len(keys) < 150 {
		t.Fatalf("found %d message keys in the sources; is the pattern still right?", len(keys))
	}
	// Keys built from a prefix and a value.
	add := func(prefix string, vals ...string) {
		for _, v := range vals {
			keys[prefix+v] = "(built)"
		}
	}
	add("facet.", facetKeys()...)
	add("chip.", "q")
	for _, fd := range filter.Fields {
		add("chip.", fd.Key)
	}
	add("value.req.", data.Required, data.Recommended, data.Conditional, data.Optional)
	add("legend.mark.", data.Required, data.Recommended, data.Conditional, data.Optional)
	add("value.dir.", data.Inbound, data.Outbound, data.Bidirectional)
	add("value.kind.", "fqdn", "wildcard", "url", "ip")
	add("doclang.", "en", "ja", "zh")
	add("status.", "400", "404", "405", "500")
	add("csv.diff.", diffCSVHeader...)
	add("csv.action.", "open", "close")
	add("impact.", string(versions.Added), string(versions.Removed), string(versions.PortAdded),
		string(versions.PortRemoved), string(versions.TransportChanged), string(versions.EndpointsChanged),
		string(versions.RequirementChanged), string(versions.DirectionChanged), string(versions.Moved),
		string(versions.Wording))
	add("change.format.", encode.Names()...)
	for k, f := range keys {
		if !cat.Has("en", k) {
			t.Errorf("%s uses %q, which web/i18n/en.json lacks", f, k)
		}
	}
	for _, m := range filterMessages(t) {
		if !cat.Has("en", m) {
			t.Errorf("data/filter's message %q is not in web/i18n/en.json", m)
		}
	}
	req, _ := filter.Lookup("req")
	dir, _ := filter.Lookup("dir")
	for _, v := range req.Values[:len(req.Values)-1] {
		if !cat.Has("en", "value.req."+v) {
			t.Errorf("requirement %q has no label", v)
		}
	}
	for _, v := range dir.Values[:len(dir.Values)-1] {
		if !cat.Has("en", "value.dir."+v) {
			t.Errorf("direction %q has no label", v)
		}
	}
}

// TestSearchHelpIsInStepWithTheSearchPackage: the English help on /flows is
// the search package's own.
func TestSearchHelpIsInStepWithTheSearchPackage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Printer(i18n.Default()).Sprintf("search.help"); got != search.Help {
		t.Errorf("en search.help differs from search.Help:\n%s\n---\n%s", got, search.Help)
	}
}

func TestLocalPathRefusesOtherSites(t *testing.T) {
	for in, want := range map[string]string{
		"/flows?doc=citrix#x":  "/flows?doc=citrix#x",
		"/":                    "/",
		"":                     "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"flows":                "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetLangKeepsOtherParametersAndFragment(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/flows", "/flows?lang=ja"},
		{"/flows?doc=a&doc=b", "/flows?doc=a&doc=b&lang=ja"},
		{"/flows?lang=zh&port=443", "/flows?port=443&lang=ja"},
		{"/docs/x/source?hl=3-4#L3", "/docs/x/source?hl=3-4&lang=ja#L3"},
		{"/docs/x#f-1", "/docs/x?lang=ja#f-1"},
		{"/flows?", "/flows?lang=ja"},
		{"/flows?&doc=a&&port=1&", "/flows?doc=a&port=1&lang=ja"},
		{"/flows?q=language&lang", "/flows?q=language&lang=ja"},
		{"/flows?q=%E8%A8%BC#x?y", "/flows?q=%E8%A8%BC&lang=ja#x?y"},
	} {
		if got := setLang(tc.in, "ja"); got != tc.want {
			t.Errorf("setLang(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// filterMessages are the formats of the errors a filter in a URL can get:
// each field given what its kind refuses, and too many values.
func filterMessages(t *testing.T) []string {
	t.Helper()
	bad := map[filter.Kind][]string{
		filter.KindSlug: {"Not a slug!"},
		filter.KindEnum: {"nope"},
		filter.KindPort: {"ldap/443", "90-80", "99999", "abc"},
	}
	many := make([]string, filter.MaxValues+1)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	var out []string
	for _, fd := range filter.Fields {
		for _, v := range append(bad[fd.Kind], strings.Join(many, ",")) {
			_, err := filter.Parse(url.Values{fd.Key: {v}})
			var fe *filter.Error
			if !errors.As(err, &fe) {
				continue
			}
			if !slices.Contains(out, fe.Format) {
				out = append(out, fe.Format)
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("only %d filter messages provoked: %q", len(out), out)
	}
	return out
}
