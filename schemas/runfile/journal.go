package runfile

import (
	"bufio"
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
//	header: "LLMRECJ3" | uint32 len | run metadata JSON (as at start)
//	frame:  uint32 len | uint32 CRC-32C of payload | payload (one Record)
//
// All integers are little endian; the payload layout is encodeRecord's.
// A version-2 payload ends with the chunk times (chunk_us): a presence
// byte, then their count and each one's gap from the one before, as
// unsigned varints. A version-3 payload then ends with the optional
// columns of version 3 (v3Columns): a byte whose bit i says that
// v3Columns[i] is present, then each present one's value in that order
// (a signed varint, or a length-prefixed string for class). A journal of an older version (the magic ends in the
// version: "LLMRECJ1" has no chunk times, "LLMRECJ2" no version-3 tail)
// still reads.

const journalMagic = "LLMRECJ3"

// journalVersion is the record schema version of a journal's magic
// (0: not a journal).
func journalVersion(magic string) int {
	switch magic {
	case "LLMRECJ1":
		return 1
	case "LLMRECJ2":
		return 2
	case journalMagic:
		return 3
	}
	return 0
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

// maxFrame bounds a frame's payload; larger lengths mean a corrupt
// journal. A row's fixed part is a few hundred bytes; its chunk times
// take at most 5 bytes each (MaxChunkTimes of them).
const maxFrame = 1<<16 + 5*schemas.MaxChunkTimes

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
	js, err := meta.Marshal()
	if err != nil {
		return err
	}
	hdr := append([]byte(journalMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(js)))
	j.w.Write(hdr)
	j.w.WriteString(js)
	return j.flush()
}

func (j *journal) append(r *schemas.Record) error {
	j.buf = append(j.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0)
	j.buf = encodeRecord(j.buf, r)
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

// decodeRecord decodes a payload of a journal of version v (1 to 3).
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

// ReadJournal reads a journal: the run metadata as it was at the start and
// every intact record, in order. It stops at the first torn or corrupt
// frame (the end of what reached the disk) and reports how many bytes it
// could not use in tail. It fails only when the header itself is unusable.
func ReadJournal(r io.Reader, fn func(*schemas.Record) error) (meta *schemas.RunMeta, tail int64, err error) {
	br := bufio.NewReaderSize(r, 256*1024)
	hdr := make([]byte, 12)
	_, err = io.ReadFull(br, hdr)
	version := journalVersion(string(hdr[:8]))
	if err != nil || version == 0 {
		return nil, 0, errors.New("not an llmrec journal (bad or missing header)")
	}
	n := binary.LittleEndian.Uint32(hdr[8:])
	if n > 16<<20 {
		return nil, 0, errors.New("journal header is corrupt (metadata length)")
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(br, js); err != nil {
		return nil, 0, errors.New("journal header is truncated")
	}
	meta, err = schemas.DecodeMeta(strconv.Itoa(version), string(js))
	if err != nil {
		return nil, 0, fmt.Errorf("journal header: %w", err)
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
		if size == 0 || size > maxFrame {
			return meta, 8 + rest(br), nil
		}
		if int(size) > cap(payload) {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if k, err := io.ReadFull(br, payload); err != nil {
			return meta, 8 + int64(k), nil
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			return meta, 8 + int64(size) + rest(br), nil
		}
		rec, err := decodeRecord(payload, version)
		if err != nil {
			return meta, 8 + int64(size) + rest(br), nil
		}
		if err := fn(&rec); err != nil {
			return meta, 0, err
		}
	}
}

func rest(r io.Reader) int64 {
	n, _ := io.Copy(io.Discard, r)
	return n
}
