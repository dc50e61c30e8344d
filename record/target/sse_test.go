package target

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// sseEvents parses all of in and returns the events and the final error
// (nil for a clean end).
func sseEvents(r io.Reader, max int) ([]string, error) {
	var s sseReader
	s.reset(bufio.NewReaderSize(r, 16), max)
	var evs []string
	for {
		d, err := s.next()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, string(d))
	}
}

func TestSSE(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"simple", "data: a\n\ndata: b\n\n", []string{"a", "b"}, nil},
		{"no space", "data:a\n\n", []string{"a"}, nil},
		{"two spaces keep one", "data:  a\n\n", []string{" a"}, nil},
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}, nil},
		{"multi-line data", "data: a\ndata: b\n\n", []string{"a\nb"}, nil},
		{"comments and other fields", ": keep-alive\nevent: message\nid: 7\nretry: 10\ndata: x\n\n: bye\n", []string{"x"}, nil},
		{"blank lines between", "\n\n\ndata: a\n\n\n\n", []string{"a"}, nil},
		{"field without colon", "data\n\n", []string{""}, nil},
		{"empty data", "data:\n\n", []string{""}, nil},
		{"event without data is dropped", "event: ping\n\ndata: a\n\n", []string{"a"}, nil},
		{"pending event at EOF", "data: [DONE]", []string{"[DONE]"}, nil},
		{"pending event at EOF with newline", "data: [DONE]\n", []string{"[DONE]"}, nil},
		{"bom", "\xef\xbb\xbfdata: a\n\n", []string{"a"}, nil},
		{"colon in value", "data: {\"a\":1}\n\n", []string{`{"a":1}`}, nil},
		{"data-ish field name", "dataX: no\ndata: yes\n\n", []string{"yes"}, nil},
		{"line too long", "data: " + strings.Repeat("x", 100) + "\n\n", nil, errSSELine},
		{"long line within bound", "data: " + strings.Repeat("y", 50) + "\n\n", []string{strings.Repeat("y", 50)}, nil},
		{"event too long", strings.Repeat("data: 0123456789\n", 6) + "\n", nil, errSSEEvent},
		{"event of many short lines within bound", strings.Repeat("data: 0123456789\n", 5) + "\n", []string{strings.TrimSuffix(strings.Repeat("0123456789\n", 5), "\n")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "one byte", "half"} {
				var r io.Reader = strings.NewReader(tt.in)
				switch mode {
				case "one byte":
					r = iotest.OneByteReader(r)
				case "half":
					r = iotest.HalfReader(r)
				}
				got, err := sseEvents(r, 64)
				if !errors.Is(err, tt.err) {
					t.Fatalf("%s: err = %v, want %v", mode, err, tt.err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
					t.Errorf("%s: events = %q, want %q", mode, got, tt.want)
				}
			}
		})
	}
}

func TestSSEReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := sseEvents(r, 64)
	if !errors.Is(err, boom) || len(got) != 1 || got[0] != "a" {
		t.Errorf("events %q err %v", got, err)
	}
}

// FuzzSSE checks that the parser never panics, that events never exceed
// the input, and that the events do not depend on how reads split the
// stream.
func FuzzSSE(f *testing.F) {
	for _, s := range []string{
		"data: a\n\n",
		"data: a\r\ndata: b\r\n\r\n",
		": c\nevent: x\ndata: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n",
		"data:\n\ndata\n\n",
		"\xef\xbb\xbfdata: x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, errW := sseEvents(strings.NewReader(string(in)), 256)
		bytewise, errB := sseEvents(iotest.OneByteReader(strings.NewReader(string(in))), 256)
		if (errW == nil) != (errB == nil) {
			t.Fatalf("errors differ: %v vs %v", errW, errB)
		}
		if errW != nil && !errors.Is(errW, errSSELine) && !errors.Is(errW, errSSEEvent) {
			t.Fatalf("unexpected error %v", errW)
		}
		if len(whole) != len(bytewise) {
			t.Fatalf("event counts differ: %q vs %q", whole, bytewise)
		}
		total := 0
		for i := range whole {
			if whole[i] != bytewise[i] {
				t.Fatalf("event %d differs: %q vs %q", i, whole[i], bytewise[i])
			}
			total += len(whole[i])
		}
		if total > len(in) {
			t.Fatalf("events (%d bytes) longer than the input (%d)", total, len(in))
		}
	})
}

// endlessEvent is one SSE event that never ends: data lines for ever.
type endlessEvent struct{ line []byte }

func (e endlessEvent) Read(p []byte) (int, error) {
	n := 0
	for n+len(e.line) <= len(p) {
		n += copy(p[n:], e.line)
	}
	if n == 0 {
		n = copy(p, e.line[:len(p)])
	}
	return n, nil
}

// TestSSEEventBound: an event split over endless data lines fails at the
// bound instead of growing with the body (on the old code this test runs
// until memory runs out); the buffers stay near the bound.
func TestSSEEventBound(t *testing.T) {
	const max = 64 << 10
	for _, line := range []string{"data: " + strings.Repeat("z", 1000) + "\n", "data:\n", "data: x\r\n"} {
		var s sseReader
		s.reset(bufio.NewReaderSize(endlessEvent{[]byte(line)}, 4096), max)
		_, err := s.next()
		if !errors.Is(err, errSSEEvent) {
			t.Fatalf("%q: err = %v, want errSSEEvent", line, err)
		}
		if cap(s.data) > 2*max || cap(s.long) > 2*max {
			t.Errorf("%q: buffers grew to %d and %d bytes for a bound of %d", line, cap(s.data), cap(s.long), max)
		}
	}
}
