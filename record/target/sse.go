package target

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// errSSELine reports an SSE line longer than the parser's bound.
var errSSELine = errors.New("sse line too long")

// errSSEEvent reports an SSE event whose data (its data lines joined) is
// longer than the parser's bound: one event split over thousands of data
// lines would otherwise grow up to the whole body limit.
var errSSEEvent = errors.New("sse event too long")

// sseReader splits a text/event-stream into events and returns the data of
// each. It follows the WHATWG event-stream rules that matter for LLM APIs:
// lines end in LF or CRLF (a lone CR is not a line end), a line starting
// with ':' is a comment, "data" fields are joined with LF, other fields
// (event, id, retry) are ignored, a blank line dispatches the event, one
// leading space after the colon is dropped and a leading UTF-8 BOM is
// skipped. Unlike a browser it also dispatches an event that is still
// pending when the stream ends without its blank line, so a final
// "data: [DONE]" without the trailing blank line still counts.
//
// Lines, and the data of one event (its data lines joined with LF), are
// bounded by max bytes each; reads of the underlying reader may split
// events anywhere. It is not safe for concurrent use.
type sseReader struct {
	r       *bufio.Reader
	max     int
	data    []byte // pending event data
	hasData bool   // a data field was seen since the last dispatch
	long    []byte // assembles lines longer than the bufio buffer
	started bool
}

func (s *sseReader) reset(r *bufio.Reader, max int) {
	s.r, s.max = r, max
	s.data = s.data[:0]
	s.long = s.long[:0]
	s.hasData, s.started = false, false
}

// next returns the data of the next event. The slice is valid until the
// next call. At the end of the stream it returns io.EOF; a read error is
// returned as is; an over-long line gives an error wrapping errSSELine, an
// over-long event one wrapping errSSEEvent.
func (s *sseReader) next() ([]byte, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && s.hasData {
				s.hasData = false
				return s.dispatch(), nil
			}
			return nil, err
		}
		if len(line) == 0 {
			if s.hasData {
				s.hasData = false
				return s.dispatch(), nil
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		name, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(name) != "data" {
			continue
		}
		if s.hasData {
			if len(s.data)+1+len(value) > s.max {
				return nil, fmt.Errorf("%w (over %d bytes of data in one event)", errSSEEvent, s.max)
			}
			s.data = append(s.data, '\n')
		} else {
			s.data = s.data[:0]
			s.hasData = true
		}
		s.data = append(s.data, value...)
	}
}

func (s *sseReader) dispatch() []byte { return s.data }

// readLine returns the next line without its end. At the end of the stream
// a last unterminated line is returned first, then io.EOF.
func (s *sseReader) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(s.long) > s.max {
				return nil, fmt.Errorf("%w (over %d bytes)", errSSELine, s.max)
			}
			line, err = s.r.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	if len(line) > s.max+2 {
		return nil, fmt.Errorf("%w (over %d bytes)", errSSELine, s.max)
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			// Unterminated last line: return it now, EOF on the next call.
			return s.trim(line), nil
		}
		return nil, err
	}
	return s.trim(line), nil
}

func (s *sseReader) trim(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !s.started {
		s.started = true
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	return line
}
