//go:build unix

package analyze

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNonRegularFilesRefused: a FIFO, a device, a socket and a directory
// are refused before they are opened for reading (a FIFO would block the
// open until a writer comes, deaf to signals): *InputError, at once.
func TestNonRegularFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "run.parquet")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// Should an open block (the old code), a writer releases it.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	sock := filepath.Join(dir, "s.parquet")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct{ path, want string }{
		{fifo, "named pipe (FIFO)"},
		{os.DevNull, "is a device"},
		{sock, "is a socket"},
		{dir, "is a directory"},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			_, err := Analyze(context.Background(), testOptions(0, 5*time.Second), tt.path)
			done <- err
		}()
		select {
		case err := <-done:
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err = %v, want an input error with %q", tt.path, err, tt.want)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s: Analyze still blocked after 20s", tt.path)
		}
	}
}
