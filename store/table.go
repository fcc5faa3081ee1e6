package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/portolan/portolan/data"
	"github.com/portolan/portolan/data/filter"
)

// flowTableFormat is the version of flowTable's encoding; Open refuses a
// database whose table has another (it is rebuilt, as for a schema change).
const flowTableFormat = 3

// maxProtocols is how many distinct protocols a dataset may name: a flow's
// protocols are a bit set in one uint64. So are its endpoints' roles
// (maxRoles).
const (
	maxProtocols = 64
	maxRoles     = 64
)

// flowTable is what flow listings filter, order and count on, for every flow
// of the dataset, column by column, row i being the flow with seq i+1. Strings
// are interned: a row holds an index into the table's list of values. Ingest
// builds it from the documents and stores it encoded (see tableenc.go) in
// the flow_table row; the first listing after Open reads it.
type flowTable struct {
	Docs     []string // document slugs in ingest order
	DocStart []int32  // rows of Docs[d] are DocStart[d] to DocStart[d+1]-1
	Sections []string // distinct section slugs
	Strings  []string // distinct sources and destinations, as written
	// Protocols are the distinct protocols, as first written; flows naming one
	// in another case (tcp, TCP) share its bit, as SQLite's NOCASE compares.
	Protocols []string
	Values    []string // distinct requirement and direction values, "" among them

	Doc         []uint32
	Section     []uint32
	Source      []uint32
	Destination []uint32
	Protos      []uint64 // bit i: Protocols[i]
	Req, Dir    []uint16 // into Values
	// PortStart[i] to PortStart[i+1]-1 index Ports, the rows' port ranges
	// packed as from<<16 | to.
	PortStart []uint32
	Ports     []uint32
	// ByPort lists the rows by lowest port (flows without ports last), ties in
	// seq order: the "port" sort.
	ByPort []uint32
	// Roles are the distinct role IDs of the dataset's endpoints; SrcRoles and
	// DstRoles are each row's source's and destination's roles (guesses
	// included), bit i standing for Roles[i].
	Roles              []string
	SrcRoles, DstRoles []uint64
	// Findings are the seqs of the flows with lint findings: a listing
	// reads the findings of those only.
	Findings seqSet

	wordsOnce sync.Once
	words     map[string][]int32 // see wordIndex; not encoded
	// namedLists are the sources' and destinations' named lists, by
	// string; not encoded.
	namedOnce  sync.Once
	namedLists [2][]atomic.Pointer[[]int32]
	// sectionsSorted is sectionOrder's; not encoded.
	sectionsOnce   sync.Once
	sectionsSorted []int32
	// packed is facetRows'; not encoded.
	facetOnce sync.Once
	packed    []facetRow
	// portIx is portIndex's; not encoded.
	portIxOnce sync.Once
	portIx     *portIndex
	// keep is the mapped file the columns are in, if they are in one
	// (readTableFile): it stays mapped while the table is reachable.
	keep *tableMap
}

// portIndex returns the table's port index, built on first use.
func (t *flowTable) portIndex() *portIndex {
	t.portIxOnce.Do(func() { t.portIx = t.buildPortIndex() })
	return t.portIx
}

// tableBuilder interns values while rows are added in seq order.
type tableBuilder struct {
	t                             flowTable
	secs, strs, vals, prot, roles map[string]uint32
	portKey                       []int32
}

func newTableBuilder() *tableBuilder {
	return &tableBuilder{secs: map[string]uint32{}, strs: map[string]uint32{},
		vals: map[string]uint32{}, prot: map[string]uint32{}, roles: map[string]uint32{},
		t: flowTable{PortStart: []uint32{0}}}
}

func intern(m map[string]uint32, list *[]string, s string) uint32 {
	if i, ok := m[s]; ok {
		return i
	}
	i := uint32(len(*list))
	m[s] = i
	*list = append(*list, s)
	return i
}

// doc starts the rows of the next document.
func (b *tableBuilder) doc(slug string) {
	b.t.Docs = append(b.t.Docs, slug)
	b.t.DocStart = append(b.t.DocStart, int32(len(b.t.Doc)))
}

// add appends the row of the flow with seq seq (data.Seqs) of the current
// document: row seq-1, so seq must follow the last row's.
func (b *tableBuilder) add(seq int, section string, f *data.Flow) error {
	t := &b.t
	if seq != len(t.Doc)+1 {
		return fmt.Errorf("flow seq %d after %d rows: flows out of order", seq, len(t.Doc))
	}
	t.Doc = append(t.Doc, uint32(len(t.Docs)-1))
	t.Section = append(t.Section, intern(b.secs, &t.Sections, section))
	t.Source = append(t.Source, intern(b.strs, &t.Strings, f.Source))
	t.Destination = append(t.Destination, intern(b.strs, &t.Strings, f.Destination))
	var mask uint64
	for _, p := range f.Protocols {
		key := asciiUpper(p)
		i, ok := b.prot[key]
		if !ok {
			// Kept as first written; later spellings share its bit.
			i = uint32(len(t.Protocols))
			b.prot[key] = i
			t.Protocols = append(t.Protocols, p)
		}
		if i >= maxProtocols {
			return fmt.Errorf("more than %d distinct protocols", maxProtocols)
		}
		mask |= 1 << i
	}
	t.Protos = append(t.Protos, mask)
	t.Req = append(t.Req, uint16(intern(b.vals, &t.Values, f.Requirement)))
	t.Dir = append(t.Dir, uint16(intern(b.vals, &t.Values, f.Direction)))
	if len(b.vals) > 1<<16 {
		return errors.New("more than 65536 distinct requirement and direction values")
	}
	key := int32(65536)
	for _, r := range f.Ports {
		t.Ports = append(t.Ports, uint32(r.From)<<16|uint32(r.To))
		key = min(key, int32(r.From))
	}
	t.PortStart = append(t.PortStart, uint32(len(t.Ports)))
	b.portKey = append(b.portKey, key)
	var src, dst uint64
	for _, r := range f.Roles {
		i := intern(b.roles, &t.Roles, r.Role)
		if i >= maxRoles {
			return fmt.Errorf("more than %d distinct roles", maxRoles)
		}
		if r.Side == data.SideSource {
			src |= 1 << i
		} else {
			dst |= 1 << i
		}
	}
	t.SrcRoles = append(t.SrcRoles, src)
	t.DstRoles = append(t.DstRoles, dst)
	if len(f.Findings) > 0 {
		b.finding(seq)
	}
	return nil
}

// finding records that the flow with seq seq has findings.
func (b *tableBuilder) finding(seq int) {
	for seq/64 >= len(b.t.Findings) {
		b.t.Findings = append(b.t.Findings, 0)
	}
	b.t.Findings[seq/64] |= 1 << (seq % 64)
}

// finish closes the last document and orders the rows by port.
func (b *tableBuilder) finish() *flowTable {
	t := &b.t
	t.DocStart = append(t.DocStart, int32(len(t.Doc)))
	t.ByPort = make([]uint32, len(t.Doc))
	for i := range t.ByPort {
		t.ByPort[i] = uint32(i)
	}
	slices.SortStableFunc(t.ByPort, func(a, c uint32) int { return int(b.portKey[a] - b.portKey[c]) })
	return t
}

// checkFlowTable makes sure the database has a flow table this binary reads.
func checkFlowTable(ctx context.Context, q querier) error {
	var format int
	err := q.QueryRowContext(ctx, "SELECT format FROM flow_table").Scan(&format)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("flow table missing: %w", ErrSchemaVersion)
	}
	if err != nil {
		return fmt.Errorf("flow table: %w", err)
	}
	if format != flowTableFormat {
		return fmt.Errorf("flow table format %d, want %d: %w", format, flowTableFormat, ErrSchemaVersion)
	}
	return nil
}

// loadFlowTable reads the table Ingest stored; Open has checked its format
// (checkFlowTable).
func loadFlowTable(ctx context.Context, q querier) (*flowTable, error) {
	rows, err := q.QueryContext(ctx, "SELECT data FROM flow_table")
	if err != nil {
		return nil, fmt.Errorf("flow table: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("flow table: %w", err)
		}
		return nil, fmt.Errorf("flow table: %w", sql.ErrNoRows)
	}
	// Decoded from the driver's copy of the blob, without another.
	var blob sql.RawBytes
	if err := rows.Scan(&blob); err != nil {
		return nil, fmt.Errorf("flow table: %w", err)
	}
	t := &flowTable{}
	if err := t.decode(blob); err != nil {
		return nil, fmt.Errorf("flow table: %w", err)
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("flow table: %w", err)
	}
	return t, nil
}

// check makes sure t's columns have the lengths its rows give them.
func (t *flowTable) check() error {
	n := len(t.Doc)
	if len(t.Section) != n || len(t.Source) != n || len(t.Destination) != n || len(t.Protos) != n ||
		len(t.Req) != n || len(t.Dir) != n || len(t.PortStart) != n+1 || len(t.ByPort) != n ||
		len(t.SrcRoles) != n || len(t.DstRoles) != n || len(t.Findings) > n/64+1 ||
		len(t.DocStart) != len(t.Docs)+1 {
		return errors.New("columns of different lengths")
	}
	return nil
}

// asciiUpper upper-cases ASCII letters only, as SQLite's NOCASE does.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// cond is a FlowFilter compiled against a table: each field a lookup by the
// row's interned value, its included and excluded values folded into one
// answer. A nil slice does not filter.
type cond struct {
	none      bool   // some field can match no row
	docs      []bool // by doc index
	sections  []bool
	protos    uint64 // with hasProtos: the bits of the protocols asked for
	hasProtos bool
	notProtos uint64 // bits of excluded protocols
	ports     []portCond
	notPorts  []portCond
	src, dst  []bool // by string index
	req, dir  []bool // by value index
	// roles are the role= (either end), src_role= and dst_role= conditions.
	roles [3]roleCond
}

// roleCond is a role filter: with has, a row's roles on its side must include
// one of in; none may be among out.
type roleCond struct {
	in, out uint64
	has     bool
}

// roleKeys are the role filters, in the order of cond.roles.
var roleKeys = [3]string{"role", "src_role", "dst_role"}

// portCond is a port filter value: a range and, if it named one, the bits
// of its protocol (a flow must name it); proto 0 with hasProto can match no
// flow.
type portCond struct {
	from, to int
	proto    uint64
	hasProto bool
}

// compile turns ff's structured fields into a cond. Its text, IDs and Seqs are
// the caller's: they pick the rows to look at.
func (t *flowTable) compile(ff FlowFilter) (*cond, error) {
	c := &cond{}
	f := ff.Filter
	// set says for each of list's values whether a row with it is kept:
	// one of in (if any), none of out.
	set := func(list []string, in, out []string, match func(v, w string) bool) []bool {
		if len(in) == 0 && len(out) == 0 {
			return nil
		}
		ok := make([]bool, len(list))
		any := false
		for i, v := range list {
			ok[i] = len(in) == 0 || slices.ContainsFunc(in, func(w string) bool { return match(v, w) })
			if ok[i] && slices.ContainsFunc(out, func(w string) bool { return match(v, w) }) {
				ok[i] = false
			}
			any = any || ok[i]
		}
		if !any {
			c.none = true
		}
		return ok
	}
	same := func(v, w string) bool { return v == w }
	// "none" selects the flows whose document states no value.
	value := func(v, w string) bool { return v == w || v == "" && w == filter.None }
	c.docs = set(t.Docs, f.In("doc"), f.Out("doc"), same)
	c.sections = set(t.Sections, f.In("section"), f.Out("section"), same)
	c.req = set(t.Values, f.In("req"), f.Out("req"), value)
	c.dir = set(t.Values, f.In("dir"), f.Out("dir"), value)
	c.src = set(t.Strings, f.In("src"), f.Out("src"), filter.MatchWords)
	c.dst = set(t.Strings, f.In("dst"), f.Out("dst"), filter.MatchWords)
	if in := f.In("proto"); len(in) > 0 {
		c.hasProtos = true
		c.protos = t.protoBits(in)
		if c.protos == 0 {
			c.none = true
		}
	}
	c.notProtos = t.protoBits(f.Out("proto"))
	c.ports = t.portConds(filter.Ports(f.In("port")))
	c.notPorts = t.portConds(filter.Ports(f.Out("port")))
	for i, k := range roleKeys {
		rc := &c.roles[i]
		if in := f.In(k); len(in) > 0 {
			rc.has, rc.in = true, t.roleBits(in)
			if rc.in == 0 {
				c.none = true
			}
		}
		rc.out = t.roleBits(f.Out(k))
	}
	return c, nil
}

// plain reports whether c keeps every row: no field filters it.
func (c *cond) plain() bool {
	return !c.none && c.docs == nil && c.sections == nil && !c.hasProtos && c.notProtos == 0 &&
		len(c.ports) == 0 && len(c.notPorts) == 0 && c.src == nil && c.dst == nil &&
		c.req == nil && c.dir == nil && c.roles == [3]roleCond{}
}

// facetsOnly reports whether c filters by facet fields only (doc,
// section, proto, req, dir, src, dst), which a packed row holds: no port
// or role filter.
func (c *cond) facetsOnly() bool {
	return len(c.ports) == 0 && len(c.notPorts) == 0 && c.roles == [3]roleCond{}
}

// withoutPorts is c less its port= filter, for rows already known to pass
// it (the port index gave them).
func (c *cond) withoutPorts() *cond {
	w := *c
	w.ports = nil
	return &w
}

// roleBits are the bits of the table's roles among want.
func (t *flowTable) roleBits(want []string) uint64 {
	var bits uint64
	for i, r := range t.Roles {
		if slices.Contains(want, r) {
			bits |= 1 << i
		}
	}
	return bits
}

// rolesMiss reports whether row i fails one of c's role conditions.
func (t *flowTable) rolesMiss(c *cond, i int) bool {
	if c.roles == [3]roleCond{} {
		return false // no role filter
	}
	for k, rc := range c.roles {
		var have uint64
		switch k {
		case 0:
			have = t.SrcRoles[i] | t.DstRoles[i]
		case 1:
			have = t.SrcRoles[i]
		default:
			have = t.DstRoles[i]
		}
		if (rc.has && have&rc.in == 0) || have&rc.out != 0 {
			return true
		}
	}
	return false
}

// protoBits are the bits of the table's protocols among want, in any case.
func (t *flowTable) protoBits(want []string) uint64 {
	var bits uint64
	for i, p := range t.Protocols {
		for _, w := range want {
			if asciiUpper(p) == asciiUpper(w) {
				bits |= 1 << i
			}
		}
	}
	return bits
}

func (t *flowTable) portConds(ps []filter.Port) []portCond {
	var out []portCond
	for _, p := range ps {
		pc := portCond{from: p.From, to: p.To}
		if p.Proto != "" {
			pc.hasProto, pc.proto = true, t.protoBits([]string{p.Proto})
		}
		out = append(out, pc)
	}
	return out
}

// Facet fields, as bits of a row's misses.
const (
	missDoc = 1 << iota
	missSection
	missProto
	missReq
	missDir
	missSrc
	missDst
	missOther // any other field: the row is not counted anywhere
)

// misses reports which of c's fields row i fails, as miss* bits.
func (t *flowTable) misses(c *cond, i int) int {
	if len(c.ports) > 0 && !t.portsMatch(i, c.ports) {
		return missOther
	}
	if len(c.notPorts) > 0 && t.portsMatch(i, c.notPorts) {
		return missOther
	}
	if t.rolesMiss(c, i) {
		return missOther
	}
	return t.fieldMisses(c, i)
}

// fieldMisses reports which of the facet fields of c row i fails.
func (t *flowTable) fieldMisses(c *cond, i int) int {
	m := 0
	if c.docs != nil && !c.docs[t.Doc[i]] {
		m |= missDoc
	}
	if c.sections != nil && !c.sections[t.Section[i]] {
		m |= missSection
	}
	if c.hasProtos && t.Protos[i]&c.protos == 0 || t.Protos[i]&c.notProtos != 0 {
		m |= missProto
	}
	if c.req != nil && !c.req[t.Req[i]] {
		m |= missReq
	}
	if c.dir != nil && !c.dir[t.Dir[i]] {
		m |= missDir
	}
	if c.src != nil && !c.src[t.Source[i]] {
		m |= missSrc
	}
	if c.dst != nil && !c.dst[t.Destination[i]] {
		m |= missDst
	}
	return m
}

// portsMatch reports whether one of row i's ranges overlaps one of want's,
// the row naming that one's protocol if it has one.
func (t *flowTable) portsMatch(i int, want []portCond) bool {
	for _, p := range t.Ports[t.PortStart[i]:t.PortStart[i+1]] {
		from, to := int(p>>16), int(p&0xffff)
		for _, w := range want {
			if from <= w.to && to >= w.from && (!w.hasProto || t.Protos[i]&w.proto != 0) {
				return true
			}
		}
	}
	return false
}

// span is the rows a scan must look at: those of the filter's documents when
// it names some (a document's rows are contiguous), else all.
func (t *flowTable) spans(c *cond) [][2]int {
	if c.docs == nil {
		return [][2]int{{0, len(t.Doc)}}
	}
	var out [][2]int
	for d, in := range c.docs {
		if in {
			out = append(out, [2]int{int(t.DocStart[d]), int(t.DocStart[d+1])})
		}
	}
	return out
}

// portKey is row i's lowest port, 65536 when it has none: the "port" order.
func (t *flowTable) portKey(i int) int {
	k := 65536
	for _, p := range t.Ports[t.PortStart[i]:t.PortStart[i+1]] {
		k = min(k, int(p>>16))
	}
	return k
}

// each calls fn with the rows to look at, in order: list's (0-based rows,
// unique, in any order) when not nil, else every row of c's documents. order
// is "port" for the lowest port first or anything else for seq order. fn
// returns false to stop.
func (t *flowTable) each(c *cond, list []int32, order string, fn func(i int) bool) {
	switch {
	case list != nil && order == "port":
		// Each row's key worked out once, not at every comparison (a
		// search of thousands sorted this way took a fifth of a loaded
		// server's time in portKey).
		keyed := make([]uint64, len(list))
		for k, i := range list {
			keyed[k] = uint64(t.portKey(int(i)))<<32 | uint64(uint32(i))
		}
		slices.Sort(keyed)
		l := make([]int32, len(keyed))
		for k, x := range keyed {
			l[k] = int32(uint32(x))
		}
		list = l
	case list != nil:
		if !slices.IsSorted(list) {
			list = slices.Clone(list)
			slices.Sort(list)
		}
	case order == "port":
		for _, i := range t.ByPort {
			if (c.docs == nil || c.docs[t.Doc[i]]) && !fn(int(i)) {
				return
			}
		}
		return
	default:
		for _, sp := range t.spans(c) {
			for i := sp[0]; i < sp[1]; i++ {
				if !fn(i) {
					return
				}
			}
		}
		return
	}
	for _, i := range list {
		if !fn(int(i)) {
			return
		}
	}
}

// scan is one pass over the rows each gives for c (with alt's documents too
// when counting facets): the page of rows c matches, skipping offset of them
// and returning at most limit (0: all), how many match in all, and, with
// alt, the facet counts (see facets); limit < 0 returns no page. With scores (parallel to list) the page
// is best score first, ties in seq order, unless order is "port".
func (t *flowTable) scan(c, alt *cond, list []int32, scores []float64, order string, limit, offset int) ([]int32, int, Facets) {
	ranked := scores != nil && order != "port"
	var best *ranker
	if ranked {
		best = &ranker{end: -1}
		if limit > 0 {
			best.end = offset + limit
		}
	}
	var fc *facetCounter
	span := c
	if alt != nil {
		fc = t.newFacetCounter()
		span = c.withDocs(alt)
	}
	// plain: every row looked at matches, and counts under each of its
	// values (no filter but the rows given).
	plain := c.plain() && (alt == nil || alt == c || alt.plain())
	// packed: the rows' packed values (facetRows), when they hold every
	// field c and alt filter by; a row is then judged from them.
	var packed []facetRow
	if !plain && c.facetsOnly() && (alt == nil || alt.facetsOnly()) {
		packed = t.facetRows()
	}
	page := []int32{}
	total := 0
	visit := func(i int, score float64) {
		switch {
		case plain && fc != nil:
			fc.countAll(i)
		case packed != nil:
			if judged(c, alt, &packed[i], fc) != 0 {
				return
			}
		case !plain:
			m := t.misses(c, i)
			if fc != nil {
				fc.count(c, alt, i, m)
			}
			if m != 0 {
				return
			}
		}
		switch {
		case ranked:
			best.offer(hit{int32(i), score})
		case limit >= 0 && total >= offset && (limit == 0 || total < offset+limit):
			page = append(page, int32(i))
		}
		total++
	}
	switch {
	case c.none && alt == nil:
	case packed != nil && !ranked && order != "port" && (list == nil || slices.IsSorted(list)):
		// Filters of facet fields only (a protocol, a requirement, ...
		// beside the port the rows were chosen by), in seq order: a
		// tight pass over the packed rows.
		page, total = scanPacked(c, alt, packed, fc, list, t.spans(span), limit, offset)
	case plain && !ranked && list != nil && order != "port" && slices.IsSorted(list):
		// Every row of list matches, in order: the page is a slice of it.
		total = len(list)
		if limit >= 0 {
			end := total
			if limit > 0 {
				end = min(total, offset+limit)
			}
			page = append(page, list[min(offset, end):end]...)
		}
		if fc != nil {
			fc.countRows(list)
		}
	case ranked && plain:
		// Every row matches: counted in one tight pass (the rows' values
		// are read from memory several at once), ranked in another; a
		// large list counted on another processor meanwhile.
		var wg sync.WaitGroup
		var other *facetCounter
		switch {
		case fc != nil && len(list) >= parallelCount && runtime.GOMAXPROCS(0) > 1:
			other = t.newFacetCounter()
			half := len(list) / 2
			wg.Go(func() { other.countRows(list[:half]) })
			fc.countRows(list[half:])
		case fc != nil:
			fc.countRows(list)
		}
		for k, i := range list {
			best.offer(hit{i, scores[k]})
		}
		wg.Wait()
		if other != nil {
			fc.add(other)
		}
		total = len(list)
	case ranked:
		// Any order will do: the page is sorted by score below.
		for k, i := range list {
			visit(int(i), scores[k])
		}
	default:
		t.each(span, list, order, func(i int) bool {
			visit(i, 0)
			return true
		})
	}
	if ranked {
		hits := best.sorted()
		for k := min(offset, len(hits)); k < len(hits); k++ {
			page = append(page, hits[k].row)
		}
	}
	if fc == nil {
		return page, total, Facets{}
	}
	return page, total, fc.facets()
}

// parallelCount is how many rows a search must match for half of them to
// be counted on another processor while the rest are counted and ranked:
// at a million flows a common word matches a hundred thousand, and
// counting them is most of the store's part of the search (issue 18). A
// variable for tests.
var parallelCount = 16_384

// A hit is a row a search matched, with its score.
type hit struct {
	row   int32
	score float64
}

// better orders hits best score first, ties in seq order.
func better(a, b hit) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	}
	return int(a.row - b.row)
}

// A ranker keeps the end best hits offered to it (all of them when end <
// 0): hits are kept unsorted while they can still make the cut, and
// trimmed to the best end now and then, so a search matching a hundred
// thousand rows keeps a few hundred, sorted a few at a time, whatever
// order they come in.
type ranker struct {
	hits []hit
	end  int
	cut  hit  // with full, the worst hit kept at the last trim
	full bool // end hits were kept at a trim: only better ones can enter
}

func (r *ranker) offer(h hit) {
	if r.full && better(h, r.cut) >= 0 {
		return
	}
	r.hits = append(r.hits, h)
	if r.end >= 0 && len(r.hits) >= 2*r.end+64 {
		r.trim()
	}
}

func (r *ranker) trim() {
	slices.SortFunc(r.hits, better)
	if r.end >= 0 && len(r.hits) > r.end {
		r.hits = r.hits[:r.end]
	}
	if r.end > 0 && len(r.hits) == r.end {
		r.cut, r.full = r.hits[r.end-1], true
	}
}

// sorted returns the hits kept, best first.
func (r *ranker) sorted() []hit {
	r.trim()
	return r.hits
}

// selectRows is scan without facets.
func (t *flowTable) selectRows(c *cond, list []int32, scores []float64, order string, limit, offset int) ([]int32, int) {
	page, total, _ := t.scan(c, nil, list, scores, order, limit, offset)
	return page, total
}

// A window keeps the n best values offered to it (by cmp, best first),
// sorted: a newcomer better than its worst is inserted in place. n is a
// page's end or a facet's length, small next to what is offered.
type window[T any] struct {
	best []T
	n    int
	cmp  func(a, b T) int
}

func newWindow[T any](n int, cmp func(a, b T) int) *window[T] {
	return &window[T]{best: make([]T, 0, max(n, 0)+1), n: n, cmp: cmp}
}

// full reports whether the window holds n values: a value must then beat
// best[n-1] to enter.
func (w *window[T]) full() bool { return len(w.best) >= w.n }

func (w *window[T]) offer(x T) {
	if w.full() && (w.n <= 0 || w.cmp(x, w.best[w.n-1]) >= 0) {
		return
	}
	at, _ := slices.BinarySearchFunc(w.best, x, w.cmp)
	w.best = slices.Insert(w.best, at, x)
	if len(w.best) > w.n {
		w.best = w.best[:w.n]
	}
}

// facetCounter counts rows by each facet field, each field with its own
// filter taken from alt instead of c (alt differs from c in the facet
// fields only; alt == c counts plainly).
type facetCounter struct {
	t                                *flowTable
	rows                             []facetRow // t.facetRows()
	docs, sections, protos, req, dir []int
	src, dst                         []int32 // by string index
}

func (t *flowTable) newFacetCounter() *facetCounter {
	return &facetCounter{t: t, rows: t.facetRows(), docs: make([]int, len(t.Docs)), sections: make([]int, len(t.Sections)),
		protos: make([]int, len(t.Protocols)), req: make([]int, len(t.Values)), dir: make([]int, len(t.Values)),
		src: make([]int32, len(t.Strings)), dst: make([]int32, len(t.Strings))}
}

// add adds g's counts to f's.
func (f *facetCounter) add(g *facetCounter) {
	for _, p := range [][2][]int{{f.docs, g.docs}, {f.sections, g.sections}, {f.protos, g.protos}, {f.req, g.req}, {f.dir, g.dir}} {
		for k, n := range p[1] {
			p[0][k] += n
		}
	}
	for k, n := range g.src {
		f.src[k] += n
	}
	for k, n := range g.dst {
		f.dst[k] += n
	}
}

// countAll counts row i under each of its values: a row every filter
// keeps.
func (f *facetCounter) countAll(i int) {
	if f.rows != nil {
		f.countPacked(&f.rows[i])
		return
	}
	t := f.t
	f.docs[t.Doc[i]]++
	f.sections[t.Section[i]]++
	for b := t.Protos[i]; b != 0; b &= b - 1 {
		f.protos[bits.TrailingZeros64(b)]++
	}
	f.req[t.Req[i]]++
	f.dir[t.Dir[i]]++
	f.src[t.Source[i]]++
	f.dst[t.Destination[i]]++
}

// countPacked counts the packed row r under each of its values.
func (f *facetCounter) countPacked(r *facetRow) {
	f.docs[r.doc]++
	f.sections[r.section]++
	for b := r.protos; b != 0; b &= b - 1 {
		f.protos[bits.TrailingZeros8(b)]++
	}
	f.req[r.req]++
	f.dir[r.dir]++
	f.src[r.src]++
	f.dst[r.dst]++
}

// countRows counts each of rows (countAll): packed, a row at a time, else
// a column at a time.
func (f *facetCounter) countRows(rows []int32) {
	if f.rows != nil {
		for _, i := range rows {
			f.countPacked(&f.rows[i])
		}
		return
	}
	t := f.t
	for _, i := range rows {
		f.docs[t.Doc[i]]++
	}
	for _, i := range rows {
		f.sections[t.Section[i]]++
	}
	for _, i := range rows {
		for b := t.Protos[i]; b != 0; b &= b - 1 {
			f.protos[bits.TrailingZeros64(b)]++
		}
	}
	for _, i := range rows {
		f.req[t.Req[i]]++
		f.dir[t.Dir[i]]++
	}
	for _, i := range rows {
		f.src[t.Source[i]]++
		f.dst[t.Destination[i]]++
	}
}

// packedMisses is fieldMisses for the packed row r, whose values the
// table's packed rows hold (facetRows).
func (c *cond) packedMisses(r *facetRow) int {
	m := 0
	if c.docs != nil && !c.docs[r.doc] {
		m |= missDoc
	}
	if c.sections != nil && !c.sections[r.section] {
		m |= missSection
	}
	if p := uint64(r.protos); c.hasProtos && p&c.protos == 0 || p&c.notProtos != 0 {
		m |= missProto
	}
	if c.req != nil && !c.req[r.req] {
		m |= missReq
	}
	if c.dir != nil && !c.dir[r.dir] {
		m |= missDir
	}
	if c.src != nil && !c.src[r.src] {
		m |= missSrc
	}
	if c.dst != nil && !c.dst[r.dst] {
		m |= missDst
	}
	return m
}

// countMissing counts the packed row r, which misses m of c's fields and
// ma of alt's, as count does: under each field whose own filter (alt's)
// it passes, if it passes every other field (c's).
func (f *facetCounter) countMissing(r *facetRow, m, ma int) {
	counted := func(bit int) bool { return m&^bit == 0 && ma&bit == 0 }
	if counted(missDoc) {
		f.docs[r.doc]++
	}
	if counted(missSection) {
		f.sections[r.section]++
	}
	if counted(missProto) {
		for b := r.protos; b != 0; b &= b - 1 {
			f.protos[bits.TrailingZeros8(b)]++
		}
	}
	if counted(missReq) {
		f.req[r.req]++
	}
	if counted(missDir) {
		f.dir[r.dir]++
	}
	if counted(missSrc) {
		f.src[r.src]++
	}
	if counted(missDst) {
		f.dst[r.dst]++
	}
}

// judged returns which of c's fields the packed row r misses (see
// fieldMisses) and, with f, counts it as count does, alt's misses judged
// from r too.
func judged(c, alt *cond, r *facetRow, f *facetCounter) int {
	m := c.packedMisses(r)
	if f == nil {
		return m
	}
	ma := m
	if alt != c {
		ma = alt.packedMisses(r)
	}
	if m|ma == 0 {
		f.countPacked(r)
	} else {
		f.countMissing(r, m, ma)
	}
	return m
}

// scanPacked is scan's pass in seq order for c and alt that filter by
// facet fields only (cond.facetsOnly), with their rows packed: the rows
// of list (sorted) or, when list is nil, of spans, each judged and, with
// f, counted; the page of those c keeps, skipping offset and at most
// limit (0: all; < 0: none), and how many it keeps in all.
func scanPacked(c, alt *cond, packed []facetRow, f *facetCounter, list []int32, spans [][2]int, limit, offset int) ([]int32, int) {
	page := []int32{}
	total := 0
	visit := func(i int32) {
		if judged(c, alt, &packed[i], f) != 0 {
			return
		}
		if limit >= 0 && total >= offset && (limit == 0 || total < offset+limit) {
			page = append(page, i)
		}
		total++
	}
	if list != nil {
		for _, i := range list {
			visit(i)
		}
		return page, total
	}
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			visit(int32(i))
		}
	}
	return page, total
}

// count counts row i, which misses m (t.misses(c, i)) of c's fields.
func (f *facetCounter) count(c, alt *cond, i, m int) {
	if m&missOther != 0 {
		return
	}
	if m == 0 && alt == c {
		f.countAll(i)
		return
	}
	t := f.t
	ma := m
	if alt != c {
		ma = t.fieldMisses(alt, i)
	}
	// counted reports whether row i counts for the field of bit: it passes
	// every other field, and that one as alt has it.
	counted := func(bit int) bool { return m&^bit == 0 && ma&bit == 0 }
	if counted(missDoc) {
		f.docs[t.Doc[i]]++
	}
	if counted(missSection) {
		f.sections[t.Section[i]]++
	}
	if counted(missProto) {
		for b := t.Protos[i]; b != 0; b &= b - 1 {
			f.protos[bits.TrailingZeros64(b)]++
		}
	}
	if counted(missReq) {
		f.req[t.Req[i]]++
	}
	if counted(missDir) {
		f.dir[t.Dir[i]]++
	}
	if counted(missSrc) {
		f.src[t.Source[i]]++
	}
	if counted(missDst) {
		f.dst[t.Destination[i]]++
	}
}

// maxEndpointFacet is how many sources and destinations Facets lists: the
// ones with the most flows.
const maxEndpointFacet = 10

func (f *facetCounter) facets() Facets {
	t := f.t
	fc := Facets{Docs: []FacetCount{}}
	for d, n := range f.docs {
		if n > 0 {
			fc.Docs = append(fc.Docs, FacetCount{Value: t.Docs[d], Count: n})
		}
	}
	fc.Sections = byCountIn(t.sectionOrder(), t.Sections, f.sections)
	fc.Protocols = byCount(t.Protocols, f.protos)
	fc.Requirements = byCount(t.Values, f.req)
	fc.Directions = byCount(t.Values, f.dir)
	fc.Sources = t.endpointFacet("src", f.src)
	fc.Destinations = t.endpointFacet("dst", f.dst)
	return fc
}

// endpointFacet lists the maxEndpointFacet endpoint names with the most
// flows, highest count first, then by name. counts are the rows by exact
// name (index into Strings); a name is counted as the filter key= with it
// selects: every row whose endpoint has the name's words
// (filter.MatchWords), so "DC" counts the rows of "DCs" and "Primary DC"
// too, and following its link lists as many flows as it showed. The names
// with the most rows of their own are the candidates.
func (t *flowTable) endpointFacet(key string, counts []int32) []FacetCount {
	type cand struct {
		FacetCount
		i int32 // into Strings
	}
	better := func(a, b cand) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	}
	// The names with the most rows of their own, best first, kept as they
	// are counted (a window, without listing every name first).
	const n = 3 * maxEndpointFacet
	w := newWindow(n, better)
	for i, rows := range counts {
		if rows == 0 || w.full() && int(rows) < w.best[n-1].Count {
			continue
		}
		if strings.TrimSpace(t.Strings[i]) == "" {
			continue
		}
		w.offer(cand{FacetCount{Value: t.Strings[i], Count: int(rows)}, int32(i)})
	}
	cands := w.best
	for c := range cands {
		named := t.named(key, cands[c].i)
		if named == nil {
			continue // no link carries it: its own rows
		}
		n := 0
		for _, i := range *named {
			n += int(counts[i])
		}
		cands[c].Count = n
	}
	slices.SortFunc(cands, better)
	out := []FacetCount{}
	for _, c := range cands[:min(len(cands), maxEndpointFacet)] {
		out = append(out, c.FacetCount)
	}
	return out
}

// named lists the strings the filter key= with Strings[i] selects (by
// eachNamed), nil when no link can carry Strings[i]. The lists are worked
// out on first use and kept: they depend on the dataset only.
func (t *flowTable) named(key string, i int32) *[]int32 {
	t.namedOnce.Do(func() {
		for k := range t.namedLists {
			t.namedLists[k] = make([]atomic.Pointer[[]int32], len(t.Strings))
		}
	})
	k := 0
	if key == "dst" {
		k = 1
	}
	p := &t.namedLists[k][i]
	if l := p.Load(); l != nil {
		if *l == nil {
			return nil
		}
		return l
	}
	l := []int32(nil)
	if v, err := filter.Canonical(key, t.Strings[i]); err == nil {
		l = []int32{}
		t.eachNamed(filter.SplitWords(v), func(j int32) { l = append(l, j) })
	}
	p.Store(&l)
	if l == nil {
		return nil
	}
	return &l
}

// eachNamed calls fn with the index of each of Strings that has q's words
// (filter.Words.In), once each. It looks only at the strings holding q's
// rarest word (wordIndex), unless q has no word.
func (t *flowTable) eachNamed(q filter.Words, fn func(i int32)) {
	ws := q.List()
	if len(ws) == 0 {
		for i, s := range t.Strings {
			if q.In(filter.SplitWords(s)) {
				fn(int32(i))
			}
		}
		return
	}
	ix := t.wordIndex()
	var best [][]int32
	size := -1
	for k, w := range ws {
		var lists [][]int32
		if q.Ideographic(k) {
			// Matches within a word: the strings holding its rarest character.
			var rare []int32
			for _, r := range w {
				if l := ix[string(r)]; rare == nil || len(l) < len(rare) {
					rare = l
				}
			}
			lists = [][]int32{rare}
		} else {
			lists = [][]int32{ix[w], ix[w+"s"], ix[w+"es"]}
		}
		n := 0
		for _, l := range lists {
			n += len(l)
		}
		if size < 0 || n < size {
			best, size = lists, n
		}
	}
	seen := map[int32]bool{}
	for _, l := range best {
		for _, i := range l {
			if !seen[i] && q.In(filter.SplitWords(t.Strings[i])) {
				seen[i] = true
				fn(i)
			}
		}
	}
}

// wordIndex lists, for each word of the table's strings (filter.SplitWords;
// each character of a Chinese or Japanese word, which a query word may
// match within), the strings holding it, in order. Built on first use.
func (t *flowTable) wordIndex() map[string][]int32 {
	t.wordsOnce.Do(func() {
		ix := map[string][]int32{}
		add := func(k string, i int32) {
			if l := ix[k]; len(l) == 0 || l[len(l)-1] != i {
				ix[k] = append(l, i)
			}
		}
		for i, s := range t.Strings {
			w := filter.SplitWords(s)
			for k, x := range w.List() {
				if !w.Ideographic(k) {
					add(x, int32(i))
					continue
				}
				for _, r := range x {
					add(string(r), int32(i))
				}
			}
		}
		t.words = ix
	})
	return t.words
}

// facets counts, in one pass, the rows c matches (see facetCounter).
func (t *flowTable) facets(c, alt *cond, list []int32) Facets {
	_, _, fc := t.scan(c, alt, list, nil, "", -1, 0)
	return fc
}

// withDocs is c with the union of its and alt's documents, the rows a facet
// pass must see.
func (c *cond) withDocs(alt *cond) *cond {
	if c.docs == nil || alt.docs == nil {
		w := *c
		w.docs = nil
		return &w
	}
	w := *c
	w.docs = make([]bool, len(c.docs))
	for i := range w.docs {
		w.docs[i] = c.docs[i] || alt.docs[i]
	}
	return &w
}

func bitIndex(b uint64) int {
	n := 0
	for b&1 == 0 {
		b >>= 1
		n++
	}
	return n
}

// byCount lists the values with a count, highest count first, then by value.
func byCount(values []string, counts []int) []FacetCount {
	out := []FacetCount{}
	for i, n := range counts {
		if n > 0 {
			out = append(out, FacetCount{Value: values[i], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// byCountIn is byCount for distinct values, with order listing them
// sorted: only counts are compared.
func byCountIn(order []int32, values []string, counts []int) []FacetCount {
	// A counting sort, stable: by count, highest first, each count's
	// values in order.
	most := 0
	var nonzero int
	for _, n := range counts {
		if n > 0 {
			most = max(most, n)
			nonzero++
		}
	}
	if most > 4*nonzero+64 {
		// Counts too spread for an array of them: a comparison sort.
		out := make([]FacetCount, 0, nonzero)
		for _, i := range order {
			if n := counts[i]; n > 0 {
				out = append(out, FacetCount{Value: values[i], Count: n})
			}
		}
		slices.SortStableFunc(out, func(a, b FacetCount) int { return b.Count - a.Count })
		return out
	}
	at := make([]int, most+2) // at[most-n+1]: where the values counted n start
	for _, n := range counts {
		if n > 0 {
			at[most-n+1]++
		}
	}
	for k := 1; k < len(at); k++ {
		at[k] += at[k-1]
	}
	out := make([]FacetCount, nonzero)
	for _, i := range order {
		if n := counts[i]; n > 0 {
			out[at[most-n]] = FacetCount{Value: values[i], Count: n}
			at[most-n]++
		}
	}
	return out
}

// sectionOrder lists the indexes of Sections in the order of their
// values, worked out on first use.
func (t *flowTable) sectionOrder() []int32 {
	t.sectionsOnce.Do(func() {
		t.sectionsSorted = make([]int32, len(t.Sections))
		for i := range t.sectionsSorted {
			t.sectionsSorted[i] = int32(i)
		}
		slices.SortFunc(t.sectionsSorted, func(a, b int32) int { return strings.Compare(t.Sections[a], t.Sections[b]) })
	})
	return t.sectionsSorted
}
