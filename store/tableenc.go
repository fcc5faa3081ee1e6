package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The flow table's encoding (flowTableFormat 3): every column as fixed-width
// little-endian integers after its length, every list of strings as the
// lengths of its values and then their bytes, one after the other in the
// order of tableColumns. Opening a dataset reads it straight into its
// slices, a copy per column and one string per list (the values are slices
// of it), where gob decoded a million-row table value by value: 1.6 s of
// a start at a million flows, against tens of milliseconds.

// tableColumns lists the table's encoded fields in their order in the blob,
// each as one of *[]string, *[]int32, *[]uint16, *[]uint32 or *[]uint64.
func (t *flowTable) tableColumns() []any {
	return []any{
		&t.Docs, &t.DocStart, &t.Sections, &t.Strings, &t.Protocols, &t.Values,
		&t.Doc, &t.Section, &t.Source, &t.Destination, &t.Protos, &t.Req, &t.Dir,
		&t.PortStart, &t.Ports, &t.ByPort, &t.Roles, &t.SrcRoles, &t.DstRoles,
		(*[]uint64)(&t.Findings),
	}
}

func (t *flowTable) encode() ([]byte, error) {
	var b []byte
	for _, c := range t.tableColumns() {
		switch c := c.(type) {
		case *[]string:
			lens := make([]uint32, len(*c))
			for i, s := range *c {
				if len(s) > math.MaxUint32 {
					return nil, errors.New("flow table: a value longer than 4 GB")
				}
				lens[i] = uint32(len(s))
			}
			b = appendColumn(b, lens)
			for _, s := range *c {
				b = append(b, s...)
			}
		case *[]int32:
			b = appendColumn(b, *c)
		case *[]uint16:
			b = appendColumn(b, *c)
		case *[]uint32:
			b = appendColumn(b, *c)
		case *[]uint64:
			b = appendColumn(b, *c)
		default:
			panic(fmt.Sprintf("flow table: column of type %T", c))
		}
	}
	return b, nil
}

// decodeTable fills t's columns from blob, as encode wrote them.
func (t *flowTable) decode(blob []byte) error {
	r := tableReader{b: blob}
	for _, c := range t.tableColumns() {
		switch c := c.(type) {
		case *[]string:
			*c, _ = r.strings(readColumn[uint32](&r))
		case *[]int32:
			*c = readColumn[int32](&r)
		case *[]uint16:
			*c = readColumn[uint16](&r)
		case *[]uint32:
			*c = readColumn[uint32](&r)
		case *[]uint64:
			*c = readColumn[uint64](&r)
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes after the last column", len(r.b))
	}
	return r.err
}

// appendColumn appends col's length and then its values, little-endian.
func appendColumn[T int32 | uint16 | uint32 | uint64](b []byte, col []T) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(col)))
	b, err := binary.Append(b, binary.LittleEndian, col)
	if err != nil {
		panic(err) // a slice of fixed-size integers always encodes
	}
	return b
}

// tableReader reads an encoded table from its front; its first error sticks.
type tableReader struct {
	b   []byte
	err error
}

// next returns the next n bytes, or nil (and sets err) when fewer are left.
func (r *tableReader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errors.New("truncated")
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

// strings reads the bytes of a list of strings of the lengths lens, all of
// them copied out of r's memory in one string, and returns the list and
// how many bytes it took.
func (r *tableReader) strings(lens []uint32) ([]string, int) {
	total := 0
	for _, n := range lens {
		total += int(n)
	}
	all := string(r.next(total))
	list := make([]string, len(lens))
	at := 0
	for i, n := range lens {
		if r.err != nil {
			break
		}
		list[i] = all[at : at+int(n)]
		at += int(n)
	}
	return list, total
}

// readColumn reads a column appendColumn wrote.
func readColumn[T int32 | uint16 | uint32 | uint64](r *tableReader) []T {
	head := r.next(8)
	if head == nil {
		return nil
	}
	n := binary.LittleEndian.Uint64(head)
	size := uint64(binary.Size(T(0)))
	if n > uint64(len(r.b))/size {
		r.err = errors.New("truncated")
		return nil
	}
	col := make([]T, n)
	if _, err := binary.Decode(r.next(int(n*size)), binary.LittleEndian, col); err != nil {
		r.err = err
		return nil
	}
	return col
}
