package i18n_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portolan/portolan/web/i18n"
)

func load(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryLanguageHasEveryKey fails when a string is added to one catalogue
// and not the others.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	c := load(t)
	en := c.Keys("en")
	if len(en) < 100 {
		t.Fatalf("en has %d keys, want the whole UI", len(en))
	}
	for _, l := range i18n.Languages() {
		for _, k := range en {
			if !c.Has(l.Code, k) {
				t.Errorf("%s.json lacks %q", l.Code, k)
			}
		}
		for _, k := range c.Keys(l.Code) {
			if !c.Has("en", k) {
				t.Errorf("%s.json has %q, which en.json does not", l.Code, k)
			}
		}
	}
}

// TestTranslationsKeepTheirArguments: every argument the English shows, each
// translation shows too, so no value (a port, a parameter) is lost in
// translation, and none prints as a formatting error.
func TestTranslationsKeepTheirArguments(t *testing.T) {
	c := load(t)
	en := c.Printer(i18n.Default())
	for _, k := range c.Keys("en") {
		args := []any{"ARG0", "ARG1", "ARG2", "ARG3"}
		if strings.Contains(en.Sprintf(k, args...), "%!d(string=ARG0)") {
			args[0] = 7 // a count: plural forms select on it
		}
		want, _, _ := strings.Cut(en.Sprintf(k, args...), "%!(EXTRA") // args the English does not use
		for _, l := range i18n.Languages() {
			got := c.Printer(l).Sprintf(k, args...)
			for _, a := range args {
				s := fmt.Sprint(a)
				if strings.Contains(want, s) && !strings.Contains(got, s) {
					t.Errorf("%s %q: %q lacks %s (en %q)", l.Code, k, got, s, want)
				}
			}
			if got, _, _ = strings.Cut(got, "%!(EXTRA"); strings.Contains(got, "%!") && !strings.Contains(want, "%!") {
				t.Errorf("%s %q: %q", l.Code, k, got)
			}
		}
	}
}

func TestPluralForms(t *testing.T) {
	c := load(t)
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 flow"},
		{"en", 2, "2 flows"},
		{"en", 1234, "1,234 flows"},
		{"ja", 1, "1 件のフロー"},
		{"zh", 5, "5 条通信流"},
	} {
		l, _ := i18n.Parse(tc.lang)
		if got := c.Printer(l).Sprintf("count.flows", tc.n); got != tc.want {
			t.Errorf("%s count.flows %d = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestAcceptLanguageNegotiation(t *testing.T) {
	c := load(t)
	for header, want := range map[string]string{
		"":                        "en",
		"en":                      "en",
		"en-GB,ja;q=0.8":          "en",
		"ja":                      "ja",
		"ja-JP,en;q=0.5":          "ja",
		"zh":                      "zh",
		"zh-CN":                   "zh",
		"zh-TW":                   "zh",
		"zh-Hans-CN":              "zh",
		"fr-FR,de;q=0.8":          "en",
		"fr,zh-CN;q=0.9,ja;q=0.8": "zh",
		"not a header;;;":         "en",
	} {
		if got := c.Match(header).Code; got != want {
			t.Errorf("Match(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "JA": "ja", "zh": "zh", "zh-Hans": "zh", "zh-CN": "zh", " ja ": "ja"} {
		if l, ok := i18n.Parse(in); !ok || l.Code != want {
			t.Errorf("Parse(%q) = %v %v, want %s", in, l.Code, ok, want)
		}
	}
	for _, in := range []string{"", "fr", "zh-TW", "english"} {
		if _, ok := i18n.Parse(in); ok {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	for _, l := range i18n.Languages() {
		if l.HTML == "" || l.Name == "" {
			t.Errorf("%s: no html lang or name", l.Code)
		}
	}
	if l, _ := i18n.Parse("zh"); l.HTML != "zh-Hans" {
		t.Errorf("zh html lang %q, want zh-Hans", l.HTML)
	}
}

// TestPlainIsWhatThePrinterPrints: the messages kept printed with no
// arguments are the printer's own, in every language.
func TestPlainIsWhatThePrinterPrints(t *testing.T) {
	c := load(t)
	for _, l := range i18n.Languages() {
		for _, k := range c.Keys("en") {
			got, ok := c.Plain(l.Code, k)
			if want := c.Printer(l).Sprintf(k); !ok || got != want {
				t.Errorf("%s %q: Plain gives %q, %v; the printer %q", l.Code, k, got, ok, want)
			}
		}
	}
	if _, ok := c.Plain("en", "no such key %d"); ok {
		t.Error("Plain knows a key the catalogue has not")
	}
}

// TestAroundIsWhatThePrinterPrints: a message printed around a string
// argument is the printer's own, for arguments of every kind of text.
func TestAroundIsWhatThePrinterPrints(t *testing.T) {
	c := load(t)
	n := 0
	for _, l := range i18n.Languages() {
		for _, k := range c.Keys("en") {
			pre, suf, ok := c.Around(l.Code, k)
			if !ok {
				continue
			}
			n++
			for _, arg := range []string{"", "5", "citrix", "100%", "%s", "サーバー", "a\nb", "<b>"} {
				if got, want := pre+arg+suf, c.Printer(l).Sprintf(k, arg); got != want {
					t.Errorf("%s %q with %q: Around gives %q, the printer %q", l.Code, k, arg, got, want)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no message prints its argument as it is")
	}
}
