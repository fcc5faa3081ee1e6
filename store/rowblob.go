package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/portolan/portolan/data"
)

// Each flow is also kept whole, as a listing reads it, in one blob of
// flow_rows (migrations/0008_flow_rows.sql): its fields, its section's
// title, its protocols and its endpoints' roles. A page of fifty rows is
// then fifty lookups of one column by rowid, where the flows' twenty-six
// columns joined with their sections, and a query each for protocols and
// roles, cost several times more in SQLite and in converting each column
// through cgo (issue 18). Ports come from the flow table, findings from
// their own table (lint adds some only once every document is in).

// rowVersion is the first byte of every row blob: its encoding.
const rowVersion = 1

// appendRow appends the blob of flow f, with its document doc and the
// section of slug section and title title, to b.
func appendRow(b []byte, doc, section, title string, f *data.Flow) []byte {
	b = append(b, rowVersion)
	for _, s := range [...]string{f.ID, doc, title, section, f.Service, f.Source, f.Destination,
		f.PortsRaw, f.ProtocolRaw, f.AppProtocol, f.Purpose, f.PurposeEn, f.Requirement,
		f.RequirementRaw, f.Direction, f.DirectionRaw, f.DirectionEn, f.Notes, f.NotesEn,
		f.SourceEn, f.DestinationEn} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(f.Line))
	b = binary.AppendVarint(b, int64(f.LineEnd))
	b = binary.AppendVarint(b, int64(f.Ordinal))
	b = binary.AppendUvarint(b, uint64(len(f.Extra)))
	for _, x := range f.Extra {
		b = appendString(appendString(b, x.Name), x.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Protocols)))
	for _, p := range f.Protocols {
		b = appendString(b, p)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Roles)))
	for _, r := range f.Roles {
		b = appendString(appendString(appendString(b, r.Side), r.Role), r.Name)
		guess := byte(0)
		if r.Guess {
			guess = 1
		}
		b = append(b, guess)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errRowBlob = errors.New("flow row: bad encoding")

// rowReader reads a row blob held in one string: every field it gives is
// a substring of it, so a row costs one allocation for its text.
type rowReader struct {
	s   string
	bad bool
}

func (r *rowReader) uvarint() uint64 {
	var x uint64
	for shift := 0; shift < 64; shift += 7 {
		if len(r.s) == 0 {
			break
		}
		c := r.s[0]
		r.s = r.s[1:]
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	r.bad = true
	return 0
}

func (r *rowReader) int() int {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return int(x)
}

func (r *rowReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.bad = true
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

// count reads a number of items that each take at least min bytes.
func (r *rowReader) count(min int) int {
	n := r.uvarint()
	if n > uint64(len(r.s)/min) {
		r.bad = true
		return 0
	}
	return int(n)
}

// decodeRow reads blob (appendRow's) into a flow as a listing returns it:
// with its URL, Protocols and Ports never nil, Ports left empty.
func decodeRow(blob string) (data.Flow, error) {
	if len(blob) == 0 || blob[0] != rowVersion {
		return data.Flow{}, errRowBlob
	}
	r := &rowReader{s: blob[1:]}
	var f data.Flow
	for _, p := range [...]*string{&f.ID, &f.Doc, &f.Section, &f.SectionID, &f.Service, &f.Source,
		&f.Destination, &f.PortsRaw, &f.ProtocolRaw, &f.AppProtocol, &f.Purpose, &f.PurposeEn,
		&f.Requirement, &f.RequirementRaw, &f.Direction, &f.DirectionRaw, &f.DirectionEn, &f.Notes,
		&f.NotesEn, &f.SourceEn, &f.DestinationEn} {
		*p = r.str()
	}
	f.Line, f.LineEnd, f.Ordinal = r.int(), r.int(), r.int()
	if n := r.count(2); n > 0 {
		f.Extra = make([]data.Field, n)
		for k := range f.Extra {
			f.Extra[k] = data.Field{Name: r.str(), Value: r.str()}
		}
	}
	f.Protocols = make([]string, r.count(1))
	for k := range f.Protocols {
		f.Protocols[k] = r.str()
	}
	if n := r.count(4); n > 0 {
		f.Roles = make([]data.EndpointRole, n)
		for k := range f.Roles {
			role := &f.Roles[k]
			role.Side, role.Role, role.Name = r.str(), r.str(), r.str()
			if len(r.s) == 0 {
				r.bad = true
				break
			}
			role.Guess = r.s[0] == 1
			r.s = r.s[1:]
		}
	}
	if r.bad || len(r.s) != 0 {
		return data.Flow{}, errRowBlob
	}
	f.URL = data.FlowURL(f.ID)
	f.Ports = []data.PortRange{}
	return f, nil
}

// rowsAt reads the flows of rows (seq-1) from their blobs, in that order,
// with their ports from the flow table and their findings.
func (db *DB) rowsAt(ctx context.Context, rows []int32) ([]data.Flow, []int, error) {
	seqs := make([]int, len(rows))
	at := make(map[int]int, len(rows))
	for k, i := range rows {
		seqs[k] = int(i) + 1
		at[int(i)+1] = k
	}
	got := make([]data.Flow, len(rows))
	n := 0
	err := func() error {
		q, err := db.db.QueryContext(ctx, `SELECT seq, data FROM flow_rows WHERE seq IN (SELECT value FROM json_each(?))`,
			seqList(seqs))
		if err != nil {
			return err
		}
		defer q.Close()
		var seq int
		var blob sql.RawBytes
		for q.Next() {
			if err := q.Scan(&seq, &blob); err != nil {
				return err
			}
			k, ok := at[seq]
			if !ok {
				return fmt.Errorf("flow seq %d: not asked for", seq)
			}
			if got[k], err = decodeRow(string(blob)); err != nil {
				return fmt.Errorf("flow seq %d: %w", seq, err)
			}
			n++
		}
		return q.Err()
	}()
	if err != nil {
		return nil, nil, err
	}
	if n != len(rows) {
		return nil, nil, fmt.Errorf("%d of %d flows read: database and flow table disagree", n, len(rows))
	}
	t := db.table
	for k, seq := range seqs {
		if seq < 1 || seq > len(t.Doc) {
			return nil, nil, fmt.Errorf("flow seq %d of %d: database and flow table disagree", seq, len(t.Doc))
		}
		for _, p := range t.Ports[t.PortStart[seq-1]:t.PortStart[seq]] {
			got[k].Ports = append(got[k].Ports, data.PortRange{From: int(p >> 16), To: int(p & 0xffff)})
		}
	}
	if err := db.findingsOf(ctx, db.db, got, seqs, t); err != nil {
		return nil, nil, err
	}
	return got, seqs, nil
}
