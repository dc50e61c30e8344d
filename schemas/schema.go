package schemas

import (
	"runtime/debug"
	"time"
)

// Version is the record schema version written in the footer under
// KeySchemaVersion. Readers refuse files whose version is newer and read
// every older one: each column added after version 1 (AddedColumns) reads
// as null in a file older than the version that added it. Version 2 added
// chunk_us (a version-1 file reads as a run without chunk times); version
// 3 added turn, prefix, class, max_tokens and prompt_index (the workload
// a request belonged to and what it asked for).
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
	// Turn (version 3) is the request's turn in its user's conversation,
	// 1 to RunMeta.Workload.Turns (--turns): turn k carries the k-1 turns
	// before it. Nil when the run did not hold conversations.
	Turn *int32 `parquet:"turn,optional,zstd"`
	// Prefix (version 3) is which of the run's shared prefixes the prompt
	// starts with, 0 to Workload.Prefixes-1 (--prefixes). Nil without
	// prefixes.
	Prefix *int32 `parquet:"prefix,optional,zstd"`
	// Class (version 3) is the request class of a --workload file the
	// request was drawn from (Workload.Classes names each); nil without
	// classes.
	Class *string `parquet:"class,optional,dict,zstd"`
	// MaxTokens (version 3) is the max_tokens the request asked for: the
	// prompt's own (synthetic or ShareGPT) or the run's; null when the
	// request asked none (the http API) and in older files.
	MaxTokens *int32 `parquet:"max_tokens,optional,zstd"`
	// PromptIndex (version 3) is which prompt of the run's pool the
	// request sent (0-based), the pool being the one the footer's
	// workload rebuilds (its source and seed): llmrec replay sends the
	// same prompt again. Null in older files.
	PromptIndex *int32 `parquet:"prompt_index,optional,zstd"`
}

// ChunkColumn is the column that version 2 added.
const ChunkColumn = "chunk_us"

// The columns version 3 added.
const (
	TurnColumn        = "turn"
	PrefixColumn      = "prefix"
	ClassColumn       = "class"
	MaxTokensColumn   = "max_tokens"
	PromptIndexColumn = "prompt_index"
)

// AddedColumn is a column added after version 1 and the version that
// added it: files of an older version do not have it, and readers read
// it as null there.
type AddedColumn struct {
	Name    string
	Version int
}

// AddedColumns lists every column added after version 1, in file order.
// It is the one place that says which version has which column: the
// readers (the footer check, the analyzer's load, export) ask Has or
// ColumnsOf. A new column is added here, at the end, with the version
// that adds it.
var AddedColumns = []AddedColumn{
	{ChunkColumn, 2},
	{TurnColumn, 3},
	{PrefixColumn, 3},
	{ClassColumn, 3},
	{MaxTokensColumn, 3},
	{PromptIndexColumn, 3},
}

// Has reports whether a file of schema version v has the column named
// (every version has the columns of Columns).
func Has(v int, column string) bool {
	for _, c := range AddedColumns {
		if c.Name == column {
			return v >= c.Version
		}
	}
	for _, c := range Columns {
		if c == column {
			return true
		}
	}
	return false
}

// ColumnsOf returns the columns a file of schema version v carries, in
// file order: Columns and the added columns of version v or older.
func ColumnsOf(v int) []string {
	out := append([]string(nil), Columns...)
	for _, c := range AddedColumns {
		if v >= c.Version {
			out = append(out, c.Name)
		}
	}
	return out
}

// MaxChunkTimes bounds the chunk times a row holds: later chunks of a
// longer stream are counted (Chunks) but have no time. 262144 is twice
// the longest answer (128k tokens) a model of today writes, one a chunk.
const MaxChunkTimes = 1 << 18

// MaxChunkUS is the latest offset a chunk time can hold (int32 µs: 35
// minutes); chunks that arrive later have no time.
const MaxChunkUS = 1<<31 - 1

// Columns lists the version-1 column names in file order. Readers check a
// file carries every one of them before reading it, and the added columns
// of its version (ColumnsOf).
var Columns = []string{
	"run_id", "shard", "seq", "user", "step", "users", "scheduled_at", "start",
	"latency_ms", "ttft_ms", "status", "ok", "error_class", "error",
	"prompt_tokens", "output_tokens", "chunks", "bytes_in",
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
// -ldflags "-X github.com/llmrec/llmrec/schemas.ToolVersion=..." (make
// build). Without it (go install ./cmd/..., go build), it is taken from
// the build information Go records in the binary (see BuildVersion);
// "dev" when there is none (tests).
var ToolVersion = "dev"

func init() {
	if ToolVersion == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			if v := BuildVersion(bi); v != "" {
				ToolVersion = v
			}
		}
	}
}

// BuildVersion is the version in a binary's build information, or "":
// the main module's version when it has one (go install
// module@version, or the pseudo-version Go derives from the VCS), else
// the VCS revision's first 12 characters, with "-dirty" when the work
// tree had changes.
func BuildVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	rev = rev[:min(len(rev), 12)]
	if dirty {
		rev += "-dirty"
	}
	return rev
}
