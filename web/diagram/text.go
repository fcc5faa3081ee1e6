package diagram

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// The layout never measures text with a font: the server has none it could
// trust to match the reader's. It estimates each rune's advance in em from its
// class instead, on the generous side (DejaVu Sans, the widest common fallback,
// fits inside these), so a box or label computed from the estimate always holds
// its text. East Asian wide and fullwidth runes, classified by
// golang.org/x/text/width, count a full em: twice a Latin letter.

// runeEm is the estimated advance of r in em.
func runeEm(r rune) float64 {
	if r < utf8.RuneSelf {
		switch {
		case r == ' ':
			return 0.33
		case strings.ContainsRune("il.,:;|!'`", r):
			return 0.32
		case strings.ContainsRune("fjrtI()[]{}/\\-\"", r):
			return 0.42
		case r == 'm' || r == 'w' || r == 'M' || r == 'W':
			return 0.92
		case r >= 'A' && r <= 'Z':
			return 0.74
		case r >= '0' && r <= '9':
			return 0.64
		case r >= 'a' && r <= 'z':
			return 0.62
		case r == '_' || r == '=' || r == '+' || r == '<' || r == '>' || r == '~' || r == '#' || r == '*':
			return 0.84
		case r == '@' || r == '%' || r == '&':
			return 1.0
		}
		return 0.62
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 1.0
	}
	switch r {
	case '–', '·', '…':
		return 0.62
	case '→', '←', '⇄':
		return 0.9
	}
	return 0.7
}

// textWidth is the estimated width of s, in px, at font size size.
func textWidth(s string, size float64) float64 {
	em := 0.0
	for _, r := range s {
		em += runeEm(r)
	}
	return em * size
}

// isWide reports whether r is an East Asian wide or fullwidth rune: text made of
// them may break between any two runes.
func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// tokens splits s into the pieces a line may break between: words with their
// trailing spaces, and single wide runes.
func tokens(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		switch {
		case isWide(r):
			if start < i {
				out = append(out, s[start:i])
			}
			out = append(out, string(r))
			start = i + utf8.RuneLen(r)
		case unicode.IsSpace(r) || r == '/' || r == ',' || r == '-' || r == '.' || r == '_':
			// break after spaces, slashes, commas, hyphens and the dots of
			// host names
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// wrap breaks s into lines no wider than maxW px at font size size, at most
// maxLines of them; when s does not fit, the last line ends in an ellipsis.
// Words wider than a line are broken between runes.
func wrap(s string, maxW, size float64, maxLines int) (lines []string, truncated bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return []string{""}, false
	}
	var cur strings.Builder
	curW := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW = 0
	}
	for _, tok := range tokens(s) {
		tw := textWidth(strings.TrimRight(tok, " "), size)
		if curW > 0 && curW+tw > maxW {
			flush()
			if strings.TrimSpace(tok) == "" {
				continue
			}
		}
		if tw > maxW { // a word longer than a line: break it between runes
			for _, r := range tok {
				rw := runeEm(r) * size
				if curW > 0 && curW+rw > maxW {
					flush()
				}
				cur.WriteRune(r)
				curW += rw
			}
			continue
		}
		cur.WriteString(tok)
		curW += textWidth(tok, size)
	}
	if cur.Len() > 0 {
		flush()
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = ellipsize(lines[maxLines-1], maxW, size)
		truncated = true
	}
	return lines, truncated
}

// ellipsize shortens s until s+"…" fits in maxW and appends the ellipsis.
func ellipsize(s string, maxW, size float64) string {
	rs := []rune(strings.TrimRight(s, " "))
	for len(rs) > 0 && textWidth(string(rs)+"…", size) > maxW {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimRight(string(rs), " ,/-") + "…"
}

// maxWidth is the width of the widest of lines at font size size.
func maxWidth(lines []string, size float64) float64 {
	w := 0.0
	for _, l := range lines {
		w = max(w, textWidth(l, size))
	}
	return w
}
