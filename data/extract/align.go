package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/portolan/portolan/data"
)

// align matches a row's cells to the header's columns by what each cell holds, not
// only by position: source documents drop empty cells (a Citrix row "ICMP | Using
// ICMP protocol ..." has no port), omit leading cells that repeat the row above, and
// sometimes split one cell at a "|" written inside it. It returns, per column, the
// cell placed there (or -1 for a column the row leaves out) and how many cells
// were joined into it. ok is false when the columns cannot hold the cells: more
// cells than columns, and none of the extra ones can join a column's text.
func align(cells []string, cols columns) (placed [][]string, firstPlaced int, ok bool) {
	n, m := len(cells), len(cols)
	roles := make([]role, m)
	for j, c := range cols {
		roles[j] = c.role
	}
	type step struct {
		score float64
		move  int8 // 0 skip column, 1 place cell, 2 join cell into previous column
		ok    bool
	}
	// score[i][j]: how well cells[i] fits roles[j], computed once per row (the
	// search below asks for each twice, and scoring runs regular expressions).
	score := make([][]float64, n)
	for i := range score {
		score[i] = make([]float64, m)
		c := newCellTests(cells[i])
		for j := range score[i] {
			score[i][j] = c.score(roles[j], j == m-1)
		}
	}
	// best[i][j][p]: best score for cells[i:] and roles[j:], p = previous column took a cell.
	best := make([][][2]step, n+1)
	for i := range best {
		best[i] = make([][2]step, m+1)
	}
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			for p := 0; p < 2; p++ {
				var b step
				if i == n && j == m {
					best[i][j][p] = step{ok: true}
					continue
				}
				consider := func(s float64, move int8, next step) {
					if !next.ok {
						return
					}
					if t := s + next.score; !b.ok || t > b.score+1e-9 {
						b = step{score: t, move: move, ok: true}
					}
				}
				skip := func() {
					if j < m {
						consider(0, 0, best[i][j+1][0])
					}
				}
				// On a tie, a row leaves out its leading cells (they repeat the row
				// above) rather than later ones; once a cell is placed, the next cell
				// goes in the next column that fits.
				if i == 0 {
					skip()
				}
				if i < n && j < m {
					consider(score[i][j], 1, best[i+1][j+1][1])
				}
				if i < n && p == 1 && j > 0 && joinable(roles[j-1]) {
					consider(joinPenalty(cells[i]), 2, best[i+1][j][1])
				}
				if i > 0 {
					skip()
				}
				best[i][j][p] = b
			}
		}
	}
	if !best[0][0][0].ok {
		return nil, -1, false
	}
	placed = make([][]string, m)
	firstPlaced = -1
	i, j, p := 0, 0, 0
	for i < n || j < m {
		switch best[i][j][p].move {
		case 0:
			j, p = j+1, 0
		case 1:
			placed[j] = []string{cells[i]}
			if firstPlaced < 0 {
				firstPlaced = j
			}
			i, j, p = i+1, j+1, 1
		case 2:
			placed[j-1] = append(placed[j-1], cells[i])
			i++
		}
	}
	return placed, firstPlaced, true
}

func joinable(r role) bool {
	return r == rolePurpose || r == roleDestination || r == roleSource || r == roleService
}

// joinPenalty is the cost of joining a cell to the one before it: cheap for a short
// fragment ("Microsoft."), dearer for a cell that reads as a value of its own.
func joinPenalty(cell string) float64 {
	return -0.25 - 0.02*float64(len(strings.Fields(cell)))
}

var (
	digitsOnly = regexp.MustCompile(`^[\d\s,*/().\-–~]+$`)
	hasDigit   = regexp.MustCompile(`\d`)
)

// cellTests are the tests that say how well a cell fits a column (score),
// each run at most once however many columns the cell is scored against
// (regular expressions, most of them).
type cellTests struct {
	c                                             string // the cell, folded
	digitsOnly, transportOnly, protocolOnly, host lazyBool
}

// lazyBool is a test's result once run: 0 not yet, 1 false, 2 true.
type lazyBool int8

func (l *lazyBool) get(test func() bool) bool {
	if *l == 0 {
		*l = 1
		if test() {
			*l = 2
		}
	}
	return *l == 2
}

func newCellTests(cell string) *cellTests {
	if cell == "" {
		return &cellTests{}
	}
	return &cellTests{c: data.Fold(cell)}
}

func (t *cellTests) isDigitsOnly() bool {
	return t.digitsOnly.get(func() bool { return digitsOnly.MatchString(t.c) })
}

func (t *cellTests) isTransportOnly() bool {
	return t.transportOnly.get(func() bool { return transportOnly(t.c) })
}

func (t *cellTests) isProtocolOnly() bool {
	return t.protocolOnly.get(func() bool { return protocolOnly(t.c) })
}

// score says how well the cell fits a column of role r, the row's last
// column when last is set.
func (t *cellTests) score(r role, last bool) float64 {
	c := t.c
	if c == "" {
		return 0
	}
	switch r {
	case roleProtocol:
		if t.isProtocolOnly() {
			return 3
		}
		for _, w := range data.Words(c) {
			if data.IsProtocolWord(w) {
				return 1
			}
		}
		return 0.2
	case rolePort:
		switch {
		case hasDigit.MatchString(c) && (t.isDigitsOnly() || portLike(c)):
			return 3
		case strings.EqualFold(c, "N/A") || strings.Contains(strings.ToLower(c), "port"):
			return 1
		}
		return 0.1
	case roleRequirement:
		if requirementWord(c) {
			return 3
		}
		return -2
	case roleDirection:
		if d, _ := parseDirection(c); d != "" {
			return 3
		}
		return 0.2
	case roleSource, roleDestination:
		switch {
		case t.host.get(func() bool { return looksLikeHost(c) }):
			return 3
		case t.isDigitsOnly():
			return -3
		case t.isTransportOnly():
			return -1
		case t.isProtocolOnly():
			return 0.8
		case len(strings.Fields(c)) > 12:
			return 0.5
		}
		return 1
	default: // purpose, service, extra
		switch {
		case t.isDigitsOnly():
			return -3
		case t.isTransportOnly():
			return -1
		case last && r == rolePurpose:
			return 1.01 // a row's last cell is most often its description
		}
		return 1
	}
}

// portLike reports whether a cell reads as a port list with protocol words
// ("TCP 443", "LDAP TCP 389, CLDAP UDP 389", "80 (Bidirectional)").
func portLike(c string) bool {
	words := data.Words(parenGroup.ReplaceAllString(c, ""))
	return len(words) <= 8 && utf8.RuneCountInString(c) <= 80
}

// protocolOnly reports whether every word of c (outside parentheses) is a
// transport or application protocol word: "TCP, UDP", "SMTP(TLS)", "HTTPS UDP(...)".
func protocolOnly(c string) bool {
	ws := data.Words(parenGroup.ReplaceAllString(c, " "))
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if !data.IsProtocolWord(w) {
			return false
		}
	}
	return true
}

func transportOnly(c string) bool {
	ws := data.Words(c)
	if len(ws) == 0 || hasDigit.MatchString(c) {
		return false
	}
	for _, w := range ws {
		if !data.IsTransport(w) {
			return false
		}
	}
	return true
}

var parenGroup = regexp.MustCompile(`\(([^()]*)\)`)

// requirementWord reports whether a cell reads as a requirement: a word such as
// Required or Optional, or a single mark (●, 〇, △).
func requirementWord(c string) bool {
	switch strings.ToLower(c) {
	case data.Required, data.Recommended, data.Conditional, data.Optional:
		return true
	}
	if utf8.RuneCountInString(c) != 1 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(c)
	return r > 127
}
