package store

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/portolan/portolan/data"
)

// The flow table file (Options: TableFile) keeps the flow table beside the
// database, as the columns are in memory, with what listings derive from
// them (the packed facet rows, the port index, the sections' order), so
// that a server maps it and uses it in place: at a million flows, reading
// the table's blob out of SQLite and decoding it into fresh memory took
// most of a second of CPU at every start, two thirds of it the kernel
// handing the process new pages; mapping the file takes about a
// millisecond. The database stays the source of truth: the file is derived
// from its table, named by a key of that table (tableKey), and checked
// whole (length, format, key, checksum) before it is used; a file that
// fails any check is never trusted, and a new one is written from the
// database.
//
// Layout, every integer in the machine's byte order (part of the key): a
// 32-byte header (tableFileMagic, tableFileFormat, the key's length, the
// body's length, the CRC-32C of the body), the key, then the body: each
// column of fileColumns as its length (uint64) and its values, padded to 8
// bytes, so that every column starts aligned; a list of strings as the
// lengths of its values (a uint32 column) and then their bytes.

// tableFileFormat is the version of the file's layout and of what it holds.
const tableFileFormat = 1

var tableFileMagic = [8]byte{'P', 'T', 'L', 'N', 'T', 'A', 'B', '\n'}

const tableFileHeader = 32

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// tableKey names the database table a file is derived from: the dataset,
// the binary that built it and the table's encoding and size, with the
// layout of this machine's values.
func tableKey(format, size int, dataset, extractor string) string {
	order := "le"
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		order = "be"
	}
	return fmt.Sprintf("portolan flow table file %d; table format %d, %d bytes; dataset %s; extractor %s; %s, facet row %d bytes",
		tableFileFormat, format, size, dataset, extractor, order, unsafe.Sizeof(facetRow{}))
}

// dbTableKey is the tableKey of db's flow table, read without reading the
// table itself.
func dbTableKey(ctx context.Context, q querier) (string, error) {
	var format, size int
	var dataset, extractor string
	err := q.QueryRowContext(ctx, `SELECT format, length(data),
		(SELECT value FROM meta WHERE key = 'dataset_version'),
		(SELECT value FROM meta WHERE key = 'extractor_version') FROM flow_table`).Scan(&format, &size, &dataset, &extractor)
	if err != nil {
		return "", err
	}
	return tableKey(format, size, dataset, extractor), nil
}

// fileColumns are the columns the file holds, in their order: the table's
// own (tableColumns), what listings derive from them, and the documents'
// summaries. Each is one of *[]string, *[]int32, *[]uint16, *[]uint32,
// *[]uint64 or *[]facetRow.
func (t *flowTable) fileColumns(ix *portIndex, dc *summaryColumns) []any {
	cols := append(t.tableColumns(), &t.packed, &t.sectionsSorted,
		&ix.singleStart, &ix.singleRows, &ix.wide, &ix.wideStart, &ix.wideRows)
	for i := range dc.Fields {
		cols = append(cols, &dc.Fields[i])
	}
	return append(cols, &dc.Skipped, &dc.Hosts, &dc.Flows,
		&dc.SecStart, &dc.SecSlug, &dc.SecTitle, &dc.SecTitleEn, &dc.SecOrdinal, &dc.SecLine, &dc.SecFlows)
}

// summaryColumns are the documents' summaries (Documents) as the file keeps
// them, a column per field.
type summaryColumns struct {
	Fields  [13][]string // docFields
	Skipped []string     // as JSON; "" for none
	Hosts   []uint32     // HostCount
	Flows   []uint32     // FlowCount
	// SecStart[d] to SecStart[d+1]-1 are document d's sections, in order.
	SecStart                      []uint32
	SecSlug, SecTitle, SecTitleEn []string
	SecOrdinal, SecLine           []int32
	SecFlows                      []uint32
}

// docFields are the string fields of d the file keeps, in summaryColumns'
// order.
func docFields(d *data.Document) [13]*string {
	return [13]*string{&d.Slug, &d.File, &d.Vendor, &d.Product, &d.Title, &d.Language, &d.SourceLanguage,
		&d.URL, &d.Created, &d.Updated, &d.Subject, &d.Checksum, &d.Format}
}

// newDocColumns makes the columns of docs.
func newDocColumns(docs []DocSummary) (*summaryColumns, error) {
	dc := &summaryColumns{SecStart: []uint32{0}}
	for i := range docs {
		d := &docs[i]
		for k, f := range docFields(&d.Document) {
			dc.Fields[k] = append(dc.Fields[k], *f)
		}
		skipped := ""
		if len(d.Skipped) > 0 {
			b, err := json.Marshal(d.Skipped)
			if err != nil {
				return nil, err
			}
			skipped = string(b)
		}
		dc.Skipped = append(dc.Skipped, skipped)
		dc.Hosts = append(dc.Hosts, uint32(d.HostCount))
		dc.Flows = append(dc.Flows, uint32(d.FlowCount))
		for _, s := range d.Sections {
			dc.SecSlug = append(dc.SecSlug, s.Slug)
			dc.SecTitle = append(dc.SecTitle, s.Title)
			dc.SecTitleEn = append(dc.SecTitleEn, s.TitleEn)
			dc.SecOrdinal = append(dc.SecOrdinal, int32(s.Ordinal))
			dc.SecLine = append(dc.SecLine, int32(s.Line))
			dc.SecFlows = append(dc.SecFlows, uint32(s.FlowCount))
		}
		dc.SecStart = append(dc.SecStart, uint32(len(dc.SecSlug)))
	}
	return dc, nil
}

// summaries are the documents' summaries dc holds, as Documents returns
// them.
func (dc *summaryColumns) summaries() ([]DocSummary, error) {
	n := len(dc.Hosts)
	for _, col := range dc.Fields {
		if len(col) != n {
			return nil, errors.New("document columns of different lengths")
		}
	}
	s := len(dc.SecSlug)
	if len(dc.Skipped) != n || len(dc.Flows) != n || len(dc.SecStart) != n+1 || int(dc.SecStart[n]) != s ||
		len(dc.SecTitle) != s || len(dc.SecTitleEn) != s || len(dc.SecOrdinal) != s || len(dc.SecLine) != s ||
		len(dc.SecFlows) != s {
		return nil, errors.New("section columns of different lengths")
	}
	docs := make([]DocSummary, n)
	secs := make([]SectionSummary, s)
	for i := range secs {
		secs[i] = SectionSummary{Section: data.Section{Slug: dc.SecSlug[i], Title: dc.SecTitle[i], TitleEn: dc.SecTitleEn[i],
			Ordinal: int(dc.SecOrdinal[i]), Line: int(dc.SecLine[i]), Flows: []data.Flow{}}, FlowCount: int(dc.SecFlows[i])}
	}
	for i := range docs {
		d := &docs[i]
		for k, f := range docFields(&d.Document) {
			*f = dc.Fields[k][i]
		}
		if dc.Skipped[i] != "" {
			if err := json.Unmarshal([]byte(dc.Skipped[i]), &d.Skipped); err != nil {
				return nil, err
			}
		}
		d.Document.Sections = []data.Section{}
		d.Hosts = []data.Host{}
		d.HostCount, d.FlowCount = int(dc.Hosts[i]), int(dc.Flows[i])
		from, to := dc.SecStart[i], dc.SecStart[i+1]
		if from > to {
			return nil, errors.New("sections out of order")
		}
		d.Sections = secs[from:to:to]
	}
	return docs, nil
}

// writeTableFile writes t, with what listings derive from it, to path
// under key: into a temporary file renamed over path once complete, so
// that a reader sees the whole of one file or none.
func writeTableFile(path, key string, t *flowTable, docs []DocSummary) (err error) {
	dc, err := newDocColumns(docs)
	if err != nil {
		return err
	}
	ix := t.portIndex()
	t.facetRows()
	t.sectionOrder()
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	head := make([]byte, tableFileHeader)
	keyLen := pad8(len(key))
	if _, err := f.Seek(int64(tableFileHeader+keyLen), io.SeekStart); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	counted := &countingWriter{w: io.MultiWriter(f, crc)}
	w := bufio.NewWriterSize(counted, 1<<20)
	for _, c := range t.fileColumns(ix, dc) {
		switch c := c.(type) {
		case *[]string:
			lens := make([]uint32, len(*c))
			for i, s := range *c {
				if uint64(len(s)) > 1<<32-1 {
					return errors.New("flow table: a value longer than 4 GB")
				}
				lens[i] = uint32(len(s))
			}
			writeColumn(w, lens)
			n := 0
			for _, s := range *c {
				w.WriteString(s)
				n += len(s)
			}
			w.Write(make([]byte, pad8(n)-n))
		case *[]int32:
			writeColumn(w, *c)
		case *[]uint16:
			writeColumn(w, *c)
		case *[]uint32:
			writeColumn(w, *c)
		case *[]uint64:
			writeColumn(w, *c)
		case *[]facetRow:
			writeColumn(w, *c)
		default:
			panic(fmt.Sprintf("flow table file: column of type %T", c))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	copy(head, tableFileMagic[:])
	binary.NativeEndian.PutUint32(head[8:], tableFileFormat)
	binary.NativeEndian.PutUint32(head[12:], uint32(len(key)))
	binary.NativeEndian.PutUint64(head[16:], uint64(counted.n))
	binary.NativeEndian.PutUint32(head[24:], crc.Sum32())
	keyBytes := make([]byte, keyLen)
	copy(keyBytes, key)
	if _, err := f.WriteAt(append(head, keyBytes...), 0); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeColumn writes col's length and then its values as they are in
// memory, padded to 8 bytes. Errors stick in w.
func writeColumn[T int32 | uint16 | uint32 | uint64 | facetRow](w *bufio.Writer, col []T) {
	var n [8]byte
	binary.NativeEndian.PutUint64(n[:], uint64(len(col)))
	w.Write(n[:])
	size := len(col) * int(unsafe.Sizeof(*new(T)))
	if size > 0 {
		w.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(col))), size))
	}
	w.Write(make([]byte, pad8(size)-size))
}

func pad8(n int) int { return (n + 7) &^ 7 }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// tableMap is a table file mapped into memory. The columns of a table read
// from it are its memory, so it is unmapped only once nothing refers to
// it: the table (and its port index) keeps it, and the runtime unmaps it
// after the table is gone (runtime.AddCleanup).
type tableMap struct {
	b []byte
}

// errTableFile is wrapped by every reason readTableFile refuses a file.
var errTableFile = errors.New("flow table file unusable")

// readTableFile maps the file at path and returns the table it holds,
// its derived parts filled in, and the documents' summaries, if the file
// is whole and was written under key; else an error (wrapping
// fs.ErrNotExist when there is no file).
func readTableFile(path, key string) (*flowTable, []DocSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	if size < tableFileHeader || size > 1<<40 {
		return nil, nil, fmt.Errorf("%w: %d bytes", errTableFile, size)
	}
	// Populated now, in one call, rather than a page fault at a time.
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, nil, err
	}
	m := &tableMap{b: b}
	t, docs, err := m.table(key)
	if err != nil {
		syscall.Munmap(b)
		return nil, nil, err
	}
	runtime.AddCleanup(m, func(b []byte) { syscall.Munmap(b) }, b)
	return t, docs, nil
}

// table checks m's file and reads the table and summaries it holds.
func (m *tableMap) table(key string) (*flowTable, []DocSummary, error) {
	b := m.b
	if [8]byte(b[:8]) != tableFileMagic {
		return nil, nil, fmt.Errorf("%w: not a flow table file", errTableFile)
	}
	if v := binary.NativeEndian.Uint32(b[8:]); v != tableFileFormat {
		return nil, nil, fmt.Errorf("%w: format %d, want %d", errTableFile, v, tableFileFormat)
	}
	keyLen := uint64(binary.NativeEndian.Uint32(b[12:]))
	bodyLen := binary.NativeEndian.Uint64(b[16:])
	start := tableFileHeader + uint64(pad8(int(keyLen)))
	if start > uint64(len(b)) || bodyLen != uint64(len(b))-start {
		return nil, nil, fmt.Errorf("%w: %d bytes, header says %d", errTableFile, len(b), start+bodyLen)
	}
	if got := string(b[tableFileHeader : tableFileHeader+keyLen]); got != key {
		return nil, nil, fmt.Errorf("%w: written for %q, want %q", errTableFile, got, key)
	}
	body := b[start:]
	if crc32.Checksum(body, castagnoli) != binary.NativeEndian.Uint32(b[24:]) {
		return nil, nil, fmt.Errorf("%w: checksum does not match", errTableFile)
	}
	t := &flowTable{keep: m}
	ix := &portIndex{keep: m}
	dc := &summaryColumns{}
	r := tableReader{b: body}
	for _, c := range t.fileColumns(ix, dc) {
		switch c := c.(type) {
		case *[]string:
			// Copied: strings go out to callers, who may keep them
			// after the file is unmapped.
			list, total := r.strings(viewColumn[uint32](&r))
			r.next(pad8(total) - total)
			*c = list
		case *[]int32:
			*c = viewColumn[int32](&r)
		case *[]uint16:
			*c = viewColumn[uint16](&r)
		case *[]uint32:
			*c = viewColumn[uint32](&r)
		case *[]uint64:
			*c = viewColumn[uint64](&r)
		case *[]facetRow:
			*c = viewColumn[facetRow](&r)
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes after the last column", len(r.b))
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errTableFile, r.err)
	}
	if err := t.check(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errTableFile, err)
	}
	n := len(t.Doc)
	if len(t.packed) == 0 {
		t.packed = nil // the rows did not fit (see facetRows)
	}
	if len(t.packed) != n && t.packed != nil || len(t.sectionsSorted) != len(t.Sections) ||
		len(ix.singleStart) != 65537 || int(ix.singleStart[65536]) != len(ix.singleRows) ||
		len(ix.wideStart) != len(ix.wide)+1 || int(ix.wideStart[len(ix.wide)]) != len(ix.wideRows) {
		return nil, nil, fmt.Errorf("%w: derived columns of the wrong length", errTableFile)
	}
	docs, err := dc.summaries()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errTableFile, err)
	}
	ix.n = n
	t.facetOnce.Do(func() {})
	t.sectionsOnce.Do(func() {})
	t.portIxOnce.Do(func() { t.portIx = ix })
	return t, docs, nil
}

// viewColumn returns the next column of r, one writeColumn wrote, as a
// slice of r's memory.
func viewColumn[T int32 | uint16 | uint32 | uint64 | facetRow](r *tableReader) []T {
	head := r.next(8)
	if head == nil {
		return nil
	}
	n := binary.NativeEndian.Uint64(head)
	size := uint64(unsafe.Sizeof(*new(T)))
	if n > uint64(len(r.b))/size {
		r.err = errors.New("truncated")
		return nil
	}
	b := r.next(pad8(int(n * size)))
	if b == nil {
		return nil
	}
	if n == 0 {
		return []T{}
	}
	if uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(*new(T)) != 0 {
		r.err = errors.New("column not aligned")
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}
