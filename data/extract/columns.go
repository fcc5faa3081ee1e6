package extract

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/portolan/portolan/data"
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
	rolePortEnd // the end of a start-port/end-port pair
	roleExtra   // a column Portolan has no field for, kept as written
)

var roleNames = map[string]role{
	"source": roleSource, "destination": roleDestination, "protocol": roleProtocol, "port": rolePort,
	"port_end": rolePortEnd, "purpose": rolePurpose, "service": roleService, "requirement": roleRequirement,
	"direction": roleDirection, "extra": roleExtra, "tcp": rolePort, "udp": rolePort,
}

//go:embed columns.txt
var columnsTxt string

// meaning is what a header wording says about its column.
type meaning struct {
	role      role
	transport string // "TCP" for a column named TCP: its cells are TCP ports
}

// vocabulary is the column vocabulary of columns.txt, parsed.
type vocabulary struct {
	exact map[string]meaning
	words []struct {
		m     meaning
		words []string
	}
}

var vocab = parseVocabulary(columnsTxt)

func parseVocabulary(s string) vocabulary {
	v := vocabulary{exact: map[string]meaning{}}
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, list, ok := strings.Cut(line, ":")
		contains := strings.HasPrefix(name, "~")
		r, known := roleNames[strings.TrimPrefix(name, "~")]
		if !ok || !known {
			panic(fmt.Sprintf("columns.txt:%d: want role: wordings", n+1))
		}
		m := meaning{role: r}
		switch strings.TrimPrefix(name, "~") {
		case "tcp":
			m.transport = "TCP"
		case "udp":
			m.transport = "UDP"
		}
		var words []string
		for _, w := range strings.Split(list, ",") {
			if w = headerKey(w); w != "" {
				words = append(words, w)
			}
		}
		if contains {
			v.words = append(v.words, struct {
				m     meaning
				words []string
			}{m, words})
			continue
		}
		for _, w := range words {
			if _, dup := v.exact[w]; !dup {
				v.exact[w] = m
			}
		}
	}
	return v
}

var (
	headerMarks = regexp.MustCompile(`\(s\)|[*†‡※¹²³⁴⁵]+|\[\d+\]|\s*[:：]\s*$`)
	headerSpace = regexp.MustCompile(`[\s_]+`)
)

// headerKey is the form a header cell is matched in: folded, lower case, no
// footnote marks, "(s)" or trailing colon, single spaces. Its length is
// bounded, so matching a header costs the same whatever its cells hold.
func headerKey(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	s = strings.ToLower(data.Fold(s))
	s = headerMarks.ReplaceAllString(s, "")
	return strings.TrimSpace(headerSpace.ReplaceAllString(s, " "))
}

// meaningOf returns what a header cell means; roleExtra for a wording the
// vocabulary does not know.
func meaningOf(header string) meaning {
	k := headerKey(header)
	if m, ok := vocab.exact[k]; ok {
		return m
	}
	padded := " " + strings.Map(func(r rune) rune {
		if r < 128 && !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') {
			return ' '
		}
		return r
	}, k) + " "
	for _, g := range vocab.words {
		for _, w := range g.words {
			ascii := true
			for i := 0; i < len(w); i++ {
				ascii = ascii && w[i] < 128
			}
			if (ascii && strings.Contains(padded, " "+w+" ")) || (!ascii && strings.Contains(k, w)) {
				if g.m.role == rolePort && strings.Contains(padded, " source ") {
					return meaning{role: roleExtra}
				}
				return g.m
			}
		}
	}
	return meaning{role: roleExtra}
}

// column is one recognised column of a table.
type column struct {
	role      role
	transport string
	name      string // header as written
}

type columns []column

func (c columns) has(r role) bool {
	return slices.ContainsFunc(c, func(col column) bool { return col.role == r })
}

// recognise gives each header cell its meaning. A role claimed by an earlier
// column makes a later one an extra field (a second "Description"), except
// TCP and UDP port columns, which sit side by side. why says why the table is
// not a port table ("" when it is).
func recognise(header []string) (cols columns, why string) {
	for _, h := range header {
		m := meaningOf(h)
		if m.role != roleExtra && m.transport == "" && cols.has(m.role) {
			m = meaning{role: roleExtra}
		}
		cols = append(cols, column{role: m.role, transport: m.transport, name: h})
	}
	if !cols.has(rolePort) && !cols.has(roleDestination) && !cols.has(roleProtocol) {
		return nil, "no port, protocol or host column"
	}
	if cols.has(rolePortEnd) && !cols.has(rolePort) {
		for i := range cols {
			if cols[i].role == rolePortEnd {
				cols[i].role = rolePort
			}
		}
	}
	return cols, ""
}
