// Package i18n holds Portolan's user-interface strings in English, Japanese and
// Simplified Chinese and chooses among them. The strings live in data files
// (en.json, ja.json, zh.json, embedded) loaded into a golang.org/x/text message
// catalogue; a message's key is a dotted name ("nav.flows") or, for error
// messages, the English format string itself, as x/text/message looks them up.
// Vendor documents are user data and are never translated here.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is one language of the user interface.
type Lang struct {
	Code string       // what ?lang= and the cookie carry: "en", "ja", "zh"
	Tag  language.Tag // the catalogue's tag
	HTML string       // the value of <html lang>: "en", "ja", "zh-Hans"
	Name string       // the language's own name, for the switcher
}

// languages are the UI languages, English first: it is the default and the
// fallback of the matcher.
var languages = [...]Lang{
	{Code: "en", Tag: language.English, HTML: "en", Name: "English"},
	{Code: "ja", Tag: language.Japanese, HTML: "ja", Name: "日本語"},
	{Code: "zh", Tag: language.SimplifiedChinese, HTML: "zh-Hans", Name: "简体中文"},
}

// Languages returns the UI languages, the default first.
func Languages() []Lang { return languages[:] }

// Default is the language used when nothing else decides: English.
func Default() Lang { return languages[0] }

// Parse returns the UI language a ?lang= value or cookie names: "en", "ja" or
// "zh" (case-insensitive; "zh-Hans", "zh-CN" and "ja-JP" are accepted too).
func Parse(code string) (Lang, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	switch code {
	case "zh-hans", "zh-cn", "zh-sg":
		code = "zh"
	case "ja-jp":
		code = "ja"
	case "en-us", "en-gb":
		code = "en"
	}
	for _, l := range languages {
		if l.Code == code {
			return l, true
		}
	}
	return Lang{}, false
}

//go:embed *.json
var files embed.FS

// Catalog is the loaded message catalogue with a printer per language and the
// Accept-Language matcher. It is immutable and safe for concurrent use.
type Catalog struct {
	printers map[string]*message.Printer
	matcher  language.Matcher
	keys     map[string][]string // language code -> its message keys, sorted
	// plain is each language's messages printed with no arguments, by key,
	// for every key of any language: what most labels of a page are.
	plain map[string]map[string]string
	// around is, for each language, the messages that print one string
	// argument as it is, between a prefix and a suffix (see Around).
	around map[string]map[string][2]string
}

// Load builds the catalogue from the embedded data files. An error means a
// data file is malformed: a programming error caught by the tests.
func Load() (*Catalog, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	c := &Catalog{printers: map[string]*message.Printer{}, keys: map[string][]string{}}
	plainKeys := map[string]bool{} // code NUL key: a message with no plural forms
	tags := make([]language.Tag, len(languages))
	for i, l := range languages {
		tags[i] = l.Tag
		msgs, err := readMessages(l.Code)
		if err != nil {
			return nil, err
		}
		for key, m := range msgs {
			if json.Unmarshal(m, new(string)) == nil {
				plainKeys[l.Code+"\x00"+key] = true
			}
			if err := set(b, l.Tag, key, m); err != nil {
				return nil, fmt.Errorf("i18n: %s.json: %q: %w", l.Code, key, err)
			}
			c.keys[l.Code] = append(c.keys[l.Code], key)
		}
		slices.Sort(c.keys[l.Code])
	}
	c.plain = map[string]map[string]string{}
	c.around = map[string]map[string][2]string{}
	for _, l := range languages {
		p := message.NewPrinter(l.Tag, message.Catalog(b))
		c.printers[l.Code] = p
		c.plain[l.Code] = map[string]string{}
		c.around[l.Code] = map[string][2]string{}
		for _, keys := range c.keys {
			for _, k := range keys {
				c.plain[l.Code][k] = p.Sprintf(k)
				if !plainKeys[l.Code+"\x00"+k] {
					continue
				}
				if pre, suf, ok := around(p, k); ok {
					c.around[l.Code][k] = [2]string{pre, suf}
				}
			}
		}
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Plain returns the message key in the language code printed with no
// arguments, as its Printer's Sprintf(key) gives it, and false when key is
// not a message of the catalogue.
func (c *Catalog) Plain(code, key string) (string, bool) {
	s, ok := c.plain[code][key]
	return s, ok
}

// Around returns what the message key in the language code prints before
// and after its one string argument, when it prints any string s exactly as
// prefix+s+suffix (a plain %s or %v, no plural forms): Sprintf(key, s)
// without formatting.
func (c *Catalog) Around(code, key string) (prefix, suffix string, ok bool) {
	a, ok := c.around[code][key]
	return a[0], a[1], ok
}

// around finds whether p prints key with one string argument verbatim: two
// markers of different lengths must each come out once, between the same
// prefix and suffix (a width, quoting or a second use of the argument fails
// this).
func around(p *message.Printer, key string) (string, string, bool) {
	var pre, suf string
	for i, m := range []string{"\x01", "\x02<portolan-argument>\x02"} {
		out := p.Sprintf(key, m)
		at := strings.Index(out, m)
		if at < 0 || strings.Count(out, m) != 1 {
			return "", "", false
		}
		if i > 0 && (out[:at] != pre || out[at+len(m):] != suf) {
			return "", "", false
		}
		pre, suf = out[:at], out[at+len(m):]
	}
	return pre, suf, true
}

// Shared returns the catalogue of the embedded data files, loaded once.
var Shared = sync.OnceValues(Load)

// readMessages reads one data file: keys to either a string or, for a message
// that depends on a count, an object of plural forms ("one", "other", ...)
// selected by the first argument.
func readMessages(code string) (map[string]json.RawMessage, error) {
	b, err := files.ReadFile(code + ".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	var msgs map[string]json.RawMessage
	if err := json.Unmarshal(b, &msgs); err != nil {
		return nil, fmt.Errorf("i18n: %s.json: %w", code, err)
	}
	delete(msgs, "_comment")
	return msgs, nil
}

// pluralForms are the plural categories a data file may use, in the order
// plural.Selectf tries them.
var pluralForms = []string{"=0", "=1", "zero", "one", "two", "few", "many", "other"}

func set(b *catalog.Builder, tag language.Tag, key string, raw json.RawMessage) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return b.SetString(tag, key, s)
	}
	var forms map[string]string
	if err := json.Unmarshal(raw, &forms); err != nil {
		return fmt.Errorf("want a string or an object of plural forms")
	}
	if forms["other"] == "" {
		return fmt.Errorf("plural forms lack \"other\"")
	}
	var cases []any
	for _, f := range pluralForms {
		if m, ok := forms[f]; ok {
			cases = append(cases, f, m)
			delete(forms, f)
		}
	}
	if len(forms) > 0 {
		return fmt.Errorf("unknown plural forms %v", forms)
	}
	return b.Set(tag, key, plural.Selectf(1, "%d", cases...))
}

// Printer returns the printer of a UI language; it formats a key and its
// arguments, numbers in the language's style.
func (c *Catalog) Printer(l Lang) *message.Printer {
	if p := c.printers[l.Code]; p != nil {
		return p
	}
	return c.printers[Default().Code]
}

// Match negotiates an Accept-Language header value against the UI languages:
// ja-JP gives Japanese, zh, zh-CN and zh-TW give Simplified Chinese (the only
// Chinese there is), anything unmatched gives English.
func (c *Catalog) Match(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default()
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Default()
	}
	return languages[i]
}

// Keys returns the message keys of a language's data file, sorted: the tests
// check that every language has every key.
func (c *Catalog) Keys(code string) []string { return slices.Clone(c.keys[code]) }

// Has reports whether a language's data file defines key.
func (c *Catalog) Has(code, key string) bool {
	_, ok := slices.BinarySearch(c.keys[code], key)
	return ok
}
