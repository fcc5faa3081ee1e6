package versions

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/portolan/portolan/data"
)

// tokenRe splits text into words (letters, digits) and single punctuation
// marks; spaces separate tokens and are not tokens.
var tokenRe = regexp.MustCompile(`[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]`)

func tokens(s string) []string { return tokenRe.FindAllString(s, -1) }

// maxTokens bounds the word diff of two strings (its cost is the product of
// their lengths): longer strings are compared as wholes.
const maxTokens = 400

// hunk is one place where two token sequences differ: From replaced by To
// (either may be empty).
type hunk struct{ From, To []string }

// hunks aligns a and b on a longest common subsequence of tokens and returns
// what differs between them, in order. ok is false when the strings are too
// long to compare word by word.
func hunks(a, b []string) (hs []hunk, ok bool) {
	if len(a) > maxTokens || len(b) > maxTokens {
		return nil, false
	}
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var cur hunk
	flush := func() {
		if len(cur.From) > 0 || len(cur.To) > 0 {
			hs = append(hs, cur)
		}
		cur = hunk{}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			flush()
			i++
			j++
		case j == len(b) || (i < len(a) && lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			cur.From = append(cur.From, a[i])
			i++
		default:
			cur.To = append(cur.To, b[j])
			j++
		}
	}
	flush()
	return hs, true
}

// similarity is the share of distinct tokens two strings have in common
// (Jaccard), from 0 to 1; two empty strings are alike.
func similarity(a, b string) float64 {
	ta, tb := tokens(strings.ToLower(a)), tokens(strings.ToLower(b))
	if len(ta) == 0 && len(tb) == 0 {
		return 1
	}
	set := make(map[string]uint8, len(ta)+len(tb))
	for _, t := range ta {
		set[t] |= 1
	}
	for _, t := range tb {
		set[t] |= 2
	}
	both := 0
	for _, v := range set {
		if v == 3 {
			both++
		}
	}
	return float64(both) / float64(len(set))
}

// Rename is a wording replaced throughout a document ("Azure AD" by
// "Microsoft Entra" or "Microsoft Entra ID"), reported once instead of as a
// change of every flow it touches.
type Rename struct {
	From string `json:"from"`
	// To is what replaced it, most frequent first: a rename may come in a few
	// forms ("Azure AD Connect" became "Microsoft Entra Connect" where "Azure AD"
	// alone became "Microsoft Entra ID").
	To    []string `json:"to"`
	Lines int      `json:"lines"` // changed lines where it was found
}

// Limits of rename detection, so that a rewritten document costs bounded work.
const (
	// maxPairs bounds the changed lines of the old text times those of the new.
	maxPairs = 250_000
	// minRenameLines is how many changed lines must show a replacement for it
	// to count as a rename rather than an edit.
	minRenameLines = 3
	// maxRenameWords bounds the words of either side of a rename.
	maxRenameWords = 4
)

// findRenames finds wordings replaced throughout a document between two of its
// texts: each line of the old text that the new one lacks is paired with the
// most similar changed line of the new text, the pair is diffed word by word,
// and a replacement of a few words that recurs on at least minRenameLines
// lines, and whose old wording is (nearly) gone from the new text, is a
// rename. Replacements of numbers or protocol words (80 -> 8080, UDP -> TCP)
// are never renames: they change what to open.
func findRenames(oldRaw, newRaw string) []Rename {
	oldLines, newLines := changedLines(oldRaw, newRaw), changedLines(newRaw, oldRaw)
	if len(oldLines)*len(newLines) > maxPairs || len(oldLines) == 0 || len(newLines) == 0 {
		return nil
	}
	newToks := make([][]string, len(newLines))
	for j, l := range newLines {
		newToks[j] = tokens(l)
	}
	type key struct{ from, to string }
	count := map[key]int{}
	for _, ol := range oldLines {
		best, bestSim := -1, 0.3
		for j, nl := range newLines {
			if s := similarity(ol, nl); s > bestSim {
				best, bestSim = j, s
			}
		}
		if best < 0 {
			continue
		}
		hs, ok := hunks(tokens(ol), newToks[best])
		if !ok {
			continue
		}
		seen := map[key]bool{}
		for _, h := range hs {
			if !renameable(h.From) || !renameable(h.To) {
				continue
			}
			k := key{strings.Join(h.From, " "), strings.Join(h.To, " ")}
			if !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	newAll := tokens(newRaw)
	var found []key
	for k, n := range count {
		if n >= minRenameLines {
			found = append(found, k)
		}
	}
	// Most frequent first, so that each Rename lists its forms that way.
	slices.SortFunc(found, func(a, b key) int {
		if c := count[b] - count[a]; c != 0 {
			return c
		}
		return strings.Compare(a.from+"\x00"+a.to, b.from+"\x00"+b.to)
	})
	var out []Rename
	at := map[string]int{}
	for _, k := range found {
		i, ok := at[k.from]
		if !ok {
			i = len(out)
			at[k.from] = i
			out = append(out, Rename{From: k.from})
		}
		out[i].To = append(out[i].To, k.to)
		out[i].Lines += count[k]
	}
	// The old wording must be gone from the new text but for a few mentions
	// ("formerly Azure AD").
	out = slices.DeleteFunc(out, func(r Rename) bool {
		return occurrences(newAll, strings.Fields(r.From))*4 > r.Lines
	})
	slices.SortStableFunc(out, func(a, b Rename) int { return b.Lines - a.Lines })
	return out
}

// changedLines returns the distinct non-blank lines of a that b does not have.
func changedLines(a, b string) []string {
	inB := map[string]bool{}
	for l := range strings.Lines(b) {
		inB[strings.TrimSpace(l)] = true
	}
	seen := map[string]bool{}
	var out []string
	for l := range strings.Lines(a) {
		l = strings.TrimSpace(l)
		if l == "" || inB[l] || seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	return out
}

// renameable reports whether a side of a replacement can be part of a rename:
// one to maxRenameWords words, none of them a number or a protocol word.
func renameable(ts []string) bool {
	if len(ts) == 0 || len(ts) > maxRenameWords {
		return false
	}
	for _, t := range ts {
		r := []rune(t)
		if !unicode.IsLetter(r[0]) || data.IsProtocolWord(t) {
			return false
		}
		for _, c := range r {
			if unicode.IsDigit(c) {
				return false
			}
		}
	}
	return true
}

// occurrences counts where the token sequence p occurs in ts.
func occurrences(ts, p []string) int {
	n := 0
	for i := 0; i+len(p) <= len(ts); i++ {
		if slices.Equal(ts[i:i+len(p)], p) {
			n++
		}
	}
	return n
}

// renameSet answers whether two strings differ only by renames.
type renameSet map[[2]string]bool

func newRenameSet(rs []Rename) renameSet {
	s := renameSet{}
	for _, r := range rs {
		for _, to := range r.To {
			s[[2]string{r.From, to}] = true
		}
	}
	return s
}

// apply replaces in s each wording renamed by its most frequent replacement,
// for comparing headings loosely.
func (s renameSet) apply(rs []Rename, text string) string {
	for _, r := range rs {
		text = strings.ReplaceAll(text, r.From, r.To[0])
	}
	return text
}

// same reports whether a and b are equal, or differ only where a rename
// replaced one wording by another.
func (s renameSet) same(a, b string) bool {
	if a == b {
		return true
	}
	if len(s) == 0 {
		return false
	}
	hs, ok := hunks(tokens(a), tokens(b))
	if !ok {
		return false
	}
	for _, h := range hs {
		if !s[[2]string{strings.Join(h.From, " "), strings.Join(h.To, " ")}] {
			return false
		}
	}
	// Same tokens, but spacing may differ: that is wording too.
	return len(hs) > 0
}
