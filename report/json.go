package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/report/view"
)

// JSON writes the Analysis as indented JSON (format_version
// analyze.FormatVersion; keys documented in FORMAT-JSON.md). Object keys
// come in struct order and map keys sorted, so output is deterministic.
func JSON(w io.Writer, a *analyze.Analysis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(view.WithWords(a)); err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	return nil
}
