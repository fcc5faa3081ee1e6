package data

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// role is what a table column holds.
type role int

const (
	roleSource role = iota
	roleDestination
	roleProtocol
	rolePort
	rolePurpose
	roleService
	roleRequirement
	roleDirection
)

// columnNames maps header cells, lower-cased, to the role of their column. One
// header-driven reader serves every document: a new vendor's wording is a new
// entry here, not new code.
var columnNames = map[string]role{
	"source":                    roleSource,
	"destination":               roleDestination,
	"target":                    roleDestination,
	"endpoints":                 roleDestination,
	"endpoint":                  roleDestination,
	"type":                      roleProtocol,
	"protocol":                  roleProtocol,
	"protocols":                 roleProtocol,
	"supported domain protocol": roleProtocol,
	"プロトコル":                     roleProtocol,
	"port":                      rolePort,
	"ports":                     rolePort,
	"destination port":          rolePort,
	"destination ports":         rolePort,
	"ポート番号":                     rolePort,
	"ポート":                       rolePort,
	"purpose":                   rolePurpose,
	"description":               rolePurpose,
	"details":                   rolePurpose,
	"notes":                     rolePurpose,
	"configuration details":     rolePurpose,
	"目的":                        rolePurpose,
	"service":                   roleService,
	"component":                 roleService,
	"required/optional":         roleRequirement,
	"requirement":               roleRequirement,
	"required":                  roleRequirement,
	"必須":                        roleRequirement,
	"direction":                 roleDirection,
	"方向":                        roleDirection,
}

var separatorRe = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$`)

// isSeparator reports whether a line is a table's header separator (---|---|).
func isSeparator(s string) bool { return separatorRe.MatchString(strings.TrimSpace(s)) }

// splitHeader splits a header line into its cells.
func splitHeader(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "|")
	s = strings.TrimSuffix(s, "|")
	var cells []string
	for _, c := range strings.Split(s, "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

// header is a recognised table header.
type header struct {
	roles   []role
	names   []string
	leading bool // rows start with "|"
}

func parseHeader(s string) (header, error) {
	h := header{leading: strings.HasPrefix(strings.TrimSpace(s), "|")}
	for _, name := range splitHeader(s) {
		r, ok := columnNames[strings.ToLower(Fold(name))]
		if !ok {
			return header{}, fmt.Errorf("table header has a column %q that Portolan does not know (known: Source, Destination, Target, Type, Protocol, Port(s), Purpose, Description, Details, Service, Component, Required/Optional, ポート番号, 必須, 目的, プロトコル, 方向)", name)
		}
		h.roles = append(h.roles, r)
		h.names = append(h.names, name)
	}
	if !h.has(rolePort) && !h.has(roleDestination) {
		return header{}, fmt.Errorf("table header %q has neither a port nor a destination column", strings.TrimSpace(s))
	}
	return h, nil
}

func (h header) has(r role) bool { return slices.Contains(h.roles, r) }

// rawRow is one table row as assembled from the document's lines: its cells as
// written, before they are matched to columns.
type rawRow struct {
	cells         []string
	line, lineEnd int
}

// readRows reads the body of a table starting at lines[i] and returns its rows and
// the index of the first line after the table. A row may wrap over several lines
// (a cell continues on the next line, or a lone "|" closes an empty cell); a row
// is complete once it has as many cells as the header has columns. A shorter row
// takes the following lines only while they fit in its missing cells, so a short
// row followed by a full one stays two rows.
func readRows(lines []docLine, i int, h header) ([]rawRow, int) {
	n := len(h.roles)
	var rows []rawRow
	for i < len(lines) {
		l := lines[i]
		if l.skip || !isRowStart(l.text, h) || isHeaderAt(lines, i) {
			break
		}
		text := strings.TrimSpace(l.text)
		if h.leading {
			text = strings.TrimPrefix(text, "|")
		}
		cells, open := splitCells(text)
		row := rawRow{cells: cells, line: l.n, lineEnd: l.n}
		i++
		for len(row.cells) < n {
			more, openAfter, next, ok := continuation(lines, i, open, n-len(row.cells))
			if !ok {
				break
			}
			row.cells = append(row.cells, more...)
			open = openAfter
			row.lineEnd = lines[next-1].n
			i = next
		}
		rows = append(rows, row)
	}
	return rows, i
}

// continuation looks at the lines from lines[i] up to the first that ends a cell
// ("|" at the end of the line) and returns the cells they complete, if they
// continue the row: they are not a new header or chrome, and they fit in room.
func continuation(lines []docLine, i int, open string, room int) (cells []string, openAfter string, next int, ok bool) {
	var parts []string
	j := i
	for ; j < len(lines); j++ {
		if lines[j].skip || isHeaderAt(lines, j) || isSeparator(lines[j].text) {
			return nil, "", 0, false
		}
		t := strings.TrimSpace(lines[j].text)
		parts = append(parts, t)
		if strings.HasSuffix(t, "|") {
			break
		}
	}
	if j == len(lines) {
		return nil, "", 0, false
	}
	joined := strings.Join(parts, "\n")
	more, openAfter := splitCells(joined)
	if len(more) == 0 {
		return nil, "", 0, false
	}
	more[0] = joinText(open, more[0])
	if len(more) > room {
		return nil, "", 0, false
	}
	return more, openAfter, j + 1, true
}

// splitCells splits text at "|": every part but the last is a finished cell, the
// last is the start of a cell still open (usually empty).
func splitCells(text string) (cells []string, open string) {
	parts := strings.Split(text, "|")
	for _, p := range parts[:len(parts)-1] {
		cells = append(cells, tidy(p))
	}
	return cells, tidy(parts[len(parts)-1])
}

// tidy trims a cell and joins the lines it wrapped over with single spaces.
func tidy(s string) string { return strings.Join(strings.Fields(s), " ") }

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func isRowStart(s string, h header) bool {
	t := strings.TrimSpace(s)
	if h.leading {
		return strings.HasPrefix(t, "|")
	}
	return strings.HasSuffix(t, "|")
}

func isHeaderAt(lines []docLine, i int) bool {
	return i+1 < len(lines) && !lines[i].skip && strings.Contains(lines[i].text, "|") &&
		!isSeparator(lines[i].text) && isSeparator(lines[i+1].text)
}

// align matches a row's cells to the header's columns by what each cell holds, not
// only by position: source documents drop empty cells (a Citrix row "ICMP | Using
// ICMP protocol ..." has no port), omit leading cells that repeat the row above, and
// sometimes split one cell at a "|" written inside it. It returns, per column, the
// cell placed there (or -1 for a column the row leaves out) and how many cells
// were joined into it. ok is false when the columns cannot hold the cells: more
// cells than columns, and none of the extra ones can join a column's text.
func align(cells []string, roles []role) (placed [][]string, firstPlaced int, ok bool) {
	n, m := len(cells), len(roles)
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
		for j := range score[i] {
			score[i][j] = cellScore(cells[i], roles[j], j == m-1)
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

// cellScore says how well a cell fits a column of role r.
func cellScore(cell string, r role, last bool) float64 {
	if cell == "" {
		return 0
	}
	c := Fold(cell)
	switch r {
	case roleProtocol:
		if protocolOnly(c) {
			return 3
		}
		for _, w := range wordsOf(c) {
			if IsProtocolWord(w) {
				return 1
			}
		}
		return 0.2
	case rolePort:
		switch {
		case hasDigit.MatchString(c) && (digitsOnly.MatchString(c) || portLike(c)):
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
		case looksLikeHost(c):
			return 3
		case digitsOnly.MatchString(c):
			return -3
		case transportOnly(c):
			return -1
		case protocolOnly(c):
			return 0.8
		case len(strings.Fields(c)) > 12:
			return 0.5
		}
		return 1
	default: // purpose, service
		switch {
		case digitsOnly.MatchString(c):
			return -3
		case transportOnly(c):
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
	words := wordsOf(parenGroup.ReplaceAllString(c, ""))
	return len(words) <= 8 && utf8.RuneCountInString(c) <= 80
}

// protocolOnly reports whether every word of c (outside parentheses) is a
// transport or application protocol word: "TCP, UDP", "SMTP(TLS)", "HTTPS UDP(...)".
func protocolOnly(c string) bool {
	ws := wordsOf(parenGroup.ReplaceAllString(c, " "))
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if !IsProtocolWord(w) {
			return false
		}
	}
	return true
}

func transportOnly(c string) bool {
	ws := wordsOf(c)
	if len(ws) == 0 || hasDigit.MatchString(c) {
		return false
	}
	for _, w := range ws {
		if _, ok := transports[strings.ToLower(w)]; !ok {
			return false
		}
	}
	return true
}
