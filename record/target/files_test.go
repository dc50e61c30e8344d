package target

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunFilesMustBeRegular: --prompts and --body @FILE naming a FIFO, a
// directory or a device are refused at once, naming what the file is.
// Before, a FIFO blocked in open (no signal could end it) and a device
// was read as far as it went.
func TestRunFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	loaders := map[string]func(string) error{
		"prompts": func(p string) error { _, err := LoadPrompts(context.Background(), p); return err },
		"body":    func(p string) error { _, err := LoadBody(context.Background(), p); return err },
	}
	for name, load := range loaders {
		for _, tt := range []struct{ path, want string }{
			{fifo, "a named pipe (FIFO), not a regular file"},
			{dir, "is a directory"},
			{os.DevNull, "a device, not a regular file"},
		} {
			t.Run(name+"/"+filepath.Base(tt.path), func(t *testing.T) {
				done := make(chan error, 1)
				go func() { done <- load(tt.path) }()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
						t.Errorf("error %v; want one naming %s: %s", err, tt.path, tt.want)
					}
				case <-time.After(5 * time.Second):
					// Let the blocked open return, so the goroutine ends.
					if w, err := os.OpenFile(tt.path, os.O_WRONLY, 0); err == nil {
						w.Close()
					}
					t.Fatalf("still blocked 5 s later: a %s file that is not regular must be refused, not opened", name)
				}
			})
		}
	}
}

// TestRunFilesAreBounded: a prompt file over MaxPromptFileBytes or a body
// template over MaxBodyFileBytes is refused by its size before a byte is
// read (sparse files here), and a canceled context stops the read.
func TestRunFilesAreBounded(t *testing.T) {
	dir := t.TempDir()
	sparse := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	big := sparse("big.txt", MaxPromptFileBytes+1)
	if _, err := LoadPrompts(context.Background(), big); err == nil || !strings.Contains(err.Error(), "over the limit of 1024 MiB") {
		t.Errorf("prompts over the limit: %v", err)
	}
	body := sparse("body.json", MaxBodyFileBytes+1)
	if _, err := LoadBody(context.Background(), body); err == nil || !strings.Contains(err.Error(), "over the limit of 16 MiB") {
		t.Errorf("body over the limit: %v", err)
	}
	ok := filepath.Join(dir, "ok.txt")
	if err := os.WriteFile(ok, []byte(strings.Repeat("a prompt\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted by SIGTERM")
	cancel(stop)
	if _, err := LoadPrompts(ctx, ok); !errors.Is(err, stop) {
		t.Errorf("canceled context: %v; want the cancel cause", err)
	}
	if _, err := LoadBody(ctx, ok); !errors.Is(err, stop) {
		t.Errorf("canceled context (body): %v; want the cancel cause", err)
	}
}

// lines is an endless-looking input: n lines of text, then EOF.
type lines struct {
	n    int
	line string
	rest string
}

func (l *lines) Read(p []byte) (int, error) {
	if l.rest == "" {
		if l.n == 0 {
			return 0, io.EOF
		}
		l.n--
		l.rest = l.line
	}
	k := copy(p, l.rest)
	l.rest = l.rest[k:]
	return k, nil
}

// TestPromptSetIsBounded: however the prompts come (plain lines, JSONL,
// ShareGPT), at most MaxPrompts prompts and MaxPromptBytes of text are
// kept, and one ShareGPT conversation is bounded like a line; past a
// bound the read fails with a message saying which. Before, an endless
// input was read until memory ran out.
func TestPromptSetIsBounded(t *testing.T) {
	// The real bound on the count: 4M short lines stand for an endless stream.
	if _, err := ReadPrompts(&lines{n: 4 << 20, line: "p\n"}); err == nil || !strings.Contains(err.Error(), "more than 1048576 prompts") {
		t.Errorf("4M prompts: %v", err)
	}
	small := promptLimits{prompts: 3, bytes: 100, line: 1 << 10}
	conv := func(q string) string {
		return `{"conversations": [{"from": "human", "value": "` + q + `"}, {"from": "gpt", "value": "answer"}]}`
	}
	for _, tt := range []struct{ name, in, want string }{
		{"count", "a\nb\nc\nd\n", "line 4: more than 3 prompts"},
		{"bytes", strings.Repeat("x", 60) + "\n" + strings.Repeat("y", 60) + "\n", "line 2: the prompts take more than"},
		{"jsonl bytes", `{"prompt": "` + strings.Repeat("x", 60) + `"}` + "\n" + `{"messages": [{"role": "user", "content": "` + strings.Repeat("y", 60) + `"}]}` + "\n", "line 2: the prompts take more than"},
		{"sharegpt count", "[" + conv("a") + "," + conv("b") + "," + conv("c") + "," + conv("d") + "]", "conversation 4: more than 3 prompts"},
		{"sharegpt one conversation", "[" + conv(strings.Repeat("z", 200<<10)) + "]", "conversation 1: longer than 1024 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := readPrompts(strings.NewReader(tt.in), small)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%d prompts, error %v; want %q", len(ps), err, tt.want)
			}
		})
	}
	if ps, err := readPrompts(strings.NewReader("["+conv("a")+","+conv("b")+"]"), small); err != nil || len(ps) != 2 {
		t.Errorf("within the bounds: %d prompts, %v", len(ps), err)
	}
}
