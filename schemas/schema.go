package schemas

import (
	"time"
)

// Version is the record schema version written in the footer under
// KeySchemaVersion. Readers refuse files whose version is newer and read
// every older one: version 2 added chunk_us (ChunkColumn), version 3
// class (ClassColumn); a version-1 file reads as a run without chunk
// times, a file before version 3 as one whose rows have no class.
const Version = 3

// Footer key-value metadata keys.
const (
	// KeySchemaVersion holds Version as a decimal string.
	KeySchemaVersion = "llmrec.schema_version"
	// KeyRun holds the RunMeta document as JSON.
	KeyRun = "llmrec.run"
)

// Record is one request attempt: one Parquet row. Field order is column
// order. Optional (pointer) fields are written as Parquet nulls when nil.
type Record struct {
	RunID        string    `parquet:"run_id,dict,zstd"`
	Shard        int32     `parquet:"shard,zstd"`
	Seq          int64     `parquet:"seq,zstd"`
	User         int32     `parquet:"user,zstd"`
	Step         int32     `parquet:"step,zstd"`
	Users        int32     `parquet:"users,zstd"`
	ScheduledAt  time.Time `parquet:"scheduled_at,timestamp(microsecond:utc),zstd"`
	Start        time.Time `parquet:"start,timestamp(microsecond:utc),zstd"`
	LatencyMS    float64   `parquet:"latency_ms,zstd"`
	TTFTMS       *float64  `parquet:"ttft_ms,optional,zstd"`
	Status       int32     `parquet:"status,zstd"`
	OK           bool      `parquet:"ok,zstd"`
	ErrorClass   *string   `parquet:"error_class,optional,dict,zstd"`
	Error        *string   `parquet:"error,optional,zstd"`
	PromptTokens *int32    `parquet:"prompt_tokens,optional,zstd"`
	OutputTokens *int32    `parquet:"output_tokens,optional,zstd"`
	Chunks       int32     `parquet:"chunks,zstd"`
	BytesIn      int64     `parquet:"bytes_in,zstd"`
	// ChunkUS (version 2) is when each content chunk of a stream arrived,
	// in µs since the send, ascending: the first is the TTFT's chunk, the
	// gaps between neighbours the inter-token latencies. Nil (a Parquet
	// null) when the request did not stream or chunk times were off
	// (RunMeta.ChunkTimes); empty when a stream carried no content. The
	// element is delta-encoded: offsets grow, so a chunk takes about two
	// bytes on disk (BENCHMARKS.md).
	ChunkUS []int32 `parquet:"chunk_us,optional,list,zstd" parquet-element:",delta"`
	// Class (version 3) is the request class of a --workload file the
	// request was drawn from (Workload.Classes names each); nil without
	// classes.
	Class *string `parquet:"class,optional,dict,zstd"`
}

// ChunkColumn is the column that version 2 added.
const ChunkColumn = "chunk_us"

// ClassColumn is the column that version 3 added (Record.Class).
const ClassColumn = "class"

// MaxChunkTimes bounds the chunk times a row holds: later chunks of a
// longer stream are counted (Chunks) but have no time. 262144 is twice
// the longest answer (128k tokens) a model of today writes, one a chunk.
const MaxChunkTimes = 1 << 18

// MaxChunkUS is the latest offset a chunk time can hold (int32 µs: 35
// minutes); chunks that arrive later have no time.
const MaxChunkUS = 1<<31 - 1

// Columns lists the version-1 column names in file order. Readers check a
// file carries every one of them before reading it, a file of version 2
// or later ChunkColumn too, and one of version 3 or later ClassColumn
// (ColumnsOf).
var Columns = []string{
	"run_id", "shard", "seq", "user", "step", "users", "scheduled_at", "start",
	"latency_ms", "ttft_ms", "status", "ok", "error_class", "error",
	"prompt_tokens", "output_tokens", "chunks", "bytes_in",
}

// ColumnsOf lists the columns a file of schema version v carries.
func ColumnsOf(v int) []string {
	out := append([]string(nil), Columns...)
	if v >= 2 {
		out = append(out, ChunkColumn)
	}
	if v >= 3 {
		out = append(out, ClassColumn)
	}
	return out
}

// MaxErrorLen bounds the length in bytes of Record.Error.
const MaxErrorLen = 256

// ErrorClass values: the fixed, documented set a failed request is put in.
const (
	ErrTimeout     = "timeout"      // the whole request exceeded --timeout
	ErrIdleTimeout = "idle_timeout" // no chunk within --idle-timeout while streaming
	ErrConnect     = "connect"      // TCP connect refused or unreachable
	ErrDNS         = "dns"          // host name did not resolve
	ErrTLS         = "tls"          // TLS handshake or certificate failure
	ErrReset       = "reset"        // connection reset or closed mid-response
	ErrHTTP4xx     = "http_4xx"     // a 4xx status other than 429
	ErrHTTP5xx     = "http_5xx"     // a 5xx status
	ErrRateLimited = "rate_limited" // 429 Too Many Requests
	ErrProtocol    = "protocol"     // malformed response, broken or unfinished stream
	ErrEmpty       = "empty"        // a complete 2xx answer without any content: 0 output tokens though tokens were asked for
	ErrBodyLimit   = "body_limit"   // response body over the size limit
	ErrCanceled    = "canceled"     // canceled by the recorder at the end of the run
	ErrGenerator   = "generator"    // the recorder itself ran out of file descriptors, memory or local ports
)

// ErrorClasses is the whole set, in documentation order.
var ErrorClasses = []string{
	ErrTimeout, ErrIdleTimeout, ErrConnect, ErrDNS, ErrTLS, ErrReset,
	ErrHTTP4xx, ErrHTTP5xx, ErrRateLimited, ErrProtocol, ErrEmpty, ErrBodyLimit, ErrCanceled,
	ErrGenerator,
}

// End reasons recorded in RunMeta.EndReason.
const (
	EndCompleted   = "completed"
	EndInterrupted = "interrupted"
	EndSaturated   = "saturated"
	EndError       = "error"
)

// ToolVersion is the llmrec/llmrep version, stamped at build time with
// -ldflags "-X github.com/llmrec/llmrec/schemas.ToolVersion=...".
var ToolVersion = "dev"
