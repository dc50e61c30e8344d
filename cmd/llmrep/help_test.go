package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/llmrec/llmrec/analyze/compare"
	"github.com/llmrec/llmrec/internal/helpcheck"
)

// TestHelpExamples: every --help has 2 to 4 examples that parse, and no
// flag shows a Go type as its placeholder.
func TestHelpExamples(t *testing.T) {
	helpcheck.Examples(t, "llmrep", func() *cobra.Command {
		return NewCmdRoot(&IO{Out: io.Discard, Err: io.Discard})
	})
}

// TestREADMEListsEveryCheckMetric: the README's list of the metrics
// `llmrep check` gates is the gate package's (analyze/compare), every name, in its order.
func TestREADMEListsEveryCheckMetric(t *testing.T) {
	src, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "\n- Metrics: ")
	if !ok {
		t.Fatal("README.md has no \"- Metrics: \" item")
	}
	item, _, _ := strings.Cut(rest, "`, and")
	item = strings.Trim(strings.TrimSpace(item), "`")
	got := strings.Fields(item)
	if want := compare.MetricNames(); !slices.Equal(got, want) {
		t.Errorf("README.md's check metrics:\n  %v\nthe analyzer's:\n  %v", got, want)
	}
}
