package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/llmrec/llmrec/internal/outfile"
)

// MaxBodyFileBytes bounds a --body @FILE template: a request body of more
// than 16 MiB is no LLM request.
const MaxBodyFileBytes = 16 << 20

// LoadBody reads the request body template of the http API from path (the
// --body @FILE form): a regular file of at most MaxBodyFileBytes, refused
// before it is opened for reading when it is anything else, read until ctx
// is done.
func LoadBody(ctx context.Context, path string) (string, error) {
	b, err := ReadRegular(ctx, path, MaxBodyFileBytes)
	if err != nil && ctx.Err() == nil {
		return "", fmt.Errorf("body %w", err)
	}
	return string(b), err
}

// ReadRegular reads the file at path when it is a regular file of at most
// limit bytes: anything else is refused before it is opened for reading,
// and the read stops when ctx is done (with context.Cause(ctx)). Its
// errors start with the path.
func ReadRegular(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, _, err := openRegular(path, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(limitedFile(ctx, f, limit))
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// openRegular opens path for reading when it is a regular file of at most
// limit bytes, and returns it with its size. It looks before it opens:
// opening a FIFO for reading blocks until a writer comes, in a system call
// no signal handler can end, and a device or socket may never end. The
// open is non-blocking and checked again, in case the name changed since.
func openRegular(path string, limit int64) (*os.File, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, pathReason(err)
	}
	if err := checkRegular(st, limit); err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, pathReason(err)
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, 0, pathReason(err)
	}
	if err := checkRegular(st, limit); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// checkRegular says why a file is not one a run reads: not a regular file,
// or over limit bytes.
func checkRegular(st fs.FileInfo, limit int64) error {
	m := st.Mode()
	switch {
	case m.IsDir():
		return errors.New("is a directory, not a file")
	case !m.IsRegular():
		return fmt.Errorf("is %s, not a regular file: save it to a file first", outfile.FileKind(m))
	case st.Size() > limit:
		return fmt.Errorf("is %d bytes, over the limit of %d MiB", st.Size(), limit>>20)
	}
	return nil
}

// pathReason strips the path from an *fs.PathError: the caller names the
// file.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// limitedFile reads f until ctx is done, and fails when the file has grown
// past limit since it was checked.
func limitedFile(ctx context.Context, f io.Reader, limit int64) io.Reader {
	return &ctxReader{ctx: ctx, r: io.LimitReader(f, limit+1), limit: limit}
}

// ctxReader stops reading once ctx is done, and past limit bytes.
type ctxReader struct {
	ctx   context.Context
	r     io.Reader
	n     int64
	limit int64
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, fmt.Errorf("grew past the limit of %d MiB while being read", c.limit>>20)
	}
	return n, err
}
