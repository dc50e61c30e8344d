package main

import (
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/internal/helpcheck"
)

// TestHelpExamples: every --help has 2 to 4 examples that parse, and no
// flag shows a Go type as its placeholder.
func TestHelpExamples(t *testing.T) {
	helpcheck.Examples(t, "llmrep", func() *cobra.Command {
		return NewCmdRoot(&IO{Out: io.Discard, Err: io.Discard})
	})
}
