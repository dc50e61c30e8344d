package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// inputFile is one run file whose footer has been checked.
type inputFile struct {
	path string // absolute, clean
	arg  string // as the user gave it (for messages)
	meta *schemas.RunMeta
	rows int64
	info os.FileInfo // to find the same file under two names
	// warnings are what loading the file found and left out.
	warnings []string
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
	seen := map[string]string{}
	add := func(p, arg string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return &InputError{Path: arg, Reason: "bad path", Err: err}
		}
		if first, ok := seen[abs]; ok {
			return &InputError{Path: p, Reason: sameFileReason(first)}
		}
		seen[abs] = p
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
	if !utf8.ValidString(path) {
		// DuckDB takes paths as UTF-8; binding another name to its
		// allowed_paths crashed the process.
		return nil, bad("its name is not valid UTF-8, which DuckDB cannot take: rename the file or give a link to it", nil)
	}
	if strings.Contains(path, `\`) && strings.ContainsAny(path, globChars) {
		// DuckDB's glob gives the backslash a meaning of its own, and no
		// escaping makes it match such a name literally.
		return nil, bad(`its name has both a backslash and one of * ? [, which DuckDB cannot read literally: rename the file or give a link to it`, nil)
	}
	openErr := func(err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return bad("no such file", err)
		case errors.Is(err, fs.ErrPermission):
			return bad("permission denied", err)
		}
		return bad("cannot open: "+pathErrReason(err), err)
	}
	// Look before opening: opening a FIFO for reading blocks until a
	// writer comes, in a system call no signal handler can end.
	st, err := os.Stat(path)
	if err != nil {
		return nil, openErr(err)
	}
	if reason := notRegular(st.Mode()); reason != "" {
		return nil, bad(reason, nil)
	}
	// O_NONBLOCK: should the name have become a FIFO since, the open
	// returns at once and the check below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, openErr(err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, bad("cannot stat: "+pathErrReason(err), err)
	}
	if reason := notRegular(st.Mode()); reason != "" {
		return nil, bad(reason, nil)
	}
	ft, err := runfile.ReadFooter(f, st.Size(), arg)
	if err != nil {
		var fe *runfile.FooterError
		if errors.As(err, &fe) {
			return nil, bad(fe.Reason, fe.Err)
		}
		return nil, bad(err.Error(), err)
	}
	meta := ft.Meta
	var warnings []string
	if n := cleanMeta(meta); n > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %s past the first %d (by key) not shown", filepath.Base(path), plural(n, "label", "labels"), maxLabels))
	}
	return &inputFile{path: path, arg: arg, meta: meta, rows: ft.Rows, info: st, warnings: warnings}, nil
}

// notRegular says why a file of mode m is not a run file; "" for a
// regular file.
func notRegular(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "is a directory, not a run file"
	}
	return "is " + runfile.FileKind(m) + ", not a run file: llmrep reads regular files only"
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

// checkOneRun refuses files of different runs, the same file given twice
// (under two names, a hard link or a symbolic link) and two files holding
// the same shard of the run: each would count requests twice.
func checkOneRun(files []*inputFile) error {
	first := files[0]
	for i, f := range files {
		if i > 0 && f.meta.RunID != first.meta.RunID {
			return &InputError{Path: f.arg, Reason: fmt.Sprintf(
				"belongs to run %q, not run %q of %s: analyze reads the shards of one run; use `llmrep compare` to compare runs",
				f.meta.RunID, first.meta.RunID, first.arg)}
		}
		for _, g := range files[:i] {
			if os.SameFile(f.info, g.info) {
				return &InputError{Path: f.arg, Reason: sameFileReason(g.arg)}
			}
			if f.meta.Shard == g.meta.Shard {
				return &InputError{Path: f.arg, Reason: fmt.Sprintf(
					"holds shard %d of run %q, as does %s: a shard given twice would count its requests twice; give each shard once",
					f.meta.Shard, f.meta.RunID, g.arg)}
			}
		}
	}
	return nil
}

// sameFileReason is the reason a file given twice is refused.
func sameFileReason(first string) string {
	return fmt.Sprintf("is the same file as %s: a file given twice would count its requests twice; give it once", first)
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
