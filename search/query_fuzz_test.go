package search

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/portolan/portolan/data/filter"
)

// FuzzParseQuery checks ParseQuery against anything a user can type: it never
// panics, a query it cannot read gives a *SyntaxError and nothing else, the
// query it returns (read as written or the plain-word fallback) is one Search
// can use, and a query read as written reads the same when written back.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"",
		"kerberos ldap",
		`"global catalog" -kerberos`,
		`-"global catalog" dns`,
		"proto:udp port:443 port:80-90",
		"port:49152-65535 doc:citrix section:citrix-adc",
		`src:"AMS server" dst:dc req:required dir:inbound`,
		"proto:tcp,udp doc:citrix,lithnet req:none,optional",
		"ファイル転送 転送",
		"証明書の失効 doc:endpoint-central",
		"ＴＣＰ ４４３ port:４４３",
		"port:８０２０－８０３２",
		"PORT:443 Proto:UDP",
		`"kerberos`,
		`ldap "global catalog`,
		`src:"AMS server`,
		"port: 443",
		"port:",
		"port:99999 x",
		"port:90-80",
		"port:http",
		"port:1-2-3",
		"port:,",
		"proto:ldap",
		"doc:Ci/trix",
		"req:must",
		"src:a src:b",
		"-proto:udp dns",
		"/ldap(/",
		"- -- --- -\"\"",
		`""`,
		`src:""`,
		"a:b:c ::: port:443:1",
		"\u3000ＬＤＡＰ\u3000",
		"\xff\xfe",
		strings.Repeat("a", maxQueryBytes+1),
		strings.Repeat("ab ", maxTerms+1),
		strings.Repeat("あいう ", 60),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		checkUsable(t, s, q)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("ParseQuery(%q) error %T %v, want a *SyntaxError", s, err, err)
			}
			if se.Msg == "" || !utf8.ValidString(se.Msg) {
				t.Fatalf("ParseQuery(%q) error message %q is empty or not UTF-8", s, se.Msg)
			}
			// The fallback is plain words: nothing else.
			if q.Phrases != nil || q.Excludes != nil || !q.Filter.IsZero() || q.Fuzzy {
				t.Fatalf("ParseQuery(%q) fallback %+v has more than words", s, q)
			}
			for _, w := range q.Terms {
				if !hasWordChar(w) {
					t.Fatalf("ParseQuery(%q) fallback word %q has no letter or digit", s, w)
				}
			}
			return
		}
		if n := len(q.Terms) + len(q.Phrases) + len(q.Excludes); n > maxTerms {
			t.Fatalf("ParseQuery(%q) accepted %d words", s, n)
		}
		// Written back, the query reads the same.
		w := writeQuery(q)
		if len(w) > maxQueryBytes {
			return // longer than the input as written (a,b became doc:a doc:b)
		}
		q2, err := ParseQuery(w)
		if err != nil {
			t.Fatalf("ParseQuery(%q) = %+v; written back as %q it is refused: %v", s, q, w, err)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Fatalf("ParseQuery(%q) = %+v; written back as %q it reads %+v", s, q, w, q2)
		}
	})
}

// checkUsable checks what Search and the store rely on in any query ParseQuery
// returns: valid UTF-8 words with no surrounding space, no duplicates, filter
// values the URL parameters of the same name accept.
func checkUsable(t *testing.T, s string, q Query) {
	t.Helper()
	if len(q.Terms) > maxTerms {
		t.Fatalf("ParseQuery(%q) gave %d words", s, len(q.Terms))
	}
	for kind, list := range map[string][]string{"term": q.Terms, "phrase": q.Phrases, "exclude": q.Excludes} {
		for i, w := range list {
			if w == "" || !utf8.ValidString(w) || strings.TrimFunc(w, unicode.IsSpace) != w || strings.Contains(w, `"`) {
				t.Fatalf("ParseQuery(%q) gave %s %q", s, kind, w)
			}
			if kind == "term" && strings.IndexFunc(w, unicode.IsSpace) >= 0 {
				t.Fatalf("ParseQuery(%q) gave term %q with a space in it", s, w)
			}
			if slices.Contains(list[:i], w) {
				t.Fatalf("ParseQuery(%q) gave %s %q twice", s, kind, w)
			}
		}
	}
	// The filter is in canonical form: the URL parameters it encodes to
	// parse back to the same.
	enc := q.Filter.Encode()
	v, err := url.ParseQuery(enc)
	if err != nil {
		t.Fatalf("ParseQuery(%q) filter encodes as %q: %v", s, enc, err)
	}
	back, err := filter.Parse(v)
	if err != nil || back.Encode() != enc {
		t.Fatalf("ParseQuery(%q) filter %q reads back as %q, %v", s, enc, back.Encode(), err)
	}
}

// writeQuery writes q back in the query language: words, "phrases",
// -"exclusions", then filters with their values comma-separated.
func writeQuery(q Query) string {
	var parts []string
	parts = append(parts, q.Terms...)
	for _, p := range q.Phrases {
		parts = append(parts, `"`+p+`"`)
	}
	for _, x := range q.Excludes {
		parts = append(parts, `-"`+x+`"`)
	}
	q.Filter.Each(func(key string, excluded bool, value string) {
		neg := ""
		if excluded {
			neg = "-"
		}
		parts = append(parts, neg+key+`:"`+value+`"`)
	})
	return strings.Join(parts, " ")
}
