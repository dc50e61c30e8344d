// Package helpcheck checks the --help of a cobra command tree, for the
// tests of the llmrec and llmrep commands: every command has 2 to 4
// examples, each example parses with the flags the command really has,
// and every flag's placeholder is a word for the reader, not a Go type.
//
// Imports (of ours): nothing.
package helpcheck
