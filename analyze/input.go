package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// inputFile is one run file whose footer has been checked.
type inputFile struct {
	path string // absolute, clean
	arg  string // as the user gave it (for messages)
	meta *schemas.RunMeta
	// runID is the footer's run_id as written: meta.RunID is cleaned for
	// printing, and the rows are checked against this one.
	runID string
	rows  int64
	info  os.FileInfo // to find the same file under two names
	// warnings are what loading the file found and left out.
	warnings []Warning
}

// globChars are the characters DuckDB (and filepath.Glob) expand.
const globChars = "*?["

// resolvePaths turns the arguments into a list of existing files. An
// argument that names an existing file is taken literally, whatever
// characters it holds, unless it is also a pattern that matches other
// files: that is ambiguous (a file named like the glob would hide the
// files the glob means), and refused. Otherwise an argument with glob
// characters is expanded here (each match is then read on its own,
// literally).
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
		_, statErr := os.Stat(arg)
		if !strings.ContainsAny(arg, globChars) {
			if err := add(arg, arg); err != nil {
				return nil, nil, err
			}
			continue
		}
		matches, err := filepath.Glob(arg)
		if statErr == nil {
			if others := otherMatches(arg, matches); err == nil && len(others) > 0 {
				return nil, nil, &InputError{Path: arg, Reason: ambiguousReason(arg, others)}
			}
			if err := add(arg, arg); err != nil {
				return nil, nil, err
			}
			continue
		}
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

// otherMatches are the matches of pattern arg that are not the file arg
// itself names.
func otherMatches(arg string, matches []string) []string {
	self, err := os.Stat(arg)
	var others []string
	for _, m := range matches {
		if st, serr := os.Stat(m); err == nil && serr == nil && os.SameFile(self, st) {
			continue
		}
		others = append(others, m)
	}
	sort.Strings(others)
	return others
}

// ambiguousReason is why an argument that is both an existing file's name
// and a pattern matching others is refused: it names at most three of the
// others and says how to mean either.
func ambiguousReason(arg string, others []string) string {
	names := make([]string, 0, 3)
	for _, o := range others[:min(len(others), 3)] {
		names = append(names, runfile.Quote(filepath.Base(o)))
	}
	if len(others) > 3 {
		names = append(names, "…")
	}
	return fmt.Sprintf("is the name of a file and a pattern that matches %s (%s): ambiguous; rename that file to read the matches, or escape each of * ? [ as [*] [?] [[] to read it alone",
		plural(len(others), "other file", "other files"), strings.Join(names, ", "))
}

// checkFile validates one run file's envelope and footer without DuckDB,
// so that every kind of bad input gets a precise one-line reason.
func checkFile(path, arg string) (*inputFile, error) {
	bad := func(reason string, err error) error {
		return &InputError{Path: arg, Reason: reason, Err: err}
	}
	if reason := unreadableName(path); reason != "" {
		return nil, bad(reason, nil)
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
	runID := meta.RunID
	var warnings []Warning
	hadEnds := len(meta.Shape.StepEndsS) > 0
	if n := cleanMeta(meta); n > 0 {
		warnings = append(warnings, Warning{Fact: FileFact{Kind: FileLabelsCut, File: filepath.Base(path), N: n, Shown: maxLabels}})
	}
	if hadEnds && len(meta.Shape.StepEndsS) == 0 {
		warnings = append(warnings, Warning{Fact: FileFact{Kind: FileStepEnds, File: filepath.Base(path)}})
	}
	return &inputFile{path: path, arg: arg, meta: meta, runID: runID, rows: ft.Rows, info: st, warnings: warnings}, nil
}

// unreadableName says why DuckDB cannot read a file named path; "" when
// it can.
func unreadableName(path string) string {
	if !utf8.ValidString(path) {
		// DuckDB takes paths as UTF-8; binding another name to its
		// allowed_paths crashed the process.
		return "its name is not valid UTF-8, which DuckDB cannot take: rename the file or give a link to it"
	}
	if strings.Contains(path, `\`) && strings.ContainsAny(path, globChars) {
		// DuckDB's glob gives the backslash a meaning of its own, and no
		// escaping makes it match such a name literally.
		return `its name has both a backslash and one of * ? [, which DuckDB cannot read literally: rename the file or give a link to it`
	}
	return ""
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
// (under two names, a hard link or a symbolic link), two files holding the
// same shard of the run (each would count requests twice), and shards
// whose footers disagree on what the run was (footerDisagreement): their
// rows would be merged as one load that no recorder sent.
func checkOneRun(ctx context.Context, files []*inputFile) error {
	first := files[0]
	byShard := make(map[int]*inputFile, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.meta.RunID != first.meta.RunID {
			return &InputError{Path: f.arg, Reason: fmt.Sprintf(
				"belongs to run %q, not run %q of %s: analyze reads the shards of one run; use `llmrep compare` to compare runs",
				f.meta.RunID, first.meta.RunID, first.arg)}
		}
		if g, ok := byShard[f.meta.Shard]; ok {
			// The same file under two names holds the same shard too.
			if os.SameFile(f.info, g.info) {
				return &InputError{Path: f.arg, Reason: sameFileReason(g.arg)}
			}
			return &InputError{Path: f.arg, Reason: fmt.Sprintf(
				"holds shard %d of run %q, as does %s: a shard given twice would count its requests twice; give each shard once",
				f.meta.Shard, f.meta.RunID, g.arg)}
		}
		byShard[f.meta.Shard] = f
		if field, mine, theirs := footerDisagreement(f.meta, first.meta); field != "" {
			return &InputError{Path: f.arg, Reason: fmt.Sprintf(
				"its footer's %s is %s, %s's is %s: the shards of one run are recorded with the same flags (shards, start-at, shape, target, api, model, max tokens, timeouts, workload), so it is not a shard of that run; record it again with the run's flags, or analyze it apart",
				field, mine, first.arg, theirs)}
		}
	}
	return nil
}

// footerDisagreement compares what two shards' footers say the run was:
// the shard count, the start, the shape, the target (the simulator's
// profile when each shard ran its own simulator), API, model, streaming,
// max tokens, timeouts and workload. It returns the first field that
// differs and both values as JSON (cut to maxEchoedValue bytes), or ""
// when they agree.
func footerDisagreement(a, b *schemas.RunMeta) (field, va, vb string) {
	target := func(m *schemas.RunMeta) string {
		if m.Simulator != "" {
			return "simulator " + m.Simulator
		}
		return m.Target
	}
	top := []struct {
		name string
		a, b any
	}{
		{"shards", a.Shards, b.Shards},
		{"started_at", a.StartedAt.UTC().Format(time.RFC3339Nano), b.StartedAt.UTC().Format(time.RFC3339Nano)},
		{"target", target(a), target(b)},
		{"api", a.API, b.API},
		{"model", a.Model, b.Model},
		{"stream", a.Stream, b.Stream},
		{"max_tokens", a.MaxTokens, b.MaxTokens},
		{"shape", a.Shape, b.Shape},
		{"timeouts", a.Timeouts, b.Timeouts},
		{"workload", a.Workload, b.Workload},
	}
	for _, c := range top {
		if field, va, vb := jsonDiff(c.name, c.a, c.b); field != "" {
			return field, va, vb
		}
	}
	return "", "", ""
}

// maxEchoedValue bounds a footer value quoted in a disagreement, in bytes.
const maxEchoedValue = 64

// jsonDiff compares a and b as JSON: for objects, field by field (in the
// order of their names, named name.field); otherwise whole. It returns the
// first difference, "" when none.
func jsonDiff(name string, a, b any) (field, va, vb string) {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if bytes.Equal(ja, jb) {
		return "", "", ""
	}
	var oa, ob map[string]json.RawMessage
	if json.Unmarshal(ja, &oa) == nil && json.Unmarshal(jb, &ob) == nil && oa != nil && ob != nil {
		keys := make([]string, 0, len(oa)+len(ob))
		for k := range oa {
			keys = append(keys, k)
		}
		for k := range ob {
			if _, ok := oa[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !bytes.Equal(oa[k], ob[k]) {
				return name + "." + k, echoJSON(oa[k]), echoJSON(ob[k])
			}
		}
	}
	return name, echoJSON(ja), echoJSON(jb)
}

// echoJSON is a JSON value fit for a one-line message: "absent" for none,
// printable and at most maxEchoedValue bytes.
func echoJSON(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return "absent"
	}
	return printable(string(v), maxEchoedValue)
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
// by shard, then file name. More files than a run can have shards
// (schemas.MaxShards) are refused before any is opened; canceling ctx
// stops the checks between files.
func openInputs(ctx context.Context, paths []string) ([]*inputFile, error) {
	abs, given, err := resolvePaths(paths)
	if err != nil {
		return nil, err
	}
	if len(abs) > schemas.MaxShards {
		return nil, &InputError{Path: given[schemas.MaxShards], Reason: fmt.Sprintf(
			"is one of %d files given: a run has at most %d shards, one file each; give the files of one run", len(abs), schemas.MaxShards)}
	}
	files := make([]*inputFile, len(abs))
	for i := range abs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if files[i], err = checkFile(abs[i], given[i]); err != nil {
			return nil, err
		}
	}
	if err := checkOneRun(ctx, files); err != nil {
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
