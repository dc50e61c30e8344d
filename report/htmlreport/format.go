package htmlreport

import (
	"strconv"

	"github.com/llmrec/llmrec/report/view"
)

// orNA is s, or view.NA when s is empty.
func orNA(s string) string {
	if s == "" {
		return view.NA
	}
	return view.Clean(s)
}

// trimFloat prints v with as few digits as needed ("2", "1.5").
func trimFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
