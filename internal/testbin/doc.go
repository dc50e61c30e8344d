// Package testbin builds the module's commands for the tests that run
// them as processes (signals, exit statuses, several shards at once).
//
// A binary is built once for its source, not once per test package: its
// name carries a hash of the build IDs of every package it is linked from
// (go list -export: each covers the package's files, embedded files,
// flags and Go version), and it is kept in the user's cache directory
// (os.UserCacheDir()/llmrec/testbin). Every test binary of a `go test`
// run, and every later run of unchanged source, finds it there; a change
// to any file the command is built from gives a new name, so a test never
// runs a stale binary. A binary is written under a temporary name and
// renamed into place, so test processes building at once never see half
// a file. Binaries unused for a day are removed.
//
// Imports (of ours): nothing.
package testbin
