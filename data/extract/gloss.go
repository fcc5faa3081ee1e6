package extract

import (
	"slices"
	"strings"
	"unicode"

	"github.com/portolan/portolan/data"
)

// gloss returns the English gloss of text as written: the metadata's gloss, or the
// text itself when it has no Japanese or Chinese in it (it is English already).
// Footnote marks at the end are not part of the text glossed. Text with no gloss
// gives "".
func gloss(glosses map[string]string, text string) string {
	t := strings.TrimRight(strings.TrimSpace(text), "*")
	if t == "" {
		return ""
	}
	if g, ok := glosses[t]; ok {
		return g
	}
	if !hasCJK(t) {
		return t
	}
	return ""
}

// glossLines glosses a multi-line text (a footnote) line by line; a line with no
// gloss makes the whole gloss "".
func glossLines(glosses map[string]string, text string) string {
	if text == "" {
		return ""
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		g := gloss(glosses, l)
		if g == "" {
			return ""
		}
		out = append(out, g)
	}
	return strings.Join(out, "\n")
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			return true
		}
	}
	return false
}

// addGlosses fills the English glosses of a non-English document's flows.
func addGlosses(d *data.Document, glosses map[string]string) {
	if d.Language == "en" {
		return
	}
	for i := range d.Sections {
		for j := range d.Sections[i].Flows {
			f := &d.Sections[i].Flows[j]
			f.PurposeEn = gloss(glosses, f.Purpose)
			f.DirectionEn = gloss(glosses, f.DirectionRaw)
			f.NotesEn = glossLines(glosses, f.Notes)
		}
	}
	for i := range d.Hosts {
		h := &d.Hosts[i]
		if h.Group == "" {
			continue
		}
		var parts []string
		for _, g := range strings.Split(h.Group, " / ") {
			parts = append(parts, gloss(glosses, g))
		}
		if en := strings.Join(parts, " / "); en != h.Group && !slices.Contains(parts, "") {
			h.GroupEn = en
		}
	}
}
