package data

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxSlugBytes is the longest document slug accepted.
const MaxSlugBytes = 100

// CheckSlug reports why s cannot be a document slug, or nil. A slug names
// the document in URLs (/docs/{slug}), file names of exports and the
// database, so it is kept to a safe alphabet: lower-case ASCII letters and
// digits, then also '-', '_' and '.', never "..": "../../Etc Passwd" is
// refused, not cleaned into something else.
func CheckSlug(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("document slug is empty")
	case len(s) > MaxSlugBytes:
		return fmt.Errorf("document slug %q is longer than %d bytes", s[:MaxSlugBytes/2]+"…", MaxSlugBytes)
	case strings.Contains(s, ".."):
		return fmt.Errorf("document slug %q holds \"..\"", s)
	}
	for i, c := range s {
		lowerDigit := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !lowerDigit && (i == 0 || c != '-' && c != '_' && c != '.') {
			return fmt.Errorf("document slug %q: start with a lower-case letter a-z or a digit, then use those, '-', '_' and '.' only", s)
		}
	}
	return nil
}

// HiddenRune reports whether r is a character a document may not hold
// because it would not show as itself on a page or in a CSV cell: a C0
// control other than tab, line feed and carriage return (NUL among them),
// DEL, or a bidirectional override or isolate (U+202A-U+202E,
// U+2066-U+2069), which reorders the text around it so that what shows is
// not what is there ("Trojan Source").
func HiddenRune(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// CheckHidden reports the first hidden character (HiddenRune) in the text of
// d or its metadata, with its line for the text, or nil.
func CheckHidden(d Document) error {
	if i := strings.IndexFunc(d.Raw, HiddenRune); i >= 0 {
		r, _ := utf8.DecodeRuneInString(d.Raw[i:])
		return fmt.Errorf("line %d: holds the control character %U, which would not show as itself; remove it", strings.Count(d.Raw[:i], "\n")+1, r)
	}
	for _, f := range []struct{ name, v string }{{"vendor", d.Vendor}, {"product", d.Product}, {"title", d.Title},
		{"url", d.URL}, {"subject", d.Subject}, {"created", d.Created}, {"updated", d.Updated}} {
		if i := strings.IndexFunc(f.v, HiddenRune); i >= 0 {
			r, _ := utf8.DecodeRuneInString(f.v[i:])
			return fmt.Errorf("metadata %s: holds the control character %U; remove it", f.name, r)
		}
	}
	return nil
}
