// Package outfile is the one rule by which llmrec and llmrep write a file
// the user names: the reports of llmrep analyze, compare and check (-o and
// the default HTML path), llmrep export -o, llmrec run -o and the path
// llmrec recover rebuilds. Check applies the rule to a name:
//
//   - "-" is standard output.
//   - A character device, a FIFO or a socket, named directly or through
//     symbolic links (/dev/stdout, /dev/stderr, /dev/fd/N, /dev/null), is a
//     stream: it is written in place. It is never renamed over, never
//     replaced, and no file is created beside it.
//   - Any other symbolic link (to a regular file, to a directory, to
//     nothing) is refused: a link is never replaced and never written
//     through. To write the file a link points to, name that file.
//   - A directory, a block device and any other kind of file is refused.
//   - A regular file or a new name in an existing directory is a file: the
//     new content goes to a temporary file in the same directory, which is
//     then renamed onto the name, so a reader sees the old file or the new
//     one, never half of one. It is never one of the command's inputs,
//     under any name (another path, a link, a hard link).
//
// Directories on the way to the name are followed as by any program; only
// the last element of the name is judged. A name is taken literally:
// glob characters in it are no pattern (Note says so to the user).
//
// Write and WriteVia put content at a checked Target. The run file is the
// one writer that does not go through them: it is written in place from
// its first row, beside its crash journal (package runfile), so it takes
// only the File kind, and it is new or (with --force) a regular file.
//
// Imports (of ours): nothing; only the standard library, so that both commands
// (llmrec builds without cgo) and every library that writes may use it.
package outfile
