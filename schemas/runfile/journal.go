package runfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// The crash journal is written beside the run file (FILE.journal) while a
// run is in progress and removed once the Parquet file is complete. It is
// an append-only sequence of frames that survives a SIGKILL: everything the
// run has flushed (File.Flush, at least once a second) is in the kernel's
// page cache, and a torn last frame is detected by its checksum.
//
//	header: "LLMRECJ4" | uint32 len | run metadata JSON (as at start)
//	frame:  uint32 len | uint32 CRC-32C of payload | payload
//	payload: kind byte | body
//	  kind 0 (frameRecord): one Record, in encodeRecord's layout
//	  kind 1 (frameMeta):   the run metadata JSON as it is now
//
// All integers are little endian. A metadata frame (File.Checkpoint)
// replaces the metadata of the header and of every metadata frame before
// it: the last whole one is what Recover writes in the footer (what
// changed while the run went on: a search's levels and step ends, the
// live level changes). Its JSON is bounded as the header's is
// (schemas.MaxMetaBytes), and its run id must be the header's; a torn or
// invalid one ends the readable part like a torn record.
//
// A record body of version 2 ends with the chunk times (chunk_us): a
// presence byte, then their count and each one's gap from the one before,
// as unsigned varints. A version-3 body then ends with the optional
// columns of version 3 (v3Columns): a byte whose bit i says that
// v3Columns[i] is present, then each present one's value in that order
// (a signed varint, or a length-prefixed string for class). A journal of
// an older version still reads: the magic ends in the version;
// "LLMRECJ1".."LLMRECJ3" have no kind byte (every payload is one record;
// the metadata is the header's), "LLMRECJ1" no chunk times, "LLMRECJ2" no
// version-3 tail.

const journalMagic = "LLMRECJ4"

// Frame kinds of a version-4 journal: a payload's first byte.
const (
	frameRecord byte = 0
	frameMeta   byte = 1
)

// journalFormat is what a journal's magic says: the record schema
// version of its payloads (0: not a journal) and whether each payload
// starts with its kind byte (version 4 on).
type journalFormat struct {
	schema int
	kinds  bool
}

func journalVersion(magic string) journalFormat {
	switch magic {
	case "LLMRECJ1":
		return journalFormat{schema: 1}
	case "LLMRECJ2":
		return journalFormat{schema: 2}
	case "LLMRECJ3":
		return journalFormat{schema: 3}
	case journalMagic:
		return journalFormat{schema: 3, kinds: true}
	}
	return journalFormat{}
}

// v3Column is one optional column of version 3: an int32 (a signed
// varint in the journal) or, with str set, a string (length-prefixed).
type v3Column struct {
	int func(*schemas.Record) **int32
	str func(*schemas.Record) **string
}

func (c v3Column) present(r *schemas.Record) bool {
	if c.str != nil {
		return *c.str(r) != nil
	}
	return *c.int(r) != nil
}

// v3Columns are the optional columns of version 3, in file order: a
// journal's presence bit i is v3Columns[i]. A column of version 3 is
// added here (at most 8: one presence byte).
var v3Columns = []v3Column{
	{int: func(r *schemas.Record) **int32 { return &r.Turn }},
	{int: func(r *schemas.Record) **int32 { return &r.Prefix }},
	{str: func(r *schemas.Record) **string { return &r.Class }},
	{int: func(r *schemas.Record) **int32 { return &r.MaxTokens }},
	{int: func(r *schemas.Record) **int32 { return &r.PromptIndex }},
}

// appendV3 writes the version-3 tail of r.
func appendV3(b []byte, r *schemas.Record) []byte {
	var present byte
	for i, col := range v3Columns {
		if col.present(r) {
			present |= 1 << i
		}
	}
	b = append(b, present)
	for _, col := range v3Columns {
		switch {
		case !col.present(r):
		case col.str != nil:
			b = appendString(b, **col.str(r))
		default:
			b = binary.AppendVarint(b, int64(**col.int(r)))
		}
	}
	return b
}

// v3 reads the tail appendV3 wrote into r.
func (p *payloadReader) v3(r *schemas.Record) {
	if p.err != nil || len(p.b) == 0 {
		p.err = errBadPayload
		return
	}
	present := p.b[0]
	p.b = p.b[1:]
	if present>>len(v3Columns) != 0 {
		p.err = errBadPayload
		return
	}
	for i, col := range v3Columns {
		switch {
		case present&(1<<i) == 0:
		case col.str != nil:
			v := p.str()
			*col.str(r) = &v
		default:
			v := p.int32()
			*col.int(r) = &v
		}
	}
}

// maxFrame bounds a record frame's payload; larger lengths mean a corrupt
// journal. A row's fixed part is a few hundred bytes; its chunk times
// take at most 5 bytes each (MaxChunkTimes of them).
const maxFrame = 1<<16 + 5*schemas.MaxChunkTimes

// maxMetaFrame bounds a metadata frame's payload: its kind byte and JSON
// bounded as the header's (schemas.MaxMetaBytes).
const maxMetaFrame = 1 + schemas.MaxMetaBytes

// errMetaTooLarge is run metadata over what a journal holds.
var errMetaTooLarge = fmt.Errorf("run metadata over the %d MiB a journal holds", schemas.MaxMetaBytes>>20)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// JournalPath is where the journal of the run file path lives.
func JournalPath(path string) string { return path + ".journal" }

// journal appends records to the crash journal.
type journal struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func createJournal(path string, meta *schemas.RunMeta) (*journal, error) {
	j, err := openJournal(path)
	if err != nil {
		return nil, err
	}
	if err := j.begin(meta); err != nil {
		j.f.Close()
		return nil, err
	}
	return j, nil
}

// openJournal creates the journal file, which must be new: an existing
// journal holds a killed run's rows, and a symbolic link is never followed.
// It locks it (lock.go). begin writes its header.
func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	// Locked for the journal's life; only a recover that opened it in the
	// instant since its creation can hold it already.
	if err := lockFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return &journal{f: f, w: bufio.NewWriterSize(f, 256*1024)}, nil
}

// begin writes the header: the run metadata as it is at the start.
func (j *journal) begin(meta *schemas.RunMeta) error {
	js, err := metaJSON(meta)
	if err != nil {
		return err
	}
	hdr := append([]byte(journalMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(js)))
	j.w.Write(hdr)
	j.w.WriteString(js)
	return j.flush()
}

// metaJSON is meta as the journal holds it (the header's, a metadata
// frame's): at most schemas.MaxMetaBytes of JSON.
func metaJSON(meta *schemas.RunMeta) (string, error) {
	js, err := meta.Marshal()
	if err != nil {
		return "", err
	}
	if len(js) > schemas.MaxMetaBytes {
		return "", errMetaTooLarge
	}
	return js, nil
}

func (j *journal) append(r *schemas.Record) error {
	j.buf = append(j.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0, frameRecord)
	j.buf = encodeRecord(j.buf, r)
	return j.frame()
}

// checkpoint appends a metadata frame: meta replaces the metadata before
// it for Recover.
func (j *journal) checkpoint(meta *schemas.RunMeta) error {
	js, err := metaJSON(meta)
	if err != nil {
		return err
	}
	j.buf = append(append(j.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0, frameMeta), js...)
	return j.frame()
}

// frame writes j.buf, whose first 8 bytes are left for the frame's
// length and checksum, as one frame.
func (j *journal) frame() error {
	payload := j.buf[8:]
	binary.LittleEndian.PutUint32(j.buf[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(j.buf[4:], crc32.Checksum(payload, castagnoli))
	_, err := j.w.Write(j.buf)
	return err
}

// flush hands buffered frames to the kernel; a SIGKILL after it loses none.
func (j *journal) flush() error {
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("write journal: %w", err) // the error names the file
	}
	return nil
}

func (j *journal) close() error {
	err := j.flush()
	if cerr := j.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// Flag bits for the optional fields of a record payload.
const (
	hasTTFT = 1 << iota
	hasErrorClass
	hasError
	hasPromptTokens
	hasOutputTokens
	isOK
)

func encodeRecord(b []byte, r *schemas.Record) []byte {
	var flags byte
	if r.TTFTMS != nil {
		flags |= hasTTFT
	}
	if r.ErrorClass != nil {
		flags |= hasErrorClass
	}
	if r.Error != nil {
		flags |= hasError
	}
	if r.PromptTokens != nil {
		flags |= hasPromptTokens
	}
	if r.OutputTokens != nil {
		flags |= hasOutputTokens
	}
	if r.OK {
		flags |= isOK
	}
	b = append(b, flags)
	b = appendString(b, r.RunID)
	b = binary.AppendVarint(b, int64(r.Shard))
	b = binary.AppendVarint(b, r.Seq)
	b = binary.AppendVarint(b, int64(r.User))
	b = binary.AppendVarint(b, int64(r.Step))
	b = binary.AppendVarint(b, int64(r.Users))
	b = binary.AppendVarint(b, r.ScheduledAt.UnixMicro())
	b = binary.AppendVarint(b, r.Start.UnixMicro())
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.LatencyMS))
	if r.TTFTMS != nil {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*r.TTFTMS))
	}
	b = binary.AppendVarint(b, int64(r.Status))
	if r.ErrorClass != nil {
		b = appendString(b, *r.ErrorClass)
	}
	if r.Error != nil {
		b = appendString(b, *r.Error)
	}
	if r.PromptTokens != nil {
		b = binary.AppendVarint(b, int64(*r.PromptTokens))
	}
	if r.OutputTokens != nil {
		b = binary.AppendVarint(b, int64(*r.OutputTokens))
	}
	b = binary.AppendVarint(b, int64(r.Chunks))
	b = binary.AppendVarint(b, r.BytesIn)
	b = appendChunkTimes(b, r.ChunkUS)
	return appendV3(b, r)
}

// appendChunkTimes writes the version-2 tail: 0 for none (nil), else 1,
// the count and the gaps (the offsets ascend; a later offset that does
// not is written as a gap of 0, which decodes as the one before).
func appendChunkTimes(b []byte, us []int32) []byte {
	if us == nil {
		return append(b, 0)
	}
	us = us[:min(len(us), schemas.MaxChunkTimes)]
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(us)))
	var prev int32
	for _, v := range us {
		b = binary.AppendUvarint(b, uint64(max(0, v-prev)))
		prev = max(prev, v)
	}
	return b
}

// chunkTimes reads the tail appendChunkTimes wrote.
func (p *payloadReader) chunkTimes() []int32 {
	if p.err != nil || len(p.b) == 0 {
		p.err = errBadPayload
		return nil
	}
	has := p.b[0]
	p.b = p.b[1:]
	switch has {
	case 0:
		return nil
	case 1:
	default:
		p.err = errBadPayload
		return nil
	}
	n := p.uvarint()
	if p.err != nil || n > schemas.MaxChunkTimes || n > uint64(len(p.b)) {
		p.err = errBadPayload
		return nil
	}
	us := make([]int32, 0, n)
	var at uint64
	for range n {
		at += p.uvarint()
		if p.err != nil || at > schemas.MaxChunkUS {
			p.err = errBadPayload
			return nil
		}
		us = append(us, int32(at))
	}
	return us
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadPayload = errors.New("malformed journal record")

// payloadReader decodes a record payload, remembering the first error.
type payloadReader struct {
	b   []byte
	err error
}

func (p *payloadReader) varint() int64 {
	if p.err != nil {
		return 0
	}
	v, n := binary.Varint(p.b)
	if n <= 0 {
		p.err = errBadPayload
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *payloadReader) uvarint() uint64 {
	if p.err != nil {
		return 0
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.err = errBadPayload
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *payloadReader) int32() int32 {
	v := p.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		p.err = errBadPayload
	}
	return int32(v)
}

func (p *payloadReader) float() float64 {
	if p.err != nil || len(p.b) < 8 {
		p.err = errBadPayload
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(p.b))
	p.b = p.b[8:]
	return v
}

func (p *payloadReader) str() string {
	if p.err != nil {
		return ""
	}
	n, k := binary.Uvarint(p.b)
	if k <= 0 || n > uint64(len(p.b)-k) {
		p.err = errBadPayload
		return ""
	}
	s := string(p.b[k : k+int(n)])
	p.b = p.b[k+int(n):]
	return s
}

// decodeRecord decodes a record body of schema version v (1 to 3).
func decodeRecord(b []byte, v int) (schemas.Record, error) {
	var r schemas.Record
	if len(b) == 0 {
		return r, errBadPayload
	}
	flags := b[0]
	p := payloadReader{b: b[1:]}
	r.RunID = p.str()
	r.Shard = p.int32()
	r.Seq = p.varint()
	r.User = p.int32()
	r.Step = p.int32()
	r.Users = p.int32()
	r.ScheduledAt = time.UnixMicro(p.varint()).UTC()
	r.Start = time.UnixMicro(p.varint()).UTC()
	r.LatencyMS = p.float()
	if flags&hasTTFT != 0 {
		v := p.float()
		r.TTFTMS = &v
	}
	r.Status = p.int32()
	if flags&hasErrorClass != 0 {
		v := p.str()
		r.ErrorClass = &v
	}
	if flags&hasError != 0 {
		v := p.str()
		r.Error = &v
	}
	if flags&hasPromptTokens != 0 {
		v := p.int32()
		r.PromptTokens = &v
	}
	if flags&hasOutputTokens != 0 {
		v := p.int32()
		r.OutputTokens = &v
	}
	r.Chunks = p.int32()
	r.BytesIn = p.varint()
	if v >= 2 {
		r.ChunkUS = p.chunkTimes()
	}
	if v >= 3 {
		p.v3(&r)
	}
	r.OK = flags&isOK != 0
	if p.err == nil && len(p.b) != 0 {
		p.err = errBadPayload
	}
	return r, p.err
}

// ReadJournal reads a journal: every intact record, in order, and the run
// metadata as it was last journaled (the header's, replaced by each whole
// metadata frame in turn). It stops at the first torn or corrupt frame
// (the end of what reached the disk) and reports how many bytes it could
// not use in tail. It fails only when the header itself is unusable.
func ReadJournal(r io.Reader, fn func(*schemas.Record) error) (meta *schemas.RunMeta, tail int64, err error) {
	br := bufio.NewReaderSize(r, 256*1024)
	format, meta, err := readHeader(br)
	if err != nil {
		return nil, 0, err
	}
	var fh [8]byte
	payload := make([]byte, 0, 512)
	for {
		k, err := io.ReadFull(br, fh[:])
		if err == io.EOF {
			return meta, 0, nil
		}
		if err != nil {
			return meta, int64(k), nil
		}
		size := binary.LittleEndian.Uint32(fh[0:])
		sum := binary.LittleEndian.Uint32(fh[4:])
		if size == 0 || size > maxFrame && (!format.kinds || size > maxMetaFrame) {
			return meta, 8 + rest(br), nil
		}
		payload, k, err = readPayload(br, payload, int(size))
		if err != nil {
			return meta, 8 + int64(k), nil
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			return meta, 8 + int64(size) + rest(br), nil
		}
		rec, next, err := decodeFrame(payload, format, meta)
		switch {
		case err != nil:
			return meta, 8 + int64(size) + rest(br), nil
		case next != nil:
			meta = next
		default:
			if err := fn(&rec); err != nil {
				return meta, 0, err
			}
		}
	}
}

// readHeader reads a journal's header: its format and the metadata as at
// the start.
func readHeader(br io.Reader) (journalFormat, *schemas.RunMeta, error) {
	hdr := make([]byte, 12)
	_, err := io.ReadFull(br, hdr)
	format := journalVersion(string(hdr[:8]))
	if err != nil || format.schema == 0 {
		return format, nil, errors.New("not an llmrec journal (bad or missing header)")
	}
	n := binary.LittleEndian.Uint32(hdr[8:])
	if n > schemas.MaxMetaBytes {
		return format, nil, errors.New("journal header is corrupt (metadata length)")
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(br, js); err != nil {
		return format, nil, errors.New("journal header is truncated")
	}
	meta, err := schemas.DecodeMeta(strconv.Itoa(format.schema), string(js))
	if err != nil {
		return format, nil, fmt.Errorf("journal header: %w", err)
	}
	return format, meta, nil
}

// readPayload reads a frame's payload of size bytes into buf (reused when
// it is large enough). A payload over a record's bound (a metadata frame)
// is read into memory as it arrives, so that a corrupt length allocates
// no more than the bytes that are there. k is how many bytes it read.
func readPayload(br io.Reader, buf []byte, size int) (payload []byte, k int, err error) {
	if size <= maxFrame {
		if size > cap(buf) {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		k, err = io.ReadFull(br, buf)
		return buf, k, err
	}
	var b bytes.Buffer
	n, err := io.CopyN(&b, br, int64(size))
	return b.Bytes(), int(n), err
}

// decodeFrame decodes a whole frame's payload of a journal of format:
// a record, or (next) the metadata that replaces meta.
func decodeFrame(payload []byte, format journalFormat, meta *schemas.RunMeta) (rec schemas.Record, next *schemas.RunMeta, err error) {
	if !format.kinds {
		rec, err = decodeRecord(payload, format.schema)
		return rec, nil, err
	}
	switch payload[0] {
	case frameRecord:
		if len(payload)-1 > maxFrame {
			return rec, nil, errBadPayload
		}
		rec, err = decodeRecord(payload[1:], format.schema)
		return rec, nil, err
	case frameMeta:
		next, err = schemas.DecodeMeta(strconv.Itoa(format.schema), string(payload[1:]))
		if err == nil && next.RunID != meta.RunID {
			err = errors.New("journal metadata frame of another run")
		}
		return rec, next, err
	}
	return rec, nil, errBadPayload
}

func rest(r io.Reader) int64 {
	n, _ := io.Copy(io.Discard, r)
	return n
}
