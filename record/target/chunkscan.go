package target

import (
	"math"
	"unicode/utf8"
)

// chunkInfo is what the client needs from one OpenAI stream chunk.
type chunkInfo struct {
	deltaContent bool // choices[0].delta.content is a non-empty string
	text         bool // choices[0].text is a non-empty string
	// deltaBytes and textBytes are those strings' lengths in bytes, once
	// unescaped (UTF-8): the text the chunk carries.
	deltaBytes, textBytes int
	finish                bool // choices[0].finish_reason is a non-empty string
	usage                 bool // top-level usage is an object
	prompt                int64
	output                int64 // usage.completion_tokens
	hasErr                bool  // top-level error is present and not null
	errStart              int   // the error value is data[errStart:errEnd]
	errEnd                int
	// textStart and textEnd: data[textStart:textEnd] is the last
	// non-empty content string (delta.content or text) with its quotes;
	// 0, 0 when none.
	textStart, textEnd int
}

// content reports whether the chunk carries generated text.
func (c *chunkInfo) content() bool { return c.deltaContent || c.text }

// contentBytes is the length in bytes of the text the chunk carries.
func (c *chunkInfo) contentBytes() int {
	if c.deltaContent {
		return c.deltaBytes
	}
	return c.textBytes
}

// scanChunk validates data as JSON (the grammar of encoding/json.Valid) and
// extracts chunkInfo in one pass without allocating. It replaces
// json.Valid + json.Unmarshal on the per-chunk hot path, where they cost
// microseconds and several allocations per chunk. Keys match exactly
// (OpenAI servers write them in lower case, unescaped); when a key repeats,
// its last value wins, as when decoding into a map. Usage counts that are
// not integers read as 0.
func scanChunk(data []byte) (chunkInfo, bool) {
	s := chunkScanner{data: data}
	s.skipSpace()
	if !s.value(locTop, 0) {
		return chunkInfo{}, false
	}
	s.skipSpace()
	if s.i != len(s.data) {
		return chunkInfo{}, false
	}
	return s.info, true
}

// Semantic locations the scanner tracks.
type loc uint8

const (
	locNone    loc = iota
	locTop         // the top-level value
	locChoices     // top.choices
	locChoice0     // top.choices[0]
	locDelta       // top.choices[0].delta
	locUsage       // top.usage
	// leaves
	locDeltaContent // choices[0].delta.content
	locText         // choices[0].text
	locFinish       // choices[0].finish_reason
	locPrompt       // usage.prompt_tokens
	locOutput       // usage.completion_tokens
	locError        // top.error
)

// maxScanDepth matches encoding/json's nesting limit.
const maxScanDepth = 10000

type chunkScanner struct {
	data []byte
	i    int
	info chunkInfo
}

func (s *chunkScanner) skipSpace() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// child returns the location of key k inside an object at l.
func child(l loc, k []byte) loc {
	switch l {
	case locTop:
		switch string(k) {
		case "choices":
			return locChoices
		case "usage":
			return locUsage
		case "error":
			return locError
		}
	case locChoice0:
		switch string(k) {
		case "delta":
			return locDelta
		case "text":
			return locText
		case "finish_reason":
			return locFinish
		}
	case locDelta:
		if string(k) == "content" {
			return locDeltaContent
		}
	case locUsage:
		switch string(k) {
		case "prompt_tokens":
			return locPrompt
		case "completion_tokens":
			return locOutput
		}
	}
	return locNone
}

// clear forgets what an earlier value at l (a repeated key) said.
func (s *chunkScanner) clear(l loc) {
	in := &s.info
	switch l {
	case locChoices, locChoice0:
		in.deltaContent, in.text, in.finish = false, false, false
		in.deltaBytes, in.textBytes = 0, 0
		in.textStart, in.textEnd = 0, 0
	case locDelta, locDeltaContent:
		in.deltaContent, in.deltaBytes = false, 0
		in.textStart, in.textEnd = 0, 0
	case locText:
		in.text, in.textBytes = false, 0
		in.textStart, in.textEnd = 0, 0
	case locFinish:
		in.finish = false
	case locUsage:
		in.usage, in.prompt, in.output = false, 0, 0
	case locPrompt:
		in.prompt = 0
	case locOutput:
		in.output = 0
	case locError:
		in.hasErr = false
	}
}

// value parses one JSON value at s.i (no leading space) found at l: the
// value replaces whatever an earlier value at l said.
func (s *chunkScanner) value(l loc, depth int) bool {
	if s.i >= len(s.data) {
		return false
	}
	s.clear(l)
	start := s.i
	switch c := s.data[s.i]; {
	case c == '{':
		if depth >= maxScanDepth {
			return false
		}
		if l == locUsage {
			s.info.usage = true
		}
		if !s.object(l, depth+1) {
			return false
		}
	case c == '[':
		if depth >= maxScanDepth {
			return false
		}
		if !s.array(l, depth+1) {
			return false
		}
	case c == '"':
		if !s.strValue(l, start) {
			return false
		}
	case c == '-' || c >= '0' && c <= '9':
		if !s.numValue(l) {
			return false
		}
	case c == 't':
		if !s.lit("true") {
			return false
		}
	case c == 'f':
		if !s.lit("false") {
			return false
		}
	case c == 'n':
		// null: the location stays cleared.
		return s.lit("null")
	default:
		return false
	}
	if l == locError {
		s.info.hasErr = true
		s.info.errStart, s.info.errEnd = start, s.i
	}
	return true
}

// strValue scans the string at s.i, which began at start, found at l.
func (s *chunkScanner) strValue(l loc, start int) bool {
	n, text, ok := s.str()
	if !ok {
		return false
	}
	switch l {
	case locDeltaContent:
		s.info.deltaContent, s.info.deltaBytes = n > 0, text
	case locText:
		s.info.text, s.info.textBytes = n > 0, text
	case locFinish:
		s.info.finish = n > 0
	}
	if n > 0 && (l == locDeltaContent || l == locText) {
		s.info.textStart, s.info.textEnd = start, s.i
	}
	return true
}

// numValue scans the number at s.i found at l.
func (s *chunkScanner) numValue(l loc) bool {
	v, isInt, ok := s.number()
	if !ok {
		return false
	}
	if isInt {
		switch l {
		case locPrompt:
			s.info.prompt = v
		case locOutput:
			s.info.output = v
		}
	}
	return true
}

// more reads what follows a member of an object or an element of an
// array (after space): a comma (more is true) or the closing byte
// (more is false); ok is false on anything else.
func (s *chunkScanner) more(closing byte) (more, ok bool) {
	s.skipSpace()
	if s.i >= len(s.data) {
		return false, false
	}
	switch s.data[s.i] {
	case ',':
		s.i++
		s.skipSpace()
		return true, true
	case closing:
		s.i++
		return false, true
	}
	return false, false
}

func (s *chunkScanner) object(l loc, depth int) bool {
	s.i++ // '{'
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		ks := s.i + 1
		if _, _, ok := s.str(); !ok {
			return false
		}
		key := s.data[ks : s.i-1]
		s.skipSpace()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.skipSpace()
		if !s.value(child(l, key), depth) {
			return false
		}
		if more, ok := s.more('}'); !more {
			return ok
		}
	}
}

func (s *chunkScanner) array(l loc, depth int) bool {
	s.i++ // '['
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return true
	}
	for n := 0; ; n++ {
		el := locNone
		if l == locChoices && n == 0 {
			el = locChoice0
		}
		if !s.value(el, depth) {
			return false
		}
		if more, ok := s.more(']'); !more {
			return ok
		}
	}
}

// str scans a string starting at the opening quote and returns the length
// of its raw (still escaped) content and of its text once unescaped, in
// UTF-8 bytes: an escape \uXXXX counts the bytes of its character (each
// half of a surrogate pair 2, the pair 4).
func (s *chunkScanner) str() (raw, text int, ok bool) {
	start := s.i + 1
	i := start
	d := s.data
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.i = i + 1
			return i - start, text, true
		case c == '\\':
			n := escapeLen(d[i:])
			if n == 0 {
				return 0, 0, false
			}
			text += escapeText(d[i : i+n])
			i += n
		case c < 0x20:
			return 0, 0, false
		default:
			i++
			text++
		}
	}
	return 0, 0, false
}

// escapeLen is the length of the valid escape at the start of e (a
// backslash and what follows), 0 when it is not one.
func escapeLen(e []byte) int {
	if len(e) < 2 {
		return 0
	}
	switch e[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(e) < 6 {
			return 0
		}
		for _, h := range e[2:6] {
			if !isHex(h) {
				return 0
			}
		}
		return 6
	}
	return 0
}

// escapeText is the UTF-8 length of the character a valid escape stands
// for; half of a surrogate pair counts 2 (the pair is 4 bytes).
func escapeText(e []byte) int {
	if len(e) == 2 {
		return 1
	}
	var r rune
	for _, h := range e[2:6] {
		r = r<<4 | rune(unhex(h))
	}
	if r >= 0xd800 && r <= 0xdfff {
		return 2
	}
	return utf8.RuneLen(r)
}

// unhex is the value of a hex digit.
func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// number scans a JSON number; v is its value when it is an integer.
func (s *chunkScanner) number() (v int64, isInt bool, ok bool) {
	d := s.data
	i := s.i
	neg := false
	if d[i] == '-' {
		neg = true
		i++
	}
	if i >= len(d) {
		return 0, false, false
	}
	isInt = true
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			if v > (math.MaxInt64-int64(d[i]-'0'))/10 {
				isInt = false // overflow: not representable
			} else {
				v = v*10 + int64(d[i]-'0')
			}
			i++
		}
	default:
		return 0, false, false
	}
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, false, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, false, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.i = i
	if neg {
		v = -v
	}
	return v, isInt, true
}

func (s *chunkScanner) lit(word string) bool {
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}
