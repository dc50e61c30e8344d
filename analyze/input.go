package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// inputFile is one run file whose footer has been checked.
type inputFile struct {
	path string // absolute, clean
	arg  string // as the user gave it (for messages)
	meta *schemas.RunMeta
	rows int64
}

// globChars are the characters DuckDB (and filepath.Glob) expand.
const globChars = "*?["

// resolvePaths turns the arguments into a list of existing files. An
// argument that names an existing file is taken literally, whatever
// characters it holds; otherwise an argument with glob characters is
// expanded here (each match is then read on its own, literally).
func resolvePaths(args []string) ([]string, []string, error) {
	if len(args) == 0 {
		return nil, nil, errors.New("no run file given")
	}
	var paths, given []string
	seen := map[string]bool{}
	add := func(p, arg string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return &InputError{Path: arg, Reason: "bad path", Err: err}
		}
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		paths = append(paths, abs)
		given = append(given, p)
		return nil
	}
	for _, arg := range args {
		if _, err := os.Stat(arg); err == nil || !strings.ContainsAny(arg, globChars) {
			if err := add(arg, arg); err != nil {
				return nil, nil, err
			}
			continue
		}
		matches, err := filepath.Glob(arg)
		if err != nil {
			return nil, nil, &InputError{Path: arg, Reason: "bad glob pattern", Err: err}
		}
		if len(matches) == 0 {
			return nil, nil, &InputError{Path: arg, Reason: "no file matches this pattern"}
		}
		sort.Strings(matches)
		for _, m := range matches {
			if err := add(m, m); err != nil {
				return nil, nil, err
			}
		}
	}
	return paths, given, nil
}

// checkFile validates one run file's envelope and footer without DuckDB,
// so that every kind of bad input gets a precise one-line reason.
func checkFile(path, arg string) (*inputFile, error) {
	bad := func(reason string, err error) error {
		return &InputError{Path: arg, Reason: reason, Err: err}
	}
	if strings.Contains(path, `\`) && strings.ContainsAny(path, globChars) {
		// DuckDB's glob gives the backslash a meaning of its own, and no
		// escaping makes it match such a name literally.
		return nil, bad(`its name has both a backslash and one of * ? [, which DuckDB cannot read literally: rename the file or give a link to it`, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, bad("no such file", err)
		case errors.Is(err, fs.ErrPermission):
			return nil, bad("permission denied", err)
		}
		return nil, bad("cannot open: "+pathErrReason(err), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, bad("cannot stat: "+pathErrReason(err), err)
	}
	if st.IsDir() {
		return nil, bad("is a directory, not a run file", nil)
	}
	ft, err := runfile.ReadFooter(f, st.Size(), arg)
	if err != nil {
		var fe *runfile.FooterError
		if errors.As(err, &fe) {
			return nil, bad(fe.Reason, fe.Err)
		}
		return nil, bad(err.Error(), err)
	}
	return &inputFile{path: path, arg: arg, meta: ft.Meta, rows: ft.Rows}, nil
}

// pathErrReason strips the path from an *fs.PathError (the message names
// the file already).
func pathErrReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// checkOneRun refuses files of different runs.
func checkOneRun(files []*inputFile) error {
	first := files[0]
	for _, f := range files[1:] {
		if f.meta.RunID != first.meta.RunID {
			return &InputError{Path: f.arg, Reason: fmt.Sprintf(
				"belongs to run %q, not run %q of %s: analyze reads the shards of one run; use `llmrep compare` to compare runs",
				f.meta.RunID, first.meta.RunID, first.arg)}
		}
	}
	return nil
}

// escapeGlob makes a path that DuckDB's glob matches only literally:
// each of * ? [ becomes a one-character class.
func escapeGlob(p string) string {
	if !strings.ContainsAny(p, globChars) {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// openInputs resolves paths (globs expanded in Go), checks every file's
// envelope and footer, checks they are shards of one run, and orders them
// by shard, then file name.
func openInputs(paths []string) ([]*inputFile, error) {
	abs, given, err := resolvePaths(paths)
	if err != nil {
		return nil, err
	}
	files := make([]*inputFile, len(abs))
	for i := range abs {
		if files[i], err = checkFile(abs[i], given[i]); err != nil {
			return nil, err
		}
	}
	if err := checkOneRun(files); err != nil {
		return nil, err
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].meta.Shard != files[j].meta.Shard {
			return files[i].meta.Shard < files[j].meta.Shard
		}
		return filepath.Base(files[i].path) < filepath.Base(files[j].path)
	})
	return files, nil
}
